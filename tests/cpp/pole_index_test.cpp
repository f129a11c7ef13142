#include "geo/geodesic.hpp"
#include "index/pole_index.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace poleloc;

namespace {

std::vector<LonLat> random_poles(std::size_t n, std::uint64_t seed, LonLat centre = {116.47, 39.92}, double span = 0.05) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> d(-span, span);
  std::vector<LonLat> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back({centre.lon + d(rng), centre.lat + d(rng) * 0.8});
  return out;
}

// Brute force with Karney's geodesic.
std::vector<std::pair<std::uint32_t, double>> brute(const std::vector<LonLat>& poles, LonLat p, std::size_t k,
                                                    std::optional<double> max_m = {}) {
  std::vector<std::pair<std::uint32_t, double>> all;
  for (std::uint32_t i = 0; i < poles.size(); ++i) {
    const double d = geo::geodesic_m(p, poles[i]);
    if (!max_m || d <= *max_m) all.emplace_back(i, d);
  }
  std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.second < b.second; });
  if (all.size() > k) all.resize(k);
  return all;
}

}  // namespace

TEST(PoleIndex, NearestKMatchesBruteForceGeodesic) {
  const auto poles = random_poles(20000, 1);
  index::PoleIndex idx;
  idx.build(poles);
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> d(-0.06, 0.06);
  for (int q = 0; q < 150; ++q) {
    const LonLat p{116.47 + d(rng), 39.92 + d(rng) * 0.8};
    const auto all = brute(poles, p, 17);
    for (std::size_t k : {1u, 5u, 17u}) {
      const auto got = idx.nearest(p, k, std::nullopt);
      const std::vector<std::pair<std::uint32_t, double>> want(all.begin(), all.begin() + k);
      ASSERT_EQ(got.size(), want.size());
      for (std::size_t i = 0; i < k; ++i) {
        // Same distances (ids may swap only on sub-millimetre ties).
        EXPECT_NEAR(got[i].second, want[i].second, 1e-3) << "query " << q << " k " << k << " rank " << i;
        if (std::fabs(got[i].second - want[i].second) < 1e-3 && got[i].first != want[i].first) {
          EXPECT_NEAR(geo::geodesic_m(p, poles[got[i].first]), want[i].second, 2e-3);
        }
      }
    }
  }
}

TEST(PoleIndex, MaxDistanceLimitsTheAnswer) {
  const auto poles = random_poles(5000, 3);
  index::PoleIndex idx;
  idx.build(poles);
  const LonLat p{116.47, 39.92};
  const auto got = idx.nearest(p, 50, 300.0);
  const auto want = brute(poles, p, 50, 300.0);
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [pole, dist] : got) EXPECT_LE(dist, 300.0);
}

TEST(PoleIndex, QueryFarOutsideTheDataFindsTheNearestPole) {
  const auto poles = random_poles(2000, 4);
  index::PoleIndex idx;
  idx.build(poles);
  const LonLat p{117.5, 40.8};  // ~130 km away
  const auto got = idx.nearest(p, 3, std::nullopt);
  const auto want = brute(poles, p, 3);
  ASSERT_EQ(got.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(got[i].second, want[i].second, 1e-3);
}

TEST(PoleIndex, PlanarDegreesWouldPickAnotherPole) {
  // At 40 N a degree of longitude is ~0.77 of a degree of latitude: a pole 0.0010 deg north
  // (111 m) is farther than one 0.0012 deg east (102 m), though nearer in degrees.
  const std::vector<LonLat> poles{{116.4700, 39.9210}, {116.4712, 39.9200}};
  index::PoleIndex idx;
  idx.build(poles);
  const auto got = idx.nearest({116.47, 39.92}, 1, std::nullopt);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, 1u);
}

TEST(PoleIndex, KLargerThanThePoleCountReturnsEveryPole) {
  const auto poles = random_poles(7, 5);
  index::PoleIndex idx;
  idx.build(poles);
  EXPECT_EQ(idx.nearest({116.47, 39.92}, 100, std::nullopt).size(), 7u);
}

TEST(PoleIndex, WithinReturnsExactlyThePolesInTheBox) {
  const auto poles = random_poles(10000, 6);
  index::PoleIndex idx;
  idx.build(poles);
  const BBox box{116.46, 39.91, 116.475, 39.93};
  auto got = idx.within(box);
  std::sort(got.begin(), got.end());
  std::vector<std::uint32_t> want;
  for (std::uint32_t i = 0; i < poles.size(); ++i) {
    if (box.contains(poles[i])) want.push_back(i);
  }
  EXPECT_EQ(got, want);
}

TEST(PoleIndex, EmptyIndexAnswersNothing) {
  index::PoleIndex idx;
  idx.build({});
  EXPECT_TRUE(idx.nearest({116, 39}, 3, std::nullopt).empty());
}

namespace {
void expect_same_as_brute(const std::vector<LonLat>& poles, const index::PoleIndex& idx, LonLat p, std::size_t k,
                          std::optional<double> max_m = {}) {
  const auto want = brute(poles, p, k, max_m);
  const auto got = idx.nearest(p, k, max_m);
  ASSERT_EQ(got.size(), want.size()) << p.lon << " " << p.lat;
  for (std::size_t i = 0; i < got.size(); ++i) {
    // Beyond kExactBeyondM distances are Karney's own: equal to the brute force within rounding.
    EXPECT_NEAR(got[i].second, want[i].second, 1e-3 + 1e-9 * want[i].second) << p.lon << " " << p.lat << " rank " << i;
  }
}
}  // namespace

