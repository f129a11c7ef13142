// nato_alphabet.hpp: the radio spelling alphabet, both ways.
//
//   nato_letter("juliett");   // 'J' (also "juliet")
//   nato_letter("xray");      // 'X' ("x-ray" normalises to "x ray", which readings join)
//   nato_word('T');           // "tango"
//   letter_name("jay");       // 'J': how an English speaker says the letter
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

namespace poleloc::spoken {

// The upper-case letter a lower-case NATO word spells, or 0.
char nato_letter(std::string_view word);

// The upper-case letter whose English name `word` is ("tee", "jay", "aitch",
// "zed"), or 0. Names that are also common words ("see", "why", "you") count
// too: the alias matcher accepts them only when the letters spell a known code.
char letter_name(std::string_view word);

// The NATO word for an ASCII letter (either case); empty for anything else.
std::string_view nato_word(char letter);

}  // namespace poleloc::spoken
