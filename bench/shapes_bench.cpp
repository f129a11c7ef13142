// City shapes side by side (issue 10 point 7): for each shape, builds the city
// once, then times every query kind of poleloc and of a same-run anchor on the
// SAME keys and points in this process, and prints one Markdown table per shape.
//
//   build/release/bench/shapes_bench > shapes.md            # every shape (~3 min, 5 GB peak)
//   build/release/bench/shapes_bench --shapes tuned,clustered_detailed --scale 0.1
//   build/release/bench/shapes_bench --list
//
// Anchors: std::unordered_map<std::string, uint32_t> for locate; for grid_at a
// Boost.Geometry rtree<box, rstar<16>> of grid boxes + bg::within on the
// candidates, and a GEOS STRtree of the grids + GEOSPreparedContains_r on
// prepared geometries (GEOS's C API, reentrant); for nearest a Boost.Geometry
// rtree<point, rstar<16>> in an equirectangular frame around the city's centre
// (planar, so not exact by geodesic distance like poleloc) and, where libs2
// is installed (POLELOC_HAVE_S2), S2's S2ClosestPointQuery over an
// S2PointIndex (exact on the sphere, not on the WGS84 ellipsoid).
//
// Latency: after an untimed warm-up pass over the queries, the mean is the wall
// time of a pass over them divided by their number (no clock read per call),
// then every call is timed alone for p50/p99 (steady_clock; the clock read costs
// about the figure under each table, included in p50/p99). Each shape runs in a
// child process (fork), so its peak RSS (VmHWM, also reset through
// /proc/self/clear_refs) starts clean; it is read after generating the city and
// building poleloc's snapshot, before the anchors, and again at the end.
// "same answer" (agree): the share of queries where the anchor gives poleloc's
// pole(s) or grid.
//
// Output: Markdown on stdout, progress on stderr. Not a Google Benchmark suite
// (bench/run.sh runs it without --benchmark flags).
#include "geo/geos_util.hpp"
#include "index/grid_index.hpp"
#include "snapshot_data.hpp"
#include "synthetic_city.hpp"

#include <benchmark/benchmark.h>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#ifdef POLELOC_HAVE_S2
#include <s2/s2closest_point_query.h>
#include <s2/s2latlng.h>
#include <s2/s2point_index.h>
#endif

#include <poleloc/snapshot.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using namespace poleloc;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// CPU seconds of this process (every thread), to read beside wall time on a loaded machine.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Shape {
  std::string name;
  std::string what;
  synth::CityOptions options;
  double outside = 0;  // share of the grid_at / k=5 query points outside the data
};

std::vector<Shape> all_shapes() {
  std::vector<Shape> s;
  s.push_back({"tuned", "the tuned large city: ~70 district codes, dense 4-5 digit serials, uniform poles, grids of 40-150 vertices, no query outside",
               {.grids = 20000, .poles = 2000000, .seed = 1}, 0.0});
  s.push_back({"many_codes", "100,000 area codes (one per street side or lane), dense serials from 1, 2 % of query points outside the data",
               {.grids = 20000, .poles = 2000000, .seed = 1, .area_codes = 100000}, 0.02});
  s.push_back({"sparse_wide", "100,000 area codes, sparse 8-digit serials (gaps of 1-61), 2 % of query points outside",
               {.grids = 20000, .poles = 2000000, .seed = 1, .area_codes = 100000, .serial_width = 8, .serial_gap = 30},
               0.02});
  s.push_back({"huge_grids", "800 grids of 50,000 vertices (40 million vertices), 2,000,000 uniform poles, 2 % of query points outside",
               {.grids = 800, .poles = 2000000, .seed = 1, .vertices_per_grid = 50000}, 0.02});
  s.push_back({"clustered_detailed", "poles clustered around 20 hot spots, grids of 2,000 vertices, one area code for the whole city (serials of 7 digits), 2 % of query points outside",
               {.grids = 20000, .poles = 2000000, .seed = 1, .area_codes = 1, .vertices_per_grid = 2000, .clusters = 20},
               0.02});
  return s;
}

// ---------------------------------------------------------------------------
// Memory: VmHWM / VmRSS of this process, MB; reset_peak() restarts VmHWM.

double status_mb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(std::strlen(field))) / 1024.0;  // kB
  }
  return 0;
}
void reset_peak() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

