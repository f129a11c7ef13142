// pole_space.hpp: the poles a query sees, base and overlay as one (internal).
//
//   PoleSpace s(base, overlay);            // overlay may be null
//   if (auto p = s.find("TJH0372")) { LonLat q = s.position(*p); PoleView v = s.view(*p); }
//
// Pole ids are the snapshot's indexes: base poles first, then the overlay's
// delta (see Snapshot::pole_by_index). Base poles the overlay hid are never
// returned. Grid ids likewise: base grids, then the delta's. Without an
// overlay every call is the base's own, at the same cost.
//
// Thread-safety: const; find_serial() fills a buffer owned by the caller.
#pragma once

#include "overlay.hpp"
#include "snapshot_data.hpp"

#include <poleloc/snapshot.hpp>

#include <algorithm>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace poleloc::query {

class PoleSpace {
 public:
  PoleSpace(const SnapshotData& base, const OverlayData* overlay)
      : base_(base),
        overlay_(overlay),
        delta_(overlay ? overlay->delta.get() : nullptr),
        base_poles_(static_cast<std::uint32_t>(base.pole_count())),
        base_grids_(static_cast<std::int32_t>(base.grids.size())) {}

  const SnapshotData& base() const { return base_; }

  std::optional<std::uint32_t> find(std::string_view canonical) const {
    if (delta_) {
      // Any write of a number hides its base version: a base pole not hidden is current.
      if (auto p = base_.numbers.find(canonical); p && !overlay_->pole_hidden(*p)) return p;
      if (auto p = delta_->numbers.find(canonical)) return base_poles_ + *p;
      return std::nullopt;
    }
    return base_.numbers.find(canonical);
  }

  // Poles whose serial without leading zeros is `serial`; `buffer` holds them when there is an overlay.
  std::span<const std::uint32_t> find_serial(std::string_view serial, std::vector<std::uint32_t>& buffer) const {
    const auto in_base = base_.numbers.find_serial(serial);
    if (!delta_) return in_base;
    buffer.clear();
    for (std::uint32_t p : in_base) {
      if (!overlay_->pole_hidden(p)) buffer.push_back(p);
    }
    for (std::uint32_t p : delta_->numbers.find_serial(serial)) buffer.push_back(base_poles_ + p);
    return buffer;
  }

  LonLat position(std::uint32_t pole) const {
    return pole < base_poles_ ? base_.positions[pole] : delta_->positions[pole - base_poles_];
  }
  std::string_view number(std::uint32_t pole) const {
    return pole < base_poles_ ? base_.number(pole) : delta_->number(pole - base_poles_);
  }
  // The pole's grid as a snapshot grid index, -1 for none.
  std::int32_t grid(std::uint32_t pole) const {
    if (pole < base_poles_) return base_.pole_grid[pole];
    const std::int32_t g = delta_->pole_grid[pole - base_poles_];
    if (g >= 0) return base_grids_ + g;
    return g <= -2 ? -2 - g : -1;
  }
  const GridRecord& grid_record(std::int32_t g) const {
    return g < base_grids_ ? base_.grids[static_cast<std::size_t>(g)] : delta_->grids[static_cast<std::size_t>(g - base_grids_)];
  }
  // The grid at a point, as a snapshot grid index.
  std::optional<std::int32_t> grid_at(LonLat p) const {
    if (delta_) {
      if (auto g = delta_->grid_areas.find(p)) return base_grids_ + static_cast<std::int32_t>(*g);
      auto g = base_.grid_areas.find(p);
      if (!g || overlay_->grid_hidden(*g)) return std::nullopt;
      return static_cast<std::int32_t>(*g);
    }
    if (auto g = base_.grid_areas.find(p)) return static_cast<std::int32_t>(*g);
    return std::nullopt;
  }

  std::vector<std::pair<std::uint32_t, double>> nearest(LonLat p, std::size_t k, std::optional<double> max_m) const {
    if (!delta_) return base_.pole_positions.nearest(p, k, max_m);
    auto out = base_.pole_positions.nearest(p, k, max_m, &overlay_->hidden_slots);
    // Only delta poles nearer than the k-th base pole can enter the answer.
    std::optional<double> bound = max_m;
    if (out.size() == k && !out.empty()) bound = std::min(bound.value_or(out.back().second), out.back().second);
    // Nearly always no delta pole is that near: a few probes of the overlay's
    // occupied cells say so without searching the delta (as Snapshot::nearest;
    // the margin keeps a delta pole at the same distance).
    if (bound && !overlay_->delta_cells.maybe_within(p, *bound + 0.01)) return out;
    for (auto [pole, d] : delta_->pole_positions.nearest(p, k, bound)) out.emplace_back(base_poles_ + pole, d);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second < b.second : a.first < b.first;
    });
    if (out.size() > k) out.resize(k);
    return out;
  }

  PoleView view(std::uint32_t pole) const {
    return pole < base_poles_ ? PoleView(&base_, pole) : PoleView(delta_, pole - base_poles_);
  }

 private:
  const SnapshotData& base_;
  const OverlayData* overlay_;
  const SnapshotData* delta_;
  std::uint32_t base_poles_;
  std::int32_t base_grids_;
};

}  // namespace poleloc::query
