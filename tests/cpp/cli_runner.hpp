// cli_runner.hpp: runs the built poleloc command (POLELOC_CLI, set by
// tests/CMakeLists.txt for the CLI tests) and captures what it printed.
//
//   CliRun r = poleloc::fixtures::run_cli({"locate", "--db", db, "TJH0372"}, dir);
//   EXPECT_EQ(r.status, 0) << r.err;
#pragma once

#include "test_support.hpp"

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace poleloc::fixtures {

struct CliRun {
  int status;       // the exit status, -1 if it did not exit
  std::string out;  // stdout
  std::string err;  // stderr
};

// `s` as one single-quoted shell word.
inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs poleloc with `args`; stderr goes through a file in `dir`.
inline CliRun run_cli(const std::vector<std::string>& args, const TempDir& dir) {
  std::string cmd = shell_quote(POLELOC_CLI);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  const std::string err_file = dir.file("stderr.txt");
  cmd += " 2>" + shell_quote(err_file);
  CliRun r;
  FILE* p = ::popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.err = read_text(err_file);
  return r;
}

}  // namespace poleloc::fixtures
