// overlay.hpp: the writes made since the base snapshot was built, so that a
// write costs the size of its own edit, not of the dataset nor of the writes
// before it.
//
//   OverlayEdits edits;                        // kept by the Service, under its write lock
//   edits.add(change, seq);                    // after the store made `change` durable
//   auto overlay = build_overlay(*base, edits, seq, previous);   // the new edits only
//   Snapshot snap(base, overlay);              // every query consults both
//   ... later, in the background: a new base from snap's records, then
//   edits.drop_through(base_seq);              // what the new base holds already
//
// A Snapshot is an immutable base (SnapshotData, millions of poles, built once)
// plus an overlay in two layers, as a log-structured store keeps a small
// memtable above larger runs:
//   - the delta: a small second SnapshotData holding every pole and grid
//     written since the base up to some sequence, built from all those edits
//     (about 0.5 us per edit) and shared by the overlays of the writes after it;
//   - the recent layer: the poles and grids written after the delta, at most
//     kRecentMaxPoles poles and kRecentMaxGrids grids, built by each write
//     from those edits only (tens of microseconds for poles; a grid adds the
//     poles whose grid it changes). When it is full, the next write builds
//     the delta again from every edit and the recent layer starts empty.
// Bitsets hide the versions that later writes replaced or deleted: a bit per
// base pole (BaseHiddenBits, shared by every overlay on one base: a base pole
// once replaced stays hidden until the next base, so the bits are only ever
// set, and readers keep them in cache across writes), a bit per base grid,
// and a bit per delta pole and per delta grid (hidden by the recent layer).
// Poles, grids and their indexes are answered from all of them: the newest
// layer first, then the older records not hidden.
//
// A grid write changes which grid some poles are in. The layer holding the
// grid therefore also holds a copy of each older pole whose grid is touched:
// every pole of the grid's older version, and every pole inside the new
// geometry. Their grid is derived again (the layer's own grids first, then
// the older layers'), so PoleView::grid() is right for every pole without
// rebuilding the base. In both layers pole_grid[p] >= 0 names a grid of the
// layer itself and pole_grid[p] <= -2 grid -2 - pole_grid[p] of the
// snapshot's grid index space: a base grid, or (from the recent layer) a
// delta grid.
//
// Except for grid puts (a new manager, name or attribute, a boundary moved
// between neighbours, any redraw): the overlay records that the older
// version's grid index now stands for the new one
// (OverlayData::grid_successors), and the layer copies only the poles whose
// grid may change: those of the older version outside the new outline, and
// those inside it recorded in another grid. When the write found the new
// version overlapping no other grid (store::Change::put_grids_overlap_none)
// and its outline is the older version's, no pole at all is looked at. Every
// answer that names a pole's grid (PoleView::grid(), resolve, poles_in_grid,
// a merge) passes through it. A grid edit then costs its own record and its
// moved edge, not a hundred or more poles, in the write and in every delta
// built after it. A new grid copies the poles inside it, a deletion every
// pole of the older version.
//
// Thread-safety: OverlayEdits is used under the Service's write lock (by the
// writer, or by its side thread while the writer waits for the disk); the
// built OverlayData is immutable and shared by snapshots.
#pragma once

#include "index/cell_presence.hpp"
#include "index/key_filter.hpp"
#include "snapshot_data.hpp"
#include "store/store.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace poleloc {

// Bit `i` of a bit set held as 64-bit words (the overlay's hidden poles and grids).
inline bool test_bit(const std::uint64_t* words, std::uint32_t i) { return (words[i >> 6] >> (i & 63)) & 1; }
inline void set_bit(std::uint64_t* words, std::uint32_t i) { words[i >> 6] |= std::uint64_t{1} << (i & 63); }

// What a grid edit in the recent layer touches below it (the older version it
// hides and the older poles whose grid it changes, with their records), found
// once per delta and kept in the edit, so that the writes after it, which
// build the recent layer again, do not look it up again.
struct TouchedByGrid {
  std::uint64_t layer_id = 0;  // DeltaLayer::id it was found on
  std::int64_t hidden_base_grid = -1, hidden_delta_grid = -1;
  // A put: the hidden version's poles are the new one's (grid_successors)
  // except those listed below, whose grid may change (none when the outline
  // is the hidden version's and the write found it overlapping nothing).
  bool keeps_poles = false;
  std::vector<std::uint32_t> base_poles, base_slots;  // slots in the base's PoleIndex (kNotInBase: none)
  std::vector<std::uint32_t> delta_poles, delta_slots;
  std::vector<PoleRecord> base_records, delta_records;  // as base_poles and delta_poles
};

