#include "record_checks.hpp"

#include "geo/polygon_check.hpp"

#include <poleloc/geo.hpp>
#include <poleloc/number.hpp>

namespace poleloc {
namespace {

// A typed value must be in its canonical text (Attribute::integer/real/boolean make it so).
std::optional<std::string> check_value(const Attribute& a) {
  if (a.type > AttributeType::boolean) return "attributes." + a.first.substr(0, 64) + ": unknown value type";
  if (!is_canonical_value(a.type, a.second)) {
    return "attributes." + a.first.substr(0, 64) + ": '" + a.second.substr(0, 64) + "' is not a " +
           std::string(attribute_type_name(a.type)) + " value" +
           (a.type == AttributeType::real ? " (a real must be finite)" : "");
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_pole(PoleRecord& pole) {
  auto canonical = canonical_number(pole.number);
  if (!canonical) {
    return "number: bad number '" + pole.number.substr(0, 64) +
           "': a number is letters and digits (e.g. TJH0372 or TJH-0372)";
  }
  pole.number = std::move(*canonical);
  if (!is_valid_lonlat(pole.position)) {
    return "lon/lat: " + std::to_string(pole.position.lon) + "," + std::to_string(pole.position.lat) +
           " is not a lon in [-180, 180] and a lat in [-90, 90]";
  }
  for (const auto& [k, v] : pole.attributes) {
    if (k.empty()) return "attributes: an attribute has an empty name";
    if (k == "number" || k == "lon" || k == "lat") return "attributes: '" + k + "' is not an attribute name";
  }
  for (const Attribute& a : pole.attributes) {
    if (auto why = check_value(a)) return why;
  }
  return std::nullopt;
}

std::optional<std::string> check_grid(const GridRecord& grid, std::size_t max_vertices,
                                      std::size_t max_attribute_bytes, bool geometry_valid,
                                      const MultiPolygon* valid_before) {
  if (grid.id.empty() || grid.id.size() > 256) return "id: a grid id is 1 to 256 bytes";
  std::size_t vertices = 0;
  for (const Polygon& poly : grid.geometry) {
    for (const Ring& ring : poly.rings) vertices += ring.size();
  }
  if (vertices > max_vertices) {
    // Checked before GEOS sees the polygon: validating and indexing it would not end soon.
    return "geometry: grid '" + grid.id + "' has " + std::to_string(vertices) + " vertices; the limit per grid is " +
           std::to_string(max_vertices);
  }
  if (grid.name.size() > max_attribute_bytes) {
    return "name: grid '" + grid.id + "': the name has " + std::to_string(grid.name.size()) +
           " bytes; the limit is " + std::to_string(max_attribute_bytes);
  }
  for (const auto& [k, v] : grid.attributes) {
    if (v.size() > max_attribute_bytes) {
      return "attributes." + k.substr(0, 64) + ": grid '" + grid.id + "': the value has " + std::to_string(v.size()) +
             " bytes; the limit is " + std::to_string(max_attribute_bytes);
    }
  }
  for (const Attribute& a : grid.attributes) {
    if (auto why = check_value(a)) return why;
  }
  if (geometry_valid) return std::nullopt;
  if (auto problem = geo::polygon_problem(grid.geometry, valid_before)) {
    return "geometry: grid '" + grid.id + "': invalid polygon: " + problem->reason;
  }
  return std::nullopt;
}

std::optional<std::string> check_alias(AliasRecord& alias) {
  if (alias.alias.empty()) return "alias: empty";
  if (static_cast<unsigned char>(alias.alias[0]) < 0x20) return "alias: starts with a control character";
  for (char& c : alias.code) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') return "code: area code '" + alias.code + "' must be letters";
  }
  if (alias.code.empty()) return "code: empty";
  return std::nullopt;
}

std::optional<std::string> check_place(const PlaceRecord& place) {
  if (place.name.empty()) return "name: empty";
  if (static_cast<unsigned char>(place.name[0]) < 0x20) return "name: starts with a control character";
  if (place.position.has_value() == !place.grid.empty()) return "a place has either a position or a grid";
  if (place.position && !is_valid_lonlat(*place.position)) return "position: not lon, lat in degrees";
  return std::nullopt;
}

std::optional<std::string> check_road(const RoadRecord& road) {
  if (road.name.empty()) return "name: empty";
  if (static_cast<unsigned char>(road.name[0]) < 0x20) return "name: starts with a control character";
  if (road.lines.empty()) return "geometry: a road needs at least one line";
  for (const LineString& l : road.lines) {
    if (l.size() < 2) return "geometry: a line needs at least 2 positions";
    for (const LonLat& p : l) {
      if (!is_valid_lonlat(p)) return "geometry: a position is not lon, lat in degrees";
    }
  }
  return std::nullopt;
}

}  // namespace poleloc
