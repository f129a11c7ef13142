// replica_follower.cpp: the read replica's side of replication (see the header).
//
// The HTTP client is Boost.Beast's, driven by one io_context per call on the
// follower's own thread: every step of a request has a deadline (the
// tcp_stream's expiry), and stop() ends a long-poll at once by stopping the
// io_context instead of waiting for the primary to answer.
#include "replica_follower.hpp"

#include <poleloc/attribute_json.hpp>
#include <poleloc/time_text.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stop_token>

namespace poleloc::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Json = nlohmann::json;

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};
constexpr const char* kWait = "20s";                       // the long-poll, as asked of the primary
constexpr std::chrono::seconds kPollDeadline{30};          // a poll not answered by then is given up
constexpr std::chrono::seconds kSnapshotDeadline{3600};
constexpr std::size_t kFeedLimit = 1000;

void log_event(const std::string& event, const std::string& detail) {
  Json j{{"event", event}};
  if (!detail.empty()) j["message"] = detail;
  const std::string line = j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

struct Answer {
  int status = 0;
  std::string body;
};

// One GET to the primary; io_error when it does not answer (in time). Another
// thread may end it at once with ioc.stop() (after requesting `stop`).
Result<Answer> http_get(net::io_context& ioc, const PrimaryUrl& url, const std::string& target,
                        std::chrono::seconds deadline, std::stop_token stop = {}) {
  ioc.restart();
  // A stop requested from here on stops run() below (restart() no longer clears it).
  if (stop.stop_requested()) return Status(ErrorCode::storage_unavailable, "stopped");
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, url.base + target, 11};
  req.set(bhttp::field::host, url.host + ":" + url.port);
  req.set(bhttp::field::user_agent, "poleloc-replica");
  req.set(bhttp::field::connection, "close");
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(boost::none);
  beast::error_code result;
  bool done = false;
  stream.expires_after(deadline);
  resolver.async_resolve(url.host, url.port, [&](beast::error_code ec, tcp::resolver::results_type hosts) {
    if (ec) { result = ec; done = true; return; }
    stream.async_connect(hosts, [&](beast::error_code ec2, const tcp::endpoint&) {
      if (ec2) { result = ec2; done = true; return; }
      bhttp::async_write(stream, req, [&](beast::error_code ec3, std::size_t) {
        if (ec3) { result = ec3; done = true; return; }
        bhttp::async_read(stream, buffer, parser, [&](beast::error_code ec4, std::size_t) {
          result = ec4;
          done = true;
        });
      });
    });
  });
  ioc.run();
  if (!done) return Status(ErrorCode::storage_unavailable, "stopped");
  if (result) return Status(ErrorCode::io_error, url.text + target + ": " + result.message());
  Answer a;
  a.status = static_cast<int>(parser.get().result_int());
  a.body = std::move(parser.get().body());
  return a;
}

// ---- the feed's JSON back into FeedChange ----

struct BadFeed {
  std::string why;
};

const Json& need(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) throw BadFeed{std::string("missing \"") + key + "\""};
  return *it;
}
std::string need_string(const Json& j, const char* key) {
  const Json& v = need(j, key);
  if (!v.is_string()) throw BadFeed{std::string("\"") + key + "\" must be a string"};
  return v.get<std::string>();
}
double need_number(const Json& j, const char* key) {
  const Json& v = need(j, key);
  if (!v.is_number()) throw BadFeed{std::string("\"") + key + "\" must be a number"};
  return v.get<double>();
}
std::uint64_t need_u64(const Json& j, const char* key) {
  const Json& v = need(j, key);
  if (!v.is_number_unsigned()) throw BadFeed{std::string("\"") + key + "\" must be a whole number"};
  return v.get<std::uint64_t>();
}
Attributes attributes_of(const Json& r) {
  Attributes out;
  auto it = r.find("attributes");
  if (it == r.end() || it->is_null()) return out;
  if (!it->is_object()) throw BadFeed{"\"attributes\" must be an object"};
  for (const auto& [k, v] : it->items()) {
    if (v.is_null()) continue;
    auto a = attribute_from_json(k, v);
    if (!a) throw BadFeed{"attribute \"" + k + "\" must be a string, number or boolean"};
    out.push_back(std::move(*a));
  }
  return out;
}
Polygon polygon_of(const Json& j) {
  if (!j.is_array()) throw BadFeed{"a polygon must be an array of rings"};
  Polygon p;
  for (const Json& r : j) {
    if (!r.is_array()) throw BadFeed{"a ring must be an array of positions"};
    Ring ring;
    ring.reserve(r.size());
    for (const Json& pos : r) {
      if (!pos.is_array() || pos.size() < 2 || !pos[0].is_number() || !pos[1].is_number()) {
        throw BadFeed{"a position must be [lon, lat]"};
      }
      ring.push_back({pos[0].get<double>(), pos[1].get<double>()});
    }
    p.rings.push_back(std::move(ring));
  }
  return p;
}
MultiPolygon geometry_of(const Json& g) {
  const std::string type = need_string(g, "type");
  const Json& c = need(g, "coordinates");
  if (type == "Polygon") return {polygon_of(c)};
  if (type != "MultiPolygon" || !c.is_array()) throw BadFeed{"geometry must be a Polygon or MultiPolygon"};
  MultiPolygon m;
  for (const Json& p : c) m.push_back(polygon_of(p));
  return m;
}

