// tokens.hpp: a caller's normalised text cut into the words readings care about.
//
//   std::vector<Token> tokens;
//   tokenise(normalise_text("我在团结湖8号楼下面，杆号六四二，不对，六四三"), aliases, gazetteer, tokens);
//   // 我 在 | 团结湖 (alias) | 8 (numeral) | 号楼 (unit) | 下 面 | 杆号 (pole word)
//   // | 六 四 二 (numerals) | 不对 (correction) | 六 四 三 (numerals)
//
// Token kinds:
//   numeral      one numeral word: 三, 3, 幺, 俩, three, san (pinyin);
//   glue         "and" between English numerals;
//   alias        a way to say an area code (alias_table.hpp), or an area's
//                name matched by sound or as the long name a short alias
//                abbreviates (gazetteer.hpp);
//   place        a community, compound, school, market or road (gazetteer.hpp);
//   filler       words that neither break nor start a number (号, 的, 是, 社区, 那边);
//   pole_word    words that introduce the pole's number (杆号, 编号, 电线杆, 路灯杆,
//                写着, "pole number"): the run after them is the one the caller means;
//   admin        a city or district before an area (北京市, 朝阳区): the long form;
//   correction   the caller takes back what came before (不对, 不是, 错了, 等一下,
//                我再看看, 应该是, "no wait", "i mean");
//   confirm      the caller confirms (对, 没错, 对的, "yes", "correct");
//   phone_word   words before a phone number (手机尾号, 电话, 手机号): the number after
//                them is not the pole's;
//   unit         a measure word after a number: the number counts something (号楼,
//                单元, 号院, 层, 点, 岁, 个, 米, "meters");
//   unknown_letters  letters right before digits that name no area (XYZ0372);
//   other        anything else; it separates numbers.
//
// Thread-safety: pure functions; the tables are only read.
#pragma once

#include "spoken/alias_table.hpp"
#include "spoken/gazetteer.hpp"
#include "spoken/numeral.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace poleloc::spoken {

enum class TokenKind : std::uint8_t {
  numeral,
  glue,
  alias,
  place,
  filler,
  pole_word,
  phone_word,
  admin,
  correction,
  confirm,
  unit,
  unknown_letters,
  other,
};

struct Token {
  TokenKind kind = TokenKind::other;
  Numeral numeral;
  std::uint32_t begin = 0, end = 0;  // bytes of the normalised text
  AliasTable::Match alias;           // kind alias
  std::uint32_t place = 0;           // kind place: Gazetteer index
  std::uint8_t by_sound = 0;         // alias or place: characters matched by sound
  bool abbreviation = false;         // alias: a two-character alias said as its long name
  std::int32_t tied_place = -1;      // alias heard by sound that another area's name ties: that area (Gazetteer index)
  bool pause_before = false;         // a pause (',' in the normalised text) right before it
  bool negation = false;             // correction: 不是, which may take back the number after it
};

// A run of numerals: token indexes [first, last], inclusive.
struct Run {
  std::size_t first = 0, last = 0;
};

// Area codes that are also number words (ONE, TEN, SIX, OH, FOR, ATE): "one
// zero three seven two" is ONE0372 or 10372, and only the registry can tell.
//   as_codes     such a word is the code where a code can stand: not right
//                after a numeral ("six zero one two": SIX012, the "two" is a
//                digit), and before a number word even for a code that is a
//                short English word (OH, FOR: otherwise codes only before digits);
//   as_numerals  such a word is always the number word.
// read_text() reads both when the text holds such a word and lets the
// registry decide between them.
enum class CodeWords : std::uint8_t { as_codes, as_numerals };

// `code_word_seen` (optional): set when a word could be either. A code that is
// a short English word ("NO", "AT", "TO") before a number said apart from it
// ("NO-170", "no 170", "No. 170") is such a word too: as_codes reads it as the
// code, as_numerals as the word.
void tokenise(std::string_view normalised, const AliasTable& aliases, const Gazetteer& gazetteer, std::vector<Token>& out,
              CodeWords code_words = CodeWords::as_codes, bool* code_word_seen = nullptr);

// Runs of numerals; "and" joins English numerals ("three hundred and five").
void find_runs(const std::vector<Token>& tokens, std::vector<Run>& runs);

// A Chinese place-name character (楼 村 庄 路 里 ...): the last character of an
// unknown place name before a number.
bool is_place_suffix(char32_t c);

}  // namespace poleloc::spoken
