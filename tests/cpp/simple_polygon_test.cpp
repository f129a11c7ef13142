// geo::polygon_surely_valid: the fast proof that a grid's outline is valid.
// It may fail to prove (false), but a true answer for an invalid outline would
// let a self-crossing grid into the registry, so every true answer is checked
// against GEOS's own validity test.
#include "test_support.hpp"

#include "geo/geos_util.hpp"
#include "geo/polygon_check.hpp"
#include "geo/simple_polygon.hpp"
#include "synthetic_city.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

using namespace poleloc;
using fixtures::box_ring;
using fixtures::geos_valid;

namespace {

// The proof's answer; a true one must be GEOS's too.
bool proven(const MultiPolygon& g) {
  const bool yes = geo::polygon_surely_valid(g);
  if (yes) {
    EXPECT_TRUE(geos_valid(g)) << "proven valid, but GEOS finds it invalid";
  }
  return yes;
}

// A point on a 0.001° lattice in Beijing; equal arguments give identical coordinates.
LonLat at(double x, double y) { return {116.4 + x * 0.001, 39.9 + y * 0.001}; }

Ring ring(std::initializer_list<std::pair<double, double>> xy) {
  Ring r;
  for (auto [x, y] : xy) r.push_back(at(x, y));
  r.push_back(r.front());
  return r;
}

MultiPolygon polygon(Ring shell, std::vector<Ring> holes = {}) { return fixtures::polygon_of(std::move(shell), std::move(holes)); }

using fixtures::reversed;

}  // namespace

TEST(SimplePolygon, ASquareEitherWayIsProven) {
  EXPECT_TRUE(proven(polygon(ring({{0, 0}, {4, 0}, {4, 4}, {0, 4}}))));
  EXPECT_TRUE(proven(polygon(reversed(ring({{0, 0}, {4, 0}, {4, 4}, {0, 4}})))));
}

TEST(SimplePolygon, RepeatedPointsAndStraightRunsAreProven) {
  // A side densified with points on its line and a vertex given twice, as
  // outlines traced along a street come.
  EXPECT_TRUE(proven(polygon(ring({{0, 0}, {1, 0}, {2, 0}, {2, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 4}}))));
}

TEST(SimplePolygon, ASelfCrossingRingIsNotProvenAndGeosSaysWhere) {
  const MultiPolygon bowtie = polygon(ring({{0, 0}, {4, 4}, {4, 0}, {0, 4}}));
  EXPECT_FALSE(proven(bowtie));
  const auto problem = geo::polygon_problem(bowtie);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->reason.find("Self-intersection"), std::string::npos) << problem->reason;
  EXPECT_TRUE(problem->location.has_value());
}

TEST(SimplePolygon, ARingTouchingItselfIsNotProven) {
  // Two squares joined at one vertex, walked as one ring: GEOS calls it a ring self-intersection.
  const MultiPolygon pinched = polygon(ring({{0, 0}, {2, 0}, {2, 2}, {4, 2}, {4, 4}, {2, 4}, {2, 2}, {0, 2}}));
  EXPECT_FALSE(proven(pinched));
  EXPECT_TRUE(geo::polygon_problem(pinched));
  // A vertex on another edge of the same ring.
  EXPECT_FALSE(proven(polygon(ring({{0, 0}, {4, 0}, {4, 4}, {2, 0}, {0, 4}}))));
}

TEST(SimplePolygon, ASpikeOrAFlatRingIsNotProven) {
  // Out and back along the same line.
  EXPECT_FALSE(proven(polygon(ring({{0, 0}, {4, 0}, {6, 0}, {4, 0}, {4, 4}, {0, 4}}))));
  // Every point on one line: no area.
  const MultiPolygon flat = polygon(ring({{0, 0}, {2, 0}, {4, 0}}));
  EXPECT_FALSE(proven(flat));
  EXPECT_TRUE(geo::polygon_problem(flat));
  // Fewer than three distinct points.
  EXPECT_FALSE(proven(polygon(ring({{0, 0}, {2, 0}, {2, 0}}))));
}

TEST(SimplePolygon, HolesInsideTheShellAndApartAreProven) {
  const Ring shell = ring({{0, 0}, {10, 0}, {10, 10}, {0, 10}});
  EXPECT_TRUE(proven(polygon(shell, {ring({{1, 1}, {3, 1}, {3, 3}, {1, 3}})})));
  EXPECT_TRUE(proven(polygon(shell, {ring({{1, 1}, {3, 1}, {3, 3}, {1, 3}}), reversed(ring({{5, 5}, {8, 5}, {8, 8}, {5, 8}}))})));
}

