#include <poleloc/number.hpp>

#include <cstdint>

namespace poleloc {
namespace {

// Decodes one UTF-8 code point at s[i]; returns 0 and advances by 1 on a bad byte.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0;
  }
  char32_t cp = b0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += len;
  return cp;
}

bool is_separator(char32_t c) {
  return c == ' ' || c == '\t' || c == '-' || c == '_' || c == '.' || c == '/' || c == 0x3000 /* ideographic space */ ||
         c == 0xFF0D /* full-width hyphen */ || c == 0x2010 || c == 0x2011 || c == 0x2012 || c == 0x2013 ||
         c == 0x2014 || c == 0xFF0E || c == 0xFF0F || c == 0x00B7;
}

}  // namespace

bool is_canonical_number(std::string_view s) {
  if (s.empty() || s.size() > kMaxNumberLength) return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

std::optional<std::string> canonical_number(std::string_view printed) {
  if (is_canonical_number(printed)) return std::string(printed);  // the common case, no decoding
  if (printed.size() > 4 * kMaxNumberLength + 16) return std::nullopt;
  std::string out;
  out.reserve(printed.size());
  std::size_t i = 0;
  bool seen_content = false;
  bool ended = false;  // after a trailing 号 nothing but spaces may follow
  while (i < printed.size()) {
    char32_t c = next_code_point(printed, i);
    if (c == 0) return std::nullopt;
    if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;  // full-width ASCII -> ASCII
    if (is_separator(c)) continue;
    if (ended) return std::nullopt;
    if (c == 0x53F7 /* 号 */) {
      if (!seen_content) return std::nullopt;
      ended = true;
      continue;
    }
    if (c == '#' && !seen_content) continue;
    if (!seen_content && (c == 'N' || c == 'n') && i < printed.size() &&
        (printed[i] == 'o' || printed[i] == 'O') && i + 1 < printed.size() && printed[i + 1] == '.') {
      i += 2;  // "No." prefix
      continue;
    }
    if (c >= 'a' && c <= 'z') c -= 'a' - 'A';
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return std::nullopt;
    out.push_back(static_cast<char>(c));
    seen_content = true;
  }
  if (!is_canonical_number(out)) return std::nullopt;
  return out;
}

NumberParts split_number(std::string_view canonical) {
  std::size_t k = 0;
  while (k < canonical.size() && canonical[k] >= 'A' && canonical[k] <= 'Z') ++k;
  return {canonical.substr(0, k), canonical.substr(k)};
}

}  // namespace poleloc
