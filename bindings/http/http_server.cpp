#include "http_server.hpp"

#include "access_log.hpp"
#include "connection.hpp"
#include "metrics.hpp"
#include "request_handler.hpp"
#include "request_parsers.hpp"
#include "response.hpp"
#include "token_file.hpp"
#include "write_queue.hpp"

#include <sys/resource.h>

#include <poleloc/error_catalogue.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <future>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

namespace poleloc::http {
namespace {

using tcp = net::ip::tcp;

constexpr int kExitBadOptions = 2;
constexpr int kExitCannotListen = 4;

// Raises the soft descriptor limit to the hard limit; returns the limit now in force.
std::size_t raise_descriptor_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit wanted = lim;
    // An unlimited hard limit cannot be a soft one for descriptors: ask for a large number.
    if (wanted.rlim_max == RLIM_INFINITY) wanted.rlim_cur = 1 << 20;
    else wanted.rlim_cur = wanted.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &wanted) == 0) lim = wanted;
  }
  return lim.rlim_cur == RLIM_INFINITY ? (1 << 20) : static_cast<std::size_t>(lim.rlim_cur);
}

std::size_t open_descriptors() {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    ++n;
  }
  return ec ? 16 : n;
}

// A connection over the limit: told 503 with Retry-After, then closed once the
// client has read it (FIN first, then a short drain, so it sees the answer
// rather than a reset).
// What the rejections share with the listener; owned jointly, since pending
// rejections may be destroyed with the event loop after the listener.
struct RejectionState {
  std::string answer;      // the whole HTTP answer
  std::size_t active = 0;  // rejections in progress (listener thread only)
};

class Rejection : public std::enable_shared_from_this<Rejection> {
 public:
  Rejection(tcp::socket&& socket, std::shared_ptr<RejectionState> state)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), state_(std::move(state)) {
    ++state_->active;
  }
  ~Rejection() { --state_->active; }

  void start() {
    timer_.expires_after(std::chrono::seconds(2));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->close();
    });
    net::async_write(socket_, net::buffer(state_->answer), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      beast::error_code sec;
      self->socket_.shutdown(tcp::socket::shutdown_send, sec);
      self->drain();
    });
  }

 private:
  void drain() {
    socket_.async_read_some(net::buffer(sink_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->drain();
    });
  }
  void close() {
    beast::error_code ec;
    timer_.cancel();
    socket_.close(ec);
  }

  tcp::socket socket_;
  net::steady_timer timer_;
  std::shared_ptr<RejectionState> state_;
  std::array<char, 4096> sink_{};
};

// At most this many over-limit connections are being told 503 at once; beyond,
// they are closed at once (their descriptors come out of the reserve).
constexpr std::size_t kMaxRejecting = 32;

