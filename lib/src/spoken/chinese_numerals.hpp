// chinese_numerals.hpp: Chinese numeral characters and cardinal numbers.
//
//   chinese_numeral(U'拐');          // digit 7, Script::radio
//   chinese_numeral(U'百');          // multiplier 10^2
//   chinese_numeral(U'要');          // digit 1, radio, weak (also means "want")
//   Digits d;
//   parse_chinese_cardinal(numerals_of("三百七十二"), d);   // true, d == "372"
//   parse_chinese_cardinal(numerals_of("三七二"), d);       // false: no multiplier, read digit by digit
//
// Characters: 零 〇 0, 一 壹 1, 二 贰 两 2, 三 叁 3, 四 肆 4, 五 伍 5, 六 陆 6, 七 柒 7,
// 八 捌 8, 九 玖 9; multipliers 十 拾, 百 佰, 千 仟, 万; dispatch radio digits
// 幺 1, 洞 0, 拐 7, 勾 (钩) 9, 两 2, and what recognisers write for them, all
// weak because they are everyday words too: 腰 要 么 妖 邀 (幺), 栋 动 冻 (洞),
// 怪 乖 (拐), 沟 狗 (勾). Traditional forms: 兩 貳 陸 萬.
//
// Cardinals: 十五 15, 三百七十二 372, 一千零五 1005, 两百零三 203, 两千 2000,
// 三百七 370 and 三千二 3200 (the colloquial short forms), 一万二千 12000.
// A digit directly after a digit (三十七二) is not a cardinal.
//
// Thread-safety: pure functions.
#pragma once

#include "spoken/numeral.hpp"

#include <optional>
#include <span>

namespace poleloc::spoken {

std::optional<Numeral> chinese_numeral(char32_t c);

// A Chinese numeral that is no everyday word (not 要, 栋, 怪 ...): said as a
// digit, it stays a digit.
bool is_strong_numeral(char32_t c);

// The plain Chinese digit: 零 一 二 三 四 五 六 七 八 九 (UTF-8).
std::string_view chinese_digit(int digit);

// The radio word for a digit: 洞 幺 两 三 四 五 六 拐 八 勾 (UTF-8).
std::string_view radio_digit(int digit);

// Parses digits and multipliers as one cardinal number. Needs at least one
// multiplier; false when the sequence is not a well-formed cardinal.
bool parse_chinese_cardinal(std::span<const Numeral> numerals, Digits& out);

}  // namespace poleloc::spoken
