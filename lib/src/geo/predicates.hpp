// predicates.hpp: orientation and segment tests whose every "yes" is exact,
// and the boxes the fast proofs pair edges by.
//
//   if (geo::orientation(a, b, c) > 0) ...  // c surely left of a->b
//   geo::orientation(a, b, c) == 0          // on the line, or too close to call
//
// Coordinates are lon, lat in degrees, compared as plane coordinates (what
// GEOS does with them). A sign is trusted only when the determinant exceeds
// 1e-12 of the magnitude of its two products; the rounding error of the
// determinant, differences included, is at most 3.3e-16 of it (Shewchuk,
// "Adaptive precision floating-point arithmetic", 1997). So a nonzero answer
// is the sign GEOS's exact arithmetic finds; zero only means "not proven".
//
// The fast proofs built on these (interiors_disjoint.hpp, simple_polygon.hpp)
// answer "surely" or "not proven", never "surely not".
//
// Thread-safety: pure functions.
#pragma once

#include <poleloc/types.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace poleloc::geo {

inline constexpr double kOrientationTolerance = 1e-12;

// +1: c left of a->b; -1: right; 0: on the line or too close to call.
inline int orientation(LonLat a, LonLat b, LonLat c) {
  const double left = (b.lon - a.lon) * (c.lat - a.lat);
  const double right = (b.lat - a.lat) * (c.lon - a.lon);
  const double det = left - right;
  const double bound = kOrientationTolerance * (std::abs(left) + std::abs(right));
  if (det > bound) return 1;
  if (det < -bound) return -1;
  return 0;
}

// Whether segments p-q and p-r (q, r != p) surely meet only at p: r is off
// the line pq, or r lies behind p as seen from q (collinear streets going on
// through a common vertex). In the second case the segments lie in the two
// closed half-planes bounded by the line through p across pq.
inline bool meet_only_at(LonLat p, LonLat q, LonLat r) {
  if (orientation(p, q, r) != 0) return true;
  const double along_lon = (q.lon - p.lon) * (r.lon - p.lon);
  const double along_lat = (q.lat - p.lat) * (r.lat - p.lat);
  return along_lon + along_lat < -kOrientationTolerance * (std::abs(along_lon) + std::abs(along_lat));
}

// Whether segments a-b and c-d surely have no point in common: one lies
// strictly on one side of the other's line.
inline bool segments_apart(LonLat a, LonLat b, LonLat c, LonLat d) {
  const int s1 = orientation(a, b, c), s2 = orientation(a, b, d);
  if (s1 != 0 && s1 == s2) return true;
  const int s3 = orientation(c, d, a), s4 = orientation(c, d, b);
  return s3 != 0 && s3 == s4;
}

// Where `p` is against a closed ring of `edges` edges, edge i from vertex(i)
// to vertex(i + 1): +1 inside, -1 outside, 0 unsure (crossings of the ray
// eastwards from p, each edge half-open in latitude; every sign used exact).
template <typename Vertex>
int side_of_ring(LonLat p, std::size_t edges, Vertex&& vertex) {
  bool inside = false;
  for (std::size_t i = 0; i < edges; ++i) {
    const LonLat q = vertex(i), t = vertex(i + 1);
    if ((q.lat > p.lat) == (t.lat > p.lat)) continue;
    if (p.lon > std::max(q.lon, t.lon)) continue;
    if (p.lon < std::min(q.lon, t.lon)) {
      inside = !inside;
      continue;
    }
    const int o = orientation(q, t, p);
    if (o == 0) return 0;
    // The ray crosses when p is left of the edge taken upwards.
    if ((o > 0) == (t.lat > q.lat)) inside = !inside;
  }
  return inside ? 1 : -1;
}

inline bool boxes_meet(const BBox& a, const BBox& b) {
  return a.min_lon <= b.max_lon && b.min_lon <= a.max_lon && a.min_lat <= b.max_lat && b.min_lat <= a.max_lat;
}

inline BBox segment_box(LonLat p, LonLat q) {
  return {std::min(p.lon, q.lon), std::min(p.lat, q.lat), std::max(p.lon, q.lon), std::max(p.lat, q.lat)};
}

inline BBox united(const BBox& a, const BBox& b) {
  return {std::min(a.min_lon, b.min_lon), std::min(a.min_lat, b.min_lat), std::max(a.max_lon, b.max_lon),
          std::max(a.max_lat, b.max_lat)};
}

// Boxes of boxes over a sequence of `count` boxes (box_of(i)), as both fast
// proofs pair edges: levels[0][k] is the box of items [fan * k, fan * (k + 1)),
// levels[l][k] of levels[l - 1][fan * k, fan * (k + 1)), and the last level
// holds one box (none when count is 0). `levels` keeps its vectors' capacity
// from call to call.
template <typename BoxOf>
void build_box_levels(std::size_t count, std::size_t fan, BoxOf&& box_of, std::vector<std::vector<BBox>>& levels) {
  if (levels.empty()) levels.resize(1);
  levels[0].clear();
  for (std::size_t i = 0; i < count; ++i) {
    if (i % fan == 0) {
      levels[0].push_back(box_of(i));
    } else {
      levels[0].back() = united(levels[0].back(), box_of(i));
    }
  }
  std::size_t depth = 0;
  while (levels[depth].size() > 1) {
    if (levels.size() <= depth + 1) levels.resize(depth + 2);
    const std::vector<BBox>& below = levels[depth];
    std::vector<BBox>& above = levels[depth + 1];
    above.clear();
    for (std::size_t k = 0; k < below.size(); ++k) {
      if (k % fan == 0) {
        above.push_back(below[k]);
      } else {
        above.back() = united(above.back(), below[k]);
      }
    }
    ++depth;
  }
  levels.resize(depth + 1);
}

}  // namespace poleloc::geo
