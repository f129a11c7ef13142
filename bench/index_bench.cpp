// Point queries on the synthetic cities: number -> pole, point -> grid, nearest pole,
// and batch point -> grid; with Boost.Geometry R-trees as the anchor on the same data.
//
//   build/release/bench/index_bench --benchmark_filter=GridAt
//
// Each benchmark reports the mean per query (Google Benchmark's time) and
// p50_ns / p99_ns counters from a separate pass timing single calls.
#include "bench_city.hpp"

#include <benchmark/benchmark.h>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <optional>

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using namespace poleloc;
using poleloc::bench::bench_city;
using poleloc::bench::Size;

namespace {

void set_latency(benchmark::State& state, std::pair<double, double> p) {
  state.counters["p50_ns"] = p.first;
  state.counters["p99_ns"] = p.second;
}

void BM_Locate(benchmark::State& state) {
  const auto& city = bench_city(static_cast<Size>(state.range(0)));
  std::size_t i = 0;
  const std::size_t n = city.numbers.size();
  for (auto _ : state) {
    benchmark::DoNotOptimize(city.snapshot->locate(city.numbers[i]));
    if (++i == n) i = 0;
  }
  set_latency(state, bench::latency_p50_p99(200000, [&](std::size_t k) {
                benchmark::DoNotOptimize(city.snapshot->locate(city.numbers[k % n]));  // numbers are shuffled
              }));
  state.counters["build_s"] = city.build_seconds;
  state.SetLabel(bench::size_name(static_cast<Size>(state.range(0))));
}

void BM_LocateUnorderedMapAnchor(benchmark::State& state) {
  const auto& city = bench_city(static_cast<Size>(state.range(0)));
  std::unordered_map<std::string, std::uint32_t> map;
  for (std::uint32_t p = 0; p < city.snapshot->pole_count(); ++p) {
    map.emplace(std::string(city.snapshot->pole_by_index(p).number()), p);
  }
  std::size_t i = 0;
  const std::size_t n = city.numbers.size();
  for (auto _ : state) {
    benchmark::DoNotOptimize(map.find(city.numbers[i]));
    if (++i == n) i = 0;
  }
  state.SetLabel(bench::size_name(static_cast<Size>(state.range(0))));
}

void BM_GridAt(benchmark::State& state) {
  const auto& city = bench_city(static_cast<Size>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(city.snapshot->grid_at(city.points[i]));
    if (++i == city.points.size()) i = 0;
  }
  set_latency(state, bench::latency_p50_p99(200000, [&](std::size_t k) {
                benchmark::DoNotOptimize(city.snapshot->grid_at(city.points[k]));
              }));
  state.SetLabel(bench::size_name(static_cast<Size>(state.range(0))));
}

// Boundary-aware answer (poleloc/boundary.hpp): distance to the grid's edge and the
// grids within 15 m, per point; what every pole answer adds. Points at poles (near streets,
// so often near grid boundaries) and uniform points over the city.
void BM_Boundary(benchmark::State& state) {
  const auto& city = bench_city(static_cast<Size>(state.range(0)));
  const auto& points = state.range(1) ? city.positions : city.points;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(city.snapshot->boundary(points[i]));
    if (++i == points.size()) i = 0;
  }
  set_latency(state, bench::latency_p50_p99(100000, [&](std::size_t k) {
                benchmark::DoNotOptimize(city.snapshot->boundary(points[k % points.size()]));
              }));
  state.SetLabel(std::string(bench::size_name(static_cast<Size>(state.range(0)))) +
                 (state.range(1) ? " at poles" : " uniform"));
}

