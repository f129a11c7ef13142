// Writes on the 2,000,000-pole city, and reads with and without writes going on.
//
//   build/release/bench/write_bench --benchmark_counters_tabular=true
//
// A Service over an embedded RocksDB holds the large synthetic city (imported
// once per run into a temporary directory, removed at the end). Then:
//   BM_PutPole          a single put_pole (a pole moved), durable (synced log) and
//                       visible: timed until snapshot()->locate() shows it;
//   BM_PutDeletePole    a new pole put then deleted (two writes per iteration);
//   BM_ReadDuringWrites/kind:0..3
//                       locate, grid_at, nearest (k=5), resolve, each on a fresh
//                       snapshot() per query as a server does: 12 s with no
//                       writes and 36 s while another thread writes 100 times
//                       a second (the overlay grows; the background merge
//                       builds new bases), in 15 interleaved rounds, with
//                       the change in p50/p99/mean;
//   BM_SyncedWriteAnchor/0..2
//                       the floor under every write: a bare RocksDB
//                       database beside the bench's, one synced WriteBatch
//                       of the same keys and bytes as a pole write's, back
//                       to back (/0, as BM_PutPole) and 100 times a second
//                       (/1, as the writer of BM_ReadDuringWrites); with a
//                       grid's record, 10 times a second (/2, as BM_PutGrid/3);
//   BM_BuildOverlay / BM_ExtendOverlay
//                       what a write builds besides the store: the whole delta
//                       of n edits, or the recent layer of the last n writes.
// The write benchmarks report p50_ns / p99_ns from single timed calls.
#include "bench_city.hpp"
#include "geo/polygon_check.hpp"
#include "overlay.hpp"
#include "service_impl.hpp"

#include <poleloc/service.hpp>

#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <unistd.h>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

using namespace poleloc;

namespace {

struct WriteCity {
  std::string dir;
  std::unique_ptr<Service> service;
  std::vector<PoleRecord> sample;  // poles to move
  std::vector<LonLat> points;
  std::vector<std::string> numbers;
  std::size_t moves = 0;  // writes made by BM_ReadDuringWrites so far: each moves a pole somewhere new
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

// Boundaries moved as an editor moves them: the second vertex of one of
// `grids` moved by `step` degrees (1e-5: about a metre; east, then back west on the next round) in
// every grid of the snapshot holding it, as one batch of two or three grids.
// Each move is built from the grids as the moves before it left them.
class BoundaryMoves {
 public:
  BoundaryMoves(const Snapshot& snap, std::vector<GridRecord> grids, double step = 1e-5)
      : grids_(std::move(grids)), step_(step) {
    for (const GridRecord& g : grids_) sharing_[{g.geometry[0].rings[0][1].lon, g.geometry[0].rings[0][1].lat}];
    snap.for_each_grid([&](GridView v) {
      for (const Polygon& poly : v.geometry()) {
        for (const LonLat& q : poly.rings[0]) {
          auto it = sharing_.find({q.lon, q.lat});
          if (it == sharing_.end() || (!it->second.empty() && it->second.back() == v.id())) continue;
          it->second.emplace_back(v.id());
          current_.emplace(std::string(v.id()), v.record());
        }
      }
    });
  }
  // Move i; the grids then stand as it leaves them (it is to be stored).
  ChangeSet move(std::size_t i) {
    const LonLat v = grids_[i % grids_.size()].geometry[0].rings[0][1];
    const double d = step_ * static_cast<double>(i / grids_.size() % 2 ? -1 : 1);
    auto node = sharing_.extract({v.lon, v.lat});
    ChangeSet c;
    for (const std::string& id : node.mapped()) {
      GridRecord& g = current_.at(id);
      for (Polygon& poly : g.geometry) {
        for (auto& ring : poly.rings) {
          for (LonLat& q : ring) {
            if (q == v) q.lon += d;
          }
        }
      }
      c.put_grids.push_back(g);
    }
    grids_[i % grids_.size()].geometry[0].rings[0][1].lon += d;
    node.key() = {v.lon + d, v.lat};
    sharing_.insert(std::move(node));
    return c;
  }

