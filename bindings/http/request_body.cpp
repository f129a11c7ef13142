#include "request_body.hpp"

#include <poleloc/attribute_json.hpp>
#include <poleloc/geo.hpp>
#include <poleloc/number.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <initializer_list>
#include <string>

namespace poleloc::http {
namespace {

using nlohmann::json;

Status bad(std::string message) { return {ErrorCode::bad_request, std::move(message)}; }

std::string type_of(const json& j) { return j.type_name(); }

Result<json> parse_document(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return bad("the request body is empty; expected a JSON object");
  }
  if (json_nesting_depth(body) > kMaxJsonDepth) {
    return bad("the request body nests arrays/objects deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  try {
    json doc = json::parse(body.begin(), body.end());
    if (!doc.is_object()) return bad("the request body must be a JSON object, got " + type_of(doc));
    return doc;
  } catch (const json::parse_error& e) {
    // e.byte is 1-based; the library's own text names the token it stopped at.
    std::string what = e.what();
    if (auto pos = what.find("syntax error"); pos != std::string::npos) what = what.substr(pos);
    return bad("the request body is not valid JSON (byte " + std::to_string(e.byte) + "): " + what);
  } catch (const json::exception& e) {
    // Well-formed but unrepresentable, e.g. a number like 1e999 (out_of_range.406).
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    return bad("the request body is not usable JSON: " + what);
  }
}

// Refuses members not in `known`, naming the first stranger and the accepted set.
Status check_members(const json& obj, std::initializer_list<const char*> known, const std::string& where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    if (!ok) {
      std::string names;
      for (const char* k : known) names += (names.empty() ? "" : ", ") + std::string(k);
      return bad(where + "unknown member '" + it.key() + "'; accepted: " + names);
    }
  }
  return Status::ok();
}

Result<Attributes> read_attributes(const json& obj) {
  Attributes out;
  auto it = obj.find("attributes");
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_object()) return bad("attributes must be an object, got " + type_of(*it));
  for (auto a = it->begin(); a != it->end(); ++a) {
    if (a.value().is_null()) continue;  // null: no such attribute
    auto typed = attribute_from_json(a.key(), a.value());
    if (!typed) {
      return bad("attributes." + a.key() + " must be a string, number, boolean or null, got " + type_of(a.value()));
    }
    out.push_back(std::move(*typed));
  }
  return out;
}

Result<double> read_degrees(const json& obj, const char* key, double limit) {
  auto it = obj.find(key);
  if (it == obj.end()) return bad(std::string("member '") + key + "' is required (degrees, WGS84)");
  if (!it->is_number()) return bad(std::string(key) + " must be a number of degrees, got " + type_of(*it));
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < -limit || v > limit) {
    return bad(std::string(key) + " must be in [-" + std::to_string(static_cast<int>(limit)) + ", " +
               std::to_string(static_cast<int>(limit)) + "]");
  }
  return v;
}

Result<Ring> read_ring(const json& j, const std::string& where) {
  if (!j.is_array()) return bad(where + ": expected an array of [lon, lat] positions, got " + type_of(j));
  Ring ring;
  ring.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    const json& p = j[i];
    // A third value (altitude) is allowed by GeoJSON and ignored.
    if (!p.is_array() || p.size() < 2 || p.size() > 3 || !p[0].is_number() || !p[1].is_number()) {
      return bad(where + "[" + std::to_string(i) + "]: expected [lon, lat] in degrees");
    }
    const LonLat q{p[0].get<double>(), p[1].get<double>()};
    if (!is_valid_lonlat(q)) {
      return bad(where + "[" + std::to_string(i) + "]: lon must be in [-180, 180] and lat in [-90, 90]");
    }
    ring.push_back(q);
  }
  return ring;
}

Result<Polygon> read_polygon(const json& j, const std::string& where) {
  if (!j.is_array() || j.empty()) return bad(where + ": expected a non-empty array of rings");
  Polygon poly;
  for (std::size_t i = 0; i < j.size(); ++i) {
    auto ring = read_ring(j[i], where + "[" + std::to_string(i) + "]");
    if (!ring) return ring.status();
    poly.rings.push_back(std::move(*ring));
  }
  return poly;
}

