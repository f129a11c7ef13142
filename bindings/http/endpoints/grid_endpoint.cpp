// GET, PUT, DELETE /v1/grids/{id}: one grid, with its GeoJSON geometry.
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include "../request_body.hpp"

namespace poleloc::http::endpoints {
namespace {

Result<std::string> path_id(const Call& call) { return decode_path_param(call.params[0], "grid id"); }

Response grid_answer(int status, const GridView& grid) {
  Response r = json_response(status, json::grid(grid, true));
  r.grids_served = 1;
  return r;
}

}  // namespace

Response get_grid(const Call& call) {
  auto id = path_id(call);
  if (!id) return error_response(id.status());
  if (auto st = no_query(call); !st) return error_response(st);
  const auto snap = call.server.service.snapshot();
  auto grid = snap->grid(*id);
  if (!grid) return error_response(ErrorCode::not_found, "no grid with id '" + excerpt(*id, 100) + "'");
  return grid_answer(200, *grid);
}

Response put_grid(const Call& call) {
  auto id = path_id(call);
  if (!id) return error_response(id.status());
  if (auto st = no_query(call); !st) return error_response(st);
  auto record = parse_grid_body(call.request.body, *id);
  if (!record) return error_response(record.status());
  Service& service = call.server.service;
  const bool existed = service.snapshot()->grid(*id).has_value();
  if (auto st = service.put_grid(std::move(*record), {.author = std::string(call.writer)}); !st) return error_response(st);
  const auto snap = service.snapshot();
  auto grid = snap->grid(*id);
  if (!grid) return error_response(ErrorCode::internal, "grid " + *id + " was stored but is not visible");
  return grid_answer(existed ? 200 : 201, *grid);
}

Response delete_grid(const Call& call) {
  auto id = path_id(call);
  if (!id) return error_response(id.status());
  if (auto st = no_query(call); !st) return error_response(st);
  if (auto st = call.server.service.delete_grid(*id, {.author = std::string(call.writer)}); !st) return error_response(st);
  return json_response(200, json::Json{{"deleted", *id}});
}

}  // namespace poleloc::http::endpoints
