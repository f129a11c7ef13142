// cell_presence.hpp: "could any of these few points be within r metres of p?"
// answered from a handful of probes into a small set, with no false "no".
//
//   index::CellPresence cells;
//   cells.build(delta_positions);             // the poles written since the base (hundreds)
//   if (cells.maybe_within(p, 42.0)) { ... }  // false: none of them is within 42 m of p
//
// The overlay of recent writes holds a few hundred poles scattered over the
// city. A k-nearest query asks the base first; only a written pole nearer
// than the base's k-th can change the answer, and almost never is one near.
// This set of occupied cells of a fixed lon/lat grid (about 110 m) lets the
// query skip the overlay's own search in a few nanoseconds.
//
// The cells are kept as a bitmap of the points' bounding box, row by row,
// when that box is small (a city: ~100,000 cells, 12 KB), so that a query
// reads one or two words per row of the circle's cells instead of hashing
// each cell (57 -> 19 ns measured, index_bench BM_OverlayPresence); points
// spread wider fall back to a hash set of the occupied cells.
//
// The test is conservative: it answers true whenever a point lies within r
// (geodesic, WGS84), and also for some points that do not (same cell), for
// radii beyond kMaxRadiusM, for circles reaching a pole or the antimeridian,
// and whenever the circle covers more than a few cells.
//
// Thread-safety: const members are safe from any number of threads.
#pragma once

#include <poleloc/types.hpp>

#include <cstdint>
#include <functional>
#include <vector>

namespace poleloc::index {

class CellPresence {
 public:
  static constexpr double kCellDeg = 0.001;     // about 111 m of latitude
  static constexpr double kMaxRadiusM = 2000;   // beyond: always "maybe"
  static constexpr int kMaxCellsPerAxis = 6;    // a wider circle: always "maybe"

  void build(const std::vector<LonLat>& points);
  // As build() of `below`'s points and `more`: a copy of below's bitmap with
  // `more` set in it (a few µs however many points `below` holds) when they
  // fall in its box; else built from every point, below's given by
  // `below_points` (which appends them to its argument; called only then).
  void build_over(const CellPresence& below, const std::function<void(std::vector<LonLat>&)>& below_points,
                  const std::vector<LonLat>& more);
  bool empty() const { return count_ == 0; }
  // False only if no point given to build() is within `radius_m` of `p`.
  bool maybe_within(LonLat p, double radius_m) const { return maybe_within(probe(p), radius_m); }

  // The same test in two steps, for a caller that knows the point before the
  // radius (a k-nearest query, whose radius is its answer's k-th distance):
  // probe() does the point's part and fetches the bitmap's words around it
  // while the caller searches, so that the test after the search is a few
  // multiplications and loads from L1, not a chain through L2.
  class Probe {
    friend class CellPresence;
    explicit Probe(LonLat at) : p(at) {}
    LonLat p;
    double lon_deg_per_m = 0;  // degrees of longitude per metre at the widest circle's highest latitude
    bool always = false;       // a circle near a pole of the Earth (or no place at all): always "maybe"
  };
  Probe probe(LonLat p) const;
  bool maybe_within(const Probe& probe, double radius_m) const;

 private:
  // cx, cy: cell coordinates made non-negative (below 2^20) by the caller.
  static std::uint64_t key(std::int64_t cx, std::int64_t cy) {
    return (static_cast<std::uint64_t>(cx) << 20) | static_cast<std::uint64_t>(cy);
  }
  // The largest bitmap kept (bits); a wider box uses the hash set.
  static constexpr std::uint64_t kMaxBitmapCells = std::uint64_t{1} << 21;
  bool contains(std::uint64_t k) const;
  // Marks the cell of `p` (inside the bitmap's box) occupied, counting it if it was not.
  void set_in_bitmap(LonLat p);
  // Any cell of row `cy` from `x0` to `x1` (bitmap coordinates, x0 <= x1, both in the box) occupied?
  bool row_any(std::int64_t cy, std::int64_t x0, std::int64_t x1) const;
  std::vector<std::uint64_t> slots_;  // open addressing; kFree where empty
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
  // The bitmap: cell (cx, cy) of the box [box_x_, box_x_ + width_) x [box_y_, box_y_ + height_)
  // at bit (cy - box_y_) * width_ + (cx - box_x_); empty when the hash set is used.
  std::vector<std::uint64_t> bits_;
  std::int64_t box_x_ = 0, box_y_ = 0, width_ = 0, height_ = 0;
};

}  // namespace poleloc::index
