// Reading the input files: every bad-input class gets an error naming file, line or feature, field and reason.
#include "test_support.hpp"

#include <poleloc/import.hpp>

#include <gtest/gtest.h>

using namespace poleloc;
using poleloc::fixtures::TempDir;

namespace {

const char* kGoodGrids = R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"G1","name":"一号网格","manager":"王芳"},
 "geometry":{"type":"Polygon","coordinates":[[[116.46,39.92],[116.47,39.92],[116.47,39.93],[116.46,39.93],[116.46,39.92]]]}}
]})";

struct Input {
  TempDir dir;
  std::string poles, grids, aliases;
  Input(const std::string& poles_csv, const std::string& grids_json = kGoodGrids,
        const std::string& aliases_csv = "alias,code\n团结湖,TJH\n") {
    poles = dir.write("poles.csv", poles_csv);
    grids = dir.write("grids.geojson", grids_json);
    aliases = dir.write("aliases.csv", aliases_csv);
  }
  ParsedInput read(ImportOptions options = {}) {
    auto r = read_input({poles, grids, aliases}, options);
    EXPECT_TRUE(r) << r.status().message();
    return std::move(*r);
  }
};

// The single error of a parse, as text.
std::string only_error(ParsedInput& in) {
  EXPECT_EQ(in.error_count, 1u);
  return in.errors.empty() ? "" : in.errors[0].to_string();
}

void expect_has(const std::string& text, std::initializer_list<const char*> parts) {
  for (const char* p : parts) EXPECT_NE(text.find(p), std::string::npos) << "'" << p << "' not in: " << text;
}

}  // namespace

TEST(ImportPoles, GoodFileGivesCanonicalNumbersAndAttributes) {
  Input in("number,lon,lat,kind,manager\nTJH-0001,116.465,39.925,路灯,王芳\ntjh0002,116.466,39.926,,\n");
  auto r = in.read();
  EXPECT_EQ(r.error_count, 0u);
  ASSERT_EQ(r.dataset.poles.size(), 2u);
  EXPECT_EQ(r.dataset.poles[0].number, "TJH0001");
  EXPECT_EQ(r.dataset.poles[0].position, (LonLat{116.465, 39.925}));
  ASSERT_EQ(r.dataset.poles[0].attributes.size(), 2u);
  EXPECT_EQ(r.dataset.poles[0].attributes[0], (std::pair<std::string, std::string>{"kind", "路灯"}));
  EXPECT_TRUE(r.dataset.poles[1].attributes.empty());
  EXPECT_EQ(r.dataset.grids.size(), 1u);
  EXPECT_EQ(r.dataset.aliases.size(), 1u);
}

TEST(ImportPoles, QuotedFieldsWithCommasQuotesAndNewlines) {
  Input in("number,lon,lat,note\r\nTJH0001,116.465,39.925,\"a, \"\"b\"\"\nc\"\r\nTJH0002,116.4,39.9,x\r\n");
  auto r = in.read();
  ASSERT_EQ(r.error_count, 0u);
  ASSERT_EQ(r.dataset.poles.size(), 2u);
  EXPECT_EQ(r.dataset.poles[0].attributes[0].second, "a, \"b\"\nc");
}

TEST(ImportPoles, ByteOrderMarkIsSkipped) {
  Input in("\xEF\xBB\xBFnumber,lon,lat\nTJH0001,116.465,39.925\n");
  auto r = in.read();
  EXPECT_EQ(r.error_count, 0u);
  EXPECT_EQ(r.dataset.poles.size(), 1u);
}

TEST(ImportPoles, BadNumberNamesLineAndField) {
  Input in("number,lon,lat\nTJH0001,116.465,39.925\nTJH*2,116.465,39.925\n");
  auto r = in.read();
  expect_has(only_error(r), {"poles.csv:3", "number", "bad number 'TJH*2'"});
}

TEST(ImportPoles, LonNotANumber) {
  Input in("number,lon,lat\nTJH0001,east,39.925\n");
  auto r = in.read();
  expect_has(only_error(r), {"poles.csv:2", "lon", "'east' is not a number"});
}

TEST(ImportPoles, LatOutOfRangeSuggestsSwappedAxes) {
  Input in("number,lon,lat\nTJH0001,39.925,116.465\n");
  auto r = in.read();
  expect_has(only_error(r), {"poles.csv:2", "lat", "out of range", "swapped"});
}

TEST(ImportPoles, NanAndInfinityAreNotNumbers) {
  Input in("number,lon,lat\nTJH0001,nan,39.9\nTJH0002,116.4,inf\n");
  auto r = in.read();
  EXPECT_EQ(r.error_count, 2u);
}

