#include "spoken/alias_table.hpp"

#include "spoken/chinese_numerals.hpp"
#include "spoken/english_numerals.hpp"
#include "spoken/nato_alphabet.hpp"
#include "spoken/spoken_text.hpp"

#include <algorithm>
#include <array>

namespace poleloc::spoken {
namespace {

constexpr std::uint32_t kKnown = 1u << 31;
constexpr std::size_t kMaxSpelledLetters = 8;

bool is_code(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// Short English words that may also be an area code; as a code they must be
// followed directly by digits ("at0372"), never by a space.
bool is_stop_word(std::string_view key) {
  static constexpr std::array<std::string_view, 40> kWords = {
      "a",  "i",  "at", "on", "in", "to", "no", "is", "it", "be",  "me",  "my",  "we",  "he",
      "go", "do", "so", "up", "us", "or", "an", "as", "by", "if",  "of",  "oh",  "o",   "the",
      "and", "for", "not", "ok", "hi", "am", "pm", "are", "was", "has", "her", "his"};
  return std::find(kWords.begin(), kWords.end(), key) != kWords.end();
}

std::string without_spaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c != ' ') out.push_back(c);
  }
  return out;
}

char32_t first_code_point(std::string_view s) {
  std::size_t i = 0;
  return s.empty() ? 0 : decode_utf8(s, i);
}

std::uint64_t two_key(char32_t a, char32_t b) { return std::uint64_t{a} << 32 | b; }

bool is_letter_at(std::string_view text, std::size_t i) { return i < text.size() && is_ascii_letter(text[i]); }

// A digit right at `i`: ASCII ("no170") or a Chinese numeral that is no word ("NO零四六").
bool numeral_glued_at(std::string_view text, std::size_t i) {
  if (i >= text.size()) return false;
  return is_ascii_digit(text[i]) || is_strong_numeral(decode_utf8(text, i));
}

// The word (run of ASCII letters) starting at `pos`.
std::string_view word_at(std::string_view text, std::size_t pos) {
  std::size_t e = pos;
  while (e < text.size() && is_ascii_letter(text[e])) ++e;
  return text.substr(pos, e - pos);
}

}  // namespace

AliasTable::AliasTable(const AliasTable& other)
    : codes_(other.codes_),
      names_(other.names_),
      display_(other.display_),
      entries_(other.entries_),
      by_two_(other.by_two_),
      by_first_and_third_(other.by_first_and_third_),
      max_code_length_(other.max_code_length_) {
  if (other.widths_) {
    widths_ = std::make_unique<std::atomic<std::uint32_t>[]>(codes_.size());
    for (std::size_t i = 0; i < codes_.size(); ++i) widths_[i].store(other.widths_[i].load());
  }
}

AliasTable& AliasTable::operator=(const AliasTable& other) {
  if (this != &other) *this = AliasTable(other);
  return *this;
}

void AliasTable::build(const std::vector<AliasRecord>& aliases, const std::vector<std::string_view>& area_codes) {
  codes_.clear();
  names_.clear();
  entries_.clear();
  by_two_.clear();
  by_first_and_third_.clear();
  for (std::string_view c : area_codes) {
    if (is_code(c)) codes_.emplace_back(c);
  }
  for (const AliasRecord& a : aliases) {
    if (is_code(a.code)) codes_.push_back(a.code);
  }
  std::sort(codes_.begin(), codes_.end());
  codes_.erase(std::unique(codes_.begin(), codes_.end()), codes_.end());
  max_code_length_ = 0;
  for (const auto& c : codes_) max_code_length_ = std::max(max_code_length_, c.size());

  // The codes themselves, in lower case.
  for (std::uint32_t i = 0; i < codes_.size(); ++i) {
    Entry e;
    e.key = codes_[i];
    std::transform(e.key.begin(), e.key.end(), e.key.begin(), [](char c) { return static_cast<char>(c - 'A' + 'a'); });
    e.code = i;
    e.alias = static_cast<std::uint32_t>(names_.size());
    e.form = MatchForm::code;
    e.latin = true;
    e.stop_word = is_stop_word(e.key);
    names_.push_back(codes_[i]);
    entries_.push_back(std::move(e));
  }
  display_.assign(codes_.size(), -1);
  for (const AliasRecord& a : aliases) {
    auto code = find_code(a.code);
    if (!code) continue;
    std::string key = without_spaces(normalise_text(a.alias));
    if (key.empty()) continue;
    Entry e;
    e.key = std::move(key);
    e.code = *code;
    e.alias = static_cast<std::uint32_t>(names_.size());
    e.form = MatchForm::alias;
    e.latin = is_ascii_letter(e.key[0]);
    e.stop_word = e.latin && is_stop_word(e.key);
    names_.push_back(a.alias);
    if (has_cjk(a.alias)) {
      auto& d = display_[*code];
      if (d < 0 || a.alias.size() < names_[static_cast<std::size_t>(d)].size()) d = static_cast<std::int32_t>(e.alias);
    }
    entries_.push_back(std::move(e));
  }
  // Group by first code point, longest key first; drop exact duplicates.
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& x, const Entry& y) {
    const char32_t fx = first_code_point(x.key), fy = first_code_point(y.key);
    if (fx != fy) return fx < fy;
    return x.key.size() > y.key.size();
  });
  entries_.erase(std::unique(entries_.begin(), entries_.end(),
                             [](const Entry& x, const Entry& y) { return x.key == y.key && x.code == y.code; }),
                 entries_.end());
  for (std::uint32_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    std::size_t at = 0;
    const char32_t first = next_code_point(e.key, at), second = next_code_point(e.key, at);
    const char32_t third = next_code_point(e.key, at);
    by_two_[two_key(first, second)].push_back(i);
    if (third != 0 && !e.latin && e.form == MatchForm::alias) by_first_and_third_[two_key(first, third)].push_back(i);
  }
  widths_ = std::make_unique<std::atomic<std::uint32_t>[]>(codes_.size());
  for (std::size_t i = 0; i < codes_.size(); ++i) widths_[i].store(0);
}