 private:
  std::vector<GridRecord> grids_;
  double step_;
  std::map<std::pair<double, double>, std::vector<std::string>> sharing_;  // vertex -> the grids holding it
  std::map<std::string, GridRecord, std::less<>> current_;
};

// A single grid write on the 2M city (20,000 grids), durable and visible:
// /0 a new manager in the grid's attributes (the outline as it was), /1 the
// outline redrawn (one vertex moved by about a metre, allow_overlap), both
// back to back (a stress: the merge cannot keep up); /2 a new manager with
// the overlay merged before each write (a write alone); /3 a new manager at
// 10 writes/s with the merge running as it does in service; /4 as /0 for
// 1,200 writes (a long stream: the overlay passes four times its merge size,
// 256 grids, and the merge must finish on a machine the writes keep busy;
// `merges` counts those that did); /5 as /1 at 10 writes/s, as /3 (a redraw
// moves poles between grids: their membership is derived again); /6 a
// boundary moved as an editor moves it: a vertex shared by neighbouring grids
// moved by about a metre in each of them, one batch of two or three grids
// that overlaps nothing (each new version stands for the old one, and only
// the poles that change grid are copied), at 10 writes/s; /7 as /6 back to
// back. Each is checked
// against its neighbours for overlaps, stored, and published with the grid's
// poles' membership derived again.
void BM_PutGrid(benchmark::State& state) {
  WriteCity& w = write_city();
  settle(*w.service);
  std::vector<GridRecord> grids;
  w.service->snapshot()->for_each_grid([&](GridView g) {
    if (grids.size() < 500 && g.index() % 37 == 0) grids.push_back(g.record());
  });
  const std::vector<GridRecord> originals = grids;
  std::vector<double> ns;
  std::size_t i = 0;
  WriteOptions options;
  // Redraws (/1) overlap their neighbours a little, and /2 may follow them in
  // the same run: both accept overlaps (the check runs and reports all the same).
  options.allow_overlap = state.range(0) != 0 && state.range(0) != 4;
  const std::uint64_t merges_before = w.service->merge_activity().merges;
  auto next = std::chrono::steady_clock::now();
  const bool redraw = state.range(0) == 1 || state.range(0) == 5;
  const bool paced = state.range(0) == 3 || state.range(0) == 5 || state.range(0) == 6;
  const bool boundary = state.range(0) == 6 || state.range(0) == 7;
  std::optional<BoundaryMoves> moves;  // /6 and /7
  if (boundary) moves.emplace(*w.service->snapshot(), grids);
  for (auto _ : state) {
    if (state.range(0) == 2 || paced) {
      state.PauseTiming();
      if (state.range(0) == 2) settle(*w.service);
      next += std::chrono::milliseconds(100);
      if (paced) std::this_thread::sleep_until(next);
      state.ResumeTiming();
    }
    if (boundary) {
      ChangeSet c = moves->move(i);
      const GridRecord first = c.put_grids.front();
      const auto t0 = std::chrono::steady_clock::now();
      if (auto r = w.service->apply(c); !r) state.SkipWithError(r.status().message().c_str());
      auto seen = w.service->snapshot()->grid(first.id);
      const auto t1 = std::chrono::steady_clock::now();
      if (!seen || seen->geometry() != first.geometry) state.SkipWithError("the write is not visible");
      ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
      ++i;
      continue;
    }
    GridRecord g = grids[i % grids.size()];
    if (!redraw) {
      g.attributes.push_back({"manager", "manager " + std::to_string(i)});
    } else {
      auto& ring = g.geometry[0].rings[0];
      ring[1].lon += 1e-5 * static_cast<double>(i / grids.size() % 2 ? -1 : 1);
    }
    const auto t0 = std::chrono::steady_clock::now();
    if (auto st = w.service->put_grid(g, options); !st) state.SkipWithError(st.message().c_str());
    auto seen = w.service->snapshot()->grid(g.id);
    const auto t1 = std::chrono::steady_clock::now();
    if (!seen || seen->attributes() != g.attributes) state.SkipWithError("the write is not visible");
    ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    if (redraw) grids[i % grids.size()] = g;
    ++i;
  }
  set_latency(state, ns);
  state.counters["merges"] = static_cast<double>(w.service->merge_activity().merges - merges_before);
  if (redraw) {
    // Put the redrawn outlines back, so that /4 (no overlap allowed) finds the
    // grids as imported when it runs after /1 in the same process.
    for (std::size_t k = 0; k < std::min(i, originals.size()); ++k) {
      if (auto st = w.service->put_grid(originals[k], options); !st) state.SkipWithError(st.message().c_str());
    }
  }
}
BENCHMARK(BM_PutGrid)->Arg(0)->Arg(1)->Iterations(300)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_PutGrid)->Arg(2)->Iterations(20)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_PutGrid)->Arg(3)->Iterations(200)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_PutGrid)->Arg(4)->Iterations(1200)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_PutGrid)->Arg(5)->Iterations(200)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_PutGrid)->Arg(6)->Iterations(200)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_PutGrid)->Arg(7)->Iterations(300)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Boundaries moved where grids are detailed: a city of its own, 64 grids of
// 50,000 vertices each (3.2 million) and 20,000 poles, and on it the moves of
// BM_PutGrid/7 (by a millimetre), back to back. Each moved grid is validated, and checked for
// overlaps against the grids near its moved corner (whole outlines of 50,000
// vertices), not against every neighbour.
void BM_PutGridDetailed(benchmark::State& state) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string dir =
      std::string(tmp ? tmp : "/tmp") + "/poleloc_write_bench_detailed_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::vector<double> ns;
  {
    auto svc = Service::open(dir);
    if (!svc) throw std::runtime_error(svc.status().message());
    Service& service = **svc;
    auto report = service.import(
        synth::make_city({.grids = 64, .poles = 20000, .seed = 1, .vertices_per_grid = 50000}));
    if (!report) throw std::runtime_error(report.status().message());
    settle(service);
    std::vector<GridRecord> grids;
    service.snapshot()->for_each_grid([&](GridView g) {
      if (g.index() % 3 == 0) grids.push_back(g.record());
    });
    BoundaryMoves moves(*service.snapshot(), grids, 1e-8);  // about a millimetre: the vertices are centimetres apart
    std::size_t i = 0;
    for (auto _ : state) {
      ChangeSet c = moves.move(i++);
      const GridRecord first = c.put_grids.front();
      const auto t0 = std::chrono::steady_clock::now();
      if (auto r = service.apply(std::move(c)); !r) state.SkipWithError(r.status().message().c_str());
      auto seen = service.snapshot()->grid(first.id);
      const auto t1 = std::chrono::steady_clock::now();
      if (!seen || seen->geometry() != first.geometry) state.SkipWithError("the write is not visible");
      ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  set_latency(state, ns);
}
BENCHMARK(BM_PutGridDetailed)->Iterations(60)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same-run anchor of the write benchmarks: what the disk itself costs.
// A plain RocksDB database in the same directory as the bench's (same file
// system), default options, and per write one synced WriteBatch shaped like a
// pole write's (poleloc.store: the versioned record, the sequence, its time
// and a change-log chunk; about 200 bytes). A poleloc write costs this plus
// its checks and its overlay. /2 is the floor under BM_PutGrid/3: the same
// batch with a grid's encoded record in place of the pole's (a grid of the
// city, its size in record_bytes), 10 times a second. After 100 ms with no
// write this disk syncs slower than at 100 a second (a raw fdatasync of
// 3 KB here: p50 0.6-0.8 ms every 100 ms, 0.3-0.4 ms every 10 ms, whether
// the thread sleeps or spins meanwhile).
void BM_SyncedWriteAnchor(benchmark::State& state) {
  WriteCity& w = write_city();  // the same machine state as the other write benchmarks
  const std::string dir = w.dir + "-anchor";
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  if (auto s = rocksdb::DB::Open(options, dir, &raw); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  std::string record(120, 'r');
  const std::string log(40, 'l');
  if (state.range(0) == 2) {
    // The 38th grid met, whatever its index: after BM_PutGrid the grids it
    // wrote stand in the overlay under other indexes (grid 37 among them,
    // which left this anchor with a pole-sized record until 2026-12-06).
    std::size_t met = 0;
    w.service->snapshot()->for_each_grid([&](GridView g) {
      if (met++ == 37) record = store::encode_grid(g.record());
    });
  }
  state.counters["record_bytes"] = static_cast<double>(record.size());
  std::vector<double> ns;
  std::size_t i = 0;
  auto next = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (state.range(0) != 0) {
      state.PauseTiming();
      next += std::chrono::milliseconds(state.range(0) == 1 ? 10 : 100);
      std::this_thread::sleep_until(next);
      state.ResumeTiming();
    }
    rocksdb::WriteBatch batch;
    const std::string n = std::to_string(1000000 + i);
    batch.Put("poles/TJH" + n, record);
    batch.Put("meta/sequence", n);
    batch.Put("meta/seqtime/" + n, n);
    batch.Put("meta/log/" + n, log);
    const auto t0 = std::chrono::steady_clock::now();
    if (auto s = db->Write(sync, &batch); !s.ok()) state.SkipWithError(s.ToString().c_str());
    ns.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count());
    ++i;
  }
  set_latency(state, ns);
  db.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
BENCHMARK(BM_SyncedWriteAnchor)->Arg(0)->Iterations(3000)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_SyncedWriteAnchor)->Arg(1)->Iterations(1000)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_SyncedWriteAnchor)->Arg(2)->Iterations(200)->Unit(benchmark::kMicrosecond)->UseRealTime();

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

