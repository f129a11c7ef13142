// geo::interiors_surely_disjoint: the fast proof that two grids only touch. It
// may fail to prove (false), but a true answer for grids that share area would
// let overlapping grids into the registry, so every true answer is checked
// against GEOS (overlap_area_m2 below 0.01 m², as put_grid counts an overlap).
#include "test_support.hpp"

#include "geo/interiors_disjoint.hpp"
#include "geo/polygon_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <numbers>
#include <random>
#include <tuple>
#include <utility>
#include <vector>

using namespace poleloc;
using fixtures::box_ring;

namespace {

constexpr double kOverlapM2 = 0.01;

// A point on a 0.002° grid (~170 x 220 m cells) in Beijing; (col, row) in
// cells. Equal cell numbers give bit-identical coordinates, as shared vertices are.
LonLat at(double col, double row) { return {116.4 + col * 0.002, 39.9 + row * 0.002}; }

Ring cells(double col0, double row0, double col1, double row1) {
  const LonLat lo = at(col0, row0), hi = at(col1, row1);
  return box_ring(lo.lon, lo.lat, hi.lon, hi.lat);
}

MultiPolygon shape(Ring shell, std::vector<Ring> holes = {}) { return fixtures::polygon_of(std::move(shell), std::move(holes)); }

using fixtures::reversed;

// Every ring turned the other way.
MultiPolygon reversed(MultiPolygon g) {
  for (Polygon& p : g) {
    for (Ring& r : p.rings) std::reverse(r.begin(), r.end());
  }
  return g;
}

// The proof in both argument orders (it must not depend on the order); a true
// answer is checked against GEOS.
bool proven_disjoint(const MultiPolygon& a, const MultiPolygon& b) {
  const bool ab = geo::interiors_surely_disjoint(a, b);
  EXPECT_EQ(ab, geo::interiors_surely_disjoint(b, a));
  if (ab) {
    EXPECT_LT(geo::overlap_area_m2(a, b), kOverlapM2) << "claimed disjoint but GEOS finds shared area";
  }
  return ab;
}

}  // namespace

TEST(InteriorsDisjoint, SquaresSharingAnEdgeOnlyTouch) {
  EXPECT_TRUE(proven_disjoint(shape(cells(0, 0, 1, 1)), shape(cells(1, 0, 2, 1))));
  EXPECT_TRUE(proven_disjoint(shape(cells(0, 0, 1, 1)), shape(cells(0, 1, 1, 2))));
}

TEST(InteriorsDisjoint, SquaresSharingOnlyACornerOnlyTouch) {
  EXPECT_TRUE(proven_disjoint(shape(cells(0, 0, 1, 1)), shape(cells(1, 1, 2, 2))));
  EXPECT_TRUE(proven_disjoint(shape(cells(1, 0, 2, 1)), shape(cells(0, 1, 1, 2))));
}

TEST(InteriorsDisjoint, FarApartSquaresAreDisjoint) {
  EXPECT_TRUE(proven_disjoint(shape(cells(0, 0, 1, 1)), shape(cells(5, 7, 6, 8))));
  // Boxes meet, shapes do not: an L and a square in its crook, a gap between.
  const Ring ell = {{116.400, 39.900}, {116.404, 39.900}, {116.404, 39.901}, {116.401, 39.901},
                    {116.401, 39.904}, {116.400, 39.904}, {116.400, 39.900}};
  EXPECT_TRUE(proven_disjoint(shape(ell), shape(box_ring(116.402, 39.902, 116.403, 39.903))));
}

TEST(InteriorsDisjoint, IdenticalSquaresAreNotProven) {
  const MultiPolygon a = shape(cells(0, 0, 1, 1));
  EXPECT_FALSE(proven_disjoint(a, a));
  EXPECT_FALSE(proven_disjoint(a, reversed(a)));
  EXPECT_GT(geo::overlap_area_m2(a, a), 1000);
}

