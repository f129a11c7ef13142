#include "geo/crs.hpp"
#include "geo/geodesic.hpp"
#include "geo/wkb.hpp"

#include <poleloc/geo.hpp>

#include <gtest/gtest.h>

#include <cstring>

#include <random>

using namespace poleloc;

TEST(Gcj02, OffsetInBeijingIsHundredsOfMetres) {
  const LonLat wgs{116.4712345, 39.9251234};
  const LonLat gcj = wgs84_to_gcj02(wgs);
  const double shift = geo::geodesic_m(wgs, gcj);
  EXPECT_GT(shift, 100);
  EXPECT_LT(shift, 800);
  EXPECT_GT(gcj.lon, wgs.lon);  // Beijing's GCJ-02 shift is to the east
}

TEST(Gcj02, RoundTripIsWithinHalfAMetre) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lon(73.7, 134.8), lat(18.2, 53.5);
  for (int i = 0; i < 2000; ++i) {
    const LonLat wgs{lon(rng), lat(rng)};
    const LonLat back = gcj02_to_wgs84(wgs84_to_gcj02(wgs));
    ASSERT_LT(geo::geodesic_m(wgs, back), 0.5) << wgs.lon << "," << wgs.lat;
  }
}

TEST(Gcj02, OutsideChinaIsUnchanged) {
  const LonLat paris{2.35, 48.85};
  EXPECT_EQ(wgs84_to_gcj02(paris), paris);
  EXPECT_EQ(gcj02_to_wgs84(paris), paris);
}

TEST(Crs, UtmZone50CentralMeridianAtTheEquator) {
  auto t = geo::CrsTransform::create("EPSG:32650");
  ASSERT_TRUE(t) << t.status().message();
  const LonLat p = t->to_wgs84({500000, 0});
  EXPECT_NEAR(p.lon, 117.0, 1e-9);
  EXPECT_NEAR(p.lat, 0.0, 1e-9);
}

TEST(Crs, UtmZone50KnownPointInBeijing) {
  // Tiananmen (116.3975 E, 39.9087 N) in UTM 50N: E 448 502.182, N 4 417 797.609, computed
  // independently of PROJ with the Krueger series (3 terms, millimetre-accurate here).
  auto t = geo::CrsTransform::create("EPSG:32650");
  ASSERT_TRUE(t);
  const LonLat fwd = t->to_wgs84({448502.182, 4417797.609});
  EXPECT_LT(geo::geodesic_m(fwd, {116.3975, 39.9087}), 0.01);
}

TEST(Crs, Cgcs2000IsWithinCentimetresOfWgs84) {
  auto t = geo::CrsTransform::create("EPSG:4490");
  ASSERT_TRUE(t) << t.status().message();
  const LonLat p = t->to_wgs84({116.47, 39.92});  // normalised to lon, lat order
  EXPECT_NEAR(p.lon, 116.47, 1e-6);
  EXPECT_NEAR(p.lat, 39.92, 1e-6);
}

TEST(Crs, WebMercatorOriginAndEdge) {
  auto t = geo::CrsTransform::create("EPSG:3857");
  ASSERT_TRUE(t);
  EXPECT_NEAR(t->to_wgs84({0, 0}).lon, 0, 1e-9);
  EXPECT_NEAR(t->to_wgs84({20037508.342789244, 0}).lon, 180, 1e-7);
}

TEST(Crs, ProjStringIsAccepted) {
  auto t = geo::CrsTransform::create("+proj=utm +zone=50 +datum=WGS84 +units=m +no_defs");
  ASSERT_TRUE(t) << t.status().message();
  EXPECT_NEAR(t->to_wgs84({500000, 0}).lon, 117.0, 1e-9);
}

TEST(Crs, UnknownCrsIsABadRequestNamingIt) {
  auto t = geo::CrsTransform::create("EPSG:999999");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.status().code(), ErrorCode::bad_request);
  EXPECT_NE(t.status().message().find("EPSG:999999"), std::string::npos);
}

TEST(Geodesic, LocalMetricAgreesWithKarneyWithinAMillimetre) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> lat(-70, 70), lon(-180, 180), d(-0.025, 0.025);
  for (int i = 0; i < 5000; ++i) {
    const LonLat a{lon(rng), lat(rng)};
    const LonLat b{a.lon + d(rng), a.lat + d(rng) * 0.8};
    const double exact = geo::geodesic_m(a, b);
    if (exact >= geo::kExactBeyondM) continue;
    ASSERT_NEAR(geo::local_distance_m(a, b), exact, 1e-3) << a.lon << "," << a.lat;
  }
}

