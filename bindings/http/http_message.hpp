// http_message.hpp: a request and a response as the request handler and the
// endpoints see them, free of Boost.Beast so that handlers are tested without
// a socket and cheap to compile.
//
//   Request req{.method = "GET", .target = "/v1/poles/TJH0372"};
//   Response res = handler.handle(req, metrics.shard(0));
//   res.status;   // 200
//   res.body;     // {"number":"TJH0372",...}
//
// The string_views of a Request point into the connection's buffers and live
// until the response has been written.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace poleloc::http {

struct Request {
  std::string_view method;         // "GET", "PUT", ...
  std::string_view target;         // raw request-target: path and query, percent-encoded
  std::string_view authorization;  // the Authorization header, may be empty
  std::string_view body;
  std::string_view remote;         // peer "ip:port", for the access log
  std::string_view host;           // the Host header; empty when absent
  bool loopback = false;           // the peer is on this machine (127.0.0.0/8, ::1)
  bool waited = false;             // a long-poll asked again after waiting: answer now, do not wait again
};

inline constexpr std::string_view kJson = "application/json";
inline constexpr std::string_view kGeoJson = "application/geo+json";

struct Response {
  int status = 200;
  std::string_view content_type = kJson;  // static text; empty: no Content-Type (no body)
  std::string body;
  // Further headers (Allow, WWW-Authenticate, Cache-Control, ...); names and
  // values are static text or outlive the response (route table, assets).
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  bool close = false;              // close the connection after this response
  bool head = false;               // answer to HEAD: headers (Content-Length of the body) but no body
  std::size_t poles_served = 0;    // for the metrics: poles and grids in the answer
  std::size_t grids_served = 0;
  // A long-poll (GET /v1/changes?wait=) with nothing to send yet: the
  // connection holds the request, without blocking its thread, until the
  // service publishes a sequence greater than this one or `wait_for` passes,
  // then asks the handler again with Request::waited set and sends that answer.
  std::optional<std::uint64_t> wait_for_sequence_after;
  std::chrono::milliseconds wait_for{0};
};

// Appends the response as HTTP/1.x bytes: status line, Content-Type,
// Content-Length, Connection when it differs from the version's default, the
// further headers, then the body (not for a HEAD answer). Written by hand rather than by Beast's
// serializer: the answers are small and this is a measurable part of a lookup.
void append_http_response(std::string& out, const Response& response, unsigned version, bool keep_alive);

// "OK", "Not Found", ... for the statuses the server uses; "Unknown" otherwise.
std::string_view reason_phrase(int status);

}  // namespace poleloc::http