TEST(InteriorsDisjoint, PartlyOverlappingSquaresAreNotProven) {
  EXPECT_FALSE(proven_disjoint(shape(cells(0, 0, 2, 2)), shape(cells(1, 1, 3, 3))));
  // Half a cell across a shared edge line: its edges lie along the other's.
  EXPECT_FALSE(proven_disjoint(shape(cells(0, 0, 1, 1)), shape(cells(0.5, 0, 1.5, 1))));
}

TEST(InteriorsDisjoint, SquareInsideAnotherWithoutTouchingIsNotProven) {
  EXPECT_FALSE(proven_disjoint(shape(cells(0, 0, 3, 3)), shape(cells(1, 1, 2, 2))));
}

TEST(InteriorsDisjoint, SharedEdgeWithBothInteriorsOnOneSideIsNotProven) {
  // Two triangles on the same base, one inside the other.
  const LonLat left{116.400, 39.900}, right{116.404, 39.900};
  const MultiPolygon tall = shape({left, right, {116.402, 39.904}, left});
  const MultiPolygon low = shape({right, left, {116.402, 39.902}, right});
  EXPECT_FALSE(proven_disjoint(tall, low));
  EXPECT_FALSE(proven_disjoint(tall, reversed(low)));
}

TEST(InteriorsDisjoint, SquareInsideAHoleIsDisjoint) {
  const MultiPolygon donut = shape(cells(0, 0, 5, 5), {cells(1, 1, 4, 4)});
  EXPECT_TRUE(proven_disjoint(donut, shape(cells(2, 2, 3, 3))));
  // The island that fills the hole exactly shares all its edges with it.
  EXPECT_TRUE(proven_disjoint(donut, shape(cells(1, 1, 4, 4))));
  // An island reaching out of the hole into the ring around it.
  EXPECT_FALSE(proven_disjoint(donut, shape(cells(2, 2, 4.5, 3))));
}

TEST(InteriorsDisjoint, SquareTouchingTheHoleBoundaryFromInsideIsDisjoint) {
  const MultiPolygon donut = shape(cells(0, 0, 5, 5), {cells(1, 1, 4, 4)});
  // A corner on the hole's corner.
  EXPECT_TRUE(proven_disjoint(donut, shape({at(1, 1), at(2, 1.5), at(1.5, 2), at(1, 1)})));
  // A whole edge shared with the hole: its south side drawn with vertices at
  // the square's corners.
  const MultiPolygon split_hole =
      shape(cells(0, 0, 5, 5), {{at(1, 1), at(2, 1), at(3, 1), at(4, 1), at(4, 4), at(1, 4), at(1, 1)}});
  ASSERT_FALSE(geo::polygon_problem(split_hole));
  EXPECT_TRUE(proven_disjoint(split_hole, shape(cells(2, 1, 3, 2))));
  // Along part of an undivided hole edge (a T-junction), in the hole's corner:
  // either answer, but a true one must be right (proven_disjoint checks).
  proven_disjoint(donut, shape(cells(2, 1, 3, 2)));
  proven_disjoint(donut, shape(cells(1, 1, 2, 2)));
}

TEST(InteriorsDisjoint, SharedHoleEdgeWithTheIslandOnTheRingSideIsNotProven) {
  // The hole's bottom edge is shared, but the triangle hangs below it, into the donut.
  const MultiPolygon donut = shape(cells(0, 0, 5, 5), {cells(1, 1, 4, 4)});
  const MultiPolygon hanging = shape({at(1, 1), at(4, 1), at(2.5, 0.5), at(1, 1)});
  EXPECT_FALSE(proven_disjoint(donut, hanging));
  EXPECT_GT(geo::overlap_area_m2(donut, hanging), 1000);
}

TEST(InteriorsDisjoint, TJunctionOnASharedEdgeNeverClaimsAnOverlapAway) {
  // b's two squares meet at a vertex in the middle of a's east edge.
  const MultiPolygon a = shape(cells(0, 0, 1, 2));
  proven_disjoint(a, shape(cells(1, 0, 2, 1)));
  proven_disjoint(a, {Polygon{{cells(1, 0, 2, 1)}}, Polygon{{cells(1, 1.5, 2, 2)}}});
  // The T vertex pushed a hair into a: must not be proven.
  const LonLat dent{at(1, 1).lon - 1e-7, at(1, 1).lat};
  const Ring dented = {at(1, 0), at(2, 0), at(2, 1), dent, at(1, 0)};
  EXPECT_FALSE(proven_disjoint(a, shape(dented)));
}

