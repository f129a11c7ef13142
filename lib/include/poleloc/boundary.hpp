// poleloc/boundary.hpp: how near a point is to the edge of its grid, and which
// other grids are just across it.
//
// A pole 5 m from the line between two grids may be reported in the wrong one
// (GPS error, a boundary drawn by hand): the dispatcher should know and may
// call both. Every per-pole answer and the grid-at answer therefore carry a
// GridBoundary:
//
// ```cpp
// void show(const poleloc::Snapshot& snap) {
//   poleloc::LonLat p{116.4712, 39.9251};                    // WGS84 degrees
//   if (auto b = snap.boundary(p)) {                          // neighbours within 15 m
//     std::cout << "edge of the grid " << b->boundary_distance_m << " m away\n";
//     for (const poleloc::NeighbourGrid& n : b->neighbour_grids) {  // nearest first
//       std::cout << "near the boundary with " << n.grid.id() << " (" << n.distance_m << " m)\n";
//     }
//   }
//   if (auto pole = snap.locate("TJH0372")) {
//     auto b = snap.boundary(*pole, 30);                      // a pole: its own grid(), neighbours within 30 m
//     (void)b;
//   }
// }
// ```
//
// Meaning of the numbers (metres on the WGS84 ellipsoid, measured to the
// grids' edges as stored, i.e. snapped to 1e-7 degree, about 1 cm):
// - inside a grid: boundary_distance_m is the distance from the point to the
//   nearest edge of that grid (its outer ring or a hole); 0 on the edge.
// - outside every grid: boundary_distance_m is the distance to the nearest
//   grid (to its edge) when one lies within kBoundaryNearestGridMaxM, and
//   `inside` is false; beyond that there is no GridBoundary (nullopt).
// - neighbour_grids: every grid other than the one containing the point whose
//   edge is within `within_m` of the point (to the millimetre: within_m = 0
//   names the grids the point touches), nearest first (ties by id), each
//   with its distance. A point on an edge shared by two grids belongs to one of
//   them (snapshot.hpp) and lists the other at 0 m.
// The nearest edge is found on a plane tangent at the point and measured on
// the ellipsoid (within 0.1 % of the geodesic distance at city scale).
//
// Recent writes count (the snapshot's overlay): a grid put after the base was
// built is a neighbour at once, a deleted one is not.
//
// Cost: a few microseconds per point for grids of some hundred vertices (the
// grid index's latitude bands near the point); it is meant for per-answer use,
// not for millions of points.
//
// Thread-safety: plain values; Snapshot::boundary is const and thread-safe.
#pragma once

#include <poleloc/snapshot.hpp>
#include <poleloc/status.hpp>

#include <vector>

namespace poleloc {

// The default distance within which another grid is a neighbour (metres).
inline constexpr double kBoundaryNeighbourDefaultM = 15;
// The largest `within_m` a face accepts (metres).
inline constexpr double kBoundaryNeighbourMaxM = 1000;
// How far from a point outside every grid the nearest grid is looked for (metres).
inline constexpr double kBoundaryNearestGridMaxM = 10000;

struct NeighbourGrid {
  GridView grid;
  double distance_m = 0;  // from the point to the nearest edge of `grid`, WGS84 metres
};

struct GridBoundary {
  bool inside = true;              // the point lies in a grid (the one grid_at answers)
  double boundary_distance_m = 0;  // to that grid's nearest edge; outside: to the nearest grid
  std::vector<NeighbourGrid> neighbour_grids;  // other grids within within_m, nearest first
};

// ok when `within_m` is a number in [0, kBoundaryNeighbourMaxM]; else
// bad_request naming `name` (the parameter as the face spells it, e.g.
// "boundary_m") and the accepted range. Every face checks with it.
Status check_boundary_within(double within_m, std::string_view name = "boundary_m");

}  // namespace poleloc
