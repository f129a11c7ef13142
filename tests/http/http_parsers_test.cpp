// The pure parsers of the HTTP face: request-target, query string, lon/lat,
// counts, path parameters, bearer tokens, listen addresses, JSON bodies.
#include "change_batch.hpp"
#include "http_message.hpp"
#include "request_body.hpp"
#include "request_parsers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace poleloc::http {
namespace {

TEST(HttpTarget, SplitsPathAndQueryAndDropsFragment) {
  auto t = split_target("/v1/resolve?q=a&limit=3#top");
  EXPECT_EQ(t.path, "/v1/resolve");
  EXPECT_EQ(t.query, "q=a&limit=3");
  auto bare = split_target("/healthz");
  EXPECT_EQ(bare.path, "/healthz");
  EXPECT_TRUE(bare.query.empty());
  EXPECT_EQ(split_target("/a?").query, "");
  EXPECT_EQ(split_target("/a?b=1?c").query, "b=1?c");  // only the first '?' splits
}

TEST(HttpPercentDecode, DecodesUtf8AndPlusOnlyInQueries) {
  EXPECT_EQ(*percent_decode("%E5%9B%A2%E7%BB%93%E6%B9%96", false), "团结湖");
  EXPECT_EQ(*percent_decode("a+b%20c", true), "a b c");
  EXPECT_EQ(*percent_decode("a+b", false), "a+b");
  EXPECT_EQ(*percent_decode("%2f%2F", false), "//");  // either hex case
}

TEST(HttpPercentDecode, RejectsTruncatedOrNonHexEscapes) {
  for (const char* bad : {"%", "%4", "abc%", "%zz", "%4g", "%%41"}) {
    auto r = percent_decode(bad, true);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.status().code(), ErrorCode::bad_request);
    EXPECT_NE(r.status().message().find("percent-encoding"), std::string::npos);
  }
}

TEST(HttpUtf8, AcceptsWellFormedAndRejectsOverlongsSurrogatesAndTruncation) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("TJH0372"));
  EXPECT_TRUE(is_valid_utf8("团结湖三七二"));
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x93\x8D"));     // U+1F4CD
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));             // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));         // overlong, 3 bytes
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));         // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));     // > U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE5\x9B"));             // truncated 团
  EXPECT_FALSE(is_valid_utf8("a\x80z"));               // stray continuation byte
}

TEST(HttpQuery, DecodesKnownParameters) {
  auto p = parse_query("q=%E5%9B%A2%E7%BB%93%E6%B9%96+372&limit=3", {"q", "near", "limit"});
  ASSERT_TRUE(p) << p.status().message();
  EXPECT_EQ(*p->find("q"), "团结湖 372");
  EXPECT_EQ(*p->find("limit"), "3");
  EXPECT_EQ(p->find("near"), nullptr);
}

TEST(HttpQuery, KeyWithoutValueIsEmptyAndEmptyPiecesAreSkipped) {
  auto p = parse_query("&q&&limit=2&", {"q", "limit"});
  ASSERT_TRUE(p);
  EXPECT_EQ(*p->find("q"), "");
  EXPECT_EQ(*p->find("limit"), "2");
}

TEST(HttpQuery, RefusesUnknownParameterNamingTheAcceptedOnes) {
  auto p = parse_query("lng=116.4&lat=39.9", {"lon", "lat"});
  ASSERT_FALSE(p);
  EXPECT_NE(p.status().message().find("'lng'"), std::string::npos);
  EXPECT_NE(p.status().message().find("lon, lat"), std::string::npos);
}

TEST(HttpQuery, RefusesRepeatedParameter) {
  auto p = parse_query("q=a&q=b", {"q"});
  ASSERT_FALSE(p);
  EXPECT_NE(p.status().message().find("more than once"), std::string::npos);
}

TEST(HttpQuery, RefusesInvalidUtf8AfterDecoding) {
  auto p = parse_query("q=%FF%FE", {"q"});
  ASSERT_FALSE(p);
  EXPECT_NE(p.status().message().find("UTF-8"), std::string::npos);
}

TEST(HttpQuery, NoParametersAcceptedMeansAnyParameterIsRefused) {
  EXPECT_TRUE(parse_query("", {}));
  EXPECT_FALSE(parse_query("x=1", {}));
}

