// The where phrase: nearest named road, side, nearest crossing along the road.
#include "index/road_index.hpp"
#include "query/where.hpp"
#include "test_support.hpp"

#include <poleloc/service.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace poleloc {
namespace {

// x metres east, y metres north of a point in Chaoyang.
LonLat at(double x, double y) {
  constexpr double kM = 6371008.8 * std::numbers::pi / 180;
  return {116.47 + x / (kM * std::cos(39.92 * std::numbers::pi / 180)), 39.92 + y / kM};
}

RoadRecord road(std::string name, std::vector<std::vector<std::pair<double, double>>> lines) {
  RoadRecord r{std::move(name), {}};
  for (const auto& l : lines) {
    LineString line;
    for (auto [x, y] : l) line.push_back(at(x, y));
    r.lines.push_back(std::move(line));
  }
  return r;
}

struct Roads {
  std::vector<RoadRecord> roads;
  index::RoadIndex index;
  explicit Roads(std::vector<RoadRecord> r) : roads(std::move(r)) { index.build(roads); }
  std::optional<Where> where(double x, double y) const { return query::where_at(index, roads, at(x, y)); }
};

//            团结湖北一条
//                 |
//   团结湖路 -----+-------   (east-west through 0,0; the lane north-south through 0,0)
//                 |
Roads cross() {
  return Roads({road("团结湖路", {{{-500, 0}, {500, 0}}}), road("团结湖北一条", {{{0, -300}, {0, 300}}})});
}

TEST(Where, NorthSideAndDistanceEastOfTheCrossing) {
  auto w = cross().where(42, 5);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->road, "团结湖路");
  EXPECT_EQ(w->side, "north");
  EXPECT_EQ(w->crossing, "团结湖北一条");
  EXPECT_EQ(w->direction, "east");
  EXPECT_DOUBLE_EQ(w->distance_m, 40);
  EXPECT_NEAR(w->road_distance_m, 5, 0.1);
  EXPECT_EQ(w->zh, "团结湖路北侧，距团结湖北一条路口东约40米");
  EXPECT_EQ(w->en, "north side of 团结湖路, about 40 m east of the 团结湖北一条 crossing");
}

TEST(Where, WestSideOfANorthSouthRoadSouthOfTheCrossing) {
  auto w = cross().where(-4, -152);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->road, "团结湖北一条");
  EXPECT_EQ(w->side, "west");
  EXPECT_EQ(w->crossing, "团结湖路");
  EXPECT_EQ(w->direction, "south");
  EXPECT_DOUBLE_EQ(w->distance_m, 150);
  EXPECT_EQ(w->zh, "团结湖北一条西侧，距团结湖路路口南约150米");
}

TEST(Where, PoleAtTheCrossingSaysSo) {
  auto w = cross().where(6, 4);
  ASSERT_TRUE(w);
  EXPECT_DOUBLE_EQ(w->distance_m, 0);
  EXPECT_EQ(w->direction, "");
  EXPECT_EQ(w->zh, w->road + std::string(w->side == "north" ? "北侧" : "东侧") + "，" + w->crossing + "路口处");
  EXPECT_NE(w->en.find(", at the " + w->crossing + " crossing"), std::string::npos) << w->en;
}

TEST(Where, NoRoadsOrNoRoadNearGivesNoWhere) {
  Roads none({});
  EXPECT_FALSE(none.where(0, 0));
  EXPECT_FALSE(cross().where(2000, 2000));  // beyond kWhereMaxRoadDistanceM of every road
}

TEST(Where, RoadOfOneSegmentWithoutCrossingNamesOnlyTheSide) {
  Roads one({road("白家庄路", {{{0, 0}, {300, 10}}})});
  auto w = one.where(100, -8);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->side, "south");
  EXPECT_EQ(w->crossing, "");
  EXPECT_EQ(w->zh, "白家庄路南侧");
  EXPECT_EQ(w->en, "south side of 白家庄路");
}

TEST(Where, MultiLineStringRoadAndALaneEndingShortOfTheRoadMeetIt) {
  // 水碓子东路 in two pieces; 团结湖北二条 ends 3 m south of the second piece (drawn short).
  Roads r({road("水碓子东路", {{{0, 0}, {0, 200}}, {{0, 210}, {0, 500}}}), road("团结湖北二条", {{{-200, 400}, {-3, 400}}})});
  auto on_second = r.where(5, 340);
  ASSERT_TRUE(on_second);
  EXPECT_EQ(on_second->road, "水碓子东路");
  EXPECT_EQ(on_second->side, "east");
  EXPECT_EQ(on_second->crossing, "团结湖北二条");
  EXPECT_EQ(on_second->direction, "south");
  EXPECT_DOUBLE_EQ(on_second->distance_m, 60);
  auto on_first = r.where(-5, 100);  // the crossing lies on the other piece: straight distance
  ASSERT_TRUE(on_first);
  EXPECT_EQ(on_first->side, "west");
  EXPECT_EQ(on_first->crossing, "团结湖北二条");
  EXPECT_DOUBLE_EQ(on_first->distance_m, 300);
}

