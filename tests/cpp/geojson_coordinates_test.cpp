// The grids' GeoJSON reader takes each feature's geometry coordinates out of
// the text before the JSON parser sees it (io/geojson_coordinates.hpp). What
// it takes must be exactly what the parser would have read, and everything
// else must reach the parser unchanged, so that its errors stay as they were.
#include "io/geojson_coordinates.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <sstream>
#include <string>

using namespace poleloc;
using io::Coordinates;
using io::CoordinatesTaken;
using json = nlohmann::json;

namespace {

// A FeatureCollection of one feature whose geometry's coordinates are `coordinates`.
std::string feature_with(const std::string& coordinates, const std::string& type = "Polygon") {
  return R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"G1"},"geometry":{"type":")" +
         type + R"(","coordinates":)" + coordinates + "}}]}";
}

struct Filtered {
  std::istringstream file;
  CoordinatesTaken taken;
  std::string text;  // what the parser reads
  explicit Filtered(const std::string& in, std::size_t max_positions = 1000000)
      : file(in), taken(file, max_positions) {
    std::istream s(&taken);
    text.assign(std::istreambuf_iterator<char>(s), std::istreambuf_iterator<char>());
  }
  // The feature's coordinates value as the parser sees it.
  json coordinates() const { return json::parse(text)["features"][0]["geometry"]["coordinates"]; }
};

// Every number of `coordinates` in order, read by the JSON parser.
std::vector<double> parsed_numbers(const json& j) {
  std::vector<double> out;
  if (j.is_number()) {
    out.push_back(j.get<double>());
  } else {
    for (const json& e : j) {
      auto inner = parsed_numbers(e);
      out.insert(out.end(), inner.begin(), inner.end());
    }
  }
  return out;
}

}  // namespace

TEST(GeojsonCoordinates, APolygonIsTakenWithTheParsersOwnNumbers) {
  // A hole, a third number, exponents, signs, spaces and newlines, digits a double cannot hold.
  const std::string coords =
      "[ [ [116.46, 39.92] , [116.47,39.92,12.5],[1.1647E2,3.993e+1],[116.46000000000000000001,-0.0],"
      "[116.46,39.92] ],\n  [[116.461,39.921],[116.462,39.921],[116.462,39.922],[116.461,39.921]]\n]";
  Filtered f(feature_with(coords));
  const json value = f.coordinates();
  const Coordinates* c = f.taken.placeholder(value);
  ASSERT_NE(c, nullptr) << f.text;
  EXPECT_EQ(c->depth, 3);
  EXPECT_EQ(c->ring_ends, (std::vector<std::uint32_t>{5, 9}));
  EXPECT_TRUE(c->polygon_ends.empty());
  // The same doubles as the JSON parser's, bit for bit (the third number dropped).
  const json direct = json::parse(coords);
  std::vector<double> want;
  for (const json& ring : direct) {
    for (const json& p : ring) want.push_back(p[0].get<double>()), want.push_back(p[1].get<double>());
  }
  ASSERT_EQ(c->positions.size() * 2, want.size());
  for (std::size_t i = 0; i < c->positions.size(); ++i) {
    EXPECT_EQ(std::memcmp(&c->positions[i].lon, &want[2 * i], sizeof(double)), 0) << i;
    EXPECT_EQ(std::memcmp(&c->positions[i].lat, &want[2 * i + 1], sizeof(double)), 0) << i;
  }
  EXPECT_EQ(f.taken.placeholder(value), nullptr) << "handed out once";
}

TEST(GeojsonCoordinates, AMultiPolygonKeepsItsPolygonsAndRings) {
  const std::string coords =
      "[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,2],[3,2],[3,3],[2,2]],[[2.1,2.1],[2.2,2.1],[2.2,2.2],[2.1,2.1]]]]";
  Filtered f(feature_with(coords, "MultiPolygon"));
  const Coordinates* c = f.taken.placeholder(f.coordinates());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->depth, 4);
  EXPECT_EQ(c->ring_ends, (std::vector<std::uint32_t>{4, 8, 12}));
  EXPECT_EQ(c->polygon_ends, (std::vector<std::uint32_t>{1, 3}));
  EXPECT_EQ(c->positions[4], (LonLat{2, 2}));
}

