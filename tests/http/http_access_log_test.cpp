// What the access log shows: no caller speech or location unless asked, the writer of a write.
#include "access_log.hpp"

#include <gtest/gtest.h>

namespace poleloc::http {
namespace {

TEST(AccessLog, QueryValuesOtherThanPagingAndCountsAreRedacted) {
  EXPECT_EQ(loggable_target("GET", "/v1/resolve?q=%E5%9B%A2&near=116.47,39.92&limit=3", "/v1/resolve", false),
            "/v1/resolve?q=~&near=~&limit=3");
  EXPECT_EQ(loggable_target("GET", "/v1/grids/at?lon=116.47&lat=39.92", "/v1/grids/at", false),
            "/v1/grids/at?lon=~&lat=~");
  EXPECT_EQ(loggable_target("GET", "/v1/poles/nearest?lon=1&lat=2&k=5&max_m=500", "/v1/poles/nearest", false),
            "/v1/poles/nearest?lon=~&lat=~&k=5&max_m=500");
  // An encoded key is still the key it decodes to.
  EXPECT_EQ(loggable_target("GET", "/v1/resolve?%71=secret", "/v1/resolve", false), "/v1/resolve?%71=~");
  EXPECT_EQ(loggable_target("GET", "/v1/resolve?q", "/v1/resolve", false), "/v1/resolve?q=~");
}

TEST(AccessLog, LookedUpPoleNumbersAreRedactedButWrittenOnesKept) {
  EXPECT_EQ(loggable_target("GET", "/v1/poles/%E5%9B%A2%E7%BB%93", "/v1/poles/{number}", false), "/v1/poles/~");
  EXPECT_EQ(loggable_target("HEAD", "/v1/poles/TJH0372", "/v1/poles/{number}", false), "/v1/poles/~");
  EXPECT_EQ(loggable_target("PUT", "/v1/poles/TJH0372", "/v1/poles/{number}", false), "/v1/poles/TJH0372");
  EXPECT_EQ(loggable_target("GET", "/v1/grids/CY-1", "/v1/grids/{id}", false), "/v1/grids/CY-1");
}

TEST(AccessLog, LogQueriesKeepsTheTargetAsSent) {
  const char* t = "/v1/resolve?q=abc&near=1,2";
  EXPECT_EQ(loggable_target("GET", t, "/v1/resolve", true), t);
}

TEST(AccessLog, WriterNameIsInTheLineOfAWrite) {
  const std::string line = format_access_log(
      {.remote = "127.0.0.1:1", .method = "PUT", .target = "/v1/poles/TJH1", .route = "/v1/poles/{number}",
       .status = 201, .writer = "dispatch"});
  EXPECT_NE(line.find(",\"writer\":\"dispatch\"}"), std::string::npos) << line;
  const std::string read = format_access_log({.method = "GET", .target = "/healthz", .status = 200});
  EXPECT_EQ(read.find("writer"), std::string::npos);
}

}  // namespace
}  // namespace poleloc::http
