#include "overlay.hpp"

#include "geo/polygon_check.hpp"

#include <algorithm>
#include <chrono>

namespace poleloc {

OverlayEdits::OverlayEdits(const OverlayEdits& other)
    : poles_(other.poles_), grids_(other.grids_), last_grid_sequence_(other.last_grid_sequence_) {
  pole_log_.reserve(other.pole_log_.size());
  for (const auto& [sequence, edit] : other.pole_log_) pole_log_.emplace_back(sequence, &*poles_.find(edit->first));
}

OverlayEdits& OverlayEdits::operator=(const OverlayEdits& other) {
  if (this != &other) *this = OverlayEdits(other);
  return *this;
}

void OverlayEdits::add(const store::Change& change, std::uint64_t sequence) {
  for (const PoleRecord& p : change.put_poles) {
    auto it = poles_.insert_or_assign(p.number, Edit<PoleRecord>{sequence, p}).first;
    pole_log_.emplace_back(sequence, &*it);
  }
  for (const std::string& n : change.delete_poles) {
    auto it = poles_.insert_or_assign(n, Edit<PoleRecord>{sequence, std::nullopt}).first;
    pole_log_.emplace_back(sequence, &*it);
  }
  for (const GridRecord& g : change.put_grids) grids_[g.id] = {sequence, g};
  for (const std::string& id : change.delete_grids) grids_[id] = {sequence, std::nullopt};
  if (!change.put_grids.empty() || !change.delete_grids.empty()) last_grid_sequence_ = sequence;
}

void OverlayEdits::drop_through(std::uint64_t sequence) {
  std::erase_if(poles_, [&](const auto& e) { return e.second.sequence <= sequence; });
  std::erase_if(grids_, [&](const auto& e) { return e.second.sequence <= sequence; });
  pole_log_.erase(pole_log_.begin(), first_after(sequence));
}

OverlayEdits::PoleLog::const_iterator OverlayEdits::first_after(std::uint64_t sequence) const {
  return std::upper_bound(pole_log_.begin(), pole_log_.end(), sequence,
                          [](std::uint64_t s, const auto& entry) { return s < entry.first; });
}

std::size_t OverlayEdits::poles_after_count(std::uint64_t sequence) const {
  return static_cast<std::size_t>(pole_log_.end() - first_after(sequence));
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

std::vector<std::uint64_t> bitset(const std::vector<std::uint32_t>& items, std::size_t universe) {
  std::vector<std::uint64_t> bits((universe + 63) / 64, 0);
  for (std::uint32_t item : items) bits[item >> 6] |= std::uint64_t{1} << (item & 63);
  return bits;
}

// `items` of a universe of `universe` as the view queries test: a small set (a
// few KB, in cache) while they are few, since a lookup there beats a miss in a
// bitset; a bitset beyond kHiddenSetMax. The view points into `set` or `bits`.
index::HiddenPoles hidden_view(const std::vector<std::uint32_t>& items, std::size_t universe,
                               std::vector<std::uint32_t>& set, std::vector<std::uint64_t>& bits) {
  index::HiddenPoles view;
  if (items.size() <= OverlayData::kHiddenSetMax) {
    set = small_set(items, view.mask);
    view.set = set.data();
  } else {
    bits = bitset(items, universe);
    view.bits = bits.data();
  }
  return view;
}

// Where the edit's number stands in `base` (pole index and PoleIndex slot),
// looked up once per base and kept in the edit.
void find_in_base(const SnapshotData& base, std::string_view number, const OverlayEdits::Edit<PoleRecord>& edit) {
  if (edit.found_in == &base) return;
  edit.found_in = &base;
  edit.base_pole = edit.base_slot = OverlayEdits::kNotInBase;
  edit.base_grid = OverlayEdits::kGridUnknown;
  if (auto p = base.numbers.find(number)) {
    edit.base_pole = *p;
    if (auto slot = base.pole_positions.slot_of(*p, base.positions[*p])) edit.base_slot = *slot;
  }
}

// The base grid holding the edit's record (-1: none), found once per edit.
std::int32_t base_grid_of(const SnapshotData& base, const OverlayEdits::Edit<PoleRecord>& edit) {
  if (edit.base_grid == OverlayEdits::kGridUnknown) {
    const auto found = base.grid_areas.find(edit.record->position);
    edit.base_grid = found ? static_cast<std::int32_t>(*found) : -1;
  }
  return edit.base_grid;
}

// The delta from every edit: the base grids and poles it hides, and the delta
// data with each pole's grid derived.
std::shared_ptr<const DeltaLayer> build_delta(const SnapshotData& base, const OverlayEdits& edits,
                                              std::uint64_t sequence) {
  auto out = std::make_shared<DeltaLayer>();
  out->sequence = sequence;
  out->hidden_grids.assign((base.grids.size() + 63) / 64, 0);
  auto grid_hidden = [&](std::uint32_t g) { return (out->hidden_grids[g >> 6] >> (g & 63)) & 1; };

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

  // Base poles hidden: first the edited numbers the base holds, then the touched poles.
  std::vector<std::uint32_t>& hidden_list = out->hidden_base_poles;
  std::vector<PoleRecord> poles;
  poles.reserve(edits.pole_count() + touched.size());
  for (const auto& [number, edit] : edits.poles()) {
    find_in_base(base, number, edit);
    if (edit.base_pole != OverlayEdits::kNotInBase) {
      hidden_list.push_back(edit.base_pole);
      if (edit.base_slot != OverlayEdits::kNotInBase) out->hidden_base_slots.push_back(edit.base_slot);
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
      if (auto slot = base.pole_positions.slot_of(p, base.positions[p])) out->hidden_base_slots.push_back(*slot);
      poles.push_back({std::string(base.number(p)), base.positions[p], pole_attributes(base, p)});
    }
  }

  out->hidden_base = hidden_view(hidden_list, base.pole_count(), out->hidden_base_set, out->hidden_base_bits);

  out->data = build_snapshot_data(std::move(poles), std::move(grids), {}, sequence, {}, /*small=*/true);
  SnapshotData& d = *out->data;
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
      g = base_grid_of(base, edit->second);
    } else if (auto bp = base.numbers.find(number)) {
      g = base.pole_grid[*bp];  // a touched base pole, where it stands in the base
    } else if (auto found = base.grid_areas.find(d.positions[p])) {
      g = static_cast<std::int32_t>(*found);  // not reached: a delta pole is an edit or a base pole
    }
    if (g >= 0 && !grid_hidden(static_cast<std::uint32_t>(g))) d.pole_grid[p] = -2 - g;
  }
  out->cells.build(d.positions);
  return out;
}

