// The cell tree of the grid index (cells cut 4 x 4 where edges crowd, runs of
// edges referring to the grids' own rings, corners found by a walk): every
// answer must equal the documented boundary rule evaluated plainly, a ray east
// over every edge of every grid (lowest grid index where grids overlap), on
// random points, on vertices, on points exactly on edges and one unit beside them.
#include "index/grid_index.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

using namespace poleloc;

namespace {

constexpr double kPi = 3.14159265358979323846;

struct Unit {  // a point in 1e-7 degree units
  std::int64_t x, y;
};

std::int64_t snap(double deg) { return std::llround(deg * 1e7); }
LonLat degrees(Unit u) { return {static_cast<double>(u.x) / 1e7, static_cast<double>(u.y) / 1e7}; }

// grid_index.hpp's boundary rule, written plainly: a ray east over every edge
// (lo.y <= y < hi.y, p strictly west of the edge); the lowest grid index wins.
struct RayEast {
  struct Edge {
    std::int64_t x0, y0, x1, y1;  // y0 <= y1
  };
  std::vector<std::vector<Edge>> grids;
  explicit RayEast(const std::vector<MultiPolygon>& geometries) {
    for (const MultiPolygon& geometry : geometries) {
      grids.emplace_back();
      for (const Polygon& poly : geometry) {
        for (const Ring& ring : poly.rings) {
          for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
            std::int64_t x0 = snap(ring[i].lon), y0 = snap(ring[i].lat);
            std::int64_t x1 = snap(ring[i + 1].lon), y1 = snap(ring[i + 1].lat);
            if (y0 > y1) std::swap(x0, x1), std::swap(y0, y1);
            grids.back().push_back({x0, y0, x1, y1});
          }
        }
      }
      std::array<std::int64_t, 4> box{INT64_MAX, INT64_MAX, INT64_MIN, INT64_MIN};
      for (const Edge& e : grids.back()) {
        box = {std::min({box[0], e.x0, e.x1}), std::min(box[1], e.y0), std::max({box[2], e.x0, e.x1}), std::max(box[3], e.y1)};
      }
      boxes.push_back(box);
    }
  }
  std::vector<std::array<std::int64_t, 4>> boxes;  // per grid: x0, y0, x1, y1
  std::optional<std::uint32_t> at(Unit p) const {
    for (std::uint32_t g = 0; g < grids.size(); ++g) {
      const auto& b = boxes[g];
      if (p.x < b[0] || p.y < b[1] || p.x > b[2] || p.y > b[3]) continue;
      bool inside = false;
      for (const Edge& e : grids[g]) {
        if (p.y < e.y0 || p.y >= e.y1) continue;
        if ((p.x - e.x0) * (e.y1 - e.y0) < (p.y - e.y0) * (e.x1 - e.x0)) inside = !inside;
      }
      if (inside) return g;
    }
    return std::nullopt;
  }
};

// A closed star-shaped ring of n vertices around (cx, cy) (degrees), radius r
// with wiggles, vertices on a lattice of `lattice` units (so edge midpoints are
// whole units and lie exactly on their edge).
Ring wiggly_ring(double cx, double cy, double r, int n, int seed, std::int64_t lattice, bool clockwise = false) {
  Ring ring;
  for (int i = 0; i < n; ++i) {
    const double t = 2 * kPi * (clockwise ? n - i : i) / n;
    const double rr = r * (1 + 0.2 * std::sin(40 * t + seed) + 0.05 * std::sin(997 * t) + 0.01 * std::sin(9973 * t));
    const std::int64_t x = std::llround((cx + rr * std::cos(t) * 1.3) * 1e7 / static_cast<double>(lattice)) * lattice;
    const std::int64_t y = std::llround((cy + rr * std::sin(t)) * 1e7 / static_cast<double>(lattice)) * lattice;
    ring.push_back(degrees({x, y}));
  }
  ring.push_back(ring.front());
  return ring;
}

// The points to check: random ones over the box, vertices, edge midpoints and
// points one unit east, west, north and south of those.
std::vector<Unit> probe_points(const std::vector<MultiPolygon>& grids, std::size_t random, std::size_t per_ring, int seed) {
  std::int64_t x0 = INT64_MAX, y0 = INT64_MAX, x1 = INT64_MIN, y1 = INT64_MIN;
  std::vector<Unit> out;
  std::mt19937_64 rng(static_cast<std::uint64_t>(seed));
  for (const MultiPolygon& mp : grids) {
    for (const Polygon& poly : mp) {
      for (const Ring& ring : poly.rings) {
        const std::size_t step = std::max<std::size_t>(1, ring.size() / per_ring);
        for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
          const Unit a{snap(ring[i].lon), snap(ring[i].lat)}, b{snap(ring[i + 1].lon), snap(ring[i + 1].lat)};
          x0 = std::min(x0, a.x), x1 = std::max(x1, a.x), y0 = std::min(y0, a.y), y1 = std::max(y1, a.y);
          if (i % step != 0) continue;
          for (const Unit u : {a, Unit{(a.x + b.x) / 2, (a.y + b.y) / 2}}) {
            for (const Unit d : {Unit{0, 0}, Unit{1, 0}, Unit{-1, 0}, Unit{0, 1}, Unit{0, -1}}) out.push_back({u.x + d.x, u.y + d.y});
          }
        }
      }
    }
  }
  std::uniform_int_distribution<std::int64_t> x(x0 - 1000, x1 + 1000), y(y0 - 1000, y1 + 1000);
  for (std::size_t i = 0; i < random; ++i) out.push_back({x(rng), y(rng)});
  return out;
}

