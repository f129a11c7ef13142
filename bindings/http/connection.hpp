// connection.hpp: one client connection (Boost.Beast), internal to the server.
//
// A connection lives on one I/O thread (one Worker) for its whole life, so its
// state needs no lock: read a request (header limit, body limit, idle timeout),
// hand it to the RequestHandler (inline for reads; on the writer thread for
// PUT/DELETE), write the response, and read the next one while keep-alive lasts.
//
//   auto c = std::make_shared<Connection>(std::move(socket), worker, shared);
//   net::dispatch(worker.io.get_executor(), [c] { c->start(); });
//
// Included only by the server's own .cpp files: it pulls in Boost.Beast.
#pragma once

#include "request_handler.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

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
};

struct SharedState {
  const RequestHandler& handler;
  ServerContext& context;
  net::thread_pool& writer;     // runs PUT/DELETE off the I/O threads
  Metrics::Shard& writer_shard; // the writer thread's metrics shard
  ConnectionLimits limits;
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
  void write(Response&& response);
  void on_write(bool close, beast::error_code ec);
  void linger();
  void close();
  Request view() const;

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  std::string out_;  // the response being written, reused (capacity kept) between requests
  Worker& worker_;
  SharedState& shared_;
  std::string remote_;
  bool idle_ = false;     // waiting for the first byte of a request
  bool closed_ = false;
};

}  // namespace poleloc::http
