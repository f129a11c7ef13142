// Attributes keep their types (docs/import.md, "Attribute types"): a GeoJSON
// number stays a number through the store, the snapshot, the overlay, the
// change feed, history, dump and restore; a CSV cell stays text; values
// stored before typed attributes read as text.
#include "test_support.hpp"
#include "cli_runner.hpp"

#include "store/record_encoding.hpp"

#include <poleloc/attribute_json.hpp>
#include <poleloc/poleloc.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <ostream>

using namespace poleloc;
using poleloc::fixtures::TempDir;

namespace poleloc {
// Failures print as name=value:type.
template <class S>
void PrintTo(const BasicAttribute<S>& a, std::ostream* os) {
  *os << a.first << "=" << a.second << ":" << attribute_type_name(a.type);
}
}  // namespace poleloc

namespace {

const Attributes kTyped{Attribute::integer("voltage_kv", 10), Attribute::real("rated_kva", 0.1),
                        Attribute::boolean("lit", true), Attribute{"code", "0372"}};

// A grid with integer, real, boolean, null, object and text properties, and one pole in it.
const char* kGridsGeojson = R"({"type":"FeatureCollection","features":[{"type":"Feature",
  "properties":{"id":"G1","name":"团结湖一","voltage_kv":10,"rated_kva":0.1,"lit":true,"closed":false,
                "note":null,"extra":{"a":1},"code":"0372","households":5000000000,"level":2.0},
  "geometry":{"type":"Polygon","coordinates":[[[116.46,39.92],[116.47,39.92],[116.47,39.93],[116.46,39.93],[116.46,39.92]]]}}]})";
const char* kPolesCsv = "number,lon,lat,voltage_kv,code\nTJH0001,116.465,39.925,10,0372\n";

std::unique_ptr<Service> open_ok(const std::string& path) {
  auto s = Service::open(path);
  EXPECT_TRUE(s) << s.status().message();
  return s ? std::move(*s) : nullptr;
}

std::unique_ptr<Service> imported(const TempDir& dir, const std::string& db = "db") {
  auto svc = open_ok(dir.file(db));
  const std::string poles = dir.write("poles.csv", kPolesCsv);
  const std::string grids = dir.write("grids.geojson", kGridsGeojson);
  auto report = svc->import({poles, grids, ""});
  EXPECT_TRUE(report) << report.status().message();
  return svc;
}

// In name order, as the GeoJSON reader gives properties.
const Attributes kGridAttributes{Attribute::boolean("closed", false),
                                 Attribute{"code", "0372"},
                                 Attribute{"extra", R"({"a":1})"},
                                 Attribute::integer("households", 5000000000LL),
                                 Attribute::real("level", 2.0),
                                 Attribute::boolean("lit", true),
                                 Attribute::real("rated_kva", 0.1),
                                 Attribute::integer("voltage_kv", 10)};

void put_u8(std::string& s, int v) { s.push_back(static_cast<char>(v)); }
void put_str(std::string& s, const std::string& v) {
  put_u8(s, static_cast<int>(v.size()));
  s += v;
}
void put_f64(std::string& s, double v) {
  char b[8];
  std::memcpy(b, &v, 8);
  s.append(b, 8);
}

}  // namespace

TEST(TypedAttributes, ValuesHaveACanonicalTextAndReadBackAsTheirType) {
  EXPECT_EQ(Attribute::integer("n", -42).second, "-42");
  EXPECT_EQ(Attribute::real("r", 0.1).second, "0.1");
  EXPECT_EQ(Attribute::real("r", 10.0).second, "10");
  EXPECT_EQ(Attribute::real("r", 1e300).second, "1e+300");
  EXPECT_EQ(Attribute::boolean("b", false).second, "false");
  EXPECT_EQ(Attribute::integer("n", 7).as_integer(), 7);
  EXPECT_EQ(Attribute::real("r", 0.1).as_real(), 0.1);
  EXPECT_EQ(Attribute::boolean("b", true).as_boolean(), true);
  EXPECT_FALSE((Attribute{"t", "7"}.as_integer()));  // text is text, whatever it looks like
  EXPECT_NE(Attribute::integer("n", 7), (Attribute{"n", "7"}));
  // Reads like the pair it was.
  const Attribute a = Attribute::integer("voltage_kv", 10);
  const auto& [name, value] = a;
  EXPECT_EQ(name, "voltage_kv");
  EXPECT_EQ(value, "10");
}

