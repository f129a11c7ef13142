// recode.hpp: a text file in another encoding (GBK, GB18030, Big5, ...) -> UTF-8 (glibc iconv).
//
//   auto text = io::read_as_utf8("poles.csv", "GBK");   // Result<std::string>
//   if (!text) fail(text.status().message());           // "line 12 is not valid GBK (byte 0x80 at offset 345)"
//
// "UTF-8" (any case, with or without the dash) and "" return the bytes as they are.
//
// Thread-safety: pure function.
#pragma once

#include <poleloc/status.hpp>

#include <string>

namespace poleloc::io {

bool is_utf8_name(const std::string& encoding);

Result<std::string> read_as_utf8(const std::string& path, const std::string& encoding);

}  // namespace poleloc::io
