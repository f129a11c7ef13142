#include "request_handler.hpp"

#include "access_log.hpp"
#include "request_parsers.hpp"
#include "response.hpp"

#include <chrono>
#include <exception>

namespace poleloc::http {
namespace {

Response check_token(const Request& request, const std::string& token) {
  if (token.empty()) {
    return error_response(ErrorCode::read_only,
                          "writes are disabled: the server was started without --token-file");
  }
  const auto given = bearer_token(request.authorization);
  if (!given || !constant_time_equal(token, *given)) {
    return error_response(ErrorCode::unauthorized,
                          given ? "the bearer token is not valid"
                                : "a write needs the header 'Authorization: Bearer TOKEN'");
  }
  return Response{.status = 0};
}

}  // namespace

std::vector<std::string> RequestHandler::route_labels() {
  std::vector<std::string> labels;
  for (const Route& r : route_table()) labels.emplace_back(r.pattern);
  labels.emplace_back("unmatched");
  return labels;
}

Response RequestHandler::dispatch(const Request& request, std::size_t& route_index) const {
  route_index = route_table().size();  // "unmatched" until a route is found
  if (request.target.size() > context_.max_target_bytes) {
    return error_response(ErrorCode::payload_too_large,
                          "the request target is " + std::to_string(request.target.size()) + " bytes; at most " +
                              std::to_string(context_.max_target_bytes) + " are accepted");
  }
  const Target target = split_target(request.target);
  const auto match = match_route(target.path);
  if (!match) {
    return error_response(ErrorCode::not_found,
                          "no route " + excerpt(target.path, 200) + "; the routes are listed at /v1/openapi.json");
  }
  route_index = match->index;
  const Route& route = *match->route;
  Endpoint endpoint = request.method == "GET" ? route.get
                      : request.method == "PUT" ? route.put
                      : request.method == "DELETE" ? route.del
                                                   : nullptr;
  if (!endpoint) {
    Response r = error_response(ErrorCode::method_not_allowed,
                                "method " + excerpt(request.method, 20) + " is not allowed on " +
                                    std::string(route.pattern) + "; allowed: " + std::string(route.allow));
    r.headers.emplace_back("Allow", route.allow);
    return r;
  }
  if (is_write(request.method)) {
    if (Response denied = check_token(request, context_.token); denied.status != 0) return denied;
  }
  const Call call{request, route, std::span<const std::string_view>(match->params.data(), match->param_count),
                  target.query, context_};
  return endpoint(call);
}

Response RequestHandler::handle(const Request& request, Metrics::Shard& shard) const {
  const auto start = std::chrono::steady_clock::now();
  std::size_t route_index = route_table().size();
  Response response;
  try {
    response = dispatch(request, route_index);
  } catch (const std::exception& e) {
    write_log_event("internal_error", std::string(request.method) + " " + excerpt(request.target, 200) + ": " + e.what());
    response = error_response(ErrorCode::internal, "internal error while answering; the server log has details");
  } catch (...) {
    write_log_event("internal_error", std::string(request.method) + " " + excerpt(request.target, 200));
    response = error_response(ErrorCode::internal, "internal error while answering; the server log has details");
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  finish(request, response, route_index, seconds, shard);
  return response;
}

Response RequestHandler::refuse(const Request& request, const Status& why, Metrics::Shard& shard) const {
  Response response = error_response(why);
  response.close = true;
  finish(request, response, route_table().size(), 0, shard);
  return response;
}

void RequestHandler::finish(const Request& request, const Response& response, std::size_t route_index,
                            double seconds, Metrics::Shard& shard) const {
  shard.record(route_index, response.status, seconds, response.poles_served, response.grids_served);
  if (!context_.access_log) return;
  const auto routes = route_table();
  write_access_log({.remote = request.remote,
                    .method = request.method,
                    .target = request.target,
                    .route = route_index < routes.size() ? routes[route_index].pattern : std::string_view("-"),
                    .status = response.status,
                    .bytes = response.body.size(),
                    .micros = static_cast<long long>(seconds * 1e6)});
}

}  // namespace poleloc::http
