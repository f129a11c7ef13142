#include "spoken/confusion.hpp"

#include <algorithm>
#include <array>

namespace poleloc::spoken {
namespace {

// Weights are the chance of the mistake relative to hearing the number right
// (fitted, with resolve's other constants, on tests/data/spoken_cases.tsv).
constexpr float kPlainSlip = 0.003f;
constexpr float kTeenTens = 0.06f;
constexpr float kTranspose = 0.015f;
constexpr float kExtraDigit = 0.006f;
constexpr float kExtraDoubled = 0.018f;
constexpr float kMissingDigit = 0.006f;
constexpr float kMissingDoubled = 0.018f;
// likely_only keeps mistakes at least this likely.
constexpr float kLikely = 0.009f;

struct Pair {
  char a, b;
  float weight;
  std::string_view why;
};

constexpr std::array<Pair, 5> kChinesePairs = {
    Pair{'1', '7', 0.09f, "yi/qi"}, Pair{'6', '9', 0.075f, "liu/jiu"}, Pair{'0', '6', 0.015f, "ling/liu"},
    Pair{'3', '4', 0.012f, "san/si"}, Pair{'5', '9', 0.012f, "wu/jiu"}};
constexpr std::array<Pair, 4> kEnglishPairs = {
    Pair{'5', '9', 0.06f, "five/nine"}, Pair{'4', '5', 0.018f, "four/five"}, Pair{'6', '7', 0.015f, "six/seven"},
    Pair{'1', '9', 0.012f, "one/nine"}};

template <std::size_t N>
const Pair* find_pair(const std::array<Pair, N>& pairs, char x, char y) {
  for (const Pair& p : pairs) {
    if ((p.a == x && p.b == y) || (p.a == y && p.b == x)) return &p;
  }
  return nullptr;
}

float pair_weight(char x, char y, Language language) {
  const Pair* zh = find_pair(kChinesePairs, x, y);
  const Pair* en = find_pair(kEnglishPairs, x, y);
  const float wzh = zh ? zh->weight : kPlainSlip;
  const float wen = en ? en->weight : kPlainSlip;
  switch (language) {
    case Language::chinese: return wzh;
    case Language::english: return wen;
    case Language::neutral: return 0.5f * (wzh + wen);
  }
  return kPlainSlip;
}

std::size_t stripped_length(const Digits& d) { return d.stripped().size(); }

}  // namespace

float substitution_weight(char heard, char meant, Language language) {
  if (heard == meant) return 1;
  return pair_weight(heard, meant, language);
}

void one_edit_variants(std::string_view heard, const ConfusionOptions& options, std::vector<Variant>& out) {
  const std::size_t n = heard.size();
  if (n == 0 || n > Digits::kMax) return;
  Digits base;
  base.append(heard);
  auto emit = [&](const Digits& d, Edit e) {
    if (d.empty() || stripped_length(d) > options.max_length) return;
    if (options.likely_only && e.weight < kLikely) return;
    out.push_back({d, e});
  };

  // Digit for digit.
  for (std::size_t i = 0; i < n; ++i) {
    for (char c = '0'; c <= '9'; ++c) {
      if (c == heard[i]) continue;
      if (i == 0 && c == '0' && n > 1) continue;  // the same as dropping the first digit
      Digits d = base;
      d.d[i] = c;
      emit(d, {EditKind::substitute, static_cast<std::uint8_t>(i), heard[i], c, pair_weight(heard[i], c, options.language)});
    }
  }
  // Teen for tens: "15" <-> "50", "13" <-> "30" (digits 3..9).
  const float teen_weight = options.language == Language::english ? kTeenTens
                            : options.language == Language::neutral ? 0.5f * (kTeenTens + kPlainSlip)
                                                                     : kPlainSlip;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const char x = heard[i], y = heard[i + 1];
    Digits d = base;
    if (x == '1' && y >= '3' && y <= '9') {  // heard fifteen, meant fifty
      d.d[i] = y;
      d.d[i + 1] = '0';
    } else if (x >= '3' && x <= '9' && y == '0') {  // heard fifty, meant fifteen
      d.d[i] = '1';
      d.d[i + 1] = x;
    } else {
      continue;
    }
    emit(d, {EditKind::teen_tens, static_cast<std::uint8_t>(i), x, y, teen_weight});
  }
  // Neighbours swapped.
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (heard[i] == heard[i + 1]) continue;
    Digits d = base;
    std::swap(d.d[i], d.d[i + 1]);
    emit(d, {EditKind::transpose, static_cast<std::uint8_t>(i), heard[i], heard[i + 1], kTranspose});
  }
  // A digit too many (heard[i] was not said).
  if (n > 1) {
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0 && heard[i] == heard[i - 1]) continue;  // same string as dropping heard[i-1]
      const bool doubled = (i + 1 < n && heard[i + 1] == heard[i]);
      Digits d;
      d.append(heard.substr(0, i));
      d.append(heard.substr(i + 1));
      emit(d, {EditKind::drop, static_cast<std::uint8_t>(i), heard[i], 0, doubled ? kExtraDoubled : kExtraDigit});
    }
  }
  // A digit missing (c was said before heard[i], or at the end when i == n).
  if (n < Digits::kMax) {
    for (std::size_t i = 0; i <= n; ++i) {
      for (char c = '0'; c <= '9'; ++c) {
        if (i > 0 && heard[i - 1] == c) continue;  // same string as inserting after the run
        if (i == 0 && c == '0') continue;          // only adds a leading zero
        const bool doubled = (i < n && heard[i] == c);
        Digits d;
        d.append(heard.substr(0, i));
        d.push(c);
        d.append(heard.substr(i));
        emit(d, {EditKind::insert, static_cast<std::uint8_t>(i), 0, c, doubled ? kMissingDoubled : kMissingDigit});
      }
    }
  }
}

std::string explain(const Edit& e) {
  std::string s;
  switch (e.kind) {
    case EditKind::none:
      return s;
    case EditKind::substitute: {
      s = std::string(1, e.from) + " may be " + std::string(1, e.to);
      const Pair* p = find_pair(kChinesePairs, e.from, e.to);
      if (!p) p = find_pair(kEnglishPairs, e.from, e.to);
      if (p) s += " (" + std::string(p->why) + ")";
      return s;
    }
    case EditKind::teen_tens: {
      static constexpr std::array<std::string_view, 10> kTeens = {"", "", "", "thirteen", "fourteen", "fifteen",
                                                                  "sixteen", "seventeen", "eighteen", "nineteen"};
      static constexpr std::array<std::string_view, 10> kTens = {"", "", "", "thirty", "forty", "fifty",
                                                                 "sixty", "seventy", "eighty", "ninety"};
      const bool heard_teen = e.from == '1';
      const int d = heard_teen ? e.to - '0' : e.from - '0';
      s = heard_teen ? "1" + std::string(1, e.to) + " may be " + std::string(1, e.to) + "0"
                     : std::string(1, e.from) + "0 may be 1" + std::string(1, e.from);
      s += " (" + std::string(heard_teen ? kTeens[d] : kTens[d]) + "/" + std::string(heard_teen ? kTens[d] : kTeens[d]) + ")";
      return s;
    }
    case EditKind::transpose:
      return std::string(1, e.from) + std::string(1, e.to) + " swapped";
    case EditKind::drop:
      return "extra " + std::string(1, e.from);
    case EditKind::insert:
      return "missing " + std::string(1, e.to);
  }
  return s;
}

}  // namespace poleloc::spoken
