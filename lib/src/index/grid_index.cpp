#include "index/grid_index.hpp"

#include "geo/geodesic.hpp"
#include "geo/polygon_check.hpp"
#include "hash64.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/geometries/box.hpp>
#include <boost/geometry/geometries/point.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>

namespace poleloc::index {
namespace {

constexpr double kScale = 1e7;  // 1e-7 degree units
constexpr std::uint32_t kTagMask = 0xC0000000u, kLeaf = 0x40000000u, kSplit = 0x80000000u, kPayload = 0x3FFFFFFFu;
// A cell touched by more edges than this is cut 4 x 4 (while its side allows):
// the p99 of find() is about this many edge tests.
constexpr std::size_t kLeafEdges = 48;
constexpr std::uint32_t kChunk = 32;       // edges per box of nearest_boundary_point
constexpr double kTopCellsMax = 1 << 23;   // 32 MB of top cells at most
constexpr int kMaxDepth = 16;

using i64 = std::int64_t;
__extension__ typedef __int128 i128;  // products of two coordinate differences

// std::llround(deg * 1e7), inline: exact for |deg * 1e7| < 2^52 (the caller
// keeps vertices within +-1000 degrees). t - trunc(t) is exact there.
inline i64 snap(double deg) {
  const double t = deg * kScale;
  i64 i = static_cast<i64>(t);
  const double f = t - static_cast<double>(i);
  i += static_cast<i64>(f >= 0.5) - static_cast<i64>(f <= -0.5);
  return i;
}

struct Pt {
  i64 x, y;
};
inline Pt snap(const SnappedGrid::Point& p) { return {p.x, p.y}; }

// Snapped coordinates fit an int32 (and every product below an __int128) within this many degrees.
constexpr double kSaneDegrees = 200;

// Every point below is tested as moved (eps, eps^2) (grid_index.hpp).
//
// Edge a-b crosses the horizontal leg from (x, y) east to (xe, y):
// lo.y <= y < hi.y and x < x_edge(y) <= xe.
inline bool crosses_h(Pt a, Pt b, i64 x, i64 y, i64 xe) {
  if (a.y > b.y) std::swap(a, b);
  if (y < a.y || y >= b.y) return false;
  const i64 lo = std::min(a.x, b.x), hi = std::max(a.x, b.x);
  if (x >= hi || xe < lo) return false;
  if (x < lo && hi <= xe) return true;
  // x_edge(y) = a.x + t / dy
  const i128 dy = b.y - a.y, t = static_cast<i128>(y - a.y) * (b.x - a.x);
  return static_cast<i128>(x - a.x) * dy < t && t <= static_cast<i128>(xe - a.x) * dy;
}

// Edge a-b crosses the vertical leg at x = xe from (xe, ya) north to (xe, yb), ya <= yb:
// min.x <= xe < max.x and the edge lies above ya and not above yb at xe + eps,
// where "above Y" is y_edge(xe) > Y, or y_edge(xe) == Y with the edge rising eastward.
inline bool crosses_v(Pt a, Pt b, i64 xe, i64 ya, i64 yb) {
  if (a.x > b.x) std::swap(a, b);
  if (xe < a.x || xe >= b.x) return false;
  const i64 lo = std::min(a.y, b.y), hi = std::max(a.y, b.y);
  if (hi < ya || lo > yb) return false;
  const i128 dx = b.x - a.x, s = static_cast<i128>(xe - a.x) * (b.y - a.y);
  const bool rising = b.y > a.y;
  auto above = [&](i64 y) {
    const i128 d = s - static_cast<i128>(y - a.y) * dx;
    return d > 0 || (d == 0 && rising);
  };
  return above(ya) && !above(yb);
}

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using BoxPoint = bg::model::point<double, 2, bg::cs::cartesian>;
using Box = bg::model::box<BoxPoint>;
using BoxTree = bgi::rtree<std::pair<Box, std::uint32_t>, bgi::quadratic<16>>;

// Calls visit(col, row) for every cell of an nc x nr grid of side `side` at
// (ox, oy) that the closed edge a-b may touch (conservatively: one unit of
// slack all round), each cell once.
template <typename Visit>
void for_each_cell(Pt a, Pt b, i64 ox, i64 oy, double side, i64 nc, i64 nr, Visit&& visit) {
  const double ax = static_cast<double>(a.x - ox), ay = static_cast<double>(a.y - oy);
  const double bx = static_cast<double>(b.x - ox), by = static_cast<double>(b.y - oy);
  const auto col = [&](double x) { return std::clamp<i64>(static_cast<i64>(std::floor(x / side)), 0, nc - 1); };
  const auto row = [&](double y) { return std::clamp<i64>(static_cast<i64>(std::floor(y / side)), 0, nr - 1); };
  const double eps = 1.0;
  const double xmin = std::min(ax, bx), xmax = std::max(ax, bx);
  if (xmax + eps < 0 || xmin - eps >= static_cast<double>(nc) * side + eps) return;
  if (std::max(ay, by) + eps < 0 || std::min(ay, by) - eps >= static_cast<double>(nr) * side + eps) return;
  const i64 c0 = col(xmin - eps), c1 = col(xmax + eps);
  for (i64 c = c0; c <= c1; ++c) {
    double ya, yb;
    if (ax == bx || c0 == c1) {
      ya = std::min(ay, by);
      yb = std::max(ay, by);
    } else {
      const double xl = std::max(static_cast<double>(c) * side - eps, xmin);
      const double xr = std::min(static_cast<double>(c + 1) * side + eps, xmax);
      const double t0 = (xl - ax) / (bx - ax), t1 = (xr - ax) / (bx - ax);
      ya = ay + std::clamp(t0, 0.0, 1.0) * (by - ay);
      yb = ay + std::clamp(t1, 0.0, 1.0) * (by - ay);
      if (ya > yb) std::swap(ya, yb);
    }
    if (yb + eps < 0 || ya - eps >= static_cast<double>(nr) * side + eps) continue;
    for (i64 r = row(ya - eps); r <= row(yb + eps); ++r) visit(c, r);
  }
}

}  // namespace

struct GridIndex::BoxIndex {
  BoxTree tree;
};

// Building: cuts edges into cells and walks each column of cells from south to
// north, carrying the set of grids that hold the current corner. One Builder
// per thread, each with its own output (offsets rebased when joined).
struct GridIndex::Builder {
  struct Edge {  // snapped edge i -> i+1 of a ring
    std::int32_t ax, ay, bx, by;
    std::uint32_t ring, i;
    Pt a() const { return {ax, ay}; }
    Pt b() const { return {bx, by}; }
  };
  const GridIndex& ix;
  std::vector<std::uint32_t> nodes, leaves;
  Stats stats;
  std::vector<std::array<std::vector<Edge>, 16>> children;  // per depth
  std::vector<Edge> top;
  std::vector<std::uint32_t> odd;

