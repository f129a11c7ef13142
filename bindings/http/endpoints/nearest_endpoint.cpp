// GET /v1/poles/nearest?lon=&lat=&k=5&max_m=500: the k nearest poles, geodesic, nearest first.
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include <poleloc/query_options.hpp>

namespace poleloc::http::endpoints {

Response get_nearest(const Call& call) {
  auto params = parse_query(call.query, {"lon", "lat", "k", "max_m", "as_of", "boundary_m"});
  if (!params) return error_response(params.status());
  auto point = required_point(*params);
  if (!point) return error_response(point.status());
  NearestOptions options;
  if (const std::string* k = params->find("k")) {
    auto n = parse_count(*k, "k");
    if (!n) return error_response(n.status());
    options.k = *n;
  }
  if (const std::string* max_m = params->find("max_m")) {
    auto m = parse_real(*max_m, "max_m");
    if (!m) return error_response(m.status());
    options.max_m = *m;
  }
  if (auto st = options.is_valid(); !st) return error_response(st);
  auto within = boundary_within(call, *params);
  if (!within) return error_response(within.status());
  auto snapshot = snapshot_for(call, *params);
  if (!snapshot) return error_response(snapshot.status());
  const auto snap = std::move(*snapshot);
  auto poles = snap->nearest(*point, options);
  if (!poles) return error_response(poles.status());
  Response r = json_response(200, json::nearby(*poles, {snap.get(), *within}));
  r.poles_served = poles->size();
  return r;
}

}  // namespace poleloc::http::endpoints
