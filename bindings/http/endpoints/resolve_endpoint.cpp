// GET /v1/resolve?q=TEXT&near=LON,LAT&near_accuracy_m=M&near_crs=wgs84|gcj02|bd09&limit=N:
// what was heard -> ranked candidates.
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include <poleloc/query_options.hpp>

namespace poleloc::http::endpoints {

Response get_resolve(const Call& call) {
  auto params = parse_query(call.query, {"q", "near", "near_accuracy_m", "near_crs", "limit", "as_of", "boundary_m"});
  if (!params) return error_response(params.status());
  const std::string* q = params->find("q");
  if (!q) {
    return error_response(ErrorCode::bad_request,
                          "query parameter 'q' is required: the text heard, e.g. q=团结湖三七二");
  }
  if (auto st = check_query_text(*q); !st) return error_response(st);
  ResolveOptions options;
  if (const std::string* near = params->find("near")) {
    auto p = parse_lonlat_pair(*near, "near");
    if (!p) return error_response(p.status());
    options.near = *p;
  }
  if (const std::string* accuracy = params->find("near_accuracy_m")) {
    auto m = parse_real(*accuracy, "near_accuracy_m");
    if (!m) return error_response(m.status());
    options.near_accuracy_m = *m;
  }
  if (const std::string* crs = params->find("near_crs")) {
    auto c = parse_location_crs(*crs);
    if (!c) return error_response(ErrorCode::bad_request, "near_crs must be wgs84, gcj02 or bd09");
    options.near_crs = *c;
  }
  if (const std::string* limit = params->find("limit")) {
    auto n = parse_count(*limit, "limit");
    if (!n) return error_response(n.status());
    options.limit = *n;
  }
  if (auto st = options.is_valid(); !st) return error_response(st);
  auto within = boundary_within(call, *params);
  if (!within) return error_response(within.status());
  auto snapshot = snapshot_for(call, *params);
  if (!snapshot) return error_response(snapshot.status());
  const auto snap = std::move(*snapshot);
  auto hits = snap->resolve(*q, options);
  if (!hits) return error_response(hits.status());
  Response r = json_response(200, json::candidates(*q, *hits, {snap.get(), *within}));
  r.poles_served = hits->size();
  return r;
}

}  // namespace poleloc::http::endpoints
