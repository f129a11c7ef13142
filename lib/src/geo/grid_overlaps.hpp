// grid_overlaps.hpp: which grids of a set overlap each other (GEOS C API).
//
//   std::vector<const MultiPolygon*> shapes = ...;     // lon, lat in degrees, WGS84; valid polygons
//   for (const geo::Overlap& o : geo::find_overlaps(shapes))
//     report(o.a, o.b, o.area_m2, o.point);           // indexes into `shapes`, a < b
//
// Grids that only touch along a shared boundary do not overlap: a pair counts
// when the shared area exceeds min_area_m2 (default 0.01 m², as validate and
// put_grid count it). Only pairs whose bounding boxes meet are intersected
// (a sweep over the boxes sorted by west edge), each geometry is built once.
//
// `threads`: the sweep is shared by that many threads (each with its own GEOS
// context); the result does not depend on it.
//
// Thread-safety: each thread uses its own GEOS context.
#pragma once

#include <poleloc/types.hpp>

#include <cstddef>
#include <optional>
#include <vector>

namespace poleloc::geo {

struct Overlap {
  std::size_t a = 0, b = 0;
  double area_m2 = 0;
  std::optional<LonLat> point;  // a point inside the shared area
};

std::vector<Overlap> find_overlaps(const std::vector<const MultiPolygon*>& shapes, double min_area_m2 = 0.01,
                                   unsigned threads = 1);

}  // namespace poleloc::geo