class OverlayEdits {
 public:
  OverlayEdits() = default;
  // A copy's log names the copy's own map nodes; a move keeps the nodes.
  OverlayEdits(const OverlayEdits& other);
  // The edits without the log of their order: what build_delta_layer() reads
  // (poles_after_count() and for_each_pole_after() see none). Cheaper than a
  // copy: the fold takes it under the write lock.
  OverlayEdits latest_only() const;
  OverlayEdits& operator=(const OverlayEdits& other);
  OverlayEdits(OverlayEdits&&) noexcept = default;
  OverlayEdits& operator=(OverlayEdits&&) noexcept = default;

  // What add() replaced, so that undo() can put it back.
  struct Undo;
  // Records the puts and deletes of poles and grids of `change`, stored as
  // `sequence`. `parts` (optional, one per change.put_grids, each may be
  // empty): grids indexed already, by the writer while it checked them
  // (enters_as_part()), kept in their edits.
  void add(const store::Change& change, std::uint64_t sequence,
           const std::vector<index::GridIndex::Part>* parts = nullptr);
  // The same, recording what it replaced: a write builds its overlay while
  // the store syncs, and undoes the edit if the store then fails.
  Undo add_undoable(const store::Change& change, std::uint64_t sequence,
                    const std::vector<index::GridIndex::Part>* parts = nullptr);
  // Puts back what add_undoable() replaced (no add() in between).
  void undo(Undo&& undo);
  // Forgets the edits of sequences <= `sequence` (a base built at it holds them).
  void drop_through(std::uint64_t sequence);
  // Takes what a build on `copy` (a latest_only() copy of these edits, as the
  // fold makes outside the write lock) looked up and kept in its edits, for
  // each edit here that is still the same version: where a pole is in the
  // base, what a grid does to the base's poles, a large grid's part. The next
  // fold, and a write that builds the delta, then find them in the edit
  // instead of looking them up again. Under the write lock.
  void keep_lookups_of(const OverlayEdits& copy);
  void clear() { poles_.clear(), grids_.clear(), pole_log_.clear(); }

  std::size_t pole_count() const { return poles_.size(); }
  std::size_t grid_count() const { return grids_.size(); }
  bool empty() const { return poles_.empty() && grids_.empty(); }

  // What a grid edit does to the base (overlay.cpp, base_touch()): whether its
  // new version stands for the base's version (grid_successors), and the base
  // poles whose grid it may change, to be copied into the delta.
  struct BaseTouch {
    bool succeeds = false;
    std::shared_ptr<const std::vector<std::uint32_t>> poles;
  };
  template <typename T>
  struct Edit {
    std::uint64_t sequence = 0;
    // Shared, never changed once added: a copy of the edits (the fold's,
    // taken under the write lock) copies a pointer per edit, not the record.
    std::shared_ptr<const T> record;  // null: deleted
    // For a pole: where build_overlay() last found its number in a base (a
    // random read into 2,000,000 poles, kept so that each write pays for its
    // own edit only). Valid while `found_in` is that base; written by
    // build_overlay() under the Service's write lock.
    mutable const SnapshotData* found_in = nullptr;
    mutable std::uint32_t base_pole = kNotInBase;
    mutable std::uint32_t base_slot = kNotInBase;  // the pole's slot in the base's PoleIndex
    // The base grid holding the record's position (-1: none; kGridUnknown: not
    // looked up yet): a point-in-polygon test of a few hundred ns, made once.
    mutable std::int32_t base_grid = kGridUnknown;
    // For a grid in the recent layer: what it touches below (TouchedByGrid).
    mutable std::shared_ptr<const TouchedByGrid> touched;
    // For a grid: the write found it overlapping no other grid (store::Change::put_grids_overlap_none).
    bool overlaps_none = false;
    // For a grid: whether its outline is that of the base's version (found
    // once per base: a decode of the base's outline).
    mutable const SnapshotData* outline_compared_in = nullptr;
    mutable bool outline_as_in_base = false;
    // For a grid: what its write does to the base, for the delta (found once
    // per base: the poles under the new outline tested against it).
    mutable const SnapshotData* base_touch_in = nullptr;
    mutable BaseTouch base_touch;
    // For a grid of kPartMinVertices or more: its own grid index, built by the
    // first layer that holds it and shared by every layer built after
    // (overlay.cpp, layer_grid()).
    mutable index::GridIndex::Part part;
  };
  static constexpr std::int32_t kGridUnknown = -0x7fffffff;
  static constexpr std::uint32_t kNotInBase = 0xffffffffu;
  const std::map<std::string, Edit<PoleRecord>, std::less<>>& poles() const { return poles_; }
  const std::map<std::string, Edit<GridRecord>, std::less<>>& grids() const { return grids_; }