FeedChange change_of(const Json& j) {
  FeedChange c;
  c.sequence = need_u64(j, "seq");
  if (auto t = j.find("time"); t != j.end() && !t->is_null()) {
    if (!t->is_string()) throw BadFeed{"\"time\" must be a string"};
    auto when = parse_rfc3339(t->get<std::string>(), "time");
    if (!when) throw BadFeed{when.status().message()};
    c.time = *when;
  }
  c.author = j.contains("author") && !j["author"].is_null() ? need_string(j, "author") : std::string();
  c.kind = need_string(j, "kind");
  if (c.kind != "pole" && c.kind != "grid" && c.kind != "alias" && c.kind != "place") {
    throw BadFeed{"unknown kind \"" + c.kind + "\""};
  }
  c.id = need_string(j, "id");
  const std::string op = need_string(j, "op");
  if (op != "put" && op != "delete") throw BadFeed{"\"op\" must be put or delete"};
  c.deleted = op == "delete";
  if (c.deleted) return c;
  const Json& r = need(j, "record");
  if (!r.is_object()) throw BadFeed{"a put needs a \"record\" object"};
  if (c.kind == "pole") {
    c.pole = PoleRecord{c.id, {need_number(r, "lon"), need_number(r, "lat")}, attributes_of(r)};
  } else if (c.kind == "grid") {
    c.grid = GridRecord{c.id, r.contains("name") && r["name"].is_string() ? r["name"].get<std::string>() : "",
                        attributes_of(r), geometry_of(need(r, "geometry"))};
  } else if (c.kind == "alias") {
    c.alias = AliasRecord{c.id, need_string(r, "code")};
  } else if (c.kind == "place") {
    PlaceRecord p;
    p.name = c.id;
    p.kind = need_string(r, "kind");
    if (r.contains("lon")) p.position = LonLat{need_number(r, "lon"), need_number(r, "lat")};
    else p.grid = need_string(r, "grid");
    c.place = std::move(p);
  } else {
    throw BadFeed{"unknown kind \"" + c.kind + "\""};
  }
  return c;
}

std::chrono::milliseconds next_backoff(std::chrono::milliseconds b) { return std::min(b * 2, kMaxBackoff); }

}  // namespace

Result<PrimaryUrl> parse_primary_url(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return Status(ErrorCode::bad_request,
                  "--follow: " + why + " in '" + std::string(url) + "'; expected http://HOST[:PORT][/PREFIX]");
  };
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) return bad("not an http:// URL");
  PrimaryUrl out;
  std::string_view rest = url.substr(scheme.size());
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  out.text = std::string(scheme) + std::string(rest);
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) out.base = std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos || out.base.find_first_of("?#") != std::string::npos) {
    return bad("user info, query or fragment");
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("an unclosed '['");
    out.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return bad("text after ']'");
      port = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return bad("no host");
  if (port.empty()) {
    out.port = "80";
  } else {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535) return bad("a bad port");
    out.port = std::string(port);
  }
  return out;
}

Result<ReplicaFeedPage> parse_feed_page(std::string_view body) {
  try {
    const Json j = Json::parse(body);
    if (!j.is_object()) throw BadFeed{"not a JSON object"};
    ReplicaFeedPage page;
    page.next_after = need_u64(j, "next_after");
    page.next_skip = need_u64(j, "next_skip");
    page.sequence = need_u64(j, "sequence");
    const Json& changes = need(j, "changes");
    if (!changes.is_array()) throw BadFeed{"\"changes\" must be an array"};
    page.changes.reserve(changes.size());
    for (const Json& c : changes) page.changes.push_back(change_of(c));
    return page;
  } catch (const BadFeed& e) {
    return Status(ErrorCode::invalid_input, "the primary's change feed: " + e.why);
  } catch (const Json::exception& e) {
    return Status(ErrorCode::invalid_input, std::string("the primary's change feed is not JSON: ") + e.what());
  }
}

