// views.cpp: Pole, Grid, NearbyPole and Candidate as Python objects.
//
// Each has a readable repr and a __geo_interface__. The interface is a GeoJSON
// geometry (Point, Polygon or MultiPolygon: "type" and "coordinates") that also
// carries the feature members "geometry" and "properties". That one dict is
// what both consumers read: shapely.geometry.shape() (shapely 1.8, Debian 12,
// reads type/coordinates only and rejects a "Feature") and
// geopandas.GeoDataFrame.from_features() (reads geometry/properties).
// `feature` gives the strict RFC 7946 Feature for json.dumps.
//
// Coordinates are lon, lat in degrees, WGS84.
#include "binding.hpp"

#include <poleloc/record_snapshot.hpp>

#include <cmath>
#include <cstdio>

namespace poleloc::python {
namespace {

std::string fixed7(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.7f", v);
  return buf;
}

std::string py_repr(std::string_view s) { return py::repr(py::str(s.data(), s.size())).cast<std::string>(); }

py::tuple point_coordinates(LonLat p) { return py::make_tuple(p.lon, p.lat); }

py::tuple ring_coordinates(const Ring& ring) {
  py::tuple out(ring.size());
  for (std::size_t i = 0; i < ring.size(); ++i) out[i] = point_coordinates(ring[i]);
  return out;
}

py::tuple polygon_coordinates(const Polygon& polygon) {
  py::tuple out(polygon.rings.size());
  for (std::size_t i = 0; i < polygon.rings.size(); ++i) out[i] = ring_coordinates(polygon.rings[i]);
  return out;
}

// The hybrid geometry-and-feature dict described at the top of the file.
py::dict geo_interface(const py::dict& geometry, const py::dict& properties) {
  py::dict out;
  out["type"] = geometry["type"];
  out["coordinates"] = geometry["coordinates"];
  out["geometry"] = geometry;
  out["properties"] = properties;
  return out;
}

py::dict feature(py::object id, const py::dict& geometry, const py::dict& properties) {
  py::dict out;
  out["type"] = "Feature";
  out["id"] = std::move(id);
  out["geometry"] = geometry;
  out["properties"] = properties;
  return out;
}

py::dict point_dict(LonLat p) {
  py::dict g;
  g["type"] = "Point";
  g["coordinates"] = point_coordinates(p);
  return g;
}

// Fixed keys first; an attribute never overrides one of them.
void add_attributes(py::dict& properties, const Attributes& attributes) {
  for (const Attribute& a : attributes) {
    py::str key(a.first);
    if (!properties.contains(key)) properties[key] = attribute_value(a);
  }
}

py::dict pole_properties(const Pole& p) {
  py::dict props;
  props["number"] = py::str(std::string(p.view.number()));
  if (auto g = p.view.grid()) {
    props["grid_id"] = py::str(std::string(g->id()));
    props["grid_name"] = py::str(std::string(g->name()));
  } else {
    props["grid_id"] = py::none();
    props["grid_name"] = py::none();
  }
  add_attributes(props, p.view.attributes());
  return props;
}

py::dict grid_properties(const Grid& g) {
  py::dict props;
  props["id"] = py::str(std::string(g.view.id()));
  props["name"] = py::str(std::string(g.view.name()));
  add_attributes(props, g.view.attributes());
  return props;
}

std::string pole_repr(const Pole& p) {
  const LonLat pos = p.view.position();
  std::string s = "Pole(" + py_repr(p.view.number()) + ", lon=" + fixed7(pos.lon) + ", lat=" + fixed7(pos.lat);
  if (auto g = p.view.grid()) s += ", grid=" + py_repr(g->id());
  return s + ")";
}

std::string grid_repr(const Grid& g) {
  const BBox b = g.view.bbox();
  std::size_t vertices = 0;
  const MultiPolygon geometry = g.view.geometry();  // built on each call: once
  for (const auto& polygon : geometry) {
    for (const auto& ring : polygon.rings) vertices += ring.size();
  }
  return "Grid(" + py_repr(g.view.id()) + ", name=" + py_repr(g.view.name()) + ", bbox=(" + fixed7(b.min_lon) +
         ", " + fixed7(b.min_lat) + ", " + fixed7(b.max_lon) + ", " + fixed7(b.max_lat) +
         "), polygons=" + std::to_string(geometry.size()) + ", vertices=" + std::to_string(vertices) + ")";
}


std::size_t view_hash(const void* snapshot, std::uint32_t index) {
  return std::hash<const void*>()(snapshot) * 31 + index;
}

// --- Python -> geometry ---------------------------------------------------

LonLat point_from_python(py::handle h, const std::string& where) {
  if (!py::isinstance<py::sequence>(h) || py::isinstance<py::str>(h)) {
    raise(ErrorCode::invalid_input, where + ": a position must be a [lon, lat] sequence");
  }
  auto seq = py::reinterpret_borrow<py::sequence>(h);
  if (seq.size() < 2) raise(ErrorCode::invalid_input, where + ": a position needs lon and lat");
  try {
    return {seq[0].cast<double>(), seq[1].cast<double>()};
  } catch (const py::cast_error&) {
    raise(ErrorCode::invalid_input, where + ": lon and lat must be numbers");
  }
}

Polygon polygon_from_python(py::handle h, const std::string& where) {
  if (!py::isinstance<py::sequence>(h)) raise(ErrorCode::invalid_input, where + ": a polygon is a list of rings");
  Polygon polygon;
  for (py::handle ring_h : py::reinterpret_borrow<py::sequence>(h)) {
    if (!py::isinstance<py::sequence>(ring_h)) {
      raise(ErrorCode::invalid_input, where + ": a ring is a list of positions");
    }
    Ring ring;
    for (py::handle p : py::reinterpret_borrow<py::sequence>(ring_h)) ring.push_back(point_from_python(p, where));
    polygon.rings.push_back(std::move(ring));
  }
  return polygon;
}

}  // namespace

py::object attribute_value(const Attribute& a) {
  switch (a.type) {
    case AttributeType::integer:
      if (auto v = a.as_integer()) return py::int_(*v);
      break;
    case AttributeType::real:
      if (auto v = a.as_real()) return py::float_(*v);
      break;
    case AttributeType::boolean:
      if (auto v = a.as_boolean()) return py::bool_(*v);
      break;
    case AttributeType::text:
      break;
  }
  return py::str(a.second);
}

py::dict attributes_dict(const Attributes& attributes) {
  py::dict d;
  for (const Attribute& a : attributes) d[py::str(a.first)] = attribute_value(a);
  return d;
}

std::optional<Attribute> attribute_from_python(std::string name, py::handle v) {
  if (v.is_none()) return std::nullopt;
  if (PyBool_Check(v.ptr())) return Attribute::boolean(std::move(name), v.ptr() == Py_True);
  if (py::hasattr(v, "dtype") && py::hasattr(v, "item") && !py::isinstance<py::array>(v)) {
    // A numpy scalar (numpy.bool_, int32, float32, ...): as its Python value.
    py::object item = v.attr("item")();
    if (!py::hasattr(item, "dtype")) return attribute_from_python(std::move(name), item);
  }
  if (PyFloat_Check(v.ptr())) {
    const double d = PyFloat_AsDouble(v.ptr());
    if (std::isnan(d)) return std::nullopt;
    return Attribute::real(std::move(name), d);  // infinity: refused by the facade's record check
  }
  if (PyLong_Check(v.ptr()) || (!PyUnicode_Check(v.ptr()) && PyIndex_Check(v.ptr()))) {
    int overflow = 0;
    py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(v.ptr()));
    if (!index) {
      PyErr_Clear();
      return Attribute{std::move(name), py::str(v).cast<std::string>()};
    }
    const long long n = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
    if (overflow == 0 && !(n == -1 && PyErr_Occurred())) return Attribute::integer(std::move(name), n);
    PyErr_Clear();
    return Attribute{std::move(name), py::str(index).cast<std::string>()};  // beyond int64: the digits as text
  }
  return Attribute{std::move(name), py::str(v).cast<std::string>()};
}