TEST(InteriorsDisjoint, ClockwiseAndCounterClockwiseRingsGiveTheSameAnswer) {
  const MultiPolygon donut = shape(cells(0, 0, 5, 5), {cells(1, 1, 4, 4)});
  const std::vector<std::pair<MultiPolygon, MultiPolygon>> touching = {
      {shape(cells(0, 0, 1, 1)), shape(cells(1, 0, 2, 1))},
      {shape(cells(0, 0, 1, 1)), shape(cells(1, 1, 2, 2))},
      {donut, shape(cells(1, 1, 4, 4))},
  };
  for (const auto& [a, b] : touching) {
    EXPECT_TRUE(proven_disjoint(a, b));
    EXPECT_TRUE(proven_disjoint(reversed(a), b));
    EXPECT_TRUE(proven_disjoint(a, reversed(b)));
    EXPECT_TRUE(proven_disjoint(reversed(a), reversed(b)));
  }
  // Shell and hole turned independently.
  MultiPolygon mixed = donut;
  mixed[0].rings[1] = reversed(mixed[0].rings[1]);
  EXPECT_TRUE(proven_disjoint(mixed, shape(cells(1, 1, 4, 4))));
  EXPECT_FALSE(proven_disjoint(mixed, shape(cells(0.5, 1, 4, 4))));
  const MultiPolygon square = shape(cells(0, 0, 1, 1));
  EXPECT_FALSE(proven_disjoint(square, reversed(square)));
}

TEST(InteriorsDisjoint, MultiPolygonPartsOnBothSidesOfAGrid) {
  const MultiPolygon outer = {Polygon{{cells(0, 0, 1, 1)}}, Polygon{{cells(2, 0, 3, 1)}}};
  EXPECT_TRUE(proven_disjoint(outer, shape(cells(1, 0, 2, 1))));
  EXPECT_TRUE(proven_disjoint(outer, {Polygon{{cells(1, 0, 2, 1)}}, Polygon{{cells(1, 1, 2, 2)}}}));
  // A second part lying inside one of outer's parts.
  EXPECT_FALSE(proven_disjoint(outer, {Polygon{{cells(1, 0, 2, 1)}}, Polygon{{cells(2.2, 0.2, 2.8, 0.8)}}}));
  // Wider than the gap.
  EXPECT_FALSE(proven_disjoint(outer, shape(cells(1, 0, 2.5, 1))));
}

TEST(InteriorsDisjoint, VertexMovedAHairIntoTheNeighbourIsNotProven) {
  const MultiPolygon a = shape(cells(0, 0, 1, 1));
  for (double nudge : {1e-9, 1e-7, 1e-5}) {
    MultiPolygon b = shape(cells(1, 0, 2, 1));
    b[0].rings[0][0].lon -= nudge;  // the south-west corner, into a
    b[0].rings[0].back() = b[0].rings[0][0];
    EXPECT_FALSE(proven_disjoint(a, b)) << nudge;
  }
}

TEST(InteriorsDisjoint, UnclosedOrNonFiniteInputIsNotProven) {
  MultiPolygon open = shape(cells(0, 0, 1, 1));
  open[0].rings[0].pop_back();
  EXPECT_FALSE(geo::interiors_surely_disjoint(open, shape(cells(1, 0, 2, 1))));
  MultiPolygon nan = shape(cells(0, 0, 1, 1));
  nan[0].rings[0][2].lat = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(geo::interiors_surely_disjoint(nan, shape(cells(1, 0, 2, 1))));
}