std::size_t AliasTable::memory_bytes() const {
  std::size_t bytes = sizeof(*this);
  for (const auto& c : codes_) bytes += sizeof(c) + c.capacity();
  for (const auto& n : names_) bytes += sizeof(n) + n.capacity();
  for (const auto& e : entries_) bytes += sizeof(e) + e.key.capacity();
  bytes += display_.capacity() * sizeof(std::int32_t);
  for (const auto* index : {&by_two_, &by_first_and_third_}) {
    for (const auto& [_, v] : *index) bytes += sizeof(std::uint64_t) + sizeof(v) + 2 * sizeof(void*) + 4 * v.capacity();
    bytes += index->bucket_count() * sizeof(void*);
  }
  bytes += codes_.size() * sizeof(std::atomic<std::uint32_t>);
  return bytes;
}

std::optional<std::uint32_t> AliasTable::find_code(std::string_view code) const {
  auto it = std::lower_bound(codes_.begin(), codes_.end(), code,
                             [](const std::string& a, std::string_view b) { return std::string_view(a) < b; });
  if (it == codes_.end() || *it != code) return std::nullopt;
  return static_cast<std::uint32_t>(it - codes_.begin());
}

std::string_view AliasTable::display_name(std::uint32_t index) const {
  if (index >= display_.size() || display_[index] < 0) return {};
  return names_[static_cast<std::size_t>(display_[index])];
}

std::optional<AliasTable::SerialWidths> AliasTable::cached_serial_widths(std::uint32_t index) const {
  if (!widths_ || index >= codes_.size()) return std::nullopt;
  const std::uint32_t v = widths_[index].load(std::memory_order_acquire);
  if (!(v & kKnown)) return std::nullopt;
  return SerialWidths{static_cast<std::uint8_t>(v & 0xFF), static_cast<std::uint8_t>((v >> 8) & 0xFF)};
}

void AliasTable::cache_serial_widths(std::uint32_t index, SerialWidths w) const {
  if (!widths_ || index >= codes_.size()) return;
  widths_[index].store(kKnown | w.min | (static_cast<std::uint32_t>(w.max) << 8), std::memory_order_release);
}

std::optional<AliasTable::Match> AliasTable::match_at(std::string_view text, std::size_t pos) const {
  if (pos >= text.size() || text[pos] == ' ') return std::nullopt;
  const bool latin_start = is_ascii_letter(text[pos]);
  if (latin_start && pos > 0 && is_letter_at(text, pos - 1)) return std::nullopt;  // inside a word

  std::optional<Match> best;
  std::size_t i = pos;
  const char32_t first = decode_utf8(text, i);
  const char32_t second = next_code_point(text, i), third = next_code_point(text, i);
  // The keys of two code points or more that go on as the text does, then those of one (the shortest, last).
  std::array<const std::vector<std::uint32_t>*, 2> lists{nullptr, nullptr};
  if (second != 0) {
    if (auto it = by_two_.find(two_key(first, second)); it != by_two_.end()) lists[0] = &it->second;
  }
  if (auto it = by_two_.find(two_key(first, 0)); it != by_two_.end()) lists[1] = &it->second;
  for (const std::vector<std::uint32_t>* list : lists) {
    for (std::size_t n = 0; list && n < list->size() && !best; ++n) {
      const Entry& e = entries_[(*list)[n]];
      std::size_t t = pos;
      std::size_t j = 0;
      while (j < e.key.size() && t < text.size()) {
        if (text[t] == e.key[j]) {
          ++t;
          ++j;
        } else if (text[t] == ' ' && j > 0) {
          ++t;
        } else {
          break;
        }
      }
      if (j != e.key.size()) continue;
      if (e.latin && is_letter_at(text, t)) continue;  // "tjhx"
      if (e.stop_word && !numeral_glued_at(text, t)) continue;
      best = Match{e.code, t, e.form, names_[e.alias]};
    }
  }
  if (!best && !latin_start) best = match_misheard(text, pos, first, second, third);
  if (latin_start) {
    if (auto spelled = match_spelled(text, pos); spelled && (!best || spelled->end > best->end)) best = spelled;
  }
  return best;
}

