// Reading the input files: every bad-input class gets an error naming file, line or feature, field and reason.
#include "test_support.hpp"

#include <poleloc/import.hpp>

#include <gtest/gtest.h>

#include <cmath>

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
  EXPECT_EQ(r.dataset.poles[0].attributes[0], (Attribute{"kind", "路灯"}));
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
  Input in("number,lon,height\nTJH0001,116.4,39.9\n");  // "latitude" is recognised as lat since issue 12
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
  o.poles_crs = "EPSG:32650";  // the grids are lon/lat: --crs would (and now does) refuse them as outside UTM 50N
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
  EXPECT_EQ(r.status().code(), ErrorCode::bad_request);
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

// The reader takes coordinates arrays out of the text before the JSON parser
// sees it: a syntax error after one on the same line still names the file's
// line, column and byte.
TEST(ImportGrids, SyntaxErrorAfterCoordinatesNamesTheFilesLineAndColumn) {
  const std::string first = R"({"type":"FeatureCollection","features":[)";
  const std::string second =
      R"({"type":"Feature","properties":{"id":"G1"},"geometry":{"type":"Polygon","coordinates":[[[116.46,39.92],[116.47,39.92],[116.47,39.93],[116.46,39.92]]]},,})";
  Input in("number,lon,lat\n", first + "\n" + second + "\n]}");
  auto r = in.read();
  const std::string column = "column " + std::to_string(second.find(",,") + 2);
  const std::string byte = "byte " + std::to_string(first.size() + 1 + second.find(",,") + 2);
  expect_has(only_error(r), {"grids.geojson:2", "parse error at line 2", column.c_str(), byte.c_str()});
}

// Coordinates are read as the JSON parser reads numbers: every form JSON allows, the same doubles.
TEST(ImportGrids, CoordinatesInEveryNumberFormAreReadExactly) {
  Input in("number,lon,lat\n", R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"G1"},"geometry":{"type":"MultiPolygon","coordinates":[[[[116.46,39.92],
  [1.1647E2, 39.92, 7], [116.47000000000000000000001,3.993e+1],[116.46,39.92]]]]}}]})");
  auto r = in.read();
  EXPECT_EQ(r.error_count, 0u);
  ASSERT_EQ(r.dataset.grids.size(), 1u);
  const Ring& ring = r.dataset.grids[0].geometry.at(0).rings.at(0);
  ASSERT_EQ(ring.size(), 4u);
  EXPECT_EQ(ring[1], (LonLat{116.47, 39.92}));
  EXPECT_EQ(ring[2], (LonLat{116.47, 39.93}));
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

// The attribute columns of an export keep each pole's order of its attributes:
// a CSV whose first pole lacks a column (kept empty, so not an attribute of
// it) once came back with that column last for every other pole (found by
// csv_fuzz). Where poles disagree on the order, every value still comes back.
TEST(ExportFormats, AttributeColumnsKeepEveryPolesOrder) {
  TempDir dir;
  std::vector<PoleRecord> poles{{"TJH0001", {116.47, 39.92}, {{"kind", "路灯"}, {"phone", "1"}}},
                                {"TJH0002", {116.47, 39.93}, {{"kind", "电杆"}, {"manager", "王芳"}, {"phone", "2"}}},
                                {"TJH0003", {116.47, 39.94}, {{"manager", "李"}, {"height", "9"}}},
                                {"TJH0004", {116.47, 39.95}, {{"b", "1"}, {"a", "2"}}},
                                {"TJH0005", {116.47, 39.96}, {{"a", "3"}, {"b", "4"}}}};
  ASSERT_TRUE(write_poles_csv(dir.file("p.csv"), poles));
  ASSERT_TRUE(write_grids_geojson(dir.file("g.geojson"), {{"G1", "", {}, {{{poleloc::fixtures::box_ring(116.46, 39.9, 116.48, 39.97)}}}}}));
  auto r = read_input({dir.file("p.csv"), dir.file("g.geojson"), ""}, {});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->error_count, 0u) << r->errors[0].to_string();
  ASSERT_EQ(r->dataset.poles.size(), poles.size());
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(r->dataset.poles[i].attributes, poles[i].attributes) << poles[i].number;
  for (std::size_t i = 3; i < 5; ++i) {  // a and b in both orders: one of them is turned round
    const auto by_key = [](const Attribute& x, const Attribute& y) { return x.first < y.first; };
    Attributes got = r->dataset.poles[i].attributes, want = poles[i].attributes;
    std::sort(got.begin(), got.end(), by_key);
    std::sort(want.begin(), want.end(), by_key);
    EXPECT_EQ(got, want) << poles[i].number;
  }
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

