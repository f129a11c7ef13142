#include "io/recode.hpp"

#include <iconv.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace poleloc::io {

bool is_utf8_name(const std::string& encoding) {
  std::string l;
  for (char c : encoding) {
    if (c != '-' && c != '_') l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return l.empty() || l == "utf8";
}

Result<std::string> read_as_utf8(const std::string& path, const std::string& encoding) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(ErrorCode::io_error, path + ": cannot open: " + std::strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (is_utf8_name(encoding)) return bytes;
  iconv_t cd = iconv_open("UTF-8", encoding.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return Status(ErrorCode::bad_request,
                  "unknown encoding '" + encoding + "' (accepted: what iconv knows, e.g. GBK, GB18030, BIG5, UTF-8)");
  }
  std::string out(bytes.size() * 2 + 16, '\0');
  char* src = bytes.data();
  std::size_t src_left = bytes.size();
  char* dst = out.data();
  std::size_t dst_left = out.size();
  Status st = Status::ok();
  while (src_left > 0) {
    if (iconv(cd, &src, &src_left, &dst, &dst_left) != static_cast<std::size_t>(-1)) continue;
    if (errno == E2BIG) {
      const std::size_t used = out.size() - dst_left;
      out.resize(out.size() * 2);
      dst = out.data() + used;
      dst_left = out.size() - used;
      continue;
    }
    const std::size_t offset = bytes.size() - src_left;
    const std::size_t line = 1 + std::count(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
    char buf[160];
    std::snprintf(buf, sizeof buf, "line %zu is not valid %s (byte 0x%02X at offset %zu)", line, encoding.c_str(),
                  static_cast<unsigned char>(bytes[offset]), offset);
    st = Status(ErrorCode::invalid_input, buf);
    break;
  }
  iconv_close(cd);
  if (!st) return st;
  out.resize(out.size() - dst_left);
  return out;
}

}  // namespace poleloc::io