std::optional<AliasTable::Match> AliasTable::match_misheard(std::string_view text, std::size_t pos, char32_t first,
                                                           char32_t second, char32_t third) const {
  // One character wrong, never the first: the second as said, or the third.
  if (second == 0 || third == 0) return std::nullopt;
  const std::vector<std::uint32_t>* lists[2] = {nullptr, nullptr};
  if (auto it = by_two_.find(two_key(first, second)); it != by_two_.end()) lists[0] = &it->second;
  if (auto it = by_first_and_third_.find(two_key(first, third)); it != by_first_and_third_.end()) {
    lists[1] = &it->second;
  }
  static const std::vector<std::uint32_t> kNone;
  const std::vector<std::uint32_t>& a = lists[0] ? *lists[0] : kNone;
  const std::vector<std::uint32_t>& b = lists[1] ? *lists[1] : kNone;
  std::optional<Match> found;
  // Both lists merged in the order of entries_ (longest key first), each entry once.
  for (std::size_t ia = 0, ib = 0; ia < a.size() || ib < b.size();) {
    std::uint32_t k;
    if (ib == b.size() || (ia < a.size() && a[ia] < b[ib])) {
      k = a[ia++];
    } else {
      k = b[ib++];
      if (ia < a.size() && a[ia] == k) ++ia;
    }
    const Entry& e = entries_[k];
    if (found && e.code == found->code) continue;
    if (e.latin || e.form != MatchForm::alias) continue;
    std::size_t t = pos, j = 0, chars = 0, wrong = 0;
    bool stopped = false;  // on a character that may not differ (the first, a numeral, not CJK)
    while (j < e.key.size() && t < text.size() && wrong <= 1) {
      if (text[t] == ' ') {
        ++t;
        continue;
      }
      const char32_t want = decode_utf8(e.key, j);
      const char32_t got = decode_utf8(text, t);
      if (got != want) {
        if (chars == 0 || got < 0x3400 || chinese_numeral(got)) {
          stopped = true;  // j has moved past the last character: not a match ("金花路零" is not 金花胡同)
          break;
        }
        ++wrong;
      }
      ++chars;
    }
    if (stopped || j != e.key.size() || chars < 3 || wrong != 1) continue;
    if (!found) {
      found = Match{e.code, t, e.form, names_[e.alias], true, true};
    } else if (t == found->end) {
      // As far from another area's name (寿秋吧路: 寿秋银路 and 寿秋友路): both are guesses.
      found->tie = static_cast<std::int32_t>(e.code);
      found->tie_alias = names_[e.alias];
      break;
    }
  }
  return found;
}

namespace {

// After `end` (past spaces) comes a digit or an English number word.
bool number_follows(std::string_view text, std::size_t end) {
  while (end < text.size() && text[end] == ' ') ++end;
  if (end >= text.size()) return false;
  if (is_ascii_digit(text[end])) return true;
  return english_numeral(word_at(text, end)).has_value();
}

}  // namespace

// Letters said one by one, each a single letter, a NATO word or a letter's name, at least one word.
std::optional<AliasTable::Match> AliasTable::match_spelled(std::string_view text, std::size_t pos) const {
  std::string letters;
  std::size_t t = pos;
  bool any_nato = false;
  std::optional<Match> best;
  while (t < text.size() && letters.size() < std::min(max_code_length_, kMaxSpelledLetters)) {
    std::string_view w = word_at(text, t);
    if (w.empty()) break;
    std::size_t end = t + w.size();
    char letter = 0;
    if (w.size() == 1) {
      letter = static_cast<char>(w[0] - 'a' + 'A');
      // "x ray" is how "x-ray" arrives after normalisation.
      if (w[0] == 'x' && text.substr(end, 4) == " ray" && !is_letter_at(text, end + 4)) {
        end += 4;
        any_nato = true;
      }
    } else if ((letter = nato_letter(w)) != 0 || (letter = letter_name(w)) != 0) {
      any_nato = true;
    } else if (w == "double" && end + 1 < text.size() && text[end] == ' ' &&
               (word_at(text, end + 1) == "u" || word_at(text, end + 1) == "you")) {
      letter = 'W';  // "double u", as an English speaker names W
      end += 1 + word_at(text, end + 1).size();
      any_nato = true;
    } else {
      break;
    }
    letters.push_back(letter);
    // Bare letters ("o h", "f o r") name a code only when two or more spell one
    // and a number follows: "o" alone is "oh", a digit.
    if (any_nato || (letters.size() >= 2 && number_follows(text, end))) {
      if (auto code = find_code(letters)) best = Match{*code, end, MatchForm::nato, codes_[*code]};
    }
    t = end;
    if (t < text.size() && text[t] == ' ') ++t;
  }
  return best;
}

}  // namespace poleloc::spoken
