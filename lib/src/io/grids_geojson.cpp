#include "geo/polygon_check.hpp"
#include "io/geojson_coordinates.hpp"
#include "io/readers.hpp"

#include <poleloc/attribute_json.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <unordered_set>

namespace poleloc::io {
namespace {

using json = nlohmann::json;

// Line and column (1-based) of the `byte`-th byte of the file (as the JSON
// parser counts: 1 is the first), for syntax errors.
std::pair<std::size_t, std::size_t> line_of_byte(const std::string& path, std::size_t byte) {
  std::ifstream in(path, std::ios::binary);
  std::size_t line = 1, column = 0, pos = 0;
  char c;
  while (pos < byte && in.get(c)) {
    if (c == '\n') {
      ++line;
      column = 0;
    } else {
      ++column;
    }
    ++pos;
  }
  return {line, column};
}

struct GeometryError {
  std::string reason;
};

// Reads geometry, counting vertices against the per-grid limit.
struct GeometryReader {
  const geo::CrsTransform& crs;
  std::size_t max_vertices;
  CoordinatesTaken* taken = nullptr;  // the coordinates parsed outside the JSON tree, if any
  std::size_t vertices = 0;

  // Position `i` of `where`, converted to WGS84 and checked.
  template <typename Where>
  LonLat position(double x, double y, const Where& where, std::size_t i) const {
    const LonLat p = crs.to_wgs84({x, y});
    if (!std::isfinite(p.lon) || !std::isfinite(p.lat) || p.lon < -180 || p.lon > 180 || p.lat < -90 || p.lat > 90) {
      throw GeometryError{where() + " position " + std::to_string(i) + " (" + json(x).dump() + ", " + json(y).dump() +
                          ") is out of range for lon/lat" + (crs.is_identity() ? "" : " after CRS conversion")};
    }
    return p;
  }

  // Reads a ring of [x, y] positions, converting to WGS84.
  Ring ring(const json& ring, const std::string& where) {
    if (!ring.is_array()) throw GeometryError{where + " is not an array of positions"};
    if (ring.size() > max_vertices - vertices) {
      throw GeometryError{"more than " + with_commas(max_vertices) +
                          " vertices; the limit per grid is " + with_commas(max_vertices) + " (--max-vertices)"};
    }
    vertices += ring.size();
    Ring out;
    out.reserve(ring.size());
    for (std::size_t i = 0; i < ring.size(); ++i) {
      const json& pos = ring[i];
      if (!pos.is_array() || pos.size() < 2 || !pos[0].is_number() || !pos[1].is_number()) {
        throw GeometryError{where + " position " + std::to_string(i) + " is not [lon, lat] numbers"};
      }
      out.push_back(position(pos[0].get<double>(), pos[1].get<double>(), [&] { return where; }, i));
    }
    return out;
  }

  Polygon polygon(const json& rings, const std::string& where) {
    if (!rings.is_array() || rings.empty()) throw GeometryError{where + " has no rings"};
    Polygon poly;
    for (std::size_t r = 0; r < rings.size(); ++r) {
      poly.rings.push_back(ring(rings[r], where + " ring " + std::to_string(r)));
    }
    return poly;
  }

  // The same from coordinates parsed outside the JSON tree (CoordinatesTaken),
  // with the same messages: a Polygon's are nested 3 deep, a MultiPolygon's 4.
  MultiPolygon taken_geometry(const Coordinates& c, bool multi) const {
    if (c.depth != (multi ? 4 : 3)) {
      throw GeometryError{std::string(multi ? "polygon 0 ring 0" : "polygon ring 0") +
                          " position 0 is not [lon, lat] numbers"};
    }
    MultiPolygon mp;
    const std::size_t polygons = multi ? c.polygon_ends.size() : 1;
    std::size_t ring = 0, pos = 0;
    for (std::size_t p = 0; p < polygons; ++p) {
      const std::size_t rings_end = multi ? c.polygon_ends[p] : c.ring_ends.size();
      Polygon poly;
      poly.rings.reserve(rings_end - ring);
      for (std::size_t r = 0; ring < rings_end; ++ring, ++r) {
        auto where = [&] {
          return (multi ? "polygon " + std::to_string(p) + " ring " : std::string("polygon ring ")) + std::to_string(r);
        };
        Ring out;
        out.reserve(c.ring_ends[ring] - pos);
        for (std::size_t i = 0; pos < c.ring_ends[ring]; ++pos, ++i) {
          out.push_back(position(c.positions[pos].lon, c.positions[pos].lat, where, i));
        }
        poly.rings.push_back(std::move(out));
      }
      mp.push_back(std::move(poly));
    }
    return mp;
  }

