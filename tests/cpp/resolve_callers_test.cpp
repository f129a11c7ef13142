// resolve() as real callers use it (issue 8): places narrow the candidates,
// confidence is honest, a caller location's accuracy and datum count, and a
// call with no number still tells whose grid it is. A small town drawn below.
#include "query/resolve.hpp"
#include "snapshot_data.hpp"

#include <poleloc/geo.hpp>
#include <poleloc/snapshot.hpp>

#include <gtest/gtest.h>

#include <numeric>
#include <string>
#include <vector>

namespace poleloc {
namespace {

//   Four areas 东坝 (DB), 南磨 (NM), 西坝 (XB), 北苑 (BY), each a street of 40 poles
//   40 m apart, 1 km apart from north to south; every area has serials 1..40.
//   Grids: one per area, named "<community>社区网格": 水碓子 (DB), 白家庄东里 (NM),
//   东坝北里 (XB: a community whose name holds another area's name), 红庙 (BY).
constexpr LonLat kOrigin{116.4700, 39.9200};
LonLat at(double east_m, double north_m) { return {kOrigin.lon + east_m / 85300.0, kOrigin.lat + north_m / 111030.0}; }

struct Town {
  std::unique_ptr<Snapshot> snap;
};

const Snapshot& town() {
  static const auto s = [] {
    const char* codes[4] = {"DB", "NM", "XB", "BY"};
    const char* communities[4] = {"水碓子社区网格", "白家庄东里社区网格", "东坝北里社区网格", "红庙社区网格"};
    std::vector<PoleRecord> poles;
    std::vector<GridRecord> grids;
    for (int a = 0; a < 4; ++a) {
      for (int i = 1; i <= 40; ++i) {
        char number[16];
        std::snprintf(number, sizeof number, "%s%04d", codes[a], i);
        poles.push_back({number, at(40.0 * i, -1000.0 * a), {}});
      }
      GridRecord g;
      g.id = std::string("G-") + codes[a];
      g.name = communities[a];
      const LonLat sw = at(0, -1000.0 * a - 200), ne = at(1700, -1000.0 * a + 200);
      g.geometry = {{{{sw, {ne.lon, sw.lat}, ne, {sw.lon, ne.lat}, sw}}}};
      grids.push_back(std::move(g));
    }
    std::vector<AliasRecord> aliases = {{"东坝", "DB"}, {"南磨", "NM"}, {"西坝", "XB"}, {"北苑", "BY"}};
    return std::make_unique<Snapshot>(build_snapshot_data(std::move(poles), std::move(grids), std::move(aliases), 1));
  }();
  return *s;
}

std::vector<Candidate> resolve(std::string_view text, ResolveOptions options = {}) {
  auto r = town().resolve(text, options);
  EXPECT_TRUE(r.has_value()) << text;
  return r ? *r : std::vector<Candidate>{};
}

double sum_of_scores(const std::vector<Candidate>& c) {
  return std::accumulate(c.begin(), c.end(), 0.0, [](double s, const Candidate& x) { return s + x.score; });
}

TEST(ResolveCallers, EquallyLikelyCandidatesShareTheProbability) {
  const auto c = resolve("一二号");  // serial 12 in all four areas, no area, no location
  ASSERT_EQ(c.size(), 4u);
  for (const Candidate& x : c) EXPECT_NEAR(x.score, 0.25, 0.05) << x.pole.number();
  EXPECT_LE(sum_of_scores(c), 1.0 + 1e-9);
}

TEST(ResolveCallers, ACommunityNameNarrowsToItsPoles) {
  const auto c = resolve("水碓子那边，杆号一二");
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c[0].pole.number(), "DB0012");
  EXPECT_EQ(c[0].match, MatchKind::exact);
  EXPECT_NE(c[0].reason.find("水碓子"), std::string::npos) << c[0].reason;
}

TEST(ResolveCallers, TheLongestPlaceNameWinsOverTheAreaItContains) {
  // 东坝北里 lies in XB, not in 东坝 (DB).
  const auto c = resolve("东坝北里一二号");
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c[0].pole.number(), "XB0012");
  for (const Candidate& x : c) {
    if (x.pole.number() == "DB0012") {
      EXPECT_NE(x.match, MatchKind::exact);
    }
  }
}

TEST(ResolveCallers, ASoundAlikePlaceIsExplained) {
  const auto c = resolve("拜家庄东里一二号");
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c[0].pole.number(), "NM0012");
  EXPECT_NE(c[0].reason.find("heard 拜家庄东里, taken as 白家庄东里"), std::string::npos) << c[0].reason;
}

TEST(ResolveCallers, ANumberOutsideThePlaceSaidIsNeverExact) {
  // 红庙 (BY) has serials 1..40 only: 1005 is nowhere; 东坝 has 12 but 红庙 was said.
  for (const Candidate& x : resolve("红庙一零零五")) EXPECT_NE(x.match, MatchKind::exact) << x.pole.number();
  const auto c = resolve("东坝一二，红庙那边");
  ASSERT_FALSE(c.empty());
  for (const Candidate& x : c) {
    if (x.match == MatchKind::exact) {
      EXPECT_TRUE(x.pole.grid() && x.pole.grid()->id() == "G-BY") << x.pole.number();
    }
  }
}

