// replica_status.hpp: what a read replica (`poleloc serve --follow URL`,
// docs/replicas.md) knows about its primary, shared by the follower thread
// (replica_follower.hpp) that writes it and the /healthz and /metrics
// endpoints that read it.
//
//   poleloc::http::ReplicaStatus status;
//   status.primary = "http://10.0.0.5:8080";
//   options.replica = &status;          // ServerOptions: writes answer 409 read_only_replica
//
// Thread-safety: the members but `primary` are atomics; `primary` is set
// before the server starts and never changes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace poleloc::http {

struct ReplicaStatus {
  std::string primary;                          // the primary's base URL, e.g. "http://10.0.0.5:8080"
  std::atomic<std::uint64_t> primary_sequence{0};  // the primary's newest sequence at the last contact
  std::atomic<std::int64_t> last_contact_ms{0};    // steady-clock ms of the last answer from the primary; 0: never
  std::atomic<bool> connected{false};           // the last request to the primary was answered
  std::atomic<std::uint64_t> errors{0};         // failed requests to the primary since the start

  static std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  // Seconds since the primary last answered (since the start when it never did).
  double seconds_since_contact(std::chrono::steady_clock::time_point started) const {
    const std::int64_t last = last_contact_ms.load();
    const std::int64_t from = last != 0 ? last
                                        : std::chrono::duration_cast<std::chrono::milliseconds>(
                                              started.time_since_epoch())
                                              .count();
    return static_cast<double>(now_ms() - from) / 1000.0;
  }
};

}  // namespace poleloc::http
