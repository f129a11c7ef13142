#include "request_handler.hpp"

#include "access_log.hpp"
#include "request_parsers.hpp"
#include "response.hpp"

#include <poleloc/error_catalogue.hpp>

#include <chrono>
#include <exception>

namespace poleloc::http {
namespace {

Response check_token(const Request& request, const std::vector<NamedToken>& tokens, const NamedToken*& writer,
                     bool write) {
  if (tokens.empty()) {
    return error_response(ErrorCode::read_only, write ? "writes are disabled: the server was started without --token-file"
                                                      : "this route needs a token: the server was started without --token-file");
  }
  const auto given = bearer_token(request.authorization);
  writer = given ? find_token(tokens, *given) : nullptr;
  if (!writer) {
    return error_response(ErrorCode::unauthorized,
                          given ? "the bearer token is not valid"
                                : write ? "a write needs the header 'Authorization: Bearer TOKEN'"
                                        : "this route needs the header 'Authorization: Bearer TOKEN'");
  }
  return Response{.status = 0};
}

Response check_host(const Request& request, const AllowedHosts& allowed) {
  if (request.host.empty()) {
    if (request.loopback) return Response{.status = 0};
    return error_response(ErrorCode::host_not_allowed,
                          "a request without a Host header is answered only from this machine");
  }
  if (allowed.allows(request.host)) return Response{.status = 0};
  return error_response(ErrorCode::host_not_allowed, "this server does not answer to Host " +
                                                         in_quotes(request.host, 80) +
                                                         "; its operator can add the name with --allowed-hosts");
}

}  // namespace

std::vector<std::string> RequestHandler::route_labels() {
  std::vector<std::string> labels;
  for (const Route& r : route_table()) labels.emplace_back(r.pattern);
  labels.emplace_back("unmatched");
  return labels;
}

Response RequestHandler::admit(const Request& request, std::size_t& route_index, const NamedToken*& writer) const {
  route_index = route_table().size();  // "unmatched" until a route is found
  writer = nullptr;
  if (Response r = check_host(request, context_.allowed_hosts); r.status != 0) return r;
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
  const bool known = request.method == "GET" || request.method == "HEAD" ? route.get != nullptr
                     : request.method == "PUT"                            ? route.put != nullptr
                     : request.method == "DELETE"                         ? route.del != nullptr
                     : request.method == "POST"                           ? route.post != nullptr
                                                                          : false;
  if (!known) {
    Response r = error_response(ErrorCode::method_not_allowed,
                                "method " + in_quotes(request.method, 20) + " is not allowed on " +
                                    std::string(route.pattern) + "; allowed: " + std::string(route.allow));
    r.headers.emplace_back("Allow", route.allow);
    return r;
  }
  if (is_write(request.method) && context_.replica) {
    json::Json body = json::error(ErrorCode::read_only_replica, "this server is a read replica of " +
                                                                   context_.replica->primary +
                                                                   "; send writes to the primary");
    body["error"]["primary"] = context_.replica->primary;
    Response r = json_response(describe(ErrorCode::read_only_replica).http_status, body);
    r.headers.emplace_back("X-Poleloc-Primary", context_.replica->primary);
    return r;
  }
  if (is_write(request.method) || route.read_needs_token) {
    if (Response denied = check_token(request, context_.tokens, writer, is_write(request.method)); denied.status != 0) {
      return denied;
    }
  }
  return Response{.status = 0};
}

Response RequestHandler::dispatch(const Request& request, std::size_t& route_index, const NamedToken*& writer) const {
  if (Response refused = admit(request, route_index, writer); refused.status != 0) return refused;
  const Target target = split_target(request.target);
  const auto match = match_route(target.path);
  const Route& route = *match->route;
  const Endpoint endpoint = request.method == "PUT"      ? route.put
                            : request.method == "DELETE" ? route.del
                            : request.method == "POST"   ? route.post
                                                         : route.get;
  const Call call{request, route, std::span<const std::string_view>(match->params.data(), match->param_count),
                  target.query, context_, writer ? std::string_view(writer->name) : std::string_view()};
  return endpoint(call);
}

std::optional<Response> RequestHandler::check_headers(const Request& request, Metrics::Shard& shard) const {
  std::size_t route_index = route_table().size();
  const NamedToken* writer = nullptr;
  Response response = admit(request, route_index, writer);
  if (response.status == 0) return std::nullopt;
  response.close = true;
  finish(request, response, route_index, 0, shard, nullptr);
  return response;
}

Response RequestHandler::handle(const Request& request, Metrics::Shard& shard) const {
  const auto start = std::chrono::steady_clock::now();
  std::size_t route_index = route_table().size();
  const NamedToken* writer = nullptr;
  Response response;
  try {
    response = dispatch(request, route_index, writer);
  } catch (const std::exception& e) {
    write_log_event("internal_error", std::string(request.method) + " " + excerpt(request.target, 200) + ": " + e.what());
    response = error_response(ErrorCode::internal, "internal error while answering; the server log has details");
  } catch (...) {
    write_log_event("internal_error", std::string(request.method) + " " + excerpt(request.target, 200));
    response = error_response(ErrorCode::internal, "internal error while answering; the server log has details");
  }
  response.head = request.method == "HEAD";
  // A long-poll that waits is not answered yet: it is counted and logged once, when it is.
  if (response.wait_for_sequence_after && !request.waited) return response;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  finish(request, response, route_index, seconds, shard, writer);
  return response;
}

Response RequestHandler::refuse(const Request& request, const Status& why, Metrics::Shard& shard) const {
  Response response = error_response(why);
  response.close = true;
  response.head = request.method == "HEAD";
  finish(request, response, route_table().size(), 0, shard, nullptr);
  return response;
}

void RequestHandler::finish(const Request& request, const Response& response, std::size_t route_index,
                            double seconds, Metrics::Shard& shard, const NamedToken* writer) const {
  shard.record(route_index, response.status, seconds, response.poles_served, response.grids_served);
  if (!context_.access_log) return;
  const auto routes = route_table();
  const std::string_view route = route_index < routes.size() ? routes[route_index].pattern : std::string_view("-");
  const std::string target = loggable_target(request.method, request.target, route, context_.log_queries);
  write_access_log({.remote = request.remote,
                    .method = request.method,
                    .target = target,
                    .route = route,
                    .status = response.status,
                    .bytes = response.head ? 0 : response.body.size(),
                    .micros = static_cast<long long>(seconds * 1e6),
                    .writer = writer ? std::string_view(writer->name) : std::string_view()});
}

}  // namespace poleloc::http
