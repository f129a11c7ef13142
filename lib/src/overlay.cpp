#include "overlay.hpp"

#include "geo/polygon_check.hpp"
#include "index/grid_index.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

namespace poleloc {

OverlayEdits::OverlayEdits(const OverlayEdits& other) : poles_(other.poles_), grids_(other.grids_) {
  pole_log_.reserve(other.pole_log_.size());
  for (const auto& [sequence, edit] : other.pole_log_) pole_log_.emplace_back(sequence, &*poles_.find(edit->first));
}

OverlayEdits OverlayEdits::latest_only() const {
  OverlayEdits out;
  out.poles_ = poles_;
  out.grids_ = grids_;
  return out;
}

void OverlayEdits::keep_lookups_of(const OverlayEdits& copy) {
  // Both maps in key order: one walk pairs them.
  auto pole = poles_.begin();
  for (const auto& [number, c] : copy.poles_) {
    while (pole != poles_.end() && pole->first < number) ++pole;
    if (pole == poles_.end()) break;
    Edit<PoleRecord>& e = pole->second;
    if (pole->first != number || e.record != c.record) continue;  // written again since the copy
    if (c.found_in) {  // and the base grid holding it, found on the same base
      e.found_in = c.found_in;
      e.base_pole = c.base_pole;
      e.base_slot = c.base_slot;
      e.base_grid = c.base_grid;
    }
  }
  auto grid = grids_.begin();
  for (const auto& [id, c] : copy.grids_) {
    while (grid != grids_.end() && grid->first < id) ++grid;
    if (grid == grids_.end()) break;
    Edit<GridRecord>& e = grid->second;
    if (grid->first != id || e.record != c.record) continue;
    if (c.base_touch_in) {
      e.base_touch_in = c.base_touch_in;
      e.base_touch = c.base_touch;
    }
    if (c.outline_compared_in) {
      e.outline_compared_in = c.outline_compared_in;
      e.outline_as_in_base = c.outline_as_in_base;
    }
    if (c.part.index && !e.part.index) e.part = c.part;
  }
}

OverlayEdits& OverlayEdits::operator=(const OverlayEdits& other) {
  if (this != &other) *this = OverlayEdits(other);
  return *this;
}

void OverlayEdits::add(const store::Change& change, std::uint64_t sequence,
                       const std::vector<index::GridIndex::Part>* parts) {
  for (const PoleRecord& p : change.put_poles) {
    auto it = poles_.insert_or_assign(p.number, Edit<PoleRecord>{sequence, std::make_shared<const PoleRecord>(p)}).first;
    pole_log_.emplace_back(sequence, &*it);
  }
  for (const std::string& n : change.delete_poles) {
    auto it = poles_.insert_or_assign(n, Edit<PoleRecord>{sequence, nullptr}).first;
    pole_log_.emplace_back(sequence, &*it);
  }
  for (std::size_t i = 0; i < change.put_grids.size(); ++i) {
    const GridRecord& g = change.put_grids[i];
    Edit<GridRecord>& e = grids_[g.id] = {sequence, std::make_shared<const GridRecord>(g)};
    e.overlaps_none = i < change.put_grids_overlap_none.size() && change.put_grids_overlap_none[i];
    if (parts && i < parts->size()) e.part = (*parts)[i];
  }
  for (const std::string& id : change.delete_grids) grids_[id] = {sequence, nullptr};
}

OverlayEdits::Undo OverlayEdits::add_undoable(const store::Change& change, std::uint64_t sequence,
                                              const std::vector<index::GridIndex::Part>* parts) {
  Undo u;
  u.pole_log_size = pole_log_.size();
  auto save_pole = [&](const std::string& number) {
    auto it = poles_.find(number);
    u.poles.emplace_back(number, it == poles_.end() ? std::nullopt : std::optional(it->second));
  };
  auto save_grid = [&](const std::string& id) {
    auto it = grids_.find(id);
    u.grids.emplace_back(id, it == grids_.end() ? std::nullopt : std::optional(it->second));
  };
  for (const PoleRecord& p : change.put_poles) save_pole(p.number);
  for (const std::string& n : change.delete_poles) save_pole(n);
  for (const GridRecord& g : change.put_grids) save_grid(g.id);
  for (const std::string& id : change.delete_grids) save_grid(id);
  add(change, sequence, parts);
  return u;
}

void OverlayEdits::undo(Undo&& u) {
  pole_log_.resize(u.pole_log_size);  // the entries add() appended; older ones name nodes kept below
  // In reverse, so that a key the change named twice ends as it was first.
  for (auto it = u.poles.rbegin(); it != u.poles.rend(); ++it) {
    if (it->second) {
      poles_.find(it->first)->second = std::move(*it->second);  // the node stays where the log names it
    } else {
      poles_.erase(it->first);
    }
  }
  for (auto it = u.grids.rbegin(); it != u.grids.rend(); ++it) {
    if (it->second) {
      grids_[it->first] = std::move(*it->second);
    } else {
      grids_.erase(it->first);
    }
  }
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

std::size_t OverlayEdits::grids_after_count(std::uint64_t sequence) const {
  return static_cast<std::size_t>(
      std::count_if(grids_.begin(), grids_.end(), [&](const auto& e) { return e.second.sequence > sequence; }));
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
  for (std::uint32_t item : items) set_bit(bits.data(), item);
  return bits;
}

void sort_unique(std::vector<std::uint32_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// A pole's slot in its layer's PoleIndex (kNotInBase: none).
std::uint32_t slot_in(const SnapshotData& layer, std::uint32_t pole) {
  auto slot = layer.pole_positions.slot_of(pole, layer.positions[pole]);
  return slot ? *slot : OverlayEdits::kNotInBase;
}

// A grid of this many vertices or more enters a layer as a part
// (index::GridIndex::Part): indexed once, by the first layer holding it, not
// again by every layer built after it (the recent layer after each write, the
// delta at each fold). Below it, indexing the grid with the layer's others
// costs less than asking a part of its own at each lookup.
constexpr std::size_t kPartMinVertices = 2048;

}  // namespace

std::size_t vertex_count(const MultiPolygon& geometry) {
  std::size_t n = 0;
  for (const Polygon& poly : geometry) {
    for (const Ring& ring : poly.rings) n += ring.size();
  }
  return n;
}

bool enters_as_part(const MultiPolygon& geometry) { return vertex_count(geometry) >= kPartMinVertices; }

namespace {

// The part of `edit`'s grid (not a deletion) when it is large enough to have
// one: built by the first caller (unless the write brought it) and kept in the edit.
const index::GridIndex* part_of(const OverlayEdits::Edit<GridRecord>& edit) {
  if (!edit.part.index && enters_as_part(edit.record->geometry)) {
    edit.part = index::GridIndex::part_of(edit.record->geometry);
  }
  return edit.part.index.get();
}

// A grid edit's new outline as the layer's grid index will hold it: which
// older poles it contains, by the index's own boundary rule, so that only the
// poles whose grid changes are copied into the layer. A walk of every edge for
// a grid of a few hundred edges; an index of its own for a larger one.
class NewOutline {
 public:
  // A grid large enough to enter the layers as a part is asked through it
  // (the same index, built once per version and kept in the edit).
  explicit NewOutline(const OverlayEdits::Edit<GridRecord>& edit) : part_(part_of(edit)) {
    if (part_) return;
    grid_ = index::SnappedGrid::of(edit.record->geometry);
    if (grid_.points.size() > kWalkPoints) {
      std::vector<index::SnappedGrid> one;
      one.push_back(std::move(grid_));
      index_.build_snapped(std::move(one));
      indexed_ = true;
    }
  }
  bool contains(LonLat p) const {
    if (part_) return part_->find(p).has_value();
    return indexed_ ? index_.find(p).has_value() : grid_.contains(p);
  }

 private:
  static constexpr std::size_t kWalkPoints = 512;
  const index::GridIndex* part_ = nullptr;
  index::SnappedGrid grid_;
  index::GridIndex index_;
  bool indexed_ = false;
};

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
    edit.base_slot = slot_in(base, *p);
  }
}

// A grid index kept as an int32 (-1: none) as an optional.
std::optional<std::uint32_t> as_grid(std::int32_t g) {
  return g >= 0 ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(g)) : std::nullopt;
}

