#include "geo/simple_polygon.hpp"

#include "geo/predicates.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace poleloc::geo {
namespace {

// Holes beyond this many are left to GEOS (each pair of holes is tested).
constexpr std::size_t kMaxHoles = 16;
// Pairs of edges tested per edge before GEOS is left to decide.
constexpr std::size_t kMaxPairsPerEdge = 64;
// Edges per box, boxes per box above (see EdgePairs).
constexpr std::size_t kFan = 8;

struct Edge {
  LonLat from, to;
  BBox box;
  std::uint32_t ring = 0;   // 0: the shell
  std::uint32_t index = 0;  // position along the ring
};

struct Scratch {
  std::vector<LonLat> points;              // every ring's distinct vertices, ring after ring
  std::vector<std::uint32_t> ring_starts;  // into points; one more than rings
  std::vector<Edge> edges;                 // ring after ring, in ring order
  // levels[0][k]: the box of edges [kFan * k, kFan * (k + 1)); levels[l][k]:
  // of levels[l - 1][kFan * k, kFan * (k + 1)); the last level has one box.
  std::vector<std::vector<BBox>> levels;
};

// Consecutive repeated points dropped, and the closing point; false if a ring
// keeps fewer than 3 points or a coordinate is not finite.
bool gather(const Polygon& polygon, Scratch& s) {
  s.points.clear();
  s.ring_starts.clear();
  for (const Ring& ring : polygon.rings) {
    s.ring_starts.push_back(static_cast<std::uint32_t>(s.points.size()));
    if (ring.size() < 4 || !(ring.front() == ring.back())) return false;
    const std::size_t first = s.points.size();
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
      const LonLat p = ring[i];
      if (!std::isfinite(p.lon) || !std::isfinite(p.lat)) return false;
      if (s.points.size() > first && s.points.back() == p) continue;
      s.points.push_back(p);
    }
    while (s.points.size() > first + 1 && s.points.back() == s.points[first]) s.points.pop_back();
    if (s.points.size() - first < 3) return false;
  }
  s.ring_starts.push_back(static_cast<std::uint32_t>(s.points.size()));
  return true;
}

LonLat vertex(const Scratch& s, std::uint32_t ring, std::size_t i) {
  const std::size_t start = s.ring_starts[ring], n = s.ring_starts[ring + 1] - start;
  return s.points[start + i % n];
}

std::size_t ring_size(const Scratch& s, std::uint32_t ring) { return s.ring_starts[ring + 1] - s.ring_starts[ring]; }

// Each ring's consecutive edges meet only at their common vertex.
bool corners_simple(const Scratch& s) {
  for (std::uint32_t r = 0; r + 1 < s.ring_starts.size(); ++r) {
    const std::size_t n = ring_size(s, r);
    for (std::size_t i = 0; i < n; ++i) {
      if (!meet_only_at(vertex(s, r, i + 1), vertex(s, r, i), vertex(s, r, i + 2))) return false;
    }
  }
  return true;
}

// Whether edges e and f (of any rings) are allowed to meet: only when they
// follow each other along a ring (corners_simple() tests those).
bool follow_each_other(const Scratch& s, const Edge& e, const Edge& f) {
  if (e.ring != f.ring) return false;
  const std::size_t n = ring_size(s, e.ring);
  const std::size_t gap = e.index > f.index ? e.index - f.index : f.index - e.index;
  return gap <= 1 || gap == n - 1;
}

// Every pair of edges that do not follow each other along a ring is apart.
// Edges come in runs of kFan along their ring; runs of kFan runs make the next
// level's boxes, and so on up to one box. Consecutive edges lie close
// together, so the boxes stay small: pairing boxes from the top, only the
// edges under two boxes that meet are paired, about n log n box tests for an
// outline of n edges (a sweep in longitude pairs every run of a north-south
// street with every other).
class EdgePairs {
 public:
  explicit EdgePairs(Scratch& s) : s_(s), budget_(kMaxPairsPerEdge * s.edges.size()) {}

  bool all_apart() {
    const std::size_t top = s_.levels.size() - 1;
    return s_.levels[top].size() != 1 || within(top, 0);
  }

 private:
  std::size_t children_end(std::size_t level, std::size_t i) const {
    return std::min(s_.levels[level - 1].size(), kFan * (i + 1));
  }

