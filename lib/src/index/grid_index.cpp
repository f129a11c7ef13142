#include "index/grid_index.hpp"

#include "geo/geodesic.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/geometries/box.hpp>
#include <boost/geometry/geometries/point.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace poleloc::index {
namespace {

constexpr std::uint32_t kMixed = 0x80000000u;
constexpr double kScale = 1e7;  // 1e-7 degree units

std::int32_t snap(double deg) { return static_cast<std::int32_t>(std::llround(deg * kScale)); }

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using BoxPoint = bg::model::point<double, 2, bg::cs::cartesian>;
using Box = bg::model::box<BoxPoint>;
using BoxTree = bgi::rtree<std::pair<Box, std::uint32_t>, bgi::quadratic<16>>;

}  // namespace

struct GridIndex::BoxIndex {
  BoxTree tree;
};

GridIndex::GridIndex() = default;
GridIndex::~GridIndex() = default;
GridIndex::GridIndex(GridIndex&&) noexcept = default;
GridIndex& GridIndex::operator=(GridIndex&&) noexcept = default;

bool GridIndex::contains(std::uint32_t g, std::int32_t x, std::int32_t y) const {
  const GridEdges& ge = grids_[g];
  if (ge.band_count == 0 || y < ge.min_y || y >= ge.max_y || x >= ge.max_x) return false;
  const std::uint32_t band = static_cast<std::uint32_t>((static_cast<std::int64_t>(y) - ge.min_y) / ge.band_h);
  const std::uint32_t b = ge.band_start + std::min(band, ge.band_count - 1);
  bool inside = false;
  // Only a long latitude band is worth a look at the longitude band (another read).
  constexpr std::uint32_t kLongBand = 16;
  if (ge.xband_count > 0 && x >= ge.min_x && band_offsets_[b + 1] - band_offsets_[b] > kLongBand) {
    const std::uint32_t xband = static_cast<std::uint32_t>((static_cast<std::int64_t>(x) - ge.min_x) / ge.band_w);
    const std::uint32_t xb = ge.xband_start + std::min(xband, ge.xband_count - 1);
    if (xband_offsets_[xb + 1] - xband_offsets_[xb] < band_offsets_[b + 1] - band_offsets_[b]) {
      // Ray north, for the point moved (eps, eps^2): the same answer as the ray east.
      for (std::uint32_t i = xband_offsets_[xb]; i < xband_offsets_[xb + 1]; ++i) {
        const Edge& e = xband_edges_[i];
        if (x < e.x0 || x >= e.x1) continue;
        if (y < std::min(e.y0, e.y1)) {
          inside = !inside;
        } else if (y <= std::max(e.y0, e.y1)) {
          // y vs y_edge(x): (y - y0) * (x1 - x0) vs (x - x0) * (y1 - y0), x1 > x0.
          const std::int64_t lhs = (static_cast<std::int64_t>(y) - e.y0) * (static_cast<std::int64_t>(e.x1) - e.x0);
          const std::int64_t rhs = (static_cast<std::int64_t>(x) - e.x0) * (static_cast<std::int64_t>(e.y1) - e.y0);
          if (lhs < rhs || (lhs == rhs && e.y1 > e.y0)) inside = !inside;
        }
      }
      return inside;
    }
  }
  for (std::uint32_t i = band_offsets_[b]; i < band_offsets_[b + 1]; ++i) {
    const Edge& e = band_edges_[i];
    // Half-open in latitude: lo.y <= y < hi.y. Counted when p is strictly west of the edge.
    if (y < e.y0 || y >= e.y1) continue;
    if (x < std::min(e.x0, e.x1)) {
      inside = !inside;
    } else if (x < std::max(e.x0, e.x1)) {
      // x < x_edge(y)  <=>  (x - x0) * (y1 - y0) < (y - y0) * (x1 - x0); both products fit in int64.
      const std::int64_t lhs = (static_cast<std::int64_t>(x) - e.x0) * (static_cast<std::int64_t>(e.y1) - e.y0);
      const std::int64_t rhs = (static_cast<std::int64_t>(y) - e.y0) * (static_cast<std::int64_t>(e.x1) - e.x0);
      if (lhs < rhs) inside = !inside;
    }
  }
  return inside;
}

