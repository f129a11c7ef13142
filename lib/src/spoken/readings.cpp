#include "spoken/readings.hpp"

#include "spoken/chinese_numerals.hpp"
#include "spoken/english_numerals.hpp"
#include "spoken/spoken_text.hpp"

#include <poleloc/number.hpp>

#include <algorithm>
#include <array>

namespace poleloc::spoken {
namespace {

// Priors of the choices a reading makes; only their ratios matter (the best
// reading of a text is scaled to 1).
constexpr float kShortRun1 = 0.15f;         // a lone digit is rarely a pole number
constexpr float kShortRun2 = 0.5f;
constexpr float kLongRun = 0.2f;            // 8 digits or more: a phone number, not a pole
constexpr float kNoContext = 0.6f;          // no area, filler or unknown code next to the run
constexpr float kWeakAfterArea = 0.65f;     // 团结湖要三七: 要 is 幺
constexpr float kWeakLeading = 0.35f;       // 我要三七二: 要 is "want"
constexpr float kWeakTrailing = 0.5f;
constexpr float kAreaAdjacentOther = 0.03f;   // the digits in another area than the one said
constexpr float kAreaElsewhere = 0.8f;
constexpr float kAreaElsewhereOther = 0.2f;
constexpr float kAreaAfter = 0.9f;
constexpr float kAreaAfterOther = 0.1f;
constexpr float kSiShiForced = 0.5f;
constexpr float kCounted = 0.1f;             // 十米, 七十岁, 3号楼: a quantity, not a pole number
constexpr float kEmergencyNumber = 0.15f;    // 110, 119, 120, 122 said in passing
constexpr float kMisheardAlias = 0.5f;        // 团结胡 for 团结湖: probably, not surely
constexpr float kMisheardAliasOther = 0.3f;        // 三十七二 is no cardinal: 十 must be 四

enum class TokenKind : std::uint8_t { numeral, glue, alias, filler, unknown_letters, other };

struct Token {
  TokenKind kind = TokenKind::other;
  Numeral numeral;
  std::uint32_t begin = 0, end = 0;
  AliasTable::Match alias;
};

// Longest first where one is a prefix of another.
constexpr std::array<std::string_view, 24> kChineseFillers = {
    "电线杆", "電線桿", "号杆", "杆号", "杆子", "电杆", "线杆", "路灯", "路燈", "灯杆", "编号", "編號", "号码",
    "號碼", "号", "號", "杆", "桿", "的", "是", "第", "牌", "为", "嗯"};
constexpr std::array<std::string_view, 22> kEnglishFillers = {
    "pole", "poles", "number", "no", "nr", "num", "lamp", "post", "light", "streetlight", "street", "is",
    "the", "it", "says", "reads", "tag", "id", "at", "on", "near", "code"};

// Everyday words that hold a numeral character but name no number
// ("一下", "两个人", "什么", "需要"): read as words, before the numerals are.
constexpr std::array<std::string_view, 46> kChineseWords = {
    "号楼", "号院",
    "一下", "一个", "一点", "一直", "一起", "一样", "一些", "一般", "一会", "一边", "一定",
    "一切", "一共", "一旦", "一路", "一种", "一次", "一片", "一条", "一根", "一位", "一名",
    "一辆", "一声", "一阵", "统一", "万一", "两个", "两边", "两人", "两位", "两辆", "十分",
    "什么", "怎么", "这么", "那么", "多么", "需要", "不要", "想要", "重要", "主要", "只要"};

// Measure words and units: the numeral before them counts something.
constexpr std::array<std::string_view, 24> kChineseUnits = {
    "米", "公里", "千米", "分钟", "小时", "岁", "楼", "层", "单元", "幢", "座", "个", "人", "辆",
    "块", "元", "点", "天", "年", "月", "次", "条", "路", "位"};
constexpr std::array<std::string_view, 12> kEnglishUnits = {
    "meters", "metres", "meter", "metre", "m", "minutes", "km", "years", "floor", "people", "cars", "am"};

bool is_unit(std::string_view text, std::size_t pos) {
  for (std::string_view u : kChineseUnits) {
    if (text.substr(pos, u.size()) == u) return true;
  }
  std::size_t e = pos;
  while (e < text.size() && is_ascii_letter(text[e])) ++e;
  const std::string_view w = text.substr(pos, e - pos);
  return !w.empty() && std::find(kEnglishUnits.begin(), kEnglishUnits.end(), w) != kEnglishUnits.end();
}

// Last characters of Chinese place names: 呼家楼, 十里堡, 八里庄, 国贸桥.
bool is_place_suffix(char32_t c) {
  static constexpr std::u32string_view kSuffixes = U"楼村庄路街道湖园门桥里屯营坊寺区镇乡口店台河山城苑府堡湾站";
  return kSuffixes.find(c) != std::u32string_view::npos;
}

bool is_emergency_number(std::string_view digits) {
  return digits == "110" || digits == "119" || digits == "120" || digits == "122";
}

std::size_t chinese_word_at(std::string_view text, std::size_t pos) {
  for (std::string_view w : kChineseWords) {
    if (text.substr(pos, w.size()) == w) return w.size();
  }
  return 0;
}

bool is_english_filler(std::string_view w) {
  return std::find(kEnglishFillers.begin(), kEnglishFillers.end(), w) != kEnglishFillers.end();
}

std::size_t chinese_filler_at(std::string_view text, std::size_t pos) {
  for (std::string_view f : kChineseFillers) {
    if (text.substr(pos, f.size()) == f) return f.size();
  }
  return 0;
}

void tokenise(std::string_view text, const AliasTable& aliases, std::vector<Token>& out) {
  out.clear();
  std::size_t pos = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == ' ') {
      ++pos;
      continue;
    }
    Token t;
    t.begin = static_cast<std::uint32_t>(pos);
    if (auto m = aliases.match_at(text, pos)) {
      t.kind = TokenKind::alias;
      t.alias = *m;
      pos = m->end;
    } else if (is_ascii_digit(c)) {
      t.kind = TokenKind::numeral;
      t.numeral = {NumeralKind::digit, static_cast<std::uint8_t>(c - '0'), Script::arabic, false};
      ++pos;
    } else if (is_ascii_letter(c)) {
      std::size_t e = pos;
      while (e < text.size() && is_ascii_letter(text[e])) ++e;
      const std::string_view w = text.substr(pos, e - pos);
      const bool digit_next = e < text.size() && is_ascii_digit(text[e]);
      const bool digit_after_space = e + 1 < text.size() && text[e] == ' ' && is_ascii_digit(text[e + 1]);
      if (auto n = english_numeral(w)) {
        t.kind = TokenKind::numeral;
        t.numeral = *n;
      } else if (is_english_numeral_glue(w)) {
        t.kind = TokenKind::glue;
      } else if (is_english_filler(w)) {
        t.kind = TokenKind::filler;
      } else if ((digit_next && w.size() <= 5) || (digit_after_space && w.size() <= 3)) {
        t.kind = TokenKind::unknown_letters;
      } else {
        t.kind = TokenKind::other;
      }
      pos = e;
    } else {
      std::size_t next = pos;
      const char32_t cp = decode_utf8(text, next);
      if (std::size_t f = chinese_filler_at(text, pos)) {
        t.kind = TokenKind::filler;
        next = pos + f;
      } else if (std::size_t w = chinese_word_at(text, pos)) {
        t.kind = TokenKind::other;
        next = pos + w;
      } else if (auto n = chinese_numeral(cp)) {
        t.kind = TokenKind::numeral;
        t.numeral = *n;
      } else {
        t.kind = TokenKind::other;
      }
      pos = next;
    }
    t.end = static_cast<std::uint32_t>(pos);
    out.push_back(t);
  }
}

