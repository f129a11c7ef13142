// config_file.hpp: the server's configuration file (`poleloc serve --config F`,
// /etc/poleloc/poleloc.conf in the Debian package).
//
//   # comments and blank lines are ignored
//   db = /var/lib/poleloc/db
//   listen = 127.0.0.1:8080
//   token-file = /etc/poleloc/tokens
//   log-queries = false          # a flag: true adds it, false leaves it out
//
// One `key = value` per line; every key is a `poleloc serve` option without its
// leading "--". An option the command line gives is taken from the command
// line; the file's line for it is ignored.
//
//   auto file = poleloc::cli::read_config_file("/etc/poleloc/poleloc.conf");
//   if (!file) fail(file.status());          // bad_request naming file:line
//   // (*file)[0] == {"--db", "/var/lib/poleloc/db"}; a flag has no value
//   auto args = poleloc::cli::with_config(command_line_args, *file);
//
// Thread-safety: a pure function of the file.
#pragma once

#include <poleloc/status.hpp>

#include <optional>
#include <string>
#include <vector>

namespace poleloc::cli {

struct ConfigOption {
  std::string name;                  // "--db"
  std::optional<std::string> value;  // nullopt for a flag
};

Result<std::vector<ConfigOption>> read_config_file(const std::string& path);

// The command line's arguments followed by the file's options that the command
// line does not give (by name, "--db DIR" or "--db=DIR").
std::vector<std::string> with_config(const std::vector<std::string>& command_line,
                                     const std::vector<ConfigOption>& file);

}  // namespace poleloc::cli
