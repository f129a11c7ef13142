// polygon_repair.hpp: fixing a hand-drawn grid outline (GEOS MakeValid, C API).
//
//   MultiPolygon g = ...;                        // lon, lat in degrees, WGS84
//   auto fixed = geo::repair_polygon(g, {.report_orientation = true});
//   if (!fixed) refuse(fixed.status().message()); // nothing usable is left (e.g. a collapsed ring)
//   else if (*fixed) log(fixed->describe());     // "Self-intersection at 116.47 39.92; area 1,234.5 m² -> 1,230.0 m² (-4.5 m²)"
//   // g is now valid: closed rings, no repeated points, shells counter-clockwise,
//   // holes clockwise, no self-intersection.
//
// What is fixed, in this order: repeated consecutive points are dropped, open
// rings closed, rings of fewer than 3 distinct points dropped, orientation set
// (RFC 7946: shells counter-clockwise), then GEOS MakeValid with the
// "structure" method (a bow-tie becomes its two triangles, a ring crossing
// itself keeps all the area it encloses). Areas are square metres on a local
// scale at the geometry's mean latitude.
//
// Thread-safety: each thread uses its own GEOS context.
#pragma once

#include <poleloc/status.hpp>
#include <poleloc/types.hpp>

#include <optional>
#include <string>
#include <vector>

namespace poleloc::geo {

struct RepairOptions {
  // Count a clockwise shell as a problem (GeoJSON); Shapefiles store shells
  // clockwise by their own rule, so there it is turned silently.
  bool report_orientation = true;
};

struct PolygonRepair {
  std::vector<std::string> problems;  // what was wrong, each with where when known
  std::optional<LonLat> location;     // the first place a problem was found
  double area_before_m2 = 0;          // shells minus holes as drawn (a bow-tie's lobes may cancel)
  double area_after_m2 = 0;
  // "ring 0 is not closed; Self-intersection at 116.4700000 39.9200000; area 1,234.5 m² -> 1,230.0 m² (-4.5 m²)"
  std::string describe() const;
};

// nullopt: the geometry was valid and is unchanged. An error (invalid_input)
// when nothing polygonal is left after the repair.
Result<std::optional<PolygonRepair>> repair_polygon(MultiPolygon& geometry, const RepairOptions& options = {});

// Area in square metres (local scale at the geometry's mean latitude).
double area_m2(const MultiPolygon& geometry);

}  // namespace poleloc::geo