TEST(TypedAttributes, JsonNumbersAndBooleansMapToTypesAndBack) {
  using nlohmann::json;
  EXPECT_EQ(attribute_from_json("a", json(10)), Attribute::integer("a", 10));
  EXPECT_EQ(attribute_from_json("a", json(-3)), Attribute::integer("a", -3));
  EXPECT_EQ(attribute_from_json("a", json(2.5)), Attribute::real("a", 2.5));
  EXPECT_EQ(attribute_from_json("a", json(true)), Attribute::boolean("a", true));
  EXPECT_EQ(attribute_from_json("a", json("10")), (Attribute{"a", "10"}));
  EXPECT_EQ(attribute_from_json("a", json(18446744073709551615ULL)), (Attribute{"a", "18446744073709551615"}));
  EXPECT_FALSE(attribute_from_json("a", json(nullptr)));
  EXPECT_FALSE(attribute_from_json("a", json::array()));
  EXPECT_EQ(attributes_to_json<nlohmann::ordered_json>(kTyped).dump(), R"({"voltage_kv":10,"rated_kva":0.1,"lit":true,"code":"0372"})");
  EXPECT_EQ(attribute_to_json<json>(Attribute::real("x", 2.0)).dump(), "2.0");  // a real stays a real
}

TEST(TypedAttributes, AValueStoredBeforeTypedAttributesDecodesAsText) {
  // format 1, flags 0, lon, lat, 1 attribute ("kind", "lamp"): as every older poleloc wrote it.
  std::string pole;
  put_u8(pole, 1);
  put_u8(pole, 0);
  put_f64(pole, 116.5);
  put_f64(pole, 39.9);
  put_u8(pole, 1);
  put_str(pole, "kind");
  put_str(pole, "10");
  store::PoleValueView view;
  ASSERT_TRUE(store::decode_pole(pole, view));
  ASSERT_EQ(view.attributes.size(), 1u);
  EXPECT_EQ(view.attributes[0], (AttributeView{"kind", "10"}));
  EXPECT_EQ(view.attributes[0].type, AttributeType::text);
  // An all-text record is still written in exactly that form.
  EXPECT_EQ(store::encode_pole(PoleRecord{"X1", {116.5, 39.9}, {{"kind", "10"}}}), pole);

  GridRecord grid{"G1", "一", {{"manager", "王芳"}}, {{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}}};
  const std::string old_grid = store::encode_grid(grid);
  EXPECT_EQ(static_cast<int>(old_grid[1]), 0);
  auto decoded = store::decode_grid("G1", old_grid);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->attributes, grid.attributes);
}

TEST(TypedAttributes, TypedRecordsRoundTripThroughTheStoreEncoding) {
  PoleRecord pole{"X1", {116.5, 39.9}, kTyped};
  const std::string value = store::encode_pole(pole);
  EXPECT_EQ(static_cast<int>(value[1]), store::kTypedAttributes);
  store::PoleValueView view;
  ASSERT_TRUE(store::decode_pole(value, view));
  EXPECT_EQ(Attributes(view.attributes.begin(), view.attributes.end()), kTyped);

  GridRecord grid{"G1", "一", kTyped, {{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}}};
  auto decoded = store::decode_grid("G1", store::encode_grid(grid));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->attributes, kTyped);
  // An unknown type byte is corruption, not a guess.
  std::string bad = value;
  bad[2 + 16 + 1 + 1 + 10] = 9;  // the type byte of "voltage_kv"
  EXPECT_FALSE(store::decode_pole(bad, view));
}

