#include "spoken/gazetteer.hpp"

#include "spoken/chinese_numerals.hpp"
#include "spoken/pronunciation.hpp"
#include "spoken/spoken_text.hpp"
#include "two_halves.hpp"

#include <algorithm>
#include <array>

namespace poleloc::spoken {
namespace {

std::u32string code_points(std::string_view normalised) {
  std::u32string out;
  std::size_t i = 0;
  while (i < normalised.size()) {
    const char32_t c = decode_utf8(normalised, i);
    if (c != U' ') out.push_back(c);
  }
  return out;
}

bool is_cjk_char(char32_t c) { return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF); }

// At most two characters in three may be matched by sound (冬至门 for 东直门), one
// always as written; a two-character name one, when a word that follows a
// place name comes next (笼潭小区 for 龙潭).
std::size_t max_by_sound(std::size_t chars) { return chars < 2 ? 0 : chars == 2 ? 1 : std::max<std::size_t>(1, 2 * chars / 3); }

// The same numeral written two ways: 叁 and 三, 两 and 二.
bool same_numeral(char32_t a, char32_t b) {
  auto x = chinese_numeral(a), y = chinese_numeral(b);
  return x && y && x->kind == y->kind && x->value == y->value;
}

bool place_word_at(std::string_view text, std::size_t pos) {
  static constexpr std::array<std::string_view, 10> kWords = {"小区", "社区", "网格", "那边", "这边",
                                                              "附近", "门口", "一带", "家园", "街道"};
  while (pos < text.size() && text[pos] == ' ') ++pos;
  for (std::string_view w : kWords) {
    if (text.substr(pos, w.size()) == w) return true;
  }
  return false;
}

constexpr std::array<std::u32string_view, 9> kGridSuffixes = {U"社区居委会", U"社区网格", U"居委会", U"街区网格", U"小区网格",
                                                              U"网格",       U"社区",     U"小区",   U"街区"};
constexpr std::array<std::u32string_view, 14> kDirectionSuffixes = {U"东里", U"西里", U"南里", U"北里", U"东区",
                                                                    U"西区", U"南区", U"北区", U"一区", U"二区",
                                                                    U"东",   U"西",   U"南",   U"北"};

// A name that says only a direction or a kind of place (北里, 东区, 中路): a
// part of many names, no place of its own.
bool is_generic(std::u32string_view name) {
  static constexpr std::u32string_view kGeneric = U"东西南北中里区条路街巷院楼小新老";
  if (name.size() > 2) return false;
  return std::all_of(name.begin(), name.end(), [](char32_t c) { return kGeneric.find(c) != std::u32string_view::npos; });
}

// Keys of by_pair_: a character as written, a syllable, a numeral's value.
constexpr std::uint64_t kAsWritten = 0, kSyllable = 1ull << 30, kNumeral = 2ull << 30;
std::uint64_t pair_key(std::uint64_t first, std::uint64_t second) { return first << 32 | second; }
std::uint64_t numeral_key(const Numeral& n) {
  return kNumeral | static_cast<std::uint64_t>(n.kind) << 8 | n.value;
}
// The keys a second character `c` is found by: as written, by its syllables
// and by its numeral (叁 for 三, 两 for 二: same_numeral).
template <typename Visit>
void second_keys(char32_t c, bool by_sound, Visit&& visit) {
  visit(kAsWritten | c);
  if (by_sound) {
    for (std::uint16_t s : syllables(c)) visit(kSyllable | s);
  }
  if (auto n = chinese_numeral(c)) visit(numeral_key(*n));
}

// Keys of latin_: the first kLatinKeyLetters code points (a pinyin name has
// five or more), 16 bits each; 0 when there are fewer. By two, "charlie" met
// every name in chang, chao, chun ... (10,000 in a city of 80,000 street
// names): 1-1.7 ms for a code spelled in NATO words.
constexpr std::size_t kLatinKeyLetters = 4;
std::uint64_t latin_key(std::u32string_view letters) {
  if (letters.size() < kLatinKeyLetters) return 0;
  std::uint64_t key = 0;
  for (std::size_t n = 0; n < kLatinKeyLetters; ++n) key = key << 16 | (letters[n] & 0xFFFF);
  return key;
}
// The same of a text at `pos`, past the spaces between its letters (as try_entry reads it).
std::uint64_t latin_key(std::string_view text, std::size_t pos) {
  char32_t letters[kLatinKeyLetters];
  std::size_t n = 0;
  for (char32_t c; n < kLatinKeyLetters && (c = next_code_point(text, pos)) != 0;) letters[n++] = c;
  return latin_key(std::u32string_view(letters, n));
}

std::string to_utf8(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) append_utf8(out, c);
  return out;
}