TEST(ResolveCallers, AnUnknownPlaceBeforeTheNumberIsNeverConfidentlyExact) {
  for (const Candidate& x : resolve("呼家楼北里一二号")) {
    EXPECT_FALSE(x.match == MatchKind::exact && x.score >= 0.5) << x.pole.number() << " " << x.reason;
  }
}

TEST(ResolveCallers, ABuildingNumberIsNotThePoleNumber) {
  // 8号楼 beside 杆号 31: pole 31; and 8 alone is never exact when 31 is meant.
  const auto c = resolve("我在东坝8号楼下面，杆号三一");
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c[0].pole.number(), "DB0031");
  for (const Candidate& x : c) {
    if (x.pole.number() == "DB0008") {
      EXPECT_NE(x.match, MatchKind::exact);
    }
  }
}

TEST(ResolveCallers, ARetractedNumberIsNeverFirst) {
  const auto c = resolve("东坝一六，不对，一九");
  ASSERT_GE(c.size(), 2u);
  EXPECT_EQ(c[0].pole.number(), "DB0019");
  EXPECT_NE(c[0].reason.find("taken back"), std::string::npos) << c[0].reason;
  for (std::size_t i = 1; i < c.size(); ++i) {
    if (c[i].pole.number() == "DB0016") {
      EXPECT_NE(c[i].match, MatchKind::exact);
    }
  }
}

TEST(ResolveCallers, NoNumberHeardAnswersThePolesAtTheCallerMarkedNearby) {
  ResolveOptions o;
  o.near = at(400, -2000);  // on the XB street
  const auto c = resolve("路灯不亮了，快来人看看", o);
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c[0].match, MatchKind::nearby);
  ASSERT_TRUE(c[0].pole.grid().has_value());
  EXPECT_EQ(c[0].pole.grid()->id(), "G-XB");
  EXPECT_LT(c[0].score, 0.5);
  for (const Candidate& x : c) EXPECT_NE(x.match, MatchKind::exact);
  // Without a location or a place there is nothing to answer.
  EXPECT_TRUE(resolve("路灯不亮了").empty());
}

TEST(ResolveCallers, APreciseFixDecidesBetweenAFarNumberAndAConfusionByTheCaller) {
  // The caller stands at DB0017 and says 一一 (11): 17 -> 11 is the 1/7 confusion.
  ResolveOptions gps;
  gps.near = at(40.0 * 17, 0);
  gps.near_accuracy_m = 10;
  auto c = resolve("东坝一一", gps);
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c[0].pole.number(), "DB0017");
  ResolveOptions cell = gps;
  cell.near_accuracy_m = 1000;
  c = resolve("东坝一一", cell);
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c[0].pole.number(), "DB0011");
}

TEST(ResolveCallers, GcjAndBaiduLocationsGiveTheSameAnswerAsWgs84) {
  const LonLat wgs = at(40.0 * 17, 0);
  ResolveOptions w;
  w.near = wgs;
  w.near_accuracy_m = 10;
  ResolveOptions g = w;
  g.near = wgs84_to_gcj02(wgs);
  g.near_crs = LocationCrs::gcj02;
  ResolveOptions b = w;
  b.near = gcj02_to_bd09(wgs84_to_gcj02(wgs));
  b.near_crs = LocationCrs::bd09;
  const auto cw = resolve("东坝一一", w), cg = resolve("东坝一一", g), cb = resolve("东坝一一", b);
  ASSERT_FALSE(cw.empty());
  ASSERT_EQ(cg.size(), cw.size());
  ASSERT_EQ(cb.size(), cw.size());
  for (std::size_t i = 0; i < cw.size(); ++i) {
    EXPECT_EQ(cg[i].pole.number(), cw[i].pole.number());
    EXPECT_EQ(cb[i].pole.number(), cw[i].pole.number());
    EXPECT_NEAR(*cg[i].distance_m, *cw[i].distance_m, 0.5);
    EXPECT_NEAR(*cb[i].distance_m, *cw[i].distance_m, 0.5);
  }
  // Without the datum, the GCJ-02 point lies about 500 m off: another answer.
  ResolveOptions wrong = g;
  wrong.near_crs = LocationCrs::wgs84;
  const auto cx = resolve("东坝一一", wrong);
  ASSERT_FALSE(cx.empty());
  EXPECT_GT(*cx[0].distance_m, 100);
}

TEST(ResolveCallers, BadAccuracyIsRefused) {
  ResolveOptions o;
  o.near = at(0, 0);
  o.near_accuracy_m = -5;
  EXPECT_FALSE(town().resolve("东坝一一", o).has_value());
  EXPECT_FALSE(parse_location_crs("mars").has_value());
  EXPECT_EQ(parse_location_crs("BD09"), LocationCrs::bd09);
}

}  // namespace
}  // namespace poleloc
