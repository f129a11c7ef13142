// The utterance pass: repeats, stutters, corrections, pole words and other
// numbers in a caller's sentence decide which number is the pole's.
#include "spoken/alias_table.hpp"
#include "spoken/gazetteer.hpp"
#include "spoken/readings.hpp"
#include "spoken/spoken_text.hpp"
#include "spoken/tokens.hpp"
#include "spoken/utterance.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace poleloc::spoken {
namespace {

const AliasTable& aliases() {
  static const AliasTable t = [] {
    AliasTable t;
    t.build({{"团结湖", "TJH"}, {"团结湖街道", "TJH"}, {"呼家楼", "HJL"}}, {"HJL", "TJH"});
    return t;
  }();
  return t;
}

const Gazetteer& places() {
  static const Gazetteer g = [] {
    Gazetteer g;
    Place p;
    p.name = "水碓子";
    p.kind = PlaceKind::community;
    p.grids = {4};
    p.codes = {1};
    g.build({p});
    return g;
  }();
  return g;
}

// The best reading: "TJH:0372", or ":372" without an area; "" when none.
std::string best(std::string_view text) {
  ReadingSet set;
  read_text(text, aliases(), places(), set);
  if (set.readings.empty()) return "";
  const Reading& r = set.readings.front();
  return std::string(r.area_code) + ":" + std::string(r.digits.view());
}

const Reading* find(const ReadingSet& set, std::string_view digits) {
  for (const Reading& r : set.readings) {
    if (r.digits.view() == digits) return &r;
  }
  return nullptr;
}

TEST(Utterance, ARepeatIsOneNumberNotTwoJoined) {
  EXPECT_EQ(best("七二一，七二一"), ":721");
  EXPECT_EQ(best("团结湖一一五，对，一一五"), "TJH:115");
}

TEST(Utterance, AStutterKeepsTheWholeNumber) {
  EXPECT_EQ(best("三七……三七五"), ":375");
  EXPECT_EQ(best("团结湖七三，七三…七三四"), "TJH:734");
}

TEST(Utterance, ACorrectionReplacesWhatCameBeforeButKeepsItAsALowReading) {
  ReadingSet set;
  read_text("四零六，不对，四零九", aliases(), places(), set);
  ASSERT_FALSE(set.readings.empty());
  EXPECT_EQ(set.readings.front().digits.view(), "409");
  const Reading* retracted = find(set, "406");
  ASSERT_NE(retracted, nullptr);
  EXPECT_TRUE(retracted->retracted);
  EXPECT_LT(retracted->prior, 0.1f);
  EXPECT_TRUE(set.any_correction);
  EXPECT_EQ(best("五二八……等一下我看清楚，五二三"), ":523");
  EXPECT_EQ(best("不是三七二，是三七五"), ":375");
  EXPECT_EQ(best("团结湖五四二，不，五四三"), "TJH:543");   // 不 alone between pauses
  EXPECT_EQ(best("tjh five four two, no, five four three"), "TJH:543");
  EXPECT_EQ(best("路灯不亮，团结湖三七二"), "TJH:372");        // 不 in 不亮 corrects nothing
}

TEST(Utterance, AnApproximateNumberIsNoPoleNumber) {
  ReadingSet set;
  read_text("大概是团结湖七百多号吧", aliases(), places(), set);
  ASSERT_FALSE(set.readings.empty());
  EXPECT_TRUE(set.readings.front().counted);
  EXPECT_LT(set.best_raw_prior, 0.12f);
}

TEST(Utterance, ACorrectionOfTheAreaAloneKeepsTheNumber) {
  ReadingSet set;
  read_text("团结湖三七二，不对，是水碓子的", aliases(), places(), set);
  ASSERT_FALSE(set.readings.empty());
  EXPECT_EQ(set.readings.front().digits.view(), "372");
  EXPECT_EQ(set.readings.front().place, 0);
  EXPECT_EQ(set.readings.front().area_source, AreaSource::place);
}

TEST(Utterance, PoleWordsMarkTheNumberAndUnitsMarkCounts) {
  EXPECT_EQ(best("我在团结湖8号楼下面，杆号六四二"), "TJH:642");
  EXPECT_EQ(best("团结湖12号院3单元门口，电线杆上写着五五一"), "TJH:551");
  EXPECT_EQ(best("我们三个人在团结湖，编号是一二零八"), "TJH:1208");
  ReadingSet set;
  read_text("晚上8点团结湖路灯不亮", aliases(), places(), set);
  ASSERT_FALSE(set.readings.empty());
  EXPECT_TRUE(set.readings.front().counted);
  EXPECT_LT(set.best_raw_prior, 0.12f);
}

TEST(Utterance, LongFormsAndPinyinDigitsAndColloquialCardinals) {
  EXPECT_EQ(best("北京市朝阳区团结湖街道三七二"), "TJH:372");
  EXPECT_EQ(best("团结湖 san qi er"), "TJH:372");
  EXPECT_EQ(best("团结湖三百七二"), "TJH:372");
  EXPECT_EQ(best("团结湖5百20"), "TJH:520");
  EXPECT_EQ(best("团结湖一百13"), "TJH:113");
  EXPECT_EQ(best("团结湖俩三七"), "TJH:237");
}

TEST(Utterance, RadioDigitsWrittenAsEverydayWords) {
  EXPECT_EQ(best("团结湖冻狗冻沟"), "TJH:0909");
  EXPECT_EQ(best("团结湖动沟三怪号"), "TJH:0937");
  EXPECT_EQ(best("团结湖栋要栋狗号"), "TJH:0109");
}

TEST(Utterance, APlaceNarrowsTheNumberWithoutAnArea) {
  ReadingSet set;
  read_text("谁碓子那边，杆号三七二", aliases(), places(), set);
  ASSERT_FALSE(set.readings.empty());
  const Reading& r = set.readings.front();
  EXPECT_EQ(r.place, 0);
  EXPECT_EQ(r.place_by_sound, 1);
  EXPECT_EQ(r.area_source, AreaSource::place);
  EXPECT_EQ(set.spoken_place(r), "谁碓子");
}

TEST(Utterance, NoNumberHeard) {
  ReadingSet set;
  read_text("路灯不亮了", aliases(), places(), set);
  EXPECT_TRUE(set.readings.empty());
  EXPECT_FALSE(set.heard_number);
}

}  // namespace
}  // namespace poleloc::spoken
