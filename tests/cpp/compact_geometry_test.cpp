// How grid outlines are stored: short decimals delta-coded, anything else as
// WKB, every double read back bit for bit, old values readable, bad bytes refused.
#include "geo/compact_geometry.hpp"
#include "geo/wkb.hpp"
#include "store/record_encoding.hpp"
#include "synthetic_city.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

using namespace poleloc;
using poleloc::fixtures::same_bits;

namespace {

// The double a file's decimal text reads as (what every reader of ours gives).
double parsed(const std::string& text) {
  double v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

// A random decimal in [-range, range] with `places` digits after the point, parsed.
double random_decimal(std::mt19937_64& rng, int places, double range) {
  const auto scale = static_cast<std::int64_t>(std::llround(std::pow(10.0, places)));
  std::uniform_int_distribution<std::int64_t> n(-static_cast<std::int64_t>(range * static_cast<double>(scale)),
                                                static_cast<std::int64_t>(range * static_cast<double>(scale)));
  const std::int64_t v = n(rng);
  const std::int64_t whole = std::llabs(v) / scale, frac = std::llabs(v) % scale;
  std::string text = (v < 0 ? "-" : "") + std::to_string(whole);
  if (places > 0) {
    const std::string digits = std::to_string(frac);
    text += "." + std::string(static_cast<std::size_t>(places) - digits.size(), '0') + digits;
  }
  return parsed(text);
}

// Two polygons, the first with a hole, whose coordinates have `places` decimals.
MultiPolygon random_geometry(std::mt19937_64& rng, int places, std::size_t points_per_ring) {
  MultiPolygon mp(2);
  mp[0].rings.resize(2);
  mp[1].rings.resize(1);
  for (Polygon& p : mp) {
    for (Ring& r : p.rings) {
      for (std::size_t i = 0; i < points_per_ring; ++i) r.push_back({random_decimal(rng, places, 180), random_decimal(rng, places, 90)});
      r.push_back(r.front());
    }
  }
  return mp;
}

}  // namespace

TEST(CompactGeometry, DecimalsOfUpToNinePlacesAreStoredCompactAndReadBitForBit) {
  std::mt19937_64 rng(11);
  for (int places = 0; places <= 9; ++places) {
    for (int round = 0; round < 20; ++round) {
      const MultiPolygon mp = random_geometry(rng, places, 200);
      const std::string bytes = geo::to_stored_geometry(mp);
      ASSERT_EQ(static_cast<unsigned char>(bytes[0]), geo::kCompactGeometryTag) << places << " places";
      EXPECT_EQ(static_cast<int>(bytes[1]), places <= 7 ? 7 : 9);
      auto back = geo::from_stored_geometry(bytes);
      ASSERT_TRUE(back) << back.status().message();
      ASSERT_TRUE(same_bits(*back, mp)) << places << " places, round " << round;
    }
  }
  // The extremes of longitude and latitude, and zero.
  const MultiPolygon edges{{{{{-180, -90}, {180, -90}, {180, 90}, {0, 0}, {-180, 90}, {-180, -90}}}}};
  const std::string bytes = geo::to_stored_geometry(edges);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), geo::kCompactGeometryTag);
  auto back = geo::from_stored_geometry(bytes);
  ASSERT_TRUE(back);
  EXPECT_TRUE(same_bits(*back, edges));
}

TEST(CompactGeometry, AnythingElseIsStoredAsWkbUnchanged) {
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> lon(116, 117), lat(39, 40);
  MultiPolygon full{{{{}}}};
  for (int i = 0; i < 100; ++i) full[0].rings[0].push_back({lon(rng), lat(rng)});  // full-precision doubles
  full[0].rings[0].push_back(full[0].rings[0].front());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const MultiPolygon& mp :
       {full,
        MultiPolygon{{{{{116.5, 39.9}, {116.6, 39.9}, {116.6, 40.0}, {116.5, 39.9}, {116.4512345678, 39.9}}}}},  // one of 10 places
        MultiPolygon{{{{{-0.0, 0.5}, {1, 0.5}, {1, 1}, {-0.0, 0.5}}}}},  // -0.0 keeps its sign
        MultiPolygon{{{{{nan, 0.5}, {1, 0.5}, {1, 1}, {nan, 0.5}}}}}, MultiPolygon{{{{{1e300, 0}, {1, 0}, {1, 1}}}}}}) {
    const std::string bytes = geo::to_stored_geometry(mp);
    EXPECT_EQ(bytes, geo::to_wkb(mp));
    auto back = geo::from_stored_geometry(bytes);
    ASSERT_TRUE(back);
    if (std::isnan(mp[0].rings[0][0].lon)) {
      EXPECT_TRUE(std::isnan((*back)[0].rings[0][0].lon));
    } else {
      EXPECT_TRUE(same_bits(*back, mp));
    }
  }
  std::string untouched = "kept";
  EXPECT_FALSE(geo::to_compact_geometry(full, untouched));
  EXPECT_EQ(untouched, "kept");
}