TEST(HttpLonLat, ParsesDecimalDegrees) {
  auto p = parse_lonlat("116.4712345", "39.9251234");
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(p->lon, 116.4712345);
  EXPECT_DOUBLE_EQ(p->lat, 39.9251234);
  EXPECT_TRUE(parse_lonlat("-180", "-90"));
  EXPECT_TRUE(parse_lonlat("180", "90"));
  EXPECT_TRUE(parse_lonlat("1e1", "-0.5"));
}

TEST(HttpLonLat, RejectsNonNumbersNanInfinityAndOutOfRange) {
  for (auto [lon, lat] : std::initializer_list<std::pair<const char*, const char*>>{
           {"abc", "39.9"}, {"116.4", ""}, {"nan", "39.9"}, {"116.4", "NaN"}, {"inf", "39.9"},
           {"116.4", "-infinity"}, {"180.0001", "39.9"}, {"116.4", "90.5"}, {"116.4 ", "39.9"},
           {" 116.4", "39.9"}, {"0x10", "39.9"}, {"116,4", "39.9"}, {"1e400", "0"}, {"+116.4", "39.9"}}) {
    auto p = parse_lonlat(lon, lat);
    EXPECT_FALSE(p) << lon << " " << lat;
    if (!p) {
      EXPECT_EQ(p.status().code(), ErrorCode::bad_request);
    }
  }
}

TEST(HttpLonLat, MessageNamesTheParameterAndTheRange) {
  auto p = parse_lonlat("116.4", "95");
  ASSERT_FALSE(p);
  EXPECT_NE(p.status().message().find("lat"), std::string::npos);
  EXPECT_NE(p.status().message().find("[-90, 90]"), std::string::npos);
  EXPECT_NE(p.status().message().find("'95'"), std::string::npos);
}

TEST(HttpLonLat, PairNeedsExactlyOneComma) {
  auto p = parse_lonlat_pair("116.4712,39.9251", "near");
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(p->lon, 116.4712);
  EXPECT_DOUBLE_EQ(p->lat, 39.9251);
  EXPECT_FALSE(parse_lonlat_pair("116.4712", "near"));
  EXPECT_FALSE(parse_lonlat_pair("116.4712,39.9,1", "near"));
  EXPECT_FALSE(parse_lonlat_pair("39.9251,116.4712", "near"));  // lat,lon swapped: lat out of range
  EXPECT_FALSE(parse_lonlat_pair("nan,nan", "near"));
}

TEST(HttpCount, AcceptsDigitsOnly) {
  EXPECT_EQ(*parse_count("0", "k"), 0u);
  EXPECT_EQ(*parse_count("50", "k"), 50u);
  EXPECT_EQ(*parse_count("999999999", "k"), 999999999u);
  for (const char* bad : {"", "-1", "+1", "1.5", "1e3", "five", "1000000000", " 5"}) {
    auto r = parse_count(bad, "k");
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_NE(r.status().message().find("k must be a whole number"), std::string::npos);
    }
  }
}

TEST(HttpReal, AcceptsFiniteDecimalsOnly) {
  EXPECT_DOUBLE_EQ(*parse_real("500", "max_m"), 500);
  EXPECT_DOUBLE_EQ(*parse_real("-2.5", "max_m"), -2.5);  // sign is the option struct's business
  EXPECT_FALSE(parse_real("nan", "max_m"));
  EXPECT_FALSE(parse_real("inf", "max_m"));
  EXPECT_FALSE(parse_real("12m", "max_m"));
}

TEST(HttpPathParam, DecodesPercentEncodedUtf8AndKeepsPlus) {
  EXPECT_EQ(*decode_path_param("TJH-0372", "number"), "TJH-0372");
  EXPECT_EQ(*decode_path_param("%EF%BC%B4%EF%BC%AA%EF%BC%A8%EF%BC%90%EF%BC%93%EF%BC%97%EF%BC%92", "number"),
            "ＴＪＨ０３７２");
  EXPECT_EQ(*decode_path_param("A+B", "id"), "A+B");
  EXPECT_EQ(*decode_path_param("CY%2FTJH", "id"), "CY/TJH");  // an encoded slash stays in the segment
}