// The base grid holding the edit's record (-1: none), found once per edit.
std::int32_t base_grid_of(const SnapshotData& base, const OverlayEdits::Edit<PoleRecord>& edit) {
  if (edit.base_grid == OverlayEdits::kGridUnknown) {
    const auto found = base.grid_areas.find(edit.record->position);
    edit.base_grid = found ? static_cast<std::int32_t>(*found) : -1;
  }
  return edit.base_grid;
}

// Whether the grid edit keeps every pole in its grid over grid `g` of
// `layer`, the version it replaces: a put with that version's outline, which
// the write found overlapping no other grid.
bool keeps_poles_of(const SnapshotData& layer, std::uint32_t g, const OverlayEdits::Edit<GridRecord>& edit) {
  return edit.record && edit.overlaps_none && layer.grid_set->geometry_is(g, edit.record->geometry);
}

// Whether the grid edit's new version stands for the version it replaces
// (grid_successors), whatever its outline: any put (a deletion stands for
// nothing). A pole recorded in the older version and inside the new one is
// then in the new one without being copied; only the poles whose grid may
// change (in the older version and outside the new one, or inside the new
// one and recorded elsewhere) are copied into the layer and derived again.
// That is what copying every pole of both would give: a copied pole inside
// the new outline is in the newest layer's grid holding it, and where another
// grid of the same layer also holds a pole recorded in the older version,
// that grid's own edit copies the pole (it is inside that grid and recorded
// elsewhere), so the pole is derived again all the same.
bool succeeds_older(const OverlayEdits::Edit<GridRecord>& edit) { return edit.record != nullptr; }