TEST(CompactGeometry, EmptyPartsRoundTrip) {
  for (const MultiPolygon& mp : {MultiPolygon{}, MultiPolygon{Polygon{}}, MultiPolygon{{{Ring{}}}},
                                 MultiPolygon{{{{{0.5, 1.25}, {4, 0}, {4, 4}, {0.5, 1.25}}, {}}}}}) {
    const std::string bytes = geo::to_stored_geometry(mp);
    EXPECT_EQ(static_cast<unsigned char>(bytes[0]), geo::kCompactGeometryTag);
    auto back = geo::from_stored_geometry(bytes);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, mp);
  }
}

// The point of the format: a detailed outline (the synthetic city's, 7 places,
// vertices metres apart) takes a byte or two per coordinate instead of eight.
TEST(CompactGeometry, ADetailedOutlineTakesUnderAFifthOfWkb) {
  synth::CityOptions o;
  o.grids = 4;
  o.poles = 10;
  o.vertices_per_grid = 20000;
  const Dataset city = synth::make_city(o);
  std::size_t compact = 0, wkb = 0;
  for (const GridRecord& g : city.grids) {
    const std::string bytes = geo::to_stored_geometry(g.geometry);
    ASSERT_EQ(static_cast<unsigned char>(bytes[0]), geo::kCompactGeometryTag) << g.id;
    auto back = geo::from_stored_geometry(bytes);
    ASSERT_TRUE(back);
    ASSERT_TRUE(same_bits(*back, g.geometry)) << g.id;
    compact += bytes.size();
    wkb += geo::to_wkb(g.geometry).size();
  }
  EXPECT_LT(compact * 5, wkb) << compact << " bytes against " << wkb;
}

TEST(CompactGeometry, BadBytesAreCorruptionNeverACrash) {
  std::mt19937_64 rng(13);
  const std::string good = geo::to_stored_geometry(random_geometry(rng, 7, 50));
  ASSERT_EQ(static_cast<unsigned char>(good[0]), geo::kCompactGeometryTag);
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto back = geo::from_stored_geometry(good.substr(0, n));
    ASSERT_FALSE(back) << "truncated to " << n;
    EXPECT_EQ(back.status().code(), ErrorCode::corruption);
  }
  EXPECT_FALSE(geo::from_stored_geometry(good + '\x01'));  // a byte too many
  std::string bad_scale = good;
  bad_scale[1] = 16;
  EXPECT_FALSE(geo::from_stored_geometry(bad_scale));
  // Counts far beyond the bytes, and a varint longer than 64 bits.
  EXPECT_FALSE(geo::from_stored_geometry(std::string("\x10\x07\xff\xff\xff\xff\x0f\x01", 8)));
  EXPECT_FALSE(geo::from_stored_geometry(std::string("\x10\x07\x01\x01\x7f\x00\x00", 7)));
  EXPECT_FALSE(geo::from_stored_geometry(std::string("\x10\x07\x01\x01\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x00", 17)));
  // Any single byte changed: an answer or corruption, never a crash (run under the sanitizers too).
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (const unsigned char b : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
      std::string bytes = good;
      bytes[i] = static_cast<char>(b);
      (void)geo::from_stored_geometry(bytes);
    }
  }
}

// Grids stored before the compact form (WKB inside the value) still decode,
// and a grid written now decodes to the same record.
TEST(CompactGeometry, GridValuesOfBothFormsDecode) {
  const GridRecord grid{"G1", "一", {{"manager", "王芳"}}, {{{{{116.4512345, 39.9}, {116.46, 39.9}, {116.46, 39.91}, {116.4512345, 39.9}}}}}};
  std::string old_value;
  old_value.push_back(static_cast<char>(store::kValueFormat));
  old_value.push_back(0);
  auto put_str = [&](const std::string& s) {
    store::put_varint(old_value, s.size());
    old_value.append(s);
  };
  put_str(grid.name);
  store::put_varint(old_value, 1);
  put_str("manager");
  put_str("王芳");
  put_str(geo::to_wkb(grid.geometry));
  const std::string new_value = store::encode_grid(grid);
  EXPECT_LT(new_value.size(), old_value.size());
  for (const std::string* value : std::initializer_list<const std::string*>{&old_value, &new_value}) {
    auto decoded = store::decode_grid("G1", *value);
    ASSERT_TRUE(decoded) << decoded.status().message();
    EXPECT_EQ(decoded->name, grid.name);
    EXPECT_EQ(decoded->attributes, grid.attributes);
    EXPECT_TRUE(same_bits(decoded->geometry, grid.geometry));
  }
}
