// overlay.hpp: the writes made since the base snapshot was built, so that a
// write costs the size of the writes, not of the dataset.
//
//   OverlayEdits edits;                        // kept by the Service, under its write lock
//   edits.add(change, seq);                    // after the store made `change` durable
//   auto overlay = build_overlay(*base, edits, seq);   // small: the delta's records only
//   Snapshot snap(base, overlay);              // every query consults both
//   ... later, in the background: a new base from snap's records, then
//   edits.drop_through(base_seq);              // what the new base holds already
//
// A Snapshot is an immutable base (SnapshotData, millions of poles, built once)
// plus an overlay: a small second SnapshotData (the delta) holding every pole
// and grid written since the base, and two bitsets hiding the base's versions
// of what the delta replaced or deleted. Poles, grids and their indexes are
// answered from both: the delta first, then the base's records not hidden.
//
// A grid write changes which grid some poles are in. The delta therefore also
// holds a copy of each base pole whose grid is touched: every pole of the base's
// version of that grid, and every pole inside the new geometry whose grid changes.
// Their grid is derived again (a delta grid first, then the base's), so
// PoleView::grid() is right for every pole without rebuilding the base.
//
// Thread-safety: OverlayEdits is used under the Service's write lock; the
// built OverlayData is immutable and shared by snapshots.
#pragma once

#include "index/cell_presence.hpp"
#include "snapshot_data.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace poleloc {

class OverlayEdits {
 public:
  // Records the puts and deletes of poles and grids of `change`, stored as `sequence`.
  void add(const store::Change& change, std::uint64_t sequence);
  // Forgets the edits of sequences <= `sequence` (a base built at it holds them).
  void drop_through(std::uint64_t sequence);
  void clear() { poles_.clear(), grids_.clear(); }

  std::size_t pole_count() const { return poles_.size(); }
  std::size_t grid_count() const { return grids_.size(); }
  bool empty() const { return poles_.empty() && grids_.empty(); }

  template <typename T>
  struct Edit {
    std::uint64_t sequence = 0;
    std::optional<T> record;  // nullopt: deleted
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
  };
  static constexpr std::int32_t kGridUnknown = -0x7fffffff;
  static constexpr std::uint32_t kNotInBase = 0xffffffffu;
  const std::map<std::string, Edit<PoleRecord>, std::less<>>& poles() const { return poles_; }
  const std::map<std::string, Edit<GridRecord>, std::less<>>& grids() const { return grids_; }

 private:
  std::map<std::string, Edit<PoleRecord>, std::less<>> poles_;  // by canonical number
  std::map<std::string, Edit<GridRecord>, std::less<>> grids_;  // by id
};

struct OverlayData {
  OverlayData() = default;
  OverlayData(const OverlayData&) = delete;
  OverlayData& operator=(const OverlayData&) = delete;
  ~OverlayData();  // hands hidden_poles back to the pool the next write takes it from

  std::unique_ptr<SnapshotData> delta;       // poles and grids written since the base (and re-derived poles)
  // A bit per base pole, set where a write replaced or deleted it (256 KB at
  // 2,000,000 poles, cleared on each write in about 10 us: the memory of
  // retired overlays is reused, not faulted in again). locate() tests it
  // right after the base lookup: one load from L2, a branch predicted "not
  // hidden", so a base pole no write touched costs about a nanosecond more
  // than without an overlay (a filter keyed by the number cost twice that, and
  // its false hits a miss in a set each write rebuilt cold).
  std::vector<std::uint64_t> hidden_poles;
  std::vector<std::uint64_t> hidden_grids;   // bit per base grid
  std::size_t hidden_pole_count = 0;
  std::size_t hidden_grid_count = 0;
  // The same poles by their slot in the base's PoleIndex (what nearest checks):
  // a small open-addressing set (a few KB, in cache) while they are few.
  std::vector<std::uint32_t> hidden_slot_set;
  std::vector<std::uint64_t> hidden_slot_bits;
  index::HiddenPoles hidden_slots;

  static constexpr std::size_t kHiddenSetMax = 4096;

  // Cells holding a delta pole: nearest() skips the delta's search when none
  // is within the base's k-th distance (nearly always).
  index::CellPresence delta_cells;

  bool pole_hidden(std::uint32_t base_pole) const { return (hidden_poles[base_pole >> 6] >> (base_pole & 63)) & 1; }
  bool grid_hidden(std::uint32_t base_grid) const { return (hidden_grids[base_grid >> 6] >> (base_grid & 63)) & 1; }
};

// The overlay of `edits` on `base`, as of `sequence`. O(edits log edits) plus
// the base poles a grid edit touches; a pole edit looks its number up in the
// base once (cached in the edit). Besides the bit per base pole (a memset),
// a write costs the size of the overlay, not of the city.
std::shared_ptr<const OverlayData> build_overlay(const SnapshotData& base, const OverlayEdits& edits,
                                                 std::uint64_t sequence);

}  // namespace poleloc
