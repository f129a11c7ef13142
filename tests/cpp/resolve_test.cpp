// resolve(): readings decoded against the registry, location fusion, scores,
// reasons and read-backs, on a small dataset drawn below.
#include "query/resolve.hpp"
#include "snapshot_data.hpp"

#include <poleloc/snapshot.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

namespace poleloc {
namespace {

// The street of 团结湖 (TJH) runs east from the origin, a pole every 40 m:
//
//   TJH0370 TJH0371 TJH0372 ... TJH0379          (40 m apart, west to east)
//   TJH0347 at 400 m north of TJH0370; TJH0312 1.2 km east; TJH1005 600 m south
//   TJH0012B: a serial with a letter
//   呼家楼 (HJL), 3 km east: HJL0372, HJL1005, HJL2001
//   The grid TJH-A covers the TJH street.
constexpr LonLat kOrigin{116.4700, 39.9200};
constexpr double kDegPerMLon = 1 / 85300.0;  // at 39.92 N
constexpr double kDegPerMLat = 1 / 111030.0;

LonLat at(double east_m, double north_m) {
  return {kOrigin.lon + east_m * kDegPerMLon, kOrigin.lat + north_m * kDegPerMLat};
}

std::unique_ptr<Snapshot> make_snapshot() {
  std::vector<PoleRecord> poles;
  for (int i = 0; i < 10; ++i) poles.push_back({"TJH037" + std::to_string(i), at(40.0 * i, 0), {}});
  poles.push_back({"TJH0347", at(0, 400), {}});
  poles.push_back({"TJH0312", at(1200, 0), {}});
  poles.push_back({"TJH1005", at(0, -600), {}});
  poles.push_back({"TJH0012B", at(80, -40), {}});
  poles.push_back({"HJL0372", at(3000, 0), {}});
  poles.push_back({"HJL1005", at(3040, 0), {}});
  poles.push_back({"HJL2001", at(3080, 0), {}});
  GridRecord grid;
  grid.id = "TJH-A";
  grid.name = "团结湖第一网格";
  const LonLat sw = at(-100, -100), ne = at(500, 100);
  grid.geometry = {{{{sw, {ne.lon, sw.lat}, ne, {sw.lon, ne.lat}, sw}}}};
  std::vector<AliasRecord> aliases = {
      {"团结湖", "TJH"}, {"团结湖街道", "TJH"}, {"tuanjiehu", "TJH"}, {"呼家楼", "HJL"}};
  return std::make_unique<Snapshot>(build_snapshot_data(std::move(poles), {grid}, std::move(aliases), 1));
}

const Snapshot& snap() {
  static const auto s = make_snapshot();
  return *s;
}

std::vector<Candidate> resolve(std::string_view text, ResolveOptions options = {}) {
  auto r = snap().resolve(text, options);
  EXPECT_TRUE(r.has_value()) << text << ": " << r.status().message();
  return r ? *r : std::vector<Candidate>{};
}

std::string top(std::string_view text, ResolveOptions options = {}) {
  auto r = resolve(text, options);
  return r.empty() ? std::string("-") : std::string(r.front().pole.number());
}

int rank_of(const std::vector<Candidate>& r, std::string_view number) {
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (r[i].pole.number() == number) return static_cast<int>(i);
  }
  return -1;
}

ResolveOptions near(LonLat p) {
  ResolveOptions o;
  o.near = p;
  return o;
}

TEST(Resolve, RejectsEmptyOversizedAndInvalidText) {
  for (std::string_view bad : {std::string_view(""), std::string_view("   "), std::string_view("\xff\xfe")}) {
    auto r = snap().resolve(bad, {});
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.status().code(), ErrorCode::bad_request);
    EXPECT_NE(r.status().message().find("query text"), std::string::npos) << r.status().message();
  }
  auto r = snap().resolve(std::string(kMaxQueryBytes + 1, '3'), {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.status().code(), ErrorCode::bad_request);
}

TEST(Resolve, RejectsBadOptionsNamingTheParameter) {
  ResolveOptions o;
  o.limit = 0;
  auto r = snap().resolve("TJH0372", o);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.status().code(), ErrorCode::bad_request);
  EXPECT_NE(r.status().message().find("limit"), std::string::npos);
  o = near({200, 95});
  r = snap().resolve("TJH0372", o);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.status().message().find("near"), std::string::npos);
}

