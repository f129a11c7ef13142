#include "connection.hpp"

#include "access_log.hpp"
#include "request_parsers.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>
#include <vector>

namespace poleloc::http {
namespace {

namespace bhttp = beast::http;

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::size_t kMaxLingerBytes = 64 << 20;
constexpr std::chrono::seconds kLingerTime{5};
constexpr std::chrono::seconds kWriteTimeout{30};
// With this share of max_connections open, idle connections get kBusyIdleTimeout.
constexpr std::size_t kBusyPercent = 75;
constexpr std::chrono::seconds kBusyIdleTimeout{5};
// How often a held long-poll looks for a newer sequence: a change reaches a
// waiting follower within this (an atomic load per look).
constexpr std::chrono::milliseconds kParkPoll{20};

bool is_loopback(const net::ip::address& a) {
  if (a.is_loopback()) return true;
  return a.is_v6() && a.to_v6().is_v4_mapped() &&
         net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()).is_loopback();
}

std::string seconds_text(std::chrono::steady_clock::duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", std::chrono::duration<double>(d).count());
  return text;
}

}  // namespace

bool SharedState::reserve_body(std::size_t bytes, BodyReservation& out) {
  const std::size_t before = buffered_bytes.fetch_add(bytes, std::memory_order_relaxed);
  if (before + bytes > limits.max_buffered_bytes) {
    buffered_bytes.fetch_sub(bytes, std::memory_order_relaxed);
    return false;
  }
  out = BodyReservation(buffered_bytes, bytes);
  return true;
}

void Worker::run() {
  flush_log_soon();
  // The handlers catch what endpoints throw; what escapes (out of memory in the
  // network code, say) costs one connection, not the thread.
  while (true) {
    try {
      io.run();
      break;
    } catch (const std::exception& e) {
      write_log_event("internal_error", std::string("event loop: ") + e.what());
    }
  }
  flush_access_log();
}

void Worker::flush_log_soon() {
  // Access-log lines of this thread wait at most this long in its buffer.
  log_timer.expires_after(std::chrono::milliseconds(100));
  log_timer.async_wait([this](beast::error_code ec) {
    flush_access_log();
    if (!ec && !stopping) flush_log_soon();
  });
}

void Worker::stop_connections() {
  stopping = true;
  log_timer.cancel();
  // stop() may close a connection and so erase it from `live`: iterate a copy.
  std::vector<Connection*> now(live.begin(), live.end());
  for (Connection* c : now) c->stop();
}

Connection::Connection(net::ip::tcp::socket&& socket, Worker& worker, SharedState& shared)
    : stream_(std::move(socket)), worker_(worker), shared_(shared) {
  shared_.context.open_connections.fetch_add(1, std::memory_order_relaxed);
  beast::error_code ec;
  const auto peer = stream_.socket().remote_endpoint(ec);
  if (!ec) {
    const auto address = peer.address();
    remote_ = (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
              std::to_string(peer.port());
    loopback_ = is_loopback(address);
  } else {
    remote_ = "-";
  }
  // Answers are small and written whole: no reason to wait for Nagle's timer.
  stream_.socket().set_option(net::ip::tcp::no_delay(true), ec);
}

Connection::~Connection() {
  worker_.live.erase(this);
  shared_.context.open_connections.fetch_sub(1, std::memory_order_relaxed);
}

void Connection::start() {
  worker_.live.insert(this);
  read_header();
}

void Connection::stop() {
  if (idle_) {
    // Waiting for a request: nothing is lost by closing now.
    close();
  }
  // Otherwise the response in progress is sent with Connection: close (see write()).
  if (parked_ && park_timer_) park_timer_->cancel();  // a held long-poll is answered now
}

Request Connection::view() const {
  const auto& req = parser_->get();
  return {.method = sv(req.method_string()),
          .target = sv(req.target()),
          .authorization = sv(req[bhttp::field::authorization]),
          .body = req.body(),
          .remote = remote_,
          .host = sv(req[bhttp::field::host]),
          .loopback = loopback_};
}

bool Connection::admit_headers() {
  const Request request = view();  // the headers; no byte of a body has been read
  if (auto refused = shared_.handler.check_headers(request, worker_.shard)) {
    write(std::move(*refused));
    return false;
  }
  if (RequestHandler::is_write(request.method) && shared_.writes.full()) {
    refuse({ErrorCode::overloaded, "the write queue is full (" + std::to_string(shared_.writes.max_pending()) +
                                       " writes waiting); retry after Retry-After seconds"});
    return false;
  }
  return true;
}

bool Connection::admit_body() {
  const auto method = parser_->get().method_string();
  if (method != "PUT" && method != "POST") {
    refuse({ErrorCode::bad_request,
            "a " + in_quotes(sv(method), 20) + " request carries no body; only PUT and POST do"});
    return false;
  }
  // A chunked body has no announced length: it reserves, and is limited to, an
  // eighth of the buffered-bytes cap (the body limit with the defaults).
  const auto announced = parser_->content_length();
  const std::size_t bytes =
      announced ? static_cast<std::size_t>(*announced)
                : std::min(shared_.limits.max_body_bytes, std::max<std::size_t>(1, shared_.limits.max_buffered_bytes / 8));
  if (!shared_.reserve_body(bytes, body_bytes_)) {
    refuse({ErrorCode::overloaded, "request bodies being read already hold most of the " +
                                       std::to_string(shared_.limits.max_buffered_bytes) +
                                       " bytes allowed; this body was not read; retry after Retry-After seconds"});
    return false;
  }
  if (!announced) parser_->body_limit(bytes);
  return true;
}

void Connection::read_header() {
  // A stop that came while this connection was busy (handling, writing) takes effect here.
  if (worker_.stopping) return close();
  body_bytes_.release();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(shared_.limits.max_header_bytes));
  parser_->body_limit(shared_.limits.max_body_bytes);
  idle_ = true;
  // Near the connection cap an idle client (or one that sends its headers
  // slowly) is given less time, so that idle connections cannot starve others.
  const auto open = static_cast<std::size_t>(shared_.context.open_connections.load(std::memory_order_relaxed));
  const bool busy = open * 100 >= shared_.limits.max_connections * kBusyPercent;
  stream_.expires_after(busy ? std::min(shared_.limits.idle_timeout, std::chrono::seconds(kBusyIdleTimeout))
                             : shared_.limits.idle_timeout);
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
}