  explicit Builder(const GridIndex& index) : ix(index), children(kMaxDepth + 1) {}

  std::uint32_t grid_of(const Edge& e) const { return ix.rings_[e.ring].grid; }

  // Cuts `runs` into the cells of an nc x nr grid of side 2^shift at (ox, oy). A run continues
  // while consecutive edges touch the same cell: open(cell, ring, edge) starts one and returns a
  // handle, extend(handle) adds the next edge to it.
  template <typename Open, typename Extend>
  void cut(const Run* runs, std::size_t n, i64 ox, i64 oy, int shift, i64 nc, i64 nr, Open&& open, Extend&& extend) {
    const double side = std::ldexp(1.0, shift);
    using Handle = decltype(open(std::size_t{0}, 0u, 0u));
    std::vector<std::pair<std::size_t, Handle>> prev, cur;
    for (std::size_t k = 0; k < n; ++k) {
      const Run& run = runs[k];
      const SnappedGrid::Point* v = ix.rings_[run.ring].points;
      prev.clear();
      Pt a = snap(v[run.first]);
      for (std::uint32_t i = run.first; i < run.first + run.count; ++i) {
        const Pt b = snap(v[i + 1]);
        cur.clear();
        auto touch = [&](i64 c, i64 r) {
          const auto cell = static_cast<std::size_t>(c * nr + r);  // column-major, as the walk reads them
          for (const auto& [pc, h] : prev) {
            if (pc == cell) {
              extend(h);
              cur.emplace_back(cell, h);
              return;
            }
          }
          cur.emplace_back(cell, open(cell, run.ring, i));
        };
        // Most edges lie within one column or one row (with a unit of slack): integer shifts.
        const i64 c0 = std::clamp<i64>((std::min(a.x, b.x) - 1 - ox) >> shift, 0, nc - 1);
        const i64 c1 = std::clamp<i64>((std::max(a.x, b.x) + 1 - ox) >> shift, 0, nc - 1);
        const i64 r0 = std::clamp<i64>((std::min(a.y, b.y) - 1 - oy) >> shift, 0, nr - 1);
        const i64 r1 = std::clamp<i64>((std::max(a.y, b.y) + 1 - oy) >> shift, 0, nr - 1);
        if (c0 == c1 || r0 == r1) {
          for (i64 r = r0; r <= r1; ++r) {
            for (i64 c = c0; c <= c1; ++c) touch(c, r);
          }
        } else {
          for_each_cell(a, b, ox, oy, side, nc, nr, touch);
        }
        std::swap(prev, cur);
        a = b;
      }
    }
  }

  // The snapped edges of `runs`, in order.
  void expand(const Run* runs, std::size_t n, std::vector<Edge>& out) const {
    out.clear();
    for (std::size_t k = 0; k < n; ++k) {
      const SnappedGrid::Point* v = ix.rings_[runs[k].ring].points;
      Pt a = snap(v[runs[k].first]);
      for (std::uint32_t i = runs[k].first; i < runs[k].first + runs[k].count; ++i) {
        const Pt b = snap(v[i + 1]);
        out.push_back({static_cast<std::int32_t>(a.x), static_cast<std::int32_t>(a.y), static_cast<std::int32_t>(b.x),
                       static_cast<std::int32_t>(b.y), runs[k].ring, i});
        a = b;
      }
    }
  }

  // Grids (ascending, each once) whose edges among e[0..n) cross the vertical leg at xe
  // from ya to yb an odd number of times. Edges come grouped by grid.
  void odd_v(const Edge* e, std::size_t n, i64 xe, i64 ya, i64 yb) {
    odd.clear();
    bool flip = false;
    for (std::size_t k = 0; k < n; ++k) {
      flip ^= crosses_v(e[k].a(), e[k].b(), xe, ya, yb);
      if (k + 1 == n || grid_of(e[k + 1]) != grid_of(e[k])) {
        if (flip) odd.push_back(grid_of(e[k]));
        flip = false;
      }
    }
  }

  // state := state xor odd (both ascending).
  void toggle(std::vector<std::uint32_t>& state, const std::vector<std::uint32_t>& flips) const {
    if (flips.empty()) return;
    std::vector<std::uint32_t> out;
    std::set_symmetric_difference(state.begin(), state.end(), flips.begin(), flips.end(), std::back_inserter(out));
    state.swap(out);
  }

  // The value of the cell [ox, ox + 2^shift) x [oy, oy + 2^shift) touched by edges e[0..n)
  // (in ring order), whose south-east corner lies inside exactly the grids of `state`.
  std::uint32_t node(i64 ox, i64 oy, int shift, const Edge* e, std::size_t n, const std::vector<std::uint32_t>& state,
                     int depth) {
    if (n == 0) return state.empty() ? 0 : state.front() + 1;
    if (n > kLeafEdges && shift >= 2 && depth < kMaxDepth) return split(ox, oy, shift, e, n, state, depth);
    // A leaf: groups by grid, lowest first (ring order is grid order); runs of consecutive edges.
    const std::size_t at = leaves.size();
    leaves.push_back(0);
    std::uint32_t groups = 0;
    std::size_t k = 0, si = 0;
    while (k < n || si < state.size()) {
      const std::uint32_t g_run = k < n ? grid_of(e[k]) : UINT32_MAX;
      const std::uint32_t g_st = si < state.size() ? state[si] : UINT32_MAX;
      const std::uint32_t g = std::min(g_run, g_st);
      const bool corner = g_st == g;
      si += corner;
      leaves.push_back(g << 1 | static_cast<std::uint32_t>(corner));
      const std::size_t count_at = leaves.size();
      leaves.push_back(0);
      std::uint32_t count = 0;
      while (k < n && grid_of(e[k]) == g) {
        std::size_t m = k + 1;
        while (m < n && e[m].ring == e[k].ring && e[m].i == e[m - 1].i + 1) ++m;
        leaves.insert(leaves.end(), {e[k].ring, e[k].i, static_cast<std::uint32_t>(m - k)});
        ++count;
        k = m;
      }
      leaves[count_at] = count;
      stats.runs += count;
      ++groups;
    }
    leaves[at] = groups;
    ++stats.leaves;
    stats.max_leaf_edges = std::max(stats.max_leaf_edges, n);
    return kLeaf | static_cast<std::uint32_t>(at);
  }