// Whatever is not a plain array of positions reaches the parser as written.
TEST(GeojsonCoordinates, AnythingElsePassesThroughUnchanged) {
  const std::vector<std::string> unchanged = {
      feature_with("[[116.46,39.92],[116.47,39.92]]", "LineString"),  // positions two deep
      feature_with("[]"),
      feature_with("[[]]"),
      feature_with("[[[]]]"),
      feature_with("[[[116.46]]]"),                        // a position of one number
      feature_with("[[[116.46,\"39.92\"]]]"),              // a string
      feature_with("[[[116.46,null]]]"),
      feature_with("[[[1e400,39.92]]]"),                   // beyond a double: the parser names it
      feature_with("[[[1e-400,39.92]]]"),
      feature_with("[[[01,39.92]]]"),                      // not JSON numbers
      feature_with("[[[1.,39.92]]]"),
      feature_with("[[[.5,39.92]]]"),
      feature_with("[[[+1,39.92]]]"),
      feature_with("[[[1,2],[3,4]],[[[5,6]]]]"),           // uneven depth
      feature_with("[[[[[1,2]]]]]"),                       // five deep
      feature_with("[[[1,2],[3,4]"),                       // cut short
      feature_with("[[[1,2] [3,4]]]"),
      feature_with("5"),
      // "coordinates" elsewhere than a feature's geometry:
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"G1","coordinates":[[[1,2]]]},"geometry":null}]})",
      R"({"type":"FeatureCollection","coordinates":[[[1,2]]],"features":[]})",
      R"({"type":"FeatureCollection","features":[{"geometry":{"geometry":{"coordinates":[[[1,2]]]}}}]})",
      R"({"type":"FeatureCollection","features":[{"properties":{"geometry":{"coordinates":[[[1,2]]]}}}]})",
      R"({"type":"FeatureCollection","features":[{"geometry":{"type":"Polygon","coordin\u0061tes":[[[1,2]]]}}]})",
      R"({"features":[{"geometry":{"x":"\"coordinates\":[[[1,2]]]"}}]})",  // in a string
      R"([{"features":[{"geometry":{"coordinates":[[[1,2]]]}}]}])",         // not an object at the root
  };
  for (const std::string& text : unchanged) {
    Filtered f(text);
    EXPECT_EQ(f.text, text);
  }
  // More positions than the limit: the parser's caller refuses them as before.
  Filtered many(feature_with("[[[0,0],[1,0],[1,1],[0,0]]]"), 3);
  EXPECT_EQ(many.text, feature_with("[[[0,0],[1,0],[1,1],[0,0]]]"));
  Filtered enough(feature_with("[[[0,0],[1,0],[1,1],[0,0]]]"), 4);
  EXPECT_NE(enough.taken.placeholder(enough.coordinates()), nullptr);
}

// A string in the file that looks like a placeholder ("\u0000" and a number)
// is not taken for one: placeholders carry a token drawn for each stream.
TEST(GeojsonCoordinates, AStringInTheFileCannotPassForAPlaceholder) {
  const std::string text = R"({"type":"FeatureCollection","features":[)"
                           R"({"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},)"
                           R"({"type":"Feature","geometry":{"type":"Polygon","coordinates":"\u00000"}},)"
                           R"({"type":"Feature","geometry":{"type":"Polygon","coordinates":"\u00001"}}]})";
  Filtered f(text);
  const json parsed = json::parse(f.text);
  const json& forged = parsed["features"][1]["geometry"]["coordinates"];
  ASSERT_TRUE(forged.is_string());
  EXPECT_EQ(forged.get<std::string>(), std::string(1, '\0') + "0");
  EXPECT_FALSE(f.taken.placeholder_index(forged));
  EXPECT_EQ(f.taken.placeholder(forged), nullptr);
  EXPECT_EQ(f.taken.placeholder(parsed["features"][2]["geometry"]["coordinates"]), nullptr);
  const Coordinates* real = f.taken.placeholder(parsed["features"][0]["geometry"]["coordinates"]);
  ASSERT_NE(real, nullptr);
  EXPECT_EQ(real->positions.size(), 4u);
}