// `n` grids of `snap` spread over the city, each with a new manager attribute.
std::vector<GridRecord> grids_with_new_manager(const Snapshot& snap, std::size_t n) {
  std::vector<GridRecord> grids;
  snap.for_each_grid([&](GridView g) {
    if (grids.size() < n && g.index() % 53 == 0) {
      grids.push_back(g.record());
      grids.back().attributes.push_back({"manager", "new"});
    }
  });
  return grids;
}

// The delta of `n` grid writes (a new manager each, the outline as it was) on
// the 2M base: what the write that finds the recent layer full pays. /n/0:
// written as if they might overlap another grid, so every pole of those
// grids is given its grid again (as for a redrawn outline); /n/1: as
// Service::apply writes them after its overlap check found none, when no
// pole is copied (overlay.hpp); /n/2: each outline shrunk by about a metre
// towards its box's centre, found overlapping nothing: only the poles in the
// strip it gave up are copied (a redraw as an editor saves it).
void BM_BuildOverlayGrids(benchmark::State& state) {
  WriteCity& w = write_city();
  settle(*w.service);
  auto snap = w.service->snapshot();
  OverlayEdits edits;
  store::Change change;
  change.put_grids = grids_with_new_manager(*snap, static_cast<std::size_t>(state.range(0)));
  if (state.range(1) == 2) {
    for (GridRecord& g : change.put_grids) {
      const BBox box = geo::bounding_box(g.geometry);
      const LonLat c{(box.min_lon + box.max_lon) / 2, (box.min_lat + box.max_lat) / 2};
      const double f = 1 - 1e-5 / std::max(1e-9, box.max_lon - box.min_lon);  // about a metre at the edge
      for (Polygon& poly : g.geometry) {
        for (auto& ring : poly.rings) {
          for (LonLat& q : ring) q = {c.lon + (q.lon - c.lon) * f, c.lat + (q.lat - c.lat) * f};
        }
      }
    }
  }
  change.put_grids_overlap_none.assign(change.put_grids.size(), state.range(1) != 0);
  edits.add(change, snap->stats().sequence + 1);
  for (auto _ : state) benchmark::DoNotOptimize(build_overlay(snap->data(), edits, snap->stats().sequence + 1));
  state.counters["delta_poles"] =
      static_cast<double>(build_overlay(snap->data(), edits, snap->stats().sequence + 1)->delta->pole_count());
}
BENCHMARK(BM_BuildOverlayGrids)
    ->ArgsProduct({{1, 16, 64}, {0, 1, 2}})
    ->Args({256, 1})
    ->Args({256, 2})
    ->Unit(benchmark::kMicrosecond);