TEST(Geodesic, KnownDistanceAlongTheEquator) {
  // One degree of longitude on the WGS84 equator is 111 319.4908 m.
  EXPECT_NEAR(geodesic_distance_m({0, 0}, {1, 0}), 111319.4908, 1e-3);
}

// The k-nearest search near the data's antipode bounds distances through the
// point where a geodesic meets the query's cut locus, trusting that the
// geodesic is a shortest path up to there: the distance to that point is
// its length, and for every point t before it g(a, t) + g(t, cut) = s_cut.
TEST(Geodesic, TheGeodesicToTheCutLocusIsAShortestPath) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> lon(-180, 180), lat(-89.9, 89.9), u01(0, 1);
  for (int i = 0; i < 3000; ++i) {
    const LonLat a{lon(rng), i % 4 == 0 ? lat(rng) * 0.001 : lat(rng)};  // a quarter near the equator
    // b anywhere, or within a few degrees of a's antipode.
    LonLat b{lon(rng), lat(rng)};
    if (i % 2 == 1) {
      b = {a.lon + 180 + (u01(rng) - 0.5) * 6, std::clamp(-a.lat + (u01(rng) - 0.5) * 6, -89.9, 89.9)};
      b.lon = std::fmod(b.lon + 540.0, 360.0) - 180;
    }
    const geo::CutPoint c = geo::geodesic_to_cut_locus(a, b);
    ASSERT_NEAR(c.s_ab, geo::geodesic_m(a, b), 1e-6);
    EXPECT_NEAR(c.cut.lat, -a.lat, 1e-9) << "the cut locus of an oblate ellipsoid lies on the parallel -lat";
    EXPECT_GE(c.s_cut + 1e-9, c.s_ab);
    const double g = geo::geodesic_m(a, c.cut);
    ASSERT_NEAR(g, c.s_cut, 1e-6) << a.lon << "," << a.lat << " -> " << b.lon << "," << b.lat;
    // b lies on a shortest path from a to the cut point.
    EXPECT_NEAR(c.s_ab + geo::geodesic_m(b, c.cut), c.s_cut, 1e-6);
  }
}

TEST(Wkb, RoundTripOfAMultiPolygonWithAHole) {
  MultiPolygon mp{{{{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}}, {{1, 1}, {1, 2}, {2, 2}, {2, 1}, {1, 1}}}},
                  {{{{5, 5}, {6, 5}, {6, 6}, {5, 5}}}}};
  auto back = geo::from_wkb(geo::to_wkb(mp));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, mp);
}

// Rings are copied in one piece when the bytes are in the host's order, and
// read value by value otherwise; an empty ring (a fuzzer found the one-piece
// copy called with no destination) decodes as empty either way.
TEST(Wkb, BothByteOrdersAndEmptyRingsDecode) {
  MultiPolygon mp{{{{{0.5, 1.25}, {4, 0}, {4, 4}, {0.5, 1.25}}, {}}}};
  const std::string little = geo::to_wkb(mp);
  auto back = geo::from_wkb(little);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, mp);
  // The same polygon written big-endian by hand: order byte 0, then every number reversed.
  std::string big;
  auto u32 = [&](std::uint32_t v) {
    for (int i = 3; i >= 0; --i) big.push_back(static_cast<char>(v >> (8 * i)));
  };
  auto f64 = [&](double d) {
    std::uint64_t v;
    std::memcpy(&v, &d, 8);
    for (int i = 7; i >= 0; --i) big.push_back(static_cast<char>(v >> (8 * i)));
  };
  big.push_back(0);
  u32(3);  // Polygon
  u32(2);  // rings
  u32(4);
  for (const LonLat& q : mp[0].rings[0]) f64(q.lon), f64(q.lat);
  u32(0);
  auto from_big = geo::from_wkb(big);
  ASSERT_TRUE(from_big);
  EXPECT_EQ(*from_big, mp);
}

TEST(Wkb, TruncatedBytesAreCorruption) {
  MultiPolygon mp{{{{{0, 0}, {4, 0}, {4, 4}, {0, 0}}}}};
  std::string bytes = geo::to_wkb(mp);
  bytes.resize(bytes.size() - 3);
  auto back = geo::from_wkb(bytes);
  ASSERT_FALSE(back);
  EXPECT_EQ(back.status().code(), ErrorCode::corruption);
}