// keeps_poles_of() over the base's version `g`: compared once per base, kept in the edit.
bool keeps_base_poles(const SnapshotData& base, std::uint32_t g, const OverlayEdits::Edit<GridRecord>& edit) {
  if (!edit.record || !edit.overlaps_none) return false;
  if (edit.outline_compared_in != &base) {
    edit.outline_compared_in = &base;
    edit.outline_as_in_base = keeps_poles_of(base, g, edit);
  }
  return edit.outline_as_in_base;
}

}  // namespace

std::int32_t OverlayData::successor_of(std::int32_t g) const {
  const auto it = std::lower_bound(grid_successors.begin(), grid_successors.end(),
                                   std::pair<std::uint32_t, std::uint32_t>{static_cast<std::uint32_t>(g), 0});
  if (it == grid_successors.end() || it->first != static_cast<std::uint32_t>(g)) return g;
  return static_cast<std::int32_t>(it->second);
}

std::vector<std::uint32_t> OverlayData::grids_standing_for(std::uint32_t g) const {
  std::vector<std::uint32_t> out{g};
  for (const auto& [from, to] : grid_successors) {
    if (to == g) out.push_back(from);
  }
  return out;
}

// What the grid edit `id` does to the base, for the delta (found once per
// base and kept in the edit): whether its new version stands for the base's
// (grid_successors), and the base poles whose grid it may change, copied into
// the delta and derived again. A version that stands for the base's leaves out
// the poles it keeps (succeeds_older); otherwise every pole of the base's
// version is listed. Any new outline lists the poles inside it (not merely in
// its box) that the base records elsewhere.
const OverlayEdits::BaseTouch& base_touch(const SnapshotData& base, std::string_view id,
                                          const OverlayEdits::Edit<GridRecord>& edit) {
  if (edit.base_touch_in == &base) return edit.base_touch;
  edit.base_touch_in = &base;
  auto touched = std::make_shared<std::vector<std::uint32_t>>();
  std::int64_t older = -1;  // the base's version, when the new one stands for it
  std::optional<NewOutline> outline;
  if (auto it = base.grid_by_id.find(id); it != base.grid_by_id.end()) {
    const std::uint32_t g = it->second;
    if (keeps_base_poles(base, g, edit)) {  // the same outline: no pole changes grid
      edit.base_touch = {true, std::move(touched)};
      return edit.base_touch;
    }
    if (succeeds_older(edit)) {
      older = g;
      outline.emplace(edit);
    }
    for (std::uint32_t i = base.grid_pole_offsets[g]; i < base.grid_pole_offsets[g + 1]; ++i) {
      const std::uint32_t p = base.grid_poles[i];
      if (!outline || !outline->contains(base.positions[p])) touched->push_back(p);
    }
  }
  if (edit.record) {
    if (!outline) outline.emplace(edit);
    for (std::uint32_t p : base.pole_positions.within(geo::bounding_box(edit.record->geometry))) {
      // A pole outside the new outline keeps its grid, unless the older version held it (above).
      const bool stays = older >= 0 && base.pole_grid[p] == older;  // by the successor
      if (!stays && outline->contains(base.positions[p])) touched->push_back(p);
    }
  }
  edit.base_touch = {older >= 0, std::move(touched)};
  return edit.base_touch;
}

// The grids of a layer being built, and the parts standing for the large ones.
struct LayerGrids {
  std::vector<GridRecord> records;
  std::vector<index::GridIndex::Part> parts;  // empty, or one per record