// Anchor: Boost.Geometry R-tree of grid boxes + bg::within on each candidate polygon.
void BM_GridAtBoostRtreeAnchor(benchmark::State& state) {
  using Pt = bg::model::d2::point_xy<double>;
  using Poly = bg::model::polygon<Pt>;
  using MPoly = bg::model::multi_polygon<Poly>;
  using Box = bg::model::box<Pt>;
  const auto& city = bench_city(static_cast<Size>(state.range(0)));
  std::vector<MPoly> polys;
  std::vector<std::pair<Box, std::uint32_t>> boxes;
  for (std::uint32_t g = 0; g < city.dataset.grids.size(); ++g) {
    MPoly mp;
    for (const Polygon& p : city.dataset.grids[g].geometry) {
      Poly bp;
      for (const LonLat& q : p.rings[0]) bp.outer().emplace_back(q.lon, q.lat);
      for (std::size_t r = 1; r < p.rings.size(); ++r) {
        bp.inners().emplace_back();
        for (const LonLat& q : p.rings[r]) bp.inners().back().emplace_back(q.lon, q.lat);
      }
      bg::correct(bp);
      mp.push_back(std::move(bp));
    }
    boxes.emplace_back(bg::return_envelope<Box>(mp), g);
    polys.push_back(std::move(mp));
  }
  bgi::rtree<std::pair<Box, std::uint32_t>, bgi::rstar<16>> tree(boxes.begin(), boxes.end());
  auto query = [&](LonLat q) -> std::optional<std::uint32_t> {
    const Pt p(q.lon, q.lat);
    for (auto it = tree.qbegin(bgi::intersects(p)); it != tree.qend(); ++it) {
      if (bg::within(p, polys[it->second])) return it->second;
    }
    return std::nullopt;
  };
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(query(city.points[i]));
    if (++i == city.points.size()) i = 0;
  }
  set_latency(state, bench::latency_p50_p99(200000, [&](std::size_t k) { benchmark::DoNotOptimize(query(city.points[k])); }));
  state.SetLabel(bench::size_name(static_cast<Size>(state.range(0))));
}

void BM_Nearest1(benchmark::State& state) {
  const auto& city = bench_city(static_cast<Size>(state.range(0)));
  const NearestOptions opt{.k = 1};
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(city.snapshot->nearest(city.points[i], opt));
    if (++i == city.points.size()) i = 0;
  }
  set_latency(state, bench::latency_p50_p99(200000, [&](std::size_t k) {
                benchmark::DoNotOptimize(city.snapshot->nearest(city.points[k], opt));
              }));
  state.SetLabel(bench::size_name(static_cast<Size>(state.range(0))));
}

// Anchor: Boost.Geometry R-tree nearest in planar degrees (a different pole than the geodesic nearest at times).
void BM_Nearest1BoostRtreeAnchor(benchmark::State& state) {
  using Pt = bg::model::point<double, 2, bg::cs::cartesian>;
  const auto& city = bench_city(static_cast<Size>(state.range(0)));
  std::vector<std::pair<Pt, std::uint32_t>> pts;
  for (std::uint32_t i = 0; i < city.positions.size(); ++i) pts.emplace_back(Pt(city.positions[i].lon, city.positions[i].lat), i);
  bgi::rtree<std::pair<Pt, std::uint32_t>, bgi::rstar<16>> tree(pts.begin(), pts.end());
  auto query = [&](LonLat q) {
    std::pair<Pt, std::uint32_t> out;
    tree.query(bgi::nearest(Pt(q.lon, q.lat), 1), &out);
    return out.second;
  };
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(query(city.points[i]));
    if (++i == city.points.size()) i = 0;
  }
  set_latency(state, bench::latency_p50_p99(200000, [&](std::size_t k) { benchmark::DoNotOptimize(query(city.points[k])); }));
  std::size_t differ = 0;
  const NearestOptions opt{.k = 1};
  for (std::size_t k = 0; k < 20000; ++k) {
    differ += (*city.snapshot->nearest(city.points[k], opt))[0].pole.index() != query(city.points[k]);
  }
  state.counters["planar_differs_pct"] = 100.0 * differ / 20000;
  state.SetLabel(bench::size_name(static_cast<Size>(state.range(0))));
}