// ---------------------------------------------------------------------------
// Timing.

struct Latency {
  double p50 = 0, p99 = 0, mean = 0;  // ns per query
};

template <typename Op>
Latency measure(std::size_t n, Op&& op) {
  Latency l;
  // Pass 0: warm-up (caches, lazily built indexes such as GEOS's prepared ones).
  for (std::size_t i = 0; i < n; ++i) op(i);
  // Pass 1: the mean, without clock reads per call.
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < n; ++i) op(i);
  l.mean = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / static_cast<double>(n);
  // Pass 2: each call timed alone.
  std::vector<double> ns(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto a = Clock::now();
    op(i);
    const auto b = Clock::now();
    ns[i] = std::chrono::duration<double, std::nano>(b - a).count();
  }
  std::sort(ns.begin(), ns.end());
  l.p50 = ns[n / 2];
  l.p99 = ns[std::min(n - 1, n * 99 / 100)];
  return l;
}

double clock_overhead_ns() {
  std::vector<double> ns(100000);
  for (double& v : ns) {
    const auto a = Clock::now();
    const auto b = Clock::now();
    v = std::chrono::duration<double, std::nano>(b - a).count();
  }
  std::sort(ns.begin(), ns.end());
  return ns[ns.size() / 2];
}

std::string fmt_ns(double ns) {
  char buf[32];
  if (ns >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
  } else if (ns >= 1e4) {
    std::snprintf(buf, sizeof buf, "%.1f µs", ns / 1e3);
  } else if (ns >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.2f µs", ns / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f ns", ns);
  }
  return buf;
}

std::string fmt(double v, const char* f) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// ---------------------------------------------------------------------------
// Anchors.

// Equirectangular frame around the city (metres-ish), for the planar R-tree.
struct Frame {
  double lon0 = 0, lat0 = 0, kx = 1;
  explicit Frame(LonLat c) : lon0(c.lon), lat0(c.lat), kx(std::cos(c.lat * 3.14159265358979323846 / 180)) {}
  std::pair<double, double> xy(LonLat p) const { return {(p.lon - lon0) * kx, p.lat - lat0}; }
};

using BPt = bg::model::point<double, 2, bg::cs::cartesian>;
using BPtValue = std::pair<BPt, std::uint32_t>;
using BxyPt = bg::model::d2::point_xy<double>;
using BPoly = bg::model::polygon<BxyPt>;
using BMPoly = bg::model::multi_polygon<BPoly>;
using BBox2 = bg::model::box<BxyPt>;
using BBoxValue = std::pair<BBox2, std::uint32_t>;

struct BoostGrids {
  std::vector<BMPoly> polys;
  bgi::rtree<BBoxValue, bgi::rstar<16>> tree;
  explicit BoostGrids(const std::vector<GridRecord>& grids) {
    std::vector<BBoxValue> boxes;
    polys.reserve(grids.size());
    for (std::uint32_t g = 0; g < grids.size(); ++g) {
      BMPoly mp;
      for (const Polygon& p : grids[g].geometry) {
        BPoly bp;
        for (const LonLat& q : p.rings[0]) bp.outer().emplace_back(q.lon, q.lat);
        for (std::size_t r = 1; r < p.rings.size(); ++r) {
          bp.inners().emplace_back();
          for (const LonLat& q : p.rings[r]) bp.inners().back().emplace_back(q.lon, q.lat);
        }
        bg::correct(bp);
        mp.push_back(std::move(bp));
      }
      boxes.emplace_back(bg::return_envelope<BBox2>(mp), g);
      polys.push_back(std::move(mp));
    }
    tree = bgi::rtree<BBoxValue, bgi::rstar<16>>(boxes.begin(), boxes.end());  // packed (bulk) build
  }
  std::int64_t at(LonLat q) const {
    const BxyPt p(q.lon, q.lat);
    for (auto it = tree.qbegin(bgi::intersects(p)); it != tree.qend(); ++it) {
      if (bg::within(p, polys[it->second])) return it->second;
    }
    return -1;
  }
};

