#include "index/cell_presence.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace poleloc::index {

namespace {

constexpr std::uint64_t kFree = ~std::uint64_t{0};
// Cell coordinates shifted to be non-negative: keys stay below 2^40, never kFree.
constexpr std::int64_t kOffsetX = 200000, kOffsetY = 100000;

// floor() without a libm call (the portable build has no SSE4.1 rounding):
// |deg| <= 180, so the quotient fits an int64 with room to spare.
std::int64_t cell(double deg) {
  const double x = deg * (1.0 / CellPresence::kCellDeg);
  const auto t = static_cast<std::int64_t>(x);
  return t - (static_cast<double>(t) > x);
}

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
  slots_.clear();
  bits_.clear();
  mask_ = 0;
  count_ = 0;
  width_ = height_ = 0;
  if (points.empty()) return;
  std::int64_t x_lo = std::numeric_limits<std::int64_t>::max(), x_hi = std::numeric_limits<std::int64_t>::min();
  std::int64_t y_lo = x_lo, y_hi = x_hi;
  for (const LonLat& p : points) {
    const std::int64_t x = cell(p.lon), y = cell(p.lat);
    x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x), y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
  }
  const auto width = static_cast<std::uint64_t>(x_hi - x_lo + 1), height = static_cast<std::uint64_t>(y_hi - y_lo + 1);
  if (width * height <= kMaxBitmapCells) {
    box_x_ = x_lo, box_y_ = y_lo;
    width_ = static_cast<std::int64_t>(width), height_ = static_cast<std::int64_t>(height);
    bits_.assign((width * height + 63) / 64 + 1, 0);  // one spare word: a row's read may reach past the last
    for (const LonLat& p : points) set_in_bitmap(p);
    return;
  }
  std::size_t size = 16;
  while (size < points.size() * 4) size *= 2;
  slots_.assign(size, kFree);
  mask_ = size - 1;
  for (const LonLat& p : points) {
    const std::uint64_t k = key(cell(p.lon) + kOffsetX, cell(p.lat) + kOffsetY);
    std::size_t i = slot(k, mask_);
    while (slots_[i] != kFree && slots_[i] != k) i = (i + 1) & mask_;
    if (slots_[i] == kFree) slots_[i] = k, ++count_;
  }
}

void CellPresence::build_over(const CellPresence& below, const std::function<void(std::vector<LonLat>&)>& below_points,
                              const std::vector<LonLat>& more) {
  auto in_box = [&](const LonLat& p) {
    const std::int64_t x = cell(p.lon) - below.box_x_, y = cell(p.lat) - below.box_y_;
    return x >= 0 && x < below.width_ && y >= 0 && y < below.height_;
  };
  if (below.bits_.empty() || !std::all_of(more.begin(), more.end(), in_box)) {
    std::vector<LonLat> all;
    below_points(all);
    all.insert(all.end(), more.begin(), more.end());
    build(all);
    return;
  }
  slots_.clear();
  mask_ = 0;
  bits_ = below.bits_;
  count_ = below.count_;
  box_x_ = below.box_x_, box_y_ = below.box_y_, width_ = below.width_, height_ = below.height_;
  for (const LonLat& p : more) set_in_bitmap(p);
}

void CellPresence::set_in_bitmap(LonLat p) {
  const auto bit = static_cast<std::uint64_t>((cell(p.lat) - box_y_) * width_ + (cell(p.lon) - box_x_));
  count_ += !((bits_[bit >> 6] >> (bit & 63)) & 1);
  bits_[bit >> 6] |= std::uint64_t{1} << (bit & 63);
}

bool CellPresence::row_any(std::int64_t cy, std::int64_t x0, std::int64_t x1) const {
  // At most kMaxCellsPerAxis bits, in one word or across two.
  const auto first = static_cast<std::uint64_t>(cy * width_ + x0);
  const auto n = static_cast<unsigned>(x1 - x0 + 1);
  const std::uint64_t word = first >> 6;
  const unsigned shift = first & 63;
  std::uint64_t window = bits_[word] >> shift;
  if (shift != 0) window |= bits_[word + 1] << (64 - shift);
  return (window & ((std::uint64_t{1} << n) - 1)) != 0;
}

bool CellPresence::contains(std::uint64_t k) const {
  for (std::size_t i = slot(k, mask_);; i = (i + 1) & mask_) {
    if (slots_[i] == k) return true;
    if (slots_[i] == kFree) return false;
  }
}

CellPresence::Probe CellPresence::probe(LonLat p) const {
  Probe out(p);
  // A point within r lies within r along the meridian (the shortest way
  // between two parallels), and within r / (N cos phi) degrees of longitude at
  // the circle's highest latitude phi (N >= a: 111,319 m per degree at the
  // equator). Taken for the widest circle tested (kMaxRadiusM), phi holds for
  // every radius, and the test after the search needs no cosine nor division.
  const double highest = std::abs(p.lat) + kMaxRadiusM * (1.0 / 110000.0);
  if (!(highest < 89.0) || !(std::abs(p.lon) <= 180.0)) {
    out.always = true;  // NaN too
    return out;
  }
  out.lon_deg_per_m = 1.0 / (111000.0 * cos_lower_bound(highest * (std::numbers::pi / 180.0)));
  if (!bits_.empty()) {  // the words of the point's cell and of the rows above and below it
    const std::int64_t x = cell(p.lon) - box_x_, y = cell(p.lat) - box_y_;
    if (x >= 0 && x < width_ && y >= 0 && y < height_) {
      for (std::int64_t row = std::max<std::int64_t>(y - 1, 0); row <= std::min(y + 1, height_ - 1); ++row) {
        __builtin_prefetch(&bits_[static_cast<std::uint64_t>(row * width_ + x) >> 6]);
      }
    }
  }
  return out;
}

bool CellPresence::maybe_within(const Probe& probe, double radius_m) const {
  if (count_ == 0) return false;
  if (probe.always || !(radius_m >= 0) || radius_m > kMaxRadiusM) return true;  // NaN too
  const LonLat p = probe.p;
  const double dlat = radius_m * (1.0 / 110000.0);
  const double dlon = radius_m * probe.lon_deg_per_m;
  if (p.lon - dlon < -180.0 || p.lon + dlon > 180.0) return true;
  const std::int64_t x0 = cell(p.lon - dlon), x1 = cell(p.lon + dlon);
  const std::int64_t y0 = cell(p.lat - dlat), y1 = cell(p.lat + dlat);
  if (x1 - x0 >= kMaxCellsPerAxis || y1 - y0 >= kMaxCellsPerAxis) return true;
  if (!bits_.empty()) {
    const std::int64_t bx0 = std::max(x0 - box_x_, std::int64_t{0}), bx1 = std::min(x1 - box_x_, width_ - 1);
    const std::int64_t by0 = std::max(y0 - box_y_, std::int64_t{0}), by1 = std::min(y1 - box_y_, height_ - 1);
    for (std::int64_t y = by0; y <= by1 && bx0 <= bx1; ++y) {
      if (row_any(y, bx0, bx1)) return true;
    }
    return false;
  }
  for (std::int64_t y = y0; y <= y1; ++y) {
    for (std::int64_t x = x0; x <= x1; ++x) {
      if (contains(key(x + kOffsetX, y + kOffsetY))) return true;
    }
  }
  return false;
}

}  // namespace poleloc::index
