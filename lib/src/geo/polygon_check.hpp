// polygon_check.hpp: is a grid's geometry usable? (GEOS C API)
//
//   if (auto why = geo::polygon_problem(grid.geometry)) reject(*why);
//       // "ring 0 of polygon 0 is not closed", "Self-intersection at 116.4701 39.9252"
//   double m2 = geo::overlap_area_m2(a, b);   // 0 when they only touch
//
// Thread-safety: each thread uses its own GEOS context.
#pragma once

#include <poleloc/types.hpp>

#include <optional>
#include <string>

namespace poleloc::geo {

struct PolygonProblem {
  std::string reason;
  std::optional<LonLat> location;
};

// Structural checks (closed rings of >= 4 finite points in range) then GEOS
// validity (self-intersections, holes outside shells, overlapping parts...),
// unless the outline is proven valid without GEOS (simple_polygon.hpp).
std::optional<PolygonProblem> polygon_problem(const MultiPolygon& geometry);
// The same for an edit of `valid_before` (an outline GEOS finds valid: the
// stored version), null: none. When the edit changed short stretches of its
// rings, only those are looked at (edit_valid.hpp); else as above.
std::optional<PolygonProblem> polygon_problem(const MultiPolygon& geometry, const MultiPolygon* valid_before);

// Area shared by two valid geometries, in square metres (approximate, local scale).
double overlap_area_m2(const MultiPolygon& a, const MultiPolygon& b);
// The same inside `near` only: both clipped to the box first (GEOS's
// rectangle clip), so that GEOS overlays the few vertices there, not whole
// outlines (an overlay of two grids of ~90 vertices costs about 0.2 ms).
// For a grid redrawn near `near` (every edge it changed in that box), known
// to overlap no neighbour before, this is its whole overlap with a neighbour
// that kept its outline, but for what they shared before (under the 0.01 m²
// put_grid counts). Falls back to the whole overlap if GEOS fails on a clip.
double overlap_area_m2(const MultiPolygon& a, const MultiPolygon& b, const BBox& near);

// A point inside the shared area, if the geometries overlap.
std::optional<LonLat> overlap_point(const MultiPolygon& a, const MultiPolygon& b);

BBox bounding_box(const MultiPolygon& geometry);

}  // namespace poleloc::geo