// The recent layer: the poles of the edits after `layer`, hiding their older
// versions in the base and in the delta. Fills `out` and returns the base
// slots it hides.
std::vector<std::uint32_t> build_recent(const SnapshotData& base, const OverlayEdits& edits, std::uint64_t sequence,
                                        OverlayData& out) {
  const SnapshotData& delta = *out.delta;
  std::vector<std::uint32_t> base_slots, base_poles, delta_poles, delta_slots;
  std::vector<PoleRecord> poles;
  std::vector<const OverlayEdits::PoleEdit*> numbers;  // each edited number once, in number order
  edits.for_each_pole_after(out.layer->sequence, [&](const OverlayEdits::PoleEdit& e) { numbers.push_back(&e); });
  std::sort(numbers.begin(), numbers.end(), [](auto* a, auto* b) { return a->first < b->first; });
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  std::vector<const OverlayEdits::Edit<PoleRecord>*> written;  // in number order, as the recent data
  for (const OverlayEdits::PoleEdit* e : numbers) {
    const std::string& number = e->first;
    const auto& edit = e->second;
    find_in_base(base, number, edit);
    if (edit.base_pole != OverlayEdits::kNotInBase && !out.layer->hidden_base.contains(edit.base_pole)) {
      base_poles.push_back(edit.base_pole);
      if (edit.base_slot != OverlayEdits::kNotInBase) base_slots.push_back(edit.base_slot);
    }
    if (auto dp = delta.numbers.find(number)) {
      delta_poles.push_back(*dp);
      if (auto slot = delta.pole_positions.slot_of(*dp, delta.positions[*dp])) delta_slots.push_back(*slot);
    }
    if (edit.record) {
      poles.push_back(*edit.record);
      written.push_back(&edit);
    }
  }
  if (!base_poles.empty()) {
    for (std::uint32_t p : base_poles) out.base_hidden->set(p);
    out.recent_hidden_set = small_set(base_poles, out.recent_hidden.mask);
    out.recent_hidden.set = out.recent_hidden_set.data();
    out.recent_hidden_count = base_poles.size();
    out.hidden_pole_count += base_poles.size();
  }
  if (!delta_poles.empty()) {
    out.delta_hidden = bitset(delta_poles, delta.pole_count());
    out.delta_hidden_count = delta_poles.size();
    out.delta_hidden_slot_set = small_set(delta_slots, out.delta_hidden_slots.mask);
    out.delta_hidden_slots.set = out.delta_hidden_slot_set.data();
  }
  if (!poles.empty()) {
    out.recent = build_snapshot_data(std::move(poles), {}, {}, sequence, {}, /*small=*/true);
    SnapshotData& r = *out.recent;
    r.base = &base;
    r.grids_of = &delta;
    r.pole_index_offset = static_cast<std::uint32_t>(base.pole_count() + delta.pole_count());
    r.grid_index_offset = static_cast<std::uint32_t>(base.grids.size() + delta.grids.size());
    // A recent pole is in the delta grid holding it, else in the base's unless hidden.
    for (std::uint32_t p = 0; p < r.pole_count(); ++p) {
      std::int32_t code = -1;
      if (auto g = delta.grids.empty() ? std::nullopt : delta.grid_areas.find(r.positions[p])) {
        code = static_cast<std::int32_t>(*g);
      } else if (const std::int32_t g = base_grid_of(base, *written[p]);
                 g >= 0 && !out.grid_hidden(static_cast<std::uint32_t>(g))) {
        code = -2 - g;
      }
      r.pole_grid[p] = code;
    }
    out.recent_cells.build(r.positions);
  }
  return base_slots;
}

}  // namespace

