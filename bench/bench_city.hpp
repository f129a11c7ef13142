// bench_city.hpp: synthetic cities built once per benchmark process, shared by suites.
//
//   const BenchCity& city = bench_city(Size::large);   // 20,000 grids, 2,000,000 poles
//   city.snapshot->grid_at(city.points[i]);
//
// Sizes are the ones the README's performance targets are stated for.
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

// City shapes, side by side (Arg(n) of a benchmark):
//  0 small:       200 grids, 20,000 poles, one code per district (the tuned shape)
//  1 large:       20,000 grids, 2,000,000 poles, one code per district (~67 codes)
//  2 many_codes:  as large, about 100,000 area codes (one per street side or lane),
//                 serials dense from 1; 2 % of the query points outside the poles' box
//  3 sparse_wide: as many_codes, serials of 8 digits with gaps of 1-61 (long, sparse)
enum class Size { small = 0, large = 1, many_codes = 2, sparse_wide = 3 };
inline constexpr int kShapes = 4;

struct BenchCity {
  Dataset dataset;                          // grids and aliases (poles moved into the snapshot)
  std::vector<std::string> numbers;         // every pole's number, shuffled
  std::vector<LonLat> positions;            // pole positions (same order as the snapshot)
  std::vector<LonLat> points;               // 1,000,000 query points over the city (and around it, by shape)
  std::vector<LonLat> outside;              // 20,000 points outside the poles' box, up to half its size beyond
  std::vector<LonLat> far;                  // 2,000 points anywhere on Earth (|lat| <= 85)
  std::unique_ptr<Snapshot> snapshot;
  double build_seconds = 0;                 // build_snapshot_data (every index) for this city
};

inline synth::CityOptions city_options(Size s) {
  switch (s) {
    case Size::small: return synth::CityOptions{.grids = 200, .poles = 20000, .seed = 1};
    case Size::large: return synth::CityOptions{.grids = 20000, .poles = 2000000, .seed = 1};
    case Size::many_codes: return synth::CityOptions{.grids = 20000, .poles = 2000000, .seed = 1, .area_codes = 100000};
    case Size::sparse_wide:
      return synth::CityOptions{.grids = 20000, .poles = 2000000, .seed = 1, .area_codes = 100000, .serial_width = 8,
                                .serial_gap = 30};
  }
  return {};
}

// Share of the query points outside the data.
inline double outside_share(Size s) { return s == Size::many_codes || s == Size::sparse_wide ? 0.02 : 0.0; }

inline const BenchCity& bench_city(Size s) {
  static std::unique_ptr<BenchCity> cities[kShapes];
  auto& c = cities[static_cast<int>(s)];
  if (c) return *c;
  c = std::make_unique<BenchCity>();
  synth::CityOptions options = city_options(s);
  options.pole_attributes = s == Size::small || s == Size::large;  // the shapes save memory and time
  c->dataset = synth::make_city(options);
  c->points = synth::random_points(c->dataset, 1000000, 42, outside_share(s));
  c->outside = synth::random_points(c->dataset, 20000, 43, 1.0);
  for (std::uint64_t i = 0, y = 999; i < 2000; ++i) {
    y = y * 6364136223846793005ULL + 1442695040888963407ULL;
    const double lon = static_cast<double>(y >> 11) * 0x1.0p-53 * 360 - 180;
    y = y * 6364136223846793005ULL + 1442695040888963407ULL;
    const double lat = static_cast<double>(y >> 11) * 0x1.0p-53 * 170 - 85;
    c->far.push_back({lon, lat});
  }
  std::uint64_t x = 12345;
  for (const auto& p : c->dataset.poles) c->numbers.push_back(p.number);
  for (std::size_t i = c->numbers.size(); i > 1; --i) {  // deterministic shuffle
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    std::swap(c->numbers[i - 1], c->numbers[(x >> 33) % i]);
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto data = build_snapshot_data(std::move(c->dataset.poles), c->dataset.grids, c->dataset.aliases, 1);
  c->build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  c->positions = data->positions;
  c->snapshot = std::make_unique<Snapshot>(std::move(data));
  c->dataset.poles.clear();
  return *c;
}

inline const char* size_name(Size s) {
  switch (s) {
    case Size::small: return "200grids_20kpoles";
    case Size::large: return "20kgrids_2Mpoles";
    case Size::many_codes: return "2M_100kcodes_2pct_out";
    case Size::sparse_wide: return "2M_100kcodes_sparse8_2pct_out";
  }
  return "?";
}

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