  // Every pair of edges under box i of `level`.
  bool within(std::size_t level, std::size_t i) {
    if (level == 0) return runs_apart(i, i);
    const std::size_t end = children_end(level, i);
    for (std::size_t c = kFan * i; c < end; ++c) {
      if (!within(level - 1, c)) return false;
      for (std::size_t d = c + 1; d < end; ++d) {
        if (!between(level - 1, c, level - 1, d)) return false;
      }
    }
    return true;
  }

  // Every pair of one edge under box ia of level la and one under box ib of lb.
  bool between(std::size_t la, std::size_t ia, std::size_t lb, std::size_t ib) {
    if (!boxes_meet(s_.levels[la][ia], s_.levels[lb][ib])) return true;
    if (budget_-- == 0) return false;
    if (la == 0 && lb == 0) return runs_apart(ia, ib);
    if (la >= lb) {
      for (std::size_t c = kFan * ia, end = children_end(la, ia); c < end; ++c) {
        if (!between(la - 1, c, lb, ib)) return false;
      }
    } else {
      for (std::size_t c = kFan * ib, end = children_end(lb, ib); c < end; ++c) {
        if (!between(la, ia, lb - 1, c)) return false;
      }
    }
    return true;
  }

  // The edges of runs a and b (a == b: of one run) pairwise.
  bool runs_apart(std::size_t a, std::size_t b) {
    const std::size_t a_end = std::min(s_.edges.size(), kFan * (a + 1));
    const std::size_t b_end = std::min(s_.edges.size(), kFan * (b + 1));
    for (std::size_t i = kFan * a; i < a_end; ++i) {
      const Edge& e = s_.edges[i];
      for (std::size_t j = (a == b ? i + 1 : kFan * b); j < b_end; ++j) {
        const Edge& f = s_.edges[j];
        if (!boxes_meet(e.box, f.box) || follow_each_other(s_, e, f)) continue;
        if (budget_-- == 0 || !segments_apart(e.from, e.to, f.from, f.to)) return false;
      }
    }
    return true;
  }

  Scratch& s_;
  std::size_t budget_;
};

bool other_edges_apart(Scratch& s) {
  s.edges.clear();
  for (std::uint32_t r = 0; r + 1 < s.ring_starts.size(); ++r) {
    const std::size_t n = ring_size(s, r);
    for (std::size_t i = 0; i < n; ++i) {
      const LonLat a = vertex(s, r, i), b = vertex(s, r, i + 1);
      s.edges.push_back({a, b, segment_box(a, b), r, static_cast<std::uint32_t>(i)});
    }
  }
  build_box_levels(s.edges.size(), kFan, [&s](std::size_t e) { return s.edges[e].box; }, s.levels);
  return EdgePairs(s).all_apart();
}

enum class Side { outside, inside, unsure };

// Where `p` is against ring `r` (crossings of the ray eastwards from p, each
// edge half-open in latitude; every sign used is exact, else unsure).
Side side_of(LonLat p, const Scratch& s, std::uint32_t r) {
  const int side = side_of_ring(p, ring_size(s, r), [&](std::size_t i) { return vertex(s, r, i); });
  return side > 0 ? Side::inside : side < 0 ? Side::outside : Side::unsure;
}

// Every hole inside the shell and outside every other hole (rings known not to meet).
bool holes_placed(const Scratch& s) {
  const auto rings = static_cast<std::uint32_t>(s.ring_starts.size() - 1);
  for (std::uint32_t h = 1; h < rings; ++h) {
    const LonLat p = vertex(s, h, 0);
    if (side_of(p, s, 0) != Side::inside) return false;
    for (std::uint32_t other = 1; other < rings; ++other) {
      if (other != h && side_of(p, s, other) != Side::outside) return false;
    }
  }
  return true;
}

}  // namespace

bool polygon_surely_valid(const MultiPolygon& geometry) {
  if (geometry.size() != 1) return false;
  const Polygon& polygon = geometry[0];
  if (polygon.rings.empty() || polygon.rings.size() > kMaxHoles + 1) return false;
  thread_local Scratch s;
  return gather(polygon, s) && corners_simple(s) && other_edges_apart(s) && holes_placed(s);
}

}  // namespace poleloc::geo