// Times building the recent layer of `writes` (single writes, in order) on
// the delta of `first`, all after `snap`: what a write costs besides the
// store once the overlay holds a delta.
void time_recent_layer(benchmark::State& state, const Snapshot& snap, const store::Change& first,
                       const std::vector<store::Change>& writes) {
  const std::uint64_t seq = snap.stats().sequence;
  OverlayEdits edits;
  edits.add(first, seq + 1);
  auto delta = build_overlay(snap.data(), edits, seq + 1);
  for (std::size_t i = 0; i < writes.size(); ++i) edits.add(writes[i], seq + 2 + i);
  const std::uint64_t last = seq + 1 + writes.size();
  for (auto _ : state) benchmark::DoNotOptimize(build_overlay(snap.data(), edits, last, delta.get()));
  state.counters["recent_poles"] = static_cast<double>(build_overlay(snap.data(), edits, last, delta.get())->recent_count());
}

// What a grid write costs besides the store and the checks once the delta
// holds 16 grid writes: building the recent layer of the last `n` grid writes
// (the write itself included), with the poles whose grid they change (/n/0)
// or, found overlapping nothing, with none (/n/1; see BM_BuildOverlayGrids).
void BM_ExtendOverlayGrids(benchmark::State& state) {
  WriteCity& w = write_city();
  settle(*w.service);
  auto snap = w.service->snapshot();
  const std::vector<GridRecord> grids = grids_with_new_manager(*snap, 16 + static_cast<std::size_t>(state.range(0)));
  const bool overlap_none = state.range(1) != 0;
  store::Change first;
  first.put_grids.assign(grids.begin(), grids.begin() + 16);
  first.put_grids_overlap_none.assign(16, overlap_none);
  std::vector<store::Change> writes(static_cast<std::size_t>(state.range(0)));
  for (std::size_t i = 0; i < writes.size(); ++i) {
    writes[i].put_grids.push_back(grids[16 + i]);
    writes[i].put_grids_overlap_none.push_back(overlap_none);
  }
  time_recent_layer(state, *snap, first, writes);
}
BENCHMARK(BM_ExtendOverlayGrids)->ArgsProduct({{1, 4, 16}, {0, 1}})->Unit(benchmark::kMicrosecond);

