// endpoint_support.hpp: small steps every endpoint repeats (internal to bindings/http).
//
//   auto params = parse_query(call.query, {"lon", "lat"});
//   if (!params) return error_response(params.status());
//   auto lon = required(*params, "lon", "degrees east, WGS84");
#pragma once

#include "../request_parsers.hpp"
#include "../response.hpp"
#include "../routes.hpp"

#include <poleloc/status.hpp>

#include <string>
#include <string_view>

namespace poleloc::http::endpoints {

// The value of a query parameter that must be present and non-empty.
inline Result<std::string_view> required(const QueryParams& params, std::string_view key, std::string_view what) {
  const std::string* v = params.find(key);
  if (!v || v->empty()) {
    return Status(ErrorCode::bad_request,
                  "query parameter '" + std::string(key) + "' is required (" + std::string(what) + ")");
  }
  return std::string_view(*v);
}

// The point of the required `lon` and `lat` query parameters (WGS84 degrees).
inline Result<LonLat> required_point(const QueryParams& params) {
  auto lon = required(params, "lon", "degrees east, WGS84");
  if (!lon) return lon.status();
  auto lat = required(params, "lat", "degrees north, WGS84");
  if (!lat) return lat.status();
  return parse_lonlat(*lon, *lat);
}

// The snapshot a read answers from: the current one, or the data as it stood
// at the `as_of` query parameter (RFC 3339, docs/history.md) when it is given.
inline Result<std::shared_ptr<const Snapshot>> snapshot_for(const Call& call, const QueryParams& params) {
  const std::string* as_of = params.find("as_of");
  if (!as_of) return call.server.service.snapshot();
  auto t = parse_rfc3339(*as_of, "as_of");
  if (!t) return t.status();
  return call.server.service.snapshot_at(*t);
}

// The `boundary_m` query parameter: within how many metres another grid's edge
// is named in "neighbour_grids" (docs/boundary.md); the server's --boundary-m
// when absent. bad_request naming the parameter outside [0, kBoundaryNeighbourMaxM].
inline Result<double> boundary_within(const Call& call, const QueryParams& params) {
  double within = call.server.boundary_m;
  if (const std::string* m = params.find("boundary_m")) {
    auto v = parse_real(*m, "boundary_m");
    if (!v) return v.status();
    within = *v;
  }
  if (auto st = check_boundary_within(within, "boundary_m"); !st) return st;
  return within;
}

// Refuses any query string on routes that take none (a typo must not pass silently).
inline Status no_query(const Call& call) {
  auto params = parse_query(call.query, {});
  return params ? Status::ok() : params.status();
}

}  // namespace poleloc::http::endpoints
