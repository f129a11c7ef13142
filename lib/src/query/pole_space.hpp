// pole_space.hpp: the poles a query sees, base and overlay as one (internal).
//
//   PoleSpace s(base, overlay);            // overlay may be null
//   if (auto p = s.find("TJH0372")) { LonLat q = s.position(*p); PoleView v = s.view(*p); }
//
// Pole ids are the snapshot's indexes: base poles first, then the overlay's
// delta, then its recent layer (see Snapshot::pole_by_index). Poles a newer
// layer hid are never returned. Grid ids likewise: base grids, then the
// delta's, then the recent layer's. Without an overlay every call is the
// base's own, at the same cost.
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
        delta_(overlay ? overlay->delta : nullptr),
        recent_(overlay ? overlay->recent.get() : nullptr),
        base_poles_(static_cast<std::uint32_t>(base.pole_count())),
        recent_from_(recent_ ? recent_->pole_index_offset : 0xffffffffu),
        base_grids_(static_cast<std::int32_t>(base.grids.size())) {}

  const SnapshotData& base() const { return base_; }

  std::optional<std::uint32_t> find(std::string_view canonical) const {
    if (delta_) {
      // Any write of a number hides its base version: a base pole not hidden is
      // current. One bit per base pole says whether a write touched it: a load
      // from L2 after the base lookup, predicted "no", so nearly free.
      if (auto p = base_.numbers.find(canonical); p && !overlay_->pole_hidden(*p)) return p;
      const std::uint64_t h = index::KeyFilter::hash(canonical);  // most numbers asked are in no layer
      if (recent_ && overlay_->recent_numbers.may_contain(h)) {
        if (auto p = recent_->numbers.find(canonical)) return recent_from_ + *p;
      }
      if (overlay_->layer->numbers.may_contain(h)) {
        if (auto p = delta_->numbers.find(canonical); p && !overlay_->delta_pole_hidden(*p)) return base_poles_ + *p;
      }
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
    for (std::uint32_t p : delta_->numbers.find_serial(serial)) {
      if (!overlay_->delta_pole_hidden(p)) buffer.push_back(base_poles_ + p);
    }
    if (recent_) {
      for (std::uint32_t p : recent_->numbers.find_serial(serial)) buffer.push_back(recent_from_ + p);
    }
    return buffer;
  }

  LonLat position(std::uint32_t pole) const {
    if (pole < base_poles_) return base_.positions[pole];
    auto [layer, p] = in_overlay(pole);
    return layer.positions[p];
  }
  std::string_view number(std::uint32_t pole) const {
    if (pole < base_poles_) return base_.number(pole);
    auto [layer, p] = in_overlay(pole);
    return layer.number(p);
  }
  // The pole's grid as a snapshot grid index, -1 for none.
  std::int32_t grid(std::uint32_t pole) const {
    if (pole < base_poles_) return delta_ ? overlay_->current_grid(base_.pole_grid[pole]) : base_.pole_grid[pole];
    auto [layer, p] = in_overlay(pole);
    return overlay_->current_grid(layer.snapshot_grid(p));
  }
  const GridRecord& grid_record(std::int32_t g) const {
    if (g < base_grids_) return base_.grids[static_cast<std::size_t>(g)];
    auto [layer, local] = overlay_->grid_layer(base_, static_cast<std::uint32_t>(g));
    return layer->grids[local];
  }
  // The grid at a point, as a snapshot grid index.
  std::optional<std::int32_t> grid_at(LonLat p) const {
    if (delta_) {
      if (auto g = overlay_->grid_at(base_, p)) return static_cast<std::int32_t>(*g);
      return std::nullopt;
    }
    if (auto g = base_.grid_areas.find(p)) return static_cast<std::int32_t>(*g);
    return std::nullopt;
  }

  // The k nearest poles (id, geodesic metres), nearest first; equal distances
  // in number order. Into `out` (cleared first): with a reused `out` a query
  // allocates nothing (the searches' own buffers are per thread).
  void nearest(LonLat p, std::size_t k, std::optional<double> max_m,
               std::vector<std::pair<std::uint32_t, double>>& out) const {
    if (!delta_) return base_.pole_positions.nearest(p, k, max_m, nullptr, out);
    // The base as if no write had touched it, then one test: nearly always no
    // pole a write stored or hid is within the k-th distance (the margin keeps
    // a pole at the same distance, which the number order may rank first).
    // Then no hidden pole is among these and no layer has a nearer one. The
    // test's memory is fetched during the search.
    const index::CellPresence::Probe probe = overlay_->reach->probe(p);
    base_.pole_positions.nearest(p, k, max_m, nullptr, out);
    auto kth_bound = [&] {
      std::optional<double> bound = max_m;
      if (out.size() == k && !out.empty()) bound = std::min(bound.value_or(out.back().second), out.back().second);
      return bound;
    };
    std::optional<double> bound = kth_bound();
    if (bound && !overlay_->reach->maybe_within(probe, *bound + 0.01)) return;
    // A hidden pole among them: search again passing over the hidden ones.
    if (overlay_->hidden_pole_count &&
        std::any_of(out.begin(), out.end(), [&](const auto& e) { return overlay_->pole_hidden(e.first); })) {
      base_.pole_positions.nearest(p, k, max_m, &overlay_->hidden_slots, out);
      bound = kth_bound();
    }
    // Only overlay poles nearer than the k-th base pole can enter the answer.
    const std::size_t from_base = out.size();
    thread_local std::vector<std::pair<std::uint32_t, double>> layer_hits;
    auto search = [&](const SnapshotData& layer, std::uint32_t first, const index::CellPresence& cells,
                      const index::HiddenPoles* hidden) {
      if (layer.pole_count() == 0 || (bound && !cells.maybe_within(p, *bound + 0.01))) return;
      layer.pole_positions.nearest(p, k, bound, hidden, layer_hits);
      for (auto [pole, d] : layer_hits) out.emplace_back(first + pole, d);
    };
    search(*delta_, base_poles_, overlay_->layer->cells, overlay_->delta_hidden_filter());
    if (recent_) search(*recent_, recent_from_, overlay_->recent_cells, nullptr);
    if (out.size() == from_base) return;
    std::sort(out.begin(), out.end(), [&](const auto& a, const auto& b) {
      return a.second != b.second ? a.second < b.second : number(a.first) < number(b.first);
    });
    if (out.size() > k) out.resize(k);
  }
  std::vector<std::pair<std::uint32_t, double>> nearest(LonLat p, std::size_t k, std::optional<double> max_m) const {
    std::vector<std::pair<std::uint32_t, double>> out;
    nearest(p, k, max_m, out);
    return out;
  }

  PoleView view(std::uint32_t pole) const {
    if (pole < base_poles_) return PoleView(&base_, pole, overlay_);
    auto [layer, p] = in_overlay(pole);
    return PoleView(&layer, p, overlay_);
  }

 private:
  // An overlay pole's layer and index there.
  std::pair<const SnapshotData&, std::uint32_t> in_overlay(std::uint32_t pole) const {
    if (pole >= recent_from_) return {*recent_, pole - recent_from_};
    return {*delta_, pole - base_poles_};
  }

  const SnapshotData& base_;
  const OverlayData* overlay_;
  const SnapshotData* delta_;
  const SnapshotData* recent_;
  std::uint32_t base_poles_;
  std::uint32_t recent_from_;  // the first recent pole's id
  std::int32_t base_grids_;
};

}  // namespace poleloc::query