void Connection::on_header(beast::error_code ec) {
  idle_ = false;
  if (ec == bhttp::error::body_limit) {
    return refuse({ErrorCode::payload_too_large, "the request body is over " +
                                                     std::to_string(shared_.limits.max_body_bytes) +
                                                     " bytes (Content-Length); it was not read"});
  }
  if (ec == bhttp::error::header_limit) {
    return refuse({ErrorCode::payload_too_large, "the request line and headers are over " +
                                                     std::to_string(shared_.limits.max_header_bytes) + " bytes"});
  }
  if (ec) {
    // Closed by the peer, timed out, cancelled at shutdown, or not HTTP at all.
    const bool quiet = ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
                       ec == net::error::operation_aborted || ec == net::error::connection_reset ||
                       ec == net::error::eof || ec == net::error::bad_descriptor;
    if (!quiet && buffer_.size() + parser_->get().target().size() > 0) {
      return refuse({ErrorCode::bad_request, "malformed HTTP request: " + ec.message()});
    }
    return close();
  }
  // Writes and requests with a body pass the header checks (Host, route,
  // method, token, write queue) first: an unauthenticated or misdirected one is
  // answered now, before its body is read and before it takes a place in the
  // write queue. Reads without a body are checked in handle() and keep their
  // connection open when refused.
  const bool has_body = !parser_->is_done();
  if ((has_body || RequestHandler::is_write(sv(parser_->get().method_string()))) && !admit_headers()) return;
  if (!has_body) return answer();
  if (!admit_body()) return;
  // A client that asked to be told before sending a body (curl does for large
  // PUTs) is told now; the body limit was already checked against Content-Length.
  const auto expect = parser_->get()[bhttp::field::expect];
  if (beast::iequals(expect, "100-continue")) {
    stream_.expires_after(kWriteTimeout);
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](beast::error_code wec, std::size_t) {
                       if (wec) return self->close();
                       self->read_body();
                     });
    return;
  }
  read_body();
}

