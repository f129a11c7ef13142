// GET /v1/snapshot: the whole database with its history, for a read replica
// starting from nothing (docs/replicas.md). The body is the history dump of
// `poleloc export --with-history` (docs/history.md, NDJSON); its header line
// names the sequence it is consistent at, from which the replica follows
// GET /v1/changes. No token, like every read: the feed shows the same data.
//
// The dump is written to a temporary file and sent from memory, so it costs
// the database's size in memory while it is sent; the I/O thread answering it
// is busy meanwhile (the other threads answer).
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace poleloc::http::endpoints {

Response get_snapshot(const Call& call) {
  if (auto st = no_query(call); !st) return error_response(st);
  static std::atomic<unsigned> counter{0};
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path tmp = fs::temp_directory_path(ec) / ("poleloc-snapshot-" + std::to_string(::getpid()) + "-" +
                                                      std::to_string(counter.fetch_add(1)) + ".ndjson");
  if (ec) return error_response(ErrorCode::io_error, "no temporary directory for the snapshot");
  if (auto st = call.server.service.export_history(tmp.string()); !st) {
    fs::remove(tmp, ec);
    return error_response(st);
  }
  Response r;
  {
    std::ifstream in(tmp, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    r.body = std::move(text).str();
  }
  fs::remove(tmp, ec);
  r.status = 200;
  r.content_type = "application/x-ndjson";
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace poleloc::http::endpoints