bool ends_with(std::u32string_view s, std::u32string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string_view place_kind_name(PlaceKind kind) {
  switch (kind) {
    case PlaceKind::area: return "area";
    case PlaceKind::community: return "community";
    case PlaceKind::compound: return "compound";
    case PlaceKind::building: return "building";
    case PlaceKind::school: return "school";
    case PlaceKind::market: return "market";
    case PlaceKind::road: return "road";
    case PlaceKind::other: return "other";
  }
  return "other";
}

PlaceKind parse_place_kind(std::string_view text) {
  std::string s(text);
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  struct Word {
    std::string_view word;
    PlaceKind kind;
  };
  static constexpr std::array<Word, 22> kWords = {{{"community", PlaceKind::community}, {"社区", PlaceKind::community},
                                                   {"compound", PlaceKind::compound},   {"小区", PlaceKind::compound},
                                                   {"estate", PlaceKind::compound},     {"building", PlaceKind::building},
                                                   {"楼", PlaceKind::building},         {"大厦", PlaceKind::building},
                                                   {"school", PlaceKind::school},       {"学校", PlaceKind::school},
                                                   {"小学", PlaceKind::school},         {"中学", PlaceKind::school},
                                                   {"market", PlaceKind::market},       {"市场", PlaceKind::market},
                                                   {"商场", PlaceKind::market},         {"road", PlaceKind::road},
                                                   {"street", PlaceKind::road},         {"路", PlaceKind::road},
                                                   {"街", PlaceKind::road},             {"道路", PlaceKind::road},
                                                   {"area", PlaceKind::area},           {"grid", PlaceKind::community}}};
  for (const Word& w : kWords) {
    if (s == w.word) return w.kind;
  }
  return PlaceKind::other;
}

AreaPrefixes::AreaPrefixes(const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    std::u32string a = code_points(normalise_text(name));
    if (a.size() < 2) continue;
    lengths_.push_back(a.size());
    names_.insert(std::move(a));
  }
  std::sort(lengths_.begin(), lengths_.end(), std::greater<>{});
  lengths_.erase(std::unique(lengths_.begin(), lengths_.end()), lengths_.end());
}

std::size_t AreaPrefixes::longest_prefix(std::u32string_view core, std::size_t rest) const {
  for (const std::size_t n : lengths_) {
    if (core.size() >= n + rest && names_.find(core.substr(0, n)) != names_.end()) return n;
  }
  return 0;
}

std::vector<std::pair<std::string, std::uint8_t>> Gazetteer::names_from_grid_name(std::string_view grid_name,
                                                                                  const AreaPrefixes& areas) {
  std::vector<std::pair<std::string, std::uint8_t>> out;
  // A digit or 第 as written stays one after normalise_text (below): such
  // names, most of a numbered city's, are turned away before it.
  if (grid_name.find_first_of("0123456789") != std::string_view::npos ||
      grid_name.find("第") != std::string_view::npos) {
    return out;
  }
  std::u32string core = code_points(normalise_text(grid_name));
  for (char32_t c : core) {
    if ((c >= U'0' && c <= U'9') || c == U'第') return out;
  }
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (std::u32string_view s : kGridSuffixes) {
      if (ends_with(core, s) && core.size() > s.size() + 1) {
        core.resize(core.size() - s.size());
        stripped = true;
        break;
      }
    }
  }
  if (core.size() < 2 || !std::all_of(core.begin(), core.end(), is_cjk_char)) return out;
  auto add = [&](std::u32string_view name, std::uint8_t strength) {
    if (name.size() < 2) return;
    const std::string s = to_utf8(name);
    for (const auto& [n, _] : out) {
      if (n == s) return;
    }
    out.emplace_back(s, strength);
  };
  add(core, 0);
  // The part after the longest area name it starts with: 团结湖南北里 -> 南北里.
  std::u32string rest = core;
  if (const std::size_t area = areas.longest_prefix(core, 2); area != 0) {
    rest = core.substr(area);
    if (!is_generic(rest)) add(rest, 1);
  }
  // Without a trailing direction: 白家庄东里 -> 白家庄, 三四条北 -> 三四条.
  for (const std::u32string* base : {&core, &rest}) {
    for (std::u32string_view s : kDirectionSuffixes) {
      if (ends_with(*base, s) && base->size() >= s.size() + 2) {
        const std::u32string_view shorter = std::u32string_view(*base).substr(0, base->size() - s.size());
        if (!is_generic(shorter)) add(shorter, 2);
        break;
      }
    }
  }
  return out;
}

