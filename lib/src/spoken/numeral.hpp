// numeral.hpp: one spoken numeral word, and a digit string without allocation.
//
// The Chinese and English lexicons (chinese_numerals.hpp, english_numerals.hpp)
// turn a character or a word into a Numeral; readings.cpp strings Numerals
// into runs and parses each run into Digits.
//
//   Numeral n{NumeralKind::digit, 7, Script::radio};   // 拐
//   Digits d;
//   d.push('0'); d.push('3');                          // "03"
//   d.view();                                          // std::string_view "03"
//
// Thread-safety: plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace poleloc::spoken {

enum class NumeralKind : std::uint8_t {
  digit,       // value 0..9
  multiplier,  // value = power of ten: 十 1, 百 2, 千 3, 万 4; hundred 2, thousand 3
  teen,        // value 10..19 (English)
  tens,        // value 2..9 (English twenty..ninety)
  repeat,      // value 2 or 3 (English double / triple)
};

// How a numeral was said; a reading remembers the scripts it used.
enum class Script : std::uint8_t {
  arabic = 1,   // 0-9
  chinese = 2,  // 零〇一二三四五六七八九两 十百千万
  radio = 4,    // 幺 洞 拐 勾 两 (and what recognisers write for 幺: 腰 要 么)
  english = 8,  // zero, oh, one, ..., seventy, hundred, double
};

struct Numeral {
  NumeralKind kind = NumeralKind::digit;
  std::uint8_t value = 0;
  Script script = Script::arabic;
  // A weak numeral is also an everyday word (要 "want", "for", "to", "oh"): it is
  // a digit only next to other numerals, and then readings try it both ways.
  bool weak = false;
};

// Up to kMax decimal digits inline; push() refuses beyond that.
struct Digits {
  static constexpr std::size_t kMax = 20;
  char d[kMax] = {};
  std::uint8_t n = 0;

  bool push(char c) {
    if (n >= kMax) return false;
    d[n++] = c;
    return true;
  }
  bool push_digit(int v) { return push(static_cast<char>('0' + v)); }
  bool append(std::string_view s) {
    for (char c : s) {
      if (!push(c)) return false;
    }
    return true;
  }
  std::size_t size() const { return n; }
  bool empty() const { return n == 0; }
  std::string_view view() const { return {d, n}; }
  // The digits without leading zeros; "0" for an all-zero string.
  std::string_view stripped() const {
    std::size_t k = 0;
    while (k + 1 < n && d[k] == '0') ++k;
    return {d + k, static_cast<std::size_t>(n - k)};
  }
  friend bool operator==(const Digits& a, const Digits& b) { return a.view() == b.view(); }
};

}  // namespace poleloc::spoken
