// http_server.hpp: the HTTP face of poleloc (API v1 and the dispatcher console).
//
//   poleloc::http::ServerOptions options;
//   options.listen = "127.0.0.1:8080";
//   options.token_file = "/etc/poleloc/token";   // empty: writes are refused
//   return poleloc::http::serve(*service, options); // blocks until SIGTERM/SIGINT
//
// On start it prints one line on stdout, "listening on http://127.0.0.1:PORT"
// (the real port when asked for port 0), and from then on one JSON access-log
// line per request on stderr (see access_log.hpp). Routes are listed in
// routes.cpp and described in openapi.json (GET /v1/openapi.json).
//
// Threads: `threads` I/O threads, each with its own event loop and its own
// connections, answer reads inline (a query is microseconds); writes run on one
// writer thread so that a snapshot rebuild never stalls readers.
//
// Shutdown: SIGTERM or SIGINT stops accepting, lets requests in progress finish
// (idle keep-alive connections are closed), waits up to shutdown_grace_s, and returns 0.
//
// Kept free of Boost.Beast so including it costs nothing.
#pragma once

#include <poleloc/service.hpp>

#include <cstddef>
#include <string>

namespace poleloc::http {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  std::string token_file;                 // bearer token for writes; empty refuses every write
  unsigned threads = 2;                   // I/O threads
  std::size_t max_body_bytes = 8 << 20;   // larger bodies get 413
  std::size_t max_header_bytes = 16 << 10;  // request line + headers; larger get 413
  std::size_t max_target_bytes = 8 << 10;   // request-target (path and query); longer get 413
  unsigned idle_timeout_s = 30;           // a connection idle (or a request unfinished) this long is closed
  unsigned shutdown_grace_s = 10;         // how long requests in progress may take after SIGTERM
  bool access_log = true;                 // one JSON line per request on stderr
};

// Serves until SIGTERM or SIGINT, then shuts down gracefully. Returns the exit
// status: 0 after a clean shutdown, 2 for bad options (listen address, token
// file), 4 when the address cannot be bound.
int serve(Service& service, const ServerOptions& options);

}  // namespace poleloc::http
