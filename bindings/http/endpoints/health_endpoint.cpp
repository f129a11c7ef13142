// GET /healthz: is the server answering, and on what data.
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include <poleloc/error_catalogue.hpp>

#include <chrono>
#include <cstdint>

namespace poleloc::http::endpoints {

Response get_healthz(const Call& call) {
  if (auto st = no_query(call); !st) return error_response(st);
  const auto stats = call.server.service.snapshot()->stats();
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - call.server.started).count();
  // Degraded: reads are answered, but writes are refused because storage failed.
  const Status problem = call.server.service.write_problem();
  json::Json body{{"status", problem ? "ok" : "degraded"},
                  {"poles", stats.poles},
                  {"grids", stats.grids},
                  {"aliases", stats.aliases},
                  {"sequence", stats.sequence},
                  {"snapshot_age_s", static_cast<double>(now_ms - stats.built_unix_ms) / 1000.0},
                  {"writable", !call.server.tokens.empty() && !call.server.service.read_only() && problem.is_ok()},
                  {"uptime_s", static_cast<std::int64_t>(uptime)}};
  if (const ReplicaStatus* replica = call.server.replica) {
    // A read replica: how far behind its primary it is, and since when it has not heard from it.
    const std::uint64_t primary = replica->primary_sequence.load();
    body["writable"] = false;
    body["replica"] = {{"primary", replica->primary},
                       {"connected", replica->connected.load()},
                       {"primary_sequence", primary},
                       {"behind", primary > stats.sequence ? primary - stats.sequence : 0},
                       {"last_contact_s", replica->seconds_since_contact(call.server.started)}};
  }
  if (!problem) body["degraded"] = {{"code", describe(problem.code()).json_code}, {"reason", problem.message()}};
  Response r = json_response(200, body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace poleloc::http::endpoints
