// GET /v1/changes?after=SEQ&skip=N&limit=N&wait=30s: the change feed
// (docs/history.md). With `wait`, a request that finds nothing new is held
// by its connection (no thread waits) until a write is published or the
// wait is over, then answered; see Response::wait_for_sequence_after.
#include "endpoint_support.hpp"
#include "endpoints.hpp"

namespace poleloc::http::endpoints {
namespace {

// A long-poll is held at most this long (clients ask again).
constexpr std::chrono::milliseconds kMaxWait = std::chrono::seconds(60);
constexpr std::size_t kDefaultLimit = 1000;

}  // namespace

Response get_changes(const Call& call) {
  auto params = parse_query(call.query, {"after", "skip", "limit", "wait"});
  if (!params) return error_response(params.status());
  std::uint64_t after = 0, skip = 0;
  std::size_t limit = kDefaultLimit;
  if (const std::string* a = params->find("after")) {
    auto n = parse_count(*a, "after");
    if (!n) return error_response(n.status());
    after = *n;
  }
  if (const std::string* s = params->find("skip")) {
    auto n = parse_count(*s, "skip");
    if (!n) return error_response(n.status());
    skip = *n;
  }
  if (const std::string* l = params->find("limit")) {
    auto n = parse_count(*l, "limit");
    if (!n) return error_response(n.status());
    limit = *n;
  }
  std::chrono::milliseconds wait{0};
  if (const std::string* w = params->find("wait")) {
    auto d = parse_duration(*w, "wait", kMaxWait);
    if (!d) return error_response(d.status());
    wait = *d;
  }
  auto page = call.server.service.changes_after(after, limit, skip);
  if (!page) return error_response(page.status());
  Response r = json_response(200, json::feed_page(*page));
  if (page->changes.empty() && wait.count() > 0 && !call.request.waited) {
    r.wait_for_sequence_after = page->sequence;
    r.wait_for = wait;
  }
  return r;
}

}  // namespace poleloc::http::endpoints