// --- regressions from the outside trial of issue 11 --------------------------------

namespace {

// kGoodGrids with `value` (raw JSON text) as the property "extra" of its only feature.
std::string grids_with_property(const std::string& value) {
  std::string g = kGoodGrids;
  const std::string anchor = R"("manager":"王芳")";
  return g.replace(g.find(anchor), anchor.size(), anchor + R"(,"extra":)" + value);
}

std::string nested(std::size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); }

}  // namespace

TEST(ImportPoles, OldMacLineEndsAreRowsNotOneHeader) {
  // CR-only files were read as a header alone, and the import removed every pole.
  Input in("number,lon,lat,kind\rTJH0001,116.465,39.925,路灯\rTJH0002,116.466,39.926,\rTJH*3,116.4,39.9,\r");
  auto r = in.read();
  ASSERT_EQ(r.dataset.poles.size(), 2u);
  EXPECT_EQ(r.dataset.poles[1].number, "TJH0002");
  EXPECT_EQ(r.dataset.poles[0].attributes, (Attributes{{"kind", "路灯"}}));
  expect_has(only_error(r), {"poles.csv:4", "number"});
}

TEST(ImportPoles, MixedLineEndsCountLinesRight) {
  // LF, CRLF and CR in one file; a quoted field keeps its CRLF and counts one line.
  Input in("number,lon,lat,note\r\nTJH0001,116.465,39.925,\"a\r\nb\"\rTJH0002,116.466,39.926,x\nTJH*3,1,1,\r\n");
  auto r = in.read();
  ASSERT_EQ(r.dataset.poles.size(), 2u);
  EXPECT_EQ(r.dataset.poles[0].attributes, (Attributes{{"note", "a\r\nb"}}));
  expect_has(only_error(r), {"poles.csv:5", "number"});
}

TEST(ImportAliases, OldMacAndMixedLineEndsAreRows) {
  Input in("number,lon,lat\nTJH0001,116.465,39.925\n", kGoodGrids, "alias,code\r团结湖,TJH\r\ntuanjiehu,tjh\rhjl,HJL");
  auto r = in.read();
  EXPECT_EQ(r.error_count, 0u) << (r.errors.empty() ? "" : r.errors[0].to_string());
  ASSERT_EQ(r.dataset.aliases.size(), 3u);
  EXPECT_EQ(r.dataset.aliases[1].alias, "tuanjiehu");
  EXPECT_EQ(r.dataset.aliases[2].code, "HJL");
}

TEST(ImportPoles, DuplicateColumnIsRefusedNamingBothPositions) {
  // `number,lon,lat,lon` used to be accepted, the last lon winning.
  Input in("number,lon,lat,lon\nTJH0001,116.465,39.925,0\n");
  auto r = in.read();
  EXPECT_TRUE(r.dataset.poles.empty());
  expect_has(only_error(r), {"poles.csv:1", "lon", "columns 2 and 4"});
  EXPECT_EQ(r.fatal_errors, 1u);
}

TEST(ImportPoles, DuplicateColumnIgnoresCase) {
  Input in("Number,Lon,lat,kind,LON\nTJH0001,116.465,39.925,路灯,0\n");
  auto r = in.read();
  EXPECT_TRUE(r.dataset.poles.empty());
  expect_has(only_error(r), {"poles.csv:1", "LON", "columns 2 and 5"});
  Input attrs("number,lon,lat,Kind,kind\nTJH0001,116.465,39.925,a,b\n");
  auto a = attrs.read();
  expect_has(only_error(a), {"poles.csv:1", "kind", "columns 4 and 5"});
}

