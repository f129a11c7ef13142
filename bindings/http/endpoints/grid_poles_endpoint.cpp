// GET /v1/grids/{id}/poles?limit=&cursor=: the poles inside a grid, by number, paged.
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include <poleloc/query_options.hpp>

namespace poleloc::http::endpoints {

Response get_grid_poles(const Call& call) {
  auto id = decode_path_param(call.params[0], "grid id");
  if (!id) return error_response(id.status());
  auto params = parse_query(call.query, {"limit", "cursor", "as_of", "boundary_m"});
  if (!params) return error_response(params.status());
  PageOptions page;
  if (const std::string* limit = params->find("limit")) {
    auto n = parse_count(*limit, "limit");
    if (!n) return error_response(n.status());
    page.limit = *n;
  }
  if (const std::string* cursor = params->find("cursor")) {
    auto c = parse_count(*cursor, "cursor");
    if (!c) {
      return error_response(ErrorCode::bad_request,
                            "cursor must be the next_cursor of a previous page, got '" + excerpt(*cursor) + "'");
    }
    page.cursor = *c;
  }
  if (auto st = page.is_valid(); !st) return error_response(st);
  auto within = boundary_within(call, *params);
  if (!within) return error_response(within.status());
  auto snapshot = snapshot_for(call, *params);
  if (!snapshot) return error_response(snapshot.status());
  const auto snap = std::move(*snapshot);
  auto result = snap->poles_in_grid(*id, page);
  if (!result) return error_response(result.status());
  Response r = json_response(200, json::page(*result, {snap.get(), *within}));
  r.poles_served = result->poles.size();
  return r;
}

}  // namespace poleloc::http::endpoints