TEST(PoleIndex, PointsJustOutsideTheDataInEveryDirectionMatchBruteForce) {
  const auto poles = random_poles(20000, 7);
  index::PoleIndex idx;
  idx.build(poles);
  std::mt19937_64 rng(8);
  std::uniform_real_distribution<double> along(-0.06, 0.06), beyond(0.0001, 0.3);
  for (int q = 0; q < 200; ++q) {
    LonLat p{116.47 + along(rng), 39.92 + along(rng) * 0.8};
    switch (q % 4) {
      case 0: p.lon = 116.47 + 0.05 + beyond(rng); break;  // east
      case 1: p.lon = 116.47 - 0.05 - beyond(rng); break;  // west
      case 2: p.lat = 39.92 + 0.04 + beyond(rng); break;   // north
      case 3: p.lat = 39.92 - 0.04 - beyond(rng); break;   // south
    }
    for (std::size_t k : {1u, 4u, 10u}) expect_same_as_brute(poles, idx, p, k);
  }
}

TEST(PoleIndex, PointsAnywhereOnEarthMatchBruteForce) {
  const auto poles = random_poles(5000, 9);
  index::PoleIndex idx;
  idx.build(poles);
  std::mt19937_64 rng(10);
  std::uniform_real_distribution<double> lon(-180, 180), lat(-89, 89);
  for (int q = 0; q < 60; ++q) expect_same_as_brute(poles, idx, {lon(rng), lat(rng)}, q % 2 ? 1 : 3);
  expect_same_as_brute(poles, idx, {-63.53, -39.92}, 2);  // the antipode
  expect_same_as_brute(poles, idx, {116.47, 89.99}, 2);   // the North Pole
}

TEST(PoleIndex, MaxDistancePrunesOutsideTheData) {
  const auto poles = random_poles(5000, 11);
  index::PoleIndex idx;
  idx.build(poles);
  const LonLat p{116.47 + 0.06, 39.92};  // ~900 m east of the easternmost poles at most
  EXPECT_TRUE(idx.nearest({120.0, 39.92}, 5, 10000.0).empty());
  expect_same_as_brute(poles, idx, p, 5, 1500.0);
  expect_same_as_brute(poles, idx, p, 5, 100.0);
}

TEST(PoleIndex, PointInsideAWideEmptyAreaOfTheDataMatchesBruteForce) {
  // A ring of poles around a lake 8 km across: the centre is inside the poles' box
  // but far from every pole.
  std::vector<LonLat> poles;
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> u(-0.06, 0.06);
  while (poles.size() < 20000) {
    const LonLat p{116.47 + u(rng), 39.92 + u(rng) * 0.8};
    const double dx = (p.lon - 116.47) * 85000, dy = (p.lat - 39.92) * 111000;
    if (dx * dx + dy * dy > 4000.0 * 4000.0) poles.push_back(p);
  }
  index::PoleIndex idx;
  idx.build(poles);
  for (double off : {0.0, 0.005, -0.01}) expect_same_as_brute(poles, idx, {116.47 + off, 39.92 - off / 2}, 6);
}

// The far-point search prunes by the arc of the chord on a sphere of radius
// a²/b; that must never be longer than the true geodesic, or an answer could be missed.
TEST(PoleIndex, ArcBoundNeverExceedsTheGeodesic) {
  auto ecef = [](LonLat p, double out[3]) {
    constexpr double a = 6378137.0, f = 1 / 298.257223563, e2 = f * (2 - f);
    const double lon = p.lon * M_PI / 180, lat = p.lat * M_PI / 180;
    const double n = a / std::sqrt(1 - e2 * std::sin(lat) * std::sin(lat));
    out[0] = n * std::cos(lat) * std::cos(lon);
    out[1] = n * std::cos(lat) * std::sin(lon);
    out[2] = n * (1 - e2) * std::sin(lat);
  };
  std::mt19937_64 rng(21);
  std::uniform_real_distribution<double> lon(-180, 180), lat(-90, 90), small(-0.5, 0.5);
  double worst = 1e300;
  for (int i = 0; i < 200000; ++i) {
    const LonLat a{lon(rng), lat(rng)};
    LonLat b;
    switch (i % 4) {
      case 0: b = {lon(rng), lat(rng)}; break;                                                      // anywhere
      case 1: b = {std::clamp(a.lon + small(rng), -180.0, 180.0), std::clamp(a.lat + small(rng), -90.0, 90.0)}; break;  // near
      case 2: b = {a.lon > 0 ? a.lon - 180 + small(rng) * 0.01 : a.lon + 180 + small(rng) * 0.01, -a.lat}; break;  // antipodal
      case 3: b = {lon(rng), std::clamp(a.lat + small(rng) * 20, -90.0, 90.0)}; break;             // along meridians
    }
    double pa[3], pb[3];
    ecef(a, pa);
    ecef(b, pb);
    const double chord = std::sqrt((pa[0] - pb[0]) * (pa[0] - pb[0]) + (pa[1] - pb[1]) * (pa[1] - pb[1]) +
                                   (pa[2] - pb[2]) * (pa[2] - pb[2]));
    const double g = geo::geodesic_m(a, b);
    const double bound = index::arc_lower_bound_m(chord);
    worst = std::min(worst, g - bound);
    ASSERT_LE(bound, g + 1e-6) << a.lon << "," << a.lat << " -> " << b.lon << "," << b.lat << " chord " << chord;
  }
  RecordProperty("smallest_margin_m", std::to_string(worst));
}
