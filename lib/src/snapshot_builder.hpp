// snapshot_builder.hpp: streams records into a SnapshotData and builds its indexes.
//
//   SnapshotBuilder b;
//   b.add_pole("TJH0001", {116.47, 39.92}, attrs);   // any order
//   b.keep_only(b.number_order());                   // sorted by number (an import also drops duplicates)
//   b.add_grid(std::move(grid));
//   b.add_alias({"团结湖", "TJH"});
//   std::unique_ptr<SnapshotData> data = b.finish(sequence);
//
// Poles are added column-wise (no PoleRecord per pole is kept), which is what
// keeps opening or importing 2,000,000 poles within a few hundred MB.
#pragma once

#include "index/grid_index_file.hpp"
#include "snapshot_data.hpp"
#include "store/record_encoding.hpp"

#include <poleloc/status.hpp>

#include <memory>
#include <string_view>
#include <functional>
#include <vector>

namespace poleloc {

class SnapshotBuilder {
 public:
  SnapshotBuilder();
  void reserve_poles(std::size_t n);
  // Numbers must be canonical.
  void add_pole(std::string_view number, LonLat position, const store::AttributeViews& attributes);
  void add_pole(const PoleRecord& pole);
  // Adds pole `pole` of `from` (a built snapshot's data, or an overlay
  // layer's) by copying its columns: no record, no string per attribute.
  // The first source's attribute bytes are copied as they are when its
  // column names come first (add the base's poles' source first: a merge
  // calls attribute_keys_from(base) before any pole).
  void add_pole_of(const SnapshotData& from, std::uint32_t pole);
  // Makes `from`'s column names this builder's next ones (see add_pole_of).
  void attribute_keys_from(const SnapshotData& from);
  // Appends every pole `part` holds, in its order, after the poles added so
  // far (an open reads the poles in key ranges on several threads, each into
  // its own builder, then joins them in key order). Copies the columns whole
  // when the part named its attribute keys in this builder's order.
  void append_poles(SnapshotBuilder&& part);
  // Takes every pole, alias, place and road `other` holds (moved, not copied)
  // into this builder, which must hold none yet: a load that finds its grids
  // unchanged reads the records into one builder and then builds them with
  // the grids it shares (share_grids() first, on this one).
  void take_records_of(SnapshotBuilder&& other);
  void add_grid(GridRecord&& grid);
  // A grid indexed already (index::GridIndex::part_of): the builder's grid
  // index takes `part` for it instead of indexing its edges. When the part's
  // grid is exact (SnappedGrid::exact), `grid` may come without its geometry:
  // the part gives it back. Only among grids all added by add_grid().
  void add_grid(GridRecord&& grid, index::GridIndex::Part part);
  // For grids decoded on several threads (an open: store::LoadVisitor::grid_at):
  // expect_grids(n) before any other grid, then set_grid(place, grid) once for
  // each place below n, from any thread (distinct places at once), in id order
  // of place. As add_grid() otherwise.
  void expect_grids(std::size_t count);
  // Before set_grid(place, ...), from any thread: whether the grid index file
  // holds this grid as stored (`stored_geometry`: its outline's stored bytes),
  // so that its outline need not be decoded; set_grid() then gets the record
  // with an empty geometry. store::LoadVisitor::grid_geometry_known.
  bool grid_geometry_known(std::size_t place, std::string_view stored_geometry);
  void set_grid(std::size_t place, GridRecord&& grid);
  void add_alias(AliasRecord&& alias);
  void add_place(PlaceRecord&& place);
  void add_road(RoadRecord&& road);

  std::size_t pole_count() const;
  std::string_view number(std::uint32_t pole) const;
  // Pole indexes sorted by number, ties in the order they were added.
  std::vector<std::uint32_t> number_order() const;
  // Keeps the listed poles, in the listed order.
  void keep_only(const std::vector<std::uint32_t>& poles);
  // Visits every pole in its current order; the views live for the call.
  using PoleVisit = std::function<void(std::string_view, LonLat, const store::AttributeViews&)>;
  void for_each_pole(const PoleVisit& visit) const;
  // The same visit, bound to the pole columns as they are now: it stays valid
  // after finish() has handed them on in the SnapshotData it returns (for as
  // long as that lives), so a store write can stream the poles while finish()
  // runs on another thread (after sort_unique(); no pole may be added meanwhile).
  std::function<void(const PoleVisit&)> pole_stream() const;

