// Gazetteer and pronunciation: the place names callers use, matched as written,
// by sound and in their long forms; Traditional characters folded to Simplified.
#include "spoken/gazetteer.hpp"
#include "spoken/pronunciation.hpp"
#include "spoken/spoken_text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace poleloc::spoken {
namespace {

Place community(std::string name, std::int32_t grid, std::uint8_t strength = 0) {
  Place p;
  p.name = std::move(name);
  p.kind = PlaceKind::community;
  p.grids = {grid};
  p.codes = {0};
  p.strength = strength;
  return p;
}

Place area(std::string name, std::int32_t code) {
  Place p;
  p.name = std::move(name);
  p.kind = PlaceKind::area;
  p.code = code;
  p.codes = {static_cast<std::uint32_t>(code)};
  return p;
}

const Gazetteer& gazetteer() {
  static const Gazetteer g = [] {
    Gazetteer g;
    g.build({area("团结湖", 0), area("劲松", 1), community("水碓子", 4), community("白家庄东里", 6),
             community("团结湖南北里", 5), community("南北里", 5, 1), community("龙潭", 7),
             community("衣锦里", 8), community("三四条", 9)});
    return g;
  }();
  return g;
}

std::string matched(std::string_view text) {
  const std::string norm = normalise_text(text);
  auto m = gazetteer().match_at(norm, 0);
  return m ? gazetteer().place(m->place).name : "";
}

TEST(Pronunciation, ReadingsComeFromUnihanWithoutTones) {
  EXPECT_EQ(pinyin(U'湖'), "hu");
  EXPECT_TRUE(sounds_alike(U'谁', U'水'));   // 谁 reads shei and shui
  EXPECT_TRUE(sounds_alike(U'拜', U'白'));
  EXPECT_TRUE(sounds_alike(U'湍', U'团'));
  EXPECT_FALSE(sounds_alike(U'水', U'火'));
  EXPECT_TRUE(syllables(U'A').empty());
}

TEST(Pronunciation, TraditionalCharactersBecomeSimplified) {
  EXPECT_EQ(simplified(U'團'), U'团');
  EXPECT_EQ(simplified(U'結'), U'结');
  EXPECT_EQ(simplified(U'团'), U'团');
  EXPECT_EQ(normalise_text("團結湖三七二"), "团结湖三七二");
}

TEST(Pronunciation, RadioDigitsAreNotFoldedAway) {
  // Unihan maps 幺 to 么; a radio digit must stay what it is.
  EXPECT_EQ(normalise_text("幺两拐"), "幺两拐");
}

TEST(Gazetteer, LongestNameWinsOverTheAreaItContains) {
  EXPECT_EQ(matched("团结湖南北里三七二"), "团结湖南北里");
  EXPECT_EQ(matched("团结湖三七二"), "团结湖");
}

TEST(Gazetteer, NamesWrittenWithSameSoundCharactersMatch) {
  EXPECT_EQ(matched("谁碓子三七二"), "水碓子");
  EXPECT_EQ(matched("拜家庄东里"), "白家庄东里");
  EXPECT_EQ(matched("湍结湖三七二"), "团结湖");
  const std::string norm = normalise_text("谁碓子");
  EXPECT_EQ(gazetteer().match_at(norm, 0)->by_sound, 1);
}

TEST(Gazetteer, TwoCharacterNamesMatchBySoundOnlyBeforeAPlaceWord) {
  EXPECT_EQ(matched("笼潭小区一五七九"), "龙潭");
  EXPECT_EQ(matched("笼潭一五七九"), "");
  EXPECT_EQ(matched("龙潭一五七九"), "龙潭");
}

TEST(Gazetteer, ANumeralIsTakenBySoundOnlyWhenTheRestOfTheNameIsAsWritten) {
  EXPECT_EQ(matched("依锦里"), "衣锦里");
  EXPECT_EQ(matched("一锦里"), "衣锦里");   // 十榴园 for 石榴园
  EXPECT_EQ(matched("一近里"), "");         // a numeral and another character by sound: digits
  EXPECT_EQ(matched("依近里"), "衣锦里");   // two of three by sound: 冬至门 for 东直门
}

TEST(Gazetteer, TheSameNumeralWrittenAnotherWayIsTheName) {
  EXPECT_EQ(matched("叁四条"), "三四条");  // 叁 is the banker's 三
}

TEST(Gazetteer, TwoCharacterAreaAliasMatchesTheLongNameItAbbreviates) {
  const std::string norm = normalise_text("劲X松Y三七二");
  EXPECT_FALSE(gazetteer().match_at(norm, 0).has_value());  // Latin letters are no part of a name
  const std::string long_name = normalise_text("劲风松林三七二");
  auto m = gazetteer().match_at(long_name, 0);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->abbreviation);
  EXPECT_EQ(gazetteer().place(m->place).name, "劲松");
}

