// The console's base map settings (poleloc serve --tiles ...) and the
// Content-Security-Policy made from them: exactly the tile origin, nothing else.
#include "console_config.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace poleloc::http {
namespace {

TEST(ConsoleConfig, OfflinePolicyAllowsImagesFromTheServerOnly) {
  const std::string csp = console_csp(nullptr);
  EXPECT_NE(csp.find("img-src 'self' data:;"), std::string::npos) << csp;
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(console_config_json(nullptr)), nlohmann::json::parse(R"({"tiles":null})"));
}

TEST(ConsoleConfig, TileOriginIsAllowedForImagesAndNothingElse) {
  auto t = TileSource::parse("http://127.0.0.1:8081/tiles/{z}/{x}/{y}.png?style=light", "wgs84", "");
  ASSERT_TRUE(t) << t.status().message();
  EXPECT_EQ(t->origin, "http://127.0.0.1:8081");
  const std::string csp = console_csp(&*t);
  EXPECT_NE(csp.find("img-src 'self' data: http://127.0.0.1:8081;"), std::string::npos) << csp;
  EXPECT_NE(csp.find("connect-src 'self';"), std::string::npos) << "tiles are images, never fetched by script";
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos);
}

TEST(ConsoleConfig, OriginOfHttpsIpv6AndSubdomainTemplates) {
  EXPECT_EQ(TileSource::parse("https://tiles.example.org/{z}/{x}/{y}.png", "", "")->origin,
            "https://tiles.example.org");
  EXPECT_EQ(TileSource::parse("http://[::1]:9000/{z}/{x}/{y}.png", "", "")->origin, "http://[::1]:9000");
  // {s} stands for a, b, c: the policy names every subdomain of the host.
  EXPECT_EQ(TileSource::parse("https://{s}.tile.example.org/{z}/{x}/{y}.png", "", "")->origin,
            "https://*.tile.example.org");
}

TEST(ConsoleConfig, CrsAndAttributionReachThePage) {
  auto t = TileSource::parse("https://t.example.cn/{z}/{x}/{y}.png", "gcj02", "© 示例 <b>tiles</b>");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->crs, TileCrs::gcj02);
  const auto config = nlohmann::json::parse(console_config_json(&*t));
  EXPECT_EQ(config["tiles"]["url"], "https://t.example.cn/{z}/{x}/{y}.png");
  EXPECT_EQ(config["tiles"]["crs"], "gcj02");
  EXPECT_EQ(config["tiles"]["attribution"], "© 示例 <b>tiles</b>");  // shown as text by the page
  EXPECT_EQ(TileSource::parse("https://t.example.cn/{z}/{x}/{y}.png", "", "")->crs, TileCrs::wgs84);
}

TEST(ConsoleConfig, RefusesTemplatesThatWouldBendThePolicy) {
  for (const char* bad : {
           "ftp://tiles.example.org/{z}/{x}/{y}.png",            // not http(s)
           "//tiles.example.org/{z}/{x}/{y}.png",                // no scheme
           "https://tiles.example.org",                          // no path
           "https://tiles.example.org/{z}/{x}.png",              // no {y}
           "https://tiles.example.org;script-src */{z}/{x}/{y}",  // policy injection through the host
           "https://tiles.example.org 'unsafe-inline'/{z}/{x}/{y}",
           "https://*/{z}/{x}/{y}.png",                          // wildcard host
           "https://user@tiles.example.org/{z}/{x}/{y}.png",     // credentials
           "https://tiles.example.org:99999/{z}/{x}/{y}.png",    // port
           "https://tiles.example.org:/{z}/{x}/{y}.png",
           "https://tiles.example.org/{z}/{x}/{y}.png\"",        // quote in the path
           "https://tiles.example.org/{z}/{x}/{y} .png",
           "https://[::1/{z}/{x}/{y}.png",
       }) {
    EXPECT_FALSE(TileSource::parse(bad, "wgs84", "")) << bad;
  }
  EXPECT_FALSE(TileSource::parse("https://t.example.org/{z}/{x}/{y}.png", "bd09", ""));
  EXPECT_FALSE(TileSource::parse("https://t.example.org/{z}/{x}/{y}.png", "wgs84", std::string(1001, 'a')));
}

TEST(ConsoleConfig, ErrorsNameTheFlag) {
  auto t = TileSource::parse("https://t.example.org/{z}/{x}.png", "wgs84", "");
  ASSERT_FALSE(t);
  EXPECT_NE(t.status().message().find("--tiles"), std::string::npos);
  auto c = TileSource::parse("https://t.example.org/{z}/{x}/{y}.png", "mars", "");
  ASSERT_FALSE(c);
  EXPECT_NE(c.status().message().find("--tiles-crs"), std::string::npos);
}

}  // namespace
}  // namespace poleloc::http