TEST(SimplePolygon, MisplacedHolesAreNotProven) {
  const Ring shell = ring({{0, 0}, {10, 0}, {10, 10}, {0, 10}});
  // Outside the shell: invalid.
  const MultiPolygon outside = polygon(shell, {ring({{12, 1}, {14, 1}, {14, 3}, {12, 3}})});
  EXPECT_FALSE(proven(outside));
  EXPECT_TRUE(geo::polygon_problem(outside));
  // One hole inside another: invalid.
  const MultiPolygon nested = polygon(shell, {ring({{1, 1}, {9, 1}, {9, 9}, {1, 9}}), ring({{3, 3}, {5, 3}, {5, 5}, {3, 5}})});
  EXPECT_FALSE(proven(nested));
  EXPECT_TRUE(geo::polygon_problem(nested));
  // Crossing the shell: invalid.
  EXPECT_FALSE(proven(polygon(shell, {ring({{8, 8}, {12, 8}, {12, 12}, {8, 12}})})));
  // Touching the shell at one point: valid for GEOS, but left to it.
  const MultiPolygon touching = polygon(shell, {ring({{0, 5}, {3, 4}, {3, 6}})});
  EXPECT_FALSE(proven(touching));
  EXPECT_FALSE(geo::polygon_problem(touching));
}

TEST(SimplePolygon, SeveralPartsAndBadNumbersAreLeftToGeos) {
  MultiPolygon two = polygon(ring({{0, 0}, {1, 0}, {1, 1}, {0, 1}}));
  two.push_back(polygon(ring({{3, 0}, {4, 0}, {4, 1}, {3, 1}}))[0]);
  EXPECT_FALSE(proven(two));
  EXPECT_FALSE(geo::polygon_problem(two));
  MultiPolygon nan = polygon(ring({{0, 0}, {4, 0}, {4, 4}, {0, 4}}));
  nan[0].rings[0][2].lon = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(geo::polygon_surely_valid(nan));
  MultiPolygon open = polygon(ring({{0, 0}, {4, 0}, {4, 4}, {0, 4}}));
  open[0].rings[0].pop_back();
  EXPECT_FALSE(geo::polygon_surely_valid(open));
  EXPECT_FALSE(geo::polygon_surely_valid(MultiPolygon{}));
}

TEST(SimplePolygon, AVertexAHairFromAnotherEdgeIsNeverWronglyProven) {
  // The tip of a notch 1e-13° (far below any survey) to either side of the
  // opposite edge, or on it: only the side away from it is valid.
  for (const double off : {-1e-13, 0.0, 1e-13, 1e-9}) {
    Ring r = ring({{0, 0}, {4, 0}, {4, 4}, {3, 4}, {2, 0}, {1, 4}, {0, 4}});
    r[4].lat += off;
    proven(polygon(r));
  }
}

TEST(SimplePolygon, EveryGridOfASyntheticCityIsProven) {
  synth::CityOptions options;
  options.grids = 400;
  options.poles = 4000;
  const Dataset city = synth::make_city(options);
  int single = 0, single_proven = 0;
  for (const GridRecord& g : city.grids) {
    if (g.geometry.size() != 1) continue;
    ++single;
    single_proven += proven(g.geometry) ? 1 : 0;
  }
  ASSERT_GT(single, 350);
  EXPECT_EQ(single_proven, single);
}