void GridIndex::build(const std::vector<const MultiPolygon*>& geometries) {
  grids_.assign(geometries.size(), GridEdges{});
  band_offsets_.clear();
  band_edges_.clear();
  flat_offsets_.assign(1, 0);
  flat_edges_.clear();
  xband_offsets_.clear();
  xband_edges_.clear();
  cells_.clear();
  cell_lists_.clear();
  boxes_ = std::make_unique<BoxIndex>();
  nx_ = ny_ = 0;

  // 1. Per grid: snapped edges (all rings of all parts), bucketed into latitude bands.
  std::vector<std::vector<Edge>> all_edges(geometries.size());  // including east-west edges, for cells
  std::int64_t gx0 = std::numeric_limits<std::int64_t>::max(), gy0 = gx0;
  std::int64_t gx1 = std::numeric_limits<std::int64_t>::min(), gy1 = gx1;
  std::vector<std::pair<Box, std::uint32_t>> boxes;
  std::size_t total_edges = 0;
  for (std::uint32_t g = 0; g < geometries.size(); ++g) {
    std::vector<Edge>& edges = all_edges[g];
    std::int32_t min_x = std::numeric_limits<std::int32_t>::max(), min_y = min_x;
    std::int32_t max_x = std::numeric_limits<std::int32_t>::min(), max_y = max_x;
    for (const Polygon& poly : *geometries[g]) {
      for (const Ring& ring : poly.rings) {
        for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
          std::int32_t x0 = snap(ring[i].lon), y0 = snap(ring[i].lat);
          std::int32_t x1 = snap(ring[i + 1].lon), y1 = snap(ring[i + 1].lat);
          if (x0 == x1 && y0 == y1) continue;
          if (y0 > y1 || (y0 == y1 && x0 > x1)) {
            std::swap(x0, x1);
            std::swap(y0, y1);
          }
          edges.push_back({x0, y0, x1, y1});
          min_x = std::min({min_x, x0, x1});
          max_x = std::max({max_x, x0, x1});
          min_y = std::min(min_y, y0);
          max_y = std::max(max_y, y1);
        }
      }
    }
    total_edges += edges.size();
    const std::size_t flat_begin = flat_edges_.size();
    for (const Edge& e : edges) {
      if (e.y0 == e.y1) flat_edges_.push_back(e);
    }
    std::sort(flat_edges_.begin() + static_cast<std::ptrdiff_t>(flat_begin), flat_edges_.end(),
              [](const Edge& a, const Edge& b) { return a.y0 < b.y0; });
    flat_offsets_.push_back(static_cast<std::uint32_t>(flat_edges_.size()));
    GridEdges& ge = grids_[g];
    if (edges.empty()) continue;
    ge.min_x = min_x;
    ge.max_x = max_x;
    ge.min_y = min_y;
    ge.max_y = max_y;
    gx0 = std::min<std::int64_t>(gx0, min_x);
    gy0 = std::min<std::int64_t>(gy0, min_y);
    gx1 = std::max<std::int64_t>(gx1, max_x);
    gy1 = std::max<std::int64_t>(gy1, max_y);
    boxes.push_back({Box(BoxPoint(min_x / kScale, min_y / kScale), BoxPoint(max_x / kScale, max_y / kScale)), g});

    // About four sloped edges per band, whatever the vertex count (a cap of 256
    // bands left ~200 edges per band at 50,000 vertices: 3 us at p99), but no
    // more bands than keep the copies of edges spanning several bands within
    // about two per edge (band height >= the mean edge height), so memory stays O(edges).
    std::size_t sloped = 0;
    double sum_dy = 0;
    for (const Edge& e : edges) {
      sloped += e.y0 != e.y1;
      sum_dy += static_cast<double>(e.y1) - e.y0;
    }
    const std::int64_t span = static_cast<std::int64_t>(max_y) - min_y + 1;
    const double by_copies = sum_dy > 0 ? 1.0 * static_cast<double>(sloped) * static_cast<double>(span) / sum_dy : 1.0;
    ge.band_count = static_cast<std::uint32_t>(
        std::clamp<double>(std::min(static_cast<double>(sloped / 4), by_copies), 1.0, double{1 << 20}));
    ge.band_h = static_cast<std::int32_t>((span + ge.band_count - 1) / ge.band_count);
    ge.band_start = static_cast<std::uint32_t>(band_offsets_.size());
    std::vector<std::vector<Edge>> bands(ge.band_count);
    for (const Edge& e : edges) {
      if (e.y0 == e.y1) continue;  // east-west edges never change the crossing count
      const auto b0 = static_cast<std::uint32_t>((static_cast<std::int64_t>(e.y0) - min_y) / ge.band_h);
      const auto b1 = static_cast<std::uint32_t>((static_cast<std::int64_t>(e.y1) - 1 - min_y) / ge.band_h);
      for (std::uint32_t b = b0; b <= std::min(b1, ge.band_count - 1); ++b) bands[b].push_back(e);
    }
    for (const auto& band : bands) {
      band_offsets_.push_back(static_cast<std::uint32_t>(band_edges_.size()));
      band_edges_.insert(band_edges_.end(), band.begin(), band.end());
    }
    // Longitude bands, sized by the same rule.
    std::size_t slanted = 0;
    double sum_dx = 0;
    for (const Edge& e : edges) {
      slanted += e.x0 != e.x1;
      sum_dx += std::fabs(static_cast<double>(e.x1) - e.x0);
    }
    if (slanted > 0) {
      const std::int64_t span_x = static_cast<std::int64_t>(max_x) - min_x + 1;
      const double by_copies_x = 1.0 * static_cast<double>(slanted) * static_cast<double>(span_x) / sum_dx;
      ge.xband_count = static_cast<std::uint32_t>(
          std::clamp<double>(std::min(static_cast<double>(slanted / 4), by_copies_x), 1.0, double{1 << 20}));
      ge.band_w = static_cast<std::int32_t>((span_x + ge.xband_count - 1) / ge.xband_count);
      ge.xband_start = static_cast<std::uint32_t>(xband_offsets_.size());
      std::vector<std::vector<Edge>> xbands(ge.xband_count);
      for (Edge e : edges) {
        if (e.x0 == e.x1) continue;  // north-south edges never cross a ray going north
        if (e.x0 > e.x1) std::swap(e.x0, e.x1), std::swap(e.y0, e.y1);
        const auto b0 = static_cast<std::uint32_t>((static_cast<std::int64_t>(e.x0) - min_x) / ge.band_w);
        const auto b1 = static_cast<std::uint32_t>((static_cast<std::int64_t>(e.x1) - 1 - min_x) / ge.band_w);
        for (std::uint32_t b = b0; b <= std::min(b1, ge.xband_count - 1); ++b) xbands[b].push_back(e);
      }
      for (const auto& band : xbands) {
        xband_offsets_.push_back(static_cast<std::uint32_t>(xband_edges_.size()));
        xband_edges_.insert(xband_edges_.end(), band.begin(), band.end());
      }
    }
  }
  band_offsets_.push_back(static_cast<std::uint32_t>(band_edges_.size()));
  xband_offsets_.push_back(static_cast<std::uint32_t>(xband_edges_.size()));
  // band_offsets_ is one array for all grids: grid g's bands are [band_start, band_start + band_count],
  // and the entry after its last band is the next grid's first (or the final sentinel).
  boxes_->tree = BoxTree(boxes.begin(), boxes.end());
  if (total_edges == 0) return;

  // 2. Uniform cells over all grids, about two per edge.
  min_x_ = gx0;
  min_y_ = gy0;
  const double w = static_cast<double>(gx1 - gx0 + 1), h = static_cast<double>(gy1 - gy0 + 1);
  const double target = std::clamp(2.0 * static_cast<double>(total_edges), 1.0, double{1 << 23});
  const double side = std::max(1.0, std::sqrt(w * h / target));
  nx_ = static_cast<std::uint32_t>(std::clamp(std::ceil(w / side), 1.0, 8192.0));
  ny_ = static_cast<std::uint32_t>(std::clamp(std::ceil(h / side), 1.0, 8192.0));
  cell_w_ = static_cast<std::int64_t>(std::ceil(w / nx_));
  cell_h_ = static_cast<std::int64_t>(std::ceil(h / ny_));
  const std::size_t ncells = static_cast<std::size_t>(nx_) * ny_;

  // 3. Which grids have an edge touching each cell (closed cells, conservatively widened).
  std::vector<std::uint32_t> last(ncells, UINT32_MAX), count(ncells, 0);
  auto walk = [&](std::uint32_t g, const Edge& e, auto&& visit) {
    const double cw = static_cast<double>(cell_w_), ch = static_cast<double>(cell_h_);
    const double ax = static_cast<double>(e.x0 - min_x_), ay = static_cast<double>(e.y0 - min_y_);
    const double bx = static_cast<double>(e.x1 - min_x_), by = static_cast<double>(e.y1 - min_y_);
    const auto col = [&](double x) { return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(x / cw)), 0, nx_ - 1); };
    const auto row = [&](double y) { return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(y / ch)), 0, ny_ - 1); };
    const double eps = 1.0;  // one unit (1e-7 degree) of slack on each side
    const std::int64_t c0 = col(std::min(ax, bx) - eps), c1 = col(std::max(ax, bx) + eps);
    for (std::int64_t c = c0; c <= c1; ++c) {
      // The part of the segment within this column's x-range (widened by eps).
      double xl = std::max(c * cw - eps, std::min(ax, bx)), xr = std::min((c + 1) * cw + eps, std::max(ax, bx));
      double ya, yb;
      if (ax == bx) {
        ya = std::min(ay, by);
        yb = std::max(ay, by);
      } else {
        const double t0 = (xl - ax) / (bx - ax), t1 = (xr - ax) / (bx - ax);
        ya = ay + std::clamp(t0, 0.0, 1.0) * (by - ay);
        yb = ay + std::clamp(t1, 0.0, 1.0) * (by - ay);
        if (ya > yb) std::swap(ya, yb);
      }
      for (std::int64_t r = row(ya - eps); r <= row(yb + eps); ++r) {
        visit(g, static_cast<std::size_t>(r) * nx_ + static_cast<std::size_t>(c));
      }
    }
  };
  for (std::uint32_t g = 0; g < all_edges.size(); ++g) {
    for (const Edge& e : all_edges[g]) {
      walk(g, e, [&](std::uint32_t gg, std::size_t c) {
        if (last[c] != gg) {
          last[c] = gg;
          ++count[c];
        }
      });
    }
  }
  std::vector<std::uint32_t> start(ncells + 1, 0);
  for (std::size_t c = 0; c < ncells; ++c) start[c + 1] = start[c] + count[c];
  std::vector<std::uint32_t> members(start[ncells]);
  std::fill(last.begin(), last.end(), UINT32_MAX);
  std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
  for (std::uint32_t g = 0; g < all_edges.size(); ++g) {
    for (const Edge& e : all_edges[g]) {
      walk(g, e, [&](std::uint32_t gg, std::size_t c) {
        if (last[c] != gg) {
          last[c] = gg;
          members[fill[c]++] = gg;
        }
      });
    }
  }
  all_edges.clear();
  all_edges.shrink_to_fit();

  // 4. Cells without edges belong wholly to one grid (or none); so do runs of them along a row.
  // Cells with edges list their edge grids plus whatever grid holds the cell centre.
  cells_.assign(ncells, 0);
  auto center = [&](std::size_t cx, std::size_t cy) {
    const std::int64_t x = min_x_ + static_cast<std::int64_t>(cx) * cell_w_ + cell_w_ / 2;
    const std::int64_t y = min_y_ + static_cast<std::int64_t>(cy) * cell_h_ + cell_h_ / 2;
    return std::pair<std::int32_t, std::int32_t>(static_cast<std::int32_t>(x), static_cast<std::int32_t>(y));
  };
  cell_lists_.clear();
  std::vector<std::uint32_t> list;
  for (std::size_t cy = 0; cy < ny_; ++cy) {
    std::uint32_t run_owner = 0;
    bool in_run = false;
    for (std::size_t cx = 0; cx < nx_; ++cx) {
      const std::size_t c = cy * nx_ + cx;
      const auto [x, y] = center(cx, cy);
      if (count[c] == 0) {
        if (!in_run) {
          auto owner = find_slow(x, y);
          run_owner = owner ? *owner + 1 : 0;
          in_run = true;
        }
        cells_[c] = run_owner;
        continue;
      }
      in_run = false;
      list.assign(members.begin() + start[c], members.begin() + start[c + 1]);
      bool centre_found = false;
      for (std::uint32_t g : list) centre_found = centre_found || contains(g, x, y);
      if (!centre_found) {
        if (auto owner = find_slow(x, y); owner && std::find(list.begin(), list.end(), *owner) == list.end()) {
          list.push_back(*owner);
        }
      }
      std::sort(list.begin(), list.end());  // lowest grid index first: deterministic even for overlaps
      cells_[c] = kMixed | static_cast<std::uint32_t>(cell_lists_.size());
      cell_lists_.push_back(static_cast<std::uint32_t>(list.size()));
      cell_lists_.insert(cell_lists_.end(), list.begin(), list.end());
    }
  }
}

