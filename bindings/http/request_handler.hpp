// request_handler.hpp: the cross-cutting work around every endpoint.
//
//   RequestHandler handler(context);
//   Response res = handler.handle(request, context.metrics.shard(worker));
//
// In order: the Host header (421 host_not_allowed unless allowed, see
// allowed_hosts.hpp; without Host only from a loopback peer), request-target
// length (413), route lookup (404), method check (405 with Allow; HEAD is
// answered wherever GET is, without the body), for PUT/DELETE/POST the bearer token
// (403 when the server has no token, 401 without a valid one), then the
// endpoint, with any exception turned into a 500 JSON error; then the latency
// histogram, request counters and one access log line (with the writer's
// token name for writes; without caller speech and locations unless
// log_queries, see access_log.hpp).
//
// The steps before the endpoint need only the request line and headers:
// check_headers() runs them as soon as the headers are read, so that a body is
// never read for a request that would be refused (an unauthenticated PUT gets
// its 401 before a byte of its body is accepted). Body size and header limits
// are enforced while reading, by the connection, which reports them through refuse().
//
// Error bodies never carry file paths or library internals: a 5xx answer
// (other than 503 overloaded) says only what failed, and the detail goes to the
// server log (see response.cpp).
//
// Thread-safety: const; call from any number of threads, each with its own shard.
#pragma once

#include "http_message.hpp"
#include "metrics.hpp"
#include "routes.hpp"

#include <poleloc/status.hpp>

#include <optional>
#include <string>
#include <vector>

namespace poleloc::http {

class RequestHandler {
 public:
  explicit RequestHandler(ServerContext& context) : context_(context) {}

  Response handle(const Request& request, Metrics::Shard& shard) const;

  // The checks that need only the request line and headers (Host, target,
  // route, method, token). nullopt: the request may go on and its body may be
  // read. Otherwise the refusal, already counted and logged, with close set.
  std::optional<Response> check_headers(const Request& request, Metrics::Shard& shard) const;

  // The answer to a request that could not be read completely (too large,
  // malformed HTTP) or is turned away (overloaded): counted, logged, and sent
  // with Connection: close.
  Response refuse(const Request& request, const Status& why, Metrics::Shard& shard) const;

  // Writes are run off the I/O threads (they rebuild the snapshot); the
  // connection asks this before calling handle().
  static bool is_write(std::string_view method) { return method == "PUT" || method == "DELETE" || method == "POST"; }

  // Metric label of each route_table() entry, then "unmatched" for 404s and
  // refused requests; index = route index.
  static std::vector<std::string> route_labels();

 private:
  // Everything before the endpoint; status 0 when admitted.
  Response admit(const Request& request, std::size_t& route_index, const NamedToken*& writer) const;
  Response dispatch(const Request& request, std::size_t& route_index, const NamedToken*& writer) const;
  void finish(const Request& request, const Response& response, std::size_t route_index, double seconds,
              Metrics::Shard& shard, const NamedToken* writer) const;

  ServerContext& context_;
};

}  // namespace poleloc::http
