// Writes on the 2,000,000-pole city, and reads with and without writes going on.
//
//   build/release/bench/write_bench --benchmark_counters_tabular=true
//
// A Service over an embedded RocksDB holds the large synthetic city (imported
// once per run into a temporary directory, removed at the end). Then:
//   BM_PutPole          a single put_pole (a pole moved), durable (synced log) and
//                       visible: timed until snapshot()->locate() shows it;
//   BM_PutDeletePole    a new pole put then deleted (two writes per iteration);
//   BM_Read/kind/0      locate, grid_at, nearest (k=5), resolve, each on a fresh
//                       snapshot() per query as a server does, no writes;
//   BM_Read/kind/1      the same while another thread writes 100 times a second
//                       (the overlay grows; the background merge builds new bases).
// Each reports p50_ns / p99_ns from single timed calls.
#include "bench_city.hpp"
#include "overlay.hpp"

#include <poleloc/service.hpp>

#include <benchmark/benchmark.h>

#include <atomic>
#include <unistd.h>
#include <filesystem>
#include <thread>

using namespace poleloc;

namespace {

struct WriteCity {
  std::string dir;
  std::unique_ptr<Service> service;
  std::vector<PoleRecord> sample;  // poles to move
  std::vector<LonLat> points;
  std::vector<std::string> numbers;
  ~WriteCity() {
    service.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

WriteCity& write_city() {
  static std::unique_ptr<WriteCity> c = [] {
    auto made = std::make_unique<WriteCity>();
    WriteCity& w = *made;
    const char* tmp = std::getenv("TMPDIR");
    w.dir = std::string(tmp ? tmp : "/tmp") + "/poleloc_write_bench_" + std::to_string(::getpid());
    std::filesystem::remove_all(w.dir);
    Dataset city = synth::make_city(bench::city_options(bench::Size::large));
    w.points = synth::random_points(city, 100000, 42, 0.0);
    for (std::size_t i = 0; i < city.poles.size(); i += city.poles.size() / 20000) w.sample.push_back(city.poles[i]);
    for (std::size_t i = 7; i < city.poles.size(); i += city.poles.size() / 100000) w.numbers.push_back(city.poles[i].number);
    auto svc = Service::open(w.dir);
    if (!svc) throw std::runtime_error(svc.status().message());
    auto report = (*svc)->import(std::move(city));
    if (!report) throw std::runtime_error(report.status().message());
    w.service = std::move(*svc);
    return made;
  }();
  return *c;
}

void set_latency(benchmark::State& state, std::vector<double>& ns) {
  std::sort(ns.begin(), ns.end());
  state.counters["p50_ns"] = ns[ns.size() / 2];
  state.counters["p99_ns"] = ns[ns.size() * 99 / 100];
}

// Waits for the background merge so that a run starts from a base without overlay.
void settle(Service& s) {
  for (int i = 0; i < 600 && s.snapshot()->overlay(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

void BM_PutPole(benchmark::State& state) {
  WriteCity& w = write_city();
  settle(*w.service);
  std::vector<double> ns;
  std::size_t i = 0;
  for (auto _ : state) {
    PoleRecord p = w.sample[i % w.sample.size()];
    p.position.lon += (i / w.sample.size() % 2 ? -1 : 1) * 1e-6;
    const auto t0 = std::chrono::steady_clock::now();
    if (auto st = w.service->put_pole(p); !st) state.SkipWithError(st.message().c_str());
    auto seen = w.service->snapshot()->locate(p.number);
    const auto t1 = std::chrono::steady_clock::now();
    if (!seen || !(seen->position() == p.position)) state.SkipWithError("the write is not visible");
    ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    ++i;
  }
  set_latency(state, ns);
  state.counters["overlay_poles"] = static_cast<double>(w.service->snapshot()->stats().overlay_poles);
}
BENCHMARK(BM_PutPole)->Iterations(3000)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_PutDeletePole(benchmark::State& state) {
  WriteCity& w = write_city();
  std::vector<double> ns;
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string number = "NEW" + std::to_string(100000 + i);
    const LonLat at = w.points[i % w.points.size()];
    const auto t0 = std::chrono::steady_clock::now();
    if (auto st = w.service->put_pole({number, at, {}}); !st) state.SkipWithError(st.message().c_str());
    if (auto st = w.service->delete_pole(number); !st) state.SkipWithError(st.message().c_str());
    const auto t1 = std::chrono::steady_clock::now();
    ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / 2);
    ++i;
  }
  set_latency(state, ns);
}
BENCHMARK(BM_PutDeletePole)->Iterations(1000)->Unit(benchmark::kMicrosecond)->UseRealTime();

// What a write costs besides the store: building the overlay of `n` edited poles on the 2M base.
void BM_BuildOverlay(benchmark::State& state) {
  WriteCity& w = write_city();
  settle(*w.service);
  auto snap = w.service->snapshot();
  OverlayEdits edits;
  store::Change change;
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    PoleRecord p = w.sample[static_cast<std::size_t>(i) % w.sample.size()];
    p.position.lon += 1e-6;
    change.put_poles.push_back(p);
  }
  edits.add(change, snap->stats().sequence + 1);
  for (auto _ : state) benchmark::DoNotOptimize(build_overlay(snap->data(), edits, snap->stats().sequence + 1));
}
BENCHMARK(BM_BuildOverlay)->Arg(1)->Arg(100)->Arg(1000)->Arg(4000)->Unit(benchmark::kMicrosecond);

// The cost of the overlay to readers alone (no writer running): queries on the
// base with an overlay of `n` moved poles, against the same base without one.
void BM_QueryWithOverlay(benchmark::State& state) {
  WriteCity& w = write_city();
  settle(*w.service);
  auto plain = w.service->snapshot();
  const auto n = static_cast<std::size_t>(state.range(1));
  std::shared_ptr<const Snapshot> snap = plain;
  if (n > 0) {
    OverlayEdits edits;
    store::Change change;
    for (std::size_t i = 0; i < n; ++i) {
      PoleRecord p = w.sample[(i * 7919) % w.sample.size()];
      p.position.lon += 1e-6;
      change.put_poles.push_back(p);
    }
    edits.add(change, plain->stats().sequence + 1);
    snap = std::make_shared<const Snapshot>(plain->base(), build_overlay(plain->data(), edits, plain->stats().sequence + 1));
  }
  const int kind = static_cast<int>(state.range(0));
  std::vector<double> ns;
  ns.reserve(400000);
  std::size_t i = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    if (kind == 0) benchmark::DoNotOptimize(snap->locate(w.numbers[i % w.numbers.size()]));
    else benchmark::DoNotOptimize(snap->nearest(w.points[i % w.points.size()], {.k = 5}));
    const auto t1 = std::chrono::steady_clock::now();
    ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    ++i;
  }
  set_latency(state, ns);
}
BENCHMARK(BM_QueryWithOverlay)->ArgNames({"kind", "overlay"})->ArgsProduct({{0, 1}, {0, 100, 1000}})->Iterations(300000);

enum Kind { kLocate = 0, kGridAt = 1, kNearest = 2, kResolve = 3 };

void BM_Read(benchmark::State& state) {
  WriteCity& w = write_city();
  const auto kind = static_cast<Kind>(state.range(0));
  const bool writing = state.range(1) != 0;
  settle(*w.service);
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> writes{0};
  std::thread writer;
  if (writing) {
    writer = std::thread([&] {
      std::size_t i = 0;
      auto next = std::chrono::steady_clock::now();
      while (!stop.load()) {
        PoleRecord p = w.sample[(i * 7919) % w.sample.size()];
        p.position.lon += (i % 2 ? -1 : 1) * 1e-6;
        (void)w.service->put_pole(p);
        ++i;
        writes.store(i);
        next += std::chrono::milliseconds(10);  // 100 writes a second
        std::this_thread::sleep_until(next);
      }
    });
    std::this_thread::sleep_for(std::chrono::seconds(1));  // an overlay exists when the reads start
  }
  std::vector<double> ns;
  std::size_t i = 0;
  const auto started = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto snap = w.service->snapshot();
    switch (kind) {
      case kLocate: benchmark::DoNotOptimize(snap->locate(w.numbers[i % w.numbers.size()])); break;
      case kGridAt: benchmark::DoNotOptimize(snap->grid_at(w.points[i % w.points.size()])); break;
      case kNearest: benchmark::DoNotOptimize(snap->nearest(w.points[i % w.points.size()], {.k = 5})); break;
      case kResolve: {
        ResolveOptions o;
        o.near = w.points[i % w.points.size()];
        benchmark::DoNotOptimize(snap->resolve(w.numbers[i % w.numbers.size()], o));
        break;
      }
    }
    const auto t1 = std::chrono::steady_clock::now();
    ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    ++i;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  stop = true;
  if (writer.joinable()) writer.join();
  set_latency(state, ns);
  state.counters["writes_per_s"] = writing ? static_cast<double>(writes.load()) / (seconds + 1) : 0;
  state.counters["overlay_poles"] = static_cast<double>(w.service->snapshot()->stats().overlay_poles);
}
BENCHMARK(BM_Read)
    ->ArgNames({"kind", "writing"})
    ->ArgsProduct({{kLocate, kGridAt, kNearest, kResolve}, {0, 1}})
    ->Iterations(300000)
    ->Unit(benchmark::kNanosecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