TEST(TypedAttributes, GeojsonPropertiesKeepTheirTypesAndCsvCellsStayText) {
  TempDir dir;
  auto svc = imported(dir);
  auto grid = svc->snapshot()->grid("G1");
  ASSERT_TRUE(grid);
  EXPECT_EQ(grid->name(), "团结湖一");
  EXPECT_EQ(grid->attributes(), kGridAttributes);  // null left out, an object as its JSON text
  auto pole = svc->snapshot()->locate("TJH0001");
  ASSERT_TRUE(pole);
  // A CSV cell "0372" must not become 372: CSV has no types.
  EXPECT_EQ(pole->attributes(), (Attributes{{"voltage_kv", "10"}, {"code", "0372"}}));
  svc.reset();
  // And so they are stored.
  auto reopened = open_ok(dir.file("db"));
  EXPECT_EQ(reopened->snapshot()->grid("G1")->attributes(), kGridAttributes);
}

TEST(TypedAttributes, WritesOverlayHistoryAndFeedKeepTypes) {
  TempDir dir;
  auto svc = imported(dir);
  ASSERT_TRUE(svc->put_pole({"TJH0002", {116.466, 39.926}, kTyped}));
  auto pole = svc->snapshot()->locate("TJH0002");  // from the overlay
  ASSERT_TRUE(pole);
  EXPECT_EQ(pole->attributes(), kTyped);
  auto history = svc->pole_history("TJH0002");
  ASSERT_TRUE(history);
  ASSERT_FALSE(history->empty());
  ASSERT_TRUE(history->back().pole);
  EXPECT_EQ(history->back().pole->attributes, kTyped);
  auto feed = svc->changes_after(0, 100);
  ASSERT_TRUE(feed);
  bool seen = false;
  for (const FeedChange& c : feed->changes) {
    if (c.pole && c.pole->number == "TJH0002") {
      EXPECT_EQ(c.pole->attributes, kTyped);
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
  // A value that is not its type's canonical text is refused.
  auto bad = svc->put_pole({"TJH0003", {116.466, 39.926}, {{"voltage_kv", "ten", AttributeType::integer}}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.code(), ErrorCode::invalid_input);
  EXPECT_NE(bad.message().find("'ten' is not a integer value"), std::string::npos) << bad.message();
  auto nan = svc->put_pole({"TJH0003", {116.466, 39.926}, {Attribute::real("x", std::nan(""))}});
  EXPECT_FALSE(nan);
}

TEST(TypedAttributes, ExportWithHistoryAndRestoreKeepTypes) {
  TempDir dir;
  auto svc = imported(dir);
  ASSERT_TRUE(svc->put_pole({"TJH0002", {116.466, 39.926}, kTyped}));
  const std::string dump = dir.file("dump.ndjson");
  ASSERT_TRUE(svc->export_history(dump));
  EXPECT_NE(fixtures::read_text(dump).find(R"("voltage_kv":10,"rated_kva":0.1,"lit":true,"code":"0372")"),
            std::string::npos);
  ASSERT_TRUE(Service::restore_history(dir.file("copy"), dump));
  auto copy = open_ok(dir.file("copy"));
  EXPECT_EQ(copy->snapshot()->locate("TJH0002")->attributes(), kTyped);
  EXPECT_EQ(copy->snapshot()->grid("G1")->attributes(), kGridAttributes);
}

TEST(TypedAttributes, JsonAnswersPrintNumbersAsNumbers) {
  TempDir dir;
  { auto svc = imported(dir); }
  auto r = fixtures::run_cli({"grid-at", "--db", dir.file("db"), "116.465", "39.925", "--json"}, dir);
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["attributes"]["voltage_kv"], 10);
  EXPECT_TRUE(j["attributes"]["voltage_kv"].is_number_integer());
  EXPECT_EQ(j["attributes"]["rated_kva"], 0.1);
  EXPECT_EQ(j["attributes"]["lit"], true);
  EXPECT_EQ(j["attributes"]["code"], "0372");
  EXPECT_FALSE(j["attributes"].contains("note"));
  auto p = fixtures::run_cli({"locate", "--db", dir.file("db"), "TJH0001", "--json"}, dir);
  ASSERT_EQ(p.status, 0) << p.err;
  auto pj = nlohmann::json::parse(p.out);
  EXPECT_EQ(pj["attributes"]["code"], "0372");
  EXPECT_EQ(pj["grid"]["attributes"]["voltage_kv"], 10);
}