TEST(ImportPoles, MissingColumnIsNamed) {
  Input in("number,lon,latitude\nTJH0001,116.4,39.9\n");
  auto r = in.read();
  expect_has(only_error(r), {"poles.csv:1", "missing column 'lat'"});
}

TEST(ImportPoles, WrongFieldCount) {
  Input in("number,lon,lat\nTJH0001,116.4\n");
  auto r = in.read();
  expect_has(only_error(r), {"poles.csv:2", "2 fields", "header has 3"});
}

TEST(ImportPoles, DuplicateNumberNamesTheFirstLine) {
  Input in("number,lon,lat\nTJH0001,116.4,39.9\nTJH0002,116.4,39.9\ntjh-0001,116.5,39.9\n");
  auto r = in.read();
  expect_has(only_error(r), {"poles.csv:4", "duplicate number TJH0001", "first on line 2"});
  EXPECT_EQ(r.dataset.poles.size(), 2u);
}

TEST(ImportPoles, NonUtf8RowIsNamed) {
  Input in("number,lon,lat,kind\nTJH0001,116.4,39.9,\xB5\xE7\xCF\xDF\n");  // GBK bytes
  auto r = in.read();
  expect_has(only_error(r), {"poles.csv:2", "UTF-8"});
}

TEST(ImportPoles, UnterminatedQuoteIsNamed) {
  Input in("number,lon,lat,kind\nTJH0001,116.4,39.9,\"lamp\n");
  auto r = in.read();
  expect_has(only_error(r), {"poles.csv", "unterminated quoted field", "line 2"});
}

TEST(ImportPoles, MissingFileIsNamed) {
  TempDir dir;
  auto r = read_input({dir.file("nope.csv"), dir.file("nope.geojson"), ""}, {});
  ASSERT_TRUE(r);
  ASSERT_GE(r->error_count, 2u);
  expect_has(r->errors[0].to_string(), {"nope.csv", "cannot open"});
}

TEST(ImportPoles, CrsConversionUtm50) {
  Input in("number,lon,lat\nTJH0001,448502.182,4417797.609\n");
  ImportOptions o;
  o.crs = "EPSG:32650";
  auto r = in.read(o);
  ASSERT_EQ(r.error_count, 0u) << r.errors[0].to_string();
  EXPECT_NEAR(r.dataset.poles[0].position.lon, 116.3975, 1e-6);
  EXPECT_NEAR(r.dataset.poles[0].position.lat, 39.9087, 1e-6);
}

TEST(ImportPoles, UnknownCrsFailsTheWholeRead) {
  Input in("number,lon,lat\nTJH0001,116.4,39.9\n");
  ImportOptions o;
  o.crs = "EPSG:123456789";
  auto r = read_input({in.poles, in.grids, in.aliases}, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), ErrorCode::invalid_argument);
  expect_has(r.status().message(), {"unknown CRS", "EPSG:123456789"});
}

TEST(ImportGrids, InvalidPolygonGetsGeosReasonAndLocation) {
  // A bow-tie: self-intersecting at (116.465, 39.925).
  Input in("number,lon,lat\n", R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"BOW"},"geometry":{"type":"Polygon","coordinates":[[[116.46,39.92],[116.47,39.93],[116.47,39.92],[116.46,39.93],[116.46,39.92]]]}}]})");
  auto r = in.read();
  expect_has(only_error(r), {"grids.geojson: feature 0", "geometry", "BOW", "Self-intersection", "116.465", "39.925"});
}

TEST(ImportGrids, UnclosedRing) {
  Input in("number,lon,lat\n", R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"G1"},"geometry":{"type":"Polygon","coordinates":[[[116.46,39.92],[116.47,39.92],[116.47,39.93],[116.46,39.93]]]}}]})");
  auto r = in.read();
  expect_has(only_error(r), {"feature 0", "not closed"});
}

TEST(ImportGrids, WrongGeometryType) {
  Input in("number,lon,lat\n", R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"G1"},"geometry":{"type":"LineString","coordinates":[[116.46,39.92],[116.47,39.92]]}}]})");
  auto r = in.read();
  expect_has(only_error(r), {"feature 0", "wrong geometry type 'LineString'"});
}

TEST(ImportGrids, DuplicateAndMissingIds) {
  const std::string f = R"({"type":"Feature","properties":{"id":"G1"},"geometry":{"type":"Polygon","coordinates":[[[116.46,39.92],[116.47,39.92],[116.47,39.93],[116.46,39.92]]]}})";
  Input in("number,lon,lat\n", "{\"type\":\"FeatureCollection\",\"features\":[" + f + "," + f +
                                   R"(,{"type":"Feature","properties":{"name":"x"},"geometry":null}]})");
  auto r = in.read();
  ASSERT_EQ(r.error_count, 2u);
  expect_has(r.errors[0].to_string(), {"feature 1", "duplicate grid id 'G1'"});
  expect_has(r.errors[1].to_string(), {"feature 2", "properties.id"});
}