namespace {

// A city of grids: a jittered lattice of cells whose sides are street-like
// polylines, each drawn once and used by both cells along it (exactly the
// same vertices), some cells with a hole filled by an island grid.
class Tiling {
 public:
  // `max_stops`: the most points a side has between its two ends.
  Tiling(std::mt19937_64& rng, int cols, int rows, int max_stops = 30) : cols_(cols), rows_(rows) {
    std::uniform_real_distribution<double> unit(0, 1), cell_deg(0.0012, 0.0045);  // ~100-500 m
    cell_ = cell_deg(rng);
    const auto jitter = [&] { return (unit(rng) - 0.5) * 0.4 * cell_; };
    for (int j = 0; j <= rows; ++j) {
      for (int i = 0; i <= cols; ++i) nodes_.push_back({116.4 + i * cell_ + jitter(), 39.9 + j * cell_ + jitter()});
    }
    for (int j = 0; j <= rows; ++j) {
      for (int i = 0; i <= cols; ++i) {
        if (i < cols) sides_[{i, j, 0}] = street(rng, node(i, j), node(i + 1, j), max_stops);
        if (j < rows) sides_[{i, j, 1}] = street(rng, node(i, j), node(i, j + 1), max_stops);
      }
    }
    for (int j = 0; j < rows; ++j) {
      for (int i = 0; i < cols; ++i) {
        Cell c;
        c.shape = shape(outline(i, j));
        if (unit(rng) < 0.2) {
          c.island = shape(island(i, j));
          c.shape[0].rings.push_back(c.island[0].rings[0]);
        }
        c.valid = !geo::polygon_problem(c.shape) && (c.island.empty() || !geo::polygon_problem(c.island));
        cells_.push_back(std::move(c));
      }
    }
  }

  struct Cell {
    MultiPolygon shape;   // the grid, with its hole if it has an island
    MultiPolygon island;  // the grid filling its hole, or empty
    bool valid = false;
  };
  const Cell& cell(int i, int j) const { return cells_[static_cast<std::size_t>(j * cols_ + i)]; }
  int cols() const { return cols_; }
  int rows() const { return rows_; }

 private:
  LonLat node(int i, int j) const { return nodes_[static_cast<std::size_t>(j * (cols_ + 1) + i)]; }

  // From `from` to `to` (both included) through up to `max_stops` points
  // wandering a little off the straight line.
  static std::vector<LonLat> street(std::mt19937_64& rng, LonLat from, LonLat to, int max_stops) {
    std::uniform_real_distribution<double> unit(0, 1);
    std::vector<double> stops(std::uniform_int_distribution<int>(0, max_stops)(rng));
    for (double& t : stops) t = unit(rng);
    std::sort(stops.begin(), stops.end());
    std::vector<LonLat> out{from};
    const double dx = to.lon - from.lon, dy = to.lat - from.lat;
    for (double t : stops) {
      const double off = (unit(rng) - 0.5) * 0.04 * std::min(t, 1 - t);
      out.push_back({from.lon + t * dx - off * dy, from.lat + t * dy + off * dx});
    }
    out.push_back(to);
    return out;
  }

  // Counter-clockwise: south side east, east side north, north side west, west side south.
  Ring outline(int i, int j) const {
    Ring r;
    const auto add = [&r](const std::vector<LonLat>& side, bool backwards) {
      std::vector<LonLat> s = side;
      if (backwards) std::reverse(s.begin(), s.end());
      r.insert(r.end(), s.begin(), s.end() - 1);
    };
    add(sides_.at({i, j, 0}), false);
    add(sides_.at({i + 1, j, 1}), false);
    add(sides_.at({i, j + 1, 0}), true);
    add(sides_.at({i, j, 1}), true);
    r.push_back(r.front());
    return r;
  }

  // A small hexagon around the middle of cell (i, j).
  Ring island(int i, int j) const {
    LonLat mid{0, 0};
    for (LonLat p : {node(i, j), node(i + 1, j), node(i, j + 1), node(i + 1, j + 1)}) {
      mid.lon += p.lon / 4;
      mid.lat += p.lat / 4;
    }
    Ring r;
    for (int k = 0; k < 6; ++k) {
      const double angle = k * std::numbers::pi / 3;
      r.push_back({mid.lon + 0.12 * cell_ * std::cos(angle), mid.lat + 0.12 * cell_ * std::sin(angle)});
    }
    r.push_back(r.front());
    return r;
  }

