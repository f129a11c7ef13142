// connection.hpp: one client connection (Boost.Beast), internal to the server.
//
// A connection lives on one I/O thread (one Worker) for its whole life, so its
// state needs no lock: read a request (header limit, body limit, idle timeout),
// hand it to the RequestHandler (inline for reads; on the writer thread for
// PUT/DELETE), write the response, and read the next one while keep-alive lasts.
//
// Nothing of a body is read before the request line and headers have passed
// RequestHandler::check_headers() (Host, route, method, token), the announced
// Content-Length is within max_body_bytes (else 413), only PUT carries a body
// (else 400), the write queue has room and the body fits in what is left of
// max_buffered_bytes across all connections (else 503 overloaded with
// Retry-After). A chunked body (no Content-Length) reserves, and may grow to,
// min(max_body_bytes, max_buffered_bytes / 8). A refused request is answered
// with Connection: close.
//
// Writes wait in one bounded queue (max_pending_writes) for the writer thread;
// a write that waited longer than write_deadline is answered 503 and not
// applied, so that no write is acknowledged after its client gave up.
//
//   auto c = std::make_shared<Connection>(std::move(socket), worker, shared);
//   net::dispatch(worker.io.get_executor(), [c] { c->start(); });
//
// Included only by the server's own .cpp files: it pulls in Boost.Beast.
#pragma once

#include "request_handler.hpp"
#include "write_queue.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

namespace poleloc::http {

namespace net = boost::asio;
namespace beast = boost::beast;

class Connection;

// What every connection of the server shares.
struct ConnectionLimits {
  std::size_t max_body_bytes = 8 << 20;
  std::size_t max_header_bytes = 16 << 10;
  std::chrono::seconds idle_timeout{30};
  std::size_t max_connections = 1024;      // beyond it a new connection gets 503 and is closed
  std::size_t max_buffered_bytes = 64 << 20;  // request bodies held at once, all connections
};

// Bytes counted against ConnectionLimits::max_buffered_bytes while a body is
// read and handled; released when destroyed.
class BodyReservation {
 public:
  BodyReservation() = default;
  BodyReservation(std::atomic<std::size_t>& counter, std::size_t bytes) : counter_(&counter), bytes_(bytes) {}
  BodyReservation(BodyReservation&& o) noexcept : counter_(o.counter_), bytes_(o.bytes_) { o.counter_ = nullptr; }
  BodyReservation& operator=(BodyReservation&& o) noexcept {
    if (this != &o) {
      release();
      counter_ = o.counter_;
      bytes_ = o.bytes_;
      o.counter_ = nullptr;
    }
    return *this;
  }
  ~BodyReservation() { release(); }
  void release() {
    if (counter_) counter_->fetch_sub(bytes_, std::memory_order_relaxed);
    counter_ = nullptr;
  }

 private:
  std::atomic<std::size_t>* counter_ = nullptr;
  std::size_t bytes_ = 0;
};

struct SharedState {
  const RequestHandler& handler;
  ServerContext& context;
  net::thread_pool& writer;     // runs PUT/DELETE off the I/O threads
  Metrics::Shard& writer_shard; // the writer thread's metrics shard
  ConnectionLimits limits;
  WriteQueue& writes;           // bounds the writes waiting for `writer`
  std::atomic<std::size_t> buffered_bytes{0};  // reserved by bodies being read or handled

  // Reserves `bytes` of max_buffered_bytes; an empty reservation (false) when it would not fit.
  bool reserve_body(std::size_t bytes, BodyReservation& out);
};

// One I/O thread: its event loop and the connections living on it.
struct Worker {
  explicit Worker(unsigned index, Metrics::Shard& shard) : index(index), shard(shard) {}
  // Declared before `io` so that it outlives the handlers destroyed with `io`.
  std::unordered_set<Connection*> live;
  net::io_context io{1};
  net::steady_timer log_timer{io};
  unsigned index;
  Metrics::Shard& shard;
  bool stopping = false;  // touched on this worker's thread only

  // Runs the event loop on the calling thread until the worker is stopped and idle.
  void run();

  // Graceful stop, run on the worker's thread: idle connections close now,
  // busy ones after their response.
  void stop_connections();

 private:
  void flush_log_soon();
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(net::ip::tcp::socket&& socket, Worker& worker, SharedState& shared);
  ~Connection();

  void start();  // on the worker's thread
  void stop();   // on the worker's thread

 private:
  void read_header();
  void on_header(beast::error_code ec);
  void read_body();
  void on_body(beast::error_code ec);
  void answer();
  void refuse(const Status& why);
  bool admit_headers();  // header checks of writes and bodies; false: refused (answered)
  bool admit_body();     // the checks before a body is read; false: refused (answered)
  Request headers_view() const;
  void write(Response&& response);
  void on_write(bool close, beast::error_code ec);
  void linger();
  void close();
  Request view() const;
  // Long-poll (Response::wait_for_sequence_after): the request is held, and
  // the service's sequence checked every kParkPoll, until it passes `after`,
  // the wait ends or the server stops; then it is answered. No thread blocks.
  void park(std::uint64_t after, std::chrono::milliseconds wait);
  void poll_parked();
  void answer_parked();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  std::string out_;  // the response being written, reused (capacity kept) between requests
  Worker& worker_;
  SharedState& shared_;
  std::string remote_;
  BodyReservation body_bytes_;  // held from before the body is read until the next request
  bool loopback_ = false;
  bool idle_ = false;     // waiting for the first byte of a request
  bool closed_ = false;
  std::optional<net::steady_timer> park_timer_;
  std::uint64_t parked_after_ = 0;
  std::chrono::steady_clock::time_point parked_until_{};
  bool parked_ = false;
};

}  // namespace poleloc::http
