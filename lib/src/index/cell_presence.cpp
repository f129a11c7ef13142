#include "index/cell_presence.hpp"

#include <cmath>
#include <numbers>

namespace poleloc::index {

namespace {

constexpr std::uint64_t kFree = ~std::uint64_t{0};
// Cell coordinates shifted to be non-negative: keys stay below 2^40, never kFree.
constexpr std::int64_t kOffsetX = 200000, kOffsetY = 100000;

std::int64_t cell(double deg) { return static_cast<std::int64_t>(std::floor(deg * (1.0 / CellPresence::kCellDeg))); }

// A lower bound of cos(x) for |x| <= pi/2, in a few multiplications instead of
// a libm call (a quarter of this test's time): the Taylor series cut after a
// negative term; the remainder x^8 cos(t) / 8! is >= 0 there.
double cos_lower_bound(double x) {
  const double x2 = x * x;
  return 1.0 - x2 * (1.0 / 2 - x2 * (1.0 / 24 - x2 * (1.0 / 720)));
}

std::size_t slot(std::uint64_t key, std::size_t mask) {
  return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 40) & mask;
}

}  // namespace

void CellPresence::build(const std::vector<LonLat>& points) {
  std::size_t size = 16;
  while (size < points.size() * 4) size *= 2;
  slots_.assign(size, kFree);
  mask_ = size - 1;
  count_ = 0;
  for (const LonLat& p : points) {
    const std::uint64_t k = key(cell(p.lon) + kOffsetX, cell(p.lat) + kOffsetY);
    std::size_t i = slot(k, mask_);
    while (slots_[i] != kFree && slots_[i] != k) i = (i + 1) & mask_;
    if (slots_[i] == kFree) slots_[i] = k, ++count_;
  }
}

bool CellPresence::contains(std::uint64_t k) const {
  for (std::size_t i = slot(k, mask_);; i = (i + 1) & mask_) {
    if (slots_[i] == k) return true;
    if (slots_[i] == kFree) return false;
  }
}

bool CellPresence::maybe_within(LonLat p, double radius_m) const {
  if (count_ == 0) return false;
  if (!(radius_m >= 0) || radius_m > kMaxRadiusM) return true;  // NaN too
  // A point within r lies within r along the meridian (the shortest way
  // between two parallels), and within r / (N cos phi) degrees of longitude at
  // the circle's highest latitude phi (N >= a: 111,319 m per degree at the equator).
  const double dlat = radius_m / 110000.0;
  const double highest = std::abs(p.lat) + dlat;
  if (highest >= 89.0) return true;
  const double dlon = radius_m / (111000.0 * cos_lower_bound(highest * (std::numbers::pi / 180.0)));
  if (p.lon - dlon < -180.0 || p.lon + dlon > 180.0) return true;
  const std::int64_t x0 = cell(p.lon - dlon), x1 = cell(p.lon + dlon);
  const std::int64_t y0 = cell(p.lat - dlat), y1 = cell(p.lat + dlat);
  if (x1 - x0 >= kMaxCellsPerAxis || y1 - y0 >= kMaxCellsPerAxis) return true;
  for (std::int64_t y = y0; y <= y1; ++y) {
    for (std::int64_t x = x0; x <= x1; ++x) {
      if (contains(key(x + kOffsetX, y + kOffsetY))) return true;
    }
  }
  return false;
}

}  // namespace poleloc::index
