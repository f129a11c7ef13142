// GET /metrics: Prometheus text exposition format (version 0.0.4).
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include "../metrics.hpp"

#include <chrono>
#include <cstdio>

namespace poleloc::http::endpoints {
namespace {

void gauge(std::string& out, const char* name, const char* help, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + " " + buf + "\n";
}

}  // namespace

Response get_metrics(const Call& call) {
  if (auto st = no_query(call); !st) return error_response(st);
  const auto stats = call.server.service.snapshot()->stats();
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  std::string& out = r.body;
  out.reserve(16384);
  call.server.metrics.render(out);
  gauge(out, "poleloc_snapshot_poles", "Poles in the snapshot being served.", static_cast<double>(stats.poles));
  gauge(out, "poleloc_snapshot_grids", "Grids in the snapshot being served.", static_cast<double>(stats.grids));
  gauge(out, "poleloc_snapshot_aliases", "Area-code aliases in the snapshot being served.",
        static_cast<double>(stats.aliases));
  gauge(out, "poleloc_snapshot_sequence", "Store sequence number the served snapshot reflects.",
        static_cast<double>(stats.sequence));
  gauge(out, "poleloc_snapshot_age_seconds", "Seconds since the served snapshot was built.",
        static_cast<double>(now_ms - stats.built_unix_ms) / 1000.0);
  if (!call.server.service.read_only()) {
    const Service::MergeActivity merge = call.server.service.merge_activity();
    gauge(out, "poleloc_overlay_poles", "Poles written since the base snapshot, not merged into it yet.",
          static_cast<double>(stats.overlay_poles));
    gauge(out, "poleloc_overlay_grids", "Grids written since the base snapshot, not merged into it yet.",
          static_cast<double>(stats.overlay_grids));
    out += "# HELP poleloc_merges_total Base snapshots built in the background from recent writes.\n"
           "# TYPE poleloc_merges_total counter\n"
           "poleloc_merges_total " + std::to_string(merge.merges) + "\n";
    out += "# HELP poleloc_overlay_folds_total Recent writes folded into the overlay's delta in the background.\n"
           "# TYPE poleloc_overlay_folds_total counter\n"
           "poleloc_overlay_folds_total " + std::to_string(merge.folds) + "\n";
    gauge(out, "poleloc_merge_running", "1 while a merge builds a new base snapshot, else 0.", merge.building ? 1.0 : 0.0);
  }
  gauge(out, "poleloc_http_connections_open", "Client connections currently open.",
        static_cast<double>(call.server.open_connections.load(std::memory_order_relaxed)));
  const auto refused = call.server.connections_refused.load(std::memory_order_relaxed);
  out += "# HELP poleloc_http_connections_refused_total Connections turned away (503) at --max-connections.\n"
         "# TYPE poleloc_http_connections_refused_total counter\n"
         "poleloc_http_connections_refused_total " + std::to_string(refused) + "\n";
  if (const ReplicaStatus* replica = call.server.replica) {
    const std::uint64_t primary = replica->primary_sequence.load();
    gauge(out, "poleloc_replica_primary_sequence", "The primary's newest sequence at the last contact.",
          static_cast<double>(primary));
    gauge(out, "poleloc_replica_lag_sequences", "Sequences of the primary this replica does not serve yet.",
          static_cast<double>(primary > stats.sequence ? primary - stats.sequence : 0));
    gauge(out, "poleloc_replica_last_contact_seconds", "Seconds since the primary last answered this replica.",
          replica->seconds_since_contact(call.server.started));
    gauge(out, "poleloc_replica_connected", "1 when the last request to the primary was answered, else 0.",
          replica->connected.load() ? 1.0 : 0.0);
    out += "# HELP poleloc_replica_errors_total Failed requests to the primary.\n"
           "# TYPE poleloc_replica_errors_total counter\n"
           "poleloc_replica_errors_total " + std::to_string(replica->errors.load()) + "\n";
  }
  gauge(out, "poleloc_uptime_seconds", "Seconds since the server started.",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - call.server.started).count());
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace poleloc::http::endpoints