// What a pole write costs besides the store once the overlay holds a delta of
// 1,000 edited poles: building the recent layer of the last `n` pole writes
// (the write itself included) on top of it.
void BM_ExtendOverlay(benchmark::State& state) {
  WriteCity& w = write_city();
  settle(*w.service);
  auto snap = w.service->snapshot();
  store::Change first;
  for (std::size_t i = 0; i < 1000; ++i) {
    PoleRecord p = w.sample[i * 7 % w.sample.size()];
    p.position.lon += 1e-6;
    first.put_poles.push_back(p);
  }
  std::vector<store::Change> writes(static_cast<std::size_t>(state.range(0)));
  for (std::size_t i = 0; i < writes.size(); ++i) {
    PoleRecord p = w.sample[(i * 13 + 5) % w.sample.size()];
    p.position.lat += 1e-6;
    writes[i].put_poles.push_back(p);
  }
  time_recent_layer(state, *snap, first, writes);
}
BENCHMARK(BM_ExtendOverlay)->Arg(1)->Arg(16)->Arg(64)->Unit(benchmark::kMicrosecond);

// The cost of the overlay to readers alone (no writer running): queries on the
// base with an overlay of `n` moved poles, against the same base without one.
// kind 0 locate, 1 nearest k=5, 2 resolve with the caller's position.
// The two snapshots take turns every 256 timed runs, on the same mix of
// queries, so that the drift of a shared machine falls on both alike: mean_ns / p50 / p99
// with the overlay, plain_mean_ns without, overlay_cost_pct the difference.
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
  // locate is timed in runs of 16 (the clock ticks in about 10 ns), nearest one call at a time.
  const std::size_t run = kind == 0 ? 16 : 1;
  auto query = [&](const Snapshot& s, std::size_t i) {
    if (kind == 0) {
      benchmark::DoNotOptimize(s.locate(w.numbers[i % w.numbers.size()]));
    } else if (kind == 1) {
      benchmark::DoNotOptimize(s.nearest(w.points[i % w.points.size()], {.k = 5}));
    } else {
      ResolveOptions o;
      o.near = w.points[i % w.points.size()];
      benchmark::DoNotOptimize(s.resolve(w.numbers[i % w.numbers.size()], o));
    }
  };
  // The plain base answers the queries half the lists away (not those just
  // asked, whose cells are still in cache): over the run both ask every query.
  constexpr std::size_t kTurn = 256, kOther = 50000;
  std::vector<double> ns;
  ns.reserve(400000);
  double plain_sum = 0;
  std::size_t plain_runs = 0, i = 0, turn_from = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t r = 0; r < run; ++r) query(*snap, i + r);
    const auto t1 = std::chrono::steady_clock::now();
    ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(run));
    i += run;
    if (n > 0 && ns.size() % kTurn == 0) {
      // The plain base's turn, untimed by the framework, on the same queries.
      state.PauseTiming();
      for (std::size_t j = turn_from; j < i; j += run) {
        const auto p0 = std::chrono::steady_clock::now();
        for (std::size_t r = 0; r < run; ++r) query(*plain, j + r + kOther);
        plain_sum += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - p0).count() / static_cast<double>(run);
        ++plain_runs;
      }
      turn_from = i;
      state.ResumeTiming();
    }
  }
  double sum = 0;
  for (double v : ns) sum += v;
  const double mean = sum / static_cast<double>(ns.size());
  state.counters["mean_ns"] = mean;
  if (plain_runs) {
    const double plain_mean = plain_sum / static_cast<double>(plain_runs);
    state.counters["plain_mean_ns"] = plain_mean;
    state.counters["overlay_cost_pct"] = 100.0 * (mean - plain_mean) / plain_mean;
  }
  set_latency(state, ns);
}
BENCHMARK(BM_QueryWithOverlay)->ArgNames({"kind", "overlay"})->ArgsProduct({{0, 1}, {0, 100, 1000}})->Iterations(300000);
BENCHMARK(BM_QueryWithOverlay)->ArgNames({"kind", "overlay"})->ArgsProduct({{2}, {0, 100, 1000}})->Iterations(50000);