Result<MultiPolygon> read_geometry(const json& obj) {
  auto g = obj.find("geometry");
  if (g == obj.end() || g->is_null()) return bad("member 'geometry' is required (a GeoJSON Polygon or MultiPolygon)");
  if (!g->is_object()) return bad("geometry must be a GeoJSON object, got " + type_of(*g));
  if (auto st = check_members(*g, {"type", "coordinates", "bbox"}, "geometry: "); !st) return st;
  auto type = g->find("type");
  auto coords = g->find("coordinates");
  if (type == g->end() || !type->is_string()) return bad("geometry.type must be \"Polygon\" or \"MultiPolygon\"");
  if (coords == g->end()) return bad("geometry.coordinates is required");
  const std::string t = type->get<std::string>();
  MultiPolygon mp;
  if (t == "Polygon") {
    auto p = read_polygon(*coords, "geometry.coordinates");
    if (!p) return p.status();
    mp.push_back(std::move(*p));
  } else if (t == "MultiPolygon") {
    if (!coords->is_array() || coords->empty()) return bad("geometry.coordinates: expected a non-empty array of polygons");
    for (std::size_t i = 0; i < coords->size(); ++i) {
      auto p = read_polygon((*coords)[i], "geometry.coordinates[" + std::to_string(i) + "]");
      if (!p) return p.status();
      mp.push_back(std::move(*p));
    }
  } else {
    return bad("geometry.type must be \"Polygon\" or \"MultiPolygon\", got \"" + t + "\"");
  }
  return mp;
}

}  // namespace

std::size_t json_nesting_depth(std::string_view body) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

Result<PoleRecord> parse_pole_body(std::string_view body, std::string_view number) {
  auto doc = parse_document(body);
  if (!doc) return doc.status();
  const json& obj = *doc;
  if (auto st = check_members(obj, {"number", "lon", "lat", "attributes"}, ""); !st) return st;
  PoleRecord pole;
  pole.number = std::string(number);
  if (auto n = obj.find("number"); n != obj.end()) {
    const auto canonical = n->is_string() ? canonical_number(n->get<std::string>()) : std::nullopt;
    if (!canonical || *canonical != canonical_number(number).value_or(std::string(number))) {
      return bad("number in the body must match the number in the path ('" + std::string(number) + "')");
    }
  }
  auto lon = read_degrees(obj, "lon", 180);
  if (!lon) return lon.status();
  auto lat = read_degrees(obj, "lat", 90);
  if (!lat) return lat.status();
  pole.position = {*lon, *lat};
  auto attrs = read_attributes(obj);
  if (!attrs) return attrs.status();
  pole.attributes = std::move(*attrs);
  return pole;
}

Result<GridRecord> parse_grid_body(std::string_view body, std::string_view id) {
  auto doc = parse_document(body);
  if (!doc) return doc.status();
  const json& obj = *doc;
  if (auto st = check_members(obj, {"id", "name", "attributes", "geometry"}, ""); !st) return st;
  GridRecord grid;
  grid.id = std::string(id);
  if (auto i = obj.find("id"); i != obj.end() && (!i->is_string() || i->get<std::string>() != id)) {
    return bad("id in the body must match the id in the path ('" + std::string(id) + "')");
  }
  if (auto n = obj.find("name"); n != obj.end() && !n->is_null()) {
    if (!n->is_string()) return bad("name must be a string, got " + type_of(*n));
    grid.name = n->get<std::string>();
  }
  auto attrs = read_attributes(obj);
  if (!attrs) return attrs.status();
  grid.attributes = std::move(*attrs);
  auto geometry = read_geometry(obj);
  if (!geometry) return geometry.status();
  grid.geometry = std::move(*geometry);
  return grid;
}

}  // namespace poleloc::http