  // Adds `edit`'s grid (not a deletion). A large one comes with its part
  // (built now if no layer built it before) and, when the part gives its
  // outline back, without the outline (no copy of its vertices).
  void add(const OverlayEdits::Edit<GridRecord>& edit) {
    const GridRecord& r = *edit.record;
    if (!part_of(edit)) {
      records.push_back(r);
      if (!parts.empty()) parts.emplace_back();
      return;
    }
    parts.resize(records.size());
    records.push_back({r.id, r.name, r.attributes, edit.part.index->grid(0).exact ? MultiPolygon{} : r.geometry});
    parts.push_back(edit.part);
  }
};

// The delta from every edit: the base grids and poles it hides, and the delta
// data with each pole's grid derived.
std::shared_ptr<const DeltaLayer> build_delta_layer(const SnapshotData& base, const OverlayEdits& edits,
                                                    std::uint64_t sequence) {
  static std::atomic<std::uint64_t> next_id{1};
  auto out = std::make_shared<DeltaLayer>();
  out->id = next_id.fetch_add(1, std::memory_order_relaxed);
  out->sequence = sequence;
  out->hidden_grids.assign((base.grids.size() + 63) / 64, 0);

  // Grids: the base's version of an edited grid is hidden; its poles, and the
  // base poles under the new geometry, have their grid derived again.
  LayerGrids grids;
  std::vector<std::uint32_t> touched;
  std::vector<std::pair<std::uint32_t, std::string_view>> successors;  // base grid, id of the version standing for it
  for (const auto& [id, edit] : edits.grids()) {
    const auto& [succeeds, from_base] = base_touch(base, id, edit);
    if (auto it = base.grid_by_id.find(id); it != base.grid_by_id.end()) {
      set_bit(out->hidden_grids.data(), it->second);
      ++out->hidden_grid_count;
      if (succeeds) successors.emplace_back(it->second, id);
    }
    touched.insert(touched.end(), from_base->begin(), from_base->end());
    if (edit.record) grids.add(edit);
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
    sort_unique(touched);
    std::vector<std::uint32_t> edited = hidden_list;
    std::sort(edited.begin(), edited.end());
    for (std::uint32_t p : touched) {
      if (std::binary_search(edited.begin(), edited.end(), p)) continue;  // edited itself
      hidden_list.push_back(p);
      if (const std::uint32_t slot = slot_in(base, p); slot != OverlayEdits::kNotInBase) {
        out->hidden_base_slots.push_back(slot);
      }
      poles.push_back(PoleView(&base, p).record());
    }
  }

  out->hidden_base = hidden_view(hidden_list, base.pole_count(), out->hidden_base_set, out->hidden_base_bits);
  out->hidden_slots = hidden_view(out->hidden_base_slots, base.pole_positions.slot_count(), out->hidden_slot_set,
                                  out->hidden_slot_bits);

  out->data = build_snapshot_data(std::move(poles), std::move(grids.records), {}, sequence, {}, /*small=*/true,
                                  std::move(grids.parts));
  SnapshotData& d = *out->data;
  d.base = &base;
  d.pole_index_offset = static_cast<std::uint32_t>(base.pole_count());
  d.grid_index_offset = static_cast<std::uint32_t>(base.grids.size());
  for (const auto& [g, id] : successors) {
    out->grid_successors.emplace_back(g, d.grid_index_offset + d.grid_by_id.find(id)->second);
  }
  std::sort(out->grid_successors.begin(), out->grid_successors.end());
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
    const auto kept = unhidden_grid(base, d.positions[p], as_grid(g),
                                    [&](std::uint32_t i) { return out->hides_base_grid(i); });
    if (kept) d.pole_grid[p] = -2 - static_cast<std::int32_t>(*kept);
  }
  out->cells.build(d.positions);
  std::vector<LonLat> reach_points;
  out->reach_points(reach_points);
  out->reach.build(reach_points);
  out->numbers.build(d.pole_count(), [&](std::size_t i) { return d.number(static_cast<std::uint32_t>(i)); });
  return out;
}

