// readings.hpp: spoken or typed text -> the numbers it may name.
//
// A reading is one interpretation of the text as a pole number: an area code
// (or none), a digit string, whether leading zeros were said, how the digits
// were said, and a prior (how much to believe this reading over the others of
// the same text, best = 1).
//
//   AliasTable aliases;  aliases.build({{"团结湖", "TJH"}}, {"TJH", "HJL"});
//   ReadingSet set;
//   read_text("我在团结湖三七二号电线杆旁边，有人晕倒了", aliases, set);
//   const Reading& r = set.readings[0];
//   // r.area_code == "TJH", r.digits.view() == "372", r.leading_zeros_spoken == false,
//   // r.form == ReadingForm::chinese_digits, r.prior == 1,
//   // set.spoken(r) == "三七二" (the run of the normalised text it came from)
//   read_text("tango juliett hotel oh three seventy two", aliases, set);
//   // {TJH, "0372", leading zeros spoken, english_grouped}, {TJH, "372", english_grouped}
//
// What the text may hold (see chinese_numerals.hpp, english_numerals.hpp and
// alias_table.hpp for the words themselves):
//   - printed numbers in any form canonical_number() accepts, and the same
//     inside a sentence ("编号是TJH-0372");
//   - digits one by one (零三七二, 〇三七二, 0 3 7 2, mixed 3七2), radio digits
//     (洞三拐两), cardinals (三百七十二), English digit words, grouped readings
//     (three seventy-two), double/triple, teens and tens;
//   - an area: an alias, the code, its letters spelled or in NATO words;
//   - filler words that neither break nor start a number: 号 号杆 杆 杆号 杆子 电线杆
//     电杆 路灯 灯杆 编号 号码 的 是 第 (and the traditional 號 桿 電線桿 路燈 編號),
//     pole, number, no, nr, lamp, post, light, is, the, at, on;
//   - anything else, which separates numbers ("我在", "旁边", "有人晕倒了").
// The area of a run of numerals is the alias nearest before it (or after it when
// none is before); a reading without the area is kept with a lower prior, so a
// number said with the wrong area can still be found. Letters right before the
// digits that name no known area ("XYZ0372") make an `unknown_code` reading.
// Numbers that are something else weigh little: one followed by a unit or
// measure word (十米, 七十岁, 3号楼, "ten meters"), an emergency number (110,
// 119, 120, 122) not right after an area.
// Word confusions become readings of their own with prior
// kTokenConfusionWeight: 十/四, fifteen/fifty; weak words (要 么 腰 for to oh) at
// the edge of a run are read both as digits and as words.
//
// Thread-safety: pure functions; `aliases` is only read.
#pragma once

#include "spoken/alias_table.hpp"
#include "spoken/confusion.hpp"
#include "spoken/gazetteer.hpp"
#include "spoken/numeral.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace poleloc::spoken {

enum class ReadingForm : std::uint8_t {
  printed,           // the whole text is a printed number: TJH-0372, ＴＪＨ０３７２
  arabic_digits,     // 0372 inside other text
  chinese_digits,    // 零三七二
  radio_digits,      // 洞三拐两 (any radio digit)
  mixed_digits,      // 0三7二
  chinese_cardinal,  // 三百七十二
  english_digits,    // zero three seven two
  english_grouped,   // three seventy two
  english_cardinal,  // three hundred seventy two
};

enum class ReadingNote : std::uint8_t {
  none,
  weak_digit,  // 要/么/腰 taken for 幺, "for" for four, "to" for two, "oh" for zero
  si_shi,      // 十 taken for 四 or 四 for 十
  teen_tens,   // fifteen taken for fifty or the other way
};

enum class AreaSource : std::uint8_t {
  none,            // no area in the text
  said,            // an alias right before (or after) the number
  said_elsewhere,  // an alias elsewhere in the text
  unknown_code,    // letters before the digits that name no known area
  unknown_place,   // a Chinese place name before the digits that is no alias (呼家楼三七二)
  place,           // no area said, but a place (gazetteer.hpp): the areas of its poles
};

