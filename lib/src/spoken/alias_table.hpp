// alias_table.hpp: every way a caller names an area code, matched inside text.
//
//   AliasTable t;
//   t.build(aliases, area_codes);   // {"团结湖","TJH"}, {"团结湖街道","TJH"}, {"tuanjiehu","TJH"}; codes from the registry
//   std::string text = normalise_text("我在团结湖街道三七二号");
//   auto m = t.match_at(text, 6);   // the alias starting at byte 6
//   // m->code is TJH's index, m->end is just past "团结湖街道" (longest match wins
//   // over "团结湖"), m->alias == "团结湖街道"
//   t.code(m->code);                 // "TJH"
//   t.display_name(m->code);         // "团结湖": the shortest Chinese alias, for read-backs
//
// Ways to say a code, besides the aliases table: the code itself ("tjh",
// "TJH0372"), its letters spelled ("t j h", "T.J.H."), the NATO alphabet
// ("tango juliett hotel", mixed with plain letters: "t juliett h") and the
// letters' English names ("tee jay aitch").
// Matching is on normalise_text() output: lower case, single spaces. Spaces
// inside an alias are optional ("tuan jie hu" matches "tuanjiehu"). A Latin
// alias must start and end at a word edge ("tjh" matches in "tjh0372" but not
// in "watjhx"); a code that is also a common English word ("no", "a", "at")
// matches only when digits follow it directly. When no alias matches exactly,
// a Chinese alias of three or more characters matches with one character
// wrong (not the first, and never a numeral), flagged `misheard`.
//
// Serial widths: resolve() learns, per code, how many digits the registry's
// serials have (TJH0372: 4) and caches them here on first use. The cache is a
// set of atomics, so a shared, otherwise immutable table stays safe to query
// from many threads.
//
// Thread-safety: build() before sharing; every const member may then be
// called from any number of threads.
#pragma once

#include <poleloc/types.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace poleloc::spoken {

class AliasTable {
 public:
  AliasTable() = default;
  AliasTable(const AliasTable& other);
  AliasTable& operator=(const AliasTable& other);
  AliasTable(AliasTable&&) noexcept = default;
  AliasTable& operator=(AliasTable&&) noexcept = default;

  // Codes in `aliases` need not be in `area_codes` (an area with no poles yet);
  // aliases that normalise to nothing, or whose code is not letters, are skipped.
  void build(const std::vector<AliasRecord>& aliases, const std::vector<std::string_view>& area_codes);
  std::size_t memory_bytes() const;

  enum class MatchForm : std::uint8_t {
    alias,    // a name from the aliases table
    code,     // the code as letters: "tjh", "t j h"
    nato,     // spelled with NATO words or letter names
  };
  struct Match {
    std::uint32_t code = 0;  // index for code(), display_name()
    std::size_t end = 0;     // byte offset just past the match
    MatchForm form = MatchForm::alias;
    std::string_view alias;  // the alias as written in the table, or the code
    // One character of a Chinese alias of 3+ characters differs, not the first
    // and not a numeral: what recognisers make of homophones (团结胡 for 团结湖).
    bool misheard = false;
    // ... and that character does not sound like the alias's (the gazetteer
    // matches those by sound first): a guess among the aliases one character
    // away, never an exact match (寿秋友路 for 寿秋饮路 when the street is 寿秋银路).
    bool guessed = false;
    // When guessed: another area whose alias is as near (one character wrong,
    // the same length), offered beside this one; -1 when none.
    std::int32_t tie = -1;
    std::string_view tie_alias;
  };
  // The longest way to say a code that starts at byte `pos` of `normalised`.
  std::optional<Match> match_at(std::string_view normalised, std::size_t pos) const;

  std::size_t code_count() const { return codes_.size(); }
  std::string_view code(std::uint32_t index) const { return codes_[index]; }
  // Index of an upper-case code.
  std::optional<std::uint32_t> find_code(std::string_view code) const;
  // The shortest Chinese alias of the code, or empty when it has none.
  std::string_view display_name(std::uint32_t index) const;

  // Serial widths of the registry's numbers in one area (digits after the code).
  struct SerialWidths {
    std::uint8_t min = 0, max = 0;  // both 0: the area has no numbered poles
  };
  std::optional<SerialWidths> cached_serial_widths(std::uint32_t index) const;
  void cache_serial_widths(std::uint32_t index, SerialWidths widths) const;

 private:
  struct Entry {
    std::string key;        // normalised, spaces removed
    std::uint32_t code = 0;
    std::uint32_t alias = 0;  // index into names_
    MatchForm form = MatchForm::alias;
    bool latin = false;     // key starts with an ASCII letter: word edges apply
    bool stop_word = false; // also an everyday English word: needs digits right after
  };
  std::optional<Match> match_spelled(std::string_view text, std::size_t pos) const;
  // `first` and the two code points after it (past spaces; 0 where the text ends).
  std::optional<Match> match_misheard(std::string_view text, std::size_t pos, char32_t first, char32_t second,
                                      char32_t third) const;

  std::vector<std::string> codes_;           // sorted
  std::vector<std::string> names_;           // aliases as written
  std::vector<std::int32_t> display_;        // per code: index into names_, or -1
  std::vector<Entry> entries_;               // grouped by first code point, longest key first
  // The entries by their first two code points (the second 0 for a key of
  // one), and the Chinese aliases of three or more by their first and third
  // (one character misheard, the second): ascending indexes into entries_.
  // One list per first code point held thousands with 100,000 street-side
  // codes, each tried in turn (2026-12-07).
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> by_two_;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> by_first_and_third_;
  std::size_t max_code_length_ = 0;

  // Per code: bit 31 set when known, bits 0-7 min width, 8-15 max width.
  std::unique_ptr<std::atomic<std::uint32_t>[]> widths_;
};

}  // namespace poleloc::spoken
