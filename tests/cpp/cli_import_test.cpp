// `poleloc import` on a database that holds data: the diff before storing,
// --dry-run, --merge, the 10 % threshold and its exit status; query commands
// never create a database at a mistyped path.
#include "cli_runner.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <sys/wait.h>

using poleloc::fixtures::TempDir;

namespace {

using poleloc::fixtures::CliRun;

CliRun run(const std::vector<std::string>& args, const TempDir& dir) { return poleloc::fixtures::run_cli(args, dir); }

const std::string kSample = POLELOC_SAMPLE_DIR;

// The first `keep` poles of the sample, with `extra` rows appended.
std::string first_poles(std::size_t keep, const std::string& extra = "") {
  std::istringstream in(poleloc::fixtures::read_text(kSample + "/poles.csv"));
  std::string out, line;
  for (std::size_t i = 0; i <= keep && std::getline(in, line); ++i) out += line + "\n";
  return out + extra;
}

class CliImport : public ::testing::Test {
 protected:
  void SetUp() override {
    const CliRun r = import({"--poles", kSample + "/poles.csv"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.find("will add"), std::string::npos) << "an empty database needs no diff: " << r.out;
  }
  std::string db() const { return dir_.file("db"); }
  CliRun import(std::vector<std::string> args) {
    std::vector<std::string> all{"import", "--db", db(), "--grids", kSample + "/grids.geojson"};
    all.insert(all.end(), args.begin(), args.end());
    return run(all, dir_);
  }
  std::string locate(const std::string& number) { return run({"locate", "--db", db(), number}, dir_).out; }
  TempDir dir_;
};

}  // namespace

TEST_F(CliImport, ImportIntoADatabaseWithDataPrintsTheDiffFirst) {
  const std::string poles = dir_.write("p.csv", first_poles(1520, "TJH9801,116.4700,39.9200,路灯,,\n"));
  const CliRun r = import({"--poles", poles});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("will add 1, change 0, remove 9 poles; add 0, change 0, remove 0 grids"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("removed poles: TJH"), std::string::npos) << r.out;
  EXPECT_LT(r.out.find("will add"), r.out.find("imported 1521 poles")) << r.out;
  EXPECT_FALSE(locate("TJH9801").empty());
}

TEST_F(CliImport, DryRunPrintsTheDiffAndStoresNothing) {
  const std::string poles = dir_.write("p.csv", first_poles(1520, "TJH9801,116.4700,39.9200,路灯,,\n"));
  const CliRun r = import({"--poles", poles, "--dry-run"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("will add 1, change 0, remove 9 poles"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dry run: nothing was stored"), std::string::npos) << r.out;
  EXPECT_TRUE(locate("TJH9801").empty());
  EXPECT_FALSE(locate("TJH1529").empty());
}

TEST_F(CliImport, MergeRemovesNothing) {
  const std::string poles = dir_.write("p.csv", "number,lon,lat\nTJH9801,116.4700,39.9200\n");
  const std::string grids = dir_.write("g.geojson", R"({"type":"FeatureCollection","features":[]})");
  const CliRun r = run({"import", "--db", db(), "--poles", poles, "--grids", grids, "--merge"}, dir_);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("will add 1, change 0, remove 0 poles; add 0, change 0, remove 0 grids"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("imported 1530 poles, 9 grids"), std::string::npos) << r.out;
  EXPECT_FALSE(locate("TJH9801").empty());
  EXPECT_FALSE(locate("TJH0001").empty());
}

TEST_F(CliImport, RemovingMoreThanTenPercentIsRefusedWithExitStatus3UnlessReplace) {
  const std::string poles = dir_.write("p.csv", first_poles(100));
  CliRun r = import({"--poles", poles});
  EXPECT_EQ(r.status, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("remove 1,429 poles"), std::string::npos) << r.out;  // the diff is shown first
  EXPECT_NE(r.err.find("would remove 1,429 of the 1,529 poles in the database (93 %), more than the 10 % allowed"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--replace"), std::string::npos) << r.err;
  EXPECT_FALSE(locate("TJH1529").empty());
  r = import({"--poles", poles, "--dry-run"});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("dry run: the import would be refused"), std::string::npos) << r.err;
  r = import({"--poles", poles, "--replace"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(locate("TJH1529").empty());
}

TEST_F(CliImport, ReplaceAndMergeTogetherAreAUsageError) {
  const CliRun r = import({"--poles", kSample + "/poles.csv", "--replace", "--merge"});
  EXPECT_EQ(r.status, 2) << r.err;
}

TEST_F(CliImport, QueryCommandsDoNotCreateADatabaseAtAMistypedPath) {
  const std::string typo = dir_.file("dbb");
  for (std::vector<std::string> args : {std::vector<std::string>{"locate", "--db", typo, "TJH0001"},
                                        {"grid-at", "--db", typo, "116.47", "39.92"},
                                        {"validate", "--db", typo},
                                        {"export", "--db", typo, "--poles", dir_.file("x.csv"), "--grids",
                                         dir_.file("x.geojson")}}) {
    const CliRun r = run(args, dir_);
    EXPECT_NE(r.status, 0) << args[0];
    EXPECT_NE(r.err.find("no poleloc database at " + typo), std::string::npos) << args[0] << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(typo)) << args[0];
  }
  // A dry run only reads, and never creates one either.
  const CliRun r = run({"import", "--db", typo, "--poles", kSample + "/poles.csv", "--grids",
                        kSample + "/grids.geojson", "--dry-run"},
                       dir_);
  EXPECT_NE(r.status, 0);
  EXPECT_FALSE(std::filesystem::exists(typo));
}