namespace {

// A star-shaped ring (valid) of n vertices on the 1e-7° lattice, centred on (cx, cy) in lattice units of 0.001°.
Ring star(std::mt19937_64& rng, int n, double cx, double cy, double radius) {
  std::uniform_real_distribution<double> r01(0.3, 1.0);
  std::vector<double> angles(n);
  std::uniform_real_distribution<double> a01(0, 2 * std::numbers::pi);
  for (double& a : angles) a = a01(rng);
  std::sort(angles.begin(), angles.end());
  Ring r;
  for (double a : angles) {
    const double d = radius * r01(rng);
    LonLat p = at(cx + d * std::cos(a), cy + d * std::sin(a));
    p.lon = std::round(p.lon * 1e7) / 1e7;
    p.lat = std::round(p.lat * 1e7) / 1e7;
    r.push_back(p);
  }
  r.push_back(r.front());
  return r;
}

// An edit that may break the ring: two vertices swapped, a vertex moved onto
// another vertex or onto the midpoint of another edge, or a point inserted
// twice in a row.
void perturb(std::mt19937_64& rng, Ring& r) {
  const std::size_t n = r.size() - 1;
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);
  const std::size_t i = pick(rng), j = pick(rng);
  switch (std::uniform_int_distribution<int>(0, 4)(rng)) {
    case 0: std::swap(r[i], r[j]); break;
    case 1: r[i] = r[j]; break;
    case 2: r[i] = {0.5 * (r[j].lon + r[j + 1].lon), 0.5 * (r[j].lat + r[j + 1].lat)}; break;
    case 3: r.insert(r.begin() + static_cast<std::ptrdiff_t>(i), r[i]); break;
    default: r[i] = {r[i].lon + (r[j].lon - r[i].lon) * 1.5, r[i].lat + (r[j].lat - r[i].lat) * 1.5}; break;
  }
  r.back() = r.front();
}

}  // namespace

TEST(SimplePolygon, RandomOutlinesAreNeverWronglyProven) {
  std::mt19937_64 rng(20261204);
  int valid = 0, valid_proven = 0, invalid = 0;
  for (int k = 0; k < 3000; ++k) {
    const int n = std::uniform_int_distribution<int>(3, 60)(rng);
    Ring shell = star(rng, n, 0, 0, 10);
    std::vector<Ring> holes;
    const int hole_count = std::uniform_int_distribution<int>(0, 2)(rng);
    for (int h = 0; h < hole_count; ++h) {
      holes.push_back(star(rng, std::uniform_int_distribution<int>(3, 12)(rng),
                           std::uniform_real_distribution<double>(-6, 6)(rng),
                           std::uniform_real_distribution<double>(-6, 6)(rng), 2.5));
    }
    const int edits = std::uniform_int_distribution<int>(0, 2)(rng);
    for (int e = 0; e < edits; ++e) perturb(rng, shell);
    if (!holes.empty() && std::bernoulli_distribution(0.3)(rng)) perturb(rng, holes[0]);
    const MultiPolygon g = polygon(shell, holes);
    const bool truth = geos_valid(g);
    const bool yes = proven(g);
    if (truth) {
      ++valid;
      valid_proven += yes ? 1 : 0;
    } else {
      ++invalid;
    }
  }
  // Both answers must really be exercised.
  EXPECT_GT(invalid, 600);
  EXPECT_GT(valid, 600);
  EXPECT_GT(valid_proven, valid * 8 / 10) << valid_proven << " of " << valid;
}

namespace {

// A wavy closed outline of n vertices (cadastral detail), 7 decimals.
Ring wavy(std::mt19937_64& rng, int n) {
  std::uniform_real_distribution<double> jitter(-0.002, 0.002);
  Ring r;
  for (int i = 0; i < n; ++i) {
    const double a = 2 * std::numbers::pi * i / n;
    const double d = 10 * (1 + 0.2 * std::sin(5 * a) + jitter(rng) / 10);
    LonLat p = at(d * std::cos(a), d * std::sin(a));
    p.lon = std::round(p.lon * 1e7) / 1e7;
    p.lat = std::round(p.lat * 1e7) / 1e7;
    r.push_back(p);
  }
  r.push_back(r.front());
  return r;
}

}  // namespace

TEST(SimplePolygon, OutlinesOfManyThousandVerticesAreProven) {
  std::mt19937_64 rng(7);
  EXPECT_TRUE(proven(polygon(wavy(rng, 50000))));
}

// One fault anywhere in a detailed outline (two vertices far apart swapped, a
// vertex put on another edge or vertex) must be found however deep under the
// boxes of boxes the two edges meet.
TEST(SimplePolygon, DetailedOutlinesWithOneFaultAreNeverProven) {
  std::mt19937_64 rng(11);
  int invalid = 0;
  for (int k = 0; k < 60; ++k) {
    Ring r = wavy(rng, 5000);
    perturb(rng, r);
    const MultiPolygon g = polygon(r);
    if (geos_valid(g)) {
      proven(g);
      continue;
    }
    ++invalid;
    EXPECT_FALSE(geo::polygon_surely_valid(g)) << "case " << k;
  }
  EXPECT_GT(invalid, 30);
}