std::size_t expect_same_as_reference(const std::vector<MultiPolygon>& grids, const std::vector<Unit>& points,
                                     index::GridIndex::Stats* stats = nullptr) {
  std::vector<const MultiPolygon*> ptrs;
  for (const MultiPolygon& g : grids) ptrs.push_back(&g);
  index::GridIndex idx;
  idx.build(ptrs);
  if (stats) *stats = idx.stats();
  const RayEast reference(grids);
  std::size_t inside = 0, wrong = 0;
  for (const Unit& p : points) {
    const auto want = reference.at(p);
    const auto got = idx.find(degrees(p));
    inside += want.has_value();
    if (got != want && ++wrong <= 10) {
      ADD_FAILURE() << "at " << p.x << "," << p.y << " units: index " << (got ? std::to_string(*got) : "none")
                    << ", ray east " << (want ? std::to_string(*want) : "none");
    }
  }
  EXPECT_EQ(wrong, 0u);
  return inside;
}

}  // namespace

// One grid of 50,000 vertices (with a hole of 5,000 and a second part), beside
// a grid that overlaps it: the cells along its boundary are cut several times.
TEST(GridIndexCells, FiftyThousandVertexGridAnswersLikeTheRayEastEverywhere) {
  std::vector<MultiPolygon> grids(2);
  grids[0] = {Polygon{{wiggly_ring(116.2, 39.7, 0.022, 50000, 1, 10), wiggly_ring(116.2, 39.7, 0.005, 5000, 2, 10, true)}},
              Polygon{{wiggly_ring(116.3, 39.7, 0.004, 2000, 3, 10)}}};
  grids[1] = {Polygon{{wiggly_ring(116.24, 39.71, 0.01, 8000, 4, 10)}}};
  const auto points = probe_points(grids, 6000, 400, 7);
  index::GridIndex::Stats stats;
  const std::size_t inside = expect_same_as_reference(grids, points, &stats);
  EXPECT_GT(stats.splits, 0u);  // the path under test: cut cells
  EXPECT_GT(inside, points.size() / 4);
}

// 64 wedges meeting at one vertex, each with a wiggly outer arc: the cells at
// the centre cannot be cut below one unit and keep every spoke.
TEST(GridIndexCells, ManyGridsMeetingAtOneVertexAnswerLikeTheRayEast) {
  const Unit c{1164000000, 399000000};
  constexpr int kWedges = 64, kArc = 200;
  std::vector<MultiPolygon> grids;
  for (int k = 0; k < kWedges; ++k) {
    Ring ring{degrees(c)};
    for (int i = 0; i <= kArc; ++i) {
      const double t = 2 * kPi * (k + static_cast<double>(i) / kArc) / kWedges;
      const double r = 20000 * (1 + 0.1 * std::sin(37 * t));
      // The same arc vertices for neighbouring wedges: t of i == kArc equals the next wedge's i == 0.
      ring.push_back(degrees({c.x + std::llround(r * std::cos(t)), c.y + std::llround(r * std::sin(t))}));
    }
    ring.push_back(degrees(c));
    grids.push_back({Polygon{{ring}}});
  }
  auto points = probe_points(grids, 4000, 50, 3);
  for (std::int64_t dx = -12; dx <= 12; ++dx) {
    for (std::int64_t dy = -12; dy <= 12; ++dy) points.push_back({c.x + dx, c.y + dy});
  }
  index::GridIndex::Stats stats;
  const std::size_t inside = expect_same_as_reference(grids, points, &stats);
  EXPECT_GT(inside, points.size() / 3);
  EXPECT_GT(stats.max_leaf_edges, 64u);  // a leaf that could not be cut further
}

// A grid riddled with 400 holes (a lattice of small squares), each hole another
// grid's island: corners fall in holes, on hole edges, between them.
TEST(GridIndexCells, HolesFilledByIslandGridsAnswerLikeTheRayEast) {
  auto square = [](std::int64_t x, std::int64_t y, std::int64_t s, bool clockwise) {
    Ring r;
    const Unit pts[] = {{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}};
    for (int i = 0; i < 4; ++i) r.push_back(degrees(pts[clockwise ? (4 - i) % 4 : i]));
    r.push_back(r.front());
    return r;
  };
  const std::int64_t x0 = 1163000000, y0 = 399000000;
  Polygon outer{{square(x0, y0, 200000, false)}};
  MultiPolygon islands;
  for (int i = 0; i < 20; ++i) {
    for (int j = 0; j < 20; ++j) {
      const std::int64_t x = x0 + 5000 + i * 9700, y = y0 + 5000 + j * 9700, s = 3000 + (i * 7 + j * 13) % 2000;
      outer.rings.push_back(square(x, y, s, true));
      islands.push_back(Polygon{{square(x, y, s, false)}});
    }
  }
  std::vector<MultiPolygon> grids{{outer}, islands};
  const auto points = probe_points(grids, 20000, 4, 5);
  const std::size_t inside = expect_same_as_reference(grids, points);
  EXPECT_GT(inside, points.size() / 2);
}