void Gazetteer::build(std::vector<Place> places) {
  places_.clear();
  entries_.clear();
  by_pair_.clear();
  abbreviations_.clear();
  latin_.clear();
  // The same name for several places: the strongest keeps it; equally strong
  // communities are merged into one place covering all their grids. by_key
  // views the entries' keys: a place adds three entries at most (its name,
  // the name as an abbreviation, its pinyin), so entries_ never moves below.
  places_.reserve(places.size());
  entries_.reserve(3 * places.size());
  std::unordered_map<std::u32string_view, std::uint32_t> by_key;
  by_key.reserve(2 * places.size());
  // Every name normalised, and spelled in pinyin (as an English-speaking
  // caller or a recogniser in pinyin mode says it: 水碓子 -> "shuiduizi",
  // spaces optional), on both cores: 100,000 names of streets and
  // communities took 0.2 s on one.
  std::vector<std::u32string> keys(places.size()), latins(places.size());
  in_two_halves(places.size(), 8192, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      keys[i] = code_points(normalise_text(places[i].name));
      for (char32_t c : keys[i]) {
        const std::string_view py = is_cjk_char(c) ? pinyin(c) : std::string_view{};
        if (py.empty()) {
          latins[i].clear();
          break;
        }
        latins[i].append(py.begin(), py.end());
      }
    }
  });
  for (std::size_t i = 0; i < places.size(); ++i) {
    Place& p = places[i];
    std::u32string& key = keys[i];
    if (key.size() < 2) continue;
    if (auto it = by_key.find(key); it != by_key.end()) {
      Place& q = places_[entries_[it->second].place];
      if (p.kind == PlaceKind::area || q.kind == PlaceKind::area) {
        if (q.kind != PlaceKind::area && p.kind == PlaceKind::area) q = std::move(p);  // an area's name is the area
        continue;
      }
      if (p.strength < q.strength) {
        q = std::move(p);
      } else if (p.strength == q.strength) {
        q.grids.insert(q.grids.end(), p.grids.begin(), p.grids.end());
        for (std::uint32_t c : p.codes) {
          if (std::find(q.codes.begin(), q.codes.end(), c) == q.codes.end()) q.codes.push_back(c);
        }
        if (!q.point) q.point = p.point, q.radius_m = p.radius_m;
      }
      continue;
    }
    const auto place = static_cast<std::uint32_t>(places_.size());
    const bool abbreviation = p.kind == PlaceKind::area && key.size() == 2 && is_cjk_char(key[0]) && is_cjk_char(key[1]);
    places_.push_back(std::move(p));
    const auto named = static_cast<std::uint32_t>(entries_.size());
    entries_.push_back({std::move(key), place, false});
    by_key.emplace(entries_[named].key, named);
    if (abbreviation) entries_.push_back({entries_[named].key, place, true});
    std::u32string& latin = latins[i];
    if (latin.size() >= 5 && !by_key.count(latin)) {
      latin.shrink_to_fit();  // grown by appending
      entries_.push_back({std::move(latin), place, false, true});
      by_key.emplace(entries_.back().key, static_cast<std::uint32_t>(entries_.size() - 1));
    }
  }
  by_key.clear();           // its views die with the room reserved for entries_
  entries_.shrink_to_fit();
  places_.shrink_to_fit();
  for (std::uint32_t e = 0; e < entries_.size(); ++e) {
    const Entry& entry = entries_[e];
    const char32_t first = entry.key[0], second = entry.key[1];
    if (entry.latin) {
      latin_[latin_key(entry.key)].push_back(e);
    } else if (entry.abbreviation) {
      abbreviations_[pair_key(first, second)].push_back(e);
    } else if (is_cjk_char(first)) {
      // Under each key once (a character may have a syllable twice, in two tones).
      auto add = [&](std::uint64_t key) {
        std::vector<std::uint32_t>& v = by_pair_[key];
        if (v.empty() || v.back() != e) v.push_back(e);
      };
      auto under_first = [&](std::uint64_t first_key) {
        second_keys(second, true, [&](std::uint64_t k) { add(pair_key(first_key, k)); });
      };
      under_first(kAsWritten | first);
      for (std::uint16_t s : syllables(first)) under_first(kSyllable | s);
    }
  }
}

void Gazetteer::add_candidates(std::uint64_t first_key, char32_t second, std::vector<std::uint32_t>& out) const {
  second_keys(second, is_cjk_char(second), [&](std::uint64_t k) {
    if (auto it = by_pair_.find(pair_key(first_key, k)); it != by_pair_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
    }
  });
}

std::size_t Gazetteer::memory_bytes() const {
  std::size_t bytes = sizeof(*this);
  for (const Place& p : places_) bytes += sizeof(p) + p.name.capacity() + 4 * (p.grids.capacity() + p.codes.capacity());
  for (const Entry& e : entries_) bytes += sizeof(e) + 4 * e.key.capacity();
  for (const auto* index : {&by_pair_, &abbreviations_, &latin_}) {
    for (const auto& [_, v] : *index) bytes += 48 + 4 * v.capacity();
  }
  return bytes;
}