struct Run {
  std::size_t first = 0, last = 0;  // token indexes, inclusive
};

// Runs of numerals; "and" joins English numerals ("three hundred and five").
void find_runs(const std::vector<Token>& tokens, std::vector<Run>& runs) {
  runs.clear();
  std::size_t i = 0;
  while (i < tokens.size()) {
    if (tokens[i].kind != TokenKind::numeral) {
      ++i;
      continue;
    }
    Run r{i, i};
    std::size_t j = i + 1;
    while (j < tokens.size()) {
      if (tokens[j].kind == TokenKind::numeral) {
        r.last = j++;
      } else if (tokens[j].kind == TokenKind::glue && j + 1 < tokens.size() &&
                 tokens[j + 1].kind == TokenKind::numeral && tokens[j - 1].numeral.script == Script::english &&
                 tokens[j + 1].numeral.script == Script::english) {
        ++j;
      } else {
        break;
      }
    }
    runs.push_back(r);
    i = j;
  }
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
  AreaSource source = AreaSource::none;
  float prior = 1;
  std::uint32_t begin = 0, end = 0;  // the alias in the text
};

// Number of separating tokens between an alias and the run; fillers do not count.
bool counts_as_separator(const Token& t) {
  return t.kind == TokenKind::other || t.kind == TokenKind::numeral || t.kind == TokenKind::unknown_letters;
}