// Vertices half a unit off the lattice snap as llround does (half away from zero), on both sides of zero.
TEST(GridIndexCells, VerticesHalfAUnitOffSnapLikeLlround) {
  std::vector<MultiPolygon> grids;
  for (const double sign : {1.0, -1.0}) {
    Ring r;
    for (const auto& [x, y] : std::vector<std::pair<double, double>>{
             {10.00000005, 1.00000005}, {10.00100005, 1.00000015}, {10.00100025, 1.00100005}, {10.00000035, 1.00100045}}) {
      r.push_back({sign * x, sign * y});
    }
    r.push_back(r.front());
    grids.push_back({Polygon{{r}}});
  }
  std::vector<Unit> points;
  for (const MultiPolygon& g : grids) {
    for (const LonLat& v : g[0].rings[0]) {
      for (std::int64_t dx = -2; dx <= 2; ++dx) {
        for (std::int64_t dy = -2; dy <= 2; ++dy) points.push_back({snap(v.lon) + dx, snap(v.lat) + dy});
      }
    }
  }
  const auto more = probe_points(grids, 2000, 10, 9);
  points.insert(points.end(), more.begin(), more.end());
  expect_same_as_reference(grids, points);
}

TEST(GridIndexCells, RingWithANonFiniteVertexIsNotIndexed) {
  MultiPolygon bad{Polygon{{Ring{{116, 39}, {116.01, 39}, {NAN, 39.01}, {116, 39}}}}};
  MultiPolygon good{Polygon{{Ring{{116.02, 39}, {116.03, 39}, {116.03, 39.01}, {116.02, 39.01}, {116.02, 39}}}}};
  index::GridIndex idx;
  idx.build({&bad, &good});
  EXPECT_EQ(idx.find({116.025, 39.005}), std::optional<std::uint32_t>(1));
  EXPECT_FALSE(idx.find({116.005, 39.001}).has_value());
}

// The nearest boundary point of a 50,000-vertex grid, from inside and outside,
// is the nearest of a scan over every edge.
TEST(GridIndexCells, NearestBoundaryPointOfALargeGridMatchesAScanOfEveryEdge) {
  MultiPolygon g{Polygon{{wiggly_ring(116.2, 39.7, 0.022, 50000, 1, 10)}}};
  index::GridIndex idx;
  idx.build({&g});
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> lon(116.14, 116.26), lat(39.66, 39.74);
  const Ring& ring = g[0].rings[0];
  for (int n = 0; n < 200; ++n) {
    const LonLat p{lon(rng), lat(rng)};
    const double kx = std::cos(p.lat * kPi / 180);  // the ratio is all that matters for the order
    double best = INFINITY;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
      const double ax = (ring[i].lon - p.lon) * kx, ay = ring[i].lat - p.lat;
      const double dx = (ring[i + 1].lon - ring[i].lon) * kx, dy = ring[i + 1].lat - ring[i].lat;
      const double t = std::clamp(-(ax * dx + ay * dy) / (dx * dx + dy * dy), 0.0, 1.0);
      best = std::min(best, std::hypot(ax + t * dx, ay + t * dy));
    }
    const auto got = idx.nearest_boundary_point(0, p, INFINITY);
    ASSERT_TRUE(got.has_value());
    const double d = std::hypot((got->point.lon - p.lon) * kx, got->point.lat - p.lat);
    EXPECT_NEAR(d, best, 1e-6 * best + 2e-7) << p.lon << "," << p.lat;
  }
}

// Over 2^20 edges the index cuts rings and columns into stripes built on
// several threads (when the machine has several cores) and joins them: the
// answers stay those of the ray east.
TEST(GridIndexCells, IndexBuiltInStripesAnswersLikeTheRayEast) {
  std::vector<MultiPolygon> grids;
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 4; ++j) {
      grids.push_back({Polygon{{wiggly_ring(116.0 + i * 0.05, 39.5 + j * 0.04, 0.02, 50000, i * 4 + j, 10)}}});
    }
  }
  const auto points = probe_points(grids, 4000, 60, 13);
  index::GridIndex::Stats stats;
  const std::size_t inside = expect_same_as_reference(grids, points, &stats);
  EXPECT_GT(stats.edges, std::size_t{1} << 20);
  EXPECT_GT(inside, points.size() / 4);
}
