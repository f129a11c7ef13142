#include "index/pole_index.hpp"

#include "geo/geodesic.hpp"

#include "huge_pages.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace poleloc::index {

void PoleIndex::build(const std::vector<LonLat>& positions) {
  // About four poles per cell: fewer cells to visit per ring, few enough poles per cell
  // (measured 2 / 4 / 8 on the 2M-pole city: 4 was fastest for k = 1).
  constexpr double kPolesPerCell = 4.0;
  const std::size_t n = positions.size();
  order_.clear();
  sorted_pos_.clear();
  if (n == 0) {
    nx_ = ny_ = 0;
    cell_start_.assign(1, 0);
    return;
  }
  double min_lon = 180, max_lon = -180, min_lat = 90, max_lat = -90;
  for (const LonLat& p : positions) {
    min_lon = std::min(min_lon, p.lon);
    max_lon = std::max(max_lon, p.lon);
    min_lat = std::min(min_lat, p.lat);
    max_lat = std::max(max_lat, p.lat);
  }
  // Square cells, measured in metres at the middle latitude.
  const geo::DegreeScale mid = geo::degree_scale(0.5 * (min_lat + max_lat));
  const double width_m = std::max(1.0, (max_lon - min_lon) * mid.m_per_deg_lon);
  const double height_m = std::max(1.0, (max_lat - min_lat) * mid.m_per_deg_lat);
  const double target_cells = std::clamp(static_cast<double>(n) / kPolesPerCell, 1.0, double{1 << 23});
  const double side_m = std::max(1.0, std::sqrt(width_m * height_m / target_cells));
  nx_ = static_cast<std::uint32_t>(std::clamp(std::ceil(width_m / side_m), 1.0, 8192.0));
  ny_ = static_cast<std::uint32_t>(std::clamp(std::ceil(height_m / side_m), 1.0, 8192.0));
  min_lon_ = min_lon;
  min_lat_ = min_lat;
  // Slightly larger than needed so that max_lon/max_lat fall inside the last cell.
  cell_deg_lon_ = std::max((max_lon - min_lon) / nx_ * (1 + 1e-9), 1e-9);
  cell_deg_lat_ = std::max((max_lat - min_lat) / ny_ * (1 + 1e-9), 1e-9);

  auto cell_of = [&](const LonLat& p) {
    const auto cx = std::min<std::uint32_t>(nx_ - 1, static_cast<std::uint32_t>((p.lon - min_lon_) / cell_deg_lon_));
    const auto cy = std::min<std::uint32_t>(ny_ - 1, static_cast<std::uint32_t>((p.lat - min_lat_) / cell_deg_lat_));
    return cy * nx_ + cx;
  };
  reserve_huge(cell_start_, static_cast<std::size_t>(nx_) * ny_ + 1);
  cell_start_.assign(static_cast<std::size_t>(nx_) * ny_ + 1, 0);
  std::vector<std::uint32_t> cell;
  reserve_huge(cell, n);
  cell.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    cell[i] = cell_of(positions[i]);
    ++cell_start_[cell[i] + 1];
  }
  for (std::size_t c = 1; c < cell_start_.size(); ++c) cell_start_[c] += cell_start_[c - 1];
  reserve_huge(order_, n);
  order_.resize(n);
  reserve_huge(sorted_pos_, n);
  sorted_pos_.resize(n);
  std::vector<std::uint32_t> fill(cell_start_.begin(), cell_start_.end() - 1);
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t at = fill[cell[i]]++;
    order_[at] = i;
    sorted_pos_[at] = positions[i];
  }
  // Lower bounds use the smallest metres-per-degree of longitude over the data.
  const double far_lat = std::max(std::fabs(min_lat), std::fabs(max_lat));
  min_m_per_deg_lon_ = geo::degree_scale(std::min(89.9, far_lat)).m_per_deg_lon;
  min_m_per_deg_lat_ = geo::degree_scale(0).m_per_deg_lat;  // smallest at the equator
}

