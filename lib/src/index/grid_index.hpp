// grid_index.hpp: point -> grid, exact, in one or two cache misses for most
// points, over the grids' own coordinates snapped to 1e-7 degree.
//
//   GridIndex idx;
//   idx.build(geometries);             // one MultiPolygon per grid index, WGS84
//   idx.find({116.4712, 39.9251});     // optional grid index
//
// Coordinates are snapped to integers of 1e-7 degree (about 1 cm) when the
// grids are taken (llround(deg * 1e7), SnappedGrid) and every test is exact
// integer arithmetic, so the answer never depends on rounding.
//
// Memory: the index owns the snapped coordinates of every grid, 8 bytes a
// vertex (SnappedGrid), half of what the grids' doubles take. A grid whose
// every coordinate is a 7-decimal number (GeoJSON at 1e-7, OpenStreetMap,
// the compact store form) is given back from them bit for bit
// (SnappedGrid::rebuild), so a snapshot keeps no doubles for it. Read from a
// grid index file (attach(), index/grid_index_file.hpp), the coordinates and
// the arrays below stay in the mapped file, not in the process. Per edge
// the index keeps about one 12-byte "run" (ring, first edge, edge count) per
// cell that a stretch of boundary crosses, and a 24-byte box per 32 edges
// for nearest_boundary_point.
//
// Structure: the bounding box of all grids is cut into square cells of a
// power-of-two side. A cell crossed by no edge belongs wholly to one grid (or
// none) and answers directly. A cell crossed by more than a few dozen edges is
// cut again into 4 x 4 (and so on), so a leaf holds few edges whatever the
// shape. A leaf lists, per grid with edges in it, the runs of that grid's edges
// that touch it and whether the leaf's south-east corner C lies inside the grid.
// A point p is inside grid g when C is, flipped once per edge of g crossed by
// the path p -> (C.x, p.y) -> C; only edges touching the leaf can cross it.
// The corners are found at build time by the same walk from the south edge of
// the data upwards, so the build is linear in edges (times the depth of cuts).
//
// Boundary rule: every point (p, and the corners) is tested as if moved an
// infinitesimal step eps east and eps^2 north. That is the rule of a crossing
// test casting a ray east that counts an edge when lo.lat <= p.lat < hi.lat
// and p lies strictly west of it. So a point on an edge shared by two grids
// belongs to the grid east of it (north of it, for an east-west edge), a point
// on a shared vertex to the grid north-east of it, and every point belongs to
// at most one grid of a set of non-overlapping grids. Where grids overlap, the
// lowest grid index containing the point is the answer.
//
// Thread-safety: const members are safe from any number of threads.
#pragma once

#include <poleloc/types.hpp>

#include "index/held_array.hpp"
#include "index/point_arena.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace poleloc::index {

// One grid's rings snapped to integers of 1e-7 degree: what the index reads.
// Rings with fewer than 2 points, or with a coordinate beyond 200 degrees or
// not finite, are left out (no grid can hold them; the import refuses them).
struct SnappedGrid {
  struct Point {
    std::int32_t x, y;  // llround(lon * 1e7), llround(lat * 1e7)
  };
  struct RingSpan {
    std::uint32_t polygon, ring;  // its place in the geometry
    std::uint32_t begin, size;    // points[begin, begin + size)
  };
  // In `arena` when of() was given one, or in place in a mapped grid index file.
  HeldArray<Point, ArenaAllocator<Point>> points;
  std::vector<RingSpan> rings;  // in the geometry's order
  std::uint32_t polygons = 0;   // the geometry's polygon count
  // Whether rebuild() gives the geometry back bit for bit: every ring kept and
  // every coordinate exactly the double N / 1e7 of its snapped N.
  bool exact = false;

  // `arena`: where the points go when they take `arena_min_bytes` or more (a
  // snapshot's grids share one; point_arena.hpp); otherwise the heap.
  static SnappedGrid of(const MultiPolygon& geometry, const std::shared_ptr<PointArena>& arena = nullptr,
                        std::size_t arena_min_bytes = 0);
  // of() into `out`, reusing the capacity of its points (a caller's scratch: on the heap).
  static void of_into(const MultiPolygon& geometry, SnappedGrid& out);
  // of() of each geometry, on the heap.
  static std::vector<SnappedGrid> of_each(const std::vector<const MultiPolygon*>& geometries);
  // The geometry, coordinates N / 1e7 (what it was when exact).
  MultiPolygon rebuild() const;
  // rebuild() == `geometry`, without building it (a grid of 50,000 vertices:
  // no 800 KB copy to compare an outline sent back unchanged).
  bool rebuilds_to(const MultiPolygon& geometry) const;
  // Whether the grid contains `p` by the index's boundary rule (below): what
  // GridIndex::contains() answers for it, without an index (a walk of every edge).
  bool contains(LonLat p) const;
  // Of the process's own memory (points in a mapped file are not counted: mapped_bytes()).
  std::size_t memory_bytes() const { return points.heap_bytes() + rings.capacity() * sizeof(RingSpan); }
};