TEST(ImportPoles, ColumnsWithoutANameKeepTheirValuesApart) {
  // Two blank header cells were both the attribute "", and an export kept only
  // one of their values (found by csv_fuzz; tests/fuzz/corpus/csv_fuzz/unnamed_columns).
  TempDir dir;
  Input in("number,lon,lat,, \nTJH0001,116.465,39.925,路灯,王芳\nTJH0002,116.466,39.926,,x\n");
  auto r = in.read();
  ASSERT_EQ(r.error_count, 0u) << r.errors[0].to_string();
  ASSERT_EQ(r.dataset.poles.size(), 2u);
  EXPECT_EQ(r.dataset.poles[0].attributes, (Attributes{{"Field4", "路灯"}, {"Field5", "王芳"}}));
  EXPECT_EQ(r.dataset.poles[1].attributes, (Attributes{{"Field5", "x"}}));
  ASSERT_TRUE(write_poles_csv(dir.file("p.csv"), r.dataset.poles));
  ASSERT_TRUE(write_grids_geojson(dir.file("g.geojson"), r.dataset.grids));
  auto again = read_input({dir.file("p.csv"), dir.file("g.geojson"), ""}, {});
  ASSERT_TRUE(again);
  ASSERT_EQ(again->error_count, 0u) << again->errors[0].to_string();
  ASSERT_EQ(again->dataset.poles.size(), 2u);
  EXPECT_EQ(again->dataset.poles[0].attributes, r.dataset.poles[0].attributes);
  EXPECT_EQ(again->dataset.poles[1].attributes, r.dataset.poles[1].attributes);
  // The name given meets a column that has it already: refused as any duplicate.
  Input clash("number,lon,lat,,field4\nTJH0001,116.465,39.925,a,b\n");
  auto c = clash.read();
  expect_has(only_error(c), {"poles.csv:1", "columns 4 and 5"});
}

TEST(ImportAliases, DuplicateColumnIsRefused) {
  Input in("number,lon,lat\nTJH0001,116.465,39.925\n", kGoodGrids, "alias,code,Code\n团结湖,TJH,HJL\n");
  auto r = in.read();
  EXPECT_TRUE(r.dataset.aliases.empty());
  expect_has(only_error(r), {"aliases.csv:1", "Code", "columns 2 and 3"});
}

TEST(ImportPoles, ShortFilesStartingLikeAByteOrderMarkAreReadWithinTheFile) {
  // 1- and 2-byte files starting 0xEF made the reader step before its buffer (valgrind).
  for (const std::string& content : {std::string("\xEF"), std::string("\xEF\xBB"), std::string("\xEF\xBB\xBF")}) {
    Input in(content);
    auto r = in.read();
    EXPECT_TRUE(r.dataset.poles.empty());
    const std::string e = only_error(r);
    expect_has(e, {"poles.csv:1"});
    EXPECT_EQ(e.find('\0'), std::string::npos) << "bytes from outside the file";
    if (content.size() == 3) {
      expect_has(e, {"file is empty"});
    } else {
      expect_has(e, {"not valid UTF-8"});
    }
  }
}

TEST(ImportPoles, ByteOrderMarkWithOldMacLineEnds) {
  Input in("\xEF\xBB\xBFnumber,lon,lat\rTJH0001,116.465,39.925\r");
  auto r = in.read();
  EXPECT_EQ(r.error_count, 0u);
  EXPECT_EQ(r.dataset.poles.size(), 1u);
}

TEST(ImportPoles, OverflowingCoordinateIsNotAFiniteNumber) {
  // 1e400 used to end as "internal error ... number overflow" with exit 4 and no line.
  Input in("number,lon,lat\nTJH0001,1e400,39.9\nTJH0002,116.4,-1e400\nTJH0003,1e-400,1e-400\n");
  auto r = in.read();
  ASSERT_EQ(r.error_count, 2u);
  expect_has(r.errors[0].to_string(), {"poles.csv:2", "lon", "not a finite number"});
  expect_has(r.errors[1].to_string(), {"poles.csv:3", "lat", "not a finite number"});
  ASSERT_EQ(r.dataset.poles.size(), 1u) << "an underflow is simply 0";
  EXPECT_EQ(r.dataset.poles[0].position, (LonLat{0, 0}));
}

TEST(ImportGrids, OverflowingCoordinateNamesTheFeature) {
  std::string g = kGoodGrids;
  g.replace(g.find("[116.47,39.93]"), 14, "[1e400,39.93]");
  Input in("number,lon,lat\nTJH0001,116.465,39.925\n", g);
  auto r = in.read();
  EXPECT_TRUE(r.dataset.grids.empty());
  expect_has(only_error(r), {"grids.geojson: feature 0", "geometry", "1e400", "not a finite number"});
  EXPECT_EQ(r.fatal_errors, 1u);
}

TEST(ImportGrids, DeeplyNestedPropertyIsRefusedWithoutRecursion) {
  // 100,000 levels used to overflow the stack in the JSON serialiser (segfault).
  Input in("number,lon,lat\nTJH0001,116.465,39.925\n", grids_with_property(nested(100000)));
  auto r = in.read();
  EXPECT_TRUE(r.dataset.grids.empty());
  expect_has(only_error(r), {"grids.geojson: feature 0", "properties.extra", "deeper than 32 levels"});
}

