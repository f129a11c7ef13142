#include "routes.hpp"

#include "endpoints/endpoints.hpp"

#include <array>

namespace poleloc::http {
namespace {

using namespace endpoints;

// Literal routes come before parameterised ones that could shadow them.
constexpr std::array kRoutes{
    Route{"/v1/poles/nearest", get_nearest, nullptr, nullptr, "GET, HEAD"},
    Route{"/v1/poles/{number}", get_pole, put_pole, delete_pole, "GET, HEAD, PUT, DELETE"},
    Route{"/v1/resolve", get_resolve, nullptr, nullptr, "GET, HEAD"},
    Route{"/v1/grids/at", get_grid_at, nullptr, nullptr, "GET, HEAD"},
    Route{"/v1/grids/{id}", get_grid, put_grid, delete_grid, "GET, HEAD, PUT, DELETE"},
    Route{"/v1/grids/{id}/poles", get_grid_poles, nullptr, nullptr, "GET, HEAD"},
    Route{"/v1/grids/{id}/neighbours", get_grid_neighbours, nullptr, nullptr, "GET, HEAD"},
    Route{"/v1/poles/{number}/history", get_pole_history, nullptr, nullptr, "GET, HEAD"},
    Route{"/v1/grids/{id}/history", get_grid_history, nullptr, nullptr, "GET, HEAD"},
    Route{"/v1/snapshot", get_snapshot, nullptr, nullptr, "GET, HEAD"},
    Route{"/v1/roads", get_roads, nullptr, nullptr, "GET, HEAD"},
    Route{"/v1/changes", get_changes, nullptr, nullptr, "GET, HEAD, POST", "", post_changes},
    Route{"/v1/import", nullptr, nullptr, nullptr, "POST", "", post_import},
    Route{"/v1/report", get_report, nullptr, nullptr, "GET, HEAD", "", nullptr, true},
    Route{"/v1/backup", nullptr, nullptr, nullptr, "POST", "", post_backup},
    Route{"/v1/openapi.json", get_openapi, nullptr, nullptr, "GET, HEAD"},
    Route{"/healthz", get_healthz, nullptr, nullptr, "GET, HEAD"},
    Route{"/metrics", get_metrics, nullptr, nullptr, "GET, HEAD"},
    Route{"/", get_asset, nullptr, nullptr, "GET, HEAD", "index.html"},
    Route{"/console.js", get_asset, nullptr, nullptr, "GET, HEAD", "console.js"},
    Route{"/console.css", get_asset, nullptr, nullptr, "GET, HEAD", "console.css"},
    Route{"/console-config.json", get_console_config, nullptr, nullptr, "GET, HEAD"},
    Route{"/leaflet.js", get_asset, nullptr, nullptr, "GET, HEAD", "leaflet.min.js"},
    Route{"/leaflet.css", get_asset, nullptr, nullptr, "GET, HEAD", "leaflet.css"},
    Route{"/favicon.svg", get_asset, nullptr, nullptr, "GET, HEAD", "favicon.svg"},
};

constexpr std::size_t kMaxSegments = 8;

// Splits "/a/b/c" into {"a","b","c"}; false if there are too many segments or
// the path does not start with '/'. "/" gives no segments; "/a/" gives {"a", ""}.
bool split_segments(std::string_view path, std::array<std::string_view, kMaxSegments>& out, std::size_t& n) {
  n = 0;
  if (path.empty() || path.front() != '/') return false;
  if (path.size() == 1) return true;
  std::size_t start = 1;
  while (true) {
    if (n == kMaxSegments) return false;
    const auto slash = path.find('/', start);
    out[n++] = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

}  // namespace

std::span<const Route> route_table() { return kRoutes; }

std::optional<RouteMatch> match_route(std::string_view path) {
  std::array<std::string_view, kMaxSegments> segs;
  std::size_t n = 0;
  if (!split_segments(path, segs, n)) return std::nullopt;
  for (std::size_t r = 0; r < kRoutes.size(); ++r) {
    std::array<std::string_view, kMaxSegments> pattern;
    std::size_t m = 0;
    split_segments(kRoutes[r].pattern, pattern, m);
    if (m != n) continue;
    RouteMatch match{&kRoutes[r], r};
    bool ok = true;
    for (std::size_t i = 0; i < n && ok; ++i) {
      const bool is_param = pattern[i].size() > 2 && pattern[i].front() == '{' && pattern[i].back() == '}';
      if (is_param) {
        if (match.param_count == kMaxPathParams) return std::nullopt;
        match.params[match.param_count++] = segs[i];
      } else {
        ok = pattern[i] == segs[i];
      }
    }
    if (ok) return match;
  }
  return std::nullopt;
}

}  // namespace poleloc::http