struct GeosGrids {
  GEOSContextHandle_t ctx = geo::geos();
  std::vector<geo::Geom> geoms;
  std::vector<const GEOSPreparedGeometry*> prepared;
  std::vector<std::uint32_t> ids;  // item pointers point here
  GEOSSTRtree* tree = nullptr;
  explicit GeosGrids(const std::vector<GridRecord>& grids) {
    tree = GEOSSTRtree_create_r(ctx, 10);
    ids.resize(grids.size());
    geoms.reserve(grids.size());
    for (std::uint32_t g = 0; g < grids.size(); ++g) {
      ids[g] = g;
      geoms.push_back(geo::make_geometry(grids[g].geometry));
      prepared.push_back(GEOSPrepare_r(ctx, geoms.back().get()));
      GEOSSTRtree_insert_r(ctx, tree, geoms.back().get(), &ids[g]);
    }
  }
  ~GeosGrids() {
    for (const GEOSPreparedGeometry* p : prepared) GEOSPreparedGeom_destroy_r(ctx, p);
    GEOSSTRtree_destroy_r(ctx, tree);
  }
  GeosGrids(const GeosGrids&) = delete;
  GeosGrids& operator=(const GeosGrids&) = delete;
  struct Query {
    const GeosGrids* self;
    const GEOSGeometry* point;
    std::int64_t found;
  };
  static void visit(void* item, void* user) {
    auto* q = static_cast<Query*>(user);
    if (q->found >= 0) return;
    const std::uint32_t g = *static_cast<const std::uint32_t*>(item);
    if (GEOSPreparedContains_r(q->self->ctx, q->self->prepared[g], q->point) == 1) q->found = g;
  }
  std::int64_t at(LonLat p) const {
    GEOSGeometry* point = GEOSGeom_createPointFromXY_r(ctx, p.lon, p.lat);
    Query q{this, point, -1};
    GEOSSTRtree_query_r(ctx, tree, point, &GeosGrids::visit, &q);
    GEOSGeom_destroy_r(ctx, point);
    return q.found;
  }
};

// ---------------------------------------------------------------------------

struct Row {
  std::string query, anchor;
  std::size_t n = 0;
  Latency ours, theirs;
  std::string agree;
};

std::vector<LonLat> deterministic_shuffle_points(std::vector<LonLat> v, std::uint64_t x) {
  for (std::size_t i = v.size(); i > 1; --i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    std::swap(v[i - 1], v[(x >> 33) % i]);
  }
  return v;
}

// --grid-index-only: the grid index alone (build time, memory, find latency), without the snapshot or the anchors.
void run_grid_index_only(const Shape& shape, double scale, double query_scale) {
  synth::CityOptions options = shape.options;
  options.grids = std::max<std::size_t>(1, static_cast<std::size_t>(static_cast<double>(options.grids) * scale));
  options.poles = 1000;
  options.pole_attributes = false;
  Dataset city = synth::make_city(options);
  const std::vector<LonLat> points = synth::random_points(
      city, std::max<std::size_t>(1000, static_cast<std::size_t>(200000 * query_scale)), 42, shape.outside);
  std::vector<const MultiPolygon*> geometries;
  for (const GridRecord& g : city.grids) geometries.push_back(&g.geometry);
  const double rss_before = status_mb("VmRSS:");
  reset_peak();
  index::GridIndex idx;
  const auto t = Clock::now();
  const double cpu = cpu_seconds();
  idx.build(geometries);
  const double wall_s = seconds_since(t), cpu_s = cpu_seconds() - cpu;
  const double peak_extra_mb = status_mb("VmHWM:") - rss_before;
  const index::GridIndex::Stats st = idx.stats();
  const Latency l = measure(points.size(), [&](std::size_t i) { benchmark::DoNotOptimize(idx.find(points[i])); });
  std::cout << "| " << shape.name << " | " << st.edges << " | " << fmt(wall_s, "%.2f") << " s | " << fmt(cpu_s, "%.2f")
            << " s | " << fmt(static_cast<double>(idx.memory_bytes()) / (1024.0 * 1024.0), "%.0f") << " MB | "
            << fmt(peak_extra_mb, "%.0f") << " MB | " << st.top_cells << " / " << st.splits << " / " << st.leaves << " / "
            << st.runs << " / " << st.max_leaf_edges << " | " << fmt_ns(l.p50) << " | " << fmt_ns(l.p99) << " | "
            << fmt_ns(l.mean) << " |\n"
            << std::flush;
}

