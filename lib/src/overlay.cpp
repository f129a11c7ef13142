#include "overlay.hpp"

#include "geo/polygon_check.hpp"

#include <algorithm>
#include <mutex>

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

namespace {

// An open-addressing set of `items` (kEmpty where free), sized for about one probe per miss.
std::vector<std::uint32_t> small_set(const std::vector<std::uint32_t>& items, std::size_t& mask) {
  std::size_t size = 16;
  while (size < items.size() * 8) size *= 2;
  std::vector<std::uint32_t> set(size, index::HiddenPoles::kEmpty);
  for (std::uint32_t item : items) {
    std::size_t i = index::HiddenPoles::slot_of(item, size - 1);
    while (set[i] != index::HiddenPoles::kEmpty) i = (i + 1) & (size - 1);
    set[i] = item;
  }
  mask = size - 1;
  return set;
}

// Sets the bit of each of `items` in `bits` (cleared, a bit per item of the universe).
void set_bits(std::vector<std::uint64_t>& bits, const std::vector<std::uint32_t>& items) {
  for (std::uint32_t item : items) bits[item >> 6] |= std::uint64_t{1} << (item & 63);
}

std::vector<std::uint64_t> bitset(const std::vector<std::uint32_t>& items, std::size_t universe) {
  std::vector<std::uint64_t> bits((universe + 63) / 64, 0);
  set_bits(bits, items);
  return bits;
}

// The bit-per-base-pole sets of retired overlays, kept for the next writes:
// each write makes one (256 KB at 2,000,000 poles) and fresh memory costs a
// page fault per 4 KB page (64 of them, ~0.3 ms on a virtual machine), while
// clearing a kept one costs ~10 us. At most kPoolBytes are kept.
class BitsetPool {
 public:
  std::vector<std::uint64_t> take(std::size_t words) {
    std::vector<std::uint64_t> v;
    {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        v = std::move(free_.back());
        free_.pop_back();
        bytes_ -= v.capacity() * 8;
      }
    }
    v.assign(words, 0);
    return v;
  }
  void give(std::vector<std::uint64_t>&& v) {
    if (v.capacity() == 0) return;
    std::lock_guard lock(mutex_);
    if (bytes_ + v.capacity() * 8 > kPoolBytes) return;  // freed by the caller's vector
    bytes_ += v.capacity() * 8;
    free_.push_back(std::move(v));
  }

 private:
  static constexpr std::size_t kPoolBytes = 64 << 20;
  std::mutex mutex_;
  std::vector<std::vector<std::uint64_t>> free_;
  std::size_t bytes_ = 0;
};

BitsetPool& bitset_pool() {
  static BitsetPool* pool = new BitsetPool;  // never destroyed: overlays may die after static destruction began
  return *pool;
}

}  // namespace

OverlayData::~OverlayData() { bitset_pool().give(std::move(hidden_poles)); }

std::shared_ptr<const OverlayData> build_overlay(const SnapshotData& base, const OverlayEdits& edits,
                                                 std::uint64_t sequence) {
  auto out = std::make_shared<OverlayData>();
  out->hidden_grids.assign((base.grids.size() + 63) / 64, 0);

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

  // Base poles hidden (by pole index and by slot in the base's PoleIndex):
  // first the edited numbers the base holds, then the touched poles.
  std::vector<std::uint32_t> hidden_list, hidden_slots;
  std::vector<PoleRecord> poles;
  poles.reserve(edits.pole_count() + touched.size());
  for (const auto& [number, edit] : edits.poles()) {
    if (edit.found_in != &base) {
      edit.found_in = &base;
      edit.base_pole = edit.base_slot = OverlayEdits::kNotInBase;
      edit.base_grid = OverlayEdits::kGridUnknown;
      if (auto p = base.numbers.find(number)) {
        edit.base_pole = *p;
        if (auto slot = base.pole_positions.slot_of(*p, base.positions[*p])) edit.base_slot = *slot;
      }
    }
    if (edit.base_pole != OverlayEdits::kNotInBase) {
      hidden_list.push_back(edit.base_pole);
      if (edit.base_slot != OverlayEdits::kNotInBase) hidden_slots.push_back(edit.base_slot);
    }
    if (edit.record) poles.push_back(*edit.record);
  }
  if (!touched.empty()) {
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    std::vector<std::uint32_t> edited = hidden_list;
    std::sort(edited.begin(), edited.end());
    for (std::uint32_t p : touched) {
      if (std::binary_search(edited.begin(), edited.end(), p)) continue;  // edited itself
      hidden_list.push_back(p);
      if (auto slot = base.pole_positions.slot_of(p, base.positions[p])) hidden_slots.push_back(*slot);
      poles.push_back({std::string(base.number(p)), base.positions[p], pole_attributes(base, p)});
    }
  }
  out->hidden_pole_count = hidden_list.size();
  out->hidden_poles = bitset_pool().take((base.pole_count() + 63) / 64);
  set_bits(out->hidden_poles, hidden_list);
  // By slot, a small set (a few KB, in cache) while few are hidden: nearest()
  // asks it for each candidate, and a lookup there beats a miss in a bitset.
  if (hidden_slots.size() <= OverlayData::kHiddenSetMax) {
    out->hidden_slot_set = small_set(hidden_slots, out->hidden_slots.mask);
    out->hidden_slots.set = out->hidden_slot_set.data();
  } else {
    out->hidden_slot_bits = bitset(hidden_slots, base.pole_positions.slot_count());
    out->hidden_slots.bits = out->hidden_slot_bits.data();
  }

  out->delta = build_snapshot_data(std::move(poles), std::move(grids), {}, sequence, {}, /*small=*/true);
  SnapshotData& d = *out->delta;
  d.base = &base;
  d.pole_index_offset = static_cast<std::uint32_t>(base.pole_count());
  d.grid_index_offset = static_cast<std::uint32_t>(base.grids.size());
  // Outside every delta grid, a delta pole is in the base grid that holds it,
  // unless that grid was edited. That grid is known for a touched base pole
  // and, after the first time, kept in an edit; the delta's poles and the
  // edits are both in number order, so one walk pairs them.
  auto edit = edits.poles().begin();
  const auto edits_end = edits.poles().end();
  for (std::uint32_t p = 0; p < d.pole_count(); ++p) {
    if (d.pole_grid[p] >= 0) continue;
    const std::string_view number = d.number(p);
    while (edit != edits_end && std::string_view(edit->first) < number) ++edit;
    std::int32_t g = -1;
    if (edit != edits_end && edit->first == number && edit->second.record) {
      if (edit->second.base_grid == OverlayEdits::kGridUnknown) {
        const auto found = base.grid_areas.find(d.positions[p]);
        edit->second.base_grid = found ? static_cast<std::int32_t>(*found) : -1;
      }
      g = edit->second.base_grid;
    } else if (auto bp = base.numbers.find(number)) {
      g = base.pole_grid[*bp];  // a touched base pole, where it stands in the base
    } else if (auto found = base.grid_areas.find(d.positions[p])) {
      g = static_cast<std::int32_t>(*found);  // not reached: a delta pole is an edit or a base pole
    }
    if (g >= 0 && !out->grid_hidden(static_cast<std::uint32_t>(g))) d.pole_grid[p] = -2 - g;
  }
  out->delta_cells.build(d.positions);
  return out;
}

}  // namespace poleloc