std::optional<Gazetteer::Match> Gazetteer::try_entry(const Entry& e, std::string_view text, std::size_t pos) const {
  std::size_t t = pos;
  std::size_t sound = 0;
  if (e.abbreviation) {  // X?Y?: 北京大学 for 北大
    char32_t got[4];
    for (char32_t& g : got) {
      if (t >= text.size() || text[t] == ' ') return std::nullopt;
      g = decode_utf8(text, t);
      if (!is_cjk_char(g) || is_strong_numeral(g)) return std::nullopt;
    }
    if (got[0] != e.key[0] || got[2] != e.key[1]) return std::nullopt;
    return Match{e.place, t, 0, true};
  }
  std::size_t numeral_by_sound = 0;
  for (std::size_t j = 0; j < e.key.size(); ++j) {
    while (t < text.size() && text[t] == ' ' && j > 0) ++t;
    if (t >= text.size()) return std::nullopt;
    const char32_t got = decode_utf8(text, t);
    const char32_t want = e.key[j];
    if (got == want || same_numeral(got, want)) continue;
    if (!is_cjk_char(got) || !sounds_alike(got, want)) return std::nullopt;
    numeral_by_sound += is_strong_numeral(got);
    if (++sound > max_by_sound(e.key.size())) return std::nullopt;
  }
  // A numeral the caller said is taken by sound (十榴园 for 石榴园) only when
  // everything else of a name of three or more characters is as written.
  if (numeral_by_sound > 0 && (sound > 1 || e.key.size() < 3)) return std::nullopt;
  if (sound > 0 && e.key.size() == 2 && !place_word_at(text, t)) return std::nullopt;
  return Match{e.place, t, static_cast<std::uint8_t>(sound), false};
}

std::optional<Gazetteer::Match> Gazetteer::match_at(std::string_view text, std::size_t pos) const {
  if (pos >= text.size() || entries_.empty()) return std::nullopt;
  std::size_t i = pos;
  const char32_t first = decode_utf8(text, i);
  const std::size_t after_first = i;
  // Every name has two characters or more; after the first, try_entry skips spaces.
  const char32_t second = next_code_point(text, i);
  if (second == 0) return std::nullopt;
  if (first < 0x80) {  // pinyin names: at a word's start, ending at a word's end
    if (!is_ascii_letter(static_cast<char>(first)) || (pos > 0 && is_ascii_letter(text[pos - 1]))) return std::nullopt;
    std::optional<Match> best;
    if (auto it = latin_.find(latin_key(text, pos)); it != latin_.end()) {
      for (std::uint32_t e : it->second) {
        auto m = try_entry(entries_[e], text, pos);
        if (m && !(m->end < text.size() && is_ascii_letter(text[m->end])) && (!best || m->end > best->end)) best = m;
      }
    }
    return best;
  }
  if (!is_cjk_char(first)) return std::nullopt;
  std::optional<Match> best;
  auto consider = [&](std::uint32_t e) {
    auto m = try_entry(entries_[e], text, pos);
    if (!m) return;
    if (!best || m->end > best->end ||
        (m->end == best->end && (m->by_sound < best->by_sound ||
                                 (m->by_sound == best->by_sound && places_[m->place].strength < places_[best->place].strength)))) {
      best = m;
    } else if (m->end == best->end && m->by_sound == best->by_sound && m->place != best->place &&
               places_[m->place].strength == places_[best->place].strength &&
               (places_[m->place].code < 0 || places_[m->place].code != places_[best->place].code)) {
      if (!best->ambiguous) best->tie = static_cast<std::int32_t>(m->place);
      best->ambiguous = true;
    }
  };
  // The entries in the order of their index, as one list of every name with
  // this first character was (the first of equals stays best): those written
  // with it, then those said like it, one syllable after another.
  thread_local std::vector<std::uint32_t> candidates;
  auto consider_sorted = [&](bool skip_written) {
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    for (std::uint32_t e : candidates) {
      if (!skip_written || entries_[e].key[0] != first) consider(e);
    }
  };
  candidates.clear();
  add_candidates(kAsWritten | first, second, candidates);
  // X?Y? for XY (four characters, no space): the third is the abbreviation's second.
  if (!abbreviations_.empty() && text[after_first] != ' ') {
    std::size_t t = i;  // just past the second
    if (t < text.size() && text[t] != ' ') {
      if (auto it = abbreviations_.find(pair_key(first, decode_utf8(text, t))); it != abbreviations_.end()) {
        candidates.insert(candidates.end(), it->second.begin(), it->second.end());
      }
    }
  }
  consider_sorted(false);
  for (std::uint16_t s : syllables(first)) {
    candidates.clear();
    add_candidates(kSyllable | s, second, candidates);
    consider_sorted(true);
  }
  return best;
}

}  // namespace poleloc::spoken
