#include "io/csv_reader.hpp"
#include "io/readers.hpp"

#include <unordered_map>

namespace poleloc::io {

void read_aliases_csv(const std::string& path, ErrorSink& errors, const AliasSink& sink) {
  const LineErrors report{errors, path};
  CsvReader csv;
  if (auto st = csv.open(path); !st) {
    report.fatal(0, "", st.message());
    return;
  }
  std::vector<std::string> row;
  if (!csv.next(row)) {
    report.fatal(1, "", csv.error().empty() ? "file is empty; expected the header alias,code" : csv.error());
    return;
  }
  if (auto dup = duplicate_column(row)) {
    report.fatal(csv.line(), dup->name, dup->to_string());
    return;
  }
  if (row.size() != 2 || column_key(row[0]) != "alias" || column_key(row[1]) != "code") {
    report.fatal(csv.line(), "", "the header must be alias,code");
    return;
  }
  std::unordered_map<std::string, std::pair<std::string, std::size_t>> seen;  // alias -> code, line
  while (csv.next(row)) {
    const std::size_t line = csv.line();
    if (!csv.error_in_row().empty()) {
      report.fail(line, "", csv.error_in_row());
      continue;
    }
    if (row.size() != 2) {
      report.fail(line, "", "row has " + std::to_string(row.size()) + " fields; expected alias,code");
      continue;
    }
    std::string alias = row[0];
    while (!alias.empty() && alias.back() == ' ') alias.pop_back();
    while (!alias.empty() && alias.front() == ' ') alias.erase(alias.begin());
    if (alias.empty()) {
      report.fail(line, "alias", "alias is empty");
      continue;
    }
    std::string code;
    bool bad = row[1].empty();
    for (char c : row[1]) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (c < 'A' || c > 'Z') bad = true;
      code.push_back(c);
    }
    if (bad || code.size() > 16) {
      report.fail(line, "code", "area code '" + row[1] + "' must be 1-16 letters (the letter part of a number, e.g. TJH)");
      continue;
    }
    auto [it, inserted] = seen.try_emplace(alias, code, line);
    if (!inserted) {
      if (it->second.first != code) {
        report.fail(line, "alias", "alias '" + alias + "' already stands for " + it->second.first + " (line " +
                                std::to_string(it->second.second) + ")");
      }
      continue;
    }
    sink({std::move(alias), std::move(code)}, line);
  }
  if (!csv.error().empty()) report.fatal(csv.line(), "", csv.error());
}

}  // namespace poleloc::io
