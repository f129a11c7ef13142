// confusion.hpp: the mistakes between a painted number and what reaches us.
//
// A caller reads 372; a phone line and a recogniser turn it into 312 (七 qī
// heard as 一 yī). Given what was heard, one_edit_variants() lists every digit
// string one edit away, each with a weight: how likely that mistake is,
// relative to hearing the number right (weight 1).
//
//   std::vector<Variant> v;
//   one_edit_variants("312", {.language = Language::chinese}, v);
//   // ... {"372", substitute 1->7, 0.09}, {"362", a plain slip, 0.003}, {"132", transpose, 0.015},
//   //     {"12", drop, 0.006}, {"3112", insert (a doubled digit), 0.018}, ...
//   explain(v[0].edit);   // "1 may be 7 (yi/qi)"
//
// The model (heard -> meant), weights relative to hearing the number right:
//   digit for digit: 1<->7 yi/qi 0.09, 6<->9 liu/jiu 0.075 (Chinese); 5<->9
//     five/nine 0.06, 4<->5 four/five 0.018, 6<->7 six/seven 0.015 (English);
//     0<->6 ling/liu 0.015, 3<->4 san/si, 5<->9 wu/jiu 0.012 (Chinese);
//     any other digit 0.003;
//   teen for tens: "15"<->"50", "13"<->"30" ... 0.06 (English: fifteen/fifty);
//   two neighbours swapped 0.015;
//   a digit too many 0.006 (a doubled digit heard once more: 0.018);
//   a digit missing 0.006 (a doubled digit heard once: 0.018).
// likely_only keeps the mistakes of weight 0.009 and more.
// Language-neutral text (typed digits) gets the average of both tables.
// Word-level confusions are readings, not edits: 十/四 (shí/sì), 要/么/腰 for
// 幺, "for"/"to" for four/two, fifteen/fifty as words (see readings.hpp and
// kTokenConfusionWeight below).
//
// Thread-safety: pure functions.
#pragma once

#include "spoken/numeral.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace poleloc::spoken {

enum class Language : std::uint8_t { neutral, chinese, english };

// The prior of a reading that takes a word for its confusable partner
// (三十七 read as 三四七, "fifty" read as "fifteen").
inline constexpr float kTokenConfusionWeight = 0.06f;

enum class EditKind : std::uint8_t {
  none,
  substitute,  // pos: the digit in `heard`; from heard -> to meant
  teen_tens,   // pos: first of the two digits; "15" <-> "50"
  transpose,   // pos and pos+1 swapped
  drop,        // heard[pos] was not said
  insert,      // `to` was said before heard[pos] and lost
};

struct Edit {
  EditKind kind = EditKind::none;
  std::uint8_t pos = 0;
  char from = 0, to = 0;
  float weight = 1;
};

struct Variant {
  Digits digits;  // what may have been meant
  Edit edit;
};

struct ConfusionOptions {
  Language language = Language::neutral;
  // Likely confusions only (known pairs, teen/tens, transpositions, doubled
  // digits), skipping the plain slips of weight 0.01-0.02.
  bool likely_only = false;
  // Variants longer than this (after dropping leading zeros) are not made.
  std::size_t max_length = Digits::kMax;
};

// Appends the variants of `heard` (digits only) to `out`. A variant never
// equals `heard`; variants differing only in leading zeros may repeat.
void one_edit_variants(std::string_view heard, const ConfusionOptions& options, std::vector<Variant>& out);

// The weight of hearing digit `heard` when `meant` was said.
float substitution_weight(char heard, char meant, Language language);

// One short phrase: "1 may be 7 (yi/qi)", "15 may be 50 (fifteen/fifty)", "37 swapped",
// "extra 3", "missing 3".
std::string explain(const Edit& edit);

}  // namespace poleloc::spoken
