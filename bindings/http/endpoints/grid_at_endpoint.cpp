// GET /v1/grids/at?lon=&lat=: the grid containing a point (boundary rule in snapshot.hpp).
#include "endpoint_support.hpp"
#include "endpoints.hpp"

namespace poleloc::http::endpoints {

Response get_grid_at(const Call& call) {
  auto params = parse_query(call.query, {"lon", "lat"});
  if (!params) return error_response(params.status());
  auto lon = required(*params, "lon", "degrees east, WGS84");
  if (!lon) return error_response(lon.status());
  auto lat = required(*params, "lat", "degrees north, WGS84");
  if (!lat) return error_response(lat.status());
  auto point = parse_lonlat(*lon, *lat);
  if (!point) return error_response(point.status());
  const auto snap = call.server.service.snapshot();
  auto grid = snap->grid_at(*point);
  if (!grid) {
    return error_response(ErrorCode::not_found,
                          "no grid contains lon " + std::string(*lon) + ", lat " + std::string(*lat));
  }
  Response r = json_response(200, json::grid(*grid));
  r.grids_served = 1;
  return r;
}

}  // namespace poleloc::http::endpoints
