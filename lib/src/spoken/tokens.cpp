#include "spoken/tokens.hpp"

#include "spoken/chinese_numerals.hpp"
#include "spoken/english_numerals.hpp"
#include "spoken/spoken_text.hpp"

#include <algorithm>
#include <array>

namespace poleloc::spoken {
namespace {

// Within each table, longer words come before their prefixes.
constexpr std::array<std::string_view, 24> kCorrections = {
    "我再看看", "再看一下", "我看错了", "我说错了", "看错了", "说错了", "再看看", "等一下", "等一等", "应该是",
    "搞错了",   "不对",     "不是",     "错了",     "等等",   "哦不",   "更正",   "纠正",   "重说",   "不不",
    "说反了",   "看反了",   "还是",     "哦"};
constexpr std::array<std::string_view, 8> kConfirmations = {"没错", "对的", "是的", "对对", "没问题", "对", "嗯对", "确认"};
constexpr std::array<std::string_view, 29> kPoleWords = {
    "号线杆", "电线杆上写着", "电线杆上", "杆子上写着", "杆上写着", "牌子上写着", "上面写着", "写的是", "写着",   "电线杆",
    "電線桿",       "路灯杆",   "杆号",       "编号",     "編號",       "号杆",     "杆子",   "电杆",   "线杆",
    "灯杆",         "路灯",     "路燈",       "号码",     "號碼",       "标牌",     "牌子",   "杆",     "桿",  "牌"};
constexpr std::array<std::string_view, 28> kChineseFillers = {
    "号", "號", "的", "是", "第", "为", "嗯", "啊", "呢", "吧", "那个", "这个", "就是", "社区", "小区", "网格",
    "那边", "这边", "附近", "旁边", "门口", "一带", "那儿", "这儿", "里面", "街道", "上面", "上"};
constexpr std::array<std::string_view, 12> kPhoneWords = {"联系电话", "电话号码", "手机号码", "手机尾号", "手机号",
                                                        "尾号",     "电话",     "手机",     "座机",     "回电",
                                                        "打给",     "微信"};
// Everyday words that hold a numeral character but name no number
// ("一下", "两个人", "什么", "需要"): read as words, before the numerals are.
constexpr std::array<std::string_view, 48> kChineseWords = {
    "一下", "一个", "一点", "一直", "一起", "一样", "一些", "一般", "一会", "一边", "一定", "一切",
    "一共", "一旦", "一路", "一种", "一次", "一片", "一条", "一根", "一位", "一名", "一辆", "一声",
    "一阵", "统一", "万一", "两个", "两边", "两人", "两位", "两辆", "十分", "什么", "怎么", "这么",
    "那么", "多么", "需要", "不要", "想要", "重要", "主要", "只要", "对面", "对了", "一看", "看一"};
// Measure words and units right after a number: it counts something.
constexpr std::array<std::string_view, 44> kChineseUnits = {
    "多", "几", "来号", "左右",  // 七百多, 三十几, 一百来号, 五百左右: about, not a number read off a pole
    "号楼", "号院", "号门", "号线", "号房", "号口", "单元", "楼", "层", "室", "户", "栋", "幢", "座",
    "点钟", "点", "分钟", "小时", "岁", "个", "人", "米", "公里", "千米", "辆", "块", "元", "天",
    "年", "月", "日", "次", "条", "路", "位", "门", "期", "区", "排", "组"};
constexpr std::array<std::string_view, 24> kEnglishFillers = {
    "pole", "poles", "number", "no", "nr", "num", "lamp", "post", "light", "streetlight", "street", "is",
    "the", "it", "says", "reads", "tag", "id", "at", "on", "near", "code", "um", "uh"};
constexpr std::array<std::string_view, 14> kEnglishUnits = {"meters", "metres", "meter", "metre", "m",      "minutes", "km",
                                                            "years",  "floor",  "people", "cars",  "am",     "pm",      "building"};
// Pinyin digits as a recogniser in pinyin mode writes them: "san qi er".
struct PinyinDigit {
  std::string_view word;
  Numeral numeral;
};
constexpr std::array<PinyinDigit, 19> kPinyinDigits = {{
    {"ling", {NumeralKind::digit, 0, Script::chinese, false}}, {"yi", {NumeralKind::digit, 1, Script::chinese, false}},
    {"yao", {NumeralKind::digit, 1, Script::radio, false}},    {"er", {NumeralKind::digit, 2, Script::chinese, false}},
    {"liang", {NumeralKind::digit, 2, Script::radio, false}},  {"san", {NumeralKind::digit, 3, Script::chinese, false}},
    {"si", {NumeralKind::digit, 4, Script::chinese, false}},   {"wu", {NumeralKind::digit, 5, Script::chinese, false}},
    {"liu", {NumeralKind::digit, 6, Script::chinese, false}},  {"qi", {NumeralKind::digit, 7, Script::chinese, false}},
    {"guai", {NumeralKind::digit, 7, Script::radio, false}},   {"ba", {NumeralKind::digit, 8, Script::chinese, false}},
    {"jiu", {NumeralKind::digit, 9, Script::chinese, false}},  {"gou", {NumeralKind::digit, 9, Script::radio, false}},
    {"dong", {NumeralKind::digit, 0, Script::radio, false}},   {"shi", {NumeralKind::multiplier, 1, Script::chinese, false}},
    {"bai", {NumeralKind::multiplier, 2, Script::chinese, false}},
    {"qian", {NumeralKind::multiplier, 3, Script::chinese, false}},
    {"wan", {NumeralKind::multiplier, 4, Script::chinese, false}},
}};
// English phrases of correction and confirmation, word sequences.
constexpr std::array<std::string_view, 9> kEnglishCorrections = {"no wait", "sorry", "i mean", "correction", "actually",
                                                                 "no no",   "wait",  "scratch that", "make that"};
constexpr std::array<std::string_view, 4> kEnglishConfirmations = {"yes", "yeah", "correct", "right"};

template <std::size_t N>
std::size_t prefix_at(std::string_view text, std::size_t pos, const std::array<std::string_view, N>& words) {
  for (std::string_view w : words) {
    if (text.substr(pos, w.size()) == w) return w.size();
  }
  return 0;
}

// English phrases must end at a word edge.
template <std::size_t N>
std::size_t phrase_at(std::string_view text, std::size_t pos, const std::array<std::string_view, N>& phrases) {
  for (std::string_view w : phrases) {
    if (text.substr(pos, w.size()) == w && (pos + w.size() == text.size() || !is_ascii_letter(text[pos + w.size()]))) {
      return w.size();
    }
  }
  return 0;
}

std::optional<Numeral> pinyin_digit(std::string_view w) {
  for (const PinyinDigit& p : kPinyinDigits) {
    if (p.word == w) return p.numeral;
  }
  return std::nullopt;
}

std::string_view word_at(std::string_view text, std::size_t pos) {
  std::size_t e = pos;
  while (e < text.size() && is_ascii_letter(text[e])) ++e;
  return text.substr(pos, e - pos);
}

// After `end` (past spaces and commas) comes an English number word, a digit or a Chinese numeral.
bool next_is_numeral_word(std::string_view text, std::size_t end) {
  while (end < text.size() && (text[end] == ' ' || text[end] == ',')) ++end;
  if (end >= text.size()) return false;
  if (is_ascii_digit(text[end])) return true;
  if (static_cast<unsigned char>(text[end]) >= 0x80) return is_strong_numeral(decode_utf8(text, end));  // FOR一五五
  return english_numeral(word_at(text, end)).has_value();
}

// The code spelled by the word `w` at `pos`, when a number follows it.
std::optional<std::uint32_t> code_before_number(const AliasTable& aliases, std::string_view text, std::size_t pos,
                                                std::string_view w) {
  if (!next_is_numeral_word(text, pos + w.size())) return std::nullopt;
  std::string upper(w);
  for (char& ch : upper) ch = static_cast<char>(ch - 'a' + 'A');
  return aliases.find_code(upper);
}

// A pinyin digit counts only beside another one ("san qi er"), so that a
// lone "er" or "wu" in English stays a word.
bool pinyin_neighbour(std::string_view text, std::size_t begin, std::size_t end) {
  if (end + 1 < text.size() && text[end] == ' ' && pinyin_digit(word_at(text, end + 1))) return true;
  if (begin >= 2 && text[begin - 1] == ' ') {
    std::size_t b = begin - 1;
    while (b > 0 && is_ascii_letter(text[b - 1])) --b;
    if (b < begin - 1 && pinyin_digit(text.substr(b, begin - 1 - b))) return true;
  }
  return false;
}

bool is_cjk_at(std::string_view text, std::size_t pos) { return pos < text.size() && static_cast<unsigned char>(text[pos]) >= 0x80; }

// "北京市", "朝阳区" before an area or place: 1-4 characters ending in 市, 区 or 县.
std::size_t admin_at(std::string_view text, std::size_t pos, const AliasTable& aliases, const Gazetteer& gazetteer, int depth = 0) {
  std::size_t t = pos;
  for (int chars = 0; chars < 5 && t < text.size() && is_cjk_at(text, t); ++chars) {
    const char32_t c = decode_utf8(text, t);
    if (chars == 0 || !(c == U'市' || c == U'区' || c == U'县')) continue;
    std::size_t next = t;
    if (next < text.size() && text[next] == ' ') ++next;
    if (aliases.match_at(text, next) || gazetteer.match_at(text, next) ||
        (depth < 2 && admin_at(text, next, aliases, gazetteer, depth + 1))) {
      return t - pos;
    }
  }
  return 0;
}

// The numerals at the end of `out` follow a pole word or 号是 (杆号是三八四…): the
// caller is reading the pole, so a 栋 after them is the radio 洞, not a building.
bool introduced_number(const std::vector<Token>& out, std::string_view text) {
  std::size_t k = out.size();
  while (k > 0 && out[k - 1].kind == TokenKind::numeral) --k;
  if (k == 0) return false;
  const Token& t = out[k - 1];
  const std::string_view word = text.substr(t.begin, t.end - t.begin);
  return t.kind == TokenKind::pole_word || (t.kind == TokenKind::filler && (word == "是" || word == "号"));
}

}  // namespace

bool is_place_suffix(char32_t c) {
  static constexpr std::u32string_view kSuffixes = U"楼村庄路街道湖园门桥里屯营坊寺区镇乡口店台河山城苑府堡湾站";
  return kSuffixes.find(c) != std::u32string_view::npos;
}

void tokenise(std::string_view text, const AliasTable& aliases, const Gazetteer& gazetteer, std::vector<Token>& out,
              CodeWords code_words, bool* code_word_seen) {
  out.clear();
  std::size_t pos = 0;
  bool pause = false;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == ' ' || c == ',') {
      pause |= c == ',';
      ++pos;
      continue;
    }
    Token t;
    t.begin = static_cast<std::uint32_t>(pos);
    t.pause_before = pause;
    pause = false;
    const bool after_numeral = !out.empty() && out.back().kind == TokenKind::numeral && out.back().end + 1 >= pos;
    // Right after an area ("six two three three", "four one three three"): a plate
    // has one code, so a number word here is a digit even where it spells a code.
    const bool after_area = !out.empty() && out.back().kind == TokenKind::alias && out.back().end + 1 >= pos;
    auto alias = aliases.match_at(text, pos);
    auto place = gazetteer.match_at(text, pos);
    // A name heard by sound (the gazetteer: 寿秋饮路 for 寿秋银路) wins over the
    // table's guess with one character wrong (寿秋友路) as far as it reaches;
    // otherwise the table's own match wins a tie.
    if (alias && alias->misheard && place && place->end >= alias->end) alias.reset();
    if (alias && place && place->end <= alias->end) place.reset();
    if (place && alias && place->end > alias->end) alias.reset();
    if (is_ascii_letter(c)) {
      // An area code that is also a number word (see CodeWords). Where it is
      // read as the number word, there is no code to look up, and the text needs
      // no second reading for it.
      const std::string_view w = word_at(text, pos);
      if (english_numeral(w)) {
        const bool whole_word_alias = alias && alias->end == pos + w.size();
        if (code_words == CodeWords::as_numerals || after_numeral || after_area) {
          if (whole_word_alias) alias.reset();
        } else if (whole_word_alias) {
          if (code_word_seen) *code_word_seen = true;
        } else if (!alias) {
          // A code that is a short English word ("oh", "for") counts before a number word only.
          if (auto code = code_before_number(aliases, text, pos, w)) {
            alias = AliasTable::Match{*code, pos + w.size(), AliasTable::MatchForm::code, aliases.code(*code)};
            if (code_word_seen) *code_word_seen = true;
          }
        }
      } else if (!alias && !place && !after_numeral) {
        // A code that is a short English word ("no", "at", "to") matches only with
        // digits right after it ("no170"). Said or printed apart ("NO-170", "no 170")
        // it is the code or the word ("No. 170"): both readings, the registry decides.
        if (auto code = code_before_number(aliases, text, pos, w)) {
          if (code_words == CodeWords::as_codes) {
            alias = AliasTable::Match{*code, pos + w.size(), AliasTable::MatchForm::code, aliases.code(*code)};
          }
          if (code_word_seen) *code_word_seen = true;
        }
      }
    }
    if (alias) {
      t.kind = TokenKind::alias;
      t.alias = *alias;
      t.by_sound = alias->misheard ? 1 : 0;
      pos = alias->end;
    } else if (place) {
      const Place& p = gazetteer.place(place->place);
      if (p.kind == PlaceKind::area) {
        t.kind = TokenKind::alias;
        t.alias = AliasTable::Match{static_cast<std::uint32_t>(p.code), place->end, AliasTable::MatchForm::alias, p.name,
                                    place->by_sound > 0, place->ambiguous};
        t.abbreviation = place->abbreviation;
        if (place->tie >= 0 && gazetteer.place(static_cast<std::uint32_t>(place->tie)).kind == PlaceKind::area) {
          t.tied_place = place->tie;
        }
      } else {
        t.kind = TokenKind::place;
        t.place = place->place;
      }
      t.by_sound = place->by_sound;
      pos = place->end;
    } else if (is_ascii_digit(c)) {
      t.kind = TokenKind::numeral;
      t.numeral = {NumeralKind::digit, static_cast<std::uint8_t>(c - '0'), Script::arabic, false};
      ++pos;
    } else if (is_ascii_letter(c)) {
      const std::string_view w = word_at(text, pos);
      std::size_t e = pos + w.size();
      const bool digit_next = e < text.size() && is_ascii_digit(text[e]);
      const bool digit_after_space = e + 1 < text.size() && text[e] == ' ' && is_ascii_digit(text[e + 1]);
      if (w == "no" && t.pause_before && (e == text.size() || text[e] == ',')) {
        t.kind = TokenKind::correction;  // "five four two, no, five four three"
      } else if (std::size_t n = phrase_at(text, pos, kEnglishCorrections)) {
        t.kind = TokenKind::correction;
        e = pos + n;
      } else if (std::size_t n2 = phrase_at(text, pos, kEnglishConfirmations)) {
        t.kind = TokenKind::confirm;
        e = pos + n2;
      } else if (auto n3 = english_numeral(w)) {
        t.kind = TokenKind::numeral;
        t.numeral = *n3;
      } else if (auto p = pinyin_digit(w); p && pinyin_neighbour(text, pos, e)) {
        t.kind = TokenKind::numeral;
        t.numeral = *p;
      } else if (is_english_numeral_glue(w)) {
        t.kind = TokenKind::glue;
      } else if (after_numeral && std::find(kEnglishUnits.begin(), kEnglishUnits.end(), w) != kEnglishUnits.end()) {
        t.kind = TokenKind::unit;
      } else if (std::find(kEnglishFillers.begin(), kEnglishFillers.end(), w) != kEnglishFillers.end()) {
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
      std::size_t n = 0;
      std::size_t after = next;
      if (t.pause_before && cp == U'不' &&
          (after == text.size() || text[after] == ',' || is_ascii_digit(text[after]) ||
           chinese_numeral(decode_utf8(text, after)))) {
        t.kind = TokenKind::correction;  // 五四二，不，五四三
        n = 3;
      } else if ((n = prefix_at(text, pos, kCorrections))) {
        t.kind = TokenKind::correction;
        t.negation = text.substr(pos, n) == "不是";
      } else if ((n = prefix_at(text, pos, kChineseWords))) {
        t.kind = TokenKind::other;
      } else if ((n = prefix_at(text, pos, kConfirmations))) {
        t.kind = TokenKind::confirm;
      } else if ((n = prefix_at(text, pos, kPhoneWords))) {
        t.kind = TokenKind::phone_word;
      } else if ((n = prefix_at(text, pos, kPoleWords))) {
        t.kind = TokenKind::pole_word;
      } else if (after_numeral && (n = prefix_at(text, pos, kChineseUnits)) &&
                 !((cp == U'栋' || cp == U'点') && pos + n < text.size() && [&] {
                   std::size_t k = pos + n;
                   auto num = chinese_numeral(decode_utf8(text, k));
                   return num.has_value() || is_ascii_digit(text[pos + n]);
                 }()) &&
                 !(cp == U'栋' && (out.back().numeral.script == Script::radio || introduced_number(out, text)))) {
        t.kind = TokenKind::unit;  // 7号楼, 3单元, 晚上8点; but 三栋七 and 八洞栋 are radio digits
      } else if ((n = prefix_at(text, pos, kChineseFillers))) {
        t.kind = TokenKind::filler;
      } else if (auto num = chinese_numeral(cp)) {
        t.kind = TokenKind::numeral;
        t.numeral = *num;
        n = next - pos;
      } else if ((n = admin_at(text, pos, aliases, gazetteer))) {
        t.kind = TokenKind::admin;
      } else {
        t.kind = TokenKind::other;
        n = next - pos;
      }
      pos += n;
    }
    t.end = static_cast<std::uint32_t>(pos);
    out.push_back(t);
  }
}

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

}  // namespace poleloc::spoken