TEST(ImportGrids, JsonSyntaxErrorNamesTheLine) {
  Input in("number,lon,lat\n", "{\"type\":\"FeatureCollection\",\n\"features\":[\n{\"type\":\"Feature\",,}\n]}");
  auto r = in.read();
  expect_has(only_error(r), {"grids.geojson:3", "parse error"});
}

TEST(ImportGrids, NonUtf8PropertyIsASyntaxError) {
  Input in("number,lon,lat\n", "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"id\":\"\xB5\xE7\"},\"geometry\":null}]}");
  auto r = in.read();
  expect_has(only_error(r), {"grids.geojson", "UTF-8"});
}

TEST(ImportGrids, NotAFeatureCollection) {
  Input in("number,lon,lat\n", R"({"type":"Feature","properties":{}})");
  auto r = in.read();
  expect_has(only_error(r), {"grids.geojson", "FeatureCollection"});
}

TEST(ImportAliases, BadHeaderAndBadCode) {
  Input in("number,lon,lat\n", kGoodGrids, "alias,code\n团结湖,TJH1\n,TJH\n");
  auto r = in.read();
  ASSERT_EQ(r.error_count, 2u);
  expect_has(r.errors[0].to_string(), {"aliases.csv:2", "code"});
  expect_has(r.errors[1].to_string(), {"aliases.csv:3", "alias is empty"});
}

TEST(ImportErrors, ListIsCappedButEveryErrorIsCounted) {
  std::string csv = "number,lon,lat\n";
  for (int i = 0; i < 120; ++i) csv += "BAD*" + std::to_string(i) + ",116.4,39.9\n";
  Input in(csv);
  auto r = in.read();
  EXPECT_EQ(r.error_count, 120u);
  EXPECT_EQ(r.errors.size(), 50u);
  ImportOptions keep_all;
  keep_all.skip_invalid = true;
  auto all = in.read(keep_all);
  EXPECT_EQ(all.errors.size(), 120u);
}

TEST(ExportFormats, WrittenFilesReadBackToTheSameRecords) {
  TempDir dir;
  std::vector<PoleRecord> poles{{"TJH0001", {116.4712345, 39.9251234}, {{"kind", "路灯"}, {"note", "a, \"b\""}}},
                                {"TJH0002", {116.1 / 3, 39.2 / 7}, {}}};
  std::vector<GridRecord> grids{{"G1", "一号", {{"manager", "王芳"}},
                                 {{{poleloc::fixtures::box_ring(116.46, 39.92, 116.47, 39.93)}}}}};
  ASSERT_TRUE(write_poles_csv(dir.file("p.csv"), poles));
  ASSERT_TRUE(write_grids_geojson(dir.file("g.geojson"), grids));
  ASSERT_TRUE(write_aliases_csv(dir.file("a.csv"), {{"团结湖", "TJH"}}));
  auto r = read_input({dir.file("p.csv"), dir.file("g.geojson"), dir.file("a.csv")}, {});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->error_count, 0u) << r->errors[0].to_string();
  ASSERT_EQ(r->dataset.poles.size(), 2u);
  EXPECT_EQ(r->dataset.poles[0].position, poles[0].position);
  EXPECT_EQ(r->dataset.poles[1].position, poles[1].position);  // exact: shortest round-trip digits
  EXPECT_EQ(r->dataset.poles[0].attributes, poles[0].attributes);
  ASSERT_EQ(r->dataset.grids.size(), 1u);
  EXPECT_EQ(r->dataset.grids[0].geometry, grids[0].geometry);
  EXPECT_EQ(r->dataset.grids[0].name, "一号");
  EXPECT_EQ(r->dataset.grids[0].attributes, grids[0].attributes);
}

TEST(ImportGrids, FeatureLevelAndIntegerIdsAreAccepted) {
  Input in("number,lon,lat\n", R"({"type":"FeatureCollection","features":[
{"type":"Feature","id":"TOP","properties":{"name":"a"},"geometry":{"type":"Polygon","coordinates":[[[116.46,39.92],[116.47,39.92],[116.47,39.93],[116.46,39.92]]]}},
{"type":"Feature","properties":{"id":27},"geometry":{"type":"Polygon","coordinates":[[[116.48,39.92],[116.49,39.92],[116.49,39.93],[116.48,39.92]]]}}]})");
  auto r = in.read();
  ASSERT_EQ(r.error_count, 0u) << r.errors[0].to_string();
  ASSERT_EQ(r.dataset.grids.size(), 2u);
  EXPECT_EQ(r.dataset.grids[0].id, "TOP");
  EXPECT_EQ(r.dataset.grids[1].id, "27");
}
