// interiors_disjoint.hpp: a fast proof that two grids only touch, so that the
// GEOS overlap check is paid only when the proof fails.
//
//   // a, b: valid polygons / multipolygons, lon, lat in degrees, WGS84
//   const bool overlap = !geo::interiors_surely_disjoint(a, b) &&
//                        geo::overlap_area_m2(a, b) >= 0.01;
//
// Neighbouring grids tile the city: they share edges, usually with identical
// vertices, and meet nowhere else. For such pairs this answers true in a few
// microseconds, without GEOS.
//
// Guarantee: true only when the interiors of `a` and `b` are disjoint (their
// shared area is exactly 0). false means "not proven", never "they overlap":
// near-degenerate contacts, a vertex on the other's edge (T-junction), edges
// overlapping in part, or a point too close to call all give false. Both
// inputs must be GEOS-valid (closed rings, no self-intersection, holes inside
// shells, parts not overlapping); rings may turn either way. A non-finite
// coordinate or an unclosed ring gives false.
//
// Why true is safe. Interior means even-odd parity over all rings, which is
// the interior of a valid geometry.
//  1. Every pair of edges (one of a, one of b) whose boxes meet is either
//     apart, the same segment (a shared edge), or meets at one common endpoint
//     and nowhere else (the far ends off each other's line, or the two edges
//     going on in opposite directions); anything else gives false. Signs are
//     trusted only beyond 1e-12 of their magnitude (Shewchuk's rounding bound
//     is 3.3e-16), so every sign used is the exact one. Coordinates that are
//     equal compare equal exactly: that is how shared vertices are found.
//  2. At a shared edge the interiors lie on opposite sides (from each ring's
//     signed area and whether it is a shell or a hole), else false.
//  3. By 1, the boundary of b meets a's boundary only at common vertices and
//     shared edges. So a's remaining edges, cut at common vertices, form
//     chains that miss b's boundary; each chain lies wholly inside or wholly
//     outside b. Each chain must be shown outside: an edge of it misses b's
//     bounding box, or the midpoint of one of its edges is outside b (even-odd
//     crossing count) and at least 1e-9 degrees (0.1 mm) from every edge of b,
//     which covers the rounding of the midpoint (~1e-14). Likewise b's chains
//     against a. Otherwise false.
//  If the interiors met, a ray from a point of both (avoiding vertices) would
//  leave the shared part at a point x of some edge. If x is on an edge of a
//  that is not shared, by 1 x is off b's boundary, hence inside b, and so is
//  that edge's whole chain, which 3 excludes; the same for b. Otherwise x is
//  on a shared edge only, with both interiors on the side the ray came from,
//  which 2 excludes.
//
// Cost: ~3 µs for two neighbouring grids of 90 vertices (GEOS: ~70 µs).
// Linear in the vertices, plus the pairs of edges whose boxes meet (runs of 8
// consecutive edges are paired by their boxes first), plus one point-in-
// polygon pass per chain of step 3 that stays inside the other's box. No
// allocation once a thread has seen geometries of the size.
//
// Thread-safety: reentrant; scratch space is per thread.
#pragma once

#include <poleloc/types.hpp>

namespace poleloc::geo {

bool interiors_surely_disjoint(const MultiPolygon& a, const MultiPolygon& b);

}  // namespace poleloc::geo
