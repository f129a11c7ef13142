#include "spoken/nato_alphabet.hpp"

#include <array>

namespace poleloc::spoken {
namespace {

constexpr std::array<std::string_view, 26> kWords = {
    "alfa",   "bravo",  "charlie", "delta",   "echo",   "foxtrot", "golf",   "hotel",   "india",
    "juliett", "kilo",  "lima",    "mike",    "november", "oscar", "papa",   "quebec",  "romeo",
    "sierra", "tango",  "uniform", "victor",  "whiskey", "xray",   "yankee", "zulu"};

struct Variant {
  std::string_view word;
  char letter;
};
// Spellings people and recognisers use besides the ICAO ones.
constexpr std::array<Variant, 5> kVariants = {
    Variant{"alpha", 'A'}, Variant{"juliet", 'J'}, Variant{"whisky", 'W'}, Variant{"x-ray", 'X'},
    Variant{"charly", 'C'}};

constexpr std::array<Variant, 36> kLetterNames = {
    Variant{"ay", 'A'},   Variant{"bee", 'B'},  Variant{"see", 'C'},   Variant{"cee", 'C'},  Variant{"dee", 'D'},
    Variant{"ee", 'E'},   Variant{"ef", 'F'},   Variant{"eff", 'F'},   Variant{"gee", 'G'},  Variant{"aitch", 'H'},
    Variant{"haitch", 'H'}, Variant{"eye", 'I'}, Variant{"jay", 'J'},  Variant{"kay", 'K'},  Variant{"el", 'L'},
    Variant{"ell", 'L'},  Variant{"em", 'M'},   Variant{"en", 'N'},    Variant{"pee", 'P'},  Variant{"cue", 'Q'},
    Variant{"queue", 'Q'}, Variant{"ar", 'R'},  Variant{"are", 'R'},   Variant{"ess", 'S'},  Variant{"tee", 'T'},
    Variant{"tea", 'T'},  Variant{"you", 'U'},  Variant{"vee", 'V'},   Variant{"ex", 'X'},   Variant{"why", 'Y'},
    Variant{"wye", 'Y'},  Variant{"zed", 'Z'},  Variant{"zee", 'Z'},   Variant{"gee", 'G'},  Variant{"oh", 'O'},
    Variant{"es", 'S'}};

}  // namespace

char letter_name(std::string_view word) {
  for (const Variant& v : kLetterNames) {
    if (v.word == word) return v.letter;
  }
  return 0;
}

char nato_letter(std::string_view word) {
  if (word.size() < 4 || word.size() > 8) return 0;
  for (std::size_t i = 0; i < kWords.size(); ++i) {
    if (kWords[i] == word) return static_cast<char>('A' + i);
  }
  for (const Variant& v : kVariants) {
    if (v.word == word) return v.letter;
  }
  return 0;
}

std::string_view nato_word(char letter) {
  if (letter >= 'a' && letter <= 'z') return kWords[letter - 'a'];
  if (letter >= 'A' && letter <= 'Z') return kWords[letter - 'A'];
  return {};
}

}  // namespace poleloc::spoken
