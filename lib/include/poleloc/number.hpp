// poleloc/number.hpp: the canonical form of a painted pole number.
//
// A number is painted in many forms: "TJH-0372", "tjh 0372", "ＴＪＨ０３７２",
// "#TJH0372", "TJH0372号". The canonical key keeps ASCII upper-case letters and
// digits only: "TJH0372". The area code is the leading run of letters ("TJH"),
// the serial the rest ("0372").
//
// ```cpp
// auto n = poleloc::canonical_number("tjh-0372号");       // "TJH0372"
// auto parts = poleloc::split_number("TJH0372");          // {"TJH", "0372"}
// auto none = poleloc::canonical_number("电线杆");        // nullopt: nothing left
// std::cout << n.value_or("?") << ' ' << none.has_value() << '\n';
// (void)parts;
// ```
//
// Accepted and dropped: ASCII/full-width spaces, '-', '_', '.', '/', a leading
// '#' or '＃' or "No." / "NO", a trailing '号'. Full-width letters and digits
// are folded to ASCII. Anything else (other letters, punctuation, CJK text)
// makes the form invalid, so a caller's sentence is never taken for a number:
// that is the job of resolve().
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace poleloc {

inline constexpr std::size_t kMaxNumberLength = 32;

// The canonical number, or nullopt if `printed` is not a printed pole number
// (empty, too long, or containing other characters).
std::optional<std::string> canonical_number(std::string_view printed);

// True if `s` is already canonical (non-empty, [A-Z0-9]+, not too long).
bool is_canonical_number(std::string_view s);

struct NumberParts {
  std::string_view area;    // leading letters, may be empty
  std::string_view serial;  // the rest, may be empty
};

// Splits a canonical number into area code and serial.
NumberParts split_number(std::string_view canonical);

}  // namespace poleloc
