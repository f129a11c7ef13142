// GET /v1/roads: the named roads of roads.geojson as a GeoJSON FeatureCollection
// (the console draws them, with names, when it has no base map).
#include "endpoint_support.hpp"
#include "endpoints.hpp"

namespace poleloc::http::endpoints {

Response get_roads(const Call& call) {
  auto params = parse_query(call.query, {"as_of"});
  if (!params) return error_response(params.status());
  auto snapshot = snapshot_for(call, *params);
  if (!snapshot) return error_response(snapshot.status());
  return json_response(200, json::roads((*snapshot)->roads()));
}

}  // namespace poleloc::http::endpoints
