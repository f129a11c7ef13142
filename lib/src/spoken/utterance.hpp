// utterance.hpp: which of the numbers in a caller's sentence is the pole's.
//
// Callers repeat, stutter and correct themselves, and say other numbers
// beside the pole's: building, unit and gate numbers, floors, times, counts,
// phone numbers. This pass looks at the whole sentence (tokens.hpp) and gives
// every stretch of numerals a role and a weight before it is read:
//
//   "七二一，七二一"               one number said twice: 721, confirmed
//   "三七……三七五"                 a stutter: 37 is the start of 375
//   "四零六，不对，四零九"         a correction: 409; 406 is taken back
//   "五二八……等一下我看清楚，五二三"  the same
//   "一一五，对，一一五"           a confirmation: 115
//   "团结湖三七二，不对，是水碓子的"  the area is corrected, the number kept
//   "我在团结湖8号楼下面，杆号六四二" 8 counts a building; 杆号 marks 642
//   "零三，七二"                   two stretches that may be one number: 0372
//                                  first, 03 and 72 as weaker readings
//
// A stretch taken back keeps a small weight, so that it can still appear as a
// lower candidate, never first.
//
// Thread-safety: pure function.
#pragma once

#include "spoken/tokens.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace poleloc::spoken {

// Weights of the roles (multiplied into a reading's prior).
inline constexpr float kRetracted = 0.02f;    // taken back by a correction
inline constexpr float kFragment = 0.03f;     // the start of the number said next
inline constexpr float kJoinedRepeat = 0.05f; // "七二一七二一" as one number, when it was said twice
inline constexpr float kSplitPart = 0.35f;    // one part of a number said in parts
inline constexpr float kUnmarked = 0.25f;     // another number, when a pole word marks one
inline constexpr float kCounted = 0.08f;      // followed by a unit: 7号楼, 三个人, 8点

struct Stretch {
  std::size_t first = 0, last = 0;  // token indexes, inclusive; numerals (and glue) only at the ends
  float weight = 1;
  bool retracted = false;
  bool fragment = false;
  bool repeated = false;    // said again, or confirmed
  bool pole_marked = false; // introduced by a pole word
  bool counted = false;     // followed by a unit
};

struct Utterance {
  std::vector<Stretch> stretches;  // in text order
  // An area or place said after the last correction with no number after it
  // (团结湖三七二，不对，是水碓子的): it replaces the area of the numbers before.
  std::optional<std::size_t> corrected_area;
  bool any_correction = false;
};

void analyse_utterance(const std::vector<Token>& tokens, const std::vector<Run>& runs, Utterance& out);

}  // namespace poleloc::spoken
