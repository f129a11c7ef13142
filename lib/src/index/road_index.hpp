// road_index.hpp: the segments of named roads, for "which road is nearest"
// and "where does another road cross it".
//
//   RoadIndex idx;
//   idx.build(roads);                                    // RoadRecords, WGS84
//   if (auto foot = idx.nearest({116.4712, 39.9251}, 500)) {
//     roads[foot->road].name;                            // the nearest road
//     foot->offset_m;                                    // metres from it
//     for (const RoadCrossing& c : idx.crossings(foot->road)) ...
//   }
//
// Geometry is computed on a local plane (metres east and north of the roads'
// centre, equirectangular): within a city the distances are within 0.5 % of
// geodesic, which is plenty for "about 40 m". Segments sit in a Boost.Geometry
// R-tree (bulk loaded). Crossings are found once, by build(): where a segment
// of one road meets a segment of a road of another name, or where a road's end
// lies within 6 m of another road (a lane ending at a street, drawn short).
// Crossings of the same two roads closer than 30 m along the road are one.
//
// Thread-safety: build() once; then const members from any number of threads.
#pragma once

#include <poleloc/types.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace poleloc::index {

// The point of a road nearest to a query point. x, y: metres on the local plane.
struct RoadFoot {
  std::uint32_t road = 0;  // index into the roads given to build()
  std::uint32_t line = 0;  // which of the road's lines
  double along_m = 0;      // from the line's first point to the foot, along the line
  double offset_m = 0;     // from the query point to the foot
  double foot_x = 0, foot_y = 0;
  double dir_x = 0, dir_y = 0;  // the segment's direction (first to last point of the line)
  double off_x = 0, off_y = 0;  // from the foot to the query point
};

// Where road `other` meets a road (the one crossings() was asked about).
struct RoadCrossing {
  std::uint32_t line = 0;  // which of the road's lines
  double along_m = 0;      // from that line's first point
  std::uint32_t other = 0;
  double x = 0, y = 0;     // metres on the local plane
};

class RoadIndex {
 public:
  RoadIndex();
  ~RoadIndex();
  RoadIndex(RoadIndex&&) noexcept;
  RoadIndex& operator=(RoadIndex&&) noexcept;

  void build(const std::vector<RoadRecord>& roads);
  bool empty() const { return segments_.empty(); }

  // The nearest point of any road within max_m metres of p; nullopt when none
  // (or no roads, or p not a lon/lat).
  std::optional<RoadFoot> nearest(LonLat p, double max_m) const;
  // The crossings on road `road`, by line then along_m.
  const std::vector<RoadCrossing>& crossings(std::uint32_t road) const { return crossings_[road]; }
  std::size_t memory_bytes() const;

  struct Segment {
    std::uint32_t road, line;
    double along0;             // metres from the line's first point to `a`
    double ax, ay, bx, by;     // local plane, metres
    bool first, last;          // the line's first / last segment
  };

 private:
  struct Tree;
  double lon0_ = 0, lat0_ = 0, kx_ = 1, ky_ = 1;  // the local plane
  std::vector<Segment> segments_;
  std::vector<std::vector<RoadCrossing>> crossings_;
  std::unique_ptr<Tree> tree_;
};

}  // namespace poleloc::index
