// places.csv: the places callers name are read with clear errors, stored with
// the dataset, kept or replaced like aliases, exported, and used by resolve.
#include "test_support.hpp"

#include <poleloc/import.hpp>
#include <poleloc/service.hpp>
#include <poleloc/snapshot.hpp>

#include <gtest/gtest.h>

#include <string>

namespace poleloc {
namespace {

using fixtures::TempDir;

std::string sample(const char* file) { return std::string(POLELOC_SAMPLE_DIR) + "/" + file; }

// 团结湖公园 by the grid that holds it; 农光里小区 by a point next to TJH0372
// (116.4758211, 39.9236915).
constexpr const char* kPlaces =
    "name,kind,lon,lat,grid\n"
    "农光里小区,compound,116.4758,39.9237,\n"
    "团结湖公园,other,,,CY-TJH-003\n";

std::unique_ptr<Service> open_rw(const std::string& path) {
  auto s = Service::open(path, {});
  EXPECT_TRUE(s) << s.status().message();
  return s ? std::move(*s) : nullptr;
}

std::string errors_of(const TempDir& dir, const std::string& places_csv) {
  ImportSources src{sample("poles.csv"), sample("grids.geojson"), sample("aliases.csv"), dir.write("p.csv", places_csv)};
  auto parsed = read_input(src, {});
  EXPECT_TRUE(parsed);
  std::string all;
  for (const InputError& e : parsed->errors) all += e.to_string() + "\n";
  return all;
}

TEST(Places, PointsAndGridsAreReadInWgs84) {
  TempDir dir;
  ImportSources src{sample("poles.csv"), sample("grids.geojson"), sample("aliases.csv"), dir.write("p.csv", kPlaces)};
  auto parsed = read_input(src, {});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->error_count, 0u);
  ASSERT_EQ(parsed->dataset.places.size(), 2u);
  EXPECT_TRUE(parsed->dataset.has_places);
  EXPECT_EQ(parsed->dataset.places[0].name, "农光里小区");
  ASSERT_TRUE(parsed->dataset.places[0].position.has_value());
  EXPECT_DOUBLE_EQ(parsed->dataset.places[0].position->lon, 116.4758);
  EXPECT_EQ(parsed->dataset.places[1].grid, "CY-TJH-003");
  EXPECT_FALSE(parsed->dataset.places[1].position.has_value());
}

TEST(Places, BadRowsAreNamedByLineFieldAndReason) {
  TempDir dir;
  EXPECT_NE(errors_of(dir, "name,where\nx,y\n").find("p.csv:1: the header must be name,kind,lon,lat or name,kind,grid"),
            std::string::npos);
  const std::string e = errors_of(dir,
                                  "name,kind,lon,lat,grid\n"
                                  "甲,compound,116.47,39.92,CY-TJH-001\n"   // both
                                  "乙,compound,,,\n"                        // neither
                                  "丙,compound,1e400,39.92,\n"              // not finite
                                  "丁,other,,,NO-SUCH-GRID\n"               // unknown grid
                                  "戊,other,116.47,39.92,\n"
                                  "戊,other,116.48,39.92,\n");              // duplicate name
  EXPECT_NE(e.find("p.csv:2: grid: give either lon,lat or grid for a place, not both"), std::string::npos) << e;
  EXPECT_NE(e.find("p.csv:3: lon: give either lon,lat or grid for a place, not neither"), std::string::npos) << e;
  EXPECT_NE(e.find("p.csv:4: lon: lon '1e400' is not a finite number"), std::string::npos) << e;
  EXPECT_NE(e.find("p.csv:5: grid: no grid 'NO-SUCH-GRID'"), std::string::npos) << e;
  EXPECT_NE(e.find("p.csv:7: name: place '戊' is already on line 6"), std::string::npos) << e;
}

TEST(Places, AreStoredKeptWhenNotGivenAndExported) {
  TempDir dir;
  const std::string db = dir.file("db");
  {
    auto svc = open_rw(db);
    ImportSources src{sample("poles.csv"), sample("grids.geojson"), sample("aliases.csv"), dir.write("p.csv", kPlaces)};
    auto report = svc->import(src, {});
    ASSERT_TRUE(report) << report.status().message();
    EXPECT_EQ(report->places, 2u);
  }
  {
    auto svc = open_rw(db);  // reopened: the places came back from the store
    EXPECT_EQ(svc->snapshot()->places().size(), 2u);
    // An import without a places file keeps them, as it keeps aliases.
    auto report = svc->import({sample("poles.csv"), sample("grids.geojson")}, {});
    ASSERT_TRUE(report) << report.status().message();
    EXPECT_EQ(report->places, 2u);
    ASSERT_TRUE(svc->export_to(dir.file("e.csv"), dir.file("e.geojson"), "", dir.file("e_places.csv")));
    EXPECT_EQ(fixtures::read_text(dir.file("e_places.csv")),
              "name,kind,lon,lat,grid\n农光里小区,compound,116.4758,39.9237,\n团结湖公园,other,,,CY-TJH-003\n");
    // A places file with fewer rows replaces them.
    ImportSources fewer{sample("poles.csv"), sample("grids.geojson"), "",
                        dir.write("q.csv", "name,kind,grid\n团结湖公园,other,CY-TJH-003\n")};
    report = svc->import(fewer, {});
    ASSERT_TRUE(report) << report.status().message();
    EXPECT_EQ(report->places, 1u);
  }
  auto svc = open_rw(db);
  ASSERT_EQ(svc->snapshot()->places().size(), 1u);
  EXPECT_EQ(svc->snapshot()->places()[0].name, "团结湖公园");
}

TEST(Places, ResolveNarrowsToThePlaceSaid) {
  TempDir dir;
  auto svc = open_rw(dir.file("db"));
  ImportSources src{sample("poles.csv"), sample("grids.geojson"), sample("aliases.csv"), dir.write("p.csv", kPlaces)};
  ASSERT_TRUE(svc->import(src, {}));
  auto hits = svc->snapshot()->resolve("农光里小区门口，杆号三七二", {});
  ASSERT_TRUE(hits);
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].pole.number(), "TJH0372");
  EXPECT_EQ((*hits)[0].match, MatchKind::exact);
  EXPECT_NE((*hits)[0].reason.find("农光里小区 (compound)"), std::string::npos) << (*hits)[0].reason;
  // A sound-alike of the place, and a number far from it: not exact.
  hits = svc->snapshot()->resolve("农光里小区那边，杆号一二零零", {});
  ASSERT_TRUE(hits);
  for (const Candidate& c : *hits) EXPECT_NE(c.match, MatchKind::exact) << c.pole.number() << " " << c.reason;
}

}  // namespace
}  // namespace poleloc