TEST(Resolve, PrintedNumberIsExactAndFirst) {
  auto r = resolve("tjh-0372");
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0].pole.number(), "TJH0372");
  EXPECT_EQ(r[0].match, MatchKind::exact);
  EXPECT_GT(r[0].score, 0.9);
}

TEST(Resolve, SerialWithALetterIsFoundAsPrinted) {
  EXPECT_EQ(top("TJH-0012B"), "TJH0012B");
}

TEST(Resolve, UnspokenLeadingZerosStillMatchExactly) {
  auto r = resolve("团结湖三百七十二");
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0].pole.number(), "TJH0372");
  EXPECT_EQ(r[0].match, MatchKind::exact);
}

TEST(Resolve, MoreLeadingZerosThanPaintedIsNotExact) {
  auto r = resolve("团结湖零零三七二");
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0].pole.number(), "TJH0372");
  EXPECT_EQ(r[0].match, MatchKind::fuzzy);
}

TEST(Resolve, AbsentNumberIsNeverExact) {
  for (std::string_view text : {"团结湖九九九九", "TJH9999", "团结湖三七", "tango juliett hotel two zero zero one"}) {
    for (const Candidate& c : resolve(text)) {
      EXPECT_EQ(c.match, MatchKind::fuzzy) << text << " -> " << c.pole.number();
    }
  }
}

TEST(Resolve, AbsentNumberOneEditFromAPoleGetsItAsFuzzy) {
  auto r = resolve("团结湖三七一一");  // 3711: one digit too many for TJH0371
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0].match, MatchKind::fuzzy);
  EXPECT_GE(rank_of(r, "TJH0371"), 0);
}

TEST(Resolve, DigitsAfterAnUnknownPlaceNameAreNeverExact) {
  auto r = resolve("朝阳门三七二号");  // an area this registry does not have
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0].pole.number().substr(3), "0372");
  for (const Candidate& c : r) EXPECT_EQ(c.match, MatchKind::fuzzy);
  EXPECT_NE(r[0].reason.find("朝阳门 is no known area"), std::string::npos) << r[0].reason;
}

TEST(Resolve, WordSwapReadingIsNeverExact) {
  // 三十七 is 37 (no such pole); 三四七 exists, but it is not what was said.
  auto r = resolve("团结湖三十七");
  const int k = rank_of(r, "TJH0347");
  ASSERT_GE(k, 0);
  EXPECT_EQ(r[static_cast<std::size_t>(k)].match, MatchKind::fuzzy);
  EXPECT_NE(r[static_cast<std::size_t>(k)].reason.find("十/四"), std::string::npos) << r[static_cast<std::size_t>(k)].reason;
}

TEST(Resolve, MissingAreaFindsTheSerialInEveryArea) {
  auto r = resolve("三七二号电线杆");
  ASSERT_GE(r.size(), 2u);
  EXPECT_GE(rank_of(r, "TJH0372"), 0);
  EXPECT_GE(rank_of(r, "HJL0372"), 0);
  EXPECT_EQ(r[0].match, MatchKind::exact);
  EXPECT_EQ(r[1].match, MatchKind::exact);
  EXPECT_NEAR(r[0].score, r[1].score, 0.05);  // nothing tells them apart
  EXPECT_LT(r[0].score, 0.7);
}

TEST(Resolve, MissingAreaWithCallerLocationPicksTheNearArea) {
  EXPECT_EQ(top("三七二号电线杆", near(at(3010, 20))), "HJL0372");
  EXPECT_EQ(top("三七二号电线杆", near(at(90, 15))), "TJH0372");
  auto r = resolve("三七二号电线杆", near(at(3010, 20)));
  EXPECT_GT(r[0].score, 0.8);
}

TEST(Resolve, WrongAreaSaidFindsTheNumberElsewhereAsFuzzy) {
  auto r = resolve("团结湖两千零一");  // TJH2001 does not exist, HJL2001 does
  const int k = rank_of(r, "HJL2001");
  ASSERT_GE(k, 0);
  EXPECT_EQ(r[static_cast<std::size_t>(k)].match, MatchKind::fuzzy);
  EXPECT_NE(r[static_cast<std::size_t>(k)].reason.find("found in HJL"), std::string::npos);
}