class GridIndex {
 public:
  GridIndex();
  ~GridIndex();
  GridIndex(GridIndex&&) noexcept;
  GridIndex& operator=(GridIndex&&) noexcept;

  // Builds over `grids` (grid index = position), which it keeps. O(edges x
  // depth of cuts); at most a few dozen bytes per edge while building.
  void build_snapped(std::vector<SnappedGrid> grids);

  // A grid indexed on its own, which the indexes of several sets of grids may
  // share instead of each cutting its edges into cells again: an overlay's
  // layers are built again after each write, and a grid of 50,000 vertices
  // takes about 3.5 ms to index (part_of(), then build_snapped(grids, parts)).
  struct Part {
    std::shared_ptr<const GridIndex> index;  // of the grid alone: its grid 0
    BBox box;                                // of the grid's own coordinates (geo::bounding_box)
  };
  static Part part_of(const MultiPolygon& geometry);
  // As build_snapped(grids), where grid g is answered by parts[g].index when
  // that is set (grids[g] is then ignored; leave it empty). `parts` is empty
  // or as long as `grids`. find() asks the parts whose box holds the point
  // after the cells of the others (one box test per part); every answer is
  // the one an index built over all the grids' edges gives. Such an index is
  // not written to a grid index file (arrays() refuses it).
  void build_snapped(std::vector<SnappedGrid> grids, std::vector<Part> parts);
  bool has_parts() const { return !part_refs_.empty(); }
  // The same over the grids' geometries (snapped here; the index keeps no reference to them).
  void build(const std::vector<const MultiPolygon*>& geometries);

  // The snapped grids the index was built on (grid index = position).
  std::size_t grid_count() const { return grids_.size(); }
  const SnappedGrid& grid(std::uint32_t g) const {
    return parts_.empty() || !parts_[g] ? grids_[g] : parts_[g]->grids_.front();
  }
  // Gives the snapped grids back, leaving the index empty (an index without parts).
  std::vector<SnappedGrid> release_grids();

  std::optional<std::uint32_t> find(LonLat p) const;
  // The lowest grid index containing `p` for which skip(index) is false: what
  // find() answers over the grids not skipped (the same boundary rule). For
  // an overlay layer whose grids overlap and a newer layer hid the one find()
  // gives. Costs a box query and a walk of each candidate's edges.
  template <typename Skip>
  std::optional<std::uint32_t> find_unless(LonLat p, Skip&& skip) const {
    for (std::uint32_t g : candidates({p.lon - 1e-7, p.lat - 1e-7, p.lon + 1e-7, p.lat + 1e-7})) {  // a snap's reach
      if (!skip(g) && contains(g, p)) return g;
    }
    return std::nullopt;
  }
  // Whether grid `grid` contains `p`, by the boundary rule above: a walk of all its edges.
  bool contains(std::uint32_t grid, LonLat p) const;

  // Grid indexes whose bounding box meets `box` (a coarse filter). The boxes
  // are those of the snapped outlines: to find every grid whose exact box
  // meets a box, ask with with_snap_margin(box).
  std::vector<std::uint32_t> candidates(const BBox& box) const;
  // `box` widened by ten times the snap (1e-6 degree): candidates() of it
  // misses no grid whose exact box only just meets `box`.
  static BBox with_snap_margin(const BBox& box) {
    constexpr double kMarginDeg = 1e-6;
    return {box.min_lon - kMarginDeg, box.min_lat - kMarginDeg, box.max_lon + kMarginDeg, box.max_lat + kMarginDeg};
  }

  // The point of grid `grid`'s boundary (every ring: shells and holes) nearest
  // to `p`, when it lies within `max_m` metres; nullopt when none does or the
  // grid has no edges. `plane_m` is the distance on a plane tangent at p (WGS84
  // radii of curvature at p's latitude): good to pick the nearest edge; callers
  // measure the returned point on the ellipsoid for the answer. Edges are the
  // snapped ones (1e-7 degree). Cost: one box test per 32 edges of the grid,
  // then the edges of the boxes nearer than the answer.
  struct BoundaryPoint {
    LonLat point;
    double plane_m = 0;
  };
  std::optional<BoundaryPoint> nearest_boundary_point(std::uint32_t grid, LonLat p, double max_m) const;

  // Of the process's own memory; mapped_bytes(): what is read in place from a
  // mapped file (attach()), which the kernel pages in as queries touch it.
  std::size_t memory_bytes() const;
  std::size_t mapped_bytes() const;

