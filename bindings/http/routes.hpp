// routes.hpp: every route the server answers, and the context an endpoint gets.
//
//   auto m = http::match_route("/v1/grids/CY-TJH-001/poles");
//   m->route->pattern;   // "/v1/grids/{id}/poles"
//   m->params[0];        // "CY-TJH-001" (raw, still percent-encoded)
//
// Literal segments win over parameters at the same position and routes are
// tried in table order, so "/v1/poles/nearest" is the nearest-poles route and
// never the pole numbered NEAREST; likewise "/v1/grids/at".
//
// The table is the single source of the server's routes: the request handler
// dispatches from it and a test compares it with the OpenAPI description
// (bindings/http/openapi.json), so neither can gain a route the other lacks.
//
// Thread-safety: immutable static data; pure functions.
#pragma once

#include "allowed_hosts.hpp"
#include "console_config.hpp"
#include "http_message.hpp"
#include "replica_status.hpp"
#include "token_file.hpp"

#include <poleloc/service.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace poleloc::http {

class Metrics;

// What the whole server shares with every endpoint.
struct ServerContext {
  Service& service;
  Metrics& metrics;
  std::vector<NamedToken> tokens;         // bearer tokens for writes; none refuses writes
  AllowedHosts allowed_hosts;             // Host headers answered; others get 421
  std::size_t max_target_bytes = 8192;    // longer request-targets get 413
  bool access_log = true;
  bool log_queries = false;               // log caller speech and locations (personal data)
  std::optional<TileSource> tiles;        // the console's base map; none: offline (console_config.hpp)
  std::string console_policy = console_csp(nullptr);  // the console's CSP header, made once from `tiles`
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<long> open_connections{0};
  std::atomic<long> connections_refused{0};  // turned away at max_connections
  std::string import_dir;                 // POST /v1/import reads files only inside it; empty refuses (403)
  const ReplicaStatus* replica = nullptr; // set on a read replica: writes get 409 read_only_replica
  std::string backup_dir;                 // POST /v1/backup writes backups into it; empty refuses (403)
  double boundary_m = kBoundaryNeighbourDefaultM;  // default of the boundary_m query parameter (docs/boundary.md)
};

struct Route;

// One request as an endpoint sees it: decode → parse → validate → facade → serialise.
struct Call {
  const Request& request;
  const Route& route;
  std::span<const std::string_view> params;  // raw path parameters, in pattern order
  std::string_view query;                    // raw query string (after '?')
  ServerContext& server;
  std::string_view writer = {};              // the token's name, for writes (WriteOptions::author)
};

using Endpoint = Response (*)(const Call&);

struct Route {
  std::string_view pattern;  // OpenAPI path template, e.g. "/v1/grids/{id}/poles"
  Endpoint get = nullptr;
  Endpoint put = nullptr;
  Endpoint del = nullptr;
  std::string_view allow;    // the methods, for a 405's Allow header (HEAD wherever GET is)
  std::string_view asset;    // for console routes: the embedded file served
  Endpoint post = nullptr;
  bool read_needs_token = false;  // GET too needs the bearer token (the report on the data's quality)
};

std::span<const Route> route_table();

inline constexpr std::size_t kMaxPathParams = 2;

struct RouteMatch {
  const Route* route = nullptr;
  std::size_t index = 0;  // position in route_table()
  std::array<std::string_view, kMaxPathParams> params{};
  std::size_t param_count = 0;
};

// The route whose pattern matches `path` (no query), or nullopt.
std::optional<RouteMatch> match_route(std::string_view path);

}  // namespace poleloc::http
