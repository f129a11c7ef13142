// CellPresence: the overlay's "is any written pole near?" test may say "maybe"
// too often, never "no" when a point is within the radius.
#include "index/cell_presence.hpp"

#include "geo/geodesic.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using poleloc::LonLat;
using poleloc::index::CellPresence;

namespace {

// Points within `radius` of any of `points`, by the exact geodesic.
bool truly_within(const std::vector<LonLat>& points, LonLat p, double radius) {
  for (const LonLat& q : points) {
    if (poleloc::geo::geodesic_m(p, q) <= radius) return true;
  }
  return false;
}

void check_never_says_no_wrongly(double lon0, double lat0, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dlon(-0.05, 0.05), dlat(-0.05, 0.05), radius(0, 300);
  std::vector<LonLat> points;
  for (int i = 0; i < 100; ++i) points.push_back({lon0 + dlon(rng), lat0 + dlat(rng)});
  CellPresence cells;
  cells.build(points);
  int no = 0;
  for (int i = 0; i < 6000; ++i) {
    // Half the queries close to a point (just inside or just outside the radius).
    LonLat p{lon0 + dlon(rng), lat0 + dlat(rng)};
    double r = radius(rng);
    if (i % 2) {
      const LonLat q = points[static_cast<std::size_t>(i) % points.size()];
      std::uniform_real_distribution<double> off(-0.004, 0.004);
      p = {q.lon + off(rng), q.lat + off(rng)};
      r = poleloc::geo::geodesic_m(p, q) * (i % 4 == 1 ? 1.0001 : 0.9999);
    }
    const bool maybe = cells.maybe_within(p, r);
    if (truly_within(points, p, r)) {
      ASSERT_TRUE(maybe) << p.lon << "," << p.lat << " r=" << r;
    }
    no += !maybe;
  }
  EXPECT_GT(no, 500) << "the test prunes";
}

}  // namespace

TEST(CellPresence, NeverSaysNoWhenAPointIsWithinTheRadius) {
  check_never_says_no_wrongly(116.47, 39.92, 1);   // Beijing
  check_never_says_no_wrongly(-0.0005, 51.48, 2);  // across the prime meridian
  check_never_says_no_wrongly(18.07, 69.65, 3);    // far north: degrees of longitude are short
  check_never_says_no_wrongly(151.2, -33.87, 4);   // southern hemisphere
}

TEST(CellPresence, SaysMaybeForWideCirclesThePolesAndTheAntimeridian) {
  CellPresence cells;
  cells.build({{179.9995, 10.0}, {116.47, 39.92}});
  EXPECT_TRUE(cells.maybe_within({116.47, 39.92}, 0));
  EXPECT_TRUE(cells.maybe_within({-179.9995, 10.0}, 200)) << "across the antimeridian";
  EXPECT_TRUE(cells.maybe_within({0, 89.5}, 10)) << "next to the pole";
  EXPECT_TRUE(cells.maybe_within({0, 0}, CellPresence::kMaxRadiusM * 2));
  EXPECT_FALSE(cells.maybe_within({0, 0}, 200));
  EXPECT_TRUE(cells.maybe_within({std::nan(""), 39.92}, 10)) << "a point it cannot place";
  // The test in two steps, as a k-nearest query makes it: the same answers.
  const CellPresence::Probe probe = cells.probe({116.4705, 39.9205});
  for (double r : {0.0, 20.0, 60.0, 150.0, CellPresence::kMaxRadiusM * 2}) {
    EXPECT_EQ(cells.maybe_within(probe, r), cells.maybe_within({116.4705, 39.9205}, r)) << r;
  }
  CellPresence none;
  none.build({});
  EXPECT_FALSE(none.maybe_within({116.47, 39.92}, 1e9));
}

// Points within a city are kept as a bitmap of their box; add one far away and
// they are kept in a hash set instead. Both must answer every query the same,
// including circles that reach past the box's edges.
TEST(CellPresence, TheBitmapOfACityAnswersAsTheHashSetDoes) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> dlon(-0.03, 0.03), dlat(-0.02, 0.02), radius(0, 400);
  std::vector<LonLat> city;
  for (int i = 0; i < 300; ++i) city.push_back({116.47 + dlon(rng), 39.92 + dlat(rng)});
  std::vector<LonLat> spread = city;
  spread.push_back({-70.6, -33.4});  // Santiago: the box would be the whole Earth
  CellPresence bitmap, hashed;
  bitmap.build(city);
  hashed.build(spread);
  std::uniform_real_distribution<double> around(-0.04, 0.04);
  int maybe = 0, no = 0;
  for (int i = 0; i < 20000; ++i) {
    const LonLat p{116.47 + around(rng), 39.92 + around(rng)};
    const double r = radius(rng);
    const bool m = bitmap.maybe_within(p, r);
    ASSERT_EQ(m, hashed.maybe_within(p, r)) << p.lon << "," << p.lat << " r=" << r;
    maybe += m, no += !m;
  }
  EXPECT_GT(maybe, 1000);
  EXPECT_GT(no, 1000);
}

// A write's test is built over the delta's: a copy of its bitmap with the
// write's points set, or, when one falls outside its box, built again. Either
// way it answers as a test built from all the points.
TEST(CellPresence, BuiltOverAnotherItAnswersAsBuiltFromAllThePoints) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> dlon(-0.03, 0.03), dlat(-0.02, 0.02), radius(0, 400), around(-0.05, 0.05);
  std::vector<LonLat> below_points;
  for (int i = 0; i < 300; ++i) below_points.push_back({116.47 + dlon(rng), 39.92 + dlat(rng)});
  CellPresence below;
  below.build(below_points);
  for (const bool inside : {true, false}) {
    std::vector<LonLat> more;
    for (int i = 0; i < 20; ++i) more.push_back({116.47 + 0.5 * dlon(rng), 39.92 + 0.5 * dlat(rng)});
    if (!inside) more.push_back({116.60, 39.80});  // beyond the box of `below`
    std::vector<LonLat> all = below_points;
    all.insert(all.end(), more.begin(), more.end());
    CellPresence over, whole;
    int asked = 0;  // below's points are listed only when `more` leaves its box
    over.build_over(
        below,
        [&](std::vector<LonLat>& out) {
          ++asked;
          out.insert(out.end(), below_points.begin(), below_points.end());
        },
        more);
    EXPECT_EQ(asked, inside ? 0 : 1);
    whole.build(all);
    for (const LonLat& q : more) EXPECT_TRUE(over.maybe_within(q, 0)) << q.lon << "," << q.lat;
    for (int i = 0; i < 20000; ++i) {
      const LonLat p{116.47 + around(rng), 39.92 + around(rng)};
      const double r = radius(rng);
      ASSERT_EQ(over.maybe_within(p, r), whole.maybe_within(p, r)) << p.lon << "," << p.lat << " r=" << r;
    }
    EXPECT_FALSE(over.maybe_within({116.60, 39.70}, 100));
  }
}