  int cols_, rows_;
  double cell_ = 0;
  std::vector<LonLat> nodes_;
  std::map<std::tuple<int, int, int>, std::vector<LonLat>> sides_;  // (i, j, 0: east-going, 1: north-going)
  std::vector<Cell> cells_;
};

// Pairs of grids that touch or nearly touch in a tiling: neighbours across a
// side, across a corner, two apart, a grid and its island, and a grid between
// the two parts of a multipolygon.
std::vector<std::pair<MultiPolygon, MultiPolygon>> touching_pairs(const Tiling& t) {
  std::vector<std::pair<MultiPolygon, MultiPolygon>> out;
  const auto add = [&](const Tiling::Cell& a, const Tiling::Cell& b) {
    if (a.valid && b.valid) out.emplace_back(a.shape, b.shape);
  };
  for (int j = 0; j < t.rows(); ++j) {
    for (int i = 0; i < t.cols(); ++i) {
      const Tiling::Cell& c = t.cell(i, j);
      if (i + 1 < t.cols()) add(c, t.cell(i + 1, j));
      if (j + 1 < t.rows()) add(c, t.cell(i, j + 1));
      if (i + 1 < t.cols() && j + 1 < t.rows()) add(c, t.cell(i + 1, j + 1));
      if (i > 0 && j + 1 < t.rows()) add(c, t.cell(i - 1, j + 1));
      if (i + 2 < t.cols()) add(c, t.cell(i + 2, j));
      if (c.valid && !c.island.empty()) out.emplace_back(c.shape, c.island);
      if (i + 2 < t.cols() && c.valid && t.cell(i + 1, j).valid && t.cell(i + 2, j).valid) {
        MultiPolygon parts = c.shape;
        parts.push_back(t.cell(i + 2, j).shape[0]);
        if (!geo::polygon_problem(parts)) out.emplace_back(std::move(parts), t.cell(i + 1, j).shape);
      }
    }
  }
  return out;
}

// A changed copy of `g` (one of several edits that grids suffer in practice),
// not checked for validity.
MultiPolygon perturbed(std::mt19937_64& rng, const MultiPolygon& g, const MultiPolygon& other) {
  std::uniform_real_distribution<double> unit(0, 1);
  const double distance = std::pow(10.0, -9 + 6 * unit(rng));  // 1e-9 .. 1e-3 degrees
  const double angle = 2 * std::numbers::pi * unit(rng);
  const LonLat move{distance * std::cos(angle), distance * std::sin(angle)};
  MultiPolygon out = g;
  const int kind = std::uniform_int_distribution<int>(0, 4)(rng);
  if (kind == 3) {  // the whole grid shifted
    for (Polygon& p : out) {
      for (Ring& r : p.rings) {
        for (LonLat& q : r) q = {q.lon + move.lon, q.lat + move.lat};
      }
    }
    return out;
  }
  // One vertex moved: any vertex (kind 0) or one the other grid also has (1),
  // a vertex inserted into the edge after one the other grid has (2), or one
  // the other grid has slid along the next edge (4: collinear overlaps).
  Polygon& polygon = out[std::uniform_int_distribution<std::size_t>(0, out.size() - 1)(rng)];
  Ring& ring = polygon.rings[std::uniform_int_distribution<std::size_t>(0, polygon.rings.size() - 1)(rng)];
  const auto before = [](LonLat x, LonLat y) { return std::tie(x.lon, x.lat) < std::tie(y.lon, y.lat); };
  std::vector<LonLat> others;  // the other grid's vertices, sorted
  for (const Polygon& p : other) {
    for (const Ring& r : p.rings) others.insert(others.end(), r.begin(), r.end());
  }
  std::sort(others.begin(), others.end(), before);
  std::vector<std::size_t> shared;
  for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
    if (std::binary_search(others.begin(), others.end(), ring[i], before)) shared.push_back(i);
  }
  if (kind == 0 || shared.empty()) {
    const std::size_t i = std::uniform_int_distribution<std::size_t>(0, ring.size() - 2)(rng);
    ring[i] = {ring[i].lon + move.lon, ring[i].lat + move.lat};
    if (i == 0) ring.back() = ring[0];
  } else if (kind == 1) {
    const std::size_t i = shared[std::uniform_int_distribution<std::size_t>(0, shared.size() - 1)(rng)];
    ring[i] = {ring[i].lon + move.lon, ring[i].lat + move.lat};
    if (i == 0) ring.back() = ring[0];
  } else if (kind == 4) {
    const std::size_t i = shared[std::uniform_int_distribution<std::size_t>(0, shared.size() - 1)(rng)];
    const double t = std::pow(10.0, -9 + 8 * unit(rng));
    ring[i] = {ring[i].lon + t * (ring[i + 1].lon - ring[i].lon), ring[i].lat + t * (ring[i + 1].lat - ring[i].lat)};
    if (i == 0) ring.back() = ring[0];
  } else {
    const std::size_t i = shared[std::uniform_int_distribution<std::size_t>(0, shared.size() - 1)(rng)];
    const LonLat p = ring[i], q = ring[i + 1];
    const double t = 0.3 + 0.4 * unit(rng);
    const LonLat mid{p.lon + t * (q.lon - p.lon), p.lat + t * (q.lat - p.lat)};
    // Half of them exactly where the arithmetic puts them, on (or within
    // rounding of) the shared edge.
    const LonLat inserted = unit(rng) < 0.5 ? mid : LonLat{mid.lon + move.lon, mid.lat + move.lat};
    ring.insert(ring.begin() + static_cast<std::ptrdiff_t>(i) + 1, inserted);
  }
  return out;
}

}  // namespace