py::dict geometry_dict(const MultiPolygon& geometry) {
  py::dict g;
  if (geometry.size() == 1) {
    g["type"] = "Polygon";
    g["coordinates"] = polygon_coordinates(geometry[0]);
  } else {
    g["type"] = "MultiPolygon";
    py::tuple polys(geometry.size());
    for (std::size_t i = 0; i < geometry.size(); ++i) polys[i] = polygon_coordinates(geometry[i]);
    g["coordinates"] = polys;
  }
  return g;
}

MultiPolygon geometry_from_python(py::handle geometry, const std::string& where) {
  py::object ob = py::reinterpret_borrow<py::object>(geometry);
  if (ob.is_none()) raise(ErrorCode::invalid_input, where + ": missing geometry");
  if (py::hasattr(ob, "__geo_interface__")) ob = ob.attr("__geo_interface__");
  if (!py::isinstance<py::dict>(ob) && !PyMapping_Check(ob.ptr())) {
    raise(ErrorCode::invalid_input,
          where + ": a geometry is a GeoJSON-like mapping or an object with __geo_interface__");
  }
  auto get = [&](const char* key) -> py::object {
    if (!PyMapping_HasKeyString(ob.ptr(), key)) return py::none();
    return ob[key];
  };
  py::object type = get("type");
  if (!type.is_none() && type.cast<std::string>() == "Feature") {
    return geometry_from_python(get("geometry"), where);
  }
  const std::string kind = type.is_none() ? std::string("(none)") : py::str(type).cast<std::string>();
  py::object coordinates = get("coordinates");
  if (kind == "Polygon") return {polygon_from_python(coordinates, where)};
  if (kind == "MultiPolygon") {
    if (!py::isinstance<py::sequence>(coordinates)) {
      raise(ErrorCode::invalid_input, where + ": MultiPolygon coordinates must be a list of polygons");
    }
    MultiPolygon out;
    for (py::handle p : py::reinterpret_borrow<py::sequence>(coordinates)) {
      out.push_back(polygon_from_python(p, where));
    }
    return out;
  }
  raise(ErrorCode::invalid_input, where + ": geometry type " + kind + " is not Polygon or MultiPolygon");
}