  std::uint32_t split(i64 ox, i64 oy, int shift, const Edge* e, std::size_t n, const std::vector<std::uint32_t>& state,
                      int depth) {
    const int h = shift - 2;
    const i64 s = i64{1} << h;
    const double side = std::ldexp(1.0, h);
    auto& kids = children[static_cast<std::size_t>(depth)];
    for (auto& k : kids) k.clear();
    for (std::size_t k = 0; k < n; ++k) {
      const Pt a = e[k].a(), b = e[k].b();
      const i64 c0 = std::clamp<i64>((std::min(a.x, b.x) - 1 - ox) >> h, 0, 3);
      const i64 c1 = std::clamp<i64>((std::max(a.x, b.x) + 1 - ox) >> h, 0, 3);
      const i64 r0 = std::clamp<i64>((std::min(a.y, b.y) - 1 - oy) >> h, 0, 3);
      const i64 r1 = std::clamp<i64>((std::max(a.y, b.y) + 1 - oy) >> h, 0, 3);
      if (c0 == c1 || r0 == r1) {
        for (i64 r = r0; r <= r1; ++r) {
          for (i64 c = c0; c <= c1; ++c) kids[static_cast<std::size_t>(r * 4 + c)].push_back(e[k]);
        }
      } else {
        for_each_cell(a, b, ox, oy, side, 4, 4, [&](i64 c, i64 r) { kids[static_cast<std::size_t>(r * 4 + c)].push_back(e[k]); });
      }
    }
    // The corners on the south side: the parent's corner, flipped by the edges crossing
    // the parent's south side between them (one pass for the three).
    const i64 xe = ox + 4 * s;
    std::array<std::vector<std::uint32_t>, 4> st;
    st[3] = state;
    {
      std::array<std::vector<std::uint32_t>, 3> flips;
      std::array<bool, 3> flip{};
      for (std::size_t k = 0; k < n; ++k) {
        for (int j = 0; j < 3; ++j) flip[j] ^= crosses_h(e[k].a(), e[k].b(), ox + (j + 1) * s, oy, xe);
        if (k + 1 == n || grid_of(e[k + 1]) != grid_of(e[k])) {
          for (int j = 0; j < 3; ++j) {
            if (flip[j]) flips[j].push_back(grid_of(e[k]));
            flip[j] = false;
          }
        }
      }
      for (int j = 0; j < 3; ++j) {
        st[j] = state;
        toggle(st[j], flips[j]);
      }
    }
    const std::size_t at = nodes.size();
    nodes.resize(at + 16);
    ++stats.splits;
    for (int j = 0; j < 4; ++j) {
      for (int i = 0; i < 4; ++i) {
        const auto& list = kids[static_cast<std::size_t>(i * 4 + j)];
        const std::uint32_t v = node(ox + j * s, oy + i * s, h, list.data(), list.size(), st[j], depth + 1);
        nodes[at + static_cast<std::size_t>(i * 4 + j)] = v;
        if (i < 3) {
          odd_v(list.data(), list.size(), ox + (j + 1) * s, oy + i * s, oy + (i + 1) * s);
          toggle(st[j], odd);
        }
      }
    }
    return kSplit | static_cast<std::uint32_t>(at);
  }

