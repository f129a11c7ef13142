// GET /v1/grids/at?lon=&lat=: the grid containing a point (boundary rule in snapshot.hpp).
#include "endpoint_support.hpp"
#include "endpoints.hpp"

namespace poleloc::http::endpoints {

Response get_grid_at(const Call& call) {
  auto params = parse_query(call.query, {"lon", "lat", "as_of"});
  if (!params) return error_response(params.status());
  auto point = required_point(*params);
  if (!point) return error_response(point.status());
  auto snapshot = snapshot_for(call, *params);
  if (!snapshot) return error_response(snapshot.status());
  const auto snap = std::move(*snapshot);
  auto grid = snap->grid_at(*point);
  if (!grid) {
    return error_response(ErrorCode::not_found,
                          "no grid contains lon " + *params->find("lon") + ", lat " + *params->find("lat"));
  }
  Response r = json_response(200, json::grid(*grid));
  r.grids_served = 1;
  return r;
}

}  // namespace poleloc::http::endpoints