// ---- pickling (multiprocessing, Dask) ----
// A Pole or Grid pickles as its record (a pole with the grid containing it)
// and unpickles into a small snapshot of its own (record_snapshot.hpp): the
// same number, position, attributes, grid and geometry, bit for bit, with no
// database to open. Comparisons (==) and `index` are per snapshot, as for
// objects of two different database snapshots.
namespace {

py::tuple attributes_state(const Attributes& attributes) {
  py::tuple out(attributes.size());
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    out[i] = py::make_tuple(attributes[i].first, attributes[i].second, static_cast<int>(attributes[i].type));
  }
  return out;
}
Attributes attributes_of_state(const py::handle& state) {
  Attributes out;
  for (py::handle kv : py::reinterpret_borrow<py::sequence>(state)) {
    auto pair = py::reinterpret_borrow<py::tuple>(kv);
    // (name, text, type); pickles made before typed attributes hold (name, text).
    const int type = pair.size() > 2 ? pair[2].cast<int>() : 0;
    if (type < 0 || type > static_cast<int>(AttributeType::boolean)) raise(ErrorCode::bad_request, "not a pickled attribute");
    out.emplace_back(pair[0].cast<std::string>(), pair[1].cast<std::string>(), static_cast<AttributeType>(type));
  }
  return out;
}
py::tuple grid_state(const GridView& g) {
  const MultiPolygon geometry = g.geometry();  // built on each call: once
  py::tuple polygons(geometry.size());
  for (std::size_t i = 0; i < geometry.size(); ++i) polygons[i] = polygon_coordinates(geometry[i]);
  return py::make_tuple(std::string(g.id()), std::string(g.name()), attributes_state(g.attributes()), polygons);
}
GridRecord grid_of_state(const py::tuple& state) {
  if (state.size() != 4) raise(ErrorCode::bad_request, "not a pickled poleloc.Grid");
  GridRecord g{state[0].cast<std::string>(), state[1].cast<std::string>(), attributes_of_state(state[2]), {}};
  for (py::handle p : py::reinterpret_borrow<py::sequence>(state[3])) g.geometry.push_back(polygon_from_python(p, "grid"));
  return g;
}
py::tuple pole_state(const Pole& p) {
  std::optional<GridView> g = p.view.grid();
  return py::make_tuple(std::string(p.view.number()), p.view.position().lon, p.view.position().lat,
                        attributes_state(p.view.attributes()), g ? py::object(grid_state(*g)) : py::object(py::none()));
}
Pole pole_of_state(const py::tuple& state) {
  if (state.size() != 5) raise(ErrorCode::bad_request, "not a pickled poleloc.Pole");
  PoleRecord pole{state[0].cast<std::string>(), {state[1].cast<double>(), state[2].cast<double>()},
                  attributes_of_state(state[3])};
  std::vector<GridRecord> grids;
  if (!state[4].is_none()) grids.push_back(grid_of_state(state[4].cast<py::tuple>()));
  auto snap = snapshot_from_records({pole}, std::move(grids));
  auto view = snap->locate(pole.number);
  if (!view) raise(ErrorCode::bad_request, "not a pickled poleloc.Pole: bad number '" + pole.number + "'");
  return Pole{snap, *view};
}
Grid grid_of_pickle(const py::tuple& state) {
  GridRecord g = grid_of_state(state);
  const std::string id = g.id;
  std::vector<GridRecord> grids;
  grids.push_back(std::move(g));
  auto snap = snapshot_from_records({}, std::move(grids));
  auto view = snap->grid(id);
  if (!view) raise(ErrorCode::bad_request, "not a pickled poleloc.Grid");
  return Grid{snap, *view};
}

}  // namespace