  // Top cells of columns [cx0, cx1), written into cells (offsets into this builder's output).
  void columns(std::uint32_t cx0, std::uint32_t cx1, const std::vector<std::uint32_t>& start, const std::vector<Run>& runs,
               std::vector<std::uint32_t>& cells) {
    const i64 s = i64{1} << ix.shift_;
    std::vector<std::uint32_t> state;
    for (std::uint32_t cx = cx0; cx < cx1; ++cx) {
      state.clear();
      const i64 ox = ix.min_x_ + cx * s;
      for (std::uint32_t cy = 0; cy < ix.ny_; ++cy) {
        const std::size_t c = static_cast<std::size_t>(cx) * ix.ny_ + cy;
        const i64 oy = ix.min_y_ + cy * s;
        expand(runs.data() + start[c], start[c + 1] - start[c], top);
        cells[c] = node(ox, oy, ix.shift_, top.data(), top.size(), state, 0);
        odd_v(top.data(), top.size(), ox + s, oy, oy + s);
        toggle(state, odd);
      }
    }
  }
};

GridIndex::GridIndex() = default;
GridIndex::~GridIndex() = default;
GridIndex::GridIndex(GridIndex&&) noexcept = default;
GridIndex& GridIndex::operator=(GridIndex&&) noexcept = default;

namespace {

std::size_t point_count(const MultiPolygon& geometry) {
  std::size_t points = 0;
  for (const Polygon& poly : geometry) {
    for (const Ring& ring : poly.rings) points += ring.size();
  }
  return points;
}

// `geometry` snapped into `out`, whose points are cleared and given room for `points` (its point count).
void snap_into(const MultiPolygon& geometry, SnappedGrid& out, std::size_t points) {
  out.polygons = static_cast<std::uint32_t>(geometry.size());
  out.rings.clear();
  auto& snapped = out.points.own();
  snapped.clear();
  snapped.reserve(points);
  bool exact = geometry.size() <= UINT32_MAX;
  for (std::uint32_t pi = 0; pi < out.polygons; ++pi) {
    const Polygon& poly = geometry[pi];
    exact = exact && !poly.rings.empty();
    for (std::uint32_t ri = 0; ri < poly.rings.size(); ++ri) {
      const Ring& ring = poly.rings[ri];
      const bool sane = ring.size() >= 2 && ring.size() <= UINT32_MAX && std::all_of(ring.begin(), ring.end(), [](const LonLat& p) {
        return std::fabs(p.lon) <= kSaneDegrees && std::fabs(p.lat) <= kSaneDegrees;  // false for NaN
      });
      if (!sane) {
        exact = false;
        continue;
      }
      out.rings.push_back({pi, ri, static_cast<std::uint32_t>(snapped.size()), static_cast<std::uint32_t>(ring.size())});
      for (const LonLat& p : ring) {
        const i64 x = snap(p.lon), y = snap(p.lat);
        snapped.push_back({static_cast<std::int32_t>(x), static_cast<std::int32_t>(y)});
        // Bit for bit: -0.0 is not 0 / 1e7.
        exact = exact && std::bit_cast<std::uint64_t>(static_cast<double>(x) / kScale) == std::bit_cast<std::uint64_t>(p.lon) &&
                std::bit_cast<std::uint64_t>(static_cast<double>(y) / kScale) == std::bit_cast<std::uint64_t>(p.lat);
      }
    }
  }
  out.exact = exact;
}

}  // namespace

SnappedGrid SnappedGrid::of(const MultiPolygon& geometry, const std::shared_ptr<PointArena>& arena,
                            std::size_t arena_min_bytes) {
  SnappedGrid out;
  const std::size_t points = point_count(geometry);
  if (arena && points * sizeof(Point) >= arena_min_bytes) {
    out.points = decltype(out.points)(decltype(out.points)::Storage(ArenaAllocator<Point>(arena)));
  }
  snap_into(geometry, out, points);
  return out;
}

void SnappedGrid::of_into(const MultiPolygon& geometry, SnappedGrid& out) { snap_into(geometry, out, point_count(geometry)); }

MultiPolygon SnappedGrid::rebuild() const {
  MultiPolygon out(polygons);
  for (const RingSpan& r : rings) {
    auto& rings_of = out[r.polygon].rings;
    if (rings_of.size() <= r.ring) rings_of.resize(r.ring + 1);
    Ring& ring = rings_of[r.ring];
    ring.reserve(r.size);
    for (std::uint32_t i = r.begin; i < r.begin + r.size; ++i) {
      ring.push_back({static_cast<double>(points[i].x) / kScale, static_cast<double>(points[i].y) / kScale});
    }
  }
  return out;
}

bool SnappedGrid::rebuilds_to(const MultiPolygon& geometry) const {
  if (geometry.size() != polygons) return false;
  // The rings rebuild() makes per polygon: up to the highest ring a span names
  // (a ring no span names would be left empty).
  std::vector<std::uint32_t> ring_count(polygons, 0);
  std::size_t spanned = 0;
  for (const RingSpan& r : rings) ring_count[r.polygon] = std::max(ring_count[r.polygon], r.ring + 1);
  for (std::uint32_t p = 0; p < polygons; ++p) {
    if (geometry[p].rings.size() != ring_count[p]) return false;
    spanned += ring_count[p];
  }
  for (const RingSpan& r : rings) {
    const Ring& ring = geometry[r.polygon].rings[r.ring];
    if (ring.size() != r.size) return false;
    for (std::uint32_t i = 0; i < r.size; ++i) {
      const Point q = points[r.begin + i];
      if (!(ring[i] == LonLat{static_cast<double>(q.x) / kScale, static_cast<double>(q.y) / kScale})) return false;
    }
  }
  if (rings.size() == spanned) return true;
  // Rings no span names: empty in rebuild().
  std::vector<std::vector<bool>> named(polygons);
  for (std::uint32_t p = 0; p < polygons; ++p) named[p].assign(ring_count[p], false);
  for (const RingSpan& r : rings) named[r.polygon][r.ring] = true;
  for (std::uint32_t p = 0; p < polygons; ++p) {
    for (std::uint32_t k = 0; k < ring_count[p]; ++k) {
      if (!named[p][k] && !geometry[p].rings[k].empty()) return false;
    }
  }
  return true;
}

std::vector<SnappedGrid> SnappedGrid::of_each(const std::vector<const MultiPolygon*>& geometries) {
  std::vector<SnappedGrid> grids;
  grids.reserve(geometries.size());
  for (const MultiPolygon* g : geometries) grids.push_back(of(*g));
  return grids;
}

void GridIndex::build(const std::vector<const MultiPolygon*>& geometries) { build_snapped(SnappedGrid::of_each(geometries)); }

GridIndex::Part GridIndex::part_of(const MultiPolygon& geometry) {
  auto index = std::make_shared<GridIndex>();
  index->build_snapped({SnappedGrid::of(geometry)});
  return {std::move(index), geo::bounding_box(geometry)};
}

void GridIndex::build_snapped(std::vector<SnappedGrid> grids, std::vector<Part> parts) {
  if (!parts.empty() && parts.size() != grids.size()) {
    throw std::invalid_argument("GridIndex::build_snapped: one part or none per grid");
  }
  parts_.clear();
  part_refs_.clear();
  std::size_t part_edges = 0;
  for (std::uint32_t g = 0; g < parts.size(); ++g) {
    if (!parts[g].index) continue;
    if (parts_.empty()) parts_.resize(parts.size());
    const GridIndex* part = (parts_[g] = std::move(parts[g].index)).get();
    grids[g] = SnappedGrid{};  // answered by the part
    if (part->chunks_.size() == 0) continue;  // a part without edges holds no point
    PartRef ref{g, std::numeric_limits<i64>::max(), std::numeric_limits<i64>::max(), std::numeric_limits<i64>::min(),
                std::numeric_limits<i64>::min()};
    for (const Chunk& c : part->chunks_.span()) {
      ref.x0 = std::min<i64>(ref.x0, c.x0);
      ref.y0 = std::min<i64>(ref.y0, c.y0);
      ref.x1 = std::max<i64>(ref.x1, c.x1);
      ref.y1 = std::max<i64>(ref.y1, c.y1);
    }
    part_refs_.push_back(ref);
    part_edges += part->stats_.edges;
  }
  build_cells(std::move(grids));  // its grid boxes with the parts' (index_grid_boxes)
  stats_.edges += part_edges;
}

void GridIndex::build_snapped(std::vector<SnappedGrid> grids) {
  parts_.clear();
  part_refs_.clear();
  build_cells(std::move(grids));
}

void GridIndex::build_cells(std::vector<SnappedGrid> grids) {
  grids_ = std::move(grids);
  rings_.clear();
  ring_places_.clear();
  chunk_offsets_.own().assign(1, 0);
  chunks_.own().clear();
  cells_.own().clear();
  nodes_.own().clear();
  leaves_.own().clear();
  boxes_ = std::make_unique<BoxIndex>();
  nx_ = ny_ = 0;
  stats_ = {};

  // 1. Rings (by reference), per-grid boxes and chunks.
  i64 gx0 = std::numeric_limits<i64>::max(), gy0 = gx0;
  i64 gx1 = std::numeric_limits<i64>::min(), gy1 = gx1;
  std::size_t total_edges = 0;
  for (std::uint32_t g = 0; g < grids_.size(); ++g) {
    i64 min_x = std::numeric_limits<i64>::max(), min_y = min_x;
    i64 max_x = std::numeric_limits<i64>::min(), max_y = max_x;
    const SnappedGrid& grid = grids_[g];
    for (const SnappedGrid::RingSpan& span : grid.rings) {
      const SnappedGrid::Point* ring = grid.points.data() + span.begin;
      const auto r = static_cast<std::uint32_t>(rings_.size());
      rings_.push_back({ring, span.size, g});
      ring_places_.push_back({span.polygon, span.ring});
      const auto edges = span.size - 1;
      total_edges += edges;
      for (std::uint32_t first = 0; first < edges; first += kChunk) {
        i64 cx0 = std::numeric_limits<i64>::max(), cy0 = cx0, cx1 = std::numeric_limits<i64>::min(), cy1 = cx1;
        for (std::uint32_t i = first; i <= std::min(edges, first + kChunk); ++i) {
          const Pt q = snap(ring[i]);
          cx0 = std::min(cx0, q.x);
          cx1 = std::max(cx1, q.x);
          cy0 = std::min(cy0, q.y);
          cy1 = std::max(cy1, q.y);
        }
        chunks_.own().push_back({static_cast<std::int32_t>(cx0), static_cast<std::int32_t>(cy0),
                           static_cast<std::int32_t>(cx1), static_cast<std::int32_t>(cy1), r, first});
        min_x = std::min(min_x, cx0);
        min_y = std::min(min_y, cy0);
        max_x = std::max(max_x, cx1);
        max_y = std::max(max_y, cy1);
      }
    }
    chunk_offsets_.own().push_back(static_cast<std::uint32_t>(chunks_.size()));
    if (min_x > max_x) continue;
    gx0 = std::min(gx0, min_x);
    gy0 = std::min(gy0, min_y);
    gx1 = std::max(gx1, max_x);
    gy1 = std::max(gy1, max_y);
  }
  index_grid_boxes();
  stats_.edges = total_edges;
  if (total_edges == 0) return;

  // 2. Top cells: about one per edge, of a power-of-two side. The south row's
  // corners lie one unit below every grid, so outside all of them.
  min_x_ = gx0;
  min_y_ = gy0 - 1;
  const double w = static_cast<double>(gx1 - min_x_ + 1), h = static_cast<double>(gy1 - min_y_ + 1);
  // The finest side with at most two cells per edge (and kTopCellsMax in all): empty cells cost 4 bytes,
  // a cut one 64 bytes and its leaves.
  const double target = std::clamp(2.0 * static_cast<double>(total_edges), 1.0, kTopCellsMax);
  shift_ = std::max(0, static_cast<int>(std::floor(std::log2(std::sqrt(w * h / target)))));
  for (;; ++shift_) {
    const double side = std::ldexp(1.0, shift_);
    if (std::ceil(w / side) * std::ceil(h / side) <= target) break;
  }
  const double side = std::ldexp(1.0, shift_);
  nx_ = static_cast<std::uint32_t>(std::ceil(w / side));
  ny_ = static_cast<std::uint32_t>(std::ceil(h / side));
  const std::size_t ncells = static_cast<std::size_t>(nx_) * ny_;
  stats_.top_cells = ncells;

  // 3. Runs per top cell, counted then placed (no per-edge temporary). Rings in
  // stripes of about equal edges, one per thread; a cell lists stripe 0's runs
  // first, so runs stay in ring order (which is grid order).
  const unsigned threads =
      total_edges < (1u << 20) ? 1u : std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  std::vector<std::uint32_t> start(ncells + 1, 0);
  std::vector<Run> runs;
  {
    std::vector<std::uint32_t> ring_bounds{0};
    std::size_t acc = 0;
    for (std::uint32_t r = 0; r < rings_.size(); ++r) {
      acc += rings_[r].size - 1;
      if (ring_bounds.size() < threads &&
          static_cast<double>(acc) >= static_cast<double>(total_edges) / threads * static_cast<double>(ring_bounds.size())) {
        ring_bounds.push_back(r + 1);
      }
    }
    if (ring_bounds.back() != rings_.size()) ring_bounds.push_back(static_cast<std::uint32_t>(rings_.size()));
    const std::size_t stripes = ring_bounds.size() - 1;
    std::vector<Run> whole(rings_.size());
    for (std::uint32_t r = 0; r < rings_.size(); ++r) whole[r] = {r, 0, rings_[r].size - 1};
    std::vector<std::vector<std::uint32_t>> fill(stripes, std::vector<std::uint32_t>(ncells, 0));
    auto in_parallel = [&](auto&& work) {
      std::vector<std::thread> workers;
      for (std::size_t t = 1; t < stripes; ++t) workers.emplace_back([&, t] { work(t); });
      work(0);
      for (auto& w : workers) w.join();
    };
    in_parallel([&](std::size_t t) {
      Builder b(*this);
      std::vector<std::uint32_t>& count = fill[t];
      b.cut(
          whole.data() + ring_bounds[t], ring_bounds[t + 1] - ring_bounds[t], min_x_, min_y_, shift_, nx_, ny_,
          [&](std::size_t cell, std::uint32_t, std::uint32_t) {
            ++count[cell];
            return 0u;
          },
          [](std::uint32_t) {});
    });
    for (std::size_t c = 0; c < ncells; ++c) {
      std::uint32_t at = start[c];
      for (std::size_t t = 0; t < stripes; ++t) {
        const std::uint32_t n = fill[t][c];
        fill[t][c] = at;
        at += n;
      }
      start[c + 1] = at;
    }
    runs.resize(start[ncells]);
    in_parallel([&](std::size_t t) {
      Builder b(*this);
      std::vector<std::uint32_t>& next = fill[t];
      b.cut(
          whole.data() + ring_bounds[t], ring_bounds[t + 1] - ring_bounds[t], min_x_, min_y_, shift_, nx_, ny_,
          [&](std::size_t cell, std::uint32_t ring, std::uint32_t i) {
            runs[next[cell]] = {ring, i, 1};
            return next[cell]++;
          },
          [&](std::uint32_t slot) { ++runs[slot].count; });
    });
  }

  // 4. Each column from south to north; columns in parallel stripes of about equal runs.
  std::vector<std::uint32_t>& cells = cells_.own();
  cells.assign(ncells, 0);
  std::vector<std::uint32_t> bounds{0};
  {
    std::vector<std::size_t> per_column(nx_, 0);
    for (std::size_t c = 0; c < ncells; ++c) per_column[c / ny_] += start[c + 1] - start[c];
    const double share = static_cast<double>(runs.size()) / threads;
    std::size_t acc = 0;
    for (std::uint32_t cx = 0; cx < nx_; ++cx) {
      acc += per_column[cx];
      if (bounds.size() < threads && static_cast<double>(acc) >= share * static_cast<double>(bounds.size())) {
        bounds.push_back(cx + 1);
      }
    }
    if (bounds.back() != nx_) bounds.push_back(nx_);
  }
  std::vector<std::unique_ptr<Builder>> builders;
  for (std::size_t t = 0; t + 1 < bounds.size(); ++t) builders.push_back(std::make_unique<Builder>(*this));
  {
    std::vector<std::thread> workers;
    for (std::size_t t = 1; t < builders.size(); ++t) {
      workers.emplace_back([&, t] { builders[t]->columns(bounds[t], bounds[t + 1], start, runs, cells); });
    }
    builders[0]->columns(bounds[0], bounds[1], start, runs, cells);
    for (auto& w : workers) w.join();
  }
  runs = {};
  start = {};
  // Join the outputs: offsets of stripe t move by the sizes of the stripes before it.
  std::size_t node_total = 0, leaf_total = 0;
  for (const auto& b : builders) {
    node_total += b->nodes.size();
    leaf_total += b->leaves.size();
  }
  if (node_total >= kPayload || leaf_total >= kPayload) throw std::length_error("grid index: too many cells");
  std::vector<std::uint32_t>& nodes = nodes_.own();
  std::vector<std::uint32_t>& leaves = leaves_.own();
  if (builders.size() == 1) {
    nodes = std::move(builders[0]->nodes);
    leaves = std::move(builders[0]->leaves);
  } else {
    nodes.reserve(node_total);
    leaves.reserve(leaf_total);
  }
  for (std::size_t t = 0; t < builders.size(); ++t) {
    Builder& b = *builders[t];
    const auto node_base = static_cast<std::uint32_t>(nodes_.size()), leaf_base = static_cast<std::uint32_t>(leaves_.size());
    auto rebase = [&](std::uint32_t v) {
      const std::uint32_t tag = v & kTagMask;
      return tag == kSplit ? v + node_base : tag == kLeaf ? v + leaf_base : v;
    };
    if (builders.size() > 1) {
      for (std::uint32_t& v : b.nodes) v = rebase(v);
      for (std::size_t c = static_cast<std::size_t>(bounds[t]) * ny_; c < static_cast<std::size_t>(bounds[t + 1]) * ny_; ++c) {
        cells[c] = rebase(cells[c]);
      }
      nodes.insert(nodes.end(), b.nodes.begin(), b.nodes.end());
      leaves.insert(leaves.end(), b.leaves.begin(), b.leaves.end());
    }
    stats_.splits += b.stats.splits;
    stats_.leaves += b.stats.leaves;
    stats_.runs += b.stats.runs;
    stats_.max_leaf_edges = std::max(stats_.max_leaf_edges, b.stats.max_leaf_edges);
    b.nodes = {};
    b.leaves = {};
  }
}

// The R-tree of the grids' boxes (candidates()), each the box of its grid's chunks.
void GridIndex::index_grid_boxes() {
  std::vector<std::pair<Box, std::uint32_t>> boxes;
  for (std::uint32_t g = 0; g + 1 < chunk_offsets_.size(); ++g) {
    if (chunk_offsets_[g] == chunk_offsets_[g + 1]) continue;
    i64 x0 = std::numeric_limits<i64>::max(), y0 = x0, x1 = std::numeric_limits<i64>::min(), y1 = x1;
    for (std::uint32_t c = chunk_offsets_[g]; c < chunk_offsets_[g + 1]; ++c) {
      x0 = std::min<i64>(x0, chunks_[c].x0);
      y0 = std::min<i64>(y0, chunks_[c].y0);
      x1 = std::max<i64>(x1, chunks_[c].x1);
      y1 = std::max<i64>(y1, chunks_[c].y1);
    }
    boxes.push_back({Box(BoxPoint(static_cast<double>(x0) / kScale, static_cast<double>(y0) / kScale),
                         BoxPoint(static_cast<double>(x1) / kScale, static_cast<double>(y1) / kScale)),
                     g});
  }
  for (const PartRef& r : part_refs_) {
    boxes.push_back({Box(BoxPoint(static_cast<double>(r.x0) / kScale, static_cast<double>(r.y0) / kScale),
                         BoxPoint(static_cast<double>(r.x1) / kScale, static_cast<double>(r.y1) / kScale)),
                     r.grid});
  }
  boxes_->tree = BoxTree(boxes.begin(), boxes.end());
}

std::optional<std::uint32_t> GridIndex::find(LonLat p) const {
  const auto found = find_in_cells(p);
  if (part_refs_.empty()) [[likely]] return found;
  return find_in_parts(p, found);
}

std::optional<std::uint32_t> GridIndex::find_in_parts(LonLat p, std::optional<std::uint32_t> found) const {
  if (!std::isfinite(p.lon) || !std::isfinite(p.lat)) return found;
  const i64 x = std::llround(p.lon * kScale), y = std::llround(p.lat * kScale);
  for (const PartRef& r : part_refs_) {  // in grid index order: the lowest grid holding p answers
    if (found && r.grid > *found) break;
    if (x < r.x0 || x > r.x1 || y < r.y0 || y > r.y1) continue;
    if (parts_[r.grid]->find_in_cells(p)) return r.grid;
  }
  return found;
}

[[gnu::always_inline]] inline std::optional<std::uint32_t> GridIndex::find_in_cells(LonLat p) const {
  if (!std::isfinite(p.lon) || !std::isfinite(p.lat) || nx_ == 0) return std::nullopt;
  const i64 x = std::llround(p.lon * kScale), y = std::llround(p.lat * kScale);
  if (x < min_x_ || y < min_y_) return std::nullopt;
  int shift = shift_;
  const i64 cx = (x - min_x_) >> shift, cy = (y - min_y_) >> shift;
  if (cx >= nx_ || cy >= ny_) return std::nullopt;
  i64 ox = min_x_ + (cx << shift), oy = min_y_ + (cy << shift);
  std::uint32_t v = cells_[static_cast<std::size_t>(cx) * ny_ + static_cast<std::size_t>(cy)];
  while ((v & kTagMask) == kSplit) {
    shift -= 2;
    const i64 j = (x - ox) >> shift, i = (y - oy) >> shift;
    ox += j << shift;
    oy += i << shift;
    v = nodes_[(v & kPayload) + static_cast<std::size_t>(i * 4 + j)];
  }
  if ((v & kTagMask) != kLeaf) {
    if (v == 0) return std::nullopt;
    return v - 1;
  }
  const std::uint32_t* l = leaves_.data() + (v & kPayload);
  const i64 xe = ox + (i64{1} << shift);
  const std::uint32_t groups = *l++;
  {
    // The runs' vertices are scattered over the grids' rings: ask for all of them before reading any.
    const std::uint32_t* q = l;
    for (std::uint32_t gi = 0; gi < groups; ++gi) {
      const std::uint32_t nruns = q[1];
      q += 2;
      for (std::uint32_t k = 0; k < nruns; ++k, q += 3) __builtin_prefetch(rings_[q[0]].points + q[1]);
    }
  }
  for (std::uint32_t gi = 0; gi < groups; ++gi) {
    const std::uint32_t head = *l++;
    const std::uint32_t nruns = *l++;
    bool inside = head & 1;
    for (std::uint32_t k = 0; k < nruns; ++k, l += 3) {
      const SnappedGrid::Point* q = rings_[l[0]].points + l[1];
      Pt a = snap(q[0]);
      for (std::uint32_t i = 0; i < l[2]; ++i) {
        const Pt b = snap(q[i + 1]);
        inside ^= crosses_h(a, b, x, y, xe) != crosses_v(a, b, xe, oy, y);
        a = b;
      }
    }
    if (inside) return head >> 1;
  }
  return std::nullopt;
}

bool GridIndex::contains(std::uint32_t g, LonLat p) const {
  if (g < parts_.size() && parts_[g]) return parts_[g]->contains(0, p);
  if (g + 1 >= chunk_offsets_.size() || !std::isfinite(p.lon) || !std::isfinite(p.lat)) return false;
  const i64 x = std::llround(p.lon * kScale), y = std::llround(p.lat * kScale);
  // A ray east from p, counting the edges it crosses (crosses_h to a point east of every vertex).
  constexpr i64 kEast = i64{1} << 40;
  bool inside = false;
  for (std::uint32_t c = chunk_offsets_[g]; c < chunk_offsets_[g + 1]; ++c) {
    const Chunk& k = chunks_[c];
    if (y < k.y0 || y > k.y1 || x >= k.x1) continue;  // no edge of the chunk can cross the ray
    const RingRef& ring = rings_[k.ring];
    const std::uint32_t last = std::min(ring.size - 1, k.first + kChunk);
    Pt a = snap(ring.points[k.first]);
    for (std::uint32_t i = k.first; i < last; ++i) {
      const Pt b = snap(ring.points[i + 1]);
      inside ^= crosses_h(a, b, x, y, kEast);
      a = b;
    }
  }
  return inside;
}

bool SnappedGrid::contains(LonLat p) const {
  if (!std::isfinite(p.lon) || !std::isfinite(p.lat)) return false;
  const i64 x = std::llround(p.lon * kScale), y = std::llround(p.lat * kScale);
  constexpr i64 kEast = i64{1} << 40;  // as GridIndex::contains()
  bool inside = false;
  for (const RingSpan& span : rings) {
    const Point* ring = points.data() + span.begin;
    for (std::uint32_t i = 0; i + 1 < span.size; ++i) inside ^= crosses_h(snap(ring[i]), snap(ring[i + 1]), x, y, kEast);
  }
  return inside;
}

std::vector<std::uint32_t> GridIndex::candidates(const BBox& box) const {
  std::vector<std::uint32_t> out;
  if (!boxes_) return out;
  const Box q(BoxPoint(box.min_lon, box.min_lat), BoxPoint(box.max_lon, box.max_lat));
  for (auto it = boxes_->tree.qbegin(bgi::intersects(q)); it != boxes_->tree.qend(); ++it) out.push_back(it->second);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<GridIndex::BoundaryPoint> GridIndex::nearest_boundary_point(std::uint32_t g, LonLat p,
                                                                          double max_m) const {
  if (g < parts_.size() && parts_[g]) return parts_[g]->nearest_boundary_point(0, p, max_m);
  if (g + 1 >= chunk_offsets_.size() || !std::isfinite(p.lon) || !std::isfinite(p.lat) || !(max_m >= 0)) {
    return std::nullopt;
  }
  // Plane coordinates in metres, relative to p: x east, y north.
  const geo::DegreeScale scale = geo::degree_scale(p.lat);
  const double kx = scale.m_per_deg_lon / kScale, ky = scale.m_per_deg_lat / kScale;
  const double px = p.lon * kScale, py = p.lat * kScale;
  double best2 = max_m * max_m;
  bool found = false;
  double best_x = 0, best_y = 0;  // plane offset of the best point from p
  auto visit = [&](Pt a, Pt b) {
    const double ax = (static_cast<double>(a.x) - px) * kx, ay = (static_cast<double>(a.y) - py) * ky;
    const double dx = (static_cast<double>(b.x) - px) * kx - ax, dy = (static_cast<double>(b.y) - py) * ky - ay;
    const double len2 = dx * dx + dy * dy;
    const double t = len2 > 0 ? std::clamp(-(ax * dx + ay * dy) / len2, 0.0, 1.0) : 0.0;
    const double cx = ax + t * dx, cy = ay + t * dy;
    const double d2 = cx * cx + cy * cy;
    if (d2 <= best2) {
      best2 = d2;
      best_x = cx;
      best_y = cy;
      found = true;
    }
  };
  // Boxes nearest first; a box no nearer than the best so far holds nothing better.
  std::vector<std::pair<double, std::uint32_t>> order;
  for (std::uint32_t c = chunk_offsets_[g]; c < chunk_offsets_[g + 1]; ++c) {
    const Chunk& k = chunks_[c];
    const double dx = std::max({0.0, k.x0 - px, px - k.x1}) * kx, dy = std::max({0.0, k.y0 - py, py - k.y1}) * ky;
    const double d2 = dx * dx + dy * dy;
    if (d2 <= best2) order.emplace_back(d2, c);
  }
  std::sort(order.begin(), order.end());
  for (const auto& [d2, c] : order) {
    if (d2 > best2) break;
    const Chunk& k = chunks_[c];
    const RingRef& ring = rings_[k.ring];
    const std::uint32_t last = std::min(ring.size - 1, k.first + kChunk);
    Pt a = snap(ring.points[k.first]);
    for (std::uint32_t i = k.first; i < last; ++i) {
      const Pt b = snap(ring.points[i + 1]);
      visit(a, b);
      a = b;
    }
  }
  if (!found) return std::nullopt;
  return BoundaryPoint{{(px + best_x / kx) / kScale, (py + best_y / ky) / kScale}, std::sqrt(best2)};
}

namespace {

template <typename T>
std::span<const std::byte> bytes_of(const HeldArray<T>& v) {
  return std::as_bytes(v.span());
}

template <typename T>
HeldArray<T> held(std::span<const T> v, const std::shared_ptr<const void>& keep) {
  return HeldArray<T>(v, keep);
}

}  // namespace

GridIndex::Arrays GridIndex::arrays(std::vector<std::uint32_t>& ring_table) const {
  if (has_parts()) throw std::logic_error("GridIndex::arrays: an index with parts has no arrays of its own for them");
  ring_table.clear();
  ring_table.reserve(rings_.size() * 4);
  for (std::size_t r = 0; r < rings_.size(); ++r) {
    ring_table.insert(ring_table.end(), {rings_[r].grid, ring_places_[r].polygon, ring_places_[r].ring, rings_[r].size});
  }
  Arrays a;
  a.min_x = min_x_;
  a.min_y = min_y_;
  a.shift = shift_;
  a.nx = nx_;
  a.ny = ny_;
  a.stats = stats_;
  a.rings = ring_table;
  a.chunk_offsets = chunk_offsets_.span();
  a.chunks = bytes_of(chunks_);
  a.cells = cells_.span();
  a.nodes = nodes_.span();
  a.leaves = leaves_.span();
  return a;
}

bool GridIndex::attach(const Arrays& a, std::shared_ptr<const void> keep, std::vector<SnappedGrid>& grids) {
  static_assert(sizeof(Chunk) == kChunkBytes && alignof(Chunk) <= 8);
  *this = GridIndex();
  auto fail = [this] {
    *this = GridIndex();
    return false;
  };
  if (a.chunks.size() % kChunkBytes != 0 || a.rings.size() % 4 != 0 ||
      reinterpret_cast<std::uintptr_t>(a.chunks.data()) % alignof(Chunk) != 0) {
    return fail();
  }
  const std::span<const Chunk> chunks{reinterpret_cast<const Chunk*>(a.chunks.data()), a.chunks.size() / kChunkBytes};
  // The structure must fit together: the rings the grids hold, and chunks and cells in range.
  if (a.shift < 0 || a.shift > 62 || static_cast<std::uint64_t>(a.nx) * a.ny != a.cells.size() ||
      a.chunk_offsets.size() != grids.size() + 1 || a.chunk_offsets.front() != 0 ||
      a.chunk_offsets.back() != chunks.size() || !std::is_sorted(a.chunk_offsets.begin(), a.chunk_offsets.end())) {
    return fail();
  }
  // Each grid's rings, in its order: the arrays must name exactly those.
  std::vector<std::uint32_t> next_ring(grids.size(), 0);
  rings_.reserve(a.rings.size() / 4);
  ring_places_.reserve(a.rings.size() / 4);
  for (std::size_t k = 0; k < a.rings.size(); k += 4) {
    const std::uint32_t g = a.rings[k], pi = a.rings[k + 1], ri = a.rings[k + 2], size = a.rings[k + 3];
    if (g >= grids.size() || next_ring[g] >= grids[g].rings.size()) return fail();
    const SnappedGrid::RingSpan& span = grids[g].rings[next_ring[g]++];
    if (span.polygon != pi || span.ring != ri || span.size != size || size < 2 ||
        std::size_t{span.begin} + span.size > grids[g].points.size()) {
      return fail();
    }
    rings_.push_back({grids[g].points.data() + span.begin, size, g});
    ring_places_.push_back({pi, ri});
  }
  for (std::size_t g = 0; g < grids.size(); ++g) {
    if (next_ring[g] != grids[g].rings.size()) return fail();
  }
  for (const Chunk& c : chunks) {
    if (c.ring >= rings_.size() || c.first >= rings_[c.ring].size - 1) return fail();
  }
  min_x_ = a.min_x;
  min_y_ = a.min_y;
  shift_ = a.shift;
  nx_ = a.nx;
  ny_ = a.ny;
  stats_ = a.stats;
  chunk_offsets_ = held(a.chunk_offsets, keep);
  chunks_ = held(chunks, keep);
  cells_ = held(a.cells, keep);
  nodes_ = held(a.nodes, keep);
  leaves_ = held(a.leaves, keep);
  grids_ = std::move(grids);  // the rings point into their arrays, which a move keeps
  grids.clear();
  boxes_ = std::make_unique<BoxIndex>();
  index_grid_boxes();
  return true;
}

std::uint64_t GridIndex::content_hash() const {
  std::uint64_t h = hash_bytes(&min_x_, sizeof min_x_, 1);
  const std::uint64_t scalars[] = {static_cast<std::uint64_t>(min_y_), static_cast<std::uint64_t>(shift_), nx_, ny_,
                                   stats_.edges, stats_.top_cells, stats_.leaves, stats_.splits, stats_.runs,
                                   stats_.max_leaf_edges};
  h = hash_bytes(scalars, sizeof scalars, h);
  for (std::size_t r = 0; r < rings_.size(); ++r) {
    const std::uint32_t ring[4] = {rings_[r].grid, ring_places_[r].polygon, ring_places_[r].ring, rings_[r].size};
    h = hash_bytes(ring, sizeof ring, h);
  }
  for (const std::span<const std::byte> v : {bytes_of(chunk_offsets_), bytes_of(chunks_), bytes_of(cells_), bytes_of(nodes_), bytes_of(leaves_)}) {
    h = hash_bytes(v.data(), v.size(), h ^ v.size());
  }
  return h;
}

std::size_t GridIndex::memory_bytes() const {
  std::size_t snapped = grids_.capacity() * sizeof(SnappedGrid);
  for (const SnappedGrid& g : grids_) snapped += g.memory_bytes();
  // Shared with other indexes (an overlay's next layers), counted in each.
  std::size_t parts_bytes = parts_.capacity() * sizeof(parts_[0]) + part_refs_.capacity() * sizeof(PartRef);
  for (const auto& part : parts_) parts_bytes += part ? part->memory_bytes() : 0;
  return snapped + rings_.capacity() * sizeof(RingRef) + ring_places_.capacity() * sizeof(RingPlace) +
         chunk_offsets_.heap_bytes() + chunks_.heap_bytes() + cells_.heap_bytes() + nodes_.heap_bytes() +
         leaves_.heap_bytes() + (boxes_ ? boxes_->tree.size() * 48 : 0) + parts_bytes;
}

std::vector<SnappedGrid> GridIndex::release_grids() {
  if (has_parts()) throw std::logic_error("GridIndex::release_grids: the parts' grids are shared");
  std::vector<SnappedGrid> out = std::move(grids_);
  *this = GridIndex();
  return out;
}

std::size_t GridIndex::mapped_bytes() const {
  std::size_t n = chunk_offsets_.mapped_bytes() + chunks_.mapped_bytes() + cells_.mapped_bytes() +
                  nodes_.mapped_bytes() + leaves_.mapped_bytes();
  for (const SnappedGrid& g : grids_) n += g.points.mapped_bytes();
  return n;
}

}  // namespace poleloc::index