TEST(ImportGrids, NestingUpToTheLimitIsKept) {
  Input ok("number,lon,lat\nTJH0001,116.465,39.925\n", grids_with_property(nested(32)));
  auto r = ok.read();
  EXPECT_EQ(r.error_count, 0u);
  ASSERT_EQ(r.dataset.grids.size(), 1u);
  const std::string* extra = find_attribute(r.dataset.grids[0].attributes, "extra");
  ASSERT_NE(extra, nullptr);
  EXPECT_EQ(*extra, nested(32));
  Input deep("number,lon,lat\nTJH0001,116.465,39.925\n", grids_with_property(nested(33)));
  auto d = deep.read();
  expect_has(only_error(d), {"feature 0", "properties.extra", "deeper than 32 levels"});
  ImportOptions tight;
  tight.max_property_depth = 2;
  Input three("number,lon,lat\nTJH0001,116.465,39.925\n", grids_with_property(R"({"a":{"b":[1]}})"));
  auto t = three.read(tight);
  expect_has(only_error(t), {"feature 0", "properties.extra", "deeper than 2 levels"});
}

TEST(ImportGrids, DeeplyNestedForeignMemberOutsideFeaturesIsIgnored) {
  std::string g = kGoodGrids;
  g.insert(g.size() - 1, R"(,"x":)" + nested(100000));
  Input in("number,lon,lat\nTJH0001,116.465,39.925\n", g);
  auto r = in.read();
  EXPECT_EQ(r.error_count, 0u);
  EXPECT_EQ(r.dataset.grids.size(), 1u);
}

TEST(ImportGrids, OversizedAttributeValueIsRefused) {
  const std::string big(64 * 1024 + 1, 'x');
  Input in("number,lon,lat\nTJH0001,116.465,39.925\n", grids_with_property("\"" + big + "\""));
  auto r = in.read();
  EXPECT_TRUE(r.dataset.grids.empty());
  expect_has(only_error(r), {"feature 0", "properties.extra", "65,537 bytes", "65,536 bytes per attribute"});
  // An object property counts as its JSON text.
  Input obj("number,lon,lat\nTJH0001,116.465,39.925\n", grids_with_property("{\"a\":\"" + big + "\"}"));
  auto o = obj.read();
  expect_has(only_error(o), {"feature 0", "properties.extra", "bytes per attribute"});
}

TEST(ImportGrids, PropertiesOverOneMebibyteAreRefused) {
  std::string props;
  for (int i = 0; i < 20; ++i) props += ",\"p" + std::to_string(i) + "\":\"" + std::string(60 * 1024, 'y') + "\"";
  Input in("number,lon,lat\nTJH0001,116.465,39.925\n", grids_with_property("1" + props));
  auto r = in.read();
  EXPECT_TRUE(r.dataset.grids.empty());
  expect_has(only_error(r), {"feature 0", "properties", "more than 1,048,576 bytes"});
}

TEST(ImportGrids, GridWithTooManyVerticesIsRefused) {
  // A 10-million-vertex grid was committed and made the database unopenable.
  auto grid_with = [](std::size_t vertices) {
    std::string ring;
    for (std::size_t i = 0; i + 1 < vertices; ++i) {
      const double a = 6.283185307179586 * static_cast<double>(i) / static_cast<double>(vertices - 1);
      ring += "[" + std::to_string(116.4 + 0.01 * std::cos(a)) + "," + std::to_string(39.9 + 0.01 * std::sin(a)) + "],";
    }
    ring += "[116.41,39.9]";  // closes the ring at i = 0
    return R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"HUGE"},)"
           R"("geometry":{"type":"Polygon","coordinates":[[)" + ring + "]]}}]}";
  };
  Input over("number,lon,lat\nTJH0001,116.465,39.925\n", grid_with(kDefaultMaxGridVertices + 1));
  auto r = over.read();
  EXPECT_TRUE(r.dataset.grids.empty());
  expect_has(only_error(r), {"feature 0", "geometry", "more than 250,000 vertices", "--max-vertices"});
  ImportOptions small;
  small.max_grid_vertices = 100;
  Input at("number,lon,lat\nTJH0001,116.465,39.925\n", grid_with(100));
  EXPECT_EQ(at.read(small).dataset.grids.size(), 1u);
  Input above("number,lon,lat\nTJH0001,116.465,39.925\n", grid_with(101));
  auto a = above.read(small);
  expect_has(only_error(a), {"HUGE", "more than 100 vertices"});
}
