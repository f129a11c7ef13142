#include "spoken/readings.hpp"

#include "spoken/chinese_numerals.hpp"
#include "spoken/english_numerals.hpp"
#include "spoken/spoken_text.hpp"
#include "spoken/tokens.hpp"
#include "spoken/utterance.hpp"

#include <poleloc/number.hpp>

#include <algorithm>
#include <array>

namespace poleloc::spoken {
namespace {

// Priors of the choices a reading makes; only their ratios matter (the best
// reading of a text is scaled to 1).
constexpr float kShortRun1 = 0.1f;          // a lone digit is rarely a pole number (路灯一闪一闪)
constexpr float kShortRun2 = 0.5f;
constexpr float kLongRun = 0.2f;            // 8 digits or more: a phone number, not a pole
constexpr float kNoContext = 0.6f;          // no area, filler or unknown code next to the run
constexpr float kWeakAfterArea = 0.65f;     // 团结湖要三七: 要 is 幺
constexpr float kWeakLeading = 0.35f;       // 我要三七二: 要 is "want"
constexpr float kWeakTrailing = 0.5f;
constexpr float kWeakInRadio = 0.9f;
constexpr float kWeakRadioEdge = 0.8f;        // 动沟三怪: among radio digits, 动 and 怪 are 洞 and 拐
constexpr float kAreaAdjacentOther = 0.03f;   // the digits in another area than the one said
constexpr float kAreaElsewhere = 0.8f;
constexpr float kAreaElsewhereOther = 0.2f;
constexpr float kAreaAfter = 0.9f;
constexpr float kAreaAfterOther = 0.1f;
constexpr float kSiShiForced = 0.5f;
constexpr float kEmergencyNumber = 0.15f;    // 110, 119, 120, 122 said in passing
constexpr float kMisheardAlias = 0.5f;        // 团结胡 for 团结湖: probably, not surely
constexpr float kMisheardAliasOther = 0.3f;        // 三十七二 is no cardinal: 十 must be 四

bool is_emergency_number(std::string_view digits) {
  return digits == "110" || digits == "119" || digits == "120" || digits == "122";
}

struct ParsedDigits {
  Digits digits;
  ReadingForm form = ReadingForm::arabic_digits;
  ReadingNote note = ReadingNote::none;
  float prior = 1;
};

ReadingForm digit_form(std::span<const Numeral> seq) {
  unsigned scripts = 0;
  for (const Numeral& n : seq) scripts |= static_cast<unsigned>(n.script);
  if (scripts & static_cast<unsigned>(Script::radio)) return ReadingForm::radio_digits;
  const bool zh = scripts & static_cast<unsigned>(Script::chinese);
  const bool ar = scripts & static_cast<unsigned>(Script::arabic);
  if (zh && ar) return ReadingForm::mixed_digits;
  return zh ? ReadingForm::chinese_digits : ReadingForm::arabic_digits;
}

bool digits_one_by_one(std::span<const Numeral> seq, Digits& out) {
  out = Digits{};
  for (const Numeral& n : seq) {
    if (n.kind != NumeralKind::digit || !out.push_digit(n.value)) return false;
  }
  return !out.empty();
}

ReadingForm english_form(std::span<const Numeral> seq) {
  bool grouped = false;
  for (const Numeral& n : seq) {
    if (n.kind == NumeralKind::multiplier) return ReadingForm::english_cardinal;
    grouped |= n.kind == NumeralKind::teen || n.kind == NumeralKind::tens;
  }
  return grouped ? ReadingForm::english_grouped : ReadingForm::english_digits;
}

// Every way to read one sequence of numerals.
void parse_sequence(std::vector<Numeral>& seq, std::vector<ParsedDigits>& out) {
  out.clear();
  bool english = false, multiplier = false, only_ten_multipliers = true, any_four = false;
  for (const Numeral& n : seq) {
    english |= n.script == Script::english;
    if (n.kind == NumeralKind::multiplier) {
      multiplier = true;
      only_ten_multipliers &= n.value == 1;
    }
    any_four |= n.kind == NumeralKind::digit && n.value == 4 && n.script == Script::chinese;
  }
  ParsedDigits p;
  if (english) {
    if (parse_english_numerals(seq, p.digits)) {
      p.form = english_form(seq);
      out.push_back(p);
    }
    // fifteen <-> fifty: one word at a time.
    for (std::size_t i = 0; i < seq.size(); ++i) {
      auto partner = teen_tens_partner(seq[i]);
      if (!partner) continue;
      const Numeral saved = seq[i];
      seq[i] = *partner;
      ParsedDigits alt;
      if (parse_english_numerals(seq, alt.digits)) {
        alt.form = english_form(seq);
        alt.note = ReadingNote::teen_tens;
        alt.prior = kTokenConfusionWeight;
        out.push_back(alt);
      }
      seq[i] = saved;
    }
    return;
  }
  if (multiplier) {
    const bool cardinal = parse_chinese_cardinal(seq, p.digits);
    if (cardinal) {
      p.form = ReadingForm::chinese_cardinal;
      out.push_back(p);
    }
    if (only_ten_multipliers) {  // 十 heard where 四 was said
      std::vector<Numeral> alt = seq;
      for (Numeral& n : alt) {
        if (n.kind == NumeralKind::multiplier) n = {NumeralKind::digit, 4, Script::chinese, false};
      }
      ParsedDigits a;
      if (digits_one_by_one(alt, a.digits)) {
        a.form = digit_form(alt);
        a.note = ReadingNote::si_shi;
        a.prior = cardinal ? kTokenConfusionWeight : kSiShiForced;
        out.push_back(a);
      }
    }
    return;
  }
  if (digits_one_by_one(seq, p.digits)) {
    p.form = digit_form(seq);
    out.push_back(p);
  }
  if (any_four && seq.size() <= 6) {  // 四 heard where 十 was said: 三四七 for 三十七
    for (std::size_t i = 0; i < seq.size(); ++i) {
      if (!(seq[i].kind == NumeralKind::digit && seq[i].value == 4 && seq[i].script == Script::chinese)) continue;
      const Numeral saved = seq[i];
      seq[i] = {NumeralKind::multiplier, 1, Script::chinese, false};
      ParsedDigits a;
      if (parse_chinese_cardinal(seq, a.digits)) {
        a.form = ReadingForm::chinese_cardinal;
        a.note = ReadingNote::si_shi;
        a.prior = kTokenConfusionWeight;
        out.push_back(a);
      }
      seq[i] = saved;
    }
  }
}

struct AreaChoice {
  std::int32_t area = -1;
  std::string_view alias;
  bool misheard = false;
  bool guessed = false;  // AliasTable::Match::guessed
  bool abbreviation = false;
  AreaSource source = AreaSource::none;
  float prior = 1;
  std::uint32_t begin = 0, end = 0;  // the alias in the text
};

// The place said for a stretch, if any.
struct PlaceChoice {
  std::int32_t place = -1;
  std::uint8_t by_sound = 0;
  bool adjacent = false;
  std::uint32_t begin = 0, end = 0;
};

// Number of separating tokens between an alias and the run; fillers do not count.
bool counts_as_separator(const Token& t) {
  return t.kind == TokenKind::other || t.kind == TokenKind::numeral || t.kind == TokenKind::unknown_letters ||
         t.kind == TokenKind::unit || t.kind == TokenKind::correction;
}

// [begin, end) of a place name the aliases do not know, right before the run:
// up to three Chinese characters ending in a place-name character.
std::optional<std::pair<std::uint32_t, std::uint32_t>> unknown_place_before(const std::vector<Token>& tokens,
                                                                             const Stretch& run, std::string_view text) {
  if (run.first == 0) return std::nullopt;
  const Token& last = tokens[run.first - 1];
  if (last.kind != TokenKind::other || tokens[run.first].begin > last.end + 1) return std::nullopt;  // a space at most
  std::size_t i = last.begin;
  if (static_cast<unsigned char>(text[i]) < 0x80 || !is_place_suffix(decode_utf8(text, i))) return std::nullopt;
  std::size_t first = run.first - 1;
  while (first > 0 && run.first - first < 3 && tokens[first - 1].kind == TokenKind::other &&
         tokens[first - 1].end + 1 >= tokens[first].begin && static_cast<unsigned char>(text[tokens[first - 1].begin]) >= 0x80) {
    --first;
  }
  return std::make_pair(tokens[first].begin, last.end);
}

// [begin, end) of a word anywhere in the text that looks like a place name
// nobody knows (冬至门 when no such area or place exists): three to five Chinese
// characters read as no other word, the last a place-name character. Said in
// a sentence with no known area, it must not be silently dropped.
std::optional<std::pair<std::uint32_t, std::uint32_t>> unknown_place_anywhere(const std::vector<Token>& tokens,
                                                                              std::string_view text) {
  for (std::size_t i = 0; i < tokens.size();) {
    if (tokens[i].kind != TokenKind::other || static_cast<unsigned char>(text[tokens[i].begin]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j + 1 < tokens.size() && tokens[j + 1].kind == TokenKind::other && tokens[j + 1].begin == tokens[j].end &&
           static_cast<unsigned char>(text[tokens[j + 1].begin]) >= 0x80) {
      ++j;
    }
    std::size_t last = tokens[j].begin;
    const bool single_chars = tokens[j].end - tokens[j].begin == 3;
    if (single_chars && j - i + 1 >= 3 && is_place_suffix(decode_utf8(text, last))) {
      const std::size_t first = j - i + 1 > 4 ? j - 3 : i;
      return std::make_pair(tokens[first].begin, tokens[j].end);
    }
    i = j + 1;
  }
  return std::nullopt;
}

// The area said for a run: the nearest alias before it (else after it); and
// with it, a weaker choice of no area, in case the caller named the wrong one.
struct AreaContext {
  std::int32_t said = -1;  // the code said, wherever in the text
  bool adjacent = false;   // the alias (or place) is right before the run (fillers aside)
  PlaceChoice place;
};

// The nearest token of `kind` before the stretch (else after it), and whether
// only fillers stand between. A correction that names an area with no number
// after it (团结湖三七二，不对，是水碓子的) overrides both.
struct Nearest {
  std::optional<std::size_t> token;
  bool before = false;
  std::size_t separators = 0;
};

Nearest nearest_of(const std::vector<Token>& tokens, const Stretch& run, TokenKind kind) {
  Nearest n;
  for (std::size_t k = run.first; k-- > 0;) {
    if (tokens[k].kind == kind) {
      n.token = k;
      n.before = true;
      return n;
    }
    n.separators += counts_as_separator(tokens[k]);
  }
  n.separators = 0;
  for (std::size_t k = run.last + 1; k < tokens.size(); ++k) {
    if (tokens[k].kind == kind) {
      n.token = k;
      return n;
    }
    n.separators += counts_as_separator(tokens[k]);
  }
  return n;
}

AreaContext choose_areas(const std::vector<Token>& tokens, const Stretch& run, std::string_view text,
                         const Utterance& utterance, const Gazetteer& gazetteer, std::vector<AreaChoice>& areas) {
  areas.clear();
  Nearest alias = nearest_of(tokens, run, TokenKind::alias);
  Nearest place = nearest_of(tokens, run, TokenKind::place);
  if (utterance.corrected_area && run.last < *utterance.corrected_area) {
    const Nearest corrected{*utterance.corrected_area, true, 0};
    if (tokens[*utterance.corrected_area].kind == TokenKind::alias) {
      alias = corrected;
      place = {};
    } else {
      place = corrected;
      alias = {};
    }
  }
  const bool unknown_before = run.first > 0 && tokens[run.first - 1].kind == TokenKind::unknown_letters;
  auto area_of = [&](std::size_t k, AreaSource source, float prior) {
    const Token& t = tokens[k];
    areas.push_back({static_cast<std::int32_t>(t.alias.code), t.alias.alias, t.alias.misheard, t.alias.guessed, t.abbreviation,
                     source, prior, t.begin, t.end});
    // Heard by sound as either of two areas (金譁路: 金化路 or 金花路): both, as guesses.
    if (t.tied_place >= 0) {
      const Place& q = gazetteer.place(static_cast<std::uint32_t>(t.tied_place));
      areas.push_back({q.code, q.name, true, true, false, source, prior, t.begin, t.end});
    }
    // One character from either of two areas' names (寿秋吧路: 寿秋银路 or 寿秋友路): both, as guesses.
    if (t.alias.tie >= 0) areas.push_back({t.alias.tie, t.alias.tie_alias, true, true, false, source, prior, t.begin, t.end});
  };
  auto no_area = [&](AreaSource source, float prior) { areas.push_back({-1, {}, false, false, false, source, prior}); };

  AreaContext context;
  if (alias.token) context.said = static_cast<std::int32_t>(tokens[*alias.token].alias.code);
  const bool alias_adjacent = alias.token && alias.before && alias.separators == 0 && !unknown_before;
  if (place.token) {
    const Token& t = tokens[*place.token];
    context.place = {static_cast<std::int32_t>(t.place), t.by_sound, place.separators == 0, t.begin, t.end};
  }
  const bool place_adjacent = place.token && place.before && place.separators == 0;
  context.adjacent = alias_adjacent || place_adjacent;

  if (place.token) {
    // A place is more specific than an area: its poles decide, unless the area
    // said agrees with it (团结湖水碓子三七二) and then both narrow.
    const Place& p = gazetteer.place(static_cast<std::uint32_t>(tokens[*place.token].place));
    const float sound = tokens[*place.token].by_sound ? kMisheardAlias + 0.2f : 1.0f;
    const bool agrees = alias.token && std::find(p.codes.begin(), p.codes.end(), tokens[*alias.token].alias.code) != p.codes.end();
    const float where = place.before ? (place.separators == 0 ? 1.0f : kAreaElsewhere) : kAreaAfter;
    if (agrees) {
      area_of(*alias.token, alias_adjacent ? AreaSource::said : AreaSource::said_elsewhere, sound * where);
    } else {
      no_area(AreaSource::place, sound * where);
      if (alias.token) area_of(*alias.token, AreaSource::said_elsewhere, 0.3f * sound * where);
    }
    no_area(AreaSource::none, kAreaAdjacentOther);
    return context;
  }
  if (alias_adjacent && tokens[*alias.token].alias.misheard) {
    area_of(*alias.token, AreaSource::said, kMisheardAlias);
    no_area(AreaSource::none, kMisheardAliasOther);
  } else if (alias_adjacent) {
    area_of(*alias.token, AreaSource::said, 1);
    no_area(AreaSource::none, kAreaAdjacentOther);
  } else if (unknown_before) {
    no_area(AreaSource::unknown_code, 1);
  } else if (alias.token && alias.before) {
    area_of(*alias.token, AreaSource::said_elsewhere, kAreaElsewhere);
    no_area(AreaSource::none, kAreaElsewhereOther);
  } else if (alias.token) {
    area_of(*alias.token, alias.separators == 0 ? AreaSource::said : AreaSource::said_elsewhere, kAreaAfter);
    no_area(AreaSource::none, kAreaAfterOther);
  } else if (auto unknown = unknown_place_before(tokens, run, text)) {
    areas.push_back({-1, {}, false, false, false, AreaSource::unknown_place, 1, unknown->first, unknown->second});
  } else if (auto elsewhere = unknown_place_anywhere(tokens, text)) {
    areas.push_back({-1, {}, false, false, false, AreaSource::unknown_place, 1, elsewhere->first, elsewhere->second});
  } else {
    no_area(AreaSource::none, 1);
  }
  return context;
}

float run_length_prior(std::size_t digits) {
  if (digits <= 1) return kShortRun1;
  if (digits == 2) return kShortRun2;
  if (digits >= 8) return kLongRun;
  return 1;
}

}  // namespace

std::string_view describe(ReadingForm form) {
  switch (form) {
    case ReadingForm::printed: return "printed";
    case ReadingForm::arabic_digits: return "digits";
    case ReadingForm::chinese_digits: return "digits one by one";
    case ReadingForm::radio_digits: return "radio digits";
    case ReadingForm::mixed_digits: return "mixed digits";
    case ReadingForm::chinese_cardinal: return "cardinal";
    case ReadingForm::english_digits: return "digit words";
    case ReadingForm::english_grouped: return "grouped";
    case ReadingForm::english_cardinal: return "cardinal";
  }
  return "";
}

void read_text(std::string_view text, const AliasTable& aliases, ReadingSet& out) {
  static const Gazetteer kNoPlaces;
  read_text(text, aliases, kNoPlaces, out);
}

namespace {

// The readings of one tokenisation of the text, their priors times `weight`, appended to out.readings.
void read_tokens(const std::vector<Token>& tokens, std::string_view norm, bool printed, const AliasTable& aliases,
                 const Gazetteer& gazetteer, float weight, ReadingSet& out) {
  std::vector<Run> runs;
  find_runs(tokens, runs);
  Utterance utterance;
  analyse_utterance(tokens, runs, utterance);
  out.any_correction |= utterance.any_correction;
  std::vector<Numeral> seq;
  std::vector<ParsedDigits> parses;
  std::vector<AreaChoice> areas;

  for (const Stretch& run : utterance.stretches) {
    const AreaContext area = choose_areas(tokens, run, norm, utterance, gazetteer, areas);
    // Context: something that marks the run as a pole number.
    auto marks = [](TokenKind k) {
      return k == TokenKind::filler || k == TokenKind::alias || k == TokenKind::place || k == TokenKind::pole_word;
    };
    const bool marked_before =
        run.first > 0 && (marks(tokens[run.first - 1].kind) || tokens[run.first - 1].kind == TokenKind::unknown_letters);
    const bool marked_after = run.last + 1 < tokens.size() && marks(tokens[run.last + 1].kind);
    const bool whole_text = run.first == 0 && run.last + 1 == tokens.size();
    const float context = (marked_before || marked_after || whole_text || run.pole_marked) ? 1.0f : kNoContext;
    const bool area_adjacent = area.adjacent;

    // Weak words at the edges are read both ways.
    std::size_t lead = 0, trail = 0;
    {
      std::size_t k = run.first;
      while (k <= run.last && (tokens[k].kind != TokenKind::numeral || tokens[k].numeral.weak)) {
        lead += tokens[k].kind == TokenKind::numeral;
        ++k;
      }
      // Only weak words ("要", "for", "oh") are no number, unless three or more
      // radio digits stand together (冻狗冻沟) or a pole word or area introduces them.
      if (k > run.last) {
        std::size_t n = 0;
        bool radio_only = true;
        for (std::size_t j = run.first; j <= run.last; ++j) {
          if (tokens[j].kind != TokenKind::numeral) continue;
          ++n;
          radio_only &= tokens[j].numeral.script == Script::radio;
        }
        if (!(radio_only && (n >= 3 || (n >= 2 && (run.pole_marked || area.adjacent))))) continue;
        lead = trail = 0;
      }
      std::size_t e = run.last;
      while (e > k && (tokens[e].kind != TokenKind::numeral || tokens[e].numeral.weak)) {
        trail += tokens[e].kind == TokenKind::numeral;
        --e;
      }
    }
    out.heard_number = true;
    // Among radio digits (洞幺拐) a recogniser's 栋/要/怪/狗 is a digit too.
    std::size_t radio = 0;
    for (std::size_t k = run.first; k <= run.last; ++k) radio += tokens[k].kind == TokenKind::numeral && tokens[k].numeral.script == Script::radio;
    const bool radio_context = radio >= 2;
    // 栋/要/怪/狗 right after an area or at the end of a number are radio digits
    // more often than words; "for", "to" less so.
    const bool radio_lead = tokens[run.first].numeral.script == Script::radio;
    const bool radio_trail = tokens[run.last].numeral.script == Script::radio;
    const float lead_in = radio_context ? kWeakInRadio
                          : area.adjacent ? (radio_lead ? kWeakRadioEdge : kWeakAfterArea)
                                          : kWeakLeading;
    const float trail_in = radio_context ? kWeakInRadio : radio_trail ? kWeakRadioEdge : kWeakTrailing;
    std::vector<Numeral> all;
    for (std::size_t k = run.first; k <= run.last; ++k) {
      if (tokens[k].kind == TokenKind::numeral) all.push_back(tokens[k].numeral);
    }
    const std::size_t n_all = all.size();
    bool interior_weak = false;
    for (std::size_t k = lead; k + trail < n_all; ++k) interior_weak |= all[k].weak;

    for (int with_lead = 0; with_lead <= (lead > 0 ? 1 : 0); ++with_lead) {
      for (int with_trail = 0; with_trail <= (trail > 0 ? 1 : 0); ++with_trail) {
        float edge_prior = 1;
        if (lead > 0) edge_prior *= with_lead ? lead_in : 1 - lead_in;
        if (trail > 0) edge_prior *= with_trail ? trail_in : 1 - trail_in;
        const std::size_t from = with_lead ? 0 : lead;
        const std::size_t to = with_trail ? n_all : n_all - trail;
        seq.assign(all.begin() + static_cast<std::ptrdiff_t>(from), all.begin() + static_cast<std::ptrdiff_t>(to));
        // Byte span of the numerals used.
        std::size_t tok_from = run.first, tok_to = run.last, skipped = 0;
        while (skipped < from) skipped += tokens[tok_from++].kind == TokenKind::numeral;
        while (tokens[tok_from].kind != TokenKind::numeral) ++tok_from;
        skipped = 0;
        while (skipped < n_all - to) skipped += tokens[tok_to--].kind == TokenKind::numeral;
        while (tokens[tok_to].kind != TokenKind::numeral) --tok_to;

        parse_sequence(seq, parses);
        for (const ParsedDigits& p : parses) {
          const float length_prior = run_length_prior(p.digits.size());
          for (const AreaChoice& a : areas) {
            Reading r;
            r.area = a.area;
            r.area_code = a.area >= 0 ? aliases.code(static_cast<std::uint32_t>(a.area)) : std::string_view{};
            r.alias = a.alias;
            r.alias_misheard = a.misheard;
            r.alias_guessed = a.guessed;
            r.alias_abbreviation = a.abbreviation;
            r.area_begin = static_cast<std::uint16_t>(a.begin);
            r.area_end = static_cast<std::uint16_t>(a.end);
            r.area_source = a.source;
            r.said_area = area.said;
            r.place = area.place.place;
            r.place_by_sound = area.place.by_sound;
            r.place_begin = static_cast<std::uint16_t>(area.place.begin);
            r.place_end = static_cast<std::uint16_t>(area.place.end);
            r.retracted = run.retracted || run.fragment;
            r.counted = run.counted;
            r.pole_marked = run.pole_marked;
            r.repeated = run.repeated;
            if (a.source == AreaSource::unknown_code) {
              const Token& u = tokens[run.first - 1];
              const std::size_t len = std::min<std::size_t>(u.end - u.begin, sizeof(r.unknown_code) - 1);
              for (std::size_t k = 0; k < len; ++k) r.unknown_code[k] = static_cast<char>(norm[u.begin + k] - 'a' + 'A');
            }
            r.digits = p.digits;
            r.leading_zeros_spoken = p.digits.size() > 1 && p.digits.d[0] == '0';
            r.form = (printed && p.form == ReadingForm::arabic_digits) ? ReadingForm::printed : p.form;
            r.note = p.note;
            if (r.note == ReadingNote::none && (with_lead || with_trail || interior_weak)) r.note = ReadingNote::weak_digit;
            r.prior = p.prior * a.prior * edge_prior * length_prior * context * run.weight * weight;
            if (!area_adjacent && is_emergency_number(p.digits.view())) r.prior *= kEmergencyNumber;
            r.begin = static_cast<std::uint16_t>(tokens[tok_from].begin);
            r.end = static_cast<std::uint16_t>(tokens[tok_to].end);
            out.readings.push_back(r);
          }
        }
      }
    }
  }

}

}  // namespace

void read_text(std::string_view text, const AliasTable& aliases, const Gazetteer& gazetteer, ReadingSet& out) {
  out.normalised = normalise_text(text);
  out.readings.clear();
  out.retracted.clear();
  out.any_correction = false;
  out.heard_number = false;
  out.best_raw_prior = 0;
  out.places_said.clear();
  const std::string_view norm = out.normalised;
  const auto canonical = canonical_number(text);
  const bool printed = canonical.has_value();
  // Letters then digits, as a plate has them ("TWO339", "no 170"); not words alone.
  const bool printed_with_code = printed && (*canonical)[0] >= 'A' && (*canonical)[0] <= 'Z' &&
                                 (*canonical).back() >= '0' && (*canonical).back() <= '9';

  std::vector<Token> tokens;
  tokens.reserve(32);
  bool code_word = false;
  tokenise(norm, aliases, gazetteer, tokens, CodeWords::as_codes, &code_word);
  // Where the codes were read (for the word readings below).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> code_spans;
  for (const Token& t : tokens) {
    if (t.kind == TokenKind::alias && t.alias.form == AliasTable::MatchForm::code) code_spans.emplace_back(t.begin, t.end);
  }

  out.language = has_cjk(norm) ? Language::chinese : Language::neutral;
  if (out.language == Language::neutral) {
    for (const Token& t : tokens) {
      if ((t.kind == TokenKind::numeral && t.numeral.script == Script::english && !t.numeral.weak) ||
          (t.kind == TokenKind::alias && t.alias.form == AliasTable::MatchForm::nato)) {
        out.language = Language::english;
        break;
      }
    }
  }
  for (const Token& t : tokens) {
    if (t.kind == TokenKind::place && out.places_said.size() < 4) out.places_said.push_back(static_cast<std::int32_t>(t.place));
  }
  read_tokens(tokens, norm, printed, aliases, gazetteer, 1.0f, out);
  // A code that is also a number word ("one zero three seven two": ONE0372 or
  // 10372): the number-word reading too, a little less believed; the registry
  // decides which names a pole.
  if (code_word) {
    tokenise(norm, aliases, gazetteer, tokens, CodeWords::as_numerals);
    const std::size_t first = out.readings.size();
    read_tokens(tokens, norm, printed, aliases, gazetteer, kCodeWordAsNumeral, out);
    for (std::size_t k = first; k < out.readings.size(); ++k) {
      Reading& r = out.readings[k];
      // The word left out of the number ("no" in "no 170", "for" in "FOR一五五"):
      // a filler only where the code reading finds no pole.
      r.word_not_code = r.area < 0 && std::none_of(code_spans.begin(), code_spans.end(), [&](const auto& c) {
                          return c.first >= r.begin && c.second <= r.end;
                        });
      r.code_word_as_digit = r.area < 0 && !r.word_not_code;
      r.printed_code_as_word = printed_with_code && r.area < 0;
      if (r.printed_code_as_word) r.prior *= kPrintedCodeAsWord;
    }
  }

  auto& rs = out.readings;
  if (rs.empty()) return;
  // One reading per (area, source, digits): the most believed.
  std::sort(rs.begin(), rs.end(), [](const Reading& a, const Reading& b) {
    if (a.area != b.area) return a.area < b.area;
    if (a.place != b.place) return a.place < b.place;
    if (a.area_source != b.area_source) return a.area_source < b.area_source;
    if (a.digits.view() != b.digits.view()) return a.digits.view() < b.digits.view();
    return a.prior > b.prior;
  });
  rs.erase(std::unique(rs.begin(), rs.end(),
                       [](const Reading& a, const Reading& b) {
                         return a.area == b.area && a.place == b.place && a.area_source == b.area_source &&
                                a.digits == b.digits;
                       }),
           rs.end());
  std::stable_sort(rs.begin(), rs.end(), [](const Reading& a, const Reading& b) { return a.prior > b.prior; });
  // What the caller took back, for the reasons; then only what may be meant.
  for (const Reading& r : rs) {
    if (r.retracted && out.retracted.size() < 2 &&
        std::find(out.retracted.begin(), out.retracted.end(), std::make_pair(r.begin, r.end)) == out.retracted.end()) {
      out.retracted.emplace_back(r.begin, r.end);
    }
  }
  if (rs.size() > kMaxReadings) rs.resize(kMaxReadings);
  const float best = rs.front().prior;
  out.best_raw_prior = best;
  for (Reading& r : rs) {
    r.raw_prior = r.prior;
    r.prior /= best;
  }
}

}  // namespace poleloc::spoken
