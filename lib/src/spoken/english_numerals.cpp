#include "spoken/english_numerals.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <utility>

namespace poleloc::spoken {
namespace {

struct Word {
  std::string_view text;
  Numeral numeral;
};

constexpr Numeral num(NumeralKind k, int v, bool weak = false) {
  return {k, static_cast<std::uint8_t>(v), Script::english, weak};
}

constexpr auto kDigit = NumeralKind::digit;
constexpr auto kTeen = NumeralKind::teen;
constexpr auto kTens = NumeralKind::tens;

constexpr std::array kWords = {
    Word{"zero", num(kDigit, 0)},      Word{"oh", num(kDigit, 0, true)},   Word{"o", num(kDigit, 0, true)},
    Word{"nought", num(kDigit, 0)},    Word{"naught", num(kDigit, 0)},     Word{"one", num(kDigit, 1)},
    Word{"two", num(kDigit, 2)},       Word{"three", num(kDigit, 3)},      Word{"four", num(kDigit, 4)},
    Word{"five", num(kDigit, 5)},      Word{"six", num(kDigit, 6)},        Word{"seven", num(kDigit, 7)},
    Word{"eight", num(kDigit, 8)},     Word{"nine", num(kDigit, 9)},       Word{"niner", num(kDigit, 9)},
    Word{"fife", num(kDigit, 5)},      Word{"for", num(kDigit, 4, true)},  Word{"fore", num(kDigit, 4, true)},
    Word{"to", num(kDigit, 2, true)},  Word{"too", num(kDigit, 2, true)},  Word{"won", num(kDigit, 1, true)},
    Word{"ate", num(kDigit, 8, true)}, Word{"tree", num(kDigit, 3, true)}, Word{"ten", num(kTeen, 10)},
    Word{"eleven", num(kTeen, 11)},    Word{"twelve", num(kTeen, 12)},     Word{"thirteen", num(kTeen, 13)},
    Word{"fourteen", num(kTeen, 14)},  Word{"fifteen", num(kTeen, 15)},    Word{"sixteen", num(kTeen, 16)},
    Word{"seventeen", num(kTeen, 17)}, Word{"eighteen", num(kTeen, 18)},   Word{"nineteen", num(kTeen, 19)},
    Word{"twenty", num(kTens, 2)},     Word{"thirty", num(kTens, 3)},      Word{"forty", num(kTens, 4)},
    Word{"fourty", num(kTens, 4)},     Word{"fifty", num(kTens, 5)},       Word{"sixty", num(kTens, 6)},
    Word{"seventy", num(kTens, 7)},    Word{"eighty", num(kTens, 8)},      Word{"ninety", num(kTens, 9)},
    Word{"hundred", num(NumeralKind::multiplier, 2)},
    Word{"thousand", num(NumeralKind::multiplier, 3)},
    Word{"double", num(NumeralKind::repeat, 2)},
    Word{"triple", num(NumeralKind::repeat, 3)},
};

}  // namespace

std::optional<Numeral> english_numeral(std::string_view word) {
  if (word.empty() || word.size() > 9) return std::nullopt;
  for (const Word& w : kWords) {
    if (w.text == word) return w.numeral;
  }
  return std::nullopt;
}

bool is_english_numeral_glue(std::string_view word) { return word == "and"; }

std::string_view english_digit_word(int digit) {
  static constexpr std::string_view kNames[10] = {"zero", "one", "two",   "three", "four",
                                                  "five", "six", "seven", "eight", "nine"};
  return digit >= 0 && digit <= 9 ? kNames[digit] : std::string_view{};
}

std::optional<Numeral> teen_tens_partner(const Numeral& n) {
  if (n.kind == NumeralKind::teen && n.value >= 13) return num(kTens, n.value - 10);
  if (n.kind == NumeralKind::tens && n.value >= 3) return num(kTeen, n.value + 10);
  return std::nullopt;
}

bool parse_english_numerals(std::span<const Numeral> t, Digits& out) {
  out = Digits{};
  if (t.empty()) return false;
  bool has_multiplier = false;
  for (const Numeral& n : t) has_multiplier |= n.kind == NumeralKind::multiplier;

  if (has_multiplier) {
    // One cardinal: "three hundred seventy two", "fifteen hundred", "one thousand five".
    std::uint64_t total = 0, current = 0;
    int last_place = 99;  // the smallest place filled so far in `current`
    for (const Numeral& n : t) {
      switch (n.kind) {
        case NumeralKind::digit:
          if (last_place <= 0) return false;  // "seven two" inside a cardinal
          current += n.value;
          last_place = 0;
          break;
        case NumeralKind::teen:
          if (last_place <= 1) return false;
          current += n.value;
          last_place = 0;
          break;
        case NumeralKind::tens:
          if (last_place <= 1) return false;
          current += 10u * n.value;
          last_place = 1;
          break;
        case NumeralKind::multiplier:
          if (n.value == 2) {
            if (current >= 100) return false;
            current = (current == 0 ? 1 : current) * 100;
            last_place = 2;
          } else {
            if (total != 0) return false;
            total = (current == 0 ? 1 : current) * 1000;
            current = 0;
            last_place = 3;
          }
          break;
        case NumeralKind::repeat:
          return false;
      }
    }
    return out.append(std::to_string(total + current));
  }

  // Grouped: each word (or tens + unit pair) contributes its digits in order.
  for (std::size_t i = 0; i < t.size(); ++i) {
    const Numeral& n = t[i];
    switch (n.kind) {
      case NumeralKind::digit:
        if (!out.push_digit(n.value)) return false;
        break;
      case NumeralKind::teen:
        if (!out.push_digit(n.value / 10) || !out.push_digit(n.value % 10)) return false;
        break;
      case NumeralKind::tens:
        if (!out.push_digit(n.value)) return false;
        if (i + 1 < t.size() && t[i + 1].kind == NumeralKind::digit && t[i + 1].value != 0) {
          if (!out.push_digit(t[i + 1].value)) return false;
          ++i;
        } else if (!out.push('0')) {
          return false;
        }
        break;
      case NumeralKind::repeat:
        if (i + 1 >= t.size() || t[i + 1].kind != NumeralKind::digit) return false;
        for (int k = 0; k < n.value; ++k) {
          if (!out.push_digit(t[i + 1].value)) return false;
        }
        ++i;
        break;
      case NumeralKind::multiplier:
        return false;
    }
  }
  return !out.empty();
}

}  // namespace poleloc::spoken
