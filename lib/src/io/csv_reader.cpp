#include "io/csv_reader.hpp"

#include <poleloc/utf8.hpp>

#include <cerrno>
#include <cstring>

namespace poleloc::io {

CsvReader::~CsvReader() {
  if (file_) std::fclose(file_);
}

Status CsvReader::open(const std::string& path) {
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) return {ErrorCode::io_error, path + ": cannot open: " + std::strerror(errno)};
  buf_.resize(1 << 16);
  return Status::ok();
}

int CsvReader::get() {
  if (pos_ == len_) {
    len_ = std::fread(buf_.data(), 1, buf_.size(), file_);
    pos_ = 0;
    if (len_ == 0) return EOF;
  }
  ++bytes_;
  return static_cast<unsigned char>(buf_[pos_++]);
}

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  row_error_.clear();
  if (!file_ || !fatal_.empty()) return false;
  if (first_) {
    first_ = false;
    int a = get(), b = a == 0xEF ? get() : EOF, c = b == 0xBB ? get() : EOF;
    if (!(a == 0xEF && b == 0xBB && c == 0xBF)) {
      // Not a BOM: push the bytes back by rewinding the buffer position.
      const int consumed = (a == EOF ? 0 : 1) + (b == EOF ? 0 : 1) + (c == EOF ? 0 : 1);
      pos_ -= consumed;
      bytes_ -= consumed;
    }
  }
  for (;;) {  // skip blank lines
    row_line_ = line_;
    std::string field;
    bool quoted = false, any = false;
    int c = get();
    if (c == EOF) return false;
    for (;;) {
      if (c == EOF) {
        if (quoted) {
          fatal_ = "unterminated quoted field (the quote opened on line " + std::to_string(row_line_) + " never closes)";
          return false;
        }
        break;
      }
      any = true;
      if (quoted) {
        if (c == '"') {
          int d = get();
          if (d == '"') {
            field.push_back('"');
          } else {
            quoted = false;
            c = d;
            continue;
          }
        } else {
          if (c == '\n') ++line_;
          field.push_back(static_cast<char>(c));
        }
      } else if (c == '"' && field.empty()) {
        quoted = true;
      } else if (c == ',') {
        fields.push_back(std::move(field));
        field.clear();
      } else if (c == '\n') {
        ++line_;
        break;
      } else if (c == '\r') {
        // CRLF or a lone CR: both end the row.
      } else {
        field.push_back(static_cast<char>(c));
      }
      c = get();
    }
    if (!any) return false;
    fields.push_back(std::move(field));
    if (fields.size() == 1 && fields[0].empty()) {
      fields.clear();
      continue;  // blank line
    }
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (auto at = invalid_utf8_offset(fields[i]); at != std::string_view::npos) {
        row_error_ = "not valid UTF-8 in column " + std::to_string(i + 1) + " (byte " + std::to_string(at) +
                     " of the field); files must be UTF-8";
        break;
      }
    }
    return true;
  }
}

}  // namespace poleloc::io
