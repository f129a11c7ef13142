// coverage.hpp: how a set of grids covers the ground: the holes inside their
// outline, and the shape of the area two grids share.
//
//   for (const geo::Patch& hole : geo::coverage_holes(grids))
//     std::cout << hole.area_m2 << " m² uncovered near " << hole.point.lon << ',' << hole.point.lat;
//   if (auto o = geo::shared_area(a, b); o && o->area_m2 >= 0.01) ...  // an overlap
//
// Areas and perimeters are in metres on a local plane (scaled degrees), good
// for city-sized shapes. Thread-safety: pure functions.
#pragma once

#include <poleloc/types.hpp>

#include <optional>
#include <vector>

namespace poleloc::geo {

struct Patch {
  double area_m2 = 0;
  double perimeter_m = 0;
  // 4πA/P²: 1 for a disc, about 0.03 for a 100 m × 1 m strip.
  double compactness = 0;
  LonLat point{};           // a point inside it
  MultiPolygon shape;       // its outline (lon/lat)
  // Long and thin, or tiny: the trace of a boundary drawn twice that does not meet.
  bool sliver() const { return compactness < 0.1 || area_m2 < 10; }
};

// The holes inside the outline of the union of `grids` (invalid polygons are
// left out): ground inside the grid map that no grid covers.
std::vector<Patch> coverage_holes(const std::vector<const MultiPolygon*>& grids);

// The area `a` and `b` share; nullopt if none (touching along a boundary
// shares none).
std::optional<Patch> shared_area(const MultiPolygon& a, const MultiPolygon& b);

// Whether `a` and `b` meet at all (a shared boundary point is enough).
bool meet(const MultiPolygon& a, const MultiPolygon& b);

}  // namespace poleloc::geo
