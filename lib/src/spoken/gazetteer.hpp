// gazetteer.hpp: the place names callers use, matched in text exactly or by sound.
//
// Residents name their community, compound, school or market, rarely the
// subdistrict whose code is painted on the pole. The gazetteer holds every
// such name with where it is, so that a place said before a number narrows the
// candidates to the poles in or near it:
//   - names made from the grids' names: "团结湖南北里社区网格" gives 团结湖南北里
//     and 南北里 (the part after an area's name), "白家庄东里社区网格" gives
//     白家庄东里 (and 白家庄 when no other place or area is called that);
//   - the places of places.csv (compounds, buildings, schools, markets, roads),
//     each a point with a radius that fits its kind, or a grid;
//   - the Chinese names of the areas (the aliases table), so that an area
//     name is matched by sound too, and a two-character alias also matches the
//     four-character name it abbreviates (XY for X?Y?, as 北大 for 北京大学);
//   - every name also in toneless pinyin, as English-speaking callers and
//     recognisers in pinyin mode say it ("shuiduizi", "shui dui zi").
// Matching is on normalise_text() output. At a position the longest name wins
// ("团结湖南北里" is the community, not the area 团结湖 it contains); a name
// also matches when characters are written with others of the same sound
// (谁碓子 for 水碓子, 拜家庄 for 白家庄, 湍结湖 for 团结湖: Mandarin readings
// from Unihan, tones ignored), at most one such character in three, never a
// numeral written where the name has another character; a two-character name
// only when 小区, 社区, 那边 or the like follows it (笼潭小区 for 龙潭).
//
//   Gazetteer g;
//   g.build({{.name = "水碓子", .kind = PlaceKind::community, .grids = {4}, .codes = {0}},
//            {.name = "团结湖", .kind = PlaceKind::area, .code = 0}});
//   auto m = g.match_at(normalise_text("谁碓子三七二"), 0);
//   // m->place == 0, m->by_sound == 1, g.place(m->place).name == "水碓子", m->end == 9
//
// Thread-safety: build() before sharing; const members from any thread.
#pragma once

#include <poleloc/types.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace poleloc::spoken {

enum class PlaceKind : std::uint8_t { area, community, compound, building, school, market, road, other };

// "community", "compound", ... ; parse_place_kind accepts these and a few Chinese words (小区, 学校, 市场, 路).
std::string_view place_kind_name(PlaceKind kind);
PlaceKind parse_place_kind(std::string_view text);

struct Place {
  std::string name;                 // as written
  PlaceKind kind = PlaceKind::other;
  std::int32_t code = -1;           // areas: the AliasTable code index
  std::vector<std::int32_t> grids;  // the grids it is or lies in (communities; places given by grid)
  std::optional<LonLat> point;      // places given by a point, WGS84
  double radius_m = 0;              // how far around `point` the place reaches
  std::vector<std::uint32_t> codes; // AliasTable code indexes of the poles in or near it, most poles first
  std::uint8_t strength = 0;        // 0: as given; 1: the part after an area name; 2: a shortened form
};

// The areas' Chinese names a grid's name may start with (团结湖街道, 团结湖),
// normalised once. A grid's name is then looked up a few times, once per
// distinct length of these names, however many areas there are: each name
// normalised again for every grid cost 1.4 s at 20,000 community grids and
// 150 area names, 41 s at 8,000 more (2026-12-07).
class AreaPrefixes {
 public:
  AreaPrefixes() = default;
  explicit AreaPrefixes(const std::vector<std::string>& names);
  // The length of the longest area name `core` (code points of normalised
  // text) starts with, leaving at least `rest` code points after it; 0: none.
  std::size_t longest_prefix(std::u32string_view core, std::size_t rest) const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::u32string_view s) const { return std::hash<std::u32string_view>{}(s); }
  };
  std::unordered_set<std::u32string, Hash, std::equal_to<>> names_;  // two code points or more
  std::vector<std::size_t> lengths_;                                   // their lengths, longest first
};

class Gazetteer {
 public:
  // Names that normalise to fewer than two characters are skipped.
  void build(std::vector<Place> places);

  struct Match {
    std::uint32_t place = 0;
    std::size_t end = 0;        // byte just past the match in the normalised text
    std::uint8_t by_sound = 0;  // characters matched by sound, not as written
    bool abbreviation = false;  // a two-character area alias matched as X?Y?
    // Another place's name matches as far, with as many characters by sound and
    // as strong (金化路 and 金花路 for "jin hua lu" heard as 金譁路): which one
    // was said is a guess.
    bool ambiguous = false;
    std::int32_t tie = -1;  // when ambiguous: the first other place tied (its index)
  };
  // The longest name at byte `pos` of `normalised`; among equally long ones,
  // the fewest characters by sound, then the strongest name.
  std::optional<Match> match_at(std::string_view normalised, std::size_t pos) const;

  std::size_t size() const { return places_.size(); }
  const Place& place(std::uint32_t i) const { return places_[i]; }
  std::size_t memory_bytes() const;

  // The names a grid's name gives (the core without 社区网格 / 网格 / 社区 ...,
  // then shortened forms), strongest first; empty for names with digits
  // ("东直门第12街区网格" names no place a caller would say).
  static std::vector<std::pair<std::string, std::uint8_t>> names_from_grid_name(std::string_view grid_name,
                                                                                const AreaPrefixes& areas);

 private:
  struct Entry {
    std::u32string key;  // code points, no spaces
    std::uint32_t place = 0;
    bool abbreviation = false;  // key is XY, matched as X?Y?
    bool latin = false;         // key is the name in toneless pinyin
  };
  std::optional<Match> try_entry(const Entry& e, std::string_view text, std::size_t pos) const;

  // The entries a text may match at a position, found by its first two
  // characters (a name matches only where both do, as written or by sound):
  // the candidates of one first character were thousands in a city of named
  // communities (2026-12-07: resolve p50 0.6 ms, p99 1.9 ms at 200,000 poles
  // and 20,000 community grids, most of it trying them one by one).
  void add_candidates(std::uint64_t first_key, char32_t second, std::vector<std::uint32_t>& out) const;

  std::vector<Place> places_;
  std::vector<Entry> entries_;
  // (first, second) keys of the Chinese names (pair_key): the first as
  // written or one of its syllables, the second as written, one of its
  // syllables or its numeral's value -> entries, ascending.
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> by_pair_;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> abbreviations_;  // (X, Y) -> entries of XY
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> latin_;  // first four letters -> pinyin entries
};

}  // namespace poleloc::spoken
