// geo::find_overlaps: which grids of a set share area. The sweep may be shared
// by several threads; what it finds must not depend on how many.
#include "test_support.hpp"

#include "geo/grid_overlaps.hpp"

#include <gtest/gtest.h>

#include <tuple>
#include <vector>

using namespace poleloc;

namespace {

// A 60 x 60 tiling of squares (neighbours share edges, no area), with every
// 97th square also covering half of its east neighbour: 3,600 shapes, a few dozen overlaps.
std::vector<MultiPolygon> tiling_with_overlaps() {
  std::vector<MultiPolygon> out;
  const double cell = 0.001;
  for (int r = 0; r < 60; ++r) {
    for (int c = 0; c < 60; ++c) {
      const int i = r * 60 + c;
      const double x0 = 116.0 + c * cell, y0 = 39.0 + r * cell;
      const double grow = (i % 97 == 0 && c < 59) ? cell / 2 : 0;
      out.push_back({{{fixtures::box_ring(x0, y0, x0 + cell + grow, y0 + cell)}}});
    }
  }
  return out;
}

std::vector<std::tuple<std::size_t, std::size_t, long>> pairs(const std::vector<geo::Overlap>& found) {
  std::vector<std::tuple<std::size_t, std::size_t, long>> out;
  for (const auto& o : found) out.emplace_back(o.a, o.b, std::lround(o.area_m2));
  return out;
}

}  // namespace

TEST(GridOverlaps, SharedEdgesAreNoOverlapAndSharedAreaIsFound) {
  const auto shapes = tiling_with_overlaps();
  std::vector<const MultiPolygon*> ptrs;
  for (const auto& s : shapes) ptrs.push_back(&s);
  const auto found = geo::find_overlaps(ptrs);
  std::size_t expected = 0;
  for (int i = 0; i < 3600; ++i) expected += (i % 97 == 0 && i % 60 < 59) ? 1 : 0;
  ASSERT_EQ(found.size(), expected);
  for (const auto& o : found) {
    EXPECT_EQ(o.a % 97, 0u);
    EXPECT_EQ(o.b, o.a + 1);
    EXPECT_GT(o.area_m2, 1000.0);  // half a cell of ~85 x 111 m
    EXPECT_TRUE(o.point.has_value());
  }
}

TEST(GridOverlaps, SeveralThreadsFindExactlyWhatOneFinds) {
  const auto shapes = tiling_with_overlaps();
  std::vector<const MultiPolygon*> ptrs;
  for (const auto& s : shapes) ptrs.push_back(&s);
  const auto one = pairs(geo::find_overlaps(ptrs, 0.01, 1));
  ASSERT_FALSE(one.empty());
  EXPECT_EQ(pairs(geo::find_overlaps(ptrs, 0.01, 2)), one);
  EXPECT_EQ(pairs(geo::find_overlaps(ptrs, 0.01, 3)), one);
}
