// snapshot.cpp: the one-at-a-time queries of a Snapshot.
//
// A Python Snapshot is immutable and answers without locks; every answer comes
// from the C++ facade (Snapshot::locate, resolve, grid_at, nearest, ...), so it
// equals what the CLI and HTTP faces say. Lon, lat in degrees, WGS84.
#include "binding.hpp"


namespace poleloc::python {
namespace {

Pole pole_of(const PySnapshot& s, PoleView v) { return Pole{s.snapshot, v}; }

std::vector<Pole> poles_of(const PySnapshot& s, const std::vector<PoleView>& views) {
  std::vector<Pole> out;
  out.reserve(views.size());
  for (const PoleView& v : views) out.push_back(pole_of(s, v));
  return out;
}

LonLat lonlat_from(py::handle h, const char* what) {
  if (!py::isinstance<py::sequence>(h) || py::isinstance<py::str>(h) || py::len(h) != 2) {
    raise(ErrorCode::bad_request, std::string(what) + " must be a (lon, lat) pair in degrees");
  }
  auto seq = py::reinterpret_borrow<py::sequence>(h);
  try {
    return {seq[0].cast<double>(), seq[1].cast<double>()};
  } catch (const py::cast_error&) {
    raise(ErrorCode::bad_request, std::string(what) + " must be a (lon, lat) pair of numbers");
  }
}

BBox bbox_from(py::handle h) {
  if (!py::isinstance<py::sequence>(h) || py::isinstance<py::str>(h) || py::len(h) != 4) {
    raise(ErrorCode::bad_request, "bbox must be (min_lon, min_lat, max_lon, max_lat) in degrees");
  }
  auto seq = py::reinterpret_borrow<py::sequence>(h);
  try {
    return {seq[0].cast<double>(), seq[1].cast<double>(), seq[2].cast<double>(), seq[3].cast<double>()};
  } catch (const py::cast_error&) {
    raise(ErrorCode::bad_request, "bbox must be (min_lon, min_lat, max_lon, max_lat) of numbers");
  }
}

}  // namespace

std::size_t count_from(py::handle h, const char* what) {
  long long v = 0;
  try {
    v = h.cast<long long>();
  } catch (const py::cast_error&) {
    raise(ErrorCode::bad_request, std::string(what) + " must be an integer");
  }
  if (v < 0) raise(ErrorCode::bad_request, std::string(what) + " must not be negative, got " + std::to_string(v));
  return static_cast<std::size_t>(v);
}

const std::vector<py::object>& PySnapshot::grid_ids() {
  if (grid_id_objects.size() != snapshot->grid_index_end()) {
    std::vector<py::object> ids;
    ids.reserve(snapshot->grid_index_end());
    for (std::uint32_t g = 0; g < snapshot->grid_index_end(); ++g) {
      // An index a later write replaced (until the background merge) names no grid.
      ids.push_back(snapshot->grid_index_is_live(g) ? py::object(py::str(std::string(snapshot->grid_by_index(g).id())))
                                                    : py::object(py::none()));
    }
    grid_id_objects = std::move(ids);
  }
  return grid_id_objects;
}

void bind_snapshot(py::module_&, py::class_<PySnapshot>& cls) {
  cls.def("locate", [](const PySnapshot& s, std::string_view number) -> std::optional<Pole> {
        if (auto v = s.snapshot->locate(number)) return pole_of(s, *v);
        return std::nullopt;
      }, py::arg("number"))
      .def("grid_at", [](const PySnapshot& s, double lon, double lat) -> std::optional<Grid> {
        if (auto g = s.snapshot->grid_at({lon, lat})) return Grid{s.snapshot, *g};
        return std::nullopt;
      }, py::arg("lon"), py::arg("lat"))
      .def("grid", [](const PySnapshot& s, std::string_view id) -> std::optional<Grid> {
        if (auto g = s.snapshot->grid(id)) return Grid{s.snapshot, *g};
        return std::nullopt;
      }, py::arg("id"))
      .def("nearest", [](const PySnapshot& s, double lon, double lat, py::handle k, std::optional<double> max_m) {
        NearestOptions options{.k = count_from(k, "k"), .max_m = max_m};
        Result<std::vector<NearbyPole>> found = Status(ErrorCode::internal, "not run");
        {
          py::gil_scoped_release release;
          found = s.snapshot->nearest({lon, lat}, options);
        }
        std::vector<Nearby> out;
        for (const NearbyPole& n : unwrap(std::move(found))) out.push_back({pole_of(s, n.pole), n.distance_m});
        return out;
      }, py::arg("lon"), py::arg("lat"), py::arg("k") = 5, py::arg("max_m") = py::none())
      .def("resolve", [](const PySnapshot& s, std::string text, py::object near, py::handle limit, double far_m,
                         std::optional<double> near_accuracy_m, std::string near_crs) {
        ResolveOptions options;
        if (!near.is_none()) options.near = lonlat_from(near, "near");
        options.near_accuracy_m = near_accuracy_m;
        auto crs = parse_location_crs(near_crs);
        if (!crs) unwrap(Result<int>(Status(ErrorCode::bad_request, "near_crs must be 'wgs84', 'gcj02' or 'bd09'")));
        options.near_crs = *crs;
        options.limit = count_from(limit, "limit");
        options.far_m = far_m;
        Result<std::vector<Candidate>> found = Status(ErrorCode::internal, "not run");
        {
          py::gil_scoped_release release;
          found = s.snapshot->resolve(text, options);
        }
        std::vector<ResolvedCandidate> out;
        for (Candidate& c : unwrap(std::move(found))) {
          Pole p = pole_of(s, c.pole);
          out.push_back({std::move(p), std::move(c)});
        }
        return out;
      }, py::arg("text"), py::arg("near") = py::none(), py::arg("limit") = 5, py::arg("far_m") = 2000.0,
         py::arg("near_accuracy_m") = py::none(), py::arg("near_crs") = "wgs84")
      .def("poles_in_grid", [](const PySnapshot& s, std::string id, py::object limit) {
        // Every pole (or the first `limit`) in number order, gathered page by page.
        std::optional<std::size_t> want;
        if (!limit.is_none()) want = count_from(limit, "limit");
        std::vector<PoleView> views;
        {
          py::gil_scoped_release release;
          PageOptions page{.limit = kMaxPageSize, .cursor = 0};
          while (!want || views.size() < *want) {
            if (want) page.limit = std::min(kMaxPageSize, *want - views.size());
            if (page.limit == 0) break;
            auto result = s.snapshot->poles_in_grid(id, page);
            if (!result) raise(result.status());  // a C++ exception; the GIL is re-taken on unwinding
            views.insert(views.end(), result->poles.begin(), result->poles.end());
            if (!result->next_cursor) break;
            page.cursor = *result->next_cursor;
          }
        }
        return poles_of(s, views);
      }, py::arg("id"), py::arg("limit") = py::none())
      .def("within", [](const PySnapshot& s, py::handle bbox, py::handle limit) {
        const BBox box = bbox_from(bbox);
        const std::size_t n = count_from(limit, "limit");
        Result<std::vector<PoleView>> found = Status(ErrorCode::internal, "not run");
        {
          py::gil_scoped_release release;
          found = s.snapshot->within(box, n);
        }
        return poles_of(s, unwrap(std::move(found)));
      }, py::arg("bbox"), py::arg("limit") = kMaxPageSize)
      .def("pole_by_index", [](const PySnapshot& s, py::handle index) {
        const std::size_t i = count_from(index, "index");
        if (i >= s.snapshot->pole_index_end()) {
          raise(ErrorCode::bad_request, "pole index " + std::to_string(i) + " is out of range (" +
                                                 std::to_string(s.snapshot->pole_index_end()) + " pole indexes)");
        }
        if (!s.snapshot->pole_index_is_live(static_cast<std::uint32_t>(i))) {
          raise(ErrorCode::not_found, "pole index " + std::to_string(i) + " names a pole a later write replaced or deleted");
        }
        return pole_of(s, s.snapshot->pole_by_index(static_cast<std::uint32_t>(i)));
      }, py::arg("index"))
      .def("grid_by_index", [](const PySnapshot& s, py::handle index) {
        const std::size_t i = count_from(index, "index");
        if (i >= s.snapshot->grid_index_end()) {
          raise(ErrorCode::bad_request, "grid index " + std::to_string(i) + " is out of range (" +
                                                 std::to_string(s.snapshot->grid_index_end()) + " grid indexes)");
        }
        if (!s.snapshot->grid_index_is_live(static_cast<std::uint32_t>(i))) {
          raise(ErrorCode::not_found, "grid index " + std::to_string(i) + " names a grid a later write replaced or deleted");
        }
        return Grid{s.snapshot, s.snapshot->grid_by_index(static_cast<std::uint32_t>(i))};
      }, py::arg("index"))
      .def("grids", [](const PySnapshot& s) {
        std::vector<Grid> out;
        out.reserve(s.snapshot->grid_count());
        s.snapshot->for_each_grid([&](GridView g) { out.push_back(Grid{s.snapshot, g}); });
        return out;
      })
      .def("aliases", [](const PySnapshot& s) {
        py::dict out;
        for (const AliasRecord& a : s.snapshot->aliases()) out[py::str(a.alias)] = py::str(a.code);
        return out;
      })
      .def_property_readonly("pole_count", [](const PySnapshot& s) { return s.snapshot->pole_count(); })
      .def_property_readonly("grid_count", [](const PySnapshot& s) { return s.snapshot->grid_count(); })
      .def("stats", [](const PySnapshot& s) {
        const SnapshotStats st = s.snapshot->stats();
        py::dict d;
        d["poles"] = st.poles;
        d["grids"] = st.grids;
        d["aliases"] = st.aliases;
        d["sequence"] = st.sequence;
        d["built_unix_ms"] = st.built_unix_ms;
        d["index_bytes"] = st.index_bytes;
        d["mapped_bytes"] = st.mapped_bytes;  // the grid index file read in place
        return d;
      })
      .def("__repr__", [](const PySnapshot& s) {
        const SnapshotStats st = s.snapshot->stats();
        return "Snapshot(poles=" + std::to_string(st.poles) + ", grids=" + std::to_string(st.grids) +
               ", sequence=" + std::to_string(st.sequence) + ")";
      });
}

}  // namespace poleloc::python
