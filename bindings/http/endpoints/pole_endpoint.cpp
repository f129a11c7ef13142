// GET, PUT, DELETE /v1/poles/{number}: one pole by its painted number.
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include "../request_body.hpp"

#include <poleloc/number.hpp>
#include <poleloc/query_options.hpp>

namespace poleloc::http::endpoints {
namespace {

// The number as written in the path: any printed form ("TJH-0372", full-width
// digits, "团结湖372"); percent-encoded UTF-8 is decoded.
Result<std::string> path_number(const Call& call) {
  return decode_path_param(call.params[0], "pole number", kMaxQueryBytes);
}

Result<std::string> canonical_path_number(const Call& call) {
  auto printed = path_number(call);
  if (!printed) return printed.status();
  auto canonical = canonical_number(*printed);
  if (!canonical) {
    return Status(ErrorCode::bad_request,
                  in_quotes(*printed) + " is not a pole number; a number is letters then digits, e.g. TJH0372");
  }
  return *canonical;
}

Response pole_answer(int status, const PoleView& pole, const json::BoundaryContext& boundary) {
  Response r = json_response(status, json::pole(pole, boundary));
  r.poles_served = 1;
  r.grids_served = pole.grid() ? 1 : 0;
  return r;
}

}  // namespace

Response get_pole(const Call& call) {
  auto printed = path_number(call);
  if (!printed) return error_response(printed.status());
  auto params = parse_query(call.query, {"as_of", "boundary_m"});
  if (!params) return error_response(params.status());
  auto within = boundary_within(call, *params);
  if (!within) return error_response(within.status());
  auto snapshot = snapshot_for(call, *params);
  if (!snapshot) return error_response(snapshot.status());
  const auto snap = std::move(*snapshot);
  const json::BoundaryContext boundary{snap.get(), *within};
  if (auto pole = snap->locate(*printed)) return pole_answer(200, *pole, boundary);

  // Not carried by any pole: say why, and offer what a dispatcher may have meant.
  const auto canonical = canonical_number(*printed);
  const std::string message =
      canonical ? "no pole numbered " + in_quotes(*canonical) + "; see suggestions"
                : in_quotes(*printed) + " is not a printed pole number; see suggestions, or use /v1/resolve";
  json::Json body = json::error(ErrorCode::not_found, message);
  json::Json suggestions = json::Json::array();
  ResolveOptions options;
  options.limit = 5;
  Response r;
  if (auto hits = snap->resolve(*printed, options)) {
    for (const Candidate& c : *hits) suggestions.push_back(json::candidate(c, boundary));
    r.poles_served = hits->size();
  }
  body["suggestions"] = std::move(suggestions);
  r.status = 404;
  r.body = dump(body);
  return r;
}

Response put_pole(const Call& call) {
  auto number = canonical_path_number(call);
  if (!number) return error_response(number.status());
  if (auto st = no_query(call); !st) return error_response(st);
  auto record = parse_pole_body(call.request.body, *number);
  if (!record) return error_response(record.status());
  Service& service = call.server.service;
  const bool existed = service.snapshot()->locate(*number).has_value();
  if (auto st = service.put_pole(std::move(*record), {.author = std::string(call.writer)}); !st) return error_response(st);
  // Durable and published: answer with the pole as readers now see it.
  const auto snap = service.snapshot();
  auto pole = snap->locate(*number);
  if (!pole) return error_response(ErrorCode::internal, "pole " + *number + " was stored but is not visible");
  return pole_answer(existed ? 200 : 201, *pole, {snap.get(), call.server.boundary_m});
}

Response delete_pole(const Call& call) {
  auto number = canonical_path_number(call);
  if (!number) return error_response(number.status());
  if (auto st = no_query(call); !st) return error_response(st);
  if (auto st = call.server.service.delete_pole(*number, {.author = std::string(call.writer)}); !st) return error_response(st);
  return json_response(200, json::Json{{"deleted", *number}});
}

}  // namespace poleloc::http::endpoints