std::vector<std::pair<std::uint32_t, double>> PoleIndex::nearest(LonLat p, std::size_t k,
                                                                 std::optional<double> max_m) const {
  std::vector<std::pair<std::uint32_t, double>> out;
  if (order_.empty() || k == 0) return out;
  const geo::DegreeScale s = geo::degree_scale(p.lat);
  // Ranking key: squared distance in the local metric at the query's latitude
  // (sub-millimetre agreement with the geodesic for city distances); beyond
  // kExactBeyondM the squared geodesic itself.
  constexpr double kExact2 = geo::kExactBeyondM * geo::kExactBeyondM;
  auto rank_key = [&](const LonLat& q) {
    const double dx = (q.lon - p.lon) * s.m_per_deg_lon;
    const double dy = (q.lat - p.lat) * s.m_per_deg_lat;
    const double d2 = dx * dx + dy * dy;
    if (d2 < kExact2) return d2;
    const double g = geo::distance_m(p, q);
    return g * g;
  };
  const double limit2 = max_m ? *max_m * *max_m : std::numeric_limits<double>::infinity();
  // The best k so far, sorted by (key, slot); k is small, so insertion beats a heap.
  std::vector<std::pair<double, std::uint32_t>> best;
  best.reserve(std::min<std::size_t>(k, order_.size()) + 1);
  auto consider_cell = [&](std::uint32_t cx, std::uint32_t cy) {
    const std::uint32_t c = cy * nx_ + cx;
    for (std::uint32_t i = cell_start_[c]; i < cell_start_[c + 1]; ++i) {
      const double d2 = rank_key(sorted_pos_[i]);
      if (d2 > limit2) continue;
      if (best.size() == k && !(d2 < best.back().first)) continue;
      const std::pair<double, std::uint32_t> item{d2, i};  // i: slot in sorted_pos_
      best.insert(std::upper_bound(best.begin(), best.end(), item), item);
      if (best.size() > k) best.pop_back();
    }
  };
  const double fx = (p.lon - min_lon_) / cell_deg_lon_;
  const double fy = (p.lat - min_lat_) / cell_deg_lat_;
  const auto cx = static_cast<std::int64_t>(std::clamp(std::floor(fx), 0.0, double(nx_ - 1)));
  const auto cy = static_cast<std::int64_t>(std::clamp(std::floor(fy), 0.0, double(ny_ - 1)));
  const double lb_lon = std::min(min_m_per_deg_lon_, s.m_per_deg_lon) * 0.999;
  const double lb_lat = min_m_per_deg_lat_ * 0.999;
  for (std::int64_t r = 0;; ++r) {
    const std::int64_t x0 = cx - r, x1 = cx + r, y0 = cy - r, y1 = cy + r;
    for (std::int64_t y = std::max<std::int64_t>(y0, 0); y <= std::min<std::int64_t>(y1, ny_ - 1); ++y) {
      if (y == y0 || y == y1) {
        for (std::int64_t x = std::max<std::int64_t>(x0, 0); x <= std::min<std::int64_t>(x1, nx_ - 1); ++x) {
          consider_cell(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y));
        }
      } else {
        if (x0 >= 0) consider_cell(static_cast<std::uint32_t>(x0), static_cast<std::uint32_t>(y));
        if (x1 < nx_) consider_cell(static_cast<std::uint32_t>(x1), static_cast<std::uint32_t>(y));
      }
    }
    // Lower bound on the distance to any cell of ring r+1 (that exists).
    double lb = std::numeric_limits<double>::infinity();
    if (x1 + 1 < nx_) lb = std::min(lb, std::max(0.0, (min_lon_ + (x1 + 1) * cell_deg_lon_ - p.lon) * lb_lon));
    if (x0 - 1 >= 0) lb = std::min(lb, std::max(0.0, (p.lon - (min_lon_ + x0 * cell_deg_lon_)) * lb_lon));
    if (y1 + 1 < ny_) lb = std::min(lb, std::max(0.0, (min_lat_ + (y1 + 1) * cell_deg_lat_ - p.lat) * lb_lat));
    if (y0 - 1 >= 0) lb = std::min(lb, std::max(0.0, (p.lat - (min_lat_ + y0 * cell_deg_lat_)) * lb_lat));
    if (lb == std::numeric_limits<double>::infinity()) break;  // every cell visited
    if (lb * lb > limit2) break;
    if (best.size() == k && lb * lb > best.back().first) break;
  }
  // Reported distances use the mean latitude of both points (or the geodesic);
  // re-rank on them, which only reorders sub-millimetre ties.
  out.reserve(best.size());
  for (const auto& [d2, slot] : best) {
    out.emplace_back(order_[slot], d2 < kExact2 ? geo::local_distance_m(p, sorted_pos_[slot]) : std::sqrt(d2));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second < b.second : a.first < b.first;
  });
  return out;
}

std::vector<std::uint32_t> PoleIndex::within(const BBox& box) const {
  std::vector<std::uint32_t> out;
  if (order_.empty()) return out;
  auto clamp_x = [&](double lon) {
    return static_cast<std::int64_t>(std::clamp(std::floor((lon - min_lon_) / cell_deg_lon_), 0.0, double(nx_ - 1)));
  };
  auto clamp_y = [&](double lat) {
    return static_cast<std::int64_t>(std::clamp(std::floor((lat - min_lat_) / cell_deg_lat_), 0.0, double(ny_ - 1)));
  };
  for (std::int64_t y = clamp_y(box.min_lat); y <= clamp_y(box.max_lat); ++y) {
    for (std::int64_t x = clamp_x(box.min_lon); x <= clamp_x(box.max_lon); ++x) {
      const std::size_t c = static_cast<std::size_t>(y) * nx_ + static_cast<std::size_t>(x);
      for (std::uint32_t i = cell_start_[c]; i < cell_start_[c + 1]; ++i) {
        if (box.contains(sorted_pos_[i])) out.push_back(order_[i]);
      }
    }
  }
  return out;
}

std::size_t PoleIndex::memory_bytes() const {
  return cell_start_.capacity() * 4 + order_.capacity() * 4 + sorted_pos_.capacity() * sizeof(LonLat);
}

}  // namespace poleloc::index