TEST(HttpPathParam, RejectsEmptyInvalidUtf8OversizedAndBadEscapes) {
  EXPECT_FALSE(decode_path_param("", "number"));
  EXPECT_FALSE(decode_path_param("%E5%9B", "number"));
  EXPECT_FALSE(decode_path_param("%C0%AF", "number"));
  EXPECT_FALSE(decode_path_param("TJH%2", "number"));
  EXPECT_FALSE(decode_path_param(std::string(513, 'A'), "number", 512));
  EXPECT_TRUE(decode_path_param(std::string(512, 'A'), "number", 512));
}

TEST(HttpPathParam, RejectsControlCharactersAfterDecoding) {
  for (const char* raw : {"TJH%000001", "TJH%0A0001", "TJH%090001", "TJH%7F0001", "TJH%0D%0A"}) {
    auto r = decode_path_param(raw, "number");
    ASSERT_FALSE(r) << raw;
    EXPECT_NE(r.status().message().find("control character"), std::string::npos);
  }
}

TEST(HttpBearer, ExtractsTokenCaseInsensitiveScheme) {
  EXPECT_EQ(bearer_token("Bearer s3cret"), "s3cret");
  EXPECT_EQ(bearer_token("bearer   s3cret  "), "s3cret");
  EXPECT_EQ(bearer_token("BEARER s3cret"), "s3cret");
  EXPECT_FALSE(bearer_token(""));
  EXPECT_FALSE(bearer_token("Bearer"));
  EXPECT_FALSE(bearer_token("Bearer    "));
  EXPECT_FALSE(bearer_token("Basic dXNlcjpwYXNz"));
  EXPECT_FALSE(bearer_token("Bearers3cret"));
}

TEST(HttpBearer, ConstantTimeEqualComparesWholeTokens) {
  EXPECT_TRUE(constant_time_equal("s3cret", "s3cret"));
  EXPECT_FALSE(constant_time_equal("s3cret", "s3cre"));
  EXPECT_FALSE(constant_time_equal("s3cret", "s3cret!"));
  EXPECT_FALSE(constant_time_equal("s3cret", "S3cret"));
  EXPECT_FALSE(constant_time_equal("s3cret", ""));
  EXPECT_FALSE(constant_time_equal("", ""));  // an empty configured token never authorises
  EXPECT_FALSE(constant_time_equal("ab", std::string("ab\0", 3)));
}