// What the background merge costs: folding an overlay of `n` moved poles into a
// new 2M-pole base (flatten, as the merge thread does, here at normal priority).
void BM_Merge(benchmark::State& state) {
  WriteCity& w = write_city();
  settle(*w.service);
  auto plain = w.service->snapshot();
  OverlayEdits edits;
  store::Change change;
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    PoleRecord p = w.sample[(static_cast<std::size_t>(i) * 7919) % w.sample.size()];
    p.position.lon += 1e-6;
    change.put_poles.push_back(p);
  }
  edits.add(change, plain->stats().sequence + 1);
  const Snapshot snap(plain->base(), build_overlay(plain->data(), edits, plain->stats().sequence + 1));
  for (auto _ : state) benchmark::DoNotOptimize(flatten(snap));
}
BENCHMARK(BM_Merge)->Arg(1024)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

enum Kind { kLocate = 0, kGridAt = 1, kNearest = 2, kResolve = 3 };

// Latencies in a fixed amount of memory however long a phase runs: 1 ns
// buckets below 1 µs, then 128 buckets per power of two (under 1 % error).
class Latencies {
 public:
  void add(double ns) {
    ++count_;
    sum_ += ns;
    const auto v = static_cast<std::uint64_t>(ns < 0 ? 0 : ns);
    ++buckets_[bucket(v)];
  }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0; }
  double quantile(double q) const {
    const auto want = static_cast<std::uint64_t>(q * static_cast<double>(count_));
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < buckets_.size(); ++b) {
      seen += buckets_[b];
      if (seen > want) return value(b);
    }
    return value(buckets_.size() - 1);
  }
  std::uint64_t count() const { return count_; }
  void add(const Latencies& other) {
    for (std::size_t b = 0; b < buckets_.size(); ++b) buckets_[b] += other.buckets_[b];
    count_ += other.count_;
    sum_ += other.sum_;
  }

 private:
  static constexpr std::size_t kLinear = 1024, kPerOctave = 128, kOctaves = 30;
  static std::size_t bucket(std::uint64_t v) {
    if (v < kLinear) return v;
    const int octave = 63 - __builtin_clzll(v);  // >= 10
    const std::uint64_t within = (v >> (octave - 7)) & (kPerOctave - 1);
    return std::min<std::size_t>(kLinear + (octave - 10) * kPerOctave + within, kLinear + kOctaves * kPerOctave - 1);
  }
  static double value(std::size_t b) {
    if (b < kLinear) return static_cast<double>(b);
    const std::size_t octave = (b - kLinear) / kPerOctave + 10, within = (b - kLinear) % kPerOctave;
    return std::ldexp(1.0 + (static_cast<double>(within) + 0.5) / kPerOctave, static_cast<int>(octave));
  }
  std::vector<std::uint64_t> buckets_ = std::vector<std::uint64_t>(kLinear + kOctaves * kPerOctave);
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