TEST(Resolve, MisheardDigitWithCallerLocationRanksTheMeantPoleInTopThree) {
  // Caller by TJH0372 says 三一二 (qi heard as yi); TJH0312 exists 1.2 km away.
  auto r = resolve("团结湖三一二", near(at(85, 10)));
  const int k = rank_of(r, "TJH0372");
  ASSERT_GE(k, 0);
  EXPECT_LT(k, 3);
  EXPECT_EQ(r[static_cast<std::size_t>(k)].match, MatchKind::fuzzy);
  EXPECT_NE(r[static_cast<std::size_t>(k)].reason.find("yi/qi"), std::string::npos) << r[static_cast<std::size_t>(k)].reason;
}

TEST(Resolve, LikeliestConfusionRanksFirstWhenNothingMatchesExactly) {
  // No TJH0314: 1 for 7 gives TJH0374, 4 for 2 (a plain slip) gives TJH0312.
  auto r = resolve("团结湖三一四");
  ASSERT_FALSE(r.empty());
  for (const Candidate& c : r) EXPECT_EQ(c.match, MatchKind::fuzzy);
  EXPECT_EQ(r[0].pole.number(), "TJH0374");
  EXPECT_LT(rank_of(r, "TJH0374"), rank_of(r, "TJH0312"));
  EXPECT_NE(r[0].reason.find("yi/qi"), std::string::npos) << r[0].reason;
}

TEST(Resolve, FarFromCallerIsFlaggedEvenWhenExact) {
  ResolveOptions o = near(at(0, 2600));  // 2.6 km north of the street
  auto r = resolve("TJH0372", o);
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0].pole.number(), "TJH0372");
  EXPECT_EQ(r[0].match, MatchKind::exact);
  EXPECT_TRUE(r[0].far_from_caller);
  ASSERT_TRUE(r[0].distance_m.has_value());
  EXPECT_GT(*r[0].distance_m, o.far_m);
  EXPECT_NE(r[0].reason.find("(far)"), std::string::npos) << r[0].reason;
}

TEST(Resolve, NearCandidateIsNotFlaggedAndDistanceIsGeodesic) {
  auto r = resolve("TJH0372", near(at(80, 30)));
  ASSERT_FALSE(r.empty());
  EXPECT_FALSE(r[0].far_from_caller);
  ASSERT_TRUE(r[0].distance_m.has_value());
  EXPECT_NEAR(*r[0].distance_m, 30.0, 0.5);
  EXPECT_NE(r[0].reason.find("30 m from caller"), std::string::npos) << r[0].reason;
}

TEST(Resolve, DistanceIsAbsentWithoutCallerLocation) {
  for (const Candidate& c : resolve("团结湖三七二")) {
    EXPECT_FALSE(c.distance_m.has_value());
    EXPECT_FALSE(c.far_from_caller);
  }
}

TEST(Resolve, ReasonNamesAliasAndReading) {
  auto r = resolve("我在团结湖三七二号电线杆旁边，有人晕倒了");
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0].reason, "团结湖 = TJH; 三七二 read as 372 (digits one by one)");
  EXPECT_EQ(r[0].reason.find('\n'), std::string::npos);
}

TEST(Resolve, ReadBackFollowsTheLanguageOfTheQuery) {
  EXPECT_EQ(resolve("团结湖三七二")[0].read_back, "团结湖 洞三拐两");
  EXPECT_EQ(resolve("tango juliett hotel three seven two")[0].read_back, "tango juliett hotel zero three seven two");
  EXPECT_EQ(resolve("TJH0372")[0].read_back, "tango juliett hotel zero three seven two");
}

TEST(Resolve, ScoresAreInTheUnitIntervalBestFirstAndLimited) {
  ResolveOptions o = near(at(85, 10));
  o.limit = 3;
  for (std::string_view text : {"团结湖三一二", "三七二", "TJH0372", "团结湖九九九九", "tjh 37"}) {
    auto r = resolve(text, o);
    EXPECT_LE(r.size(), 3u);
    for (std::size_t i = 0; i < r.size(); ++i) {
      EXPECT_GE(r[i].score, 0.0);
      EXPECT_LT(r[i].score, 1.0);
      if (i > 0) {
        EXPECT_GE(r[i - 1].score, r[i].score) << text;
      }
    }
  }
}

