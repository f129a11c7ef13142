// geo::edit_surely_valid: the proof that an edit of a valid outline is valid,
// looking only at the stretch it changed. A true answer for an invalid outline
// would let a self-crossing grid into the registry, so every true answer is
// checked against GEOS's own validity test, over edits made to break outlines
// as well as edits made as editors make them.
#include "test_support.hpp"

#include "geo/edit_valid.hpp"
#include "geo/polygon_check.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

using namespace poleloc;
using fixtures::box_ring;
using fixtures::geos_valid;

namespace {

// A wavy closed ring of `n` vertices round (cx, cy), radius about r degrees.
Ring wavy(double cx, double cy, double r, int n, double phase = 0) {
  Ring ring;
  for (int i = 0; i < n; ++i) {
    const double t = 2 * std::numbers::pi * i / n;
    const double rr = r * (1 + 0.15 * std::sin(12 * t + phase) + 0.03 * std::sin(97 * t));
    ring.push_back({cx + rr * std::cos(t) * 1.3, cy + rr * std::sin(t)});
  }
  ring.push_back(ring.front());
  return ring;
}

}  // namespace

TEST(EditValid, AVertexMovedAddedOrRemovedIsProvenWhereItChanged) {
  const MultiPolygon before{Polygon{{wavy(116.47, 39.92, 0.01, 4000)}}};
  ASSERT_TRUE(geos_valid(before));
  MultiPolygon moved = before;
  moved[0].rings[0][1000].lon += 1e-6;
  EXPECT_TRUE(geo::edit_surely_valid(before, moved));
  MultiPolygon added = before;
  auto& ring = added[0].rings[0];
  ring.insert(ring.begin() + 2000, {(ring[1999].lon + ring[2000].lon) / 2, (ring[1999].lat + ring[2000].lat) / 2});
  EXPECT_TRUE(geo::edit_surely_valid(before, added));
  MultiPolygon removed = before;
  removed[0].rings[0].erase(removed[0].rings[0].begin() + 3000);
  EXPECT_TRUE(geo::edit_surely_valid(before, removed));
  EXPECT_TRUE(geo::edit_surely_valid(before, before)) << "nothing changed";
  // polygon_problem takes the proof when given the outline before.
  EXPECT_FALSE(geo::polygon_problem(moved, &before));
}

TEST(EditValid, AnEditThatBreaksTheOutlineIsNeverProven) {
  const MultiPolygon before{Polygon{{wavy(116.47, 39.92, 0.01, 400), wavy(116.47, 39.92, 0.002, 100, 1)}}};
  ASSERT_TRUE(geos_valid(before));
  // A vertex of the shell pulled across the far side of the shell.
  MultiPolygon across = before;
  across[0].rings[0][100] = {116.47 - 0.02, 39.92};
  EXPECT_FALSE(geo::edit_surely_valid(before, across));
  EXPECT_FALSE(geos_valid(across));
  // A shell vertex pulled in across the hole.
  MultiPolygon into_hole = before;
  into_hole[0].rings[0][0 + 50] = {116.47, 39.92};
  EXPECT_FALSE(geo::edit_surely_valid(before, into_hole));
  // A hole vertex pushed out past the shell.
  MultiPolygon hole_out = before;
  hole_out[0].rings[1][30] = {116.47 + 0.03, 39.92};
  EXPECT_FALSE(geo::edit_surely_valid(before, hole_out));
  EXPECT_FALSE(geos_valid(hole_out));
  // A spike: a vertex back onto the edge before it.
  MultiPolygon spike = before;
  auto& r = spike[0].rings[0];
  r.insert(r.begin() + 200, r[198]);
  EXPECT_FALSE(geo::edit_surely_valid(before, spike));
  // The ring's first vertex (and so its last): left to the full check.
  MultiPolygon first = before;
  first[0].rings[0].front().lon += 1e-7;
  first[0].rings[0].back() = first[0].rings[0].front();
  EXPECT_FALSE(geo::edit_surely_valid(before, first));
  // A ring left open, or another number of rings: not an edit it takes.
  MultiPolygon open = before;
  open[0].rings[0].pop_back();
  EXPECT_FALSE(geo::edit_surely_valid(before, open));
  MultiPolygon fewer = before;
  fewer[0].rings.pop_back();
  EXPECT_FALSE(geo::edit_surely_valid(before, fewer));
}

