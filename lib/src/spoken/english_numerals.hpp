// english_numerals.hpp: English number words and how a run of them reads.
//
//   english_numeral("seventy");   // tens 7
//   english_numeral("oh");        // digit 0, weak ("oh, the pole says ...")
//   english_numeral("for");       // digit 4, weak: what recognisers write for "four"
//   Digits d;
//   parse_english_numerals(words_of("three seventy two"), d);          // "372"
//   parse_english_numerals(words_of("oh three seventy two"), d);       // "0372"
//   parse_english_numerals(words_of("double seven one"), d);           // "771"
//   parse_english_numerals(words_of("three hundred and seventy two"), d);  // "372"
//
// Words: zero oh o nought, one..nine (niner, fife), ten..nineteen,
// twenty..ninety, hundred, thousand, double, triple; weak homophones: for
// fore 4, to too 2, won 1, ate 8, tree 3.
// Grouped readings (no hundred/thousand): a teen is two digits, a tens word is
// its digit and the next unit word's digit (or 0 when none follows), every other
// word one digit, so "twelve oh five" is 1205. With hundred or thousand the run
// is read as one cardinal: "one thousand five" is 1005.
//
// Thread-safety: pure functions.
#pragma once

#include "spoken/numeral.hpp"

#include <optional>
#include <span>
#include <string_view>

namespace poleloc::spoken {

// `word` in lower case ASCII.
std::optional<Numeral> english_numeral(std::string_view word);

// "and" between number words ("three hundred and five") is glue, not a break.
bool is_english_numeral_glue(std::string_view word);

// The word for a digit: "zero" .. "nine".
std::string_view english_digit_word(int digit);

// The teen/tens partner a listener confuses it with: fifteen (15) <-> fifty (tens 5);
// nullopt for a numeral without one (twelve, twenty have none in practice).
std::optional<Numeral> teen_tens_partner(const Numeral& n);

// Reads a run of English numerals as described above; false if malformed
// ("double" not followed by a digit, "seven hundred six two").
bool parse_english_numerals(std::span<const Numeral> numerals, Digits& out);

}  // namespace poleloc::spoken
