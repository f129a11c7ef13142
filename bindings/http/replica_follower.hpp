// replica_follower.hpp: a read replica keeps its database in step with a
// primary poleloc server (`poleloc serve --follow URL`, docs/replicas.md).
//
//   auto url = http::parse_primary_url("http://10.0.0.5:8080");          // Result<PrimaryUrl>
//   http::ReplicaStatus status;  status.primary = url->text;
//   if (no database yet) http::clone_from_primary(*url, "var/db", status);  // GET /v1/snapshot + restore
//   auto service = Service::open("var/db");
//   http::ReplicaFollower follower(**service, *url, status);          // a thread: GET /v1/changes?wait=
//   ... serve ...; follower.stop();
//
// The follower long-polls GET /v1/changes?after=SEQ&wait=20s from the
// sequence its database holds (so a restart resumes where it stopped) and
// writes each complete sequence with the primary's sequence number, time and
// author (Service::apply_replicated). When the primary does not answer it
// retries with a backoff from 100 ms doubling to 5 s, and records the lag
// and the last contact in `status` for /healthz and /metrics. Each event
// (connected, lost, applied, refused) is one JSON line on stderr.
//
// Thread-safety: one thread of its own; stop() (and the destructor) may be
// called from any thread and returns once the thread has ended.
#pragma once

#include "replica_status.hpp"

#include <poleloc/service.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace poleloc::http {

struct PrimaryUrl {
  std::string text;  // as given, without a trailing '/'
  std::string host;  // name or address (IPv6 without brackets)
  std::string port;  // "80" when not given
  std::string base;  // path prefix without a trailing '/' ("" for the root)
};

// "http://HOST[:PORT][/PREFIX]"; bad_request for anything else (https is not spoken: put a TLS proxy beside).
Result<PrimaryUrl> parse_primary_url(std::string_view url);

// A page of the primary's change feed, as the follower reads it.
struct ReplicaFeedPage {
  std::vector<FeedChange> changes;
  std::uint64_t next_after = 0;
  std::uint64_t next_skip = 0;
  std::uint64_t sequence = 0;
};
// Parses the body of GET /v1/changes (docs/history.md); invalid_input says what is wrong.
Result<ReplicaFeedPage> parse_feed_page(std::string_view body);

// Creates the database at `db_path` (which must not exist or be empty) from
// the primary's GET /v1/snapshot: the history dump is downloaded beside it
// (`db_path`.snapshot.ndjson, removed afterwards) and restored
// (Service::restore_history). Retries with backoff while the primary cannot
// be reached, up to `attempts` times. Errors: those of the restore, or
// storage_unavailable when the primary did not answer.
Status clone_from_primary(const PrimaryUrl& url, const std::string& db_path, ReplicaStatus& status,
                          int attempts = 50);

class ReplicaFollower {
 public:
  ReplicaFollower(Service& service, PrimaryUrl url, ReplicaStatus& status);
  ~ReplicaFollower();
  ReplicaFollower(const ReplicaFollower&) = delete;
  ReplicaFollower& operator=(const ReplicaFollower&) = delete;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace poleloc::http