TEST(HttpListen, ParsesHostAndPort) {
  auto a = parse_listen("127.0.0.1:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  auto v6 = parse_listen("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  EXPECT_TRUE(parse_listen("localhost:65535"));
  for (const char* bad : {"", "8080", ":8080", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:http", "::1:80", "[::1]80"}) {
    EXPECT_FALSE(parse_listen(bad)) << bad;
  }
}

TEST(HttpExcerpt, CutsOnCharacterBoundary) {
  EXPECT_EQ(excerpt("short", 40), "short");
  const std::string cut = excerpt("团结湖三七二", 7);  // 3 bytes per character: keeps 2
  EXPECT_EQ(cut, "团结…");
  EXPECT_EQ(in_quotes("x"), "'x'");
}

TEST(HttpJsonDepth, CountsNestingOutsideStrings) {
  EXPECT_EQ(json_nesting_depth("{}"), 1u);
  EXPECT_EQ(json_nesting_depth(R"({"a":[[1,2],[3]]})"), 3u);
  EXPECT_EQ(json_nesting_depth(R"({"a":"[[[[{{{{"})"), 1u);
  EXPECT_EQ(json_nesting_depth(R"({"a":"\"[[["})"), 1u);
  EXPECT_EQ(json_nesting_depth(std::string(100000, '[')), 100000u);
}

TEST(HttpPoleBody, ParsesLonLatAndStringAttributes) {
  auto p = parse_pole_body(R"({"lon":116.47,"lat":39.92,"attributes":{"kind":"路灯","manager":"王芳"}})", "TJH9001");
  ASSERT_TRUE(p) << p.status().message();
  EXPECT_EQ(p->number, "TJH9001");
  EXPECT_DOUBLE_EQ(p->position.lon, 116.47);
  EXPECT_DOUBLE_EQ(p->position.lat, 39.92);
  ASSERT_EQ(p->attributes.size(), 2u);
  EXPECT_EQ(p->attributes[0].first, "kind");
  EXPECT_EQ(p->attributes[0].second, "路灯");
}

TEST(HttpPoleBody, NumberInBodyMustMatchPathInAnyPrintedForm) {
  EXPECT_TRUE(parse_pole_body(R"({"number":"tjh-9001","lon":1,"lat":2})", "TJH9001"));
  auto other = parse_pole_body(R"({"number":"TJH9002","lon":1,"lat":2})", "TJH9001");
  ASSERT_FALSE(other);
  EXPECT_NE(other.status().message().find("must match"), std::string::npos);
}

TEST(HttpPoleBody, RejectsMalformedJsonWithPosition) {
  auto p = parse_pole_body(R"({"lon":116.47,"lat":)", "TJH9001");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.status().code(), ErrorCode::bad_request);
  EXPECT_NE(p.status().message().find("not valid JSON (byte"), std::string::npos);
}

TEST(HttpPoleBody, RejectsWrongShapes) {
  struct Case {
    const char* body;
    const char* says;
  };
  for (const Case& c : {Case{"", "empty"},
                        Case{"[1,2]", "must be a JSON object"},
                        Case{R"({"lat":39.9})", "'lon' is required"},
                        Case{R"({"lon":"116.4","lat":39.9})", "lon must be a number"},
                        Case{R"({"lon":216.4,"lat":39.9})", "lon must be in"},
                        Case{R"({"lon":116.4,"lat":39.9,"attributes":{"height":{"m":12}}})",
                             "attributes.height must be a string, number, boolean or null, got object"},
                        Case{R"({"lon":116.4,"lat":39.9,"attributes":[]})", "attributes must be an object"},
                        Case{R"({"lon":116.4,"lat":39.9,"lng":1})", "unknown member 'lng'"},
                        Case{"{\"lon\":116.4,\"lat\":39.9,\"attributes\":{\"a\":\"\xff\"}}", "not valid JSON"}}) {
    auto p = parse_pole_body(c.body, "TJH9001");
    ASSERT_FALSE(p) << c.body;
    EXPECT_NE(p.status().message().find(c.says), std::string::npos) << c.body << " -> " << p.status().message();
  }
}

TEST(HttpPoleBody, NumbersAndBooleansInAttributesKeepTheirTypeAndNullLeavesOneOut) {
  auto p = parse_pole_body(R"({"lon":116.4,"lat":39.9,"attributes":{"voltage_kv":10,"rated":0.5,"lit":true,"code":"0372","gone":null}})",
                           "TJH9001");
  ASSERT_TRUE(p) << p.status().message();
  // (A body's members come in name order.)
  EXPECT_EQ(p->attributes, (Attributes{Attribute{"code", "0372"}, Attribute::boolean("lit", true),
                                       Attribute::real("rated", 0.5), Attribute::integer("voltage_kv", 10)}));
}

TEST(HttpChangeBatch, AGeojsonFeatureKeepsNumberPropertiesTyped) {
  auto batch = parse_change_batch(R"([{"op":"put","grid":{"type":"Feature","properties":{"id":"G1","households":120,"tags":[1]},
    "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}}])");
  ASSERT_TRUE(batch) << batch.status().message();
  ASSERT_TRUE(batch->errors.empty()) << batch->errors[0].message;
  ASSERT_EQ(batch->changes.put_grids.size(), 1u);
  EXPECT_EQ(batch->changes.put_grids[0].attributes,
            (Attributes{Attribute::integer("households", 120), Attribute{"tags", "[1]"}}));
}

TEST(HttpPoleBody, NumberTooLargeForADoubleIsABadRequestNotAnException) {
  // Regression: nlohmann throws out_of_range (not parse_error) for 1e999, which
  // escaped as a 500 before.
  auto p = parse_pole_body(R"({"lon":1e999,"lat":39.9})", "TJH9001");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.status().code(), ErrorCode::bad_request);
  EXPECT_NE(p.status().message().find("1e999"), std::string::npos) << p.status().message();
  auto g = parse_grid_body(R"({"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,-1e999],[1,1],[0,0]]]}})", "T");
  ASSERT_FALSE(g);
  EXPECT_EQ(g.status().code(), ErrorCode::bad_request);
}

TEST(HttpPoleBody, RejectsDeepNestingBeforeParsing) {
  const std::string deep = R"({"lon":1,"lat":2,"attributes":)" + std::string(5000, '[') + std::string(5000, ']') + "}";
  auto p = parse_pole_body(deep, "TJH9001");
  ASSERT_FALSE(p);
  EXPECT_NE(p.status().message().find("deeper than"), std::string::npos);
}

TEST(HttpGridBody, ParsesPolygonAndMultiPolygon) {
  auto g = parse_grid_body(R"({"name":"试验网格","attributes":{"manager":"王芳","phone":"010-1"},
      "geometry":{"type":"Polygon","coordinates":[[[116.40,39.90],[116.41,39.90],[116.41,39.91],[116.40,39.90]]]}})",
                           "T-1");
  ASSERT_TRUE(g) << g.status().message();
  EXPECT_EQ(g->id, "T-1");
  EXPECT_EQ(g->name, "试验网格");
  ASSERT_EQ(g->geometry.size(), 1u);
  ASSERT_EQ(g->geometry[0].rings.size(), 1u);
  EXPECT_EQ(g->geometry[0].rings[0].size(), 4u);
  EXPECT_EQ(g->geometry[0].rings[0][1], (LonLat{116.41, 39.90}));

  auto m = parse_grid_body(R"({"geometry":{"type":"MultiPolygon","coordinates":[
      [[[0,0],[1,0],[1,1],[0,0]]], [[[2,2],[3,2],[3,3,10],[2,2]]]]}})",
                           "T-2");
  ASSERT_TRUE(m) << m.status().message();
  EXPECT_EQ(m->geometry.size(), 2u);
  EXPECT_TRUE(m->name.empty());
}

