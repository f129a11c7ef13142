// grid_index.hpp: point -> grid, exact, in about one cache miss for most points.
//
//   GridIndex idx;
//   idx.build(geometries);             // one MultiPolygon per grid index, WGS84
//   idx.find({116.4712, 39.9251});     // optional grid index
//
// Coordinates are snapped to integers of 1e-7 degree (about 1 cm) and every
// test is exact integer arithmetic, so the answer never depends on rounding.
// The bounding box of all grids is cut into uniform cells. A cell crossed by
// no edge belongs wholly to one grid (or none) and answers directly. A cell
// crossed by edges lists the grids that may own part of it; each is tested by
// a crossing-number test over only the edges of that grid whose latitude band
// holds the point.
//
// Boundary rule: the crossing test counts an edge when lo.lat <= p.lat < hi.lat
// and p lies strictly west of it, which is the same as testing a point moved an
// infinitesimal step east and a smaller step north. So a point on an edge shared
// by two grids belongs to the grid east of it (north of it, for an east-west
// edge), a point on a shared vertex to the grid north-east of it, and every
// point belongs to at most one grid of a set of non-overlapping grids.
// Each grid's edges are also bucketed into longitude bands; when the point's
// longitude band holds fewer edges than its latitude band (a boundary that
// wiggles along a parallel), the ray goes north instead, with the rule for the
// same moved point: an edge with x0 <= x < x1 counts when the point is south
// of it, or on it with the edge rising eastward. The answer is the same.
//
// Thread-safety: const members are safe from any number of threads.
#pragma once

#include <poleloc/types.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace poleloc::index {

class GridIndex {
 public:
  GridIndex();
  ~GridIndex();
  GridIndex(GridIndex&&) noexcept;
  GridIndex& operator=(GridIndex&&) noexcept;

  void build(const std::vector<const MultiPolygon*>& geometries);

  std::optional<std::uint32_t> find(LonLat p) const;

  // Grid indexes whose bounding box meets `box` (a coarse filter).
  std::vector<std::uint32_t> candidates(const BBox& box) const;

  // The point of grid `grid`'s boundary (every ring: shells and holes) nearest
  // to `p`, when it lies within `max_m` metres; nullopt when none does or the
  // grid has no edges. `plane_m` is the distance on a plane tangent at p (WGS84
  // radii of curvature at p's latitude): good to pick the nearest edge; callers
  // measure the returned point on the ellipsoid for the answer. Edges are the
  // snapped ones (1e-7 degree). Cost: the latitude bands within the answer's
  // distance of p, so a few edges near a boundary, all of them at worst.
  struct BoundaryPoint {
    LonLat point;
    double plane_m = 0;
  };
  std::optional<BoundaryPoint> nearest_boundary_point(std::uint32_t grid, LonLat p, double max_m) const;

  std::size_t memory_bytes() const;

  struct Edge {  // lo.y <= hi.y; 1e-7 degree integers
    std::int32_t x0, y0, x1, y1;
  };

 private:
  struct GridEdges {
    std::int32_t min_y = 0, band_h = 1;      // band b covers [min_y + b*band_h, min_y + (b+1)*band_h)
    std::uint32_t band_count = 0;
    std::uint32_t band_start = 0;            // into band_offsets_ (band_count+1 entries)
    std::int32_t min_x = 0, max_x = 0, max_y = 0;
    // The same by longitude (edges with x0 < x1, not vertical), for a ray cast north.
    std::int32_t band_w = 1;
    std::uint32_t xband_count = 0;
    std::uint32_t xband_start = 0;           // into xband_offsets_
  };
  struct BoxIndex;  // Boost.Geometry R-tree of grid boxes, for candidates() and building
  bool contains(std::uint32_t grid, std::int32_t x, std::int32_t y) const;
  std::optional<std::uint32_t> find_slow(std::int32_t x, std::int32_t y) const;

  std::vector<GridEdges> grids_;
  std::vector<std::uint32_t> band_offsets_;  // into band_edges_
  std::vector<Edge> band_edges_;
  // East-west edges (never in a band), per grid sorted by latitude: only nearest_boundary_point needs them.
  std::vector<std::uint32_t> flat_offsets_;  // size grids+1, into flat_edges_
  std::vector<Edge> flat_edges_;
  std::vector<std::uint32_t> xband_offsets_;  // into xband_edges_
  std::vector<Edge> xband_edges_;             // x0 < x1

  // cells: value >= 0 and < kMixed: owner grid + 1 (0 = none); kMixed bit set: list offset
  std::int64_t min_x_ = 0, min_y_ = 0, cell_w_ = 1, cell_h_ = 1;
  std::uint32_t nx_ = 0, ny_ = 0;
  std::vector<std::uint32_t> cells_;
  std::vector<std::uint32_t> cell_lists_;   // [count, grid...] per mixed cell
  std::unique_ptr<BoxIndex> boxes_;
};

}  // namespace poleloc::index
