// GET /v1/grids/{id}/neighbours?limit=N: the grids around one grid, with geometry,
// for the console's map. A neighbour is a grid whose bounding box comes within
// kMarginFraction of the grid's own box (touching grids always do), nearest first.
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace poleloc::http::endpoints {
namespace {

constexpr std::size_t kDefaultLimit = 12;
constexpr std::size_t kMaxLimit = 100;
constexpr double kMarginFraction = 0.25;  // of the larger side of the grid's box

// Gap between two boxes in degrees along each axis (0 when they overlap or touch).
double box_gap(const BBox& a, const BBox& b) {
  const double dx = std::max({0.0, b.min_lon - a.max_lon, a.min_lon - b.max_lon});
  const double dy = std::max({0.0, b.min_lat - a.max_lat, a.min_lat - b.max_lat});
  return std::max(dx, dy);
}

}  // namespace

Response get_grid_neighbours(const Call& call) {
  auto id = decode_path_param(call.params[0], "grid id");
  if (!id) return error_response(id.status());
  auto params = parse_query(call.query, {"limit"});
  if (!params) return error_response(params.status());
  std::size_t limit = kDefaultLimit;
  if (const std::string* l = params->find("limit")) {
    auto n = parse_count(*l, "limit");
    if (!n) return error_response(n.status());
    limit = *n;
  }
  if (limit < 1 || limit > kMaxLimit) {
    return error_response(ErrorCode::bad_request,
                          "limit must be between 1 and " + std::to_string(kMaxLimit) + ", got " + std::to_string(limit));
  }
  const auto snap = call.server.service.snapshot();
  auto grid = snap->grid(*id);
  if (!grid) return error_response(ErrorCode::not_found, "no grid with id '" + excerpt(*id, 100) + "'");
  const BBox box = grid->bbox();
  const double margin = kMarginFraction * std::max(box.max_lon - box.min_lon, box.max_lat - box.min_lat);

  // A linear scan of the boxes: a few microseconds per thousand grids, and the
  // console asks once per chosen pole.
  std::vector<std::pair<double, std::uint32_t>> near;
  for (std::uint32_t i = 0; i < snap->grid_index_end(); ++i) {
    if (i == grid->index() || !snap->grid_index_is_live(i)) continue;
    const double gap = box_gap(box, snap->grid_by_index(i).bbox());
    if (gap <= margin) near.emplace_back(gap, i);
  }
  std::sort(near.begin(), near.end());
  if (near.size() > limit) near.resize(limit);
  json::Json list = json::Json::array();
  for (const auto& [gap, i] : near) list.push_back(json::grid(snap->grid_by_index(i), true));
  Response r = json_response(200, json::Json{{"grid", *id}, {"grids", std::move(list)}});
  r.grids_served = near.size();
  return r;
}

}  // namespace poleloc::http::endpoints
