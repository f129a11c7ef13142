// Readings: every form of saying a pole number that issue 3 lists, one rule per test.
#include "spoken/alias_table.hpp"
#include "spoken/chinese_numerals.hpp"
#include "spoken/english_numerals.hpp"
#include "spoken/read_back.hpp"
#include "spoken/readings.hpp"
#include "spoken/spoken_text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace poleloc::spoken {
namespace {

using ::testing::Contains;

AliasTable make_aliases() {
  AliasTable t;
  t.build({{"团结湖", "TJH"},
           {"团结湖街道", "TJH"},
           {"tuanjiehu", "TJH"},
           {"tuan jie hu", "TJH"},
           {"呼家楼", "HJL"},
           {"三里屯", "SLT"},
           {"三里屯街道", "SLT"}},
          {"HJL", "SLT", "TJH", "WJ"});
  return t;
}

const AliasTable& aliases() {
  static const AliasTable t = make_aliases();
  return t;
}

// "TJH:0372" for a reading with an area, ":372" without one.
std::string key(const Reading& r) { return std::string(r.area_code) + ":" + std::string(r.digits.view()); }

std::vector<std::string> keys(std::string_view text) {
  ReadingSet set;
  read_text(text, aliases(), set);
  std::vector<std::string> out;
  for (const Reading& r : set.readings) out.push_back(key(r));
  return out;
}

// The best reading of `text`, as "AREA:digits" ("" when there is none).
std::string best(std::string_view text) {
  auto k = keys(text);
  return k.empty() ? std::string() : k.front();
}

Reading best_reading(std::string_view text) {
  ReadingSet set;
  read_text(text, aliases(), set);
  EXPECT_FALSE(set.readings.empty()) << text;
  return set.readings.empty() ? Reading{} : set.readings.front();
}

TEST(SpokenText, FullWidthPunctuationAndCaseAreNormalised) {
  EXPECT_EQ(normalise_text("ＴＪＨ０３７２"), "tjh0372");
  EXPECT_EQ(normalise_text("  TJH-0372！！ "), "tjh 0372");
  EXPECT_EQ(normalise_text("我在团结湖，三七二号。"), "我在团结湖,三七二号");
  EXPECT_EQ(normalise_text("#TJH0372"), "tjh0372");
  EXPECT_EQ(normalise_text("No.　372"), "no 372");  // ideographic space
}

TEST(SpokenText, ChineseTextIsDetected) {
  EXPECT_TRUE(has_cjk("团结湖 372"));
  EXPECT_TRUE(has_cjk("〇"));
  EXPECT_FALSE(has_cjk("TJH 0372"));
}

TEST(SpokenReadings, PrintedFormsAllReadAsTheSameNumber) {
  for (std::string_view text : {"TJH0372", "tjh-0372", "ＴＪＨ０３７２", "#TJH0372", "TJH 0 3 7 2", "TJH0372号"}) {
    const Reading r = best_reading(text);
    EXPECT_EQ(key(r), "TJH:0372") << text;
    EXPECT_TRUE(r.leading_zeros_spoken) << text;
    EXPECT_EQ(r.area_source, AreaSource::said) << text;
  }
  EXPECT_EQ(best_reading("TJH-0372").form, ReadingForm::printed);
}

TEST(SpokenReadings, PrintedNumberInsideASentence) {
  EXPECT_EQ(best("编号是TJH-0372的杆子倒了"), "TJH:0372");
  EXPECT_EQ(best("pole No. TJH0372 is down"), "TJH:0372");
}

TEST(SpokenReadings, ChineseDigitsOneByOneKeepLeadingZeros) {
  const Reading r = best_reading("团结湖零三七二");
  EXPECT_EQ(key(r), "TJH:0372");
  EXPECT_TRUE(r.leading_zeros_spoken);
  EXPECT_EQ(r.form, ReadingForm::chinese_digits);
  EXPECT_EQ(best("团结湖〇三七二"), "TJH:0372");
  EXPECT_EQ(best("团结湖三七二"), "TJH:372");
  EXPECT_FALSE(best_reading("团结湖三七二").leading_zeros_spoken);
}

TEST(SpokenReadings, ArabicDigitsMixedWithChinese) {
  EXPECT_EQ(best("团结湖 0372 号"), "TJH:0372");
  const Reading r = best_reading("团结湖3七2号");
  EXPECT_EQ(key(r), "TJH:372");
  EXPECT_EQ(r.form, ReadingForm::mixed_digits);
}

TEST(SpokenReadings, ChineseCardinals) {
  EXPECT_EQ(best("团结湖三百七十二"), "TJH:372");
  EXPECT_EQ(best_reading("团结湖三百七十二").form, ReadingForm::chinese_cardinal);
  EXPECT_EQ(best("团结湖一千零五"), "TJH:1005");
  EXPECT_EQ(best("团结湖十五号"), "TJH:15");
  EXPECT_EQ(best("团结湖两百零三"), "TJH:203");
  EXPECT_EQ(best("团结湖两千"), "TJH:2000");
  EXPECT_EQ(best("团结湖一百十五"), "TJH:115");
}

TEST(SpokenReadings, ColloquialShortCardinals) {
  EXPECT_EQ(best("团结湖三千二"), "TJH:3200");
  EXPECT_EQ(best("团结湖三百七"), "TJH:370");
}

TEST(SpokenReadings, RadioDigitsYaoDongGuai) {
  const Reading r = best_reading("团结湖洞三拐两");
  EXPECT_EQ(key(r), "TJH:0372");
  EXPECT_EQ(r.form, ReadingForm::radio_digits);
  EXPECT_EQ(best("团结湖幺洞拐"), "TJH:107");
  EXPECT_EQ(best("团结湖勾幺两"), "TJH:912");
}

TEST(SpokenReadings, RecogniserSpellingsOfYaoReadAsOne) {
  EXPECT_EQ(best("团结湖洞腰拐两"), "TJH:0172");
  EXPECT_EQ(best("团结湖洞么拐两"), "TJH:0172");
  EXPECT_EQ(best("团结湖洞要拐两"), "TJH:0172");
  // Right after the area, a leading 要 is most likely 幺.
  EXPECT_EQ(best("团结湖要三七"), "TJH:137");
}

TEST(SpokenReadings, RecogniserSpellingsOfDongGuaiGouReadAsDigits) {
  EXPECT_EQ(best("团结湖栋三怪两"), "TJH:0372");
  EXPECT_EQ(best("团结湖幺沟洞五"), "TJH:1905");
  EXPECT_EQ(best("团结湖妖洞洞五"), "TJH:1005");
  // Alone they stay words: 不动, 一只狗.
  EXPECT_TRUE(keys("电线杆被风吹得动了").empty());
}

TEST(SpokenReadings, TraditionalCharacters) {
  EXPECT_EQ(best("团结湖兩百零三"), "TJH:203");
  EXPECT_EQ(best("团结湖一萬二千"), "TJH:12000");
}

TEST(SpokenReadings, EverydayWordsWithNumeralsAreNotNumbers) {
  EXPECT_TRUE(keys("麻烦你来一下").empty());
  EXPECT_TRUE(keys("有两个人晕倒了").empty());
  EXPECT_EQ(best("麻烦派人来一下，团结湖一三九六号杆"), "TJH:1396");
  EXPECT_EQ(best("需要三七二号"), ":372");
}

TEST(SpokenReadings, AreaLettersByTheirEnglishNames) {
  EXPECT_EQ(best("tee jay aitch three seven two"), "TJH:372");
  EXPECT_EQ(best("aitch jay el 0372"), "HJL:0372");
  EXPECT_EQ(best("double u jay three seven two"), "WJ:372");  // W said as "double u"
  EXPECT_EQ(best("double you jay 372"), "WJ:372");
}

TEST(SpokenReadings, AliasWithOneCharacterMisheardStillNamesTheArea) {
  ReadingSet set;
  read_text("团结胡三七二", aliases(), set);
  ASSERT_FALSE(set.readings.empty());
  const Reading& r = set.readings.front();
  EXPECT_EQ(key(r), "TJH:372");
  EXPECT_TRUE(r.alias_misheard);
  EXPECT_EQ(set.spoken_area(r), "团结胡");
  // The area-less reading stays close behind: 团结胡 may be another place.
  ASSERT_GE(set.readings.size(), 2u);
  EXPECT_GT(set.readings[1].prior, 0.3f);
}

TEST(SpokenReadings, MisheardAliasNeverSwallowsANumeral) {
  // 团结三七二: 三 must stay a digit, not pass for the 湖 of 团结湖.
  EXPECT_EQ(best("团结三七二"), ":372");
  EXPECT_FALSE(aliases().match_at(normalise_text("团结三七二"), 0).has_value());
}

TEST(SpokenReadings, YaoMeaningWantIsNoDigit) {
  EXPECT_TRUE(keys("我要报警").empty());
  EXPECT_EQ(best("我要报警，团结湖三七二"), "TJH:372");
  EXPECT_EQ(best("我要三七二号"), ":372");
}

TEST(SpokenReadings, EnglishDigitWordsAndOh) {
  EXPECT_EQ(best("TJH zero three seven two"), "TJH:0372");
  EXPECT_EQ(best("TJH oh three seven two"), "TJH:0372");
  EXPECT_EQ(best_reading("TJH zero three seven two").form, ReadingForm::english_digits);
}

TEST(SpokenReadings, EnglishDoubleAndTriple) {
  EXPECT_EQ(best("TJH double seven one"), "TJH:771");
  EXPECT_EQ(best("TJH triple zero five"), "TJH:0005");
  EXPECT_EQ(best("TJH one double oh"), "TJH:100");
}

TEST(SpokenReadings, EnglishGroupedReadings) {
  EXPECT_EQ(best("TJH three seventy-two"), "TJH:372");
  EXPECT_EQ(best("TJH oh three seventy two"), "TJH:0372");
  EXPECT_EQ(best("TJH twelve oh five"), "TJH:1205");
  EXPECT_EQ(best("TJH fifteen"), "TJH:15");
  EXPECT_EQ(best("TJH seventy"), "TJH:70");
  EXPECT_EQ(best_reading("TJH three seventy-two").form, ReadingForm::english_grouped);
}

TEST(SpokenReadings, EnglishCardinals) {
  EXPECT_EQ(best("TJH three hundred and seventy two"), "TJH:372");
  EXPECT_EQ(best("TJH one thousand five"), "TJH:1005");
  EXPECT_EQ(best("TJH fifteen hundred"), "TJH:1500");
}

TEST(SpokenReadings, AreaLettersSpelledOneByOne) {
  EXPECT_EQ(best("T J H 0372"), "TJH:0372");
  EXPECT_EQ(best("t.j.h. three seven two"), "TJH:372");
}

TEST(SpokenReadings, AreaInNatoAlphabet) {
  const Reading r = best_reading("tango juliett hotel zero three seven two");
  EXPECT_EQ(key(r), "TJH:0372");
  EXPECT_EQ(best("Tango Juliet Hotel 372"), "TJH:372");
  EXPECT_EQ(best("hotel juliett lima three seven two"), "HJL:372");
  EXPECT_EQ(best("tango j hotel 372"), "TJH:372");
}

TEST(SpokenReadings, PinyinAliasWithOrWithoutSpaces) {
  EXPECT_EQ(best("tuanjiehu 372"), "TJH:372");
  EXPECT_EQ(best("Tuan Jie Hu three seven two"), "TJH:372");
}

TEST(SpokenReadings, LongestAliasWins) {
  const Reading r = best_reading("团结湖街道三七二");
  EXPECT_EQ(key(r), "TJH:372");
  EXPECT_EQ(r.alias, "团结湖街道");
  EXPECT_EQ(best_reading("团结湖三七二").alias, "团结湖");
}

TEST(SpokenReadings, DigitsInsideAnAliasAreNotANumber) {
  // 三里屯 starts with 三: the alias is matched before the numerals.
  EXPECT_EQ(best("三里屯三七二"), "SLT:372");
  EXPECT_EQ(best("三里屯街道幺洞拐"), "SLT:107");
}

TEST(SpokenReadings, WholeCallerSentences) {
  EXPECT_EQ(best("我在团结湖三七二号电线杆旁边，有人晕倒了"), "TJH:372");
  EXPECT_EQ(best("路灯不亮了，杆子上写着团结湖零一八三"), "TJH:0183");
  EXPECT_EQ(best("喂，你好，呼家楼那边，编号幺洞拐两的路灯倒了"), "HJL:1072");
}

TEST(SpokenReadings, FillerWordsBetweenAreaAndNumberAreIgnored) {
  const Reading r = best_reading("团结湖电线杆三七二号");
  EXPECT_EQ(key(r), "TJH:372");
  EXPECT_EQ(r.area_source, AreaSource::said);
  EXPECT_EQ(best("TJH pole number 372"), "TJH:372");
}

TEST(SpokenReadings, AreaSaidAfterTheNumber) {
  EXPECT_EQ(best("pole three seventy two at tuanjiehu"), "TJH:372");
  EXPECT_EQ(best("三七二号，团结湖的"), "TJH:372");
}

TEST(SpokenReadings, NumberWithoutAreaHasAnAreaLessReading) {
  const Reading r = best_reading("三七二号电线杆");
  EXPECT_EQ(r.area, -1);
  EXPECT_EQ(r.area_source, AreaSource::none);
  EXPECT_EQ(key(r), ":372");
}

TEST(SpokenReadings, AreaSaidStillLeavesAWeakReadingWithoutIt) {
  ReadingSet set;
  read_text("团结湖三七二", aliases(), set);
  ASSERT_GE(set.readings.size(), 2u);
  EXPECT_EQ(key(set.readings[0]), "TJH:372");
  const auto& other = set.readings[1];
  EXPECT_EQ(other.area, -1);
  EXPECT_EQ(other.said_area, set.readings[0].area);
  EXPECT_LT(other.prior, 0.1f);
}

TEST(SpokenReadings, UnknownLettersBeforeDigitsAreAnUnknownCode) {
  const Reading r = best_reading("XYZ0372");
  EXPECT_EQ(r.area_source, AreaSource::unknown_code);
  EXPECT_STREQ(r.unknown_code, "XYZ");
  EXPECT_EQ(r.area, -1);
}

TEST(SpokenReadings, UnknownPlaceNameBeforeDigitsIsMarked) {
  ReadingSet set;
  read_text("朝阳门三七二号", aliases(), set);  // 朝阳门 is no alias here
  ASSERT_FALSE(set.readings.empty());
  EXPECT_EQ(set.readings[0].area_source, AreaSource::unknown_place);
  EXPECT_EQ(set.spoken_area(set.readings[0]), "朝阳门");
  // Everyday words before the digits are no place.
  read_text("我在三七二号", aliases(), set);
  EXPECT_EQ(set.readings[0].area_source, AreaSource::none);
  read_text("电线杆上写着三七二", aliases(), set);
  EXPECT_EQ(set.readings[0].area_source, AreaSource::none);
}

TEST(SpokenReadings, ShiHeardForSiGivesADigitReading) {
  // 三十七二 is no cardinal; the 十 must have been 四.
  const Reading r = best_reading("团结湖三十七二");
  EXPECT_EQ(key(r), "TJH:3472");
  EXPECT_EQ(r.note, ReadingNote::si_shi);
  // 三十七 is a fine cardinal, but 三四七 stays possible.
  EXPECT_EQ(best("团结湖三十七"), "TJH:37");
  EXPECT_THAT(keys("团结湖三十七"), Contains("TJH:347"));
  EXPECT_THAT(keys("团结湖三四七"), Contains("TJH:37"));
}

TEST(SpokenReadings, TeenAndTensWordsAreTriedBothWays) {
  EXPECT_EQ(best("TJH three fifteen"), "TJH:315");
  EXPECT_THAT(keys("TJH three fifteen"), Contains("TJH:350"));
  EXPECT_THAT(keys("TJH thirty"), Contains("TJH:13"));
}

TEST(SpokenReadings, ForAndToAreDigitsOnlyNextToNumbers) {
  EXPECT_THAT(keys("TJH zero three seven to"), Contains("TJH:0372"));
  EXPECT_THAT(keys("TJH for three seven two"), Contains("TJH:4372"));
  EXPECT_EQ(best("calling for pole TJH 0372"), "TJH:0372");
  EXPECT_TRUE(keys("I am calling for help").empty());
}

TEST(SpokenReadings, LoneDigitInASentenceRanksBelowTheNumber) {
  EXPECT_EQ(best("一个人晕倒了，团结湖三七二号"), "TJH:372");
  EXPECT_EQ(best("the one at TJH 0372"), "TJH:0372");
}

TEST(SpokenReadings, TwoNumbersInOneSentenceAreBothRead) {
  auto k = keys("团结湖三七二还是三七一");
  EXPECT_THAT(k, Contains("TJH:372"));
  EXPECT_THAT(k, Contains("TJH:371"));
}

TEST(SpokenReadings, LanguageFollowsTheText) {
  ReadingSet set;
  read_text("团结湖三七二", aliases(), set);
  EXPECT_EQ(set.language, Language::chinese);
  read_text("tango juliett hotel 372", aliases(), set);
  EXPECT_EQ(set.language, Language::english);
  read_text("TJH three seven two", aliases(), set);
  EXPECT_EQ(set.language, Language::english);
  read_text("TJH0372", aliases(), set);
  EXPECT_EQ(set.language, Language::neutral);
}

TEST(SpokenReadings, TextWithoutNumeralsHasNoReading) {
  EXPECT_TRUE(keys("有人晕倒了").empty());
  EXPECT_TRUE(keys("团结湖").empty());
  EXPECT_TRUE(keys("hello").empty());
}

TEST(SpokenReadings, BestReadingHasPriorOne) {
  ReadingSet set;
  read_text("我在团结湖三七二号电线杆旁边", aliases(), set);
  ASSERT_FALSE(set.readings.empty());
  EXPECT_FLOAT_EQ(set.readings.front().prior, 1.0f);
  for (const Reading& r : set.readings) EXPECT_LE(r.prior, 1.0f);
  EXPECT_EQ(set.spoken(set.readings.front()), "三七二");
}

TEST(ChineseNumerals, MalformedCardinalsAreRejected) {
  auto parse = [](std::u32string_view s) {
    std::vector<Numeral> seq;
    for (char32_t c : s) seq.push_back(*chinese_numeral(c));
    Digits d;
    return parse_chinese_cardinal(seq, d) ? std::string(d.view()) : std::string("-");
  };
  EXPECT_EQ(parse(U"三百七十二"), "372");
  EXPECT_EQ(parse(U"一万二千"), "12000");
  EXPECT_EQ(parse(U"三十七二"), "-");
  EXPECT_EQ(parse(U"三十百"), "-");
  EXPECT_EQ(parse(U"百"), "-");
  EXPECT_EQ(parse(U"三七二"), "-");  // no multiplier: digits, not a cardinal
}

TEST(EnglishNumerals, MalformedRunsAreRejected) {
  auto parse = [](std::vector<std::string_view> words) {
    std::vector<Numeral> seq;
    for (auto w : words) seq.push_back(*english_numeral(w));
    Digits d;
    return parse_english_numerals(seq, d) ? std::string(d.view()) : std::string("-");
  };
  EXPECT_EQ(parse({"double"}), "-");
  EXPECT_EQ(parse({"seven", "hundred", "six", "two"}), "-");
  EXPECT_EQ(parse({"twenty", "three", "forty", "five"}), "2345");
}

TEST(SpokenAliases, CodeMatchesOnlyAtWordEdges) {
  const std::string text = normalise_text("watjhx tjh0372");
  EXPECT_FALSE(aliases().match_at(text, 2).has_value());
  auto m = aliases().match_at(text, 7);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(aliases().code(m->code), "TJH");
  EXPECT_EQ(m->end, 10u);
}

TEST(SpokenAliases, DisplayNameIsTheShortestChineseAlias) {
  EXPECT_EQ(aliases().display_name(*aliases().find_code("TJH")), "团结湖");
  EXPECT_EQ(aliases().display_name(*aliases().find_code("SLT")), "三里屯");
}

TEST(SpokenAliases, CodeOnlyInTheAliasesFileIsKnown) {
  AliasTable t;
  t.build({{"新区", "XQ"}}, {"TJH"});
  EXPECT_TRUE(t.find_code("XQ").has_value());
  EXPECT_TRUE(t.find_code("TJH").has_value());
  EXPECT_FALSE(t.find_code("ZZZ").has_value());
}

TEST(SpokenReadBack, ChineseUsesAreaNameAndRadioDigits) {
  EXPECT_EQ(read_back("TJH0372", "团结湖", Language::chinese), "团结湖 洞三拐两");
  EXPECT_EQ(read_back("TJH1905", "团结湖", Language::chinese), "团结湖 幺勾洞五");
  EXPECT_EQ(read_back("TJH0372", "", Language::chinese), "TJH 洞三拐两");
}

TEST(SpokenReadBack, EnglishUsesNatoLettersAndDigitWords) {
  EXPECT_EQ(read_back("TJH0372", "团结湖", Language::english), "tango juliett hotel zero three seven two");
  EXPECT_EQ(read_back("TJH0372", "团结湖", Language::neutral), "tango juliett hotel zero three seven two");
}

}  // namespace
}  // namespace poleloc::spoken
