#include "io/csv_reader.hpp"

#include "io/recode.hpp"

#include <poleloc/utf8.hpp>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

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

Status CsvReader::open(const std::string& path, const std::string& encoding) {
  if (is_utf8_name(encoding)) return open(path);
  auto text = read_as_utf8(path, encoding);
  if (!text) return text.status();
  converted_ = std::move(*text);
  if (converted_.empty()) converted_.push_back('\n');  // fmemopen refuses a zero-size buffer
  file_ = fmemopen(converted_.data(), converted_.size(), "rb");
  if (!file_) return {ErrorCode::io_error, path + ": cannot read the converted text: " + std::strerror(errno)};
  buf_.resize(1 << 16);
  return Status::ok();
}

void CsvReader::skip_byte_order_mark() {
  // Look at the first three bytes in the buffer itself, so that a file shorter
  // than a byte order mark is never "pushed back" past the buffer's start.
  while (len_ < 3) {
    const std::size_t got = std::fread(buf_.data() + len_, 1, 3 - len_, file_);
    if (got == 0) break;
    len_ += got;
  }
  if (len_ >= 3 && static_cast<unsigned char>(buf_[0]) == 0xEF && static_cast<unsigned char>(buf_[1]) == 0xBB &&
      static_cast<unsigned char>(buf_[2]) == 0xBF) {
    pos_ = 3;
    bytes_ += 3;
  }
}

void CsvReader::unget() {
  --pos_;
  --bytes_;
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
    skip_byte_order_mark();
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
          field.push_back(static_cast<char>(c));
          if (c == '\r' || c == '\n') {
            // A line end inside quotes is kept as written; CRLF counts as one line.
            if (c == '\r') {
              const int d = get();
              if (d == '\n') field.push_back('\n');
              else if (d != EOF) unget();
            }
            ++line_;
          }
        }
      } else if (c == '"' && field.empty()) {
        quoted = true;
      } else if (c == ',') {
        fields.push_back(std::move(field));
        field.clear();
      } else if (c == '\n' || c == '\r') {
        // LF, CRLF and a lone CR (old Mac files) all end the row.
        if (c == '\r') {
          const int d = get();
          if (d != '\n' && d != EOF) unget();
        }
        ++line_;
        break;
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
                     " of the field); files must be UTF-8 (or name the encoding, e.g. --encoding GBK)";
        break;
      }
    }
    return true;
  }
}

std::string column_key(std::string_view name) {
  while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  std::string key(name);
  for (char& c : key) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return key;
}

ParsedNumber parse_double(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  ParsedNumber out;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out.value);
  if (ec == std::errc::result_out_of_range && end == s.data() + s.size()) {
    // Overflow (1e400) or underflow (1e-400, which is simply 0 here): strtod tells them apart.
    out.value = std::strtod(std::string(s).c_str(), nullptr);
    ec = std::errc();
  }
  if (s.empty() || end != s.data() + s.size() || ec != std::errc()) {
    out.problem = "is not a number";
  } else if (!std::isfinite(out.value)) {
    // 1e400 overflows a double; nan and inf are not positions either.
    out.problem = "is not a finite number";
  }
  return out;
}


std::optional<DuplicateColumn> duplicate_column(const std::vector<std::string>& header) {
  std::unordered_map<std::string, std::size_t> seen;  // key -> 1-based position
  for (std::size_t i = 0; i < header.size(); ++i) {
    std::string key = column_key(header[i]);
    if (key.empty()) continue;
    auto [it, fresh] = seen.try_emplace(std::move(key), i + 1);
    if (!fresh) return DuplicateColumn{header[i], it->second, i + 1};
  }
  return std::nullopt;
}

std::string DuplicateColumn::to_string() const {
  return "column '" + name + "' appears twice (columns " + std::to_string(first) + " and " + std::to_string(second) +
         "; names are compared ignoring case); rename or remove one of them";
}

}  // namespace poleloc::io
