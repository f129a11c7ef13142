// POST /v1/backup: a backup of the served database into the server's
// --backup-dir, through the running instance (Service::backup: a RocksDB
// checkpoint on a writing server), so it holds every write acknowledged
// before the request while writes go on.
//
//   POST /v1/backup   {"name":"nightly-2026-12-01"}   (body optional)
//   201 {"name":"nightly-2026-12-01","sequence":48213,"bytes":82019581,"method":"checkpoint"}
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include "../request_body.hpp"

#include <nlohmann/json.hpp>

#include <ctime>
#include <filesystem>
#include <string>

namespace poleloc::http::endpoints {
namespace {

namespace fs = std::filesystem;

Status bad(std::string message) { return {ErrorCode::bad_request, std::move(message)}; }

bool is_backup_name(const std::string& name) {
  if (name.empty() || name.size() > 100 || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string default_name() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "poleloc-%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace

Response post_backup(const Call& call) {
  if (auto st = no_query(call); !st) return error_response(st);
  if (call.server.backup_dir.empty()) {
    return error_response(ErrorCode::read_only,
                          "backups over HTTP are disabled: the server was started without --backup-dir DIR");
  }
  std::string name = default_name();
  const std::string_view body_text = call.request.body;
  if (!body_text.empty()) {
    if (json_nesting_depth(body_text) > kMaxJsonDepth) return error_response(bad("the request body nests too deeply"));
    nlohmann::json body;
    try {
      body = nlohmann::json::parse(body_text.begin(), body_text.end());
    } catch (const nlohmann::json::exception&) {
      return error_response(bad("the request body is not valid JSON; expected {\"name\":\"nightly-2026-12-01\"} or nothing"));
    }
    if (!body.is_object()) return error_response(bad("the request body must be a JSON object"));
    for (auto it = body.begin(); it != body.end(); ++it) {
      if (it.key() != "name") return error_response(bad("unknown member '" + it.key() + "'; accepted: name"));
      if (!it.value().is_string() || !is_backup_name(it.value().get<std::string>())) {
        return error_response(bad("name must be letters, digits, '.', '_' or '-' (at most 100, not starting with '.')"));
      }
      name = it.value().get<std::string>();
    }
  }
  const std::string out = (fs::path(call.server.backup_dir) / name).string();
  auto report = call.server.service.backup(out);
  if (!report) {
    // The message names the server's directory: say the name only.
    const Status& st = report.status();
    std::string message = st.message();
    for (auto pos = message.find(call.server.backup_dir); pos != std::string::npos;
         pos = message.find(call.server.backup_dir, pos)) {
      message.replace(pos, call.server.backup_dir.size(), "<backup-dir>");
    }
    return error_response(Status(st.code(), std::move(message)));
  }
  return json_response(201, json::Json{{"name", name},
                                       {"sequence", report->sequence},
                                       {"bytes", report->bytes},
                                       {"method", report->checkpoint ? "checkpoint" : "copy"}});
}

}  // namespace poleloc::http::endpoints
