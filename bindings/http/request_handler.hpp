// request_handler.hpp: the cross-cutting work around every endpoint.
//
//   RequestHandler handler(context);
//   Response res = handler.handle(request, context.metrics.shard(worker));
//
// In order: request-target length (413), route lookup (404), method check (405
// with Allow), for PUT/DELETE the bearer token (403 when the server has no
// token, 401 without a valid one), then the endpoint, with any exception turned
// into a 500 JSON error; then the latency histogram, request counters and one
// access log line. Body size and header limits are enforced while reading, by
// the connection, which reports them through refuse().
//
// Thread-safety: const; call from any number of threads, each with its own shard.
#pragma once

#include "http_message.hpp"
#include "metrics.hpp"
#include "routes.hpp"

#include <poleloc/status.hpp>

#include <string>
#include <vector>

namespace poleloc::http {

class RequestHandler {
 public:
  explicit RequestHandler(ServerContext& context) : context_(context) {}

  Response handle(const Request& request, Metrics::Shard& shard) const;

  // The answer to a request that could not be read completely (too large,
  // malformed HTTP): counted, logged, and sent with Connection: close.
  Response refuse(const Request& request, const Status& why, Metrics::Shard& shard) const;

  // Writes are run off the I/O threads (they rebuild the snapshot); the
  // connection asks this before calling handle().
  static bool is_write(std::string_view method) { return method == "PUT" || method == "DELETE"; }

  // Metric label of each route_table() entry, then "unmatched" for 404s and
  // refused requests; index = route index.
  static std::vector<std::string> route_labels();

 private:
  Response dispatch(const Request& request, std::size_t& route_index) const;
  void finish(const Request& request, const Response& response, std::size_t route_index, double seconds,
              Metrics::Shard& shard) const;

  ServerContext& context_;
};

}  // namespace poleloc::http