  using PoleEdit = std::pair<const std::string, Edit<PoleRecord>>;
  // The pole edits made after `sequence`, in the order written (a number
  // written twice appears twice), and how many they are.
  std::size_t poles_after_count(std::uint64_t sequence) const;
  template <typename Visit>
  void for_each_pole_after(std::uint64_t sequence, Visit&& visit) const {
    for (auto it = first_after(sequence); it != pole_log_.end(); ++it) visit(*it->second);
  }
  // How many grids were put or deleted after `sequence` (each id once).
  std::size_t grids_after_count(std::uint64_t sequence) const;

 private:
  // A map node stays where it is until erased, and drop_through() erases a
  // number's node only with every log entry naming it.
  using PoleLog = std::vector<std::pair<std::uint64_t, const PoleEdit*>>;
  PoleLog::const_iterator first_after(std::uint64_t sequence) const;

  std::map<std::string, Edit<PoleRecord>, std::less<>> poles_;  // by canonical number
  std::map<std::string, Edit<GridRecord>, std::less<>> grids_;  // by id
  PoleLog pole_log_;  // (sequence, edit) of each pole edit, in sequence order
};

struct OverlayEdits::Undo {
  std::vector<std::pair<std::string, std::optional<Edit<PoleRecord>>>> poles;  // nullopt: was not there
  std::vector<std::pair<std::string, std::optional<Edit<GridRecord>>>> grids;
  std::size_t pole_log_size = 0;
};

// A bit per base pole, set when a write hides it, never cleared: shared by the
// overlays of every write on one base. A set bit may come from a write newer
// than the reader's snapshot; OverlayData::pole_hidden() then asks the
// overlay's own sets. Writers set bits under the Service's write lock, before
// publishing the snapshot that hides the pole; readers test them at any time.
class BaseHiddenBits {
 public:
  explicit BaseHiddenBits(std::size_t poles) : words_((poles + 63) / 64) {}
  // Pole `pole`'s bit in words() (callers keep the pointer: one load less per lookup).
  static bool test(const std::atomic<std::uint64_t>* words, std::uint32_t pole) {
    return (words[pole >> 6].load(std::memory_order_relaxed) >> (pole & 63)) & 1;
  }
  void set(std::uint32_t pole) { words_[pole >> 6].fetch_or(std::uint64_t{1} << (pole & 63), std::memory_order_relaxed); }
  const std::atomic<std::uint64_t>* words() const { return words_.data(); }
  std::size_t memory_bytes() const { return words_.size() * 8; }

 private:
  std::vector<std::atomic<std::uint64_t>> words_;
};

// Whether a grid of this outline enters the overlay's layers as a part
// (index::GridIndex::Part, built once per version and kept in its edit):
// 2,048 vertices or more.
bool enters_as_part(const MultiPolygon& geometry);
// The vertices of every ring of `geometry`.
std::size_t vertex_count(const MultiPolygon& geometry);

