// The operator's side of the poleloc command: --version, --help on every
// command, backup and restore --from-backup, serve --config.
#include "cli_runner.hpp"
#include "test_support.hpp"

#include <poleloc/version.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <sys/wait.h>

using poleloc::fixtures::TempDir;

namespace {

using poleloc::fixtures::CliRun;

CliRun run(const std::vector<std::string>& args, const TempDir& dir) { return poleloc::fixtures::run_cli(args, dir); }

CliRun import_sample(const std::string& db, const TempDir& dir) {
  const std::string s = POLELOC_SAMPLE_DIR;
  return run({"import", "--db", db, "--poles", s + "/poles.csv", "--grids", s + "/grids.geojson", "--aliases",
              s + "/aliases.csv"},
             dir);
}

TEST(CliOps, VersionPrintsTheHeadersVersion) {
  TempDir dir;
  const CliRun r = run({"--version"}, dir);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, std::string("poleloc ") + POLELOC_VERSION_STRING + "\n");
}

TEST(CliOps, HelpOnEveryCommandExitsZeroAndShowsItsUsage) {
  TempDir dir;
  for (const std::string command : {"import", "serve", "locate", "history", "resolve", "grid-at", "nearest", "validate",
                                    "export", "restore", "backup", "compact", "synth"}) {
    for (const char* flag : {"--help", "-h"}) {
      const CliRun r = run({command, flag}, dir);
      EXPECT_EQ(r.status, 0) << command << " " << flag << ": " << r.err;
      EXPECT_NE(r.out.find("poleloc " + command), std::string::npos) << command << " " << flag << ": " << r.out;
    }
  }
  const CliRun unknown = run({"frobnicate", "--help"}, dir);
  EXPECT_EQ(unknown.status, 2);
}

TEST(CliOps, BackupThenRestoreFromBackupAnswersLikeTheOriginal) {
  TempDir dir;
  ASSERT_EQ(import_sample(dir.file("db"), dir).status, 0);
  const CliRun backup = run({"backup", "--db", dir.file("db"), "--out", dir.file("backup"), "--json"}, dir);
  ASSERT_EQ(backup.status, 0) << backup.err;
  const auto j = nlohmann::json::parse(backup.out);
  EXPECT_EQ(j["method"], "checkpoint");
  EXPECT_GT(j["sequence"].get<std::uint64_t>(), 0u);
  const CliRun again = run({"backup", "--db", dir.file("db"), "--out", dir.file("backup")}, dir);
  EXPECT_EQ(again.status, 2) << "an existing target is refused";

  const CliRun restore = run({"restore", "--db", dir.file("restored"), "--from-backup", dir.file("backup")}, dir);
  ASSERT_EQ(restore.status, 0) << restore.err;
  const CliRun original = run({"locate", "--db", dir.file("db"), "TJH0372", "--json"}, dir);
  const CliRun copy = run({"locate", "--db", dir.file("restored"), "TJH0372", "--json"}, dir);
  ASSERT_EQ(copy.status, 0) << copy.err;
  EXPECT_EQ(copy.out, original.out);

  const CliRun both = run({"restore", "--db", dir.file("x"), "--from-backup", dir.file("backup"), "--history", "f"}, dir);
  EXPECT_EQ(both.status, 2);
}

TEST(CliOps, ServeConfigFileOptionsAreReadAndBadLinesNamed) {
  TempDir dir;
  // A database that does not exist: the error proves the file's `db` was used.
  const std::string conf = dir.write("poleloc.conf", "# test\ndb = " + dir.file("absent") +
                                                         "  # comment\nlisten = 127.0.0.1:0\nlog-queries = false\n");
  const CliRun r = run({"serve", "--config", conf}, dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find(dir.file("absent")), std::string::npos) << r.err;

  const std::string bad = dir.write("bad.conf", "db = x\nthis line has no equals\n");
  const CliRun b = run({"serve", "--config", bad}, dir);
  EXPECT_EQ(b.status, 2);
  EXPECT_NE(b.err.find("bad.conf:2"), std::string::npos) << b.err;

  const std::string unknown = dir.write("unknown.conf", "db = x\nno-such-option = 1\n");
  const CliRun u = run({"serve", "--config", unknown}, dir);
  EXPECT_EQ(u.status, 2);
  EXPECT_NE(u.err.find("--no-such-option"), std::string::npos) << u.err;

  // The command line wins over the file.
  ASSERT_EQ(import_sample(dir.file("db"), dir).status, 0);
  // The command line's --db opens; its --listen (not the file's) then fails, so the server never runs.
  const CliRun overridden = run({"serve", "--config", conf, "--db", dir.file("db"), "--listen", "not-an-address"}, dir);
  EXPECT_NE(overridden.status, 0);
  EXPECT_EQ(overridden.err.find(dir.file("absent")), std::string::npos) << overridden.err;
  EXPECT_NE(overridden.err.find("not-an-address"), std::string::npos) << overridden.err;
}

}  // namespace
