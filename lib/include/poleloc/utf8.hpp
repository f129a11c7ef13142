// poleloc/utf8.hpp: the one UTF-8 check every input path uses.
//
// ```cpp
// std::string_view text = "caf\xc3";
// if (auto at = poleloc::invalid_utf8_offset(text); at != std::string_view::npos)
//   std::cerr << "not UTF-8 at byte " + std::to_string(at) << '\n';
// ```
//
// Strict: rejects overlong forms, surrogates and code points above U+10FFFF.
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <string_view>

namespace poleloc {

// Byte offset of the first invalid UTF-8 sequence in `s`, or npos if it is valid.
std::size_t invalid_utf8_offset(std::string_view s);

}  // namespace poleloc