// The delta layer of an overlay: built from every edit since the base, and
// shared by the overlays of the writes after it.
struct DeltaLayer {
  std::uint64_t id = 0;                // unique among the deltas a process builds
  std::unique_ptr<SnapshotData> data;  // poles and grids written since the base (and re-derived poles)
  std::uint64_t sequence = 0;          // the edits it holds are those up to here
  // Cells holding a delta pole: nearest() skips the delta's search when none
  // is within the base's k-th distance (nearly always).
  index::CellPresence cells;
  // Where a query could meet a pole this delta writes or hides: its poles'
  // positions and those of the base poles it hides (a moved pole's old place;
  // reach_points() lists them). A k-nearest query whose base answer has none
  // of these within its k-th distance needs neither the hidden sets nor the
  // delta (OverlayData::reach).
  index::CellPresence reach;
  // The delta's pole numbers: a lookup of a number the base does not hold
  // skips the delta's NumberIndex when this says no (nearly always).
  index::KeyFilter numbers;
  // The base poles it hides (by pole index and by slot in the base's
  // PoleIndex) and the base grids: each overlay's bitsets start from these.
  std::vector<std::uint32_t> hidden_base_poles, hidden_base_slots;
  // The same base poles as a set, which decides when the shared bit is set.
  std::vector<std::uint32_t> hidden_base_set;
  std::vector<std::uint64_t> hidden_base_bits;
  index::HiddenPoles hidden_base;
  // hidden_base_slots as nearest() asks them (a set or a bitset), shared by
  // the overlays built on this delta.
  std::vector<std::uint32_t> hidden_slot_set;
  std::vector<std::uint64_t> hidden_slot_bits;
  index::HiddenPoles hidden_slots;
  std::vector<std::uint64_t> hidden_grids;  // bit per base grid
  std::size_t hidden_grid_count = 0;
  // (base grid, delta grid as a snapshot index) for each grid the delta
  // put again (see "Except for grid puts"),
  // sorted: the base's poles of the first not copied into the delta are in the second.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> grid_successors;

  bool hides_base_pole(std::uint32_t pole) const { return hidden_base.contains(pole); }
  bool hides_base_grid(std::uint32_t grid) const { return test_bit(hidden_grids.data(), grid); }
  // Appends the points `reach` was built from to `out`.
  void reach_points(std::vector<LonLat>& out) const {
    out.insert(out.end(), data->positions.begin(), data->positions.end());
    for (std::uint32_t p : hidden_base_poles) out.push_back(data->base->positions[p]);
  }
};

// What layer.grid_areas.find(p) gave (`found`), passing over the grids
// `hidden` hides: where a layer's grids overlap and a newer layer hid the one
// found, the next one that holds p (GridIndex::find_unless), else none.
template <typename Hidden>
std::optional<std::uint32_t> unhidden_grid(const SnapshotData& layer, LonLat p, std::optional<std::uint32_t> found,
                                           Hidden&& hidden) {
  if (!found || !hidden(*found)) return found;
  return layer.grid_areas.find_unless(p, hidden);
}

struct OverlayData {
  OverlayData() = default;
  OverlayData(const OverlayData&) = delete;
  OverlayData& operator=(const OverlayData&) = delete;

  std::uint64_t sequence = 0;     // the sequence the overlay brings the base to
  std::int64_t built_unix_ms = 0;
  std::shared_ptr<const DeltaLayer> layer;
  const SnapshotData* delta = nullptr;  // layer->data
  // Poles and grids written after the delta, and the older poles whose grid
  // those grids changed; null when there are none.
  std::unique_ptr<SnapshotData> recent;
  index::CellPresence recent_cells;
  // The delta's reach and the recent layer's poles and the base poles it
  // hides, together (built with the recent layer, a few µs per write).
  index::CellPresence written_cells;
  // What nearest() asks first, right after the base's search: the delta's
  // reach, or written_cells once the recent layer writes or hides a pole.
  // Nearly always one "no" says that the base's answer holds no hidden pole
  // and no layer has a nearer one, so the query asks no hidden set and no
  // layer (about 25 ns of hidden-set probes and 20 of layer tests less).
  const index::CellPresence* reach = nullptr;
  index::KeyFilter recent_numbers;  // as DeltaLayer::numbers
  // A bit per base grid hidden by the delta or the recent layer: the delta's
  // own bits unless the recent layer hides more.
  const std::uint64_t* hidden_grids = nullptr;
  std::vector<std::uint64_t> own_hidden_grids;
  std::size_t hidden_grid_count = 0;
  // Delta grids the recent layer replaced or deleted.
  std::vector<std::uint64_t> delta_hidden_grids;
  std::size_t delta_hidden_grid_count = 0;
  // (hidden grid, the grid standing for it), both as snapshot grid indexes,
  // sorted: a grid put again, whose older version's poles (in older layers,
  // not copied) are the new version's. The delta's
  // pairs, with the recent layer's added and followed to the newest version.
  // Empty unless such a grid was written since the base.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> grid_successors;

