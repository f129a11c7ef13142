#include "io/roads_geojson.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>

namespace poleloc::io {
namespace {

using json = nlohmann::json;

struct BadFeature {
  std::string field;
  std::string reason;
};

LineString read_line(const json& coords, const geo::CrsTransform& crs, const std::string& where) {
  if (!coords.is_array() || coords.size() < 2) throw BadFeature{"geometry", where + " needs at least 2 positions"};
  LineString line;
  line.reserve(coords.size());
  for (std::size_t i = 0; i < coords.size(); ++i) {
    const json& pos = coords[i];
    if (!pos.is_array() || pos.size() < 2 || !pos[0].is_number() || !pos[1].is_number()) {
      throw BadFeature{"geometry", where + " position " + std::to_string(i) + " is not [lon, lat] numbers"};
    }
    const LonLat p = crs.to_wgs84({pos[0].get<double>(), pos[1].get<double>()});
    if (!std::isfinite(p.lon) || !std::isfinite(p.lat) || p.lon < -180 || p.lon > 180 || p.lat < -90 || p.lat > 90) {
      throw BadFeature{"geometry", where + " position " + std::to_string(i) + " is out of range for lon/lat"};
    }
    line.push_back(p);
  }
  return line;
}

std::vector<LineString> read_geometry(const json& f, const geo::CrsTransform& crs) {
  auto g = f.find("geometry");
  if (g == f.end() || !g->is_object()) throw BadFeature{"geometry", "missing; expected a LineString or MultiLineString"};
  auto type = g->find("type");
  auto coords = g->find("coordinates");
  if (type == g->end() || !type->is_string()) throw BadFeature{"geometry", "has no type"};
  const std::string t = type->get<std::string>();
  if (coords == g->end()) throw BadFeature{"geometry", t + " has no coordinates"};
  if (t == "LineString") return {read_line(*coords, crs, "LineString")};
  if (t == "MultiLineString") {
    if (!coords->is_array() || coords->empty()) throw BadFeature{"geometry", "MultiLineString has no lines"};
    std::vector<LineString> lines;
    for (std::size_t i = 0; i < coords->size(); ++i) {
      lines.push_back(read_line((*coords)[i], crs, "MultiLineString line " + std::to_string(i)));
    }
    return lines;
  }
  throw BadFeature{"geometry", "type is " + t + "; a road is a LineString or MultiLineString"};
}

}  // namespace

std::vector<RoadRecord> read_roads_geojson(const std::string& path, const geo::CrsTransform& crs, ErrorSink& errors) {
  std::vector<RoadRecord> roads;
  auto fatal = [&](std::string field, std::string reason) {
    errors.add_fatal({shown(path), 0, std::nullopt, std::move(field), std::move(reason)});
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fatal("", "cannot open the file");
    return roads;
  }
  json root;
  try {
    root = json::parse(in);
  } catch (const json::exception& e) {
    fatal("", std::string("not valid JSON: ") + e.what());
    return roads;
  }
  if (!root.is_object() || root.value("type", json()) != "FeatureCollection") {
    fatal("type", "not a GeoJSON FeatureCollection");
    return roads;
  }
  auto features = root.find("features");
  if (features == root.end() || !features->is_array()) {
    fatal("features", "FeatureCollection has no features array");
    return roads;
  }
  std::map<std::string, std::size_t> by_name;  // name -> index in roads
  for (std::size_t i = 0; i < features->size(); ++i) {
    const json& f = (*features)[i];
    try {
      if (!f.is_object()) throw BadFeature{"", "not a Feature object"};
      auto props = f.find("properties");
      if (props == f.end() || !props->is_object()) throw BadFeature{"properties.name", "missing: a road needs a name"};
      auto name = props->find("name");
      if (name == props->end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
        throw BadFeature{"properties.name", "missing or empty: a road needs a name"};
      }
      const std::string& n = name->get_ref<const std::string&>();
      if (static_cast<unsigned char>(n[0]) < 0x20) throw BadFeature{"properties.name", "starts with a control character"};
      std::vector<LineString> lines = read_geometry(f, crs);
      auto [it, added] = by_name.emplace(n, roads.size());
      if (added) roads.push_back({n, {}});
      for (LineString& l : lines) roads[it->second].lines.push_back(std::move(l));
    } catch (const BadFeature& e) {
      errors.add({shown(path), 0, i, e.field, e.reason});
    } catch (const json::exception& e) {
      errors.add({shown(path), 0, i, "", std::string("cannot be read: ") + e.what()});
    }
  }
  return roads;
}

}  // namespace poleloc::io
