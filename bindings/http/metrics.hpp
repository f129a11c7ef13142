// metrics.hpp: request counters and latency histograms for GET /metrics.
//
//   Metrics m({"/v1/poles/{number}", "/v1/resolve"}, 3);  // routes, shards (one per thread that answers)
//   m.shard(0).record(0, 200, 0.00004);                     // route 0 answered 200 in 40 µs
//   std::string text;
//   m.render(text);                                        // Prometheus text exposition format
//
// Each answering thread writes only its own shard (relaxed atomic loads and
// stores, no read-modify-write, no lock); render() sums the shards, so a scrape
// never slows down requests. Counts may be a few requests behind while being read.
//
// Thread-safety: Shard::record from the shard's one owning thread; render() from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace poleloc::http {

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds (+Inf is implicit).
  static constexpr std::array<double, 14> kBuckets{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                    0.01,    0.025,  0.05,    0.1,    0.25,   0.5,    1.0};
  // Statuses counted on their own; anything else is counted as "other".
  static constexpr std::array<int, 13> kStatuses{200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 500, 503, 0};

  class alignas(64) Shard {
   public:
    Shard(std::size_t routes);
    void record(std::size_t route, int status, double seconds, std::size_t poles, std::size_t grids);

   private:
    friend class Metrics;
    static void bump(std::atomic<std::uint64_t>& c, std::uint64_t by = 1) {
      c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
    }
    std::size_t routes_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> requests_;  // [route][status slot]
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;   // [route][bucket], +Inf last
    std::unique_ptr<std::atomic<std::uint64_t>[]> sum_ns_;    // [route]
    std::atomic<std::uint64_t> poles_{0}, grids_{0};
  };

  Metrics(std::vector<std::string> route_names, unsigned shards);

  Shard& shard(unsigned i) { return *shards_[i]; }
  unsigned shard_count() const { return static_cast<unsigned>(shards_.size()); }

  // Appends the request families (requests_total, duration histogram, poles/grids served).
  void render(std::string& out) const;

  // Total requests answered so far (all routes and statuses).
  std::uint64_t total_requests() const;

 private:
  std::vector<std::string> route_names_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace poleloc::http
