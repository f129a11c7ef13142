#include "http_server.hpp"

#include "access_log.hpp"
#include "connection.hpp"
#include "metrics.hpp"
#include "request_handler.hpp"
#include "request_parsers.hpp"

#include <poleloc/error_catalogue.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

namespace poleloc::http {
namespace {

using tcp = net::ip::tcp;

constexpr int kExitBadOptions = 2;
constexpr int kExitCannotListen = 4;

// The token is the file's content without surrounding whitespace (a trailing
// newline from `echo secret > token` is not part of it).
Result<std::string> read_token(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(ErrorCode::io_error, "cannot read token file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  const auto first = token.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return Status(ErrorCode::invalid_argument, "token file '" + path + "' is empty");
  token = token.substr(first, token.find_last_not_of(" \t\r\n") - first + 1);
  if (token.find_first_of(" \t\r\n") != std::string::npos) {
    return Status(ErrorCode::invalid_argument, "token file '" + path + "' must hold one token without blanks");
  }
  return token;
}

// Accepts connections and deals them round-robin to the workers; each socket
// is created on its worker's event loop, where it then lives.
class Listener {
 public:
  Listener(net::io_context& io, std::vector<std::unique_ptr<Worker>>& workers, SharedState& shared)
      : acceptor_(io), retry_(io), workers_(workers), shared_(shared) {}

  beast::error_code open(const tcp::endpoint& endpoint) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    return ec;
  }

  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

  void accept() {
    Worker& worker = *workers_[next_++ % workers_.size()];
    acceptor_.async_accept(worker.io, [this, &worker](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
      if (ec) {
        // Out of file descriptors and the like: say so, breathe, try again.
        write_log_event("accept_error", ec.message());
        retry_.expires_after(std::chrono::milliseconds(50));
        retry_.async_wait([this](beast::error_code) {
          if (acceptor_.is_open()) accept();
        });
        return;
      }
      auto connection = std::make_shared<Connection>(std::move(socket), worker, shared_);
      net::post(worker.io, [connection] { connection->start(); });
      accept();
    });
  }

  void close() {
    beast::error_code ec;
    acceptor_.close(ec);
    retry_.cancel();
  }

 private:
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  std::vector<std::unique_ptr<Worker>>& workers_;
  SharedState& shared_;
  std::size_t next_ = 0;
};

std::string url_of(const tcp::endpoint& e) {
  const auto a = e.address();
  return "http://" + (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(e.port());
}

}  // namespace

int serve(Service& service, const ServerOptions& options) {
  auto listen = parse_listen(options.listen);
  if (!listen) {
    std::cerr << "poleloc: " << listen.status().message() << '\n';
    return kExitBadOptions;
  }
  if (options.threads == 0) {
    std::cerr << "poleloc: threads must be at least 1\n";
    return kExitBadOptions;
  }
  std::string token;
  if (!options.token_file.empty()) {
    auto t = read_token(options.token_file);
    if (!t) {
      std::cerr << "poleloc: " << t.status().message() << '\n';
      return kExitBadOptions;
    }
    token = std::move(*t);
  }

  net::io_context io{1};  // the listener and the signals
  tcp::resolver resolver(io);
  beast::error_code ec;
  const auto resolved = resolver.resolve(listen->host, std::to_string(listen->port),
                                         tcp::resolver::numeric_service | tcp::resolver::passive, ec);
  if (ec || resolved.empty()) {
    std::cerr << "poleloc: cannot resolve listen host '" << listen->host << "': " << ec.message() << '\n';
    return kExitBadOptions;
  }

  // One metrics shard per answering thread: the I/O threads, then the writer.
  Metrics metrics(RequestHandler::route_labels(), options.threads + 1);
  ServerContext context{.service = service,
                        .metrics = metrics,
                        .token = token,
                        .max_target_bytes = options.max_target_bytes,
                        .access_log = options.access_log};
  RequestHandler handler(context);
  net::thread_pool writer(1);
  SharedState shared{handler, context, writer, metrics.shard(options.threads),
                     ConnectionLimits{options.max_body_bytes, options.max_header_bytes,
                                      std::chrono::seconds(options.idle_timeout_s)}};

  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < options.threads; ++i) workers.push_back(std::make_unique<Worker>(i, metrics.shard(i)));

  Listener listener(io, workers, shared);
  const tcp::endpoint endpoint = *resolved.begin();
  if (auto err = listener.open(endpoint)) {
    std::cerr << "poleloc: cannot listen on " << options.listen << ": " << err.message() << '\n';
    return kExitCannotListen;
  }

  net::signal_set signals(io, SIGTERM, SIGINT);
  bool stopping = false;
  signals.async_wait([&](beast::error_code sec, int signal) {
    if (sec) return;
    stopping = true;
    write_log_event("shutdown", std::string("signal ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") +
                                    ": no new connections; finishing requests in progress");
    listener.close();
    for (auto& w : workers) net::post(w->io, [&w = *w] { w.stop_connections(); });
  });

  // Work guards keep idle workers running until shutdown releases them.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  std::vector<std::future<void>> done;
  for (auto& w : workers) {
    guards.push_back(net::make_work_guard(w->io));
    std::promise<void> finished;
    done.push_back(finished.get_future());
    threads.emplace_back([&worker = *w, finished = std::move(finished)]() mutable {
      worker.run();
      finished.set_value();
    });
  }

  if (auto problem = service.write_problem(); !token.empty() && !problem) {
    write_log_event("read_only", "serving reads only: " + problem.message() +
                                     "; writes answer " + std::to_string(describe(problem.code()).http_status) + " " +
                                     std::string(describe(problem.code()).json_code) +
                                     " until the storage works again (each write request tries again)");
  }
  listener.accept();
  const std::string url = url_of(listener.local_endpoint());
  std::printf("listening on %s\n", url.c_str());
  std::fflush(stdout);
  write_log_event("listening", url + " (" + std::to_string(options.threads) + " I/O threads, writes " +
                                   (token.empty() ? "disabled: no --token-file" : "need the bearer token") + ")");

  io.run();  // returns once the signal has fired and the acceptor is closed
  guards.clear();

  // Let requests in progress finish, but not forever.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.shutdown_grace_s);
  for (std::size_t i = 0; i < workers.size(); ++i) {
    if (done[i].wait_until(deadline) != std::future_status::ready) {
      write_log_event("shutdown", "requests still running after the grace period; stopping them");
      workers[i]->io.stop();
    }
  }
  for (auto& t : threads) t.join();
  writer.join();
  write_log_event("stopped", std::to_string(metrics.total_requests()) + " requests answered");
  return stopping ? 0 : 1;
}

}  // namespace poleloc::http
