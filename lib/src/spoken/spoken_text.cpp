#include "spoken/spoken_text.hpp"

#include "spoken/chinese_numerals.hpp"
#include "spoken/pronunciation.hpp"

namespace poleloc::spoken {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0xF900 && c <= 0xFAFF) ||
         c == 0x3007 /* 〇 */;
}

// Characters that only separate words: punctuation of both scripts and spaces.
bool is_separator(char32_t c) {
  if (c < 0x80) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return !alnum;  // controls, spaces and every ASCII punctuation mark
  }
  if (c == 0x00A0 || c == 0x00B7 || c == 0x00D7) return true;   // nbsp, middle dot, ×
  if (c >= 0x2000 && c <= 0x206F) return true;                  // general punctuation, dashes, …
  if (c >= 0x3000 && c <= 0x3003) return true;                  // ideographic space, 、 。 〃
  if (c >= 0x3008 && c <= 0x3011) return true;                  // 〈〉《》「」『』【】
  if (c >= 0x3014 && c <= 0x301F) return true;                  // 〔〕 and friends
  if (c >= 0xFE10 && c <= 0xFE6F) return true;                  // vertical / small forms
  if (c >= 0xFF00 && c <= 0xFF0F) return true;                  // full-width ！＂＃…／
  if (c >= 0xFF1A && c <= 0xFF20) return true;                  // ：；＜＝＞？＠
  if (c >= 0xFF3B && c <= 0xFF40) return true;                  // ［＼］＾＿｀
  if (c >= 0xFF5B && c <= 0xFF65) return true;                  // ｛｜｝～ and half-width ｡｢｣､･
  if (c == kReplacement || c == 0xFEFF) return true;
  return false;
}

// Punctuation where a speaker pauses: a recogniser writes it between a number
// and its repeat or correction ("七二一，七二一", "三七……三七五").
bool is_pause(char32_t c) {
  return c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == 0x3001 || c == 0x3002 || c == 0x2026 ||
         c == 0x2014 || c == 0x2015 || c == 0xFF61 || c == 0xFF64;
}

}  // namespace

char32_t decode_utf8(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  const int len = (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return kReplacement;
  }
  char32_t cp = b0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return kReplacement;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += len;
  return cp;
}

char32_t next_code_point(std::string_view text, std::size_t& i) {
  while (i < text.size() && text[i] == ' ') ++i;
  return i < text.size() ? decode_utf8(text, i) : 0;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string normalise_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char pending = 0;  // the separator owed before the next character
  std::size_t i = 0;
  while (i < text.size()) {
    char32_t c = decode_utf8(text, i);
    if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;  // full-width ASCII -> ASCII
    if (is_separator(c)) {
      if (!out.empty()) pending = is_pause(c) ? ',' : (pending == ',' ? ',' : ' ');
      continue;
    }
    if (pending) {
      out.push_back(pending);
      pending = 0;
    }
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    if (c >= 0x3400 && !chinese_numeral(c)) c = simplified(c);  // 幺 stays 幺 (Unihan maps it to 么)
    append_utf8(out, c);
  }
  return out;
}

bool has_cjk(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    if (is_cjk(decode_utf8(text, i))) return true;
  }
  return false;
}

}  // namespace poleloc::spoken