// Accepts connections and deals them round-robin to the workers; each socket
// is created on its worker's event loop, where it then lives.
class Listener {
 public:
  Listener(net::io_context& io, std::vector<std::unique_ptr<Worker>>& workers, SharedState& shared,
           std::string overloaded_answer)
      : acceptor_(io),
        retry_(io),
        workers_(workers),
        shared_(shared),
        rejections_(std::make_shared<RejectionState>(RejectionState{std::move(overloaded_answer)})) {}

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
      const auto open = static_cast<std::size_t>(shared_.context.open_connections.load(std::memory_order_relaxed));
      if (open >= shared_.limits.max_connections) {
        reject(std::move(socket));
        return accept();
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
  void reject(tcp::socket&& socket) {
    const auto now = std::chrono::steady_clock::now();
    ++rejected_;
    shared_.context.connections_refused.fetch_add(1, std::memory_order_relaxed);
    if (now - last_report_ > std::chrono::seconds(10)) {
      write_log_event("connection_limit", std::to_string(shared_.limits.max_connections) +
                                              " connections open; new ones are answered 503 (" +
                                              std::to_string(rejected_) + " so far)");
      last_report_ = now;
    }
    if (rejections_->active >= kMaxRejecting) {
      beast::error_code ec;
      socket.close(ec);
      return;
    }
    std::make_shared<Rejection>(std::move(socket), rejections_)->start();
  }

  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  std::vector<std::unique_ptr<Worker>>& workers_;
  SharedState& shared_;
  std::shared_ptr<RejectionState> rejections_;  // the answer to connections over the limit
  std::size_t next_ = 0;
  std::size_t rejected_ = 0;
  std::chrono::steady_clock::time_point last_report_{};
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
  std::vector<NamedToken> tokens;
  if (!options.token_file.empty()) {
    auto t = read_token_file(options.token_file);
    if (!t) {
      std::cerr << "poleloc: " << t.status().message() << '\n';
      return kExitBadOptions;
    }
    tokens = std::move(*t);
  }
  if (!options.allowed_hosts.empty()) {
    if (auto h = AllowedHosts::parse(options.allowed_hosts, listen->host, listen->port); !h) {
      std::cerr << "poleloc: " << h.status().message() << '\n';
      return kExitBadOptions;
    }
  }
  std::optional<TileSource> tiles;
  if (!options.tiles.empty()) {
    auto t = TileSource::parse(options.tiles, options.tiles_crs, options.tiles_attribution);
    if (!t) {
      std::cerr << "poleloc: " << t.status().message() << '\n';
      return kExitBadOptions;
    }
    tiles = std::move(*t);
  }
  for (auto [value, name] : {std::pair{options.max_connections == 0 ? std::size_t{1} : options.max_connections,
                                       "max-connections"},
                             {options.max_buffered_bytes, "max-buffered-bytes"},
                             {options.max_pending_writes, "max-pending-writes"},
                             {options.max_body_bytes, "max-body-bytes"}}) {
    if (value == 0) {
      std::cerr << "poleloc: --" << name << " must be at least 1\n";
      return kExitBadOptions;
    }
  }

  // Descriptors: as many as allowed, less a reserve for RocksDB, the logs and refusals.
  const std::size_t descriptor_limit = raise_descriptor_limit();
  const std::size_t reserve =
      std::min<std::size_t>(512, std::max(kMinDescriptorReserve, descriptor_limit / kDescriptorReserveShare));
  const std::size_t in_use = open_descriptors();
  const std::size_t available = descriptor_limit > in_use + reserve + 8 ? descriptor_limit - in_use - reserve : 8;
  std::size_t max_connections = options.max_connections == 0 ? std::min<std::size_t>(1024, available)
                                                             : options.max_connections;
  if (max_connections > available) {
    write_log_event("limits", "--max-connections " + std::to_string(max_connections) + " lowered to " +
                                  std::to_string(available) + ": the descriptor limit is " +
                                  std::to_string(descriptor_limit) + " with " + std::to_string(reserve) +
                                  " kept in reserve");
    max_connections = available;
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
                        .tokens = tokens,
                        .max_target_bytes = options.max_target_bytes,
                        .access_log = options.access_log,
                        .log_queries = options.log_queries,
                        .tiles = tiles,
                        .console_policy = console_csp(tiles ? &*tiles : nullptr)};
  context.import_dir = options.import_dir;
  context.replica = options.replica;
  context.backup_dir = options.backup_dir;
  context.boundary_m = options.boundary_m;
  RequestHandler handler(context);
  net::thread_pool writer(1);
  WriteQueue writes(options.max_pending_writes, std::chrono::seconds(options.write_deadline_s));
  SharedState shared{.handler = handler,
                     .context = context,
                     .writer = writer,
                     .writer_shard = metrics.shard(options.threads),
                     .limits = {.max_body_bytes = options.max_body_bytes,
                                .max_header_bytes = options.max_header_bytes,
                                .idle_timeout = std::chrono::seconds(options.idle_timeout_s),
                                .max_connections = max_connections,
                                .max_buffered_bytes = options.max_buffered_bytes},
                     .writes = writes};

  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < options.threads; ++i) workers.push_back(std::make_unique<Worker>(i, metrics.shard(i)));

  std::string overloaded_answer;
  {
    Response r = error_response(ErrorCode::overloaded, "the server has " + std::to_string(max_connections) +
                                                           " connections open, its limit; retry after Retry-After seconds");
    r.close = true;
    append_http_response(overloaded_answer, r, 11, false);
  }
  Listener listener(io, workers, shared, std::move(overloaded_answer));
  const tcp::endpoint endpoint = *resolved.begin();
  if (auto err = listener.open(endpoint)) {
    std::cerr << "poleloc: cannot listen on " << options.listen << ": " << err.message() << '\n';
    return kExitCannotListen;
  }
  // Now that the port is known (port 0 picks one), the Host allow-list.
  const auto port = listener.local_endpoint().port();
  if (options.allowed_hosts.empty()) {
    context.allowed_hosts = AllowedHosts::defaults(listen->host, port);
    if (endpoint.address().is_unspecified()) {
      write_log_event("allowed_hosts", "listening on every address, but answering only Host " +
                                           context.allowed_hosts.describe() +
                                           ": name the hosts clients use with --allowed-hosts");
    }
  } else {
    context.allowed_hosts = std::move(*AllowedHosts::parse(options.allowed_hosts, listen->host, port));
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

  if (auto problem = service.write_problem(); !tokens.empty() && !problem) {
    write_log_event("read_only", "serving reads only: " + problem.message() +
                                     "; writes answer " + std::to_string(describe(problem.code()).http_status) + " " +
                                     std::string(describe(problem.code()).json_code) +
                                     " until the storage works again (each write request tries again)");
  }
  listener.accept();
  const std::string url = url_of(listener.local_endpoint());
  std::printf("listening on %s\n", url.c_str());
  std::fflush(stdout);
  std::string writers;
  for (const NamedToken& t : tokens) writers += (writers.empty() ? "" : ", ") + t.name;
  write_log_event("listening", url + " (" + std::to_string(options.threads) + " I/O threads, writes " +
                                   (tokens.empty() ? "disabled: no --token-file" : "need a bearer token of " + writers) +
                                   "; Host: " + context.allowed_hosts.describe() + "; at most " +
                                   std::to_string(max_connections) + " connections (descriptor limit " +
                                   std::to_string(descriptor_limit) + "), " +
                                   std::to_string(options.max_buffered_bytes) + " buffered body bytes, " +
                                   std::to_string(options.max_pending_writes) + " pending writes, write deadline " +
                                   std::to_string(options.write_deadline_s) + " s)");

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
