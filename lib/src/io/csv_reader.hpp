// csv_reader.hpp: RFC 4180 CSV, streamed row by row.
//
//   CsvReader csv;
//   if (auto st = csv.open("poles.csv"); !st) return st;
//   std::vector<std::string> row;
//   while (csv.next(row)) use(csv.line(), row);     // line: 1-based line where the row starts
//   if (!csv.error().empty()) report(csv.line(), csv.error());
//
// Quoted fields may hold commas, doubled quotes and newlines. A UTF-8 byte
// order mark is skipped; LF, CRLF and a lone CR (old Mac files) all end a
// row, and one file may mix them. Rows that are not valid
// UTF-8 are reported (next() returns true and error_in_row() says why), so the
// caller can name the line and go on.
//
// Thread-safety: one reader per thread.
#pragma once

#include <poleloc/status.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace poleloc::io {

class CsvReader {
 public:
  CsvReader() = default;
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  Status open(const std::string& path);
  // Reads a file in another encoding (GBK, GB18030, ...): it is converted to
  // UTF-8 in memory first (see recode.hpp). "" or "UTF-8" is open(path).
  Status open(const std::string& path, const std::string& encoding);
  // Reads the next row; false at the end of the file or on a fatal error (see error()).
  bool next(std::vector<std::string>& fields);
  std::size_t line() const { return row_line_; }
  const std::string& error_in_row() const { return row_error_; }  // e.g. invalid UTF-8
  const std::string& error() const { return fatal_; }             // e.g. unterminated quote
  std::size_t bytes_read() const { return bytes_; }

 private:
  int get();
  void unget();  // only right after a get() that returned a byte
  void skip_byte_order_mark();
  std::FILE* file_ = nullptr;
  std::string converted_;  // the UTF-8 text when the file was in another encoding
  std::vector<char> buf_;
  std::size_t pos_ = 0, len_ = 0, bytes_ = 0;
  std::size_t line_ = 1, row_line_ = 0;
  bool first_ = true;
  std::string row_error_, fatal_;
};

// Header names are matched ignoring case and surrounding spaces ("Lon" is
// "lon"). The first name that appears twice, with both 1-based column
// positions; empty names are not compared.
// A coordinate field: a finite number, or the reason it is not one
// ("is not a number", "is not a finite number" for 1e400, nan, inf).
struct ParsedNumber {
  double value = 0;
  const char* problem = nullptr;
};
ParsedNumber parse_double(std::string_view field);

struct DuplicateColumn {
  std::string name;  // as written the second time
  std::size_t first = 0, second = 0;
  std::string to_string() const;  // "column 'lon' appears twice (columns 2 and 4)..."
};
std::optional<DuplicateColumn> duplicate_column(const std::vector<std::string>& header);

// The header name as it is compared: lower case ASCII, no surrounding spaces.
std::string column_key(std::string_view name);

}  // namespace poleloc::io
