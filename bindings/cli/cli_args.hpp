// cli_args.hpp: a small, strict argument parser for the poleloc command.
//
//   CliArgs a(argc - 2, argv + 2);           // after "poleloc <command>"
//   auto db = a.option("--db");              // optional<string>; "--db DIR" or "--db=DIR"
//   bool json = a.flag("--json");
//   auto rest = a.positionals();             // what is left; "-73.5" counts as a number, not an option
//   if (auto bad = a.unknown()) ...          // an option nobody asked for
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace poleloc::cli {

class CliArgs {
 public:
  CliArgs(int argc, char** argv);
  explicit CliArgs(std::vector<std::string> args);
  std::optional<std::string> option(const std::string& name);  // consumes it
  bool flag(const std::string& name);                          // consumes it
  // Remaining arguments that are not options; call after every option()/flag().
  std::vector<std::string> positionals() const;
  // The first remaining argument that looks like an option, if any.
  std::optional<std::string> unknown() const;
  const std::string& missing_value() const { return missing_value_; }

 private:
  std::vector<std::string> args_;
  std::vector<bool> used_;
  std::string missing_value_;
};

bool looks_like_option(const std::string& s);

}  // namespace poleloc::cli