void run_shape(const Shape& shape, double scale, double query_scale, double clock_ns) {
  std::cerr << "== " << shape.name << ": generating\n";
  reset_peak();
  synth::CityOptions options = shape.options;
  options.grids = std::max<std::size_t>(1, static_cast<std::size_t>(static_cast<double>(options.grids) * scale));
  options.poles = std::max<std::size_t>(1, static_cast<std::size_t>(static_cast<double>(options.poles) * scale));
  options.pole_attributes = false;
  auto t = Clock::now();
  Dataset city = synth::make_city(options);
  const double generate_s = seconds_since(t);
  auto q = [&](std::size_t n) { return std::max<std::size_t>(1000, static_cast<std::size_t>(static_cast<double>(n) * query_scale)); };
  const std::size_t n_locate = q(200000), n_grid = q(200000), n_inside = q(50000), n_outside = q(5000), n_k5 = q(50000);
  const std::vector<LonLat> grid_points = synth::random_points(city, n_grid, 42, shape.outside);
  const std::vector<LonLat> inside = synth::random_points(city, n_inside, 44, 0.0);
  const std::vector<LonLat> outside = synth::random_points(city, n_outside, 43, 1.0);
  const std::vector<LonLat> k5_points = deterministic_shuffle_points(synth::random_points(city, n_k5, 45, shape.outside), 7);
  std::vector<std::string> numbers;
  numbers.reserve(city.poles.size());
  std::unordered_set<std::string> codes;
  for (const PoleRecord& p : city.poles) {
    numbers.push_back(p.number);
    codes.insert(p.number.substr(0, p.number.find_first_of("0123456789")));
  }
  std::uint64_t x = 12345;
  for (std::size_t i = numbers.size(); i > 1; --i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    std::swap(numbers[i - 1], numbers[(x >> 33) % i]);
  }
  numbers.resize(std::min(numbers.size(), n_locate));
  std::size_t vertices = 0;
  for (const GridRecord& g : city.grids) {
    for (const Polygon& p : g.geometry) {
      for (const Ring& r : p.rings) vertices += r.size();
    }
  }
  const std::size_t pole_total = city.poles.size(), grid_total = city.grids.size();
  std::size_t serial_digits = 0;
  for (const std::string& s : numbers) serial_digits += s.size() - s.find_first_of("0123456789");

  std::cerr << "== " << shape.name << ": poleloc build\n";
  const double rss_before = status_mb("VmRSS:");
  t = Clock::now();
  double cpu = cpu_seconds();
  auto data = build_snapshot_data(std::move(city.poles), city.grids, city.aliases, 1);
  const std::vector<LonLat> positions = data->positions;
  Snapshot snap(std::move(data));
  const double poleloc_build_s = seconds_since(t);
  const double poleloc_build_cpu_s = cpu_seconds() - cpu;
  const double peak_mb = status_mb("VmHWM:");
  const double poleloc_mb = status_mb("VmRSS:") - rss_before;
  // The grid index alone: its memory in the snapshot, and a second build of it timed on its own.
  const index::GridIndex& grid_index = snap.data().grid_areas;
  const double grid_index_mb = static_cast<double>(grid_index.memory_bytes()) / (1024.0 * 1024.0);
  const index::GridIndex::Stats grid_stats = grid_index.stats();
  double grid_index_build_s = 0, grid_index_build_cpu_s = 0;
  {
    std::vector<const MultiPolygon*> geometries;
    for (const GridRecord& g : city.grids) geometries.push_back(&g.geometry);
    index::GridIndex again;
    t = Clock::now();
    cpu = cpu_seconds();
    again.build(geometries);
    grid_index_build_s = seconds_since(t);
    grid_index_build_cpu_s = cpu_seconds() - cpu;
  }

  std::cerr << "== " << shape.name << ": anchors build\n";
  t = Clock::now();
  std::unordered_map<std::string, std::uint32_t> map;
  map.reserve(snap.pole_count());
  for (std::uint32_t p = 0; p < snap.pole_count(); ++p) map.emplace(std::string(snap.pole_by_index(p).number()), p);
  const double map_build_s = seconds_since(t);

  double clon = 0, clat = 0;
  for (const LonLat& p : positions) {
    clon += p.lon;
    clat += p.lat;
  }
  const Frame frame({clon / static_cast<double>(positions.size()), clat / static_cast<double>(positions.size())});
  t = Clock::now();
  std::vector<BPtValue> pts;
  pts.reserve(positions.size());
  for (std::uint32_t i = 0; i < positions.size(); ++i) {
    const auto [px, py] = frame.xy(positions[i]);
    pts.emplace_back(BPt(px, py), i);
  }
  const bgi::rtree<BPtValue, bgi::rstar<16>> point_tree(pts.begin(), pts.end());
  const double boost_points_build_s = seconds_since(t);
  pts.clear();
  pts.shrink_to_fit();

  t = Clock::now();
  const BoostGrids boost_grids(city.grids);
  const double boost_grids_build_s = seconds_since(t);
  t = Clock::now();
  const GeosGrids geos_grids(city.grids);
  const double geos_build_s = seconds_since(t);  // prepared indexes are built lazily, on each grid's first query
#ifdef POLELOC_HAVE_S2
  t = Clock::now();
  S2PointIndex<std::uint32_t> s2_points;
  for (std::uint32_t i = 0; i < positions.size(); ++i) {
    s2_points.Add(S2LatLng::FromDegrees(positions[i].lat, positions[i].lon).ToPoint(), i);
  }
  S2ClosestPointQuery<std::uint32_t> s2_query(&s2_points);
  {
    // The index is built on the first query: time that too.
    S2ClosestPointQuery<std::uint32_t>::PointTarget first(S2LatLng::FromDegrees(positions[0].lat, positions[0].lon).ToPoint());
    benchmark::DoNotOptimize(s2_query.FindClosestPoint(&first));
  }
  const double s2_build_s = seconds_since(t);
#endif
  city.grids.clear();
  city.grids.shrink_to_fit();

  std::vector<Row> rows;
  std::cerr << "== " << shape.name << ": locate\n";
  {
    Row r{"locate (shuffled existing numbers)", "`std::unordered_map`", numbers.size()};
    r.ours = measure(numbers.size(), [&](std::size_t i) { benchmark::DoNotOptimize(snap.locate(numbers[i])); });
    r.theirs = measure(numbers.size(), [&](std::size_t i) { benchmark::DoNotOptimize(map.find(numbers[i])); });
    std::size_t same = 0;
    for (const std::string& s : numbers) {
      auto a = snap.locate(s);
      auto it = map.find(s);
      same += a && it != map.end() && a->index() == it->second;
    }
    r.agree = fmt(100.0 * static_cast<double>(same) / static_cast<double>(numbers.size()), "%.2f %%");
    rows.push_back(std::move(r));
  }
  std::cerr << "== " << shape.name << ": grid_at\n";
  {
    auto ours = [&](LonLat p) -> std::int64_t {
      auto g = snap.grid_at(p);
      return g ? static_cast<std::int64_t>(g->index()) : -1;
    };
    const Latency mine = measure(grid_points.size(), [&](std::size_t i) { benchmark::DoNotOptimize(snap.grid_at(grid_points[i])); });
    std::size_t same_boost = 0, same_geos = 0;
    for (const LonLat& p : grid_points) {
      const std::int64_t o = ours(p);
      same_boost += o == boost_grids.at(p);
      same_geos += o == geos_grids.at(p);
    }
    const double n = static_cast<double>(grid_points.size());
    Row rb{"grid_at", "Boost.Geometry R-tree of boxes + `within`", grid_points.size(), mine};
    rb.theirs = measure(grid_points.size(), [&](std::size_t i) { benchmark::DoNotOptimize(boost_grids.at(grid_points[i])); });
    rb.agree = fmt(100.0 * static_cast<double>(same_boost) / n, "%.2f %%");
    rows.push_back(std::move(rb));
    Row rg{"grid_at", "GEOS STRtree + prepared `contains`", grid_points.size(), mine};
    rg.theirs = measure(grid_points.size(), [&](std::size_t i) { benchmark::DoNotOptimize(geos_grids.at(grid_points[i])); });
    rg.agree = fmt(100.0 * static_cast<double>(same_geos) / n, "%.2f %%");
    rows.push_back(std::move(rg));
  }
  auto boost_nearest = [&](LonLat p, std::size_t k, std::vector<BPtValue>& out) {
    out.clear();
    const auto [px, py] = frame.xy(p);
    point_tree.query(bgi::nearest(BPt(px, py), static_cast<unsigned>(k)), std::back_inserter(out));
  };
  auto nearest_rows = [&](const char* label, const std::vector<LonLat>& points, std::size_t k) {
    std::cerr << "== " << shape.name << ": " << label << "\n";
    const NearestOptions opt{.k = k};
    Row r{label, "Boost.Geometry R-tree of points (planar, equirectangular)", points.size()};
    r.ours = measure(points.size(), [&](std::size_t i) { benchmark::DoNotOptimize(snap.nearest(points[i], opt)); });
    std::vector<BPtValue> out;
    out.reserve(k);
    r.theirs = measure(points.size(), [&](std::size_t i) {
      boost_nearest(points[i], k, out);
      benchmark::DoNotOptimize(out.data());
    });
    // poleloc's poles per point, computed once; `theirs(i)` an anchor's for point i.
    std::vector<std::set<std::uint32_t>> ours_sets(points.size());
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (auto mine = snap.nearest(points[i], opt)) {
        for (const NearbyPole& n : *mine) ours_sets[i].insert(n.pole.index());
      }
    }
    auto agreement = [&](auto&& theirs) {
      std::size_t same = 0;
      for (std::size_t i = 0; i < points.size(); ++i) same += theirs(i) == ours_sets[i];
      return fmt(100.0 * static_cast<double>(same) / static_cast<double>(points.size()), "%.2f %%");
    };
    r.agree = agreement([&](std::size_t i) {
      boost_nearest(points[i], k, out);
      std::set<std::uint32_t> b;
      for (const BPtValue& v : out) b.insert(v.second);
      return b;
    });
    const Latency mine = r.ours;
    rows.push_back(std::move(r));
#ifdef POLELOC_HAVE_S2
    s2_query.mutable_options()->set_max_results(static_cast<int>(k));
    std::vector<S2ClosestPointQuery<std::uint32_t>::Result> s2_out;
    auto s2_nearest = [&](LonLat p) {
      S2ClosestPointQuery<std::uint32_t>::PointTarget target(S2LatLng::FromDegrees(p.lat, p.lon).ToPoint());
      s2_query.FindClosestPoints(&target, &s2_out);
    };
    Row rs{label, "S2 `S2ClosestPointQuery` over an `S2PointIndex` (exact on the sphere)", points.size(), mine};
    rs.theirs = measure(points.size(), [&](std::size_t i) {
      s2_nearest(points[i]);
      benchmark::DoNotOptimize(s2_out.data());
    });
    rs.agree = agreement([&](std::size_t i) {
      s2_nearest(points[i]);
      std::set<std::uint32_t> b;
      for (const auto& v : s2_out) b.insert(v.data());
      return b;
    });
    rows.push_back(std::move(rs));
#endif
  };
  nearest_rows("nearest k=1, inside the data", inside, 1);
  nearest_rows("nearest k=1, outside the poles' box (up to half its size beyond)", outside, 1);
  nearest_rows(shape.outside > 0 ? "nearest k=5, mixed points" : "nearest k=5", k5_points, 5);
  const double end_peak_mb = status_mb("VmHWM:");

  // ---- the table
  std::cout << "### " << shape.name << "\n\n" << shape.what << ".\n\n";
  std::cout << "Grids " << grid_total << " (" << fmt(static_cast<double>(vertices) / static_cast<double>(std::max<std::size_t>(1, grid_total)), "%.0f")
            << " vertices per grid on average), poles " << pole_total << ", distinct area codes " << codes.size()
            << ", serial digits " << fmt(static_cast<double>(serial_digits) / static_cast<double>(std::max<std::size_t>(1, numbers.size())), "%.1f")
            << " on average, query points outside the data " << fmt(100 * shape.outside, "%.0f") << " % (grid_at, k=5).\n\n";
  std::cout << "Build: generate " << fmt(generate_s, "%.2f") << " s; **poleloc snapshot " << fmt(poleloc_build_s, "%.2f")
            << " s (CPU " << fmt(poleloc_build_cpu_s, "%.2f") << " s), +" << fmt(poleloc_mb, "%.0f") << " MB RSS, peak RSS " << fmt(peak_mb, "%.0f")
            << " MB** (city + poleloc); anchors: unordered_map " << fmt(map_build_s, "%.2f") << " s, Boost point R-tree "
            << fmt(boost_points_build_s, "%.2f") << " s, Boost grid R-tree + polygons " << fmt(boost_grids_build_s, "%.2f")
            << " s, GEOS STRtree + prepared " << fmt(geos_build_s, "%.2f")
