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
// The test is conservative: it answers true whenever a point lies within r
// (geodesic, WGS84), and also for some points that do not (same cell), for
// radii beyond kMaxRadiusM, for circles reaching a pole or the antimeridian,
// and whenever the circle covers more than a few cells.
//
// Thread-safety: const members are safe from any number of threads.
#pragma once

#include <poleloc/types.hpp>

#include <cstdint>
#include <vector>

namespace poleloc::index {

class CellPresence {
 public:
  static constexpr double kCellDeg = 0.001;     // about 111 m of latitude
  static constexpr double kMaxRadiusM = 2000;   // beyond: always "maybe"
  static constexpr int kMaxCellsPerAxis = 6;    // a wider circle: always "maybe"

  void build(const std::vector<LonLat>& points);
  bool empty() const { return count_ == 0; }
  // False only if no point given to build() is within `radius_m` of `p`.
  bool maybe_within(LonLat p, double radius_m) const;

 private:
  // cx, cy: cell coordinates made non-negative (below 2^20) by the caller.
  static std::uint64_t key(std::int64_t cx, std::int64_t cy) {
    return (static_cast<std::uint64_t>(cx) << 20) | static_cast<std::uint64_t>(cy);
  }
  bool contains(std::uint64_t k) const;
  std::vector<std::uint64_t> slots_;  // open addressing; kFree where empty
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
};

}  // namespace poleloc::index