// k = 1 for points outside the poles' bounding box (up to half the city's size
// beyond it: `outside`) and anywhere on Earth (`far`, range(1) = 1).
void BM_Nearest1Outside(benchmark::State& state) {
  const auto& city = bench_city(static_cast<Size>(state.range(0)));
  const auto& pts = state.range(1) ? city.far : city.outside;
  const NearestOptions opt{.k = 1};
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(city.snapshot->nearest(pts[i], opt));
    if (++i == pts.size()) i = 0;
  }
  set_latency(state, bench::latency_p50_p99(pts.size(), [&](std::size_t k) {
                benchmark::DoNotOptimize(city.snapshot->nearest(pts[k], opt));
              }));
  state.SetLabel(std::string(bench::size_name(static_cast<Size>(state.range(0)))) + (state.range(1) ? " far" : " outside"));
}

void BM_Nearest1OutsideBoostRtreeAnchor(benchmark::State& state) {
  using Pt = bg::model::point<double, 2, bg::cs::cartesian>;
  const auto& city = bench_city(static_cast<Size>(state.range(0)));
  const auto& pts = state.range(1) ? city.far : city.outside;
  std::vector<std::pair<Pt, std::uint32_t>> all;
  for (std::uint32_t i = 0; i < city.positions.size(); ++i) all.emplace_back(Pt(city.positions[i].lon, city.positions[i].lat), i);
  bgi::rtree<std::pair<Pt, std::uint32_t>, bgi::rstar<16>> tree(all.begin(), all.end());
  auto query = [&](LonLat q) {
    std::pair<Pt, std::uint32_t> out;
    tree.query(bgi::nearest(Pt(q.lon, q.lat), 1), &out);
    return out.second;
  };
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(query(pts[i]));
    if (++i == pts.size()) i = 0;
  }
  set_latency(state, bench::latency_p50_p99(pts.size(), [&](std::size_t k) { benchmark::DoNotOptimize(query(pts[k])); }));
  state.SetLabel(std::string(bench::size_name(static_cast<Size>(state.range(0)))) + (state.range(1) ? " far" : " outside"));
}

void BM_BatchGridAt(benchmark::State& state) {
  const auto& city = bench_city(static_cast<Size>(state.range(0)));
  std::vector<double> lons, lats;
  for (const LonLat& p : city.points) {
    lons.push_back(p.lon);
    lats.push_back(p.lat);
  }
  std::vector<std::int32_t> out(lons.size());
  const auto threads = static_cast<unsigned>(state.range(1));
  for (auto _ : state) {
    city.snapshot->grid_indexes_at(lons, lats, out, threads);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * lons.size()));
  state.SetLabel(std::string(bench::size_name(static_cast<Size>(state.range(0)))) + " threads=" +
                 std::to_string(threads));
}

}  // namespace

// Shapes (bench_city.hpp): 0 small, 1 large, 2 many codes + 2 % outside, 3 as 2 with sparse 8-digit serials.
BENCHMARK(BM_Locate)->DenseRange(0, 3);
BENCHMARK(BM_LocateUnorderedMapAnchor)->DenseRange(0, 3);
BENCHMARK(BM_GridAt)->DenseRange(0, 2);
BENCHMARK(BM_GridAtBoostRtreeAnchor)->DenseRange(0, 2);
BENCHMARK(BM_Boundary)->ArgsProduct({{0, 1}, {0, 1}});
BENCHMARK(BM_Nearest1)->DenseRange(0, 2);
BENCHMARK(BM_Nearest1BoostRtreeAnchor)->DenseRange(0, 2);
// Points just outside the data only: points thousands of km away still take
// seconds (no pruning there yet; docs/performance.md), which would stall `make bench`.
BENCHMARK(BM_Nearest1Outside)->ArgsProduct({{1, 2}, {0, 1}});
BENCHMARK(BM_Nearest1OutsideBoostRtreeAnchor)->ArgsProduct({{1, 2}, {0, 1}});
BENCHMARK(BM_BatchGridAt)->Args({1, 1})->Args({1, 2})->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
