#include "token_file.hpp"

#include "request_parsers.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace poleloc::http {
namespace {

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '@' || c == '-';
}

bool is_token_char(char c) { return c > 0x20 && c < 0x7F; }

std::string where(std::string_view path, std::size_t line) {
  return "token file '" + std::string(path) + "' line " + std::to_string(line);
}

}  // namespace

Result<std::vector<NamedToken>> parse_token_file(std::string_view text, std::string_view path) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  std::vector<NamedToken> tokens;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;

    NamedToken entry{"default", ""};
    std::string_view token = line;
    if (const auto colon = line.find(':'); colon != std::string_view::npos) {
      const std::string_view name = line.substr(0, colon);
      token = line.substr(colon + 1);
      if (name.empty() || name.size() > 64) {
        return Status(ErrorCode::bad_request, where(path, line_number) + ": a name before ':' must be 1 to 64 characters");
      }
      for (char c : name) {
        if (!is_name_char(c)) {
          return Status(ErrorCode::bad_request,
                        where(path, line_number) + ": a name may hold only A-Z a-z 0-9 . _ @ - (write NAME:TOKEN)");
        }
      }
      entry.name = std::string(name);
    }
    for (char c : token) {
      if (!is_token_char(c)) {
        return Status(ErrorCode::bad_request,
                      where(path, line_number) + ": a token may hold only visible ASCII characters, no blanks");
      }
    }
    if (token.size() < kMinTokenLength) {
      return Status(ErrorCode::bad_request, where(path, line_number) + ": the token has " +
                                                     std::to_string(token.size()) + " characters; at least " +
                                                     std::to_string(kMinTokenLength) + " are required");
    }
    for (const NamedToken& other : tokens) {
      if (other.name == entry.name) {
        return Status(ErrorCode::bad_request,
                      where(path, line_number) + ": the name '" + entry.name + "' is given twice");
      }
      if (other.token == token) {
        return Status(ErrorCode::bad_request,
                      where(path, line_number) + ": the same token as '" + other.name + "'; give each writer its own");
      }
    }
    entry.token = std::string(token);
    tokens.push_back(std::move(entry));
  }
  if (tokens.empty()) {
    return Status(ErrorCode::bad_request, "token file '" + std::string(path) + "' holds no token");
  }
  return tokens;
}

Result<std::vector<NamedToken>> read_token_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status(ErrorCode::io_error, "cannot read token file '" + path + "': " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return Status(ErrorCode::bad_request, "token file '" + path + "' is not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status(ErrorCode::bad_request, "token file '" + path + "' has mode " + mode +
                                                   ": group or others may read it; run chmod 600 on it");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(ErrorCode::io_error, "cannot read token file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_token_file(text.str(), path);
}

const NamedToken* find_token(const std::vector<NamedToken>& tokens, std::string_view given) {
  const NamedToken* found = nullptr;
  for (const NamedToken& t : tokens) {
    // No early exit: every token is compared whatever the outcome.
    const bool same = constant_time_equal(t.token, given);
    found = same ? &t : found;
  }
  return found;
}

}  // namespace poleloc::http