  // A bit per base pole that some write on this base hid (256 KB at 2,000,000
  // poles). locate() tests it right after the base lookup: one load from L2
  // (the same memory for every overlay on the base, so a write does not make
  // it cold), a branch predicted "not hidden", so a base pole no write touched
  // costs about a nanosecond more than without an overlay. Where it is set,
  // the delta's set and recent_hidden say whether this overlay hides the pole.
  std::shared_ptr<BaseHiddenBits> base_hidden;
  const std::atomic<std::uint64_t>* base_hidden_words = nullptr;  // base_hidden->words(): one load less per locate
  std::vector<std::uint32_t> recent_hidden_set;  // base poles the recent layer hid (and the delta did not)
  index::HiddenPoles recent_hidden;
  std::size_t recent_hidden_count = 0;
  std::size_t hidden_pole_count = 0;
  // The same poles by their slot in the base's PoleIndex (what nearest checks):
  // the recent layer's in a small open-addressing set (a few KB, in cache),
  // then the delta's (DeltaLayer::hidden_slots, not copied by each write).
  std::vector<std::uint32_t> hidden_slot_set;
  index::HiddenPoles hidden_slots;
  // Delta poles the recent layer replaced or deleted: a bit per delta pole,
  // and by slot in the delta's PoleIndex.
  std::vector<std::uint64_t> delta_hidden;
  std::size_t delta_hidden_count = 0;
  std::vector<std::uint32_t> delta_hidden_slot_set;
  index::HiddenPoles delta_hidden_slots;

  static constexpr std::size_t kHiddenSetMax = 4096;
  // Pole writes after the delta kept in the recent layer before the next
  // write builds the delta again (about 0.5 us each to build per write).
  static constexpr std::size_t kRecentMaxPoles = 64;
  // While the fold thread builds the next delta, writes keep extending the
  // recent layer up to this many poles (at most a few hundred µs per write)
  // instead of each rebuilding a delta of every edit (about 1 µs per edit:
  // 3 ms at 3,000, every 65th write of a stream; service_merge.cpp).
  static constexpr std::size_t kRecentMaxPolesFolding = 512;
  // Grid writes after the delta kept in the recent layer, and the older poles
  // they may copy into it (each write builds the layer again). A grid put
  // copies only the poles whose grid it may change (a handful, often none);
  // a new grid copies the poles inside it and a deletion those of its older
  // version (a hundred or more): four to ten such fill the layer.
  static constexpr std::size_t kRecentMaxGrids = 16;
  static constexpr std::size_t kRecentMaxCopiedPoles = 1024;