TEST(HttpGridBody, SaysWhereTheGeometryIsWrong) {
  struct Case {
    const char* body;
    const char* says;
  };
  for (const Case& c :
       {Case{R"({"name":"x"})", "'geometry' is required"},
        Case{R"({"geometry":{"type":"Point","coordinates":[1,2]}})", "\"Point\""},
        Case{R"({"geometry":{"type":"Polygon"}})", "coordinates is required"},
        Case{R"({"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],["a",1],[0,0]]]}})",
             "geometry.coordinates[0][2]: expected [lon, lat]"},
        Case{R"({"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,95],[0,0]]]}})",
             "geometry.coordinates[0][2]: lon must be in"},
        Case{R"({"geometry":{"type":"MultiPolygon","coordinates":[]}})", "non-empty array of polygons"},
        Case{R"({"id":"other","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}})",
             "must match the id"},
        Case{R"({"name":7,"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}})",
             "name must be a string"}}) {
    auto g = parse_grid_body(c.body, "T-1");
    ASSERT_FALSE(g) << c.body;
    EXPECT_NE(g.status().message().find(c.says), std::string::npos) << c.body << " -> " << g.status().message();
  }
}

TEST(HttpResponseBytes, KeepAliveHttp11HasLengthAndNoConnectionHeader) {
  Response r;
  r.body = R"({"a":1})";
  std::string out;
  append_http_response(out, r, 11, true);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
}

TEST(HttpResponseBytes, CloseAndHttp10KeepAliveAreSaid) {
  Response r;
  r.status = 413;
  r.body = "{}";
  std::string closing;
  append_http_response(closing, r, 11, false);
  EXPECT_NE(closing.find("HTTP/1.1 413 Payload Too Large\r\n"), std::string::npos);
  EXPECT_NE(closing.find("Connection: close\r\n"), std::string::npos);
  std::string old;
  append_http_response(old, r, 10, true);
  EXPECT_EQ(old.rfind("HTTP/1.0 413", 0), 0u);
  EXPECT_NE(old.find("Connection: keep-alive\r\n"), std::string::npos);
  std::string old_close;
  append_http_response(old_close, r, 10, false);
  EXPECT_EQ(old_close.find("Connection:"), std::string::npos);  // HTTP/1.0 closes by default
}