namespace {

// What the grid edit `id` touches below the recent layer on `layer` (see
// TouchedByGrid), found the first time and kept in the edit.
const TouchedByGrid& touched_by_grid(const SnapshotData& base, const DeltaLayer& layer, const std::string& id,
                                     const OverlayEdits::Edit<GridRecord>& edit) {
  if (edit.touched && edit.touched->layer_id == layer.id) return *edit.touched;
  const SnapshotData& delta = *layer.data;
  auto t = std::make_shared<TouchedByGrid>();
  t->layer_id = layer.id;
  std::vector<std::uint32_t>& bp = t->base_poles;
  std::vector<std::uint32_t>& dp = t->delta_poles;
  auto add_base_poles_of = [&](std::uint32_t g) {
    for (std::uint32_t i = base.grid_pole_offsets[g]; i < base.grid_pole_offsets[g + 1]; ++i) {
      if (!layer.hides_base_pole(base.grid_poles[i])) bp.push_back(base.grid_poles[i]);
    }
  };
  bool older = false;  // a version below is replaced (not deleted nor new)
  if (auto it = delta.grid_by_id.find(id); it != delta.grid_by_id.end()) {
    const std::uint32_t d = it->second;
    t->hidden_delta_grid = d;
    if (keeps_poles_of(delta, d, edit)) {
      t->keeps_poles = true;  // no pole changes grid
      edit.touched = std::move(t);
      return *edit.touched;
    }
    older = true;
    dp.insert(dp.end(), delta.grid_poles.begin() + delta.grid_pole_offsets[d],
              delta.grid_poles.begin() + delta.grid_pole_offsets[d + 1]);
    // The base poles of the base version the delta's stands for: in this grid too.
    for (const auto& [from, to] : layer.grid_successors) {
      if (to == delta.grid_index_offset + d) add_base_poles_of(from);
    }
  } else if (auto bt = base.grid_by_id.find(id); bt != base.grid_by_id.end() && !layer.hides_base_grid(bt->second)) {
    const std::uint32_t g = bt->second;
    t->hidden_base_grid = g;
    if (keeps_base_poles(base, g, edit)) {
      t->keeps_poles = true;
      edit.touched = std::move(t);
      return *edit.touched;
    }
    older = true;
    add_base_poles_of(g);
    const std::int32_t code = -2 - static_cast<std::int32_t>(g);  // a delta pole in base grid g
    for (std::uint32_t p = 0; p < delta.pole_count(); ++p) {
      if (delta.pole_grid[p] == code) dp.push_back(p);
    }
  }
  if (edit.record) {
    // The older version's poles inside the new outline stay, by the successor
    // (succeeds_older); the poles inside it recorded elsewhere, and those
    // outside it that the older version held, change grid.
    const NewOutline outline(edit);
    const bool succeeds = older && succeeds_older(edit);
    t->keeps_poles = succeeds;
    std::vector<std::uint32_t> held_b, held_d;  // the older version's, when it stands for the new one
    if (succeeds) {
      sort_unique(bp);
      sort_unique(dp);
      held_b = std::exchange(bp, {});
      held_d = std::exchange(dp, {});
      for (std::uint32_t p : held_b) {
        if (!outline.contains(base.positions[p])) bp.push_back(p);
      }
      for (std::uint32_t p : held_d) {
        if (!outline.contains(delta.positions[p])) dp.push_back(p);
      }
    }
    const BBox box = geo::bounding_box(edit.record->geometry);
    for (std::uint32_t p : base.pole_positions.within(box)) {
      if (layer.hides_base_pole(p) || std::binary_search(held_b.begin(), held_b.end(), p)) continue;
      if (outline.contains(base.positions[p])) bp.push_back(p);
    }
    for (std::uint32_t p : delta.pole_positions.within(box)) {
      if (std::binary_search(held_d.begin(), held_d.end(), p)) continue;
      if (outline.contains(delta.positions[p])) dp.push_back(p);
    }
  }
  sort_unique(bp);
  sort_unique(dp);
  for (std::uint32_t p : bp) {
    t->base_slots.push_back(slot_in(base, p));
    t->base_records.push_back(PoleView(&base, p).record());
  }
  for (std::uint32_t p : dp) {
    t->delta_slots.push_back(slot_in(delta, p));
    t->delta_records.push_back(PoleView(&delta, p).record());
  }
  edit.touched = std::move(t);
  return *edit.touched;
}

// Where a recent pole comes from: a pole written after the delta, or an older
// pole (of the base or the delta) copied because a grid written after the
// delta touches it.
struct RecentSource {
  std::string_view number;
  const OverlayEdits::Edit<PoleRecord>* written = nullptr;
  std::uint32_t base_pole = OverlayEdits::kNotInBase;
  std::uint32_t delta_pole = OverlayEdits::kNotInBase;
};

// The recent layer: the poles and grids of the edits after `layer`, and the
// older poles whose grid those grids change, hiding the older versions of all
// of them in the base and in the delta. Fills `out` and returns the base
// slots it hides.
std::vector<std::uint32_t> build_recent(const SnapshotData& base, const OverlayEdits& edits, std::uint64_t sequence,
                                        OverlayData& out) {
  const SnapshotData& delta = *out.delta;
  const DeltaLayer& layer = *out.layer;
  const auto base_grids = static_cast<std::uint32_t>(base.grids.size());

  // Grids: the version below (the delta's, else the base's if the delta did
  // not hide it) is hidden; its poles and the older poles under the new
  // geometry are touched, their grid derived again below. Found once per
  // delta and kept in the edit (touched_by_grid).
  struct Touch {
    std::uint32_t pole, slot;
    const PoleRecord* record;
  };
  LayerGrids grids;
  std::vector<std::uint32_t> hidden_base_grids, hidden_delta_grids;
  std::vector<Touch> touched_base, touched_delta;
  // The versions below that a recent grid replaced keeping their outline (with
  // its id), and those replaced or deleted otherwise: snapshot grid indexes.
  std::vector<std::pair<std::uint32_t, std::string_view>> same_outline;
  std::vector<std::uint32_t> replaced;
  for (const auto& [id, edit] : edits.grids()) {
    if (edit.sequence <= layer.sequence) continue;
    const TouchedByGrid& t = touched_by_grid(base, layer, id, edit);
    if (t.hidden_delta_grid >= 0) hidden_delta_grids.push_back(static_cast<std::uint32_t>(t.hidden_delta_grid));
    if (t.hidden_base_grid >= 0) hidden_base_grids.push_back(static_cast<std::uint32_t>(t.hidden_base_grid));
    const std::int64_t below = t.hidden_delta_grid >= 0 ? base_grids + t.hidden_delta_grid : t.hidden_base_grid;
    if (below >= 0) {
      if (t.keeps_poles) {
        same_outline.emplace_back(static_cast<std::uint32_t>(below), id);
      } else {
        replaced.push_back(static_cast<std::uint32_t>(below));
      }
    }
    for (std::size_t i = 0; i < t.base_poles.size(); ++i) {
      touched_base.push_back({t.base_poles[i], t.base_slots[i], &t.base_records[i]});
    }
    for (std::size_t i = 0; i < t.delta_poles.size(); ++i) {
      touched_delta.push_back({t.delta_poles[i], t.delta_slots[i], &t.delta_records[i]});
    }
    if (edit.record) grids.add(edit);
  }
  if (!hidden_base_grids.empty()) {
    out.own_hidden_grids = layer.hidden_grids;
    for (std::uint32_t g : hidden_base_grids) set_bit(out.own_hidden_grids.data(), g);
    out.hidden_grids = out.own_hidden_grids.data();
    out.hidden_grid_count += hidden_base_grids.size();
  }
  if (!hidden_delta_grids.empty()) {
    out.delta_hidden_grids = bitset(hidden_delta_grids, delta.grids.size());
    out.delta_hidden_grid_count = hidden_delta_grids.size();
  }
  auto unique_poles = [](std::vector<Touch>& v) {  // a pole two grids touch, once
    std::sort(v.begin(), v.end(), [](const Touch& a, const Touch& b) { return a.pole < b.pole; });
    v.erase(std::unique(v.begin(), v.end(), [](const Touch& a, const Touch& b) { return a.pole == b.pole; }), v.end());
  };
  unique_poles(touched_base);
  unique_poles(touched_delta);

  // Poles: each written number once, then the touched poles not written.
  std::vector<const OverlayEdits::PoleEdit*> numbers;
  edits.for_each_pole_after(layer.sequence, [&](const OverlayEdits::PoleEdit& e) { numbers.push_back(&e); });
  std::sort(numbers.begin(), numbers.end(), [](auto* a, auto* b) { return a->first < b->first; });
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  std::vector<std::string_view> written_numbers;  // in number order
  for (const OverlayEdits::PoleEdit* e : numbers) written_numbers.push_back(e->first);
  auto written = [&](std::string_view number) {
    return std::binary_search(written_numbers.begin(), written_numbers.end(), number);
  };
  std::vector<std::uint32_t> base_slots, base_poles, delta_poles, delta_slots;
  auto hide_delta = [&](std::uint32_t dp, std::uint32_t slot) {
    delta_poles.push_back(dp);
    if (slot != OverlayEdits::kNotInBase) delta_slots.push_back(slot);
  };
  auto hide_base = [&](std::uint32_t p, std::uint32_t slot) {
    base_poles.push_back(p);
    if (slot != OverlayEdits::kNotInBase) base_slots.push_back(slot);
  };
  std::vector<PoleRecord> poles;
  std::vector<RecentSource> sources;  // as `poles`, sorted by number below
  for (const OverlayEdits::PoleEdit* e : numbers) {
    const std::string& number = e->first;
    const auto& edit = e->second;
    find_in_base(base, number, edit);
    if (edit.base_pole != OverlayEdits::kNotInBase && !layer.hides_base_pole(edit.base_pole)) {
      hide_base(edit.base_pole, edit.base_slot);
    }
    if (auto dp = delta.numbers.find(number)) hide_delta(*dp, slot_in(delta, *dp));
    if (edit.record) {
      poles.push_back(*edit.record);
      sources.push_back({number, &edit});
    }
  }
  for (const Touch& t : touched_base) {
    if (written(t.record->number)) continue;
    hide_base(t.pole, t.slot);
    poles.push_back(*t.record);
    sources.push_back({t.record->number, nullptr, t.pole});
  }
  for (const Touch& t : touched_delta) {
    if (written(t.record->number)) continue;
    hide_delta(t.pole, t.slot);
    poles.push_back(*t.record);
    sources.push_back({t.record->number, nullptr, OverlayEdits::kNotInBase, t.pole});
  }
  std::sort(sources.begin(), sources.end(), [](const RecentSource& a, const RecentSource& b) { return a.number < b.number; });

  if (!base_poles.empty()) {
    for (std::uint32_t p : base_poles) out.base_hidden->set(p);
    out.recent_hidden_set = small_set(base_poles, out.recent_hidden.mask);
    out.recent_hidden.set = out.recent_hidden_set.data();
    out.recent_hidden_count = base_poles.size();
    out.hidden_pole_count += base_poles.size();
  }
  if (!delta_poles.empty()) {
    sort_unique(delta_poles);
    sort_unique(delta_slots);
    out.delta_hidden = bitset(delta_poles, delta.pole_count());
    out.delta_hidden_count = delta_poles.size();
    out.delta_hidden_slot_set = small_set(delta_slots, out.delta_hidden_slots.mask);
    out.delta_hidden_slots.set = out.delta_hidden_slot_set.data();
  }
  // Where a query could meet a pole written or hidden up to here (see OverlayData::reach).
  auto build_reach = [&](const std::vector<LonLat>& written) {
    std::vector<LonLat> more(written);
    for (std::uint32_t p : base_poles) more.push_back(base.positions[p]);
    out.written_cells.build_over(layer.reach, [&](std::vector<LonLat>& all) { layer.reach_points(all); }, more);
    out.reach = &out.written_cells;
  };
  // The delta's successors, followed to the recent versions; a version
  // replaced or deleted otherwise stands for nothing any more.
  auto set_successors = [&](const SnapshotData* recent) {
    out.grid_successors.clear();
    std::sort(replaced.begin(), replaced.end());
    auto recent_index = [&](std::string_view id) { return recent->grid_index_offset + recent->grid_by_id.find(id)->second; };
    for (auto [from, to] : layer.grid_successors) {
      if (std::binary_search(replaced.begin(), replaced.end(), to)) continue;
      for (const auto& [below, id] : same_outline) {
        if (below == to) to = recent_index(id);
      }
      out.grid_successors.emplace_back(from, to);
    }
    for (const auto& [below, id] : same_outline) out.grid_successors.emplace_back(below, recent_index(id));
    std::sort(out.grid_successors.begin(), out.grid_successors.end());
  };
  if (poles.empty() && grids.records.empty()) {
    set_successors(nullptr);  // nothing kept: no recent grid
    if (!base_poles.empty()) build_reach({});  // deletions only
    return base_slots;
  }

  out.recent = build_snapshot_data(std::move(poles), std::move(grids.records), {}, sequence, {}, /*small=*/true,
                                   std::move(grids.parts));
  SnapshotData& r = *out.recent;
  r.base = &base;
  r.grids_of = &delta;
  r.pole_index_offset = static_cast<std::uint32_t>(base.pole_count() + delta.pole_count());
  r.grid_index_offset = base_grids + static_cast<std::uint32_t>(delta.grids.size());
  set_successors(&r);
  // Outside the recent grids, a recent pole is in the delta grid holding it
  // (unless hidden), else in the base grid holding it (unless hidden). That
  // base grid is known for a written pole after the first time (kept in the
  // edit), for a base pole (the base's own), and for a delta pole in a base grid.
  for (std::uint32_t p = 0; p < r.pole_count(); ++p) {
    if (r.pole_grid[p] >= 0) continue;
    std::int32_t code = -1;
    if (auto d = delta.grids.empty() ? std::nullopt
                                     : unhidden_grid(delta, r.positions[p], delta.grid_areas.find(r.positions[p]),
                                                     [&](std::uint32_t i) { return out.delta_grid_hidden(i); })) {
      code = -2 - static_cast<std::int32_t>(base_grids + *d);
    } else {
      const RecentSource& from = sources[p];
      std::int32_t g = -1;
      if (from.written) {
        g = base_grid_of(base, *from.written);
      } else if (from.base_pole != OverlayEdits::kNotInBase) {
        g = base.pole_grid[from.base_pole];
      } else if (const std::int32_t c = delta.pole_grid[from.delta_pole]; c <= -2) {
        g = -2 - c;
      } else if (c >= 0) {  // its delta grid was hidden: the base grid under it
        const auto found = base.grid_areas.find(r.positions[p]);
        g = found ? static_cast<std::int32_t>(*found) : -1;
      }
      const auto kept = unhidden_grid(base, r.positions[p], as_grid(g),
                                      [&](std::uint32_t i) { return out.grid_hidden(i); });
      if (kept) code = -2 - static_cast<std::int32_t>(*kept);
    }
    r.pole_grid[p] = code;
  }
  out.recent_cells.build(r.positions);
  build_reach(r.positions);
  out.recent_numbers.build(r.pole_count(), [&](std::size_t i) { return r.number(static_cast<std::uint32_t>(i)); });
  return base_slots;
}

}  // namespace

