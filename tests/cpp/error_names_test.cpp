// One name per error on every face: the C++ ErrorCode enumerator, the JSON
// `code` (error_catalogue.cpp) and the codes the OpenAPI description lists are
// the same word; Result::value() on an error throws poleloc::Error.
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace poleloc {
namespace {

struct Named {
  ErrorCode code;
  std::string name;  // the enumerator as spelled in status.hpp
};

#define POLELOC_NAMED(e) Named{ErrorCode::e, #e}
const std::vector<Named> kEveryCode{
    POLELOC_NAMED(ok),          POLELOC_NAMED(bad_request),   POLELOC_NAMED(invalid_input),
    POLELOC_NAMED(not_found),   POLELOC_NAMED(unauthorized),       POLELOC_NAMED(payload_too_large),
    POLELOC_NAMED(method_not_allowed), POLELOC_NAMED(conflict),    POLELOC_NAMED(schema_mismatch),
    POLELOC_NAMED(io_error),    POLELOC_NAMED(corruption),         POLELOC_NAMED(internal),
    POLELOC_NAMED(read_only),   POLELOC_NAMED(overloaded),         POLELOC_NAMED(host_not_allowed),
    POLELOC_NAMED(storage_full), POLELOC_NAMED(storage_unavailable), POLELOC_NAMED(read_only_replica)};
#undef POLELOC_NAMED

TEST(ErrorNames, JsonCodeIsTheEnumeratorName) {
  ASSERT_EQ(error_catalogue().size(), kEveryCode.size()) << "a new ErrorCode needs a line in kEveryCode";
  for (const Named& n : kEveryCode) {
    const ErrorInfo& info = describe(n.code);
    EXPECT_EQ(info.code, n.code);
    EXPECT_EQ(info.json_code, n.name) << "ErrorCode::" << n.name << " must be called the same in JSON";
  }
}

TEST(ErrorNames, OpenApiListsExactlyTheCatalogueCodes) {
  std::ifstream in(std::string(POLELOC_SOURCE_DIR) + "/bindings/http/openapi.json");
  ASSERT_TRUE(in) << "openapi.json not found";
  const auto doc = nlohmann::json::parse(in);
  std::set<std::string> listed;
  for (const auto& c : doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]) {
    listed.insert(c.get<std::string>());
  }
  std::set<std::string> catalogue;
  for (const ErrorInfo& info : error_catalogue()) {
    if (info.code != ErrorCode::ok) catalogue.insert(std::string(info.json_code));
  }
  EXPECT_EQ(listed, catalogue);
}

TEST(ResultValue, OnAnErrorThrowsPolelocErrorWithCodeAndMessage) {
  Result<int> r(ErrorCode::not_found, "no pole with number 'X1'");
  try {
    (void)r.value();
    FAIL() << "value() returned on an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
    EXPECT_EQ(e.code_name(), "not_found");
    EXPECT_STREQ(e.what(), "no pole with number 'X1'");
  }
  EXPECT_THROW((void)*r, std::runtime_error);  // poleloc::Error is a std::runtime_error
}

TEST(ResultValue, ValueOrGivesTheFallbackOnlyOnAnError) {
  Result<std::string> bad(ErrorCode::bad_request, "k must be 1..1000");
  Result<std::string> good(std::string("TJH0372"));
  EXPECT_EQ(bad.value_or("none"), "none");
  EXPECT_EQ(good.value_or("none"), "TJH0372");
  EXPECT_EQ(std::move(good).value_or("none"), "TJH0372");
}

TEST(ServiceImport, ARefusedImportListsEachInputErrorWithFileLineAndField) {
  fixtures::TempDir dir;
  const std::string poles = dir.path() + "/poles.csv", grids = dir.path() + "/grids.geojson";
  std::ofstream(poles) << "number,lon,lat\nTJH0001,116.47,39.92\nTJH0002,abc,39.92\nTJH0003,116.47,95\n";
  std::ofstream(grids) << R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"G1"},)"
                          R"("geometry":{"type":"Polygon","coordinates":[[[116.46,39.91],[116.48,39.91],[116.48,39.93],)"
                          R"([116.46,39.93],[116.46,39.91]]]}}]})";
  auto service = Service::open(dir.path() + "/db");
  ASSERT_TRUE(service) << service.status().message();
  auto report = (*service)->import({poles, grids, "", ""});
  ASSERT_FALSE(report);
  const Status st = report.status();
  EXPECT_EQ(st.code(), ErrorCode::invalid_input);
  ASSERT_EQ(st.input_errors().size(), 2u) << st.message();
  EXPECT_EQ(st.input_errors()[0].line, 3u);
  EXPECT_EQ(st.input_errors()[0].field, "lon");
  EXPECT_EQ(st.input_errors()[1].line, 4u);
  EXPECT_EQ(st.input_errors()[1].field, "lat");
  EXPECT_NE(st.input_errors()[0].file.find("poles.csv"), std::string::npos);
}

}  // namespace
}  // namespace poleloc