TEST(HttpResponseBytes, ExtraHeadersAndNoBodyFor204) {
  Response r;
  r.status = 405;
  r.headers.emplace_back("Allow", "GET, PUT, DELETE");
  std::string out;
  append_http_response(out, r, 11, true);
  EXPECT_NE(out.find("\r\nAllow: GET, PUT, DELETE\r\n"), std::string::npos);
  Response empty;
  empty.status = 204;
  empty.content_type = {};
  empty.body = "ignored";
  std::string none;
  append_http_response(none, empty, 11, true);
  EXPECT_EQ(none, "HTTP/1.1 204 No Content\r\n\r\n");
}

}  // namespace
}  // namespace poleloc::http

TEST(HttpParsers, Rfc3339TimesWithOffsetsAndZuluAreTheSameInstant) {
  using namespace std::chrono;
  auto east = poleloc::http::parse_rfc3339("2026-03-01T08:00:00+08:00", "as_of");
  auto zulu = poleloc::http::parse_rfc3339("2026-03-01T00:00:00Z", "as_of");
  auto frac = poleloc::http::parse_rfc3339("2026-02-28t23:00:00.250-01:00", "as_of");
  ASSERT_TRUE(east);
  ASSERT_TRUE(zulu);
  ASSERT_TRUE(frac);
  EXPECT_EQ(*east, *zulu);
  EXPECT_EQ(duration_cast<milliseconds>(zulu->time_since_epoch()).count(), 1772323200000);
  EXPECT_EQ(*frac - *zulu, milliseconds(250));
}

// The clock holds nanoseconds in 64 bits (years 1678-2261): a time beyond
// is clamped to its ends, never wrapped. Until 2026-12-06
// as_of=9999-12-31T23:59:59Z wrapped to 1830 and answered "no such pole".
TEST(HttpParsers, Rfc3339TimesBeyondTheClocksRangeAreItsEndsNotWrapped) {
  auto far_future = poleloc::http::parse_rfc3339("9999-12-31T23:59:59Z", "as_of");
  auto year_2100 = poleloc::http::parse_rfc3339("2100-01-01T00:00:00Z", "as_of");
  auto far_past = poleloc::http::parse_rfc3339("0001-01-01T00:00:00Z", "as_of");
  auto year_1900 = poleloc::http::parse_rfc3339("1900-01-01T00:00:00+08:00", "as_of");
  ASSERT_TRUE(far_future && year_2100 && far_past && year_1900);
  EXPECT_GT(*far_future, *year_2100);
  EXPECT_GT(*far_future, std::chrono::system_clock::now());
  EXPECT_LT(*far_past, *year_1900);
  EXPECT_EQ(*poleloc::http::parse_rfc3339("9999-12-31T23:59:59.999-23:59", "as_of"), *far_future);  // the end itself
}

TEST(HttpParsers, Rfc3339RefusesTimesWithoutOffsetOrImpossibleDates) {
  for (const char* bad : {"2026-03-01T08:00:00", "2026-02-30T00:00:00Z", "2026-03-01", "yesterday",
                          "2026-03-01T24:00:00Z", "2026-03-01T08:00:00+8", "2026-03-01T08:00:00Zjunk"}) {
    auto t = poleloc::http::parse_rfc3339(bad, "as_of");
    ASSERT_FALSE(t) << bad;
    EXPECT_EQ(t.status().code(), poleloc::ErrorCode::bad_request);
    EXPECT_NE(t.status().message().find("as_of"), std::string::npos);
  }
}

TEST(HttpParsers, DurationsTakeUnitsAndACap) {
  using namespace std::chrono;
  EXPECT_EQ(*poleloc::http::parse_duration("30s", "wait", seconds(60)), seconds(30));
  EXPECT_EQ(*poleloc::http::parse_duration("500ms", "wait", seconds(60)), milliseconds(500));
  EXPECT_EQ(*poleloc::http::parse_duration("1m", "wait", seconds(60)), minutes(1));
  EXPECT_EQ(*poleloc::http::parse_duration("5", "wait", seconds(60)), seconds(5));
  EXPECT_FALSE(poleloc::http::parse_duration("2m", "wait", seconds(60)));
  EXPECT_FALSE(poleloc::http::parse_duration("soon", "wait", seconds(60)));
  EXPECT_FALSE(poleloc::http::parse_duration("-1s", "wait", seconds(60)));
}
