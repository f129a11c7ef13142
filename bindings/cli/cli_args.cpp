#include "cli_args.hpp"

namespace poleloc::cli {

bool looks_like_option(const std::string& s) {
  if (s.size() < 2 || s[0] != '-') return false;
  const char c = s[1];
  return !(c == '.' || (c >= '0' && c <= '9'));  // -73.5 is a number
}

CliArgs::CliArgs(int argc, char** argv) : args_(argv, argv + argc), used_(args_.size(), false) {}
CliArgs::CliArgs(std::vector<std::string> args) : args_(std::move(args)), used_(args_.size(), false) {}

std::optional<std::string> CliArgs::option(const std::string& name) {
  for (std::size_t i = 0; i < args_.size(); ++i) {
    if (used_[i]) continue;
    if (args_[i] == name) {
      used_[i] = true;
      if (i + 1 >= args_.size()) {
        missing_value_ = name;
        return std::nullopt;
      }
      used_[i + 1] = true;
      return args_[i + 1];
    }
    if (args_[i].rfind(name + "=", 0) == 0) {
      used_[i] = true;
      return args_[i].substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

bool CliArgs::flag(const std::string& name) {
  for (std::size_t i = 0; i < args_.size(); ++i) {
    if (!used_[i] && args_[i] == name) {
      used_[i] = true;
      return true;
    }
  }
  return false;
}

std::vector<std::string> CliArgs::positionals() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args_.size(); ++i) {
    if (!used_[i] && !looks_like_option(args_[i])) out.push_back(args_[i]);
  }
  return out;
}

std::optional<std::string> CliArgs::unknown() const {
  for (std::size_t i = 0; i < args_.size(); ++i) {
    if (!used_[i] && looks_like_option(args_[i])) return args_[i];
  }
  return std::nullopt;
}

}  // namespace poleloc::cli
