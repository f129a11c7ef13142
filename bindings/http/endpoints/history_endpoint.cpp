// GET /v1/poles/{number}/history, GET /v1/grids/{id}/history: every stored
// version of a pole or grid with its sequence, validity times and author.
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include <poleloc/number.hpp>
#include <poleloc/query_options.hpp>

namespace poleloc::http::endpoints {
namespace {

Response versions_answer(std::string_view key, const std::string& id, const std::vector<RecordVersion>& versions) {
  json::Json list = json::Json::array();
  for (const RecordVersion& v : versions) list.push_back(json::record_version(v));
  return json_response(200, json::Json{{key, id}, {"versions", std::move(list)}});
}

}  // namespace

Response get_pole_history(const Call& call) {
  auto printed = decode_path_param(call.params[0], "pole number", kMaxQueryBytes);
  if (!printed) return error_response(printed.status());
  if (auto st = no_query(call); !st) return error_response(st);
  auto canonical = canonical_number(*printed);
  if (!canonical) {
    return error_response(ErrorCode::bad_request,
                          in_quotes(*printed) + " is not a pole number; a number is letters then digits, e.g. TJH0372");
  }
  auto versions = call.server.service.pole_history(*canonical);
  if (!versions) return error_response(versions.status());
  return versions_answer("number", *canonical, *versions);
}

Response get_grid_history(const Call& call) {
  auto id = decode_path_param(call.params[0], "grid id");
  if (!id) return error_response(id.status());
  if (auto st = no_query(call); !st) return error_response(st);
  auto versions = call.server.service.grid_history(*id);
  if (!versions) return error_response(versions.status());
  return versions_answer("id", *id, *versions);
}

}  // namespace poleloc::http::endpoints
