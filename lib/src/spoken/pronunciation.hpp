// pronunciation.hpp: how a Chinese character sounds, and its Simplified form.
//
// A general speech recogniser writes a place name with other characters of the
// same sound (谁碓子 for 水碓子, 拜家庄 for 白家庄, 湍结湖 for 团结湖); a caller
// typing on a Hong Kong or Taiwan keyboard writes 團結湖. These tables, built at
// build time from Unihan (Debian's unicode-data: kMandarin plus the modern
// dictionaries kXHC1983 and kTGHZ2013, kSimplifiedVariant), let the gazetteer
// match names by sound and normalise_text() fold Traditional to Simplified.
//
//   spoken::sounds_alike(U'谁', U'水');   // true: shui (谁 also reads shei)
//   spoken::sounds_alike(U'白', U'百');   // true: bai (tones are ignored)
//   spoken::pinyin(U'湖');                 // "hu"
//   spoken::simplified(U'團');             // U'团'
//
// Only the CJK Unified Ideographs and Extension A are covered; other code
// points have no reading and map to themselves.
//
// Thread-safety: pure functions over constant tables.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace poleloc::spoken {

// Toneless readings of `c` (syllable ids, see syllable_name), empty when unknown.
std::span<const std::uint16_t> syllables(char32_t c);
std::string_view syllable_name(std::uint16_t id);

// The first (most common) toneless reading of `c`, or empty.
std::string_view pinyin(char32_t c);

// True when `a` and `b` share a reading (tones ignored); false when either has none.
bool sounds_alike(char32_t a, char32_t b);

// Simplified form of a Traditional character; any other code point unchanged.
char32_t simplified(char32_t c);

}  // namespace poleloc::spoken
