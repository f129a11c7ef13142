#include "spoken/read_back.hpp"

#include "spoken/chinese_numerals.hpp"
#include "spoken/english_numerals.hpp"
#include "spoken/nato_alphabet.hpp"

#include <poleloc/number.hpp>

namespace poleloc::spoken {

std::string read_back(std::string_view number, std::string_view display_name, Language language) {
  const NumberParts parts = split_number(number);
  std::string out;
  if (language == Language::chinese) {
    out.append(display_name.empty() ? parts.area : display_name);
    if (!out.empty()) out.push_back(' ');
    for (char c : parts.serial) {
      if (c >= '0' && c <= '9') {
        out.append(radio_digit(c - '0'));
      } else {
        out.push_back(c);
      }
    }
    return out;
  }
  auto word = [&out](std::string_view w) {
    if (!out.empty()) out.push_back(' ');
    out.append(w);
  };
  for (char c : parts.area) word(nato_word(c));
  for (char c : parts.serial) {
    if (c >= '0' && c <= '9') {
      word(english_digit_word(c - '0'));
    } else {
      word(nato_word(c));
    }
  }
  return out;
}

}  // namespace poleloc::spoken