// A small hole wholly inside the changed stretch's box: the shell drawn in
// past it leaves it outside the shell, though no edge meets it (only the
// side test sees it).
TEST(EditValid, AHoleTheShellIsDrawnInPastIsNotProven) {
  // The square (0,0)-(10,10) with a vertex every 0.5 along its sides, anticlockwise from (0,0).
  Ring shell;
  for (int i = 0; i < 20; ++i) shell.push_back({0.5 * i, 0});
  for (int i = 0; i < 20; ++i) shell.push_back({10, 0.5 * i});
  for (int i = 0; i < 20; ++i) shell.push_back({10 - 0.5 * i, 10});
  for (int i = 0; i < 20; ++i) shell.push_back({0, 10 - 0.5 * i});
  shell.push_back(shell.front());
  const std::size_t east_middle = 30;  // (10, 5)
  ASSERT_EQ(shell[east_middle], (LonLat{10, 5}));
  // A small hole near the east side, in the triangle (10,4.5) (8,5) (10,5.5).
  const MultiPolygon before{Polygon{{shell, box_ring(9.5, 4.95, 9.6, 5.05)}}};
  ASSERT_TRUE(geos_valid(before));
  MultiPolygon in = before;
  in[0].rings[0][east_middle] = {8, 5};  // the east side dented in to x = 8: no edge meets the hole
  EXPECT_FALSE(geos_valid(in));
  EXPECT_FALSE(geo::edit_surely_valid(before, in));
  MultiPolygon slightly = before;
  slightly[0].rings[0][east_middle] = {9.8, 5};  // dented in, still east of the hole
  EXPECT_TRUE(geos_valid(slightly));
  EXPECT_TRUE(geo::edit_surely_valid(before, slightly));
}

// Random edits of a detailed outline with holes and of a multipolygon, small
// (as editors make them) and large (moves of up to a tenth of the outline's
// size, which break it often): every proven edit is valid by GEOS, and the
// small ones are nearly all proven.
TEST(EditValid, EveryProvenEditOfRandomEditsIsValidByGeos) {
  const std::vector<MultiPolygon> outlines = {
      MultiPolygon{Polygon{{wavy(116.47, 39.92, 0.01, 3000), wavy(116.465, 39.92, 0.002, 200, 1),
                            wavy(116.477, 39.921, 0.0015, 150, 2)}}},
      MultiPolygon{Polygon{{wavy(116.40, 39.90, 0.004, 1500)}}, Polygon{{wavy(116.415, 39.90, 0.004, 1500, 3)}}},
  };
  std::mt19937 rng(20261206);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  int proven = 0, small = 0, small_proven = 0, invalid = 0;
  for (const MultiPolygon& before : outlines) {
    ASSERT_TRUE(geos_valid(before));
    for (int i = 0; i < 1500; ++i) {
      MultiPolygon after = before;
      const std::size_t pi = static_cast<std::size_t>(unit(rng) * after.size());
      Polygon& poly = after[pi];
      Ring& ring = poly.rings[static_cast<std::size_t>(unit(rng) * poly.rings.size())];
      const std::size_t k = 1 + static_cast<std::size_t>(unit(rng) * static_cast<double>(ring.size() - 10));
      const bool is_small = i % 2 == 0;
      const double reach = is_small ? 2e-6 : 2e-3;
      switch (i % 6 / 2) {
        case 0:  // a vertex moved
          ring[k].lon += (unit(rng) - 0.5) * reach;
          ring[k].lat += (unit(rng) - 0.5) * reach;
          break;
        case 1:  // a vertex added next to one
          ring.insert(ring.begin() + static_cast<std::ptrdiff_t>(k),
                      {ring[k].lon + (unit(rng) - 0.5) * reach, ring[k].lat + (unit(rng) - 0.5) * reach});
          break;
        default:  // a stretch of five moved together
          for (std::size_t j = k; j < k + 5; ++j) ring[j].lat += reach * 0.3;
          break;
      }
      const bool valid = geos_valid(after);
      invalid += !valid;
      if (geo::edit_surely_valid(before, after)) {
        ++proven;
        ASSERT_TRUE(valid) << "edit " << i << " proven valid, but GEOS finds it invalid";
        ASSERT_FALSE(geo::polygon_problem(after, &before));
      }
      if (is_small) {
        ++small;
        small_proven += geo::edit_surely_valid(before, after);
      }
    }
  }
  EXPECT_GT(invalid, 100) << "the large edits break outlines";
  EXPECT_GT(small_proven, small * 9 / 10) << proven << " proven";
}