void Connection::read_body() {
  stream_.expires_after(shared_.limits.idle_timeout);
  bhttp::async_read(stream_, buffer_, *parser_,
                    [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
}

void Connection::on_body(beast::error_code ec) {
  if (ec == bhttp::error::body_limit) {
    return refuse({ErrorCode::payload_too_large,
                   "the request body is over " + std::to_string(shared_.limits.max_body_bytes) + " bytes"});
  }
  if (ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return close();
    }
    return refuse({ErrorCode::bad_request, "malformed HTTP request body: " + ec.message()});
  }
  answer();
}

void Connection::answer() {
  const Request request = view();
  if (!RequestHandler::is_write(request.method)) {
    Response response = shared_.handler.handle(request, worker_.shard);
    if (response.wait_for_sequence_after && !worker_.stopping) {
      return park(*response.wait_for_sequence_after, response.wait_for);
    }
    if (response.wait_for_sequence_after) return answer_parked();
    return write(std::move(response));
  }
  // Writes rebuild the snapshot: run them on the writer thread and come back
  // to this connection's thread to answer. The work guard keeps this worker's
  // loop running meanwhile, even during shutdown.
  auto ticket = shared_.writes.enter();
  if (!ticket) {
    return refuse({ErrorCode::overloaded, "the write queue is full (" + std::to_string(shared_.writes.max_pending()) +
                                              " writes waiting); retry after Retry-After seconds"});
  }
  net::post(shared_.writer, [self = shared_from_this(), request, ticket = std::move(*ticket),
                             guard = net::make_work_guard(worker_.io)]() mutable {
    WriteQueue& queue = self->shared_.writes;
    const auto now = WriteQueue::Clock::now();
    // A write that waited past the deadline is not applied: its client may
    // have given up, and must never get a late acknowledgement (or none at all
    // for a change that did happen).
    Response response =
        queue.expired(ticket, now)
            ? self->shared_.handler.refuse(
                  request,
                  {ErrorCode::overloaded, "the write waited " + seconds_text(now - ticket.queued()) +
                                              " for the writer, longer than the deadline of " +
                                              seconds_text(queue.deadline()) + "; it was not applied"},
                  self->shared_.writer_shard)
            : self->shared_.handler.handle(request, self->shared_.writer_shard);
    flush_access_log();  // writes are rare: no batching on this thread
    net::post(self->worker_.io, [self, response = std::move(response)]() mutable { self->write(std::move(response)); });
    guard.reset();
  });
}

void Connection::park(std::uint64_t after, std::chrono::milliseconds wait) {
  parked_ = true;
  parked_after_ = after;
  parked_until_ = std::chrono::steady_clock::now() + wait;
  if (!park_timer_) park_timer_.emplace(worker_.io);
  poll_parked();
}

void Connection::poll_parked() {
  park_timer_->expires_after(kParkPoll);
  park_timer_->async_wait([self = shared_from_this()](beast::error_code ec) {
    const bool newer = self->shared_.context.service.snapshot()->sequence() > self->parked_after_;
    if (ec || newer || self->worker_.stopping || std::chrono::steady_clock::now() >= self->parked_until_) {
      return self->answer_parked();
    }
    self->poll_parked();
  });
}

void Connection::answer_parked() {
  parked_ = false;
  Request request = view();
  request.waited = true;
  write(shared_.handler.handle(request, worker_.shard));
}

void Connection::refuse(const Status& why) {
  // What is known of the request goes to the log; the rest is "-".
  Request request{.method = "-", .target = "-", .remote = remote_};
  if (parser_ && parser_->is_header_done()) {
    request.method = sv(parser_->get().method_string());
    request.target = sv(parser_->get().target());
  }
  write(shared_.handler.refuse(request, why, worker_.shard));
}

void Connection::write(Response&& r) {
  const bool header_read = parser_ && parser_->is_header_done();
  const bool keep_alive = !r.close && !worker_.stopping && header_read && parser_->get().keep_alive();
  const unsigned version = header_read ? parser_->get().version() : 11;
  out_.clear();
  append_http_response(out_, r, version, keep_alive);
  const bool close_after = !keep_alive;
  // A refused request may still be arriving (an oversized body): do not read it,
  // but do not reset the connection under the client either (see linger()).
  const bool refused = r.close;
  stream_.expires_after(kWriteTimeout);
  net::async_write(stream_, net::buffer(out_),
                   [self = shared_from_this(), close_after, refused](beast::error_code ec, std::size_t) {
                     if (refused && !ec) return self->linger();
                     self->on_write(close_after, ec);
                   });
}

void Connection::on_write(bool close_after, beast::error_code ec) {
  if (out_.capacity() > (64 << 10)) out_ = std::string();  // a big page is not kept per connection
  if (ec || close_after) return close();
  read_header();
}

void Connection::linger() {
  // Send FIN, then swallow what the client still sends until it closes, so
  // that it reads our 413/400 instead of a connection reset.
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  if (ec) return close();
  stream_.expires_after(kLingerTime);
  auto drained = std::make_shared<std::size_t>(0);
  auto sink = std::make_shared<std::array<char, 16384>>();
  struct Drain {
    std::shared_ptr<Connection> self;
    std::shared_ptr<std::size_t> drained;
    std::shared_ptr<std::array<char, 16384>> sink;
    void operator()(beast::error_code e, std::size_t n) {
      *drained += n;
      if (e || *drained > kMaxLingerBytes) return self->close();
      self->stream_.async_read_some(net::buffer(*sink), std::move(*this));
    }
  };
  stream_.async_read_some(net::buffer(*sink), Drain{shared_from_this(), drained, sink});
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  idle_ = false;
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  stream_.close();
}

}  // namespace poleloc::http
