#include "spoken/pronunciation.hpp"

#include "spoken/unihan_tables.hpp"

#include <algorithm>

namespace poleloc::spoken {

std::span<const std::uint16_t> syllables(char32_t c) {
  for (std::size_t r = 0; r < unihan::kRangeCount; ++r) {
    const unihan::Range& range = unihan::kRanges[r];
    if (c < range.first || c > range.last) continue;
    const std::uint16_t set = range.sets[c - range.first];
    return {unihan::kSetSyllables + unihan::kSetOffsets[set],
            static_cast<std::size_t>(unihan::kSetOffsets[set + 1] - unihan::kSetOffsets[set])};
  }
  return {};
}

std::string_view syllable_name(std::uint16_t id) {
  return id < unihan::kSyllableCount ? std::string_view(unihan::kSyllables[id]) : std::string_view{};
}

std::string_view pinyin(char32_t c) {
  const auto s = syllables(c);
  return s.empty() ? std::string_view{} : syllable_name(s[0]);
}

bool sounds_alike(char32_t a, char32_t b) {
  if (a == b) return !syllables(a).empty();
  const auto sa = syllables(a), sb = syllables(b);
  for (std::uint16_t x : sa) {
    if (std::find(sb.begin(), sb.end(), x) != sb.end()) return true;
  }
  return false;
}

char32_t simplified(char32_t c) {
  if (c < 0x3400) return c;
  const char32_t* end = unihan::kTraditional + unihan::kTraditionalCount;
  const char32_t* it = std::lower_bound(unihan::kTraditional, end, c);
  return (it != end && *it == c) ? unihan::kSimplified[it - unihan::kTraditional] : c;
}

}  // namespace poleloc::spoken
