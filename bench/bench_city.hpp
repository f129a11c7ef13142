// bench_city.hpp: synthetic cities built once per benchmark process, shared by suites.
//
//   const BenchCity& city = bench_city(Size::large);   // 20,000 grids, 2,000,000 poles
//   city.snapshot->grid_at(city.points[i]);
//
// Sizes are the ones DESIGN.md's targets are stated for.
#pragma once

#include "snapshot_data.hpp"
#include "synthetic_city.hpp"

#include <poleloc/snapshot.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace poleloc::bench {

enum class Size { small = 0, large = 1 };

struct BenchCity {
  Dataset dataset;                          // grids and aliases (poles moved into the snapshot)
  std::vector<std::string> numbers;         // every pole's number, shuffled
  std::vector<LonLat> positions;            // pole positions (same order as the snapshot)
  std::vector<LonLat> points;               // 1,000,000 query points over the city
  std::unique_ptr<Snapshot> snapshot;
};

inline synth::CityOptions city_options(Size s) {
  return s == Size::small ? synth::CityOptions{.grids = 200, .poles = 20000, .seed = 1}
                          : synth::CityOptions{.grids = 20000, .poles = 2000000, .seed = 1};
}

inline const BenchCity& bench_city(Size s) {
  static std::unique_ptr<BenchCity> cities[2];
  auto& c = cities[static_cast<int>(s)];
  if (c) return *c;
  c = std::make_unique<BenchCity>();
  c->dataset = synth::make_city(city_options(s));
  c->points = synth::random_points(c->dataset, 1000000, 42);
  std::uint64_t x = 12345;
  for (const auto& p : c->dataset.poles) c->numbers.push_back(p.number);
  for (std::size_t i = c->numbers.size(); i > 1; --i) {  // deterministic shuffle
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    std::swap(c->numbers[i - 1], c->numbers[(x >> 33) % i]);
  }
  auto data = build_snapshot_data(std::move(c->dataset.poles), c->dataset.grids, c->dataset.aliases, 1);
  c->positions = data->positions;
  c->snapshot = std::make_unique<Snapshot>(std::move(data));
  c->dataset.poles.clear();
  return *c;
}

inline const char* size_name(Size s) { return s == Size::small ? "200grids_20kpoles" : "20kgrids_2Mpoles"; }

// Percentiles (ns) of `op` timed one call at a time over `n` calls; the clock
// read adds ~20 ns to each sample, so these are upper bounds.
template <typename Op>
std::pair<double, double> latency_p50_p99(std::size_t n, Op&& op) {
  std::vector<double> ns(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    op(i);
    const auto t1 = std::chrono::steady_clock::now();
    ns[i] = std::chrono::duration<double, std::nano>(t1 - t0).count();
  }
  std::sort(ns.begin(), ns.end());
  return {ns[n / 2], ns[n * 99 / 100]};
}

}  // namespace poleloc::bench
