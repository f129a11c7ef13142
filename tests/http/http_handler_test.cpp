// The request handler without a socket: routing, method check, token check,
// limits, errors as JSON, metrics, over a database imported from the sample.
#include "metrics.hpp"
#include "request_handler.hpp"
#include "response.hpp"

#include <poleloc/service.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

namespace poleloc::http {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kToken = "test-token-0123456789";

class HttpHandler : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("poleloc-http-handler-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    auto service = Service::open(dir_.string());
    ASSERT_TRUE(service) << service.status().message();
    const std::string sample = POLELOC_SAMPLE_DIR;
    auto report = (*service)->import(
        {sample + "/poles.csv", sample + "/grids.geojson", sample + "/aliases.csv"});
    ASSERT_TRUE(report) << report.status().message();
    service_ = std::move(*service).release();
  }
  static void TearDownTestSuite() {
    delete service_;
    service_ = nullptr;
    fs::remove_all(dir_);
  }

  void SetUp() override {
    ASSERT_NE(service_, nullptr);
    metrics_ = std::make_unique<Metrics>(RequestHandler::route_labels(), 1);
    context_.reset(new ServerContext{.service = *service_, .metrics = *metrics_, .tokens = {{"dispatch", kToken}}, .access_log = false});
  }

  Response call(std::string_view method, std::string_view target, std::string_view body = {},
                std::string_view authorization = {}, std::string_view host = "localhost:8080") {
    RequestHandler handler(*context_);
    return handler.handle({.method = method, .target = target, .authorization = authorization, .body = body,
                           .remote = "test", .host = host},
                          metrics_->shard(0));
  }

  static json body_of(const Response& r) { return json::parse(r.body); }
  static std::string error_code(const Response& r) { return body_of(r).at("error").at("code"); }

  static inline fs::path dir_;
  static inline Service* service_ = nullptr;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<ServerContext> context_;
};

TEST_F(HttpHandler, LooksUpAPoleInAnyPrintedForm) {
  for (const char* target : {"/v1/poles/TJH0372", "/v1/poles/tjh-0372", "/v1/poles/%EF%BC%B4%EF%BC%AA%EF%BC%A8%EF%BC%90%EF%BC%93%EF%BC%97%EF%BC%92"}) {
    Response r = call("GET", target);
    ASSERT_EQ(r.status, 200) << target << ' ' << r.body;
    EXPECT_EQ(body_of(r).at("number"), "TJH0372");
  }
}