#ifdef POLELOC_HAVE_S2
            << " s, S2PointIndex " << fmt(s2_build_s, "%.2f")
#endif
            << " s (peak RSS with every anchor "
            << fmt(end_peak_mb, "%.0f") << " MB).\n\n";
  std::cout << "Grid index: " << fmt(grid_index_mb, "%.0f") << " MB for " << grid_stats.edges << " edges, built alone in "
            << fmt(grid_index_build_s, "%.2f") << " s (CPU " << fmt(grid_index_build_cpu_s, "%.2f") << " s); "
            << grid_stats.top_cells << " top cells, " << grid_stats.splits << " cut 4x4, " << grid_stats.leaves
            << " leaves with " << grid_stats.runs << " runs of edges, at most " << grid_stats.max_leaf_edges
            << " edges in a leaf.\n\n";
  std::cout << "| query | n | poleloc p50 | poleloc p99 | poleloc mean | anchor | anchor p50 | anchor p99 | anchor mean | same answer |\n";
  std::cout << "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |\n";
  for (const Row& r : rows) {
    std::cout << "| " << r.query << " | " << r.n << " | " << fmt_ns(r.ours.p50) << " | " << fmt_ns(r.ours.p99) << " | "
              << fmt_ns(r.ours.mean) << " | " << r.anchor << " | " << fmt_ns(r.theirs.p50) << " | " << fmt_ns(r.theirs.p99)
              << " | " << fmt_ns(r.theirs.mean) << " | " << r.agree << " |\n";
  }
  std::cout << "\np50/p99 include one clock read (" << fmt(clock_ns, "%.0f") << " ns); means do not.\n\n" << std::flush;
}