// [begin, end) of a place name the aliases do not know, right before the run:
// up to three Chinese characters ending in a place-name character.
std::optional<std::pair<std::uint32_t, std::uint32_t>> unknown_place_before(const std::vector<Token>& tokens,
                                                                             const Run& run, std::string_view text) {
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

// The area said for a run: the nearest alias before it (else after it); and
// with it, a weaker choice of no area, in case the caller named the wrong one.
struct AreaContext {
  std::int32_t said = -1;  // the code said, wherever in the text
  bool adjacent = false;   // the alias is right before the run (fillers aside)
};

AreaContext choose_areas(const std::vector<Token>& tokens, const Run& run, std::string_view text,
                         std::vector<AreaChoice>& areas) {
  areas.clear();
  std::optional<std::size_t> before, after;
  std::size_t seps_before = 0, seps_after = 0;
  for (std::size_t k = run.first; k-- > 0;) {
    if (tokens[k].kind == TokenKind::alias) {
      before = k;
      break;
    }
    seps_before += counts_as_separator(tokens[k]);
  }
  for (std::size_t k = run.last + 1; k < tokens.size() && !before; ++k) {
    if (tokens[k].kind == TokenKind::alias) {
      after = k;
      break;
    }
    seps_after += counts_as_separator(tokens[k]);
  }
  const bool unknown_before = run.first > 0 && tokens[run.first - 1].kind == TokenKind::unknown_letters;
  auto area_of = [&](std::size_t k, AreaSource source, float prior) {
    const Token& t = tokens[k];
    areas.push_back({static_cast<std::int32_t>(t.alias.code), t.alias.alias, t.alias.misheard, source, prior, t.begin, t.end});
  };
  auto no_area = [&](AreaSource source, float prior) { areas.push_back({-1, {}, false, source, prior}); };

  AreaContext context;
  if (before) context.said = static_cast<std::int32_t>(tokens[*before].alias.code);
  else if (after) context.said = static_cast<std::int32_t>(tokens[*after].alias.code);
  context.adjacent = before && seps_before == 0 && !unknown_before;

  if (context.adjacent && tokens[*before].alias.misheard) {
    area_of(*before, AreaSource::said, kMisheardAlias);
    no_area(AreaSource::none, kMisheardAliasOther);
  } else if (context.adjacent) {
    area_of(*before, AreaSource::said, 1);
    no_area(AreaSource::none, kAreaAdjacentOther);
  } else if (unknown_before) {
    no_area(AreaSource::unknown_code, 1);
  } else if (before) {
    area_of(*before, AreaSource::said_elsewhere, kAreaElsewhere);
    no_area(AreaSource::none, kAreaElsewhereOther);
  } else if (after) {
    area_of(*after, seps_after == 0 ? AreaSource::said : AreaSource::said_elsewhere, kAreaAfter);
    no_area(AreaSource::none, kAreaAfterOther);
  } else if (auto place = unknown_place_before(tokens, run, text)) {
    areas.push_back({-1, {}, false, AreaSource::unknown_place, 1, place->first, place->second});
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
  out.normalised = normalise_text(text);
  out.readings.clear();
  const std::string_view norm = out.normalised;
  const bool printed = canonical_number(text).has_value();

  std::vector<Token> tokens;
  tokens.reserve(32);
  tokenise(norm, aliases, tokens);

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

  std::vector<Run> runs;
  find_runs(tokens, runs);
  std::vector<Numeral> seq;
  std::vector<ParsedDigits> parses;
  std::vector<AreaChoice> areas;

  for (const Run& run : runs) {
    const AreaContext area = choose_areas(tokens, run, norm, areas);
    // Context: something that marks the run as a pole number.
    const bool marked_before =
        run.first > 0 && (tokens[run.first - 1].kind == TokenKind::filler || tokens[run.first - 1].kind == TokenKind::alias ||
                          tokens[run.first - 1].kind == TokenKind::unknown_letters);
    const bool marked_after = run.last + 1 < tokens.size() &&
                              (tokens[run.last + 1].kind == TokenKind::filler || tokens[run.last + 1].kind == TokenKind::alias);
    const bool whole_text = run.first == 0 && run.last + 1 == tokens.size();
    const float context = (marked_before || marked_after || whole_text) ? 1.0f : kNoContext;
    // Followed by a unit (十米, 七十岁) or a building (3号楼): a quantity.
    const bool counted = run.last + 1 < tokens.size() && is_unit(norm, tokens[run.last + 1].begin);
    const bool area_adjacent = area.adjacent;

    // Weak words at the edges are read both ways.
    std::size_t lead = 0, trail = 0;
    {
      std::size_t k = run.first;
      while (k <= run.last && (tokens[k].kind != TokenKind::numeral || tokens[k].numeral.weak)) {
        lead += tokens[k].kind == TokenKind::numeral;
        ++k;
      }
      if (k > run.last) continue;  // only weak words: "要", "for", "oh"
      std::size_t e = run.last;
      while (e > k && (tokens[e].kind != TokenKind::numeral || tokens[e].numeral.weak)) {
        trail += tokens[e].kind == TokenKind::numeral;
        --e;
      }
    }
    const float lead_in = area.adjacent ? kWeakAfterArea : kWeakLeading;
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
        if (trail > 0) edge_prior *= with_trail ? kWeakTrailing : 1 - kWeakTrailing;
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
            r.area_begin = static_cast<std::uint16_t>(a.begin);
            r.area_end = static_cast<std::uint16_t>(a.end);
            r.area_source = a.source;
            r.said_area = area.said;
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
            r.prior = p.prior * a.prior * edge_prior * length_prior * context;
            if (counted) r.prior *= kCounted;
            if (!area_adjacent && is_emergency_number(p.digits.view())) r.prior *= kEmergencyNumber;
            r.begin = static_cast<std::uint16_t>(tokens[tok_from].begin);
            r.end = static_cast<std::uint16_t>(tokens[tok_to].end);
            out.readings.push_back(r);
          }
        }
      }
    }
  }

  auto& rs = out.readings;
  if (rs.empty()) return;
  // One reading per (area, source, digits): the most believed.
  std::sort(rs.begin(), rs.end(), [](const Reading& a, const Reading& b) {
    if (a.area != b.area) return a.area < b.area;
    if (a.area_source != b.area_source) return a.area_source < b.area_source;
    if (a.digits.view() != b.digits.view()) return a.digits.view() < b.digits.view();
    return a.prior > b.prior;
  });
  rs.erase(std::unique(rs.begin(), rs.end(),
                       [](const Reading& a, const Reading& b) {
                         return a.area == b.area && a.area_source == b.area_source && a.digits == b.digits;
                       }),
           rs.end());
  std::stable_sort(rs.begin(), rs.end(), [](const Reading& a, const Reading& b) { return a.prior > b.prior; });
  if (rs.size() > kMaxReadings) rs.resize(kMaxReadings);
  const float best = rs.front().prior;
  for (Reading& r : rs) r.prior /= best;
}

}  // namespace poleloc::spoken