// An array longer than a read of the file (1 MiB), and many features, in order.
TEST(GeojsonCoordinates, LongArraysAndManyFeaturesAreTakenInOrder) {
  std::string ring = "[";
  for (int i = 0; i < 100000; ++i) ring += (i ? "," : "") + std::string("[116.") + std::to_string(100000 + i) + ",39.9]";
  ring += "]";
  std::string text = R"({"type":"FeatureCollection","features":[)";
  for (int g = 0; g < 3; ++g) {
    text += std::string(g ? "," : "") + R"({"type":"Feature","geometry":{"type":"Polygon","coordinates":[)" + ring +
            R"(]},"properties":{"id":"G)" + std::to_string(g) + "\"}}";
  }
  text += "]}";
  Filtered f(text);
  ASSERT_LT(f.text.size(), 1000u) << "every array taken";
  const json parsed = json::parse(f.text);
  for (int g = 0; g < 3; ++g) {
    const Coordinates* c = f.taken.placeholder(parsed["features"][g]["geometry"]["coordinates"]);
    ASSERT_NE(c, nullptr) << g;
    ASSERT_EQ(c->positions.size(), 100000u);
    EXPECT_EQ(c->positions[54321].lon, std::strtod("116.154321", nullptr));
  }
}

// A syntax error after a taken array: the parser counted the shorter stream;
// original_byte() gives the byte of the file.
// What the reader holds stays a few MB whatever the file: a chunk for the
// parser ends once it carries 1 MB of coordinates, and the file's text passed
// on is dropped. (A chunk once spanned hundreds of detailed features, all their
// coordinates and text held at once: 1.6 GB while reading 40 million vertices.)
TEST(GeojsonCoordinates, WhatIsHeldStaysSmallWhateverTheFileSize) {
  std::string in = R"({"type":"FeatureCollection","features":[)";
  constexpr int kFeatures = 200, kVertices = 5000;
  for (int f = 0; f < kFeatures; ++f) {
    if (f) in += ',';
    in += R"({"type":"Feature","properties":{"id":"G)" + std::to_string(f) + R"("},"geometry":{"type":"Polygon","coordinates":[[)";
    for (int v = 0; v < kVertices; ++v) {
      if (v) in += ',';
      in += "[116." + std::to_string(1000000 + v) + ",39." + std::to_string(2000000 + f) + "]";
    }
    in += "]]}}";
  }
  in += "]}";
  ASSERT_GT(in.size(), 20u << 20);
  std::istringstream file(in);
  CoordinatesTaken taken(file, 1000000);
  std::istream s(&taken);
  const std::string lead = std::string("\"\\u0000");
  std::string text;
  std::size_t placeholders = 0, most = 0;
  char buf[256];  // the parser reads on by a feature at a time
  while (s.read(buf, sizeof buf) || s.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(s.gcount()));
    placeholders = 0;
    for (std::size_t at = text.find(lead); at != std::string::npos; at = text.find(lead, at + 1)) ++placeholders;
    most = std::max(most, taken.held_bytes());
    if (placeholders) taken.release_through(placeholders - 1);  // the features the parser has seen
  }
  EXPECT_EQ(placeholders, static_cast<std::size_t>(kFeatures));
  EXPECT_LT(most, 8u << 20) << "held " << most << " bytes of a " << in.size() << "-byte file";
}

TEST(GeojsonCoordinates, ErrorBytesAreTheFilesBytes) {
  const std::string text = feature_with("[[[0,0],[1,0],[1,1],[0,0]]]") + ",,";
  Filtered f(text);
  try {
    const json parsed = json::parse(f.text);
    FAIL() << "no error: " << parsed.dump();
  } catch (const json::parse_error& e) {
    EXPECT_EQ(f.taken.original_byte(e.byte), text.size() - 1) << "the first ','";
  }
  EXPECT_EQ(f.taken.original_byte(5), 5u) << "before any placeholder";
}
