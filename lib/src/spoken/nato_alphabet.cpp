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

}  // namespace

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
