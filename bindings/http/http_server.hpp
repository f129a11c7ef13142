// http_server.hpp: the HTTP face of poleloc (API v1 and the dispatcher console).
//
//   poleloc::http::ServerOptions options;
//   options.listen = "127.0.0.1:8080";
//   options.token_file = "/etc/poleloc/token";   // empty: writes are refused
//   return poleloc::http::serve(*service, options); // blocks until SIGTERM/SIGINT
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
};

// Serves until SIGTERM or SIGINT, then shuts down gracefully. Returns the exit status.
int serve(Service& service, const ServerOptions& options);

}  // namespace poleloc::http
