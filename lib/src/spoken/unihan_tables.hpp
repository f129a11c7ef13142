// unihan_tables.hpp: raw tables generated at build time from Debian's Unihan
// files (lib/tools/make_unihan_tables.py). Use spoken/pronunciation.hpp, not these.
#pragma once

#include <cstddef>
#include <cstdint>

namespace poleloc::spoken::unihan {

struct Range {
  char32_t first, last;
  const std::uint16_t* sets;  // per code point: index into kSetOffsets
};

extern const char* const kSyllables[];       // toneless pinyin, sorted
extern const std::size_t kSyllableCount;
extern const std::uint16_t kSetOffsets[];     // set k holds kSetSyllables[kSetOffsets[k] .. kSetOffsets[k+1])
extern const std::uint16_t kSetSyllables[];
extern const Range kRanges[];
extern const std::size_t kRangeCount;
extern const char32_t kTraditional[];         // sorted
extern const char32_t kSimplified[];          // kSimplified[i] is the Simplified form of kTraditional[i]
extern const std::size_t kTraditionalCount;

}  // namespace poleloc::spoken::unihan