// Among a thousand names that start alike (a city of named communities), a
// name is found by its first two characters, each as written, said like it or
// the same numeral written otherwise, with spaces between them.
TEST(Gazetteer, NamesAmongAThousandStartingAlikeAreFoundAsWrittenOrSaid) {
  const std::vector<std::string> parts = {"安", "北", "城", "大", "方", "光", "海", "和", "华", "家",
                                          "景", "康", "丽", "林", "龙", "美", "明", "平", "桥", "庆",
                                          "山", "胜", "泰", "天", "文", "祥", "新", "阳", "园", "中"};
  std::vector<Place> places;
  std::int32_t grid = 0;
  for (const std::string& a : parts) {
    for (const std::string& b : parts) places.push_back(community("东" + a + b + "里", grid++));
  }
  places.push_back(community("东二里庄", grid++));
  places.push_back(community("东坝", grid++));
  Gazetteer g;
  g.build(std::move(places));
  auto found = [&](std::string_view text) -> std::pair<std::string, int> {
    const std::string norm = normalise_text(text);
    auto m = g.match_at(norm, 0);
    return m ? std::pair<std::string, int>{g.place(m->place).name, m->by_sound} : std::pair<std::string, int>{"", -1};
  };
  EXPECT_EQ(found("东光华里"), (std::pair<std::string, int>{"东光华里", 0}));
  EXPECT_EQ(found("东 光 华里"), (std::pair<std::string, int>{"东光华里", 0}));
  EXPECT_EQ(found("冬光华里"), (std::pair<std::string, int>{"东光华里", 1}));  // the first said alike
  EXPECT_EQ(found("东名华里"), (std::pair<std::string, int>{"东明华里", 1}));  // the second
  EXPECT_EQ(found("东光花里"), (std::pair<std::string, int>{"东光华里", 1}));  // the third
  EXPECT_EQ(found("东两里庄"), (std::pair<std::string, int>{"东二里庄", 0}));  // 两 for 二
  EXPECT_EQ(found("东坝那边"), (std::pair<std::string, int>{"东坝", 0}));
  EXPECT_EQ(found("冬坝那边"), (std::pair<std::string, int>{"东坝", 1}));
  EXPECT_EQ(found("东光华").first, "");
  EXPECT_EQ(found("东").first, "");
}

TEST(Gazetteer, GridNamesGiveTheShortFormsResidentsUse) {
  const AreaPrefixes areas({"团结湖街道", "团结湖"});
  auto names = Gazetteer::names_from_grid_name("团结湖南北里社区网格", areas);
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names[0].first, "团结湖南北里");
  EXPECT_EQ(names[1].first, "南北里");
  names = Gazetteer::names_from_grid_name("白家庄东里社区网格", areas);
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[1].first, "白家庄");
  EXPECT_EQ(names[1].second, 2);
  // The part after an area's name is no place when it only says a direction.
  names = Gazetteer::names_from_grid_name("团结湖北里社区网格", areas);
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names[0].first, "团结湖北里");
  for (const auto& [name, _] : names) EXPECT_NE(name, "北里");
  // Numbered grid names name no place a caller would say.
  EXPECT_TRUE(Gazetteer::names_from_grid_name("东直门第12街区网格", areas).empty());
  EXPECT_TRUE(Gazetteer::names_from_grid_name("东直门１２街区网格", areas).empty());  // full-width digits
}

TEST(Gazetteer, GridNamesLoseTheLongestAreaNameTheyStartWith) {
  // In any order, written in Traditional characters or with spaces: the longest area that leaves two characters.
  const AreaPrefixes areas({"团结", "團結湖", "团结湖南北里社区", "团 结 湖 南"});
  EXPECT_EQ(areas.longest_prefix(U"团结湖南北里", 2), 4u);
  EXPECT_EQ(areas.longest_prefix(U"团结湖南北里", 3), 3u);
  EXPECT_EQ(areas.longest_prefix(U"白家庄东里", 2), 0u);
  auto names = Gazetteer::names_from_grid_name("团结湖南北里社区网格", areas);
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names[0].first, "团结湖南北里");
  for (const auto& [name, _] : names) EXPECT_NE(name, "北里") << "what follows 团结湖南 only says a direction";
  names = Gazetteer::names_from_grid_name("团结湖东湖社区网格", areas);
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[1].first, "东湖");
  EXPECT_EQ(names[1].second, 1);
  // No area names: the core and its shorter form only.
  names = Gazetteer::names_from_grid_name("团结湖东湖社区网格", AreaPrefixes());
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0].first, "团结湖东湖");
}

TEST(Gazetteer, NamesMatchInPinyinAtWordEdges) {
  EXPECT_EQ(matched("shuiduizi pole 372"), "水碓子");
  EXPECT_EQ(matched("shui dui zi 372"), "水碓子");
  EXPECT_EQ(matched("shuiduizis"), "");  // not at a word's end
}

TEST(Gazetteer, ParsesPlaceKindsInEnglishAndChinese) {
  EXPECT_EQ(parse_place_kind("School"), PlaceKind::school);
  EXPECT_EQ(parse_place_kind("小区"), PlaceKind::compound);
  EXPECT_EQ(parse_place_kind("市场"), PlaceKind::market);
  EXPECT_EQ(parse_place_kind("whatever"), PlaceKind::other);
  EXPECT_EQ(place_kind_name(PlaceKind::road), "road");
}

}  // namespace
}  // namespace poleloc::spoken