namespace {

// Neighbours of `cities` tilings of cols x rows cells (sides of up to
// `max_stops` inner points) are proven apart, and edits of them that may make
// them overlap are never proven apart wrongly (proven_disjoint checks every
// true answer with GEOS).
void check_tilings(std::uint64_t seed, int cities, int cols, int rows, int max_stops, int min_neighbours) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution coin(0.5);
  int neighbours = 0, neighbours_proven = 0, perturbed_pairs = 0, perturbed_proven = 0, overlapping = 0;
  for (int city = 0; city < cities; ++city) {
    const Tiling tiling(rng, cols, rows, max_stops);
    for (auto [a, b] : touching_pairs(tiling)) {
      if (coin(rng)) a = reversed(a);
      if (coin(rng)) b = reversed(b);
      ++neighbours;
      neighbours_proven += proven_disjoint(a, b) ? 1 : 0;

      // Edits that may or may not make them overlap: the proof may give up,
      // but every true answer must agree with GEOS (proven_disjoint checks).
      for (int k = 0; k < 6; ++k) {
        const MultiPolygon changed = perturbed(rng, a, b);
        if (geo::polygon_problem(changed)) continue;
        ++perturbed_pairs;
        perturbed_proven += proven_disjoint(changed, b) ? 1 : 0;
        overlapping += geo::overlap_area_m2(changed, b) >= kOverlapM2 ? 1 : 0;
      }
      EXPECT_FALSE(proven_disjoint(a, a));
      EXPECT_FALSE(proven_disjoint(reversed(b), b));
    }
  }
  ASSERT_GT(neighbours, min_neighbours);
  EXPECT_GE(neighbours_proven, neighbours * 99 / 100) << neighbours_proven << " of " << neighbours;
  // The edits must really exercise both answers.
  EXPECT_GT(overlapping, perturbed_pairs / 8) << overlapping << " of " << perturbed_pairs;
  EXPECT_GT(perturbed_proven, perturbed_pairs / 10) << perturbed_proven << " of " << perturbed_pairs;
}

}  // namespace

TEST(InteriorsDisjoint, TilingNeighboursAreProvenAndPerturbedOnesNeverWrongly) {
  check_tilings(20240611, 5, 8, 8, 30, 500);
}

// Grids of thousands of vertices per side (cadastral outlines): the edges are
// paired through boxes of boxes, several levels deep, and every pair of edges
// that may touch must still be examined.
TEST(InteriorsDisjoint, DetailedNeighboursAreProvenAndPerturbedOnesNeverWrongly) {
  check_tilings(20261202, 2, 3, 3, 4000, 40);
}