std::shared_ptr<const OverlayData> build_overlay(const SnapshotData& base, const OverlayEdits& edits,
                                                 std::uint64_t sequence, const OverlayData* previous) {
  auto out = std::make_shared<OverlayData>();
  out->sequence = sequence;
  out->built_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
  const bool same_base = previous && previous->delta->base == &base;
  const bool extend = same_base && edits.last_grid_sequence() <= previous->layer->sequence &&
                      edits.poles_after_count(previous->layer->sequence) <= OverlayData::kRecentMaxPoles;
  out->layer = extend ? previous->layer : build_delta(base, edits, sequence);
  out->delta = out->layer->data.get();
  // One set of bits for every overlay on this base (only ever set: see BaseHiddenBits).
  out->base_hidden = same_base ? previous->base_hidden : std::make_shared<BaseHiddenBits>(base.pole_count());
  if (!extend) {
    for (std::uint32_t p : out->layer->hidden_base_poles) out->base_hidden->set(p);
  }
  out->hidden_pole_count = out->layer->hidden_base_poles.size();
  std::vector<std::uint32_t> recent_slots;
  if (extend) recent_slots = build_recent(base, edits, sequence, *out);

  // By slot, what nearest() asks for each candidate.
  std::vector<std::uint32_t> hidden_slots = out->layer->hidden_base_slots;
  hidden_slots.insert(hidden_slots.end(), recent_slots.begin(), recent_slots.end());
  out->hidden_slots =
      hidden_view(hidden_slots, base.pole_positions.slot_count(), out->hidden_slot_set, out->hidden_slot_bits);
  return out;
}

}  // namespace poleloc