TEST(Resolve, TextWithoutANumberHasNoCandidate) {
  EXPECT_TRUE(resolve("有人晕倒了").empty());
  EXPECT_TRUE(resolve("团结湖").empty());
}

TEST(Resolve, UnknownAreaCodeIsFuzzyAndPrefersTheSimilarCode) {
  auto r = resolve("TJN0372");
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0].pole.number(), "TJH0372");
  EXPECT_EQ(r[0].match, MatchKind::fuzzy);
}

TEST(Resolve, AliasWithOneCharacterMisheardStillNamesTheArea) {
  auto r = resolve("团结胡三七二");  // 胡 for 湖: a recogniser's homophone
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0].pole.number(), "TJH0372");
  EXPECT_NE(r[0].reason.find("taken as 团结湖"), std::string::npos) << r[0].reason;
}

TEST(Resolve, CandidateCarriesItsGrid) {
  auto r = resolve("团结湖三七二");
  ASSERT_FALSE(r.empty());
  auto g = r[0].pole.grid();
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->id(), "TJH-A");
}

TEST(Resolve, QueryFunctionAndSnapshotFacadeAgree) {
  auto a = query::resolve(snap().data(), nullptr, "团结湖三一二", near(at(85, 10)));
  auto b = snap().resolve("团结湖三一二", near(at(85, 10)));
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->size(), b->size());
  for (std::size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i].pole.number(), (*b)[i].pole.number());
    EXPECT_EQ((*a)[i].score, (*b)[i].score);
  }
}

TEST(Resolve, ConcurrentCallsGiveTheSameAnswers) {
  // A fresh snapshot: the first calls race to fill the alias table's width cache.
  auto fresh = make_snapshot();
  const std::vector<std::string> texts = {"团结湖三七二", "呼家楼一零零五", "三七二", "TJH0312", "团结湖三一二"};
  std::vector<std::vector<std::string>> got(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round) {
        for (const auto& text : texts) {
          auto r = fresh->resolve(text, near(at(85, 10)));
          if (round == 0) got[t].push_back(r && !r->empty() ? std::string((*r)[0].pole.number()) : "-");
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (std::size_t t = 1; t < got.size(); ++t) EXPECT_EQ(got[t], got[0]);
  EXPECT_EQ(got[0][0], "TJH0372");
  EXPECT_EQ(got[0][1], "HJL1005");
}

TEST(Resolve, SurvivesArbitraryMixturesOfWords) {
  // Pieces a parser could trip over, glued at random (deterministic).
  static const std::vector<std::string> kPieces = {
      "团结湖", "团结胡", "呼家楼", "三", "七", "十", "百", "千", "万", "零", "两", "幺", "要", "洞", "拐", "号", "杆",
      "电线杆", "的", "我", "一下", "米", "0", "3", "7", "9", " ", "，", "-", "#", "No.", "TJH", "tjh", "x", "ray",
      "tango", "juliett", "hotel", "oh", "double", "triple", "hundred", "and", "fifteen", "seventy", "for", "to",
      "ＴＪＨ", "０", "〇", "號", "\xe2\x80\x94", "a", "tee", "110", "呢"};
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const std::size_t n = 1 + next() % 24;
    for (std::size_t k = 0; k < n; ++k) text += kPieces[next() % kPieces.size()];
    ResolveOptions o;
    if (next() % 2) o.near = at(static_cast<double>(next() % 4000), static_cast<double>(next() % 800) - 400);
    o.limit = 1 + next() % 10;
    auto r = snap().resolve(text, o);
    if (!r) {
      EXPECT_EQ(r.status().code(), ErrorCode::bad_request) << text;
      continue;
    }
    EXPECT_LE(r->size(), o.limit);
    for (const Candidate& c : *r) {
      EXPECT_GE(c.score, 0.0) << text;
      EXPECT_LT(c.score, 1.0) << text;
      EXPECT_FALSE(c.reason.empty()) << text;
      EXPECT_FALSE(c.read_back.empty()) << text;
    }
  }
}

TEST(ResolveCalibration, MapIsMonotoneAndBelowOne) {
  double prev = -1;
  for (int i = 0; i <= 1000; ++i) {
    const double s = query::calibrate_score(i / 1000.0);
    EXPECT_GE(s, prev);
    EXPECT_GE(s, 0.0);
    EXPECT_LT(s, 1.0);
    prev = s;
  }
}

}  // namespace
}  // namespace poleloc
