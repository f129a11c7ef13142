#include <poleloc/utf8.hpp>

namespace poleloc {

std::size_t invalid_utf8_offset(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = (b0 >> 5) == 0x6 && b0 >= 0xC2 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E && b0 <= 0xF4 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return i;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
    }
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if ((b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 >= 0xA0) || (b0 == 0xF0 && b1 < 0x90) ||
        (b0 == 0xF4 && b1 >= 0x90)) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

}  // namespace poleloc
