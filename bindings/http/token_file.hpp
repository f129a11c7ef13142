// token_file.hpp: the bearer tokens that may write, read from the token file.
//
//   # /etc/poleloc/tokens (mode 0600 or 0400: refused if group or others may read it)
//   dispatch-centre:9c1f0e7a55d24b7fa1c3d2e8
//   gis-sync:4b8e1d0c7a2f49e6b5d3c1a0
//   7f3a9e2c1b4d4e8fa6c5b0d9        <- a line without a name is named "default"
//
//   auto tokens = http::read_token_file("/etc/poleloc/tokens");  // Result<std::vector<NamedToken>>
//   auto who = http::find_token(*tokens, given);                  // const NamedToken* or nullptr
//
// One token per line, `NAME:TOKEN` or `TOKEN`. NAME is 1..64 of A-Z a-z 0-9 . _ @ -
// and is what the access log shows as the writer of each write (the audit
// trail); a TOKEN is at least kMinTokenLength visible ASCII characters (no
// blanks). Blank lines and lines starting with '#' are skipped. A UTF-8
// byte-order mark and CR line ends (CRLF from Windows editors) are removed
// rather than becoming part of a token. Names and tokens must be unique.
//
// Errors (the server refuses to start): io_error when the file cannot be read,
// bad_request when it is readable by group or others, empty, or a line is
// malformed. Messages give the file and line but never the token text.
//
// Thread-safety: pure functions; find_token is const over its input.
#pragma once

#include <poleloc/status.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace poleloc::http {

inline constexpr std::size_t kMinTokenLength = 16;

struct NamedToken {
  std::string name;   // "default" for a line without a name
  std::string token;
};

// Parses the text of a token file; `path` is only used in messages.
Result<std::vector<NamedToken>> parse_token_file(std::string_view text, std::string_view path);

// Reads and parses the file after checking its permissions (mode & 077 == 0).
Result<std::vector<NamedToken>> read_token_file(const std::string& path);

// The entry whose token equals `given`, or nullptr. Every token is compared in
// constant time and all of them are compared, so the answer time does not tell
// which token (or how much of one) was right.
const NamedToken* find_token(const std::vector<NamedToken>& tokens, std::string_view given);

}  // namespace poleloc::http
