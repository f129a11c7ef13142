// spoken_text.hpp: the normal form of a caller's or recogniser's text.
//
// Every later step (alias matching, numeral lexicons) works on this form, so a
// full-width "ＴＪＨ０３７２", a pasted "tjh-0372" and a recogniser's
// "TJH 0 3 7 2" look alike:
//
//   std::string n = spoken::normalise_text("我在团结湖３７２号，TJH-0372！");
//   // "我在团结湖372号,tjh 0372"
//   spoken::has_cjk("团结湖 372");   // true: read back in Chinese
//
// The rules:
//   - full-width ASCII (U+FF01..U+FF5E) becomes ASCII; the ideographic space a space;
//   - ASCII letters become lower case;
//   - punctuation where a speaker pauses (，。、；：？！… — and their ASCII
//     forms) becomes one ','; any other punctuation (“”（）《》【】 and so on,
//     '-', '#', '.', '/', '_') and every kind of white space one space;
//   - a run of separators collapses to one (',' if any of them was a pause);
//     no leading or trailing separator;
//   - Traditional characters become Simplified (團結湖 -> 团结湖; Unihan's
//     kSimplifiedVariant, see pronunciation.hpp);
//   - everything else (CJK ideographs, 〇, other scripts) is kept as it is.
// Invalid UTF-8 bytes become spaces (resolve() rejects such texts earlier).
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace poleloc::spoken {

// Decodes the code point at text[i] and advances i past it. An invalid byte
// decodes as U+FFFD and advances by one.
char32_t decode_utf8(std::string_view text, std::size_t& i);

// The code point at text[i] or after the spaces there, i advanced past it; 0 at the end.
char32_t next_code_point(std::string_view text, std::size_t& i);

// Appends the UTF-8 encoding of `cp`.
void append_utf8(std::string& out, char32_t cp);

// The normal form described above.
std::string normalise_text(std::string_view text);

// True if `text` holds a CJK ideograph (or 〇): the caller spoke Chinese.
bool has_cjk(std::string_view text);

inline bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace poleloc::spoken