  struct Edge {  // a snapped edge, lo.y <= hi.y, 1e-7 degree integers (kept for callers' own scans; the index stores none)
    std::int32_t x0, y0, x1, y1;
  };

  // Shape of the cell tree, for benchmarks and tests.
  struct Stats {
    std::size_t edges = 0, top_cells = 0, leaves = 0, splits = 0, runs = 0, max_leaf_edges = 0;
  };
  Stats stats() const { return stats_; }

  // The index's arrays: what a grid index file holds (index/grid_index_file.hpp
  // frames them, keys them to the grids and checks them). They hold no
  // coordinates: each ring is named by its place in its grid.
  static constexpr std::size_t kChunkBytes = 24;
  struct Arrays {
    std::int64_t min_x = 0, min_y = 0;
    std::int32_t shift = 0;
    std::uint32_t nx = 0, ny = 0;
    Stats stats;
    std::span<const std::uint32_t> rings;  // grid, polygon, ring, size per ring
    std::span<const std::uint32_t> chunk_offsets;
    std::span<const std::byte> chunks;  // kChunkBytes each
    std::span<const std::uint32_t> cells, nodes, leaves;
  };
  // This index's arrays (`rings` is filled in `ring_table`, which must outlive the result).
  Arrays arrays(std::vector<std::uint32_t>& ring_table) const;
  // Takes `a` in place (kept valid by `keep`) as the index of `grids`: false,
  // with the index left empty and `grids` untouched, when the arrays do not fit
  // together or their rings do not fit the grids; on success the index takes
  // the grids (`grids` is left empty). The caller checks that the arrays are
  // those of these grids (a fingerprint) and whole (a checksum): attach() only
  // checks what reading them needs.
  bool attach(const Arrays& a, std::shared_ptr<const void> keep, std::vector<SnappedGrid>& grids);
  // A hash of the arrays (equal for an index built and one attached to its arrays).
  std::uint64_t content_hash() const;

 private:
  struct RingRef {
    const SnappedGrid::Point* points = nullptr;  // in grids_; edges i -> i+1 for i < size-1
    std::uint32_t size = 0;
    std::uint32_t grid = 0;
  };
  struct Chunk {  // up to kChunk edges of one ring and their box (1e-7 degree)
    std::int32_t x0, y0, x1, y1;
    std::uint32_t ring, first;
  };
  struct Run {  // edges first .. first+count-1 of a ring
    std::uint32_t ring, first, count;
  };
  // find() over the cells, for the grids not answered by a part.
  std::optional<std::uint32_t> find_in_cells(LonLat p) const;
  // find() for an index with parts: `found` (from the cells) or a part of a lower grid index holding p.
  std::optional<std::uint32_t> find_in_parts(LonLat p, std::optional<std::uint32_t> found) const;
  struct Builder;
  struct BoxIndex;  // Boost.Geometry R-tree of grid boxes, for candidates()
  // build_snapped()'s work but the parts (parts_ and part_refs_ set before).
  void build_cells(std::vector<SnappedGrid> grids);
  void index_grid_boxes();  // fills boxes_ (allocated) from chunks_ and part_refs_

  std::vector<SnappedGrid> grids_;
  std::vector<RingRef> rings_;
  struct RingPlace {  // where rings_[r] is in its grid's geometry: polygon, ring
    std::uint32_t polygon, ring;
  };
  std::vector<RingPlace> ring_places_;
  HeldArray<std::uint32_t> chunk_offsets_;  // size grids+1, into chunks_
  HeldArray<Chunk> chunks_;

  // Cell value: tag in the top two bits. kPure: owner grid + 1 (0 = none);
  // kLeaf: offset into leaves_; kSplit: offset into nodes_ of 16 child values (row-major, from south-west).
  // Top cells are column-major (cx * ny_ + cy), the order the build walks them.
  // Leaf: [group count] then per group [grid << 1 | corner inside] [run count] [ring, first, count]*.
  std::int64_t min_x_ = 0, min_y_ = 0;
  int shift_ = 0;  // top cells are 2^shift_ units on a side
  std::uint32_t nx_ = 0, ny_ = 0;
  HeldArray<std::uint32_t> cells_;
  HeldArray<std::uint32_t> nodes_;
  HeldArray<std::uint32_t> leaves_;
  std::unique_ptr<BoxIndex> boxes_;
  Stats stats_;
  // Grids answered by a part: parts_[g] for grid g (empty when there is no
  // part), and each part's grid index and snapped box, in grid index order.
  struct PartRef {
    std::uint32_t grid;
    std::int64_t x0, y0, x1, y1;
  };
  std::vector<std::shared_ptr<const GridIndex>> parts_;
  std::vector<PartRef> part_refs_;
};

}  // namespace poleloc::index
