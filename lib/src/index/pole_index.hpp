// pole_index.hpp: pole positions for nearest-k and box queries.
//
//   PoleIndex idx;
//   idx.build(positions);                           // WGS84 lon/lat per pole index
//   auto hits = idx.nearest({116.4712, 39.9251}, 5, 500.0);  // (pole, metres), nearest first
//   auto in = idx.within(box);                      // pole indexes inside box
//
// Poles are bucketed into a uniform lon/lat cell grid (sorted by cell, so a
// cell's poles are contiguous). nearest() scans rings of cells outward and
// stops when no unvisited cell can hold a pole closer than the k-th found.
// Candidates are ranked by the ellipsoidal distance at the query latitude and
// the answers' distances are geodesic on WGS84 (see geodesic.hpp): the order
// is the true geodesic order, not planar degrees.
//
// Thread-safety: const members are safe from any number of threads.
#pragma once

#include <poleloc/types.hpp>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace poleloc::index {

class PoleIndex {
 public:
  void build(const std::vector<LonLat>& positions);

  // Up to k (pole, distance_m) pairs, nearest first; ties by pole index.
  std::vector<std::pair<std::uint32_t, double>> nearest(LonLat p, std::size_t k,
                                                        std::optional<double> max_m) const;

  // Pole indexes inside `box`, edges included, unordered.
  std::vector<std::uint32_t> within(const BBox& box) const;

  std::size_t memory_bytes() const;

 private:
  double min_lon_ = 0, min_lat_ = 0, cell_deg_lon_ = 1, cell_deg_lat_ = 1;
  std::uint32_t nx_ = 0, ny_ = 0;
  std::vector<std::uint32_t> cell_start_;   // nx*ny+1 offsets into order_
  std::vector<std::uint32_t> order_;        // pole indexes sorted by cell
  std::vector<LonLat> sorted_pos_;          // positions in order_ order
  double min_m_per_deg_lon_ = 0, min_m_per_deg_lat_ = 0;  // for ring lower bounds
};

}  // namespace poleloc::index