struct Reading {
  std::int32_t area = -1;       // AliasTable code index, -1 when none
  std::string_view area_code;   // the code (empty when none); points into the AliasTable
  std::string_view alias;       // how the area was said, as in the aliases table
  bool alias_misheard = false;  // the text had the alias with one character wrong
  bool alias_guessed = false;   // ... and not by sound: a guess, never exact (AliasTable::Match::guessed)
  AreaSource area_source = AreaSource::none;
  // The area said for these digits even when this reading sets it aside
  // (area == -1 with said_area >= 0: "maybe the caller named the wrong area").
  std::int32_t said_area = -1;
  char unknown_code[8] = {};    // the letters, upper case, when area_source == unknown_code
  Digits digits;                // as read, leading zeros kept
  bool leading_zeros_spoken = false;
  ReadingForm form = ReadingForm::arabic_digits;
  ReadingNote note = ReadingNote::none;
  float prior = 1;
  float raw_prior = 1;  // before scaling the best reading to 1: how much like a pole number it sounds at all
  std::uint16_t begin = 0, end = 0;  // bytes of the normalised text the digits came from
  std::uint16_t area_begin = 0, area_end = 0;  // ... and the area (or unknown place), when one was said
  bool alias_abbreviation = false;  // a two-character alias said as the long name it abbreviates
  // The place said (Gazetteer index, -1 when none), how many of its characters
  // were heard by sound only, and where it is in the normalised text.
  std::int32_t place = -1;
  std::uint8_t place_by_sound = 0;
  std::uint16_t place_begin = 0, place_end = 0;
  bool retracted = false;    // taken back by a correction, or the start of a stutter
  bool counted = false;      // followed by a unit: 7号楼, 三个人
  bool pole_marked = false;  // introduced by a pole word: 杆号, 编号
  bool repeated = false;     // said twice
  // Read with a word that is also an area code taken as a word left out of the
  // number ("No. 170" beside the code reading NO170, "for" in "FOR一五五"): no
  // pole of its own where the code reading has one, since a caller who means
  // the word seldom says a code.
  bool word_not_code = false;
  // Read from a printed number whose letters are an area code that is also a
  // word ("TWO339", "NO-299"), with the letters taken as the word (2339, 299):
  // a guess, never exact, since the letters stand where a plate has its code.
  bool printed_code_as_word = false;
  // Read with a code word taken as a digit of the number ("six two three three"
  // as 6233, no area said, beside SIX233): one hypothesis, whatever the number of
  // areas holding the digits.
  bool code_word_as_digit = false;
};

struct ReadingSet {
  std::string normalised;          // normalise_text(text)
  bool heard_number = false;       // some numeral was said
  float best_raw_prior = 0;        // the best reading's prior before scaling (a lone 一 in 一闪一闪: ~0.1)
  bool any_correction = false;     // the caller corrected themselves
  std::vector<std::int32_t> places_said;  // Gazetteer indexes of the places in the text, in order
  std::vector<std::pair<std::uint16_t, std::uint16_t>> retracted;  // spans of numbers taken back
  Language language = Language::neutral;  // Chinese if the text has CJK, English if it has number words
  std::vector<Reading> readings;   // best prior first, at most kMaxReadings
  std::string_view spoken(const Reading& r) const { return std::string_view(normalised).substr(r.begin, r.end - r.begin); }
  std::string_view spoken_area(const Reading& r) const {
    return std::string_view(normalised).substr(r.area_begin, r.area_end - r.area_begin);
  }
  std::string_view spoken_place(const Reading& r) const {
    return std::string_view(normalised).substr(r.place_begin, r.place_end - r.place_begin);
  }
  std::string_view span(std::pair<std::uint16_t, std::uint16_t> s) const {
    return std::string_view(normalised).substr(s.first, s.second - s.first);
  }
};

inline constexpr std::size_t kMaxReadings = 16;
// A word that is an area code and a number word (ONE, SIX, OH): the reading as
// a number word weighs this much beside the reading as the code (tokens.hpp, CodeWords).
inline constexpr float kCodeWordAsNumeral = 0.5f;
// ... and this much more (a tenth) in a printed number ("SIX233", "six 233"),
// where letters before digits are what a plate shows as its code.
inline constexpr float kPrintedCodeAsWord = 0.1f;

// Fills `out` (reusing its storage). No reading when the text holds no numeral.
void read_text(std::string_view text, const AliasTable& aliases, const Gazetteer& gazetteer, ReadingSet& out);
// The same with no places.
void read_text(std::string_view text, const AliasTable& aliases, ReadingSet& out);

// Short name of a form, for reasons: "digits one by one", "cardinal", "radio digits", ...
std::string_view describe(ReadingForm form);

}  // namespace poleloc::spoken