TEST_F(HttpHandler, UnknownPathIsJson404) {
  Response r = call("GET", "/v1/nothing-here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, kJson);
  EXPECT_EQ(error_code(r), "not_found");
}

TEST_F(HttpHandler, WrongMethodIs405NamingTheAllowedOnes) {
  Response r = call("POST", "/v1/resolve?q=x");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(error_code(r), "method_not_allowed");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Allow");
  EXPECT_EQ(r.headers[0].second, "GET, HEAD");
  EXPECT_EQ(call("DELETE", "/healthz").status, 405);  // no token needed to learn that
}

TEST_F(HttpHandler, OverlongTargetIs413) {
  const std::string target = "/v1/resolve?q=" + std::string(9000, 'a');
  Response r = call("GET", target);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(error_code(r), "payload_too_large");
}

TEST_F(HttpHandler, WriteNeedsTheBearerToken) {
  const char* body = R"({"lon":116.47,"lat":39.92})";
  Response none = call("PUT", "/v1/poles/TJH9501", body);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(error_code(none), "unauthorized");
  Response wrong = call("PUT", "/v1/poles/TJH9501", body, "Bearer not-the-token");
  EXPECT_EQ(wrong.status, 401);
  Response prefix = call("PUT", "/v1/poles/TJH9501", body, "Bearer test-token");
  EXPECT_EQ(prefix.status, 401);
  EXPECT_EQ(call("GET", "/v1/poles/TJH9501").status, 404);  // nothing was written
}

TEST_F(HttpHandler, WritesAreRefusedWhenTheServerHasNoToken) {
  context_->tokens.clear();
  Response r = call("PUT", "/v1/poles/TJH9502", R"({"lon":116.47,"lat":39.92})", "Bearer ");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(error_code(r), "read_only");
  Response d = call("DELETE", "/v1/poles/TJH0372", {}, "Bearer anything");
  EXPECT_EQ(d.status, 403);
  EXPECT_EQ(call("GET", "/v1/poles/TJH0372").status, 200);
}

TEST_F(HttpHandler, PutThenGetThenDeletePole) {
  const std::string auth = std::string("Bearer ") + kToken;
  Response put = call("PUT", "/v1/poles/tjh-9503", R"({"lon":116.4701,"lat":39.9231,"attributes":{"kind":"路灯"}})", auth);
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(body_of(put).at("number"), "TJH9503");
  Response again = call("PUT", "/v1/poles/TJH9503", R"({"lon":116.4702,"lat":39.9231})", auth);
  EXPECT_EQ(again.status, 200);
  Response get = call("GET", "/v1/poles/TJH9503");
  ASSERT_EQ(get.status, 200);
  EXPECT_DOUBLE_EQ(body_of(get).at("lon").get<double>(), 116.4702);
  Response del = call("DELETE", "/v1/poles/TJH9503", {}, auth);
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(body_of(del).at("deleted"), "TJH9503");
  EXPECT_EQ(call("GET", "/v1/poles/TJH9503").status, 404);
  EXPECT_EQ(call("DELETE", "/v1/poles/TJH9503", {}, auth).status, 404);
}

TEST_F(HttpHandler, MissingPoleAnswers404WithSuggestions) {
  Response r = call("GET", "/v1/poles/TJH9372");
  ASSERT_EQ(r.status, 404);
  const json body = body_of(r);
  EXPECT_EQ(body.at("error").at("code"), "not_found");
  ASSERT_TRUE(body.at("suggestions").is_array());
  ASSERT_FALSE(body.at("suggestions").empty());
  EXPECT_TRUE(body.at("suggestions")[0].contains("score"));
}

TEST_F(HttpHandler, MetricsCountRequestsByRouteAndStatus) {
  call("GET", "/v1/poles/TJH0372");
  call("GET", "/v1/poles/TJH0372");
  call("GET", "/v1/grids/at?lon=nan&lat=1");
  call("GET", "/nowhere");
  Response m = call("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body.find("poleloc_http_requests_total{route=\"/v1/poles/{number}\",status=\"200\"} 2\n"), std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("poleloc_http_requests_total{route=\"/v1/grids/at\",status=\"400\"} 1\n"), std::string::npos);
  EXPECT_NE(m.body.find("poleloc_http_requests_total{route=\"unmatched\",status=\"404\"} 1\n"), std::string::npos);
  EXPECT_NE(m.body.find("poleloc_http_request_duration_seconds_count{route=\"/v1/poles/{number}\"} 2\n"),
            std::string::npos);
  EXPECT_NE(m.body.find("poleloc_poles_served_total 2\n"), std::string::npos);
  EXPECT_NE(m.body.find("poleloc_snapshot_age_seconds "), std::string::npos);
  EXPECT_NE(m.body.find("poleloc_snapshot_poles "), std::string::npos);
}

TEST_F(HttpHandler, HeadAnswersEveryGetRouteWithItsHeadersButNoBody) {
  for (const char* target : {"/v1/poles/TJH0372", "/healthz", "/v1/openapi.json", "/", "/v1/poles/TJH9372"}) {
    const Response get = call("GET", target);
    const Response head = call("HEAD", target);
    EXPECT_EQ(head.status, get.status) << target;
    EXPECT_EQ(head.content_type, get.content_type) << target;
    EXPECT_TRUE(head.head) << target;
    std::string wire;
    append_http_response(wire, head, 11, true);
    EXPECT_NE(wire.find("Content-Length: " + std::to_string(head.body.size()) + "\r\n"), std::string::npos) << wire;
    EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n") << "a HEAD answer has no body: " << target;
  }
  EXPECT_EQ(call("HEAD", "/v1/poles/TJH9501", {}, "Bearer x").status, 404);  // HEAD never writes
}

TEST_F(HttpHandler, HostOutsideTheAllowListIs421) {
  Response r = call("GET", "/v1/poles/TJH0372", {}, {}, "evil.example:8080");
  EXPECT_EQ(r.status, 421);
  EXPECT_EQ(error_code(r), "host_not_allowed");
  EXPECT_EQ(call("GET", "/v1/poles/TJH0372", {}, {}, "127.0.0.1:8080").status, 200);
  EXPECT_EQ(call("GET", "/v1/poles/TJH0372", {}, {}, "LOCALHOST").status, 200);
}

TEST_F(HttpHandler, RequestWithoutHostIsAnsweredOnlyFromLoopback) {
  RequestHandler handler(*context_);
  Request remote{.method = "GET", .target = "/healthz", .remote = "192.0.2.1:5000", .loopback = false};
  EXPECT_EQ(handler.handle(remote, metrics_->shard(0)).status, 421);
  Request local{.method = "GET", .target = "/healthz", .remote = "127.0.0.1:5000", .loopback = true};
  EXPECT_EQ(handler.handle(local, metrics_->shard(0)).status, 200);
}

TEST_F(HttpHandler, HeaderChecksRefuseAWriteBeforeItsBodyIsRead) {
  RequestHandler handler(*context_);
  Request put{.method = "PUT", .target = "/v1/poles/TJH9504", .remote = "test", .host = "localhost"};
  auto refused = handler.check_headers(put, metrics_->shard(0));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_TRUE(refused->close);
  const std::string auth = std::string("Bearer ") + kToken;
  put.authorization = auth;
  EXPECT_FALSE(handler.check_headers(put, metrics_->shard(0)));
  Request post{.method = "POST", .target = "/v1/poles/TJH9504", .remote = "test", .host = "localhost"};
  EXPECT_EQ(handler.check_headers(post, metrics_->shard(0))->status, 405);
  Request nowhere{.method = "PUT", .target = "/v2/x", .remote = "test", .host = "localhost"};
  EXPECT_EQ(handler.check_headers(nowhere, metrics_->shard(0))->status, 404);
}

TEST_F(HttpHandler, ServerErrorBodiesCarryNoPathsOrDetails) {
  for (ErrorCode code : {ErrorCode::io_error, ErrorCode::corruption, ErrorCode::internal, ErrorCode::schema_mismatch}) {
    Response r = error_response(code, "IO error: /var/lib/poleloc/db/000123.sst: No space left on device");
    EXPECT_GE(r.status, 500);
    EXPECT_EQ(r.body.find("/var/lib"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find(".sst"), std::string::npos) << r.body;
  }
  Response overloaded = error_response(ErrorCode::overloaded, "the write queue is full");
  EXPECT_EQ(overloaded.status, 503);
  EXPECT_EQ(error_code(overloaded), "overloaded");
  ASSERT_EQ(overloaded.headers.size(), 1u);
  EXPECT_EQ(overloaded.headers[0].first, "Retry-After");
}

TEST_F(HttpHandler, RefusedRequestsAreCountedAndClose) {
  RequestHandler handler(*context_);
  Response r = handler.refuse({.method = "PUT", .target = "/v1/grids/X", .remote = "test"},
                              Status(ErrorCode::payload_too_large, "too big"), metrics_->shard(0));
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(r.close);
  std::string text;
  metrics_->render(text);
  EXPECT_NE(text.find("{route=\"unmatched\",status=\"413\"} 1\n"), std::string::npos);
}

TEST_F(HttpHandler, AReplicaRefusesEveryWriteWith409NamingThePrimaryAndReportsItsLag) {
  ReplicaStatus replica;
  replica.primary = "http://10.0.0.5:8080";
  replica.primary_sequence = service_->snapshot()->stats().sequence + 3;
  replica.connected = true;
  context_->replica = &replica;
  for (auto [method, target] : {std::pair{"PUT", "/v1/poles/TJH0372"}, {"DELETE", "/v1/grids/X"},
                                {"POST", "/v1/changes"}, {"POST", "/v1/import"}}) {
    const Response r = call(method, target, "{}", std::string("Bearer ") + kToken);
    EXPECT_EQ(r.status, 409) << method << ' ' << target;
    EXPECT_EQ(error_code(r), "read_only_replica");
    EXPECT_EQ(body_of(r)["error"]["primary"], "http://10.0.0.5:8080");
  }
  EXPECT_EQ(call("GET", "/v1/poles/TJH0372").status, 200);
  const json health = body_of(call("GET", "/healthz"));
  EXPECT_EQ(health["writable"], false);
  EXPECT_EQ(health["replica"]["behind"], 3);
  EXPECT_EQ(health["replica"]["primary"], "http://10.0.0.5:8080");
  const std::string metrics = call("GET", "/metrics").body;
  EXPECT_NE(metrics.find("poleloc_replica_lag_sequences 3\n"), std::string::npos);
  context_->replica = nullptr;
}

TEST_F(HttpHandler, TheSnapshotIsTheHistoryDumpAtTheServedSequence) {
  const Response r = call("GET", "/v1/snapshot");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/x-ndjson");
  const json header = json::parse(r.body.substr(0, r.body.find('\n')));
  EXPECT_EQ(header["poleloc_history"], 1);
  EXPECT_EQ(header["sequence"], service_->snapshot()->stats().sequence);
  EXPECT_NE(r.body.find("\"poleloc_history_end\":true"), std::string::npos);
}

}  // namespace
}  // namespace poleloc::http