// Reads as a server makes them (a fresh snapshot() per query) for `seconds` of
// wall time. Queries of well under a microsecond (locate, grid_at) are timed
// in runs of 16, each run giving one per-query figure: the clock here ticks in
// about 10 ns, too coarse for a single 40 ns call. Each figure is also filed by
// what the merge thread was doing when the run started (merge_activity()).
struct ReadLatencies {
  Latencies all, merge_idle, merge_building, merge_freeing;
  void add(const ReadLatencies& o) {
    all.add(o.all), merge_idle.add(o.merge_idle), merge_building.add(o.merge_building), merge_freeing.add(o.merge_freeing);
  }
};

// The snapshot the quiet phases read: the writing service's base alone (no
// overlay), published as Service::snapshot() publishes (an atomic shared_ptr,
// loaded by a call that is not inlined).
std::atomic<std::shared_ptr<const Snapshot>> quiet_snapshot;
[[gnu::noinline]] std::shared_ptr<const Snapshot> load_quiet_snapshot() { return quiet_snapshot.load(); }

// Each query takes the writing service's snapshot() as a server's request
// does, or, with `quiet`, load_quiet_snapshot().
ReadLatencies read_for(WriteCity& w, Kind kind, double seconds, bool quiet = false) {
  ReadLatencies out;
  const std::size_t run = kind == kLocate || kind == kGridAt ? 16 : 1;
  std::size_t i = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    const Service::MergeActivity merge = w.service->merge_activity();
    const auto t0 = std::chrono::steady_clock::now();
    if (t0 >= until) break;
    for (std::size_t r = 0; r < run; ++r, ++i) {
      auto snap = quiet ? load_quiet_snapshot() : w.service->snapshot();
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
    }
    const auto t1 = std::chrono::steady_clock::now();
    const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(run);
    out.all.add(ns);
    (merge.building ? out.merge_building : merge.freeing ? out.merge_freeing : out.merge_idle).add(ns);
  }
  return out;
}