std::optional<std::uint32_t> GridIndex::find_slow(std::int32_t x, std::int32_t y) const {
  std::optional<std::uint32_t> best;
  const BoxPoint p(x / kScale, y / kScale);
  for (auto it = boxes_->tree.qbegin(bgi::intersects(p)); it != boxes_->tree.qend(); ++it) {
    if (contains(it->second, x, y) && (!best || it->second < *best)) best = it->second;
  }
  return best;
}

std::optional<std::uint32_t> GridIndex::find(LonLat p) const {
  if (!std::isfinite(p.lon) || !std::isfinite(p.lat) || nx_ == 0) return std::nullopt;
  const std::int64_t x = std::llround(p.lon * kScale), y = std::llround(p.lat * kScale);
  if (x < min_x_ || y < min_y_) return std::nullopt;
  const std::int64_t cx = (x - min_x_) / cell_w_, cy = (y - min_y_) / cell_h_;
  if (cx >= nx_ || cy >= ny_) return std::nullopt;
  const std::uint32_t v = cells_[static_cast<std::size_t>(cy) * nx_ + static_cast<std::size_t>(cx)];
  if (!(v & kMixed)) {
    if (v == 0) return std::nullopt;
    return v - 1;
  }
  const std::uint32_t* list = cell_lists_.data() + (v & ~kMixed);
  const std::uint32_t n = list[0];
  for (std::uint32_t i = 1; i <= n; ++i) {
    if (contains(list[i], static_cast<std::int32_t>(x), static_cast<std::int32_t>(y))) return list[i];
  }
  return std::nullopt;
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
  if (g >= grids_.size() || !std::isfinite(p.lon) || !std::isfinite(p.lat) || !(max_m >= 0)) return std::nullopt;
  const GridEdges& ge = grids_[g];
  // Plane coordinates in metres, relative to p: x east, y north.
  const geo::DegreeScale scale = geo::degree_scale(p.lat);
  const double kx = scale.m_per_deg_lon / kScale, ky = scale.m_per_deg_lat / kScale;
  const double px = p.lon * kScale, py = p.lat * kScale;
  double best2 = max_m * max_m;
  bool found = false;
  double best_x = 0, best_y = 0;  // plane offset of the best point from p
  auto visit = [&](const Edge& e) {
    const double ax = (e.x0 - px) * kx, ay = (e.y0 - py) * ky;
    const double dx = (e.x1 - px) * kx - ax, dy = (e.y1 - py) * ky - ay;
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

  // Sloped edges, band by band outward from p's latitude, while a band can
  // still hold an edge nearer than the best so far. An edge sits in every band
  // its latitude range meets, so its nearest point to p lies no nearer in
  // latitude than the nearest band holding it (less two units of slack for the
  // half-open band ends).
  if (ge.band_count > 0) {
    const auto n = static_cast<std::int64_t>(ge.band_count);
    auto lat_gap_m = [&](std::int64_t b) {
      const double lo = static_cast<double>(ge.min_y) + static_cast<double>(b) * ge.band_h;
      const double hi = lo + ge.band_h;
      return std::max(0.0, std::max(lo - py, py - hi) - 2.0) * ky;
    };
    auto scan = [&](std::int64_t b) {
      const std::uint32_t i = ge.band_start + static_cast<std::uint32_t>(b);
      for (std::uint32_t k = band_offsets_[i]; k < band_offsets_[i + 1]; ++k) visit(band_edges_[k]);
    };
    const std::int64_t b0 =
        std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor((py - ge.min_y) / ge.band_h)), 0, n - 1);
    scan(b0);
    std::int64_t below = b0 - 1, above = b0 + 1;
    while (below >= 0 || above < n) {
      const double gap_below = below >= 0 ? lat_gap_m(below) : INFINITY;
      const double gap_above = above < n ? lat_gap_m(above) : INFINITY;
      const bool take_below = gap_below <= gap_above;
      const double gap = take_below ? gap_below : gap_above;
      if (gap * gap > best2) break;
      scan(take_below ? below-- : above++);
    }
  }

  // East-west edges within the best distance's latitude range.
  const Edge* first = flat_edges_.data() + flat_offsets_[g];
  const Edge* last = flat_edges_.data() + flat_offsets_[g + 1];
  if (first != last) {
    const double reach = std::sqrt(best2) / ky + 2.0;  // units of latitude
    const double lo = py - reach;
    const Edge* it = std::lower_bound(first, last, lo, [](const Edge& e, double y) { return e.y0 < y; });
    for (; it != last && it->y0 <= py + reach; ++it) visit(*it);
  }

  if (!found) return std::nullopt;
  return BoundaryPoint{{(px + best_x / kx) / kScale, (py + best_y / ky) / kScale}, std::sqrt(best2)};
}

std::size_t GridIndex::memory_bytes() const {
  return grids_.capacity() * sizeof(GridEdges) + band_offsets_.capacity() * 4 + band_edges_.capacity() * sizeof(Edge) +
         flat_offsets_.capacity() * 4 + flat_edges_.capacity() * sizeof(Edge) +
         xband_offsets_.capacity() * 4 + xband_edges_.capacity() * sizeof(Edge) +
         cells_.capacity() * 4 + cell_lists_.capacity() * 4 + (boxes_ ? boxes_->tree.size() * 48 : 0);
}

}  // namespace poleloc::index