  // Each pole's grid as the caller already knows it (a merge: the poles of a
  // snapshot whose grids were derived there), as an index into the grids in id
  // order (-1: none), one per pole in the order added. finish() then trusts
  // them instead of finding each pole's grid again; it ignores them if the
  // poles were not added sorted and unique.
  void set_pole_grids(std::vector<std::int32_t> grids) { known_grids_ = std::move(grids); }

  // Sorts the grids and builds the grid index; may run on another thread while
  // poles are still being added (it touches only grid members). finish() calls
  // it if nobody did.
  void index_grids();
  // Takes `grids`, sorted and unique by id, before any other grid is added,
  // and returns where they now are: index_grids() and finish() only read
  // them, so another thread may read them too (an import's store write) until
  // the data finish() returns is dropped.
  const std::vector<GridRecord>& add_sorted_grids(std::vector<GridRecord> grids);
  // Takes `grids` (sorted, indexed, as a built snapshot holds them) instead of
  // adding and indexing any: the new data shares them. Before anything is added.
  void share_grids(std::shared_ptr<GridSet> grids);
  // index_grids() reads the grid index from `file` when it holds the index of
  // these grids, and otherwise builds it and (if file.write) writes it there.
  void keep_grid_index_in(index::GridIndexFile file) { grid_index_file_ = std::move(file); }

  // Sorts the poles by number and drops later duplicates (finish() does it
  // first). Afterwards finish() leaves the pole columns as they are.
  void sort_unique();

  // Builds every index. Poles must be sorted by number and unique by then; if
  // they are not, they are sorted and later duplicates dropped.
  // `small`: on the calling thread only, no gazetteer (for an overlay's delta).
  std::unique_ptr<SnapshotData> finish(std::uint64_t sequence, bool small = false);

 private:
  std::unique_ptr<SnapshotData> data_;
  std::vector<std::pair<std::string, std::uint32_t>> key_ids_;  // few distinct keys: a scan beats hashing
  store::AttributeViews scratch_;
  // Per source of add_pole_of: its attribute key ids -> this builder's.
  struct KeyMap {
    const SnapshotData* from = nullptr;
    std::vector<std::uint32_t> ids;
    bool identity = true;
  };
  std::vector<KeyMap> key_maps_;  // a base and an overlay's two layers: a scan
  std::uint32_t key_id(std::string_view key);
  const KeyMap& key_map(const SnapshotData& from);
  bool grids_indexed_ = false;
  index::GridIndexFile grid_index_file_;
  // Of each grid add_grid() or set_grid() took, in the order added, while its
  // coordinates were in the cache: its bounding box, its snapped coordinates
  // (its record then keeps no doubles when they give it back exactly) and,
  // when a grid index file may be read (keep_grid_index_in() before),
  // index::grid_fingerprint().
  std::vector<BBox> added_bboxes_;
  std::vector<index::SnappedGrid> added_snapped_;
  std::vector<index::GridIndex::Part> added_parts_;  // as added_snapped_ once a grid came with a part, else empty
  // Where the grids' snapped points go: blocks with 2 MB pages (index/point_arena.hpp).
  std::shared_ptr<index::PointArena> point_arena_ = std::make_shared<index::PointArena>();
  bool grids_expected_ = false;  // expect_grids(): an open, whose grids all go to the arena
  std::vector<std::uint64_t> added_fingerprints_;
  // expect_grids(): the grid index file, checked and mapped, when it holds as many grids.
  std::shared_ptr<const index::GridIndexMap> grid_map_;
  std::vector<std::uint8_t> taken_from_map_;  // per place: grid_geometry_known() said yes
  // index_grids(): the grids' fingerprint when their index is kept in a file (0: not).
  std::uint64_t grids_fingerprint_ = 0;
  // index_grids() wrote the grid index file: finish() reads the index in place
  // from it once every pole is in its grid (placed by the built index).
  index::WrittenIndex written_index_;
  void take_grid(std::size_t place, GridRecord&& grid);
  std::vector<std::int32_t> known_grids_;
};

}  // namespace poleloc
