#include "spoken/utterance.hpp"

#include <algorithm>
#include <string>

namespace poleloc::spoken {
namespace {

// What was said in a stretch, word by word, so that repeats and stutters compare.
std::string key_of(const std::vector<Token>& tokens, std::size_t first, std::size_t last) {
  std::string key;
  for (std::size_t k = first; k <= last; ++k) {
    if (tokens[k].kind != TokenKind::numeral) continue;
    key.push_back(static_cast<char>('A' + static_cast<int>(tokens[k].numeral.kind)));
    key.push_back(static_cast<char>('0' + tokens[k].numeral.value));
  }
  return key;
}

bool is_proper_prefix(const std::string& a, const std::string& b) {
  return a.size() < b.size() && b.compare(0, a.size(), a) == 0;
}

// Words that may stand between a pole word and its number: 杆号是团结湖三七二.
bool may_stand_between(TokenKind k) {
  return k == TokenKind::filler || k == TokenKind::alias || k == TokenKind::place || k == TokenKind::admin ||
         k == TokenKind::unknown_letters;
}

bool is_area(TokenKind k) { return k == TokenKind::alias || k == TokenKind::place; }

// A run cut at the pauses inside it ("七二一,七二一"): each part, the whole, and their weights.
void split_run(const std::vector<Token>& tokens, const Run& run, std::vector<Stretch>& out) {
  std::vector<std::pair<std::size_t, std::size_t>> parts;
  std::size_t start = run.first;
  for (std::size_t k = run.first + 1; k <= run.last; ++k) {
    if (tokens[k].pause_before && tokens[k].kind == TokenKind::numeral) {
      parts.emplace_back(start, k - 1);
      start = k;
    }
  }
  parts.emplace_back(start, run.last);
  if (parts.size() == 1) {
    out.push_back({run.first, run.last});
    return;
  }
  std::vector<std::string> keys;
  for (auto [a, b] : parts) keys.push_back(key_of(tokens, a, b));
  std::vector<Stretch> pieces;
  bool stutter_or_repeat = false, all_single = true;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    Stretch s{parts[i].first, parts[i].second};
    all_single &= keys[i].size() == 2;
    for (std::size_t j = i + 1; j < parts.size(); ++j) {
      if (keys[i] == keys[j] && keys[i].size() >= 4) s.repeated = stutter_or_repeat = true;
    }
    for (std::size_t j = i + 1; j < parts.size(); ++j) {
      if (is_proper_prefix(keys[i], keys[j])) {  // 七三，七三…七三四: both 七三 are the start of 七三四
        s.fragment = stutter_or_repeat = true;
        s.weight = kFragment;
      }
    }
    for (std::size_t j = 0; j < i; ++j) s.repeated |= keys[i] == keys[j] && keys[i].size() >= 4;
    pieces.push_back(s);
  }
  if (stutter_or_repeat) {
    out.push_back({run.first, run.last, kJoinedRepeat});
    for (Stretch& s : pieces) out.push_back(s);
  } else if (all_single) {
    out.push_back({run.first, run.last});  // 三、七、二: digits read one by one
  } else {
    out.push_back({run.first, run.last});  // 零三，七二: probably one number said in parts
    for (Stretch& s : pieces) {
      s.weight = kSplitPart;
      out.push_back(s);
    }
  }
}

}  // namespace

void analyse_utterance(const std::vector<Token>& tokens, const std::vector<Run>& runs, Utterance& out) {
  out.stretches.clear();
  out.corrected_area.reset();
  out.any_correction = false;
  for (const Run& r : runs) split_run(tokens, r, out.stretches);
  auto& st = out.stretches;

  // Corrections: what comes before is taken back when a number follows; an
  // area said after the last correction with no number after it replaces the
  // area of the numbers before.
  for (std::size_t c = 0; c < tokens.size(); ++c) {
    if (tokens[c].kind != TokenKind::correction) continue;
    out.any_correction = true;
    // 不是三七二，是三七五: the number right after 不是 is the one taken back.
    if (tokens[c].negation) {
      auto next = std::find_if(st.begin(), st.end(), [&](const Stretch& s) { return s.first > c; });
      bool adjacent = next != st.end();
      for (std::size_t k = c + 1; adjacent && k < next->first; ++k) adjacent = may_stand_between(tokens[k].kind);
      const bool later = adjacent && std::any_of(st.begin(), st.end(), [&](const Stretch& s) {
                           return s.first > next->last && !s.fragment;
                         });
      if (later) {
        for (Stretch& s : st) {
          if (s.first >= next->first && s.last <= next->last && !s.retracted) {
            s.retracted = true;
            s.weight *= kRetracted;
          }
        }
        continue;
      }
    }
    const bool number_after = std::any_of(st.begin(), st.end(), [&](const Stretch& s) { return s.first > c && !s.fragment; });
    if (number_after) {
      for (Stretch& s : st) {
        if (s.last < c && !s.retracted) {
          s.retracted = true;
          s.weight *= kRetracted;
        }
      }
    } else {
      for (std::size_t k = c + 1; k < tokens.size(); ++k) {
        if (is_area(tokens[k].kind)) out.corrected_area = k;
      }
    }
  }

  // Repeats across runs confirm.
  std::vector<std::string> keys;
  for (const Stretch& s : st) keys.push_back(key_of(tokens, s.first, s.last));
  for (std::size_t i = 0; i < st.size(); ++i) {
    for (std::size_t j = 0; j < st.size(); ++j) {
      if (i != j && keys[i] == keys[j] && keys[i].size() >= 4 && !st[j].retracted) st[i].repeated = true;
    }
  }

  // Units and pole words.
  bool any_marked = false;
  for (Stretch& s : st) {
    if (s.last + 1 < tokens.size() && tokens[s.last + 1].kind == TokenKind::unit) {
      s.counted = true;
      s.weight *= kCounted;
    }
    std::size_t k = s.first, between = 0;
    while (k > 0 && between < 4 && may_stand_between(tokens[k - 1].kind)) {
      --k;
      ++between;
    }
    const bool before = k > 0 && tokens[k - 1].kind == TokenKind::pole_word;
    const bool after = s.last + 1 < tokens.size() && tokens[s.last + 1].kind == TokenKind::pole_word &&
                       tokens[s.last + 1].end - tokens[s.last + 1].begin >= 6;  // 号杆, 杆号 after: "三七二号杆"
    s.pole_marked = (before || after) && !s.counted;
    // 手机尾号是4421: a phone number, not the pole's.
    if (k > 0 && tokens[k - 1].kind == TokenKind::phone_word && !s.counted) {
      s.counted = true;
      s.weight *= kCounted;
      s.pole_marked = false;
    }
    any_marked |= s.pole_marked && !s.retracted;
  }
  if (any_marked) {
    for (std::size_t i = 0; i < st.size(); ++i) {
      if (st[i].pole_marked) continue;
      bool same_as_marked = false;
      for (std::size_t j = 0; j < st.size(); ++j) same_as_marked |= st[j].pole_marked && keys[j] == keys[i];
      if (!same_as_marked) st[i].weight *= kUnmarked;
    }
  }
}

}  // namespace poleloc::spoken