void bind_views(py::module_& m) {
  py::class_<Grid>(m, "Grid", "A grid (responsibility zone) of one snapshot. Coordinates: lon, lat, WGS84.")
      .def_property_readonly("id", [](const Grid& g) { return std::string(g.view.id()); })
      .def_property_readonly("name", [](const Grid& g) { return std::string(g.view.name()); })
      .def_property_readonly("attributes", [](const Grid& g) { return attributes_dict(g.view.attributes()); })
      .def_property_readonly("bbox", [](const Grid& g) {
        const BBox b = g.view.bbox();
        return py::make_tuple(b.min_lon, b.min_lat, b.max_lon, b.max_lat);
      }, "(min_lon, min_lat, max_lon, max_lat) in degrees")
      .def_property_readonly("index", [](const Grid& g) { return g.view.index(); },
                             "dense index of this grid in its snapshot (what grid_indexes_at returns)")
      .def_property_readonly("geometry", [](const Grid& g) { return geometry_dict(g.view.geometry()); },
                             "GeoJSON Polygon or MultiPolygon")
      .def_property_readonly("__geo_interface__", [](const Grid& g) {
        return geo_interface(geometry_dict(g.view.geometry()), grid_properties(g));
      })
      .def_property_readonly("feature", [](const Grid& g) {
        return feature(py::str(std::string(g.view.id())), geometry_dict(g.view.geometry()), grid_properties(g));
      }, "a GeoJSON Feature (RFC 7946)")
      .def("__repr__", &grid_repr)
      .def("__eq__", [](const Grid& a, py::object b) {
        return py::isinstance<Grid>(b) && a.view == b.cast<const Grid&>().view;
      })
      .def("__hash__", [](const Grid& g) { return view_hash(g.snapshot.get(), g.view.index()); })
      .def(py::pickle([](const Grid& g) { return grid_state(g.view); }, &grid_of_pickle));

  py::class_<Pole>(m, "Pole", "A numbered pole of one snapshot. Coordinates: lon, lat, WGS84.")
      .def_property_readonly("number", [](const Pole& p) { return std::string(p.view.number()); },
                             "canonical number, e.g. 'TJH0372'")
      .def_property_readonly("lon", [](const Pole& p) { return p.view.position().lon; })
      .def_property_readonly("lat", [](const Pole& p) { return p.view.position().lat; })
      .def_property_readonly("position", [](const Pole& p) { return point_coordinates(p.view.position()); },
                             "(lon, lat), WGS84 degrees")
      .def_property_readonly("gcj02", [](const Pole& p) { return point_coordinates(p.view.gcj02()); },
                             "(lon, lat) as shown on Chinese web maps (GCJ-02)")
      .def_property_readonly("grid", [](const Pole& p) -> std::optional<Grid> {
        if (auto g = p.view.grid()) return Grid{p.snapshot, *g};
        return std::nullopt;
      }, "the grid containing the pole, or None")
      .def_property_readonly("attributes", [](const Pole& p) { return attributes_dict(p.view.attributes()); })
      .def_property_readonly("where", [](const Pole& p) -> py::object {
        auto w = p.view.where();
        if (!w) return py::none();
        auto or_none = [](const std::string& s) -> py::object { return s.empty() ? py::object(py::none()) : py::str(s); };
        py::dict d;
        d["zh"] = w->zh;
        d["en"] = w->en;
        d["road"] = w->road;
        d["side"] = or_none(w->side);
        d["road_distance_m"] = w->road_distance_m;
        d["crossing"] = or_none(w->crossing);
        d["direction"] = or_none(w->direction);
        d["distance_m"] = w->crossing.empty() ? py::object(py::none()) : py::object(py::float_(w->distance_m));
        return d;
      }, "Where the pole stands in words (nearest road, side, crossing; docs/console.md), or None without roads")
      .def_property_readonly("index", [](const Pole& p) { return p.view.index(); },
                             "dense index of this pole in its snapshot (what nearest_many returns)")
      .def_property_readonly("__geo_interface__", [](const Pole& p) {
        return geo_interface(point_dict(p.view.position()), pole_properties(p));
      })
      .def_property_readonly("feature", [](const Pole& p) {
        return feature(py::str(std::string(p.view.number())), point_dict(p.view.position()), pole_properties(p));
      }, "a GeoJSON Feature (RFC 7946)")
      .def("__repr__", &pole_repr)
      .def("__eq__", [](const Pole& a, py::object b) {
        return py::isinstance<Pole>(b) && a.view == b.cast<const Pole&>().view;
      })
      .def("__hash__", [](const Pole& p) { return view_hash(p.snapshot.get(), p.view.index()); })
      .def(py::pickle(&pole_state, &pole_of_state));

  py::class_<Nearby>(m, "NearbyPole", "A pole and its geodesic distance (metres, WGS84) from the query point.")
      .def_readonly("pole", &Nearby::pole)
      .def_readonly("distance_m", &Nearby::distance_m)
      .def_property_readonly("__geo_interface__", [](const Nearby& n) {
        py::dict props = pole_properties(n.pole);
        props["distance_m"] = n.distance_m;
        return geo_interface(point_dict(n.pole.view.position()), props);
      })
      .def("__repr__", [](const Nearby& n) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.2f", n.distance_m);
        return "NearbyPole(" + pole_repr(n.pole) + ", distance_m=" + buf + ")";
      });

  py::class_<ResolvedCandidate>(m, "Candidate", "A pole a spoken or typed text may mean, with how sure it is.")
      .def_property_readonly("pole", [](const ResolvedCandidate& c) { return c.pole; })
      .def_property_readonly("score", [](const ResolvedCandidate& c) { return c.candidate.score; },
                             "in [0, 1]; of candidates scored s, about s are right")
      .def_property_readonly("match", [](const ResolvedCandidate& c) { return std::string(match_kind_name(c.candidate.match)); },
                             "'exact' or 'fuzzy'")
      .def_property_readonly("reason", [](const ResolvedCandidate& c) { return c.candidate.reason; })
      .def_property_readonly("read_back", [](const ResolvedCandidate& c) { return c.candidate.read_back; },
                             "the phrase a call-taker reads back to confirm")
      .def_property_readonly("distance_m", [](const ResolvedCandidate& c) { return c.candidate.distance_m; },
                             "geodesic metres from `near`, or None without `near`")
      .def_property_readonly("far_from_caller", [](const ResolvedCandidate& c) { return c.candidate.far_from_caller; })
      .def_property_readonly("__geo_interface__", [](const ResolvedCandidate& c) {
        py::dict props = pole_properties(c.pole);
        props["score"] = c.candidate.score;
        props["match"] = std::string(match_kind_name(c.candidate.match));
        props["reason"] = c.candidate.reason;
        props["read_back"] = c.candidate.read_back;
        props["distance_m"] = c.candidate.distance_m ? py::object(py::float_(*c.candidate.distance_m)) : py::none();
        props["far_from_caller"] = c.candidate.far_from_caller;
        return geo_interface(point_dict(c.pole.view.position()), props);
      })
      .def("__repr__", [](const ResolvedCandidate& c) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3f", c.candidate.score);
        return "Candidate(" + pole_repr(c.pole) + ", score=" + buf + ", match='" +
               std::string(match_kind_name(c.candidate.match)) + "', reason=" + py_repr(c.candidate.reason) + ")";
      });
}

}  // namespace poleloc::python
