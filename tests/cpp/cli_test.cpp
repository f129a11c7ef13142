// The poleloc command end to end on the bundled sample.
#include "cli_runner.hpp"
#include "test_support.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>

using poleloc::fixtures::TempDir;

namespace {

using poleloc::fixtures::CliRun;

CliRun run(const std::vector<std::string>& args, const TempDir& dir) { return poleloc::fixtures::run_cli(args, dir); }

class Cli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string s = POLELOC_SAMPLE_DIR;
    const CliRun r = run({"import", "--db", db(), "--poles", s + "/poles.csv", "--grids", s + "/grids.geojson",
                       "--aliases", s + "/aliases.csv"},
                      *dir_);
    ASSERT_EQ(r.status, 0) << r.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string db() { return dir_->file("db"); }
  CliRun cli(const std::vector<std::string>& args) { return run(args, *dir_); }
  static TempDir* dir_;
};
TempDir* Cli::dir_ = nullptr;

}  // namespace

TEST_F(Cli, LocateJsonHasTheHttpShape) {
  const CliRun r = cli({"locate", "--db", db(), "tjh-0372", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["number"], "TJH0372");
  EXPECT_TRUE(j["lon"].is_number());
  EXPECT_TRUE(j["lat"].is_number());
  EXPECT_TRUE(j["gcj02"]["lon"].is_number());
  ASSERT_TRUE(j["grid"].is_object());
  EXPECT_TRUE(j["grid"]["id"].is_string());
  EXPECT_TRUE(j["attributes"].is_object());
}

TEST_F(Cli, LocateUnknownNumberExitsOneWithSuggestions) {
  const CliRun r = cli({"locate", "--db", db(), "TJH9372", "--json"});
  EXPECT_EQ(r.status, 1);
  const auto j = nlohmann::json::parse(r.err);
  EXPECT_EQ(j["error"]["code"], "not_found");
  EXPECT_TRUE(j["suggestions"].is_array());
}

TEST_F(Cli, GridAtAndNearestAgreeWithLocate) {
  const auto pole = nlohmann::json::parse(cli({"locate", "--db", db(), "TJH0100", "--json"}).out);
  const std::string lon = std::to_string(pole["lon"].get<double>()), lat = std::to_string(pole["lat"].get<double>());
  const CliRun g = cli({"grid-at", "--db", db(), lon, lat, "--json"});
  ASSERT_EQ(g.status, 0) << g.err;
  EXPECT_EQ(nlohmann::json::parse(g.out)["id"], pole["grid"]["id"]);
  const CliRun n = cli({"nearest", "--db", db(), lon, lat, "-k", "2", "--json"});
  ASSERT_EQ(n.status, 0) << n.err;
  const auto near = nlohmann::json::parse(n.out);
  ASSERT_EQ(near["poles"].size(), 2u);
  EXPECT_EQ(near["poles"][0]["number"], "TJH0100");
  EXPECT_LT(near["poles"][0]["distance_m"].get<double>(), 0.5);
}

TEST_F(Cli, GridAtOutsideExitsOne) {
  const CliRun r = cli({"grid-at", "--db", db(), "-73.9", "40.7"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no grid"), std::string::npos);
}

TEST_F(Cli, BadArgumentsExitTwo) {
  EXPECT_EQ(cli({"grid-at", "--db", db(), "east", "40.7"}).status, 2);
  EXPECT_EQ(cli({"nearest", "--db", db(), "116.4", "39.9", "-k", "zero"}).status, 2);
  EXPECT_EQ(cli({"nearest", "--db", db(), "116.4", "39.9", "-k", "0"}).status, 2);
  EXPECT_EQ(cli({"locate", "--db", db(), "TJH1", "--bogus"}).status, 2);
  EXPECT_EQ(cli({"frobnicate"}).status, 2);
  EXPECT_EQ(cli({"locate", "TJH1"}).status, 2);
}

TEST_F(Cli, ResolveJsonHasCandidates) {
  const CliRun r = cli({"resolve", "--db", db(), "--json", "团结湖三七二"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["query"], "团结湖三七二");
  ASSERT_FALSE(j["candidates"].empty());
  EXPECT_EQ(j["candidates"][0]["number"], "TJH0372");
  EXPECT_EQ(j["candidates"][0]["match"], "exact");
}

// The text answer says who to call for the pole and for its grid, labelled apart,
// so that the pole's maintainer is never taken for the grid manager.
TEST_F(Cli, TextOutputNamesPoleMaintainerAndGridManager) {
  const auto pole = nlohmann::json::parse(cli({"locate", "--db", db(), "TJH0372", "--json"}).out);
  const std::string maintainer = pole["attributes"]["manager"], maintainer_phone = pole["attributes"]["phone"];
  const std::string manager = pole["grid"]["attributes"]["manager"], phone = pole["grid"]["attributes"]["phone"];
  for (const auto& args : {std::vector<std::string>{"locate", "--db", db(), "TJH0372"},
                           std::vector<std::string>{"resolve", "--db", db(), "--limit", "1", "团结湖三七二"}}) {
    const CliRun r = cli(args);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("杆体维护 pole maintainer " + maintainer + " " + maintainer_phone), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("网格长 grid manager " + manager + " " + phone), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(std::string(pole["attributes"]["kind"])), std::string::npos) << r.out;
    EXPECT_LT(r.out.find("pole maintainer"), r.out.find("grid manager")) << r.out;
  }
  const CliRun g = cli({"grid-at", "--db", db(), std::to_string(double(pole["lon"])), std::to_string(double(pole["lat"]))});
  ASSERT_EQ(g.status, 0) << g.err;
  EXPECT_NE(g.out.find("网格长 grid manager " + manager), std::string::npos) << g.out;
}

TEST_F(Cli, ValidateSampleIsClean) {
  const CliRun r = cli({"validate", "--db", db(), "--json"});
  EXPECT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["ok"].get<bool>());
  EXPECT_EQ(j["errors"], 0);
}

TEST_F(Cli, ValidateWritesATableAndEveryIssueAsGeoJson) {
  const std::string out = dir_->file("report.geojson");
  const CliRun r = cli({"validate", "--db", db(), "--max-twins", "5", "--geojson", out});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("0 errors"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("poles have a dangerous twin"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dangerous_twin"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("-> renumber "), std::string::npos) << r.out;
  const auto g = nlohmann::json::parse(poleloc::fixtures::read_text(out));
  EXPECT_EQ(g["type"], "FeatureCollection");
  std::size_t twins = 0, holes = 0;
  for (const auto& f : g["features"]) {
    if (f["properties"]["kind"] == "dangerous_twin") {
      ++twins;
      EXPECT_EQ(f["geometry"]["type"], "LineString");
    }
    if (f["properties"]["kind"] == "hole") {
      ++holes;
      EXPECT_EQ(f["geometry"]["type"], "Polygon");
    }
  }
  EXPECT_EQ(twins, 5u);
  EXPECT_EQ(holes, 1u);  // Tuanjiehu Park
  EXPECT_EQ(cli({"validate", "--db", db(), "--max-twins", "many"}).status, 2);
}

TEST_F(Cli, ExportThenImportGivesTheSameAnswers) {
  TempDir out;
  ASSERT_EQ(cli({"export", "--db", db(), "--poles", out.file("p.csv"), "--grids", out.file("g.geojson"),
                 "--aliases", out.file("a.csv")})
                .status,
            0);
  const CliRun imp = cli({"import", "--db", out.file("db2"), "--poles", out.file("p.csv"), "--grids",
                       out.file("g.geojson"), "--aliases", out.file("a.csv")});
  ASSERT_EQ(imp.status, 0) << imp.err;
  EXPECT_EQ(cli({"locate", "--db", out.file("db2"), "TJH0372", "--json"}).out,
            cli({"locate", "--db", db(), "TJH0372", "--json"}).out);
}

TEST_F(Cli, ImportOfABadFileExitsThreeListingErrors) {
  TempDir bad;
  bad.write("p.csv", "number,lon,lat\nTJH1,116.4,39.9\nTJH*2,116.4,39.9\nTJH3,116.4,north\n");
  const std::string s = POLELOC_SAMPLE_DIR;
  const CliRun r = cli({"import", "--db", bad.file("db"), "--poles", bad.file("p.csv"), "--grids", s + "/grids.geojson"});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("p.csv:3: number"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("p.csv:4: lat"), std::string::npos) << r.err;
  const CliRun skip = cli({"import", "--db", bad.file("db"), "--poles", bad.file("p.csv"), "--grids",
                        s + "/grids.geojson", "--skip-invalid", "--rejects", bad.file("rejects.txt")});
  EXPECT_EQ(skip.status, 0) << skip.err;
  const std::string rejects = poleloc::fixtures::read_text(bad.file("rejects.txt"));
  EXPECT_NE(rejects.find("p.csv:3"), std::string::npos);
  EXPECT_NE(rejects.find("p.csv:4"), std::string::npos);
}

TEST_F(Cli, SynthWritesTheThreeFiles) {
  TempDir out;
  const CliRun r = cli({"synth", "--grids", "20", "--poles", "500", "--seed", "3", "--out", out.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  const CliRun imp = cli({"import", "--db", out.file("db"), "--poles", out.file("poles.csv"), "--grids",
                       out.file("grids.geojson"), "--aliases", out.file("aliases.csv")});
  EXPECT_EQ(imp.status, 0) << imp.err;
  EXPECT_NE(imp.out.find("imported 500 poles, 20 grids"), std::string::npos) << imp.out;
}

TEST_F(Cli, SynthShapeFlagsShapeTheCityAndWriteQueryPoints) {
  TempDir out;
  const CliRun r = cli({"synth", "--grids", "20", "--poles", "500", "--seed", "3", "--area-codes", "1", "--clusters",
                        "2", "--vertices-per-grid", "400", "--query-points", "1000", "--outside", "2%", "--out",
                        out.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("queries.csv"), std::string::npos) << r.out;
  const std::string queries = poleloc::fixtures::read_text(out.file("queries.csv"));
  EXPECT_EQ(queries.rfind("lon,lat\n", 0), 0u);
  EXPECT_EQ(std::count(queries.begin(), queries.end(), '\n'), 1001);
  const std::string poles = poleloc::fixtures::read_text(out.file("poles.csv"));
  std::istringstream lines(poles);
  std::string line;
  std::getline(lines, line);  // header
  std::set<std::string> codes;
  while (std::getline(lines, line)) codes.insert(line.substr(0, line.find_first_of("0123456789")));
  EXPECT_EQ(codes.size(), 1u);  // --area-codes 1: one code for the whole city
  const CliRun imp = cli({"import", "--db", out.file("db"), "--poles", out.file("poles.csv"), "--grids",
                          out.file("grids.geojson"), "--aliases", out.file("aliases.csv")});
  EXPECT_EQ(imp.status, 0) << imp.err;
  EXPECT_NE(imp.out.find("imported 500 poles, 20 grids"), std::string::npos) << imp.out;
  // --outside needs --query-points; shares beyond 1 are refused.
  TempDir other;
  EXPECT_EQ(cli({"synth", "--grids", "20", "--poles", "500", "--outside", "0.1", "--out", other.path()}).status, 2);
  EXPECT_EQ(cli({"synth", "--grids", "20", "--poles", "500", "--query-points", "10", "--outside", "1.5", "--out",
                 other.path()}).status, 2);
}

// --- regressions from the outside trial of issue 11 --------------------------------

namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

}  // namespace

TEST_F(Cli, OldMacLineEndsImportEveryPole) {
  // A CR-only poles.csv was read as a header alone and removed every pole with exit 0.
  TempDir t;
  const std::string s = POLELOC_SAMPLE_DIR;
  t.write("p.csv", replace_all(poleloc::fixtures::read_text(s + "/poles.csv"), "\n", "\r"));
  t.write("a.csv", replace_all(poleloc::fixtures::read_text(s + "/aliases.csv"), "\n", "\r"));
  const CliRun r = cli({"import", "--db", t.file("db"), "--poles", t.file("p.csv"), "--grids", s + "/grids.geojson",
                        "--aliases", t.file("a.csv")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("imported 1529 poles, 9 grids, 4 aliases"), std::string::npos) << r.out;
  EXPECT_EQ(cli({"locate", "--db", t.file("db"), "TJH0372", "--json"}).out,
            cli({"locate", "--db", db(), "TJH0372", "--json"}).out);
}

TEST_F(Cli, HeaderOnlyCsvIsRefusedWithExitThreeUnlessReplace) {
  TempDir t;
  const std::string s = POLELOC_SAMPLE_DIR;
  ASSERT_EQ(cli({"import", "--db", t.file("db"), "--poles", s + "/poles.csv", "--grids", s + "/grids.geojson"}).status, 0);
  t.write("p.csv", "number,lon,lat\n");
  const CliRun r = cli({"import", "--db", t.file("db"), "--poles", t.file("p.csv"), "--grids", s + "/grids.geojson"});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("p.csv holds 0 poles; the database has 1,529: refusing to remove them all (use --replace to "
                       "replace the dataset anyway)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(cli({"locate", "--db", t.file("db"), "TJH0372"}).status, 0);
  const CliRun share = cli({"import", "--db", t.file("db"), "--poles", t.file("p.csv"), "--grids",
                            s + "/grids.geojson", "--max-remove-share", "100%"});
  EXPECT_EQ(share.status, 3) << "zero poles needs --replace whatever the share";
  const CliRun replaced =
      cli({"import", "--db", t.file("db"), "--poles", t.file("p.csv"), "--grids", s + "/grids.geojson", "--replace"});
  EXPECT_EQ(replaced.status, 0) << replaced.err;
  EXPECT_EQ(cli({"locate", "--db", t.file("db"), "TJH0372"}).status, 1);
}

TEST_F(Cli, UnwritableRejectsPathFailsBeforeAnythingIsStored) {
  // The rejects used to be lost while the import reported success.
  TempDir t;
  const std::string s = POLELOC_SAMPLE_DIR;
  t.write("p.csv", "number,lon,lat\nTJH1,116.465,39.925\nTJH*2,116.4,39.9\n");
  const std::string rejects = t.file("no-such-dir/rejects.txt");
  const CliRun r = cli({"import", "--db", t.file("db"), "--poles", t.file("p.csv"), "--grids", s + "/grids.geojson",
                        "--skip-invalid", "--rejects", rejects});
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.err.find(rejects), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
  EXPECT_EQ(cli({"locate", "--db", t.file("db"), "TJH1"}).status, 1) << "nothing may be stored";
}

TEST_F(Cli, RejectsFileIsWrittenAndEmptyWhenNothingWasRejected) {
  TempDir t;
  const std::string s = POLELOC_SAMPLE_DIR;
  const CliRun r = cli({"import", "--db", t.file("db"), "--poles", s + "/poles.csv", "--grids", s + "/grids.geojson",
                        "--skip-invalid", "--rejects", t.file("r.txt")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(poleloc::fixtures::read_text(t.file("r.txt")), "");
}

TEST_F(Cli, OverflowingGeoJsonCoordinateExitsThreeNamingTheFeature) {
  // 1e400 used to give "internal error ... number overflow" with exit 4.
  TempDir t;
  const std::string s = POLELOC_SAMPLE_DIR;
  std::string grids = poleloc::fixtures::read_text(s + "/grids.geojson");
  const std::size_t second = grids.find("\"coordinates\"", grids.find("\"coordinates\"") + 1);
  const std::size_t number = grids.find_first_of("0123456789", second);  // the first lon of feature 1
  grids.replace(number, grids.find_first_not_of("0123456789.", number) - number, "1e400");
  t.write("g.geojson", grids);
  const CliRun r = cli({"import", "--db", t.file("db"), "--poles", s + "/poles.csv", "--grids", t.file("g.geojson")});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("g.geojson: feature 1: geometry: number 1e400 is not a finite number"), std::string::npos)
      << r.err;
}

TEST_F(Cli, DeeplyNestedGeoJsonPropertiesExitThreeNotSegfault) {
  TempDir t;
  const std::string s = POLELOC_SAMPLE_DIR;
  std::string grids = poleloc::fixtures::read_text(s + "/grids.geojson");
  const std::size_t props = grids.find("\"properties\"");
  grids.insert(grids.find('{', props) + 1, "\"deep\":" + std::string(100000, '[') + std::string(100000, ']') + ",");
  t.write("g.geojson", grids);
  const CliRun r = cli({"import", "--db", t.file("db"), "--poles", s + "/poles.csv", "--grids", t.file("g.geojson")});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("g.geojson: feature 0: properties.deep"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nested deeper than 32 levels"), std::string::npos) << r.err;
}

TEST_F(Cli, IdenticalReimportStoresNothing) {
  TempDir t;
  const std::string s = POLELOC_SAMPLE_DIR;
  const std::vector<std::string> args{"import", "--db", t.file("db"), "--poles", s + "/poles.csv", "--grids",
                                      s + "/grids.geojson", "--aliases", s + "/aliases.csv"};
  ASSERT_EQ(cli(args).status, 0);
  const std::string before = cli({"validate", "--db", t.file("db"), "--json"}).out;
  const CliRun again = cli(args);
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("unchanged"), std::string::npos) << again.out;
  EXPECT_EQ(cli({"validate", "--db", t.file("db"), "--json"}).out, before);
}

TEST_F(Cli, BadImportLimitsExitTwo) {
  const std::string s = POLELOC_SAMPLE_DIR;
  for (const std::vector<std::string>& extra : {std::vector<std::string>{"--max-remove-share", "1.5"},
                                                std::vector<std::string>{"--max-remove-share", "x"},
                                                std::vector<std::string>{"--max-vertices", "0"},
                                                std::vector<std::string>{"--max-property-depth", "-1"}}) {
    std::vector<std::string> args{"import", "--db", db(), "--poles", s + "/poles.csv", "--grids", s + "/grids.geojson"};
    args.insert(args.end(), extra.begin(), extra.end());
    EXPECT_EQ(cli(args).status, 2) << extra[0] << " " << extra[1];
  }
}

TEST_F(Cli, ExportWithHistoryThenRestoreGivesTheSameHistory) {
  const std::string dump = dir_->file("history.ndjson"), copy = dir_->file("restored");
  CliRun r = cli({"export", "--db", db(), "--with-history", dump});
  ASSERT_EQ(r.status, 0) << r.err;
  r = cli({"restore", "--db", copy, "--history", dump});
  ASSERT_EQ(r.status, 0) << r.err;
  const CliRun a = cli({"history", "--db", db(), "TJH0372", "--json"});
  const CliRun b = cli({"history", "--db", copy, "TJH0372", "--json"});
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  // A second restore into the now non-empty directory is refused.
  r = cli({"restore", "--db", copy, "--history", dump});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("not empty"), std::string::npos) << r.err;
  // --with-history goes alone.
  r = cli({"export", "--db", db(), "--with-history", dump, "--poles", dir_->file("p.csv")});
  EXPECT_EQ(r.status, 2);
}

TEST_F(Cli, AsOfAnswersAsTheDataStoodAndRefusesATimeWithoutOffset) {
  // Before the import the registry was empty; after it the pole is there.
  CliRun r = cli({"locate", "--db", db(), "--as-of", "2000-01-01T00:00:00Z", "TJH0372"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  r = cli({"locate", "--db", db(), "--as-of", "2100-01-01T08:00:00+08:00", "TJH0372"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("TJH0372"), std::string::npos) << r.out;
  r = cli({"grid-at", "--db", db(), "--as-of", "2000-01-01T00:00:00Z", "116.4712", "39.9251"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  r = cli({"locate", "--db", db(), "--as-of", "2026-03-01 08:00", "TJH0372"});
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("as-of"), std::string::npos) << r.err;
}
