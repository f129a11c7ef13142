// GET /v1/grids/at?lon=&lat=&boundary_m=: the grid containing a point (boundary rule in snapshot.hpp),
// with how far its edge is and the other grids within boundary_m (docs/boundary.md).
#include "endpoint_support.hpp"
#include "endpoints.hpp"

namespace poleloc::http::endpoints {

Response get_grid_at(const Call& call) {
  auto params = parse_query(call.query, {"lon", "lat", "as_of", "boundary_m"});
  if (!params) return error_response(params.status());
  auto point = required_point(*params);
  if (!point) return error_response(point.status());
  auto within = boundary_within(call, *params);
  if (!within) return error_response(within.status());
  auto snapshot = snapshot_for(call, *params);
  if (!snapshot) return error_response(snapshot.status());
  const auto snap = std::move(*snapshot);
  auto grid = snap->grid_at(*point);
  if (!grid) {
    // Outside every grid: say how far the nearest grid is, and name those within boundary_m.
    json::Json body = json::error(ErrorCode::not_found,
                                  "no grid contains lon " + *params->find("lon") + ", lat " + *params->find("lat"));
    json::add_boundary(body, snap->boundary(*point, *within));
    return json_response(404, body);
  }
  json::Json body = json::grid(*grid);
  json::add_boundary(body, snap->boundary(*point, *within));
  Response r = json_response(200, body);
  r.grids_served = 1;
  return r;
}

}  // namespace poleloc::http::endpoints