int usage() {
  std::cerr << "usage: shapes_bench [--shapes NAME,NAME...] [--scale F] [--queries F] [--grid-index-only] [--list]\n"
               "  --scale F    grids and poles times F (default 1: 20,000 grids, 2,000,000 poles)\n"
               "  --queries F  query counts times F (default 1)\n"
               "  --grid-index-only  only the grid index: build time and memory, find() latency (one row per shape)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Shape> shapes = all_shapes();
  double scale = 1, query_scale = 1;
  bool grid_index_only = false;
  std::set<std::string> wanted;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--list") {
      for (const Shape& s : shapes) std::cout << s.name << ": " << s.what << "\n";
      return 0;
    }
    if (a == "--grid-index-only") {
      grid_index_only = true;
      continue;
    }
    if (i + 1 >= argc) return usage();
    if (a == "--scale") {
      scale = std::stod(argv[++i]);
    } else if (a == "--queries") {
      query_scale = std::stod(argv[++i]);
    } else if (a == "--shapes") {
      std::stringstream ss(argv[++i]);
      std::string name;
      while (std::getline(ss, name, ',')) wanted.insert(name);
    } else {
      return usage();
    }
  }
  if (!(scale > 0 && scale <= 1) || !(query_scale > 0 && query_scale <= 10)) return usage();
  const double clock_ns = clock_overhead_ns();
  std::cout << "## City shapes (bench/shapes_bench";
  for (int i = 1; i < argc; ++i) std::cout << ' ' << argv[i];
  std::cout << ")\n\n";
  if (grid_index_only) {
    std::cout << "| shape | edges | build | build CPU | memory | peak while building | top cells / cut 4x4 / leaves / runs / max leaf edges | find p50 | find p99 | find mean |\n"
              << "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |\n";
  }
  int status = 0;
  for (const Shape& s : shapes) {
    if (!wanted.empty() && !wanted.count(s.name)) continue;
    // Each shape in a child process: its peak RSS and build times start from a
    // clean heap, not from what the previous shape left in malloc's free lists.
    std::cout << std::flush;
    const pid_t child = fork();
    if (child == 0) {
      if (grid_index_only) {
        run_grid_index_only(s, scale, query_scale);
      } else {
        run_shape(s, scale, query_scale, clock_ns);
      }
      std::cout << std::flush;
      _exit(0);
    }
    int st = 0;
    if (child < 0 || waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      std::cerr << "shapes_bench: shape " << s.name << " failed\n";
      status = 1;
    }
  }
  return status;
}
