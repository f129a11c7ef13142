#include "overlay.hpp"

#include "geo/polygon_check.hpp"

#include <algorithm>

namespace poleloc {

void OverlayEdits::add(const store::Change& change, std::uint64_t sequence) {
  for (const PoleRecord& p : change.put_poles) poles_[p.number] = {sequence, p};
  for (const std::string& n : change.delete_poles) poles_[n] = {sequence, std::nullopt};
  for (const GridRecord& g : change.put_grids) grids_[g.id] = {sequence, g};
  for (const std::string& id : change.delete_grids) grids_[id] = {sequence, std::nullopt};
}

void OverlayEdits::drop_through(std::uint64_t sequence) {
  std::erase_if(poles_, [&](const auto& e) { return e.second.sequence <= sequence; });
  std::erase_if(grids_, [&](const auto& e) { return e.second.sequence <= sequence; });
}

std::shared_ptr<const OverlayData> build_overlay(const SnapshotData& base, const OverlayEdits& edits,
                                                 std::uint64_t sequence) {
  auto out = std::make_shared<OverlayData>();
  out->hidden_poles.assign((base.pole_count() + 63) / 64, 0);
  out->hidden.bits = out->hidden_poles.data();  // until the set below, if any, is built
  out->hidden_grids.assign((base.grids.size() + 63) / 64, 0);
  std::vector<std::uint32_t> hidden_list;
  auto hide_pole = [&](std::uint32_t p) {
    std::uint64_t& word = out->hidden_poles[p >> 6];
    const std::uint64_t bit = std::uint64_t{1} << (p & 63);
    if (!(word & bit)) ++out->hidden_pole_count, hidden_list.push_back(p);
    word |= bit;
  };

  // Grids: the base's version of an edited grid is hidden; its poles, and the
  // base poles under the new geometry, have their grid derived again.
  std::vector<GridRecord> grids;
  std::vector<std::uint32_t> touched;
  for (const auto& [id, edit] : edits.grids()) {
    if (auto it = base.grid_by_id.find(id); it != base.grid_by_id.end()) {
      const std::uint32_t g = it->second;
      out->hidden_grids[g >> 6] |= std::uint64_t{1} << (g & 63);
      ++out->hidden_grid_count;
      touched.insert(touched.end(), base.grid_poles.begin() + base.grid_pole_offsets[g],
                     base.grid_poles.begin() + base.grid_pole_offsets[g + 1]);
    }
    if (edit.record) {
      const auto under = base.pole_positions.within(geo::bounding_box(edit.record->geometry));
      touched.insert(touched.end(), under.begin(), under.end());
      grids.push_back(*edit.record);
    }
  }

  std::vector<PoleRecord> poles;
  poles.reserve(edits.pole_count() + touched.size());
  for (const auto& [number, edit] : edits.poles()) {
    if (auto p = base.numbers.find(number)) hide_pole(*p);
    if (edit.record) poles.push_back(*edit.record);
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (std::uint32_t p : touched) {
    if (out->pole_hidden(p)) continue;  // edited itself
    hide_pole(p);
    poles.push_back({std::string(base.number(p)), base.positions[p], pole_attributes(base, p)});
  }

  if (out->hidden_pole_count <= 4096) {
    std::size_t size = 16;
    while (size < out->hidden_pole_count * 8) size *= 2;  // mostly one probe for a pole not hidden
    out->hidden_set.assign(size, index::HiddenPoles::kEmpty);
    for (std::uint32_t pole : hidden_list) {
      std::size_t i = index::HiddenPoles::slot_of(pole, size - 1);
      while (out->hidden_set[i] != index::HiddenPoles::kEmpty) i = (i + 1) & (size - 1);
      out->hidden_set[i] = pole;
    }
    out->hidden.set = out->hidden_set.data();
    out->hidden.mask = size - 1;
  }

  // By slot in the base's pole index, for nearest.
  {
    std::vector<std::uint32_t> slots;
    slots.reserve(hidden_list.size());
    for (std::uint32_t pole : hidden_list) {
      if (auto slot = base.pole_positions.slot_of(pole, base.positions[pole])) slots.push_back(*slot);
    }
    if (slots.size() <= 4096) {
      std::size_t size = 16;
      while (size < slots.size() * 8) size *= 2;
      out->hidden_slot_set.assign(size, index::HiddenPoles::kEmpty);
      for (std::uint32_t slot : slots) {
        std::size_t i = index::HiddenPoles::slot_of(slot, size - 1);
        while (out->hidden_slot_set[i] != index::HiddenPoles::kEmpty) i = (i + 1) & (size - 1);
        out->hidden_slot_set[i] = slot;
      }
      out->hidden_slots.set = out->hidden_slot_set.data();
      out->hidden_slots.mask = size - 1;
    } else {
      out->hidden_slot_bits.assign((base.pole_positions.slot_count() + 63) / 64, 0);
      for (std::uint32_t slot : slots) out->hidden_slot_bits[slot >> 6] |= std::uint64_t{1} << (slot & 63);
      out->hidden_slots.bits = out->hidden_slot_bits.data();
    }
  }

  out->delta = build_snapshot_data(std::move(poles), std::move(grids), {}, sequence, {}, /*small=*/true);
  SnapshotData& d = *out->delta;
  d.base = &base;
  d.pole_index_offset = static_cast<std::uint32_t>(base.pole_count());
  d.grid_index_offset = static_cast<std::uint32_t>(base.grids.size());
  // Outside every delta grid, a delta pole is in the base grid that holds it, unless that grid was edited.
  for (std::uint32_t p = 0; p < d.pole_count(); ++p) {
    if (d.pole_grid[p] >= 0) continue;
    if (auto g = base.grid_areas.find(d.positions[p]); g && !out->grid_hidden(*g)) {
      d.pole_grid[p] = -2 - static_cast<std::int32_t>(*g);
    }
  }
  return out;
}

}  // namespace poleloc