std::shared_ptr<const OverlayData> build_overlay(const SnapshotData& base, const OverlayEdits& edits,
                                                 std::uint64_t sequence, const OverlayData* previous,
                                                 std::shared_ptr<const DeltaLayer> folded,
                                                 std::size_t recent_max_poles) {
  auto out = std::make_shared<OverlayData>();
  out->sequence = sequence;
  out->built_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
  const bool same_base = previous && previous->delta->base == &base;
  // The delta to stand on: a folded one, else the previous overlay's.
  std::shared_ptr<const DeltaLayer> below = folded && folded->data->base == &base ? std::move(folded)
                                            : same_base                           ? previous->layer
                                                                                  : nullptr;
  const std::size_t recent_grids = below ? edits.grids_after_count(below->sequence) : 0;
  bool extend = below && edits.poles_after_count(below->sequence) <= recent_max_poles &&
                recent_grids <= OverlayData::kRecentMaxGrids;
  if (extend && recent_grids > 0) {
    // What the recent grids copy (found once per delta and kept in each edit).
    std::size_t copied = 0;
    for (const auto& [id, edit] : edits.grids()) {
      if (edit.sequence <= below->sequence) continue;
      const TouchedByGrid& t = touched_by_grid(base, *below, id, edit);
      copied += t.base_poles.size() + t.delta_poles.size();
    }
    extend = copied <= OverlayData::kRecentMaxCopiedPoles;
  }
  out->layer = extend ? std::move(below) : build_delta_layer(base, edits, sequence);
  out->delta = out->layer->data.get();
  out->hidden_grids = out->layer->hidden_grids.data();
  out->hidden_grid_count = out->layer->hidden_grid_count;
  // One set of bits for every overlay on this base (only ever set: see BaseHiddenBits).
  out->base_hidden = same_base ? previous->base_hidden : std::make_shared<BaseHiddenBits>(base.pole_count());
  out->base_hidden_words = out->base_hidden->words();
  if (!same_base || out->layer != previous->layer) {  // a delta no overlay on this base stood on yet
    for (std::uint32_t p : out->layer->hidden_base_poles) out->base_hidden->set(p);
  }
  out->hidden_pole_count = out->layer->hidden_base_poles.size();
  out->reach = &out->layer->reach;
  out->grid_successors = out->layer->grid_successors;
  std::vector<std::uint32_t> recent_slots;
  if (extend) recent_slots = build_recent(base, edits, sequence, *out);

  // By slot, what nearest() asks for each candidate: the recent layer's, then the delta's.
  if (recent_slots.empty()) {
    out->hidden_slots = out->layer->hidden_slots;
  } else {
    out->hidden_slot_set = small_set(recent_slots, out->hidden_slots.mask);
    out->hidden_slots.set = out->hidden_slot_set.data();
    out->hidden_slots.also = &out->layer->hidden_slots;
  }
  return out;
}

}  // namespace poleloc