// Reads with no writes, then the same reads while another thread writes 100
// times a second: the overlay grows to 1,024 poles and the background merge
// folds it into a new base about every 10 s, so the write windows hold the
// merges at their natural rate. The phases alternate every few seconds (this
// shared machine drifts by several per cent over a minute, and only
// alternating often keeps that drift out of the change): 15 rounds of 0.8 s
// with no writes, then 2.4 s of writes on the current snapshot; 12 s quiet
// and 36 s of writes in all. The quiet phases read the writing service's
// current base alone, without its overlay: the same memory the next write
// phase reads under its overlay (until a merge builds a new base), taken
// through a call as Service::snapshot() is (a local atomic was 0.6 ns a
// locate faster than that call, which the change would have charged to the
// writes). A second copy of the same data is not the same baseline: a
// read-only Service opened on the same database answered nearest k=5 36 ns
// (4 %) slower than the writing one in the same process, both without writes
// (2026-12-04), so that the change measured which copy was luckier in its
// memory as much as the writes. The writer only pauses between
// rounds, for less than the 1 s after which a pause would start a merge, and
// a quiet phase starts only once no merge is running. Side by side, in one run:
//   quiet_p50/p99/mean_ns   no writes, no overlay
//   write_p50/p99/mean_ns   during the writes
//   p50/p99/mean_change_pct the difference
//   merges                  new bases built during the run
//   put_p50_us/put_p99_us   the writer's own writes
void BM_ReadDuringWrites(benchmark::State& state) {
  WriteCity& w = write_city();
  const auto kind = static_cast<Kind>(state.range(0));
  constexpr int kRounds = 15;
  constexpr double kQuietSeconds = 0.8, kWriteSeconds = 2.4;
  for (auto _ : state) {
    settle(*w.service);
    Latencies quiet;
    ReadLatencies during;
    double seconds = 0;
    Latencies puts;  // each write's latency (added by the writer thread, read after join)
    std::atomic<bool> stop{false}, writing{false};
    std::atomic<std::size_t> writes{0}, merges{0};
    std::thread writer([&] {
      std::uint64_t base = w.service->snapshot()->stats().base_sequence;
      auto next = std::chrono::steady_clock::now();
      while (!stop.load()) {
        if (!writing.load()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          next = std::chrono::steady_clock::now();
          continue;
        }
        // A position this pole has never had, or the write would change nothing.
        const std::size_t k = w.moves++;
        PoleRecord p = w.sample[(k * 7919) % w.sample.size()];
        p.position.lon += 1e-7 * static_cast<double>(1 + k / w.sample.size());
        const auto t0 = std::chrono::steady_clock::now();
        if (auto st = w.service->put_pole(p); !st) std::fprintf(stderr, "put_pole: %s\n", st.message().c_str());
        puts.add(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count());
        ++writes;
        if (const auto b = w.service->snapshot()->stats().base_sequence; b != base) base = b, ++merges;
        next += std::chrono::milliseconds(10);  // 100 writes a second
        std::this_thread::sleep_until(next);
      }
    });
    for (int round = 0; round < kRounds; ++round) {
      while (w.service->merge_activity().building) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      quiet_snapshot.store(std::make_shared<const Snapshot>(w.service->snapshot()->base(), nullptr));
      quiet.add(read_for(w, kind, kQuietSeconds, /*quiet=*/true).all);
      quiet_snapshot.store(nullptr);
      writing = true;
      const auto started = std::chrono::steady_clock::now();
      during.add(read_for(w, kind, kWriteSeconds));
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      writing = false;
    }
    stop = true;
    writer.join();
    const Latencies& busy = during.all;

    auto change = [](double before, double after) { return 100.0 * (after - before) / before; };
    state.counters["quiet_p50_ns"] = quiet.quantile(0.5);
    state.counters["quiet_p99_ns"] = quiet.quantile(0.99);
    state.counters["quiet_mean_ns"] = quiet.mean();
    state.counters["write_p50_ns"] = busy.quantile(0.5);
    state.counters["write_p99_ns"] = busy.quantile(0.99);
    state.counters["write_mean_ns"] = busy.mean();
    state.counters["p50_change_pct"] = change(quiet.quantile(0.5), busy.quantile(0.5));
    state.counters["p99_change_pct"] = change(quiet.quantile(0.99), busy.quantile(0.99));
    state.counters["mean_change_pct"] = change(quiet.mean(), busy.mean());
    state.counters["writes_per_s"] = static_cast<double>(writes.load()) / seconds;
    state.counters["put_p50_us"] = puts.quantile(0.5) / 1000;
    state.counters["put_p99_us"] = puts.quantile(0.99) / 1000;
    state.counters["merges"] = static_cast<double>(merges.load());
    // The same reads split by what the merge thread was doing: the share of
    // the window spent building a new base, and the mean while it did.
    const double runs = static_cast<double>(busy.count());
    state.counters["merging_pct"] = runs ? 100.0 * static_cast<double>(during.merge_building.count()) / runs : 0;
    state.counters["freeing_pct"] = runs ? 100.0 * static_cast<double>(during.merge_freeing.count()) / runs : 0;
    state.counters["no_merge_mean_ns"] = during.merge_idle.mean();
    state.counters["merging_mean_ns"] = during.merge_building.mean();
  }
}
BENCHMARK(BM_ReadDuringWrites)
    ->ArgNames({"kind"})
    ->DenseRange(kLocate, kResolve)
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