  MultiPolygon geometry(const json& g) {
    if (!g.is_object()) throw GeometryError{"geometry is missing or null; expected a Polygon or MultiPolygon"};
    auto type = g.find("type");
    auto coords = g.find("coordinates");
    if (type == g.end() || !type->is_string()) throw GeometryError{"geometry has no type"};
    const std::string& t = type->get_ref<const std::string&>();
    if (coords == g.end()) throw GeometryError{t + " has no coordinates"};
    const Coordinates* parsed = taken ? taken->placeholder(*coords) : nullptr;
    MultiPolygon mp;
    if (t == "Polygon") {
      if (parsed) return taken_geometry(*parsed, false);
      mp.push_back(polygon(*coords, "polygon"));
    } else if (t == "MultiPolygon") {
      if (parsed) return taken_geometry(*parsed, true);
      if (!coords->is_array() || coords->empty()) throw GeometryError{"MultiPolygon has no polygons"};
      for (std::size_t p = 0; p < coords->size(); ++p) {
        mp.push_back(polygon((*coords)[p], "polygon " + std::to_string(p)));
      }
    } else {
      throw GeometryError{"wrong geometry type '" + t + "'; expected Polygon or MultiPolygon"};
    }
    return mp;
  }
};

std::string as_attribute(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

void read_grids_geojson(const std::string& path, const geo::CrsTransform& crs, ErrorSink& errors,
                        const GridSink& sink, const Progress& progress, const GridLimits& limits,
                        const GridFileOptions& options, const DeclaredCrs& on_declared) {
  const geo::CrsTransform* active = &crs;  // replaced when the file declares its CRS
  struct StopRead {};
  auto fail = [&](std::optional<std::size_t> feature, std::size_t line, std::string field, std::string reason) {
    errors.add({shown(path), line, feature, std::move(field), std::move(reason)});
  };
  auto fatal = [&](std::optional<std::size_t> feature, std::size_t line, std::string field, std::string reason) {
    errors.add_fatal({shown(path), line, feature, std::move(field), std::move(reason)});
  };
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    fatal(std::nullopt, 0, "", "cannot open: " + std::string(std::strerror(errno)));
    return;
  }
  // The geometries' coordinates are parsed on the way in, without a JSON tree (geojson_coordinates.hpp).
  CoordinatesTaken taken(file, limits.max_vertices);
  std::istream in(&taken);
  std::optional<std::size_t> feature_placeholder;  // the current feature's coordinates, if taken
  std::size_t feature_index = 0;
  bool in_features = false, saw_features = false, in_feature = false;
  std::string last_root_key, root_type;
  std::unordered_set<std::string> ids;

  // Where the parser is inside the current feature, for limits and messages.
  std::string member;    // key of the feature member being read: "properties", "geometry", ...
  std::string property;  // key of the property being read, when member is "properties"
  std::optional<std::pair<std::string, std::string>> problem;  // field, reason: found while parsing
  std::vector<char> holds_numbers;  // by depth, inside geometry: the open array holds numbers (a position)
  std::size_t positions = 0;        // positions seen in the current feature's geometry
  auto where = [&] { return member == "properties" && !property.empty() ? "properties." + property : member; };
  auto refuse = [&](std::string reason) {
    if (!problem) problem.emplace(where(), std::move(reason));
  };

  auto handle_feature = [&](json& f) {
    const std::size_t index = feature_index++;
    if (progress && feature_index % 1024 == 0) progress(feature_index);
    if (problem) {
      std::string reason = std::move(problem->second);
      std::string field = std::move(problem->first);
      problem.reset();
      std::string id_text;  // name the grid when its id was read before the problem
      if (f.is_object()) {
        if (auto props = f.find("properties"); props != f.end() && props->is_object()) {
          if (auto it = props->find(options.id_field); it != props->end() && it->is_string()) id_text = it->get<std::string>();
        }
      }
      fail(index, 0, std::move(field), (id_text.empty() ? "" : "grid '" + id_text.substr(0, 256) + "': ") + reason);
      return;
    }
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
    // Without --id-field, the Chinese names GIS offices use are tried after "id".
    std::string id_key = options.id_field, name_key = options.name_field;
    if (!options.id_field_given && !props->contains(id_key)) {
      for (const char* k : {"grid_id", "网格编号", "编号", "code"}) {
        if (props->contains(k)) {
          id_key = k;
          break;
        }
      }
    }
    if (!options.name_field_given && !props->contains(name_key)) {
      for (const char* k : {"grid_name", "网格名称", "名称"}) {
        if (props->contains(k)) {
          name_key = k;
          break;
        }
      }
    }
    if (auto it = props->find(id_key); it != props->end() && !it->is_null()) id = &*it;
    if (auto it = f.find("id"); !id && !options.id_field_given && it != f.end()) id = &*it;
    std::string id_text;
    if (id && id->is_string()) id_text = id->get<std::string>();
    if (id && id->is_number_integer()) id_text = id->dump();
    if (id_text.empty()) {
      fail(index, 0, "properties." + options.id_field,
           "properties." + options.id_field + " is missing or not a non-empty string" +
               (options.id_field_given ? "" : " (name the id property with --id-field)"));
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
    std::size_t properties_bytes = 0;
    for (auto& [key, value] : props->items()) {
      if (key == id_key) continue;
      // Nesting is bounded by the parse callback, so dump() cannot recurse deeply here.
      std::string text = as_attribute(value);
      if (text.size() > limits.max_attribute_bytes) {
        fail(index, 0, "properties." + key,
             "grid '" + grid.id + "': the value has " + with_commas(text.size()) + " bytes; the limit is " +
                 with_commas(limits.max_attribute_bytes) + " bytes per attribute");
        return;
      }
      properties_bytes += key.size() + text.size();
      if (properties_bytes > limits.max_properties_bytes) {
        fail(index, 0, "properties",
             "grid '" + grid.id + "': the properties hold more than " + with_commas(limits.max_properties_bytes) +
                 " bytes (the limit per feature)");
        return;
      }
      if (key == name_key) {
        grid.name = std::move(text);
      } else if (auto typed = attribute_from_json(key, value)) {
        grid.attributes.push_back(std::move(*typed));  // strings, numbers and booleans keep their type
      } else if (!value.is_null()) {
        grid.attributes.emplace_back(key, std::move(text));  // objects and arrays as their JSON text
      }
    }
    try {
      auto g = f.find("geometry");
      GeometryReader reader{*active, limits.max_vertices, &taken};
      grid.geometry = reader.geometry(g == f.end() ? json() : *g);
    } catch (const GeometryError& e) {
      fail(index, 0, "geometry", "grid '" + grid.id + "': " + e.reason);
      return;
    }
    if (auto why = check_grid_geometry(grid, options, true, shown(path) + ": feature " + std::to_string(index), errors)) {
      fail(index, 0, "geometry", "grid '" + grid.id + "': " + *why);
      return;
    }
    ids.insert(grid.id);
    sink(std::move(grid), index);
  };

  // Depths as nlohmann counts them: the root is 0, the features array 1, a
  // feature 2, its members 3, a property's value 4. Containers nested beyond
  // the limits are discarded unread (returning false), so neither the parsed
  // tree nor anything that walks it later can be driven arbitrarily deep.
  const std::size_t property_limit = limits.max_property_depth;
  const std::size_t member_limit = std::max<std::size_t>(limits.max_property_depth, 4);  // geometry needs 4
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) -> bool {
    using E = json::parse_event_t;
    const auto d = static_cast<std::size_t>(depth);
    const bool start = event == E::object_start || event == E::array_start;
    if (in_feature && d >= 3) {
      if (event == E::key && d == 3) {
        member = parsed.get<std::string>();
        property.clear();
      } else if (event == E::key && d == 4 && member == "properties") {
        property = parsed.get<std::string>();
      }
      if (start) {
        const std::size_t level = d - 3;  // the member itself is level 0
        const std::size_t limit = member == "properties" ? property_limit : member_limit;
        if (level > limit) {
          refuse("nested deeper than " + std::to_string(limit) + " levels (the limit inside a feature's " +
                 (member == "properties" ? "properties" : "members") + ")");
          return false;
        }
        if (problem) return false;  // the feature is refused already: keep nothing more of it
      }
      if (member == "geometry") {
        if (event == E::value) {
          if (auto n = taken.placeholder_index(parsed)) feature_placeholder = n;
        }
        if (event == E::array_start) {
          if (holds_numbers.size() <= d) holds_numbers.resize(d + 1);
          holds_numbers[d] = 0;
        } else if (event == E::value && parsed.is_number() && d >= 1 && d - 1 < holds_numbers.size()) {
          holds_numbers[d - 1] = 1;
        } else if (event == E::array_end && d < holds_numbers.size() && holds_numbers[d]) {
          holds_numbers[d] = 0;
          if (++positions > limits.max_vertices) {
            refuse("more than " + with_commas(limits.max_vertices) + " vertices; the limit per grid is " +
                   with_commas(limits.max_vertices) + " (--max-vertices)");
            return false;
          }
        }
      } else if (member == "properties" && event == E::value && parsed.is_string() &&
                 parsed.get_ref<const std::string&>().size() > limits.max_attribute_bytes) {
        refuse("a value has " + with_commas(parsed.get_ref<const std::string&>().size()) +
               " bytes; the limit is " + with_commas(limits.max_attribute_bytes) + " bytes per attribute");
        return false;
      }
    } else if (start && d > 3 + member_limit) {
      return false;  // deep foreign members outside features are ignored anyway
    }
    if (depth == 1 && event == E::object_end && last_root_key == "crs" && on_declared) {
      // {"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4490"}} (or the old {"type":"EPSG","properties":{"code":4490}})
      std::string declared;
      if (auto props = parsed.find("properties"); props != parsed.end() && props->is_object()) {
        if (auto n = props->find("name"); n != props->end() && n->is_string()) declared = n->get<std::string>();
        if (auto c = props->find("code"); c != props->end() && c->is_number_integer()) declared = "EPSG:" + c->dump();
      }
      if (!declared.empty()) {
        active = on_declared(declared);
        if (!active) throw StopRead{};
      }
    }
    if (depth == 1 && event == E::key) {
      last_root_key = parsed.get<std::string>();
    } else if (depth == 1 && event == E::array_start && last_root_key == "features") {
      in_features = saw_features = true;
    } else if (depth == 1 && event == E::array_end && in_features) {
      in_features = false;
    } else if (depth == 1 && event == E::value && last_root_key == "type" && parsed.is_string()) {
      root_type = parsed.get<std::string>();
    } else if (in_features && depth == 2 && start) {
      in_feature = true;
      member.clear();
      property.clear();
      positions = 0;
    } else if (in_features && depth == 2 &&
               (event == E::object_end || event == E::array_end || event == E::value)) {
      in_feature = false;
      handle_feature(parsed);
      if (feature_placeholder) taken.release_through(*feature_placeholder);
      feature_placeholder.reset();
      return false;  // drop the feature: one feature in memory at a time
    }
    return true;
  };

  try {
    json root = json::parse(in, callback);
    if (!root.is_object()) {
      fatal(std::nullopt, 1, "", "not a GeoJSON object; expected a FeatureCollection");
      return;
    }
  } catch (const StopRead&) {
    return;
  } catch (const json::parse_error& e) {
    // The parser counts the bytes it read, where each taken coordinates array was a short placeholder.
    const std::size_t byte = taken.original_byte(e.byte);
    const auto [line, column] = line_of_byte(path, byte);
    std::string what = e.what();
    if (auto p = what.find("parse error"); p != std::string::npos) what = what.substr(p);
    // The parser's own "at line L, column C" counted the stream it read: say the file's.
    if (auto at = what.find(" at line "); at != std::string::npos) {
      if (auto colon = what.find(": ", at); colon != std::string::npos) {
        what.replace(at, colon - at, " at line " + std::to_string(line) + ", column " + std::to_string(column));
      }
    }
    fatal(std::nullopt, line, "", "JSON " + what + " (byte " + std::to_string(byte) + ")");
    return;
  } catch (const json::exception& e) {
    // Number overflow (1e400) ends the parse; name the feature and member it was in.
    std::string what = e.what(), token;
    if (auto open = what.find("parsing '"); open != std::string::npos) {
      token = what.substr(open + 9);
      if (!token.empty() && token.back() == '\'') token.pop_back();
    }
    std::string reason = e.id == 406 ? "number " + token + " is not a finite number (beyond the range of a double)"
                                     : "cannot be read: " + what;
    std::optional<std::size_t> feature;
    std::string field;
    if (in_feature) {
      feature = feature_index;
      field = where();
    }
    fatal(feature, 0, field, reason);
    return;
  }
  if (root_type != "FeatureCollection") {
    fatal(std::nullopt, 1, "type", "type is '" + root_type + "'; expected a FeatureCollection");
  } else if (!saw_features) {
    fatal(std::nullopt, 1, "features", "FeatureCollection has no features array");
  }
}

}  // namespace poleloc::io
