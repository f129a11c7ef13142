#include "config_file.hpp"

#include <fstream>

namespace poleloc::cli {
namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

bool is_key(const std::string& k) {
  if (k.empty() || k.front() == '-') return false;
  for (char c : k) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<ConfigOption>> read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(ErrorCode::not_found, "cannot read the configuration file " + path);
  std::vector<ConfigOption> args;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    // A '#' starts a comment when it begins the line or follows a blank (values such as URLs may hold '#').
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
        line.resize(i);
        break;
      }
    }
    line = trim(line);
    if (line.empty()) continue;
    const auto where = path + ":" + std::to_string(number) + ": ";
    const auto eq = line.find('=');
    if (eq == std::string::npos) return Status(ErrorCode::bad_request, where + "expected `key = value`");
    const std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (!is_key(key)) {
      return Status(ErrorCode::bad_request,
                    where + "'" + key + "' is not an option name (a `poleloc serve` option without \"--\")");
    }
    if (key == "config") return Status(ErrorCode::bad_request, where + "a configuration file cannot name another");
    if (value == "true") {
      args.push_back({"--" + key, std::nullopt});
    } else if (value != "false") {
      if (value.empty()) return Status(ErrorCode::bad_request, where + "'" + key + "' needs a value");
      args.push_back({"--" + key, value});
    }
  }
  return args;
}

std::vector<std::string> with_config(const std::vector<std::string>& command_line,
                                     const std::vector<ConfigOption>& file) {
  std::vector<std::string> out = command_line;
  for (const ConfigOption& o : file) {
    bool given = false;
    for (const std::string& a : command_line) given = given || a == o.name || a.rfind(o.name + "=", 0) == 0;
    if (given) continue;
    out.push_back(o.name);
    if (o.value) out.push_back(*o.value);
  }
  return out;
}

}  // namespace poleloc::cli