  // Inlined into every lookup: the bit alone (nearly always clear); the sets
  // only behind it, out of line, so that the compiler keeps this small.
  bool pole_hidden(std::uint32_t base_pole) const {
    return BaseHiddenBits::test(base_hidden_words, base_pole) && pole_hidden_here(base_pole);
  }
  // Whether this overlay (not only a newer one on the same base) hides the pole.
  [[gnu::noinline]] bool pole_hidden_here(std::uint32_t base_pole) const {
    return layer->hidden_base.contains(base_pole) || (recent_hidden_count && recent_hidden.contains(base_pole));
  }
  bool grid_hidden(std::uint32_t base_grid) const { return test_bit(hidden_grids, base_grid); }
  // The grid a pole recorded as in snapshot grid `g` is in (-1: none): `g`,
  // or the grid that replaced it keeping its outline.
  std::int32_t current_grid(std::int32_t g) const {
    if (grid_successors.empty() || g < 0) return g;
    return successor_of(g);
  }
  [[gnu::noinline]] std::int32_t successor_of(std::int32_t g) const;
  // The snapshot grid indexes whose poles are those of `g`: `g` and the grids it replaced keeping their outline.
  std::vector<std::uint32_t> grids_standing_for(std::uint32_t g) const;
  bool delta_grid_hidden(std::uint32_t delta_grid) const {
    return delta_hidden_grid_count && test_bit(delta_hidden_grids.data(), delta_grid);
  }
  std::size_t recent_grid_count() const { return recent ? recent->grids.size() : 0; }
  // Whether any layer adds, replaces or deletes a grid. When none does (the
  // writes since the base were all of poles), every point's grid is the
  // base's, and grid_at asks the base alone.
  bool changes_grids() const { return !delta->grids.empty() || recent_grid_count() != 0 || hidden_grid_count != 0; }
  // Grids held by the overlay that are current: the delta's not hidden and the recent ones.
  std::size_t live_grids() const { return delta->grids.size() - delta_hidden_grid_count + recent_grid_count(); }
  // The grid holding `p` (a valid point), the newest layer first, as an index
  // of the snapshot's grid index space.
  std::optional<std::uint32_t> grid_at(const SnapshotData& base, LonLat p) const {
    if (recent && !recent->grids.empty()) {
      if (auto g = recent->grid_areas.find(p)) return recent->grid_index_offset + *g;
    }
    if (auto g = unhidden_grid(*delta, p, delta->grid_areas.find(p), [&](std::uint32_t i) { return delta_grid_hidden(i); })) {
      return delta->grid_index_offset + *g;
    }
    return unhidden_grid(base, p, base.grid_areas.find(p), [&](std::uint32_t i) { return grid_hidden(i); });
  }
  // The layer holding grid `index` of the snapshot's grid index space (base,
  // delta, recent), and the grid's index there.
  std::pair<const SnapshotData*, std::uint32_t> grid_layer(const SnapshotData& base, std::uint32_t index) const {
    if (index < base.grids.size()) return {&base, index};
    if (recent && index >= recent->grid_index_offset) return {recent.get(), index - recent->grid_index_offset};
    return {delta, index - delta->grid_index_offset};
  }
  bool delta_pole_hidden(std::uint32_t delta_pole) const {
    return delta_hidden_count && test_bit(delta_hidden.data(), delta_pole);
  }
  const index::HiddenPoles* delta_hidden_filter() const { return delta_hidden_count ? &delta_hidden_slots : nullptr; }
  std::size_t recent_count() const { return recent ? recent->pole_count() : 0; }
  // Poles held by the overlay that are current: the delta's not hidden and the recent ones.
  std::size_t live_poles() const { return delta->pole_count() - delta_hidden_count + recent_count(); }
};

// The overlay of `edits` on `base`, as of `sequence`. With `previous` (the
// overlay published before, on the same base), a write of poles builds only
// the recent layer: the poles written after previous's delta, looked up in the
// base and the delta once (cached in the edit), and the grids written after
// it with the poles they touch. Otherwise, or when the recent layer would
// exceed kRecentMaxPoles or kRecentMaxGrids, the delta is built from every edit: O(edits log edits) plus the base poles a grid edit
// touches. A write costs the size of what it builds, not of the city.
//
// `folded` (optional): a delta built by build_delta_layer() from a copy of
// these edits as of its sequence, on this base. The overlay then stands on it
// and its recent layer holds only the edits after it (see "Folding" in
// service_merge.cpp): that is how the writes' recent layer is kept small
// without a write rebuilding the delta.
//
// `recent_max_poles`: the most pole writes the recent layer may hold before
// the delta is built again (kRecentMaxPoles, or kRecentMaxPolesFolding while
// a fold is on its way).
std::shared_ptr<const OverlayData> build_overlay(const SnapshotData& base, const OverlayEdits& edits,
                                                 std::uint64_t sequence, const OverlayData* previous = nullptr,
                                                 std::shared_ptr<const DeltaLayer> folded = nullptr,
                                                 std::size_t recent_max_poles = OverlayData::kRecentMaxPoles);

// The delta of every edit of `edits` (each at most `sequence`) on `base`.
// Writes only the edits' lookup caches, so it may run on a private copy of
// the edits, outside the write lock.
std::shared_ptr<const DeltaLayer> build_delta_layer(const SnapshotData& base, const OverlayEdits& edits,
                                                    std::uint64_t sequence);

}  // namespace poleloc
