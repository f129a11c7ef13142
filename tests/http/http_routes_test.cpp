// The route table against the API description and the embedded console.
#include "embedded_files.hpp"
#include "routes.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <utility>

namespace poleloc::http {
namespace {

using RouteSet = std::set<std::pair<std::string, std::string>>;  // (path template, method)

RouteSet served_routes() {
  RouteSet out;
  for (const Route& r : route_table()) {
    if (r.get) out.emplace(r.pattern, "get");
    if (r.put) out.emplace(r.pattern, "put");
    if (r.del) out.emplace(r.pattern, "delete");
    if (r.post) out.emplace(r.pattern, "post");
  }
  return out;
}

nlohmann::json openapi() {
  const EmbeddedFile* f = find_embedded_file("openapi.json");
  if (!f) return nullptr;
  return nlohmann::json::parse(f->content);
}

TEST(HttpRoutes, EveryServedRouteIsDescribedInOpenApiAndViceVersa) {
  const auto doc = openapi();
  ASSERT_TRUE(doc.is_object()) << "openapi.json is not embedded";
  RouteSet described;
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters") continue;
      described.emplace(path, method);
    }
  }
  const RouteSet served = served_routes();
  for (const auto& r : served) EXPECT_TRUE(described.count(r)) << "not in openapi.json: " << r.second << ' ' << r.first;
  for (const auto& r : described) EXPECT_TRUE(served.count(r)) << "described but not served: " << r.second << ' ' << r.first;
}

TEST(HttpRoutes, EveryDescribedOperationNamesItsResponsesAndPathParameters) {
  const auto doc = openapi();
  ASSERT_TRUE(doc.is_object());
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters") continue;
      EXPECT_TRUE(op.contains("responses") && op.contains("summary")) << method << ' ' << path;
    }
    if (path.find('{') != std::string::npos) {
      EXPECT_TRUE(item.contains("parameters")) << path << " has a path parameter but does not describe it";
    }
  }
}

TEST(HttpRoutes, AllowHeaderListsExactlyTheRouteMethods) {
  for (const Route& r : route_table()) {
    std::string allow;
    for (auto [has, name] : {std::pair{r.get != nullptr, "GET"}, {r.get != nullptr, "HEAD"}, {r.put != nullptr, "PUT"},
                             {r.del != nullptr, "DELETE"}, {r.post != nullptr, "POST"}}) {
      if (has) allow += (allow.empty() ? "" : ", ") + std::string(name);
    }
    EXPECT_EQ(allow, r.allow) << r.pattern;
  }
}

TEST(HttpRoutes, LiteralSegmentsWinOverParameters) {
  auto nearest = match_route("/v1/poles/nearest");
  ASSERT_TRUE(nearest);
  EXPECT_EQ(nearest->route->pattern, "/v1/poles/nearest");
  auto at = match_route("/v1/grids/at");
  ASSERT_TRUE(at);
  EXPECT_EQ(at->route->pattern, "/v1/grids/at");
  auto pole = match_route("/v1/poles/TJH-0372");
  ASSERT_TRUE(pole);
  EXPECT_EQ(pole->route->pattern, "/v1/poles/{number}");
  ASSERT_EQ(pole->param_count, 1u);
  EXPECT_EQ(pole->params[0], "TJH-0372");
}

TEST(HttpRoutes, PathParametersAreRawSegments) {
  auto m = match_route("/v1/grids/CY%2FTJH/poles");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->route->pattern, "/v1/grids/{id}/poles");
  EXPECT_EQ(m->params[0], "CY%2FTJH");
  auto empty = match_route("/v1/poles/");
  ASSERT_TRUE(empty);  // the endpoint then says "pole number is empty"
  EXPECT_EQ(empty->params[0], "");
}

TEST(HttpRoutes, UnknownPathsDoNotMatch) {
  for (const char* path : {"", "v1/resolve", "/v1", "/v1/poles", "/v1/poles/A/B", "/v2/resolve", "/v1/resolve/",
                           "/healthz/x", "/a/b/c/d/e/f/g/h/i/j", "/index.html"}) {
    EXPECT_FALSE(match_route(path)) << path;
  }
  auto root = match_route("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->route->asset, "index.html");
}

TEST(HttpConsole, EveryConsoleRouteServesAnEmbeddedFile) {
  for (const Route& r : route_table()) {
    if (r.asset.empty()) continue;
    const EmbeddedFile* f = find_embedded_file(r.asset);
    ASSERT_NE(f, nullptr) << r.asset;
    EXPECT_GT(f->content.size(), 100u) << r.asset;
  }
}

TEST(HttpConsole, LoadsNothingFromOtherHosts) {
  // Dispatch rooms may have no internet: no CDN, no web fonts; map tiles only from
  // the tile server named by --tiles (console_config_test), never a built-in one.
  for (const char* name : {"index.html", "console.js", "console.css", "favicon.svg"}) {
    const EmbeddedFile* f = find_embedded_file(name);
    ASSERT_NE(f, nullptr) << name;
    // The SVG namespace is a name, not a resource: it is the one URL allowed.
    std::string text(f->content);
    for (std::size_t at; (at = text.find("http://www.w3.org/2000/svg")) != std::string::npos;) text.erase(at, 26);
    // Links the dispatcher opens in a new tab (navigation, never a resource the page loads).
    for (std::string_view link : {"https://uri.amap.com/", "https://api.map.baidu.com/", "https://www.openstreetmap.org/"}) {
      for (std::size_t at; (at = text.find(link)) != std::string::npos;) text.erase(at, link.size());
    }
    for (const char* remote : {"http://", "https://", "//cdn", "@import", "url(", "fonts.googleapis", "src=\"//"}) {
      EXPECT_EQ(text.find(remote), std::string::npos) << name << " contains " << remote;
    }
  }
}

TEST(HttpConsole, ContentTypesFollowTheExtension) {
  EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("console.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("console.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("openapi.json"), "application/json");
  EXPECT_EQ(content_type_for("blob"), "application/octet-stream");
}

}  // namespace
}  // namespace poleloc::http