Status clone_from_primary(const PrimaryUrl& url, const std::string& db_path, ReplicaStatus& status, int attempts) {
  net::io_context ioc;
  auto backoff = kFirstBackoff;
  for (int i = 0; i < attempts; ++i) {
    auto answer = http_get(ioc, url, "/v1/snapshot", kSnapshotDeadline);
    if (answer && answer->status == 200) {
      status.connected = true;
      status.last_contact_ms = ReplicaStatus::now_ms();
      const std::string dump = db_path + ".snapshot.ndjson";
      {
        std::ofstream out(dump, std::ios::binary | std::ios::trunc);
        out << answer->body;
        if (!out.flush()) return {ErrorCode::io_error, "cannot write " + dump};
      }
      auto st = Service::restore_history(db_path, dump);
      std::error_code ec;
      std::filesystem::remove(dump, ec);
      if (st) log_event("replica_cloned", "from " + url.text);
      return st;
    }
    status.connected = false;
    ++status.errors;
    log_event("primary_unreachable",
              answer ? "GET /v1/snapshot answered " + std::to_string(answer->status) : answer.status().message());
    std::this_thread::sleep_for(backoff);
    backoff = next_backoff(backoff);
  }
  return {ErrorCode::storage_unavailable, "the primary " + url.text + " did not send its snapshot"};
}

struct ReplicaFollower::Impl {
  Service& service;
  PrimaryUrl url;
  ReplicaStatus& status;
  net::io_context ioc;
  std::mutex stop_mutex;
  std::condition_variable_any stop_cv;
  std::jthread thread;

  Impl(Service& s, PrimaryUrl u, ReplicaStatus& st) : service(s), url(std::move(u)), status(st) {}

  // Sleeps `d` unless a stop is requested first; false when stopping.
  bool pause(std::stop_token stop, std::chrono::milliseconds d) {
    std::unique_lock lock(stop_mutex);
    stop_cv.wait_for(lock, stop, d, [] { return false; });
    return !stop.stop_requested();
  }

  void run(std::stop_token stop) {
    std::stop_callback on_stop(stop, [this] { ioc.stop(); });
    auto backoff = kFirstBackoff;
    std::uint64_t after = service.sequence(), skip = 0;
    std::vector<FeedChange> pending;  // the start of a sequence that continues on the next page
    bool was_connected = false;
    while (!stop.stop_requested()) {
      const std::string target = "/v1/changes?after=" + std::to_string(after) + "&skip=" + std::to_string(skip) +
                                 "&limit=" + std::to_string(kFeedLimit) + "&wait=" + kWait;
      auto answer = http_get(ioc, url, target, kPollDeadline, stop);
      if (stop.stop_requested()) break;
      Status problem = Status::ok();
      if (!answer) {
        problem = answer.status();
      } else if (answer->status != 200) {
        problem = Status(ErrorCode::io_error, "GET " + target + " answered " + std::to_string(answer->status) +
                                                  (answer->status == 404 ? " (the primary's log does not reach back "
                                                                           "that far: start this replica from an "
                                                                           "empty --db)"
                                                                         : ""));
      }
      if (problem.is_ok()) {
        auto page = parse_feed_page(answer->body);
        if (!page) {
          problem = page.status();
        } else {
          status.connected = true;
          status.last_contact_ms = ReplicaStatus::now_ms();
          status.primary_sequence = page->sequence;
          if (!was_connected) log_event("primary_connected", url.text);
          was_connected = true;
          backoff = kFirstBackoff;
          // Only whole sequences are written: the changes of sequence next_after + 1
          // that this page began wait for the rest on the next page.
          for (FeedChange& c : page->changes) pending.push_back(std::move(c));
          auto split = std::partition_point(pending.begin(), pending.end(), [&](const FeedChange& c) {
            return c.sequence <= page->next_after;
          });
          std::vector<FeedChange> whole(std::make_move_iterator(pending.begin()), std::make_move_iterator(split));
          pending.erase(pending.begin(), split);
          if (!whole.empty()) {
            auto reached = service.apply_replicated(whole);
            if (!reached) {
              problem = reached.status();
              pending.clear();
              after = service.sequence();
              skip = 0;
            }
          }
          if (problem.is_ok()) {
            after = page->next_after;
            skip = page->next_skip;
            continue;
          }
        }
      }
      status.connected = false;
      ++status.errors;
      if (was_connected || backoff == kFirstBackoff) log_event("primary_lost", problem.message());
      was_connected = false;
      if (!pause(stop, backoff)) break;
      backoff = next_backoff(backoff);
    }
  }
};

ReplicaFollower::ReplicaFollower(Service& service, PrimaryUrl url, ReplicaStatus& status)
    : impl_(std::make_unique<Impl>(service, std::move(url), status)) {
  impl_->thread = std::jthread([this](std::stop_token stop) { impl_->run(stop); });
}

ReplicaFollower::~ReplicaFollower() { stop(); }

void ReplicaFollower::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->thread.request_stop();
  impl_->thread.join();
}

}  // namespace poleloc::http