TEST(Where, DistancesAreRoundedAsACrewHearsThem) {
  EXPECT_EQ(query::round_distance_m(9.9), 0);
  EXPECT_EQ(query::round_distance_m(14), 10);
  EXPECT_EQ(query::round_distance_m(296), 300);
  EXPECT_EQ(query::round_distance_m(640), 650);
  EXPECT_EQ(query::round_distance_m(1234), 1200);
}

TEST(Where, ImportedRoadsAreStoredAndGiveEveryPoleAWhere) {
  fixtures::TempDir dir;
  const std::string poles = dir.write("poles.csv", "number,lon,lat\nTJH0001," + std::to_string(at(42, 5).lon) + "," +
                                                       std::to_string(at(42, 5).lat) + "\n");
  const LonLat a = at(-600, -400), b = at(600, 400);
  char grid[512];
  std::snprintf(grid, sizeof grid,
                R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"G1"},)"
                R"("geometry":{"type":"Polygon","coordinates":[[[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f]]]}}]})",
                a.lon, a.lat, b.lon, a.lat, b.lon, b.lat, a.lon, b.lat, a.lon, a.lat);
  const std::string grids = dir.write("grids.geojson", grid);
  char roads[512];
  std::snprintf(roads, sizeof roads,
                R"({"type":"FeatureCollection","features":[)"
                R"({"type":"Feature","properties":{"name":"团结湖路"},"geometry":{"type":"LineString","coordinates":[[%.7f,%.7f],[%.7f,%.7f]]}},)"
                R"({"type":"Feature","properties":{"name":"团结湖北一条"},"geometry":{"type":"MultiLineString","coordinates":[[[%.7f,%.7f],[%.7f,%.7f]]]}}]})",
                at(-500, 0).lon, at(-500, 0).lat, at(500, 0).lon, at(500, 0).lat, at(0, -300).lon, at(0, -300).lat,
                at(0, 300).lon, at(0, 300).lat);
  const std::string roads_path = dir.write("roads.geojson", roads);
  const std::string db = dir.file("db");
  {
    auto svc = Service::open(db, {});
    ASSERT_TRUE(svc);
    auto report = (*svc)->import({poles, grids, "", "", roads_path}, {});
    ASSERT_TRUE(report) << report.status().message();
    EXPECT_EQ(report->roads, 2u);
    // An import without --roads keeps the stored roads.
    ASSERT_TRUE((*svc)->import({poles, grids}, {}));
  }
  auto svc = Service::open(db, {.read_only = true});
  ASSERT_TRUE(svc);
  auto snap = (*svc)->snapshot();
  EXPECT_EQ(snap->roads().size(), 2u);
  auto pole = snap->locate("TJH0001");
  ASSERT_TRUE(pole);
  auto w = pole->where();
  ASSERT_TRUE(w);
  EXPECT_EQ(w->zh, "团结湖路北侧，距团结湖北一条路口东约40米");

  // A dump with history and its restore keep the roads (record kind "road").
  const std::string dump = dir.file("dump.ndjson"), restored = dir.file("restored");
  ASSERT_TRUE((*svc)->export_history(dump));
  ASSERT_TRUE(Service::restore_history(restored, dump));
  auto again = Service::open(restored, {.read_only = true});
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->snapshot()->roads(), snap->roads());
  auto moved = (*again)->snapshot()->locate("TJH0001");
  ASSERT_TRUE(moved && moved->where());
  EXPECT_EQ(moved->where()->en, w->en);
}

TEST(Where, RoadWithoutANameIsRejectedNamingTheFeature) {
  fixtures::TempDir dir;
  const std::string roads = dir.write(
      "roads.geojson",
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[116.47,39.92],[116.48,39.92]]}}]})");
  auto svc = Service::open(dir.file("db"), {});
  ASSERT_TRUE(svc);
  auto report = (*svc)->import({std::string(POLELOC_SAMPLE_DIR) + "/poles.csv",
                                std::string(POLELOC_SAMPLE_DIR) + "/grids.geojson", "", "", roads},
                               {});
  ASSERT_FALSE(report);
  EXPECT_NE(report.status().message().find("feature 0"), std::string::npos) << report.status().message();
  EXPECT_NE(report.status().message().find("properties.name"), std::string::npos) << report.status().message();
}

}  // namespace
}  // namespace poleloc
