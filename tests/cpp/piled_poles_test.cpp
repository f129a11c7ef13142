// Poles at one and the same position (a register's default coordinate for the
// poles it has no survey for) tie for every query, and ties go to the lower
// pole index, which is number order after a load. The pole index lets a query
// see only the first k of such a pile (pole_index.hpp); through the service,
// an answer must stay the pile's lowest numbers as writes delete and move its
// poles one by one (the overlay hides them in the base), and after a fresh open.
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace poleloc;
using poleloc::fixtures::TempDir;

namespace {

constexpr LonLat kPile{116.4731, 39.9207};

std::string number_of(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "TJH%04d", i);
  return buf;
}

// 2,300 poles around the pile, 300 of them (numbers spread over the range) at it.
Dataset piled_city(std::vector<std::string>& piled) {
  Dataset d;
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> off(-0.02, 0.02);
  std::set<int> at_pile;
  while (at_pile.size() < 300) at_pile.insert(static_cast<int>(rng() % 2300));
  for (int i = 0; i < 2300; ++i) {
    const bool pile = at_pile.count(i) > 0;
    d.poles.push_back({number_of(i), pile ? kPile : LonLat{kPile.lon + off(rng), kPile.lat + off(rng)}, {}});
    if (pile) piled.push_back(number_of(i));
  }
  d.grids = fixtures::draw_grids({"A"}, {116.40, 39.85}, 0.15);
  return d;
}

std::vector<std::string> nearest_numbers(const Service& svc, LonLat p, std::size_t k) {
  auto near = svc.snapshot()->nearest(p, {.k = k});
  EXPECT_TRUE(near) << near.status().message();
  std::vector<std::string> out;
  if (near) {
    for (const NearbyPole& n : *near) out.emplace_back(n.pole.number());
  }
  return out;
}

}  // namespace

TEST(PiledPoles, NearestGivesThePilesLowestNumbersAsWritesDeleteAndMoveThem) {
  TempDir dir;
  std::vector<std::string> piled;  // in number order
  const std::string db = fixtures::import_to_new_db(dir, piled_city(piled));
  auto svc = fixtures::open_ok(db);
  ASSERT_TRUE(svc);
  auto lowest = [&](std::size_t from, std::size_t k) {
    return std::vector<std::string>(piled.begin() + static_cast<std::ptrdiff_t>(from),
                                    piled.begin() + static_cast<std::ptrdiff_t>(from + k));
  };
  EXPECT_EQ(nearest_numbers(*svc, kPile, 5), lowest(0, 5));
  EXPECT_EQ(nearest_numbers(*svc, {kPile.lon + 1e-6, kPile.lat}, 1), lowest(0, 1));
  // Surveyed at last: the pile's lowest two deleted, the next three moved away, one at a time.
  ASSERT_TRUE(svc->delete_pole(piled[0]));
  ASSERT_TRUE(svc->delete_pole(piled[1]));
  for (std::size_t j = 2; j < 5; ++j) {
    ASSERT_TRUE(svc->put_pole({piled[j], {kPile.lon + 0.01 * static_cast<double>(j), kPile.lat}, {}}));
  }
  EXPECT_EQ(nearest_numbers(*svc, kPile, 5), lowest(5, 5));
  EXPECT_EQ(nearest_numbers(*svc, kPile, 1), lowest(5, 1));
  // Half of the pile moved in one batch: every other of the rest.
  ChangeSet moved;
  for (std::size_t j = 5; j < piled.size(); j += 2) {
    moved.put_poles.push_back({piled[j], {kPile.lon - 0.01, kPile.lat + 1e-5 * static_cast<double>(j)}, {}});
  }
  ASSERT_TRUE(svc->apply(moved));
  std::vector<std::string> left;
  for (std::size_t j = 6; j < piled.size(); j += 2) left.push_back(piled[j]);
  EXPECT_EQ(nearest_numbers(*svc, kPile, 8), std::vector<std::string>(left.begin(), left.begin() + 8));
  // A fresh open answers the same.
  svc.reset();
  auto again = fixtures::open_ok(db, {.read_only = true});
  ASSERT_TRUE(again);
  EXPECT_EQ(nearest_numbers(*again, kPile, 8), std::vector<std::string>(left.begin(), left.begin() + 8));
}
