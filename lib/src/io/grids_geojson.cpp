#include "geo/polygon_check.hpp"
#include "io/readers.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <unordered_set>

namespace poleloc::io {
namespace {

using json = nlohmann::json;

// Line (1-based) of byte offset `byte` in the file, for syntax errors.
std::size_t line_of_byte(const std::string& path, std::size_t byte) {
  std::ifstream in(path, std::ios::binary);
  std::size_t line = 1, pos = 0;
  char c;
  while (pos < byte && in.get(c)) {
    if (c == '\n') ++line;
    ++pos;
  }
  return line;
}

struct GeometryError {
  std::string reason;
};

// Reads a ring of [x, y] positions, converting to WGS84.
Ring read_ring(const json& ring, const geo::CrsTransform& crs, const std::string& where) {
  if (!ring.is_array()) throw GeometryError{where + " is not an array of positions"};
  Ring out;
  out.reserve(ring.size());
  for (std::size_t i = 0; i < ring.size(); ++i) {
    const json& pos = ring[i];
    if (!pos.is_array() || pos.size() < 2 || !pos[0].is_number() || !pos[1].is_number()) {
      throw GeometryError{where + " position " + std::to_string(i) + " is not [lon, lat] numbers"};
    }
    const LonLat p = crs.to_wgs84({pos[0].get<double>(), pos[1].get<double>()});
    if (!std::isfinite(p.lon) || !std::isfinite(p.lat) || p.lon < -180 || p.lon > 180 || p.lat < -90 || p.lat > 90) {
      throw GeometryError{where + " position " + std::to_string(i) + " (" + pos[0].dump() + ", " + pos[1].dump() +
                          ") is out of range for lon/lat" + (crs.is_identity() ? "" : " after CRS conversion")};
    }
    out.push_back(p);
  }
  return out;
}

Polygon read_polygon(const json& rings, const geo::CrsTransform& crs, const std::string& where) {
  if (!rings.is_array() || rings.empty()) throw GeometryError{where + " has no rings"};
  Polygon poly;
  for (std::size_t r = 0; r < rings.size(); ++r) {
    poly.rings.push_back(read_ring(rings[r], crs, where + " ring " + std::to_string(r)));
  }
  return poly;
}

MultiPolygon read_geometry(const json& g, const geo::CrsTransform& crs) {
  if (!g.is_object()) throw GeometryError{"geometry is missing or null; expected a Polygon or MultiPolygon"};
  auto type = g.find("type");
  auto coords = g.find("coordinates");
  if (type == g.end() || !type->is_string()) throw GeometryError{"geometry has no type"};
  const std::string& t = type->get_ref<const std::string&>();
  if (coords == g.end()) throw GeometryError{t + " has no coordinates"};
  MultiPolygon mp;
  if (t == "Polygon") {
    mp.push_back(read_polygon(*coords, crs, "polygon"));
  } else if (t == "MultiPolygon") {
    if (!coords->is_array() || coords->empty()) throw GeometryError{"MultiPolygon has no polygons"};
    for (std::size_t p = 0; p < coords->size(); ++p) {
      mp.push_back(read_polygon((*coords)[p], crs, "polygon " + std::to_string(p)));
    }
  } else {
    throw GeometryError{"wrong geometry type '" + t + "'; expected Polygon or MultiPolygon"};
  }
  return mp;
}

std::string as_attribute(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

void read_grids_geojson(const std::string& path, const geo::CrsTransform& crs, ErrorSink& errors,
                        const GridSink& sink, const Progress& progress) {
  auto fail = [&](std::optional<std::size_t> feature, std::size_t line, std::string field, std::string reason) {
    errors.add({shown(path), line, feature, std::move(field), std::move(reason)});
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail(std::nullopt, 0, "", "cannot open: " + std::string(std::strerror(errno)));
    return;
  }
  std::size_t feature_index = 0;
  bool in_features = false, saw_features = false;
  std::string last_root_key, root_type;
  std::unordered_set<std::string> ids;

  auto handle_feature = [&](json& f) {
    const std::size_t index = feature_index++;
    if (progress && feature_index % 1024 == 0) progress(feature_index);
    if (!f.is_object()) {
      fail(index, 0, "", "feature is not an object");
      return;
    }
    auto props = f.find("properties");
    if (props == f.end() || !props->is_object()) {
      fail(index, 0, "properties", "feature has no properties object; properties.id is required");
      return;
    }
    // properties.id is the contract; a feature-level "id" and integer ids are accepted too,
    // as many GIS tools write them that way.
    const json* id = nullptr;
    if (auto it = props->find("id"); it != props->end() && !it->is_null()) id = &*it;
    if (auto it = f.find("id"); !id && it != f.end()) id = &*it;
    std::string id_text;
    if (id && id->is_string()) id_text = id->get<std::string>();
    if (id && id->is_number_integer()) id_text = id->dump();
    if (id_text.empty()) {
      fail(index, 0, "properties.id", "properties.id is missing or not a non-empty string");
      return;
    }
    GridRecord grid;
    grid.id = std::move(id_text);
    if (grid.id.size() > 256) {
      fail(index, 0, "properties.id", "properties.id is longer than 256 bytes");
      return;
    }
    if (ids.count(grid.id)) {
      fail(index, 0, "properties.id", "duplicate grid id '" + grid.id + "'");
      return;
    }
    for (auto& [key, value] : props->items()) {
      if (key == "id") continue;
      if (key == "name") {
        grid.name = as_attribute(value);
      } else if (!value.is_null()) {
        grid.attributes.emplace_back(key, as_attribute(value));
      }
    }
    try {
      auto g = f.find("geometry");
      grid.geometry = read_geometry(g == f.end() ? json() : *g, crs);
    } catch (const GeometryError& e) {
      fail(index, 0, "geometry", "grid '" + grid.id + "': " + e.reason);
      return;
    }
    if (auto problem = geo::polygon_problem(grid.geometry)) {
      fail(index, 0, "geometry", "grid '" + grid.id + "': invalid polygon: " + problem->reason);
      return;
    }
    ids.insert(grid.id);
    sink(std::move(grid), index);
  };

  auto callback = [&](int depth, json::parse_event_t event, json& parsed) -> bool {
    using E = json::parse_event_t;
    if (depth == 1 && event == E::key) {
      last_root_key = parsed.get<std::string>();
    } else if (depth == 1 && event == E::array_start && last_root_key == "features") {
      in_features = saw_features = true;
    } else if (depth == 1 && event == E::array_end && in_features) {
      in_features = false;
    } else if (depth == 1 && event == E::value && last_root_key == "type" && parsed.is_string()) {
      root_type = parsed.get<std::string>();
    } else if (in_features && depth == 2 && (event == E::object_end || event == E::value)) {
      handle_feature(parsed);
      return false;  // drop the feature: one feature in memory at a time
    }
    return true;
  };

  try {
    json root = json::parse(in, callback);
    if (!root.is_object()) {
      fail(std::nullopt, 1, "", "not a GeoJSON object; expected a FeatureCollection");
      return;
    }
  } catch (const json::parse_error& e) {
    const std::size_t line = line_of_byte(path, e.byte);
    std::string what = e.what();
    if (auto p = what.find("parse error"); p != std::string::npos) what = what.substr(p);
    fail(std::nullopt, line, "", "JSON " + what + " (byte " + std::to_string(e.byte) + ")");
    return;
  }
  if (root_type != "FeatureCollection") {
    fail(std::nullopt, 1, "type", "type is '" + root_type + "'; expected a FeatureCollection");
  } else if (!saw_features) {
    fail(std::nullopt, 1, "features", "FeatureCollection has no features array");
  }
}

}  // namespace poleloc::io
