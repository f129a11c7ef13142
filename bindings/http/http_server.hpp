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
// Limits (all in ServerOptions, flags of `poleloc serve`, SECURITY.md): at
// start the descriptor limit (RLIMIT_NOFILE) is raised to its hard limit and a
// reserve is kept; connections beyond max_connections are answered 503 with
// Retry-After and closed; near the cap idle connections time out sooner; see
// connection.hpp for the body, buffered-bytes and write-queue limits.
//
// Shutdown: SIGTERM or SIGINT stops accepting, lets requests in progress finish
// (idle keep-alive connections are closed), waits up to shutdown_grace_s, and returns 0.
//
// Kept free of Boost.Beast so including it costs nothing.
#pragma once

#include "replica_status.hpp"

#include <poleloc/service.hpp>

#include <cstddef>
#include <string>

namespace poleloc::http {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  std::string token_file;                 // NAME:TOKEN lines for writes (token_file.hpp); empty refuses every write
  std::string allowed_hosts;              // extra Host names, comma-separated (allowed_hosts.hpp); "*" any
  unsigned threads = 2;                   // I/O threads
  std::size_t max_body_bytes = 8 << 20;   // larger bodies get 413 (before they are read)
  std::size_t max_header_bytes = 16 << 10;  // request line + headers; larger get 413
  std::size_t max_target_bytes = 8 << 10;   // request-target (path and query); longer get 413
  std::size_t max_connections = 0;        // 0: min(1024, descriptors left after the reserve); beyond: 503
  std::size_t max_buffered_bytes = 64 << 20;  // request bodies held at once, all connections; beyond: 503
  std::size_t max_pending_writes = 64;    // writes waiting for the writer; beyond: 503
  unsigned write_deadline_s = 10;         // a write that waited longer before starting is not applied (503)
  unsigned idle_timeout_s = 30;           // a connection idle (or its headers unfinished) this long is closed
  unsigned shutdown_grace_s = 10;         // how long requests in progress may take after SIGTERM
  bool access_log = true;                 // one JSON line per request on stderr
  bool log_queries = false;               // log caller speech and locations too (personal data)
  std::string tiles;                      // console base map URL template, {z}/{x}/{y} (console_config.hpp); empty: offline
  std::string tiles_crs = "wgs84";        // the tiles' datum: wgs84 or gcj02
  std::string tiles_attribution;          // plain text shown on the map
  std::string import_dir;                 // POST /v1/import may read files inside it; empty refuses (403)
  // A read replica (serve --follow): every write is answered 409
  // read_only_replica naming the primary; /healthz and /metrics report the lag.
  const ReplicaStatus* replica = nullptr;
  std::string backup_dir;                 // POST /v1/backup writes a checkpoint into it; empty refuses (403)
  double boundary_m = kBoundaryNeighbourDefaultM;  // default of the boundary_m query parameter (docs/boundary.md)
};

// Descriptors kept free for RocksDB (its table files), the logs and refusing
// connections beyond max_connections: at least this many...
inline constexpr std::size_t kMinDescriptorReserve = 64;
// ...or this fraction (1/8) of the descriptor limit, whichever is more (at most 512).
inline constexpr std::size_t kDescriptorReserveShare = 8;

// Serves until SIGTERM or SIGINT, then shuts down gracefully. Returns the exit
// status: 0 after a clean shutdown, 2 for bad options (listen address, token
// file: unreadable, group/other-readable, short or malformed tokens; allowed
// hosts; tile source), 4 when the address cannot be bound.
int serve(Service& service, const ServerOptions& options);

}  // namespace poleloc::http
