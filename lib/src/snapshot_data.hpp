// snapshot_data.hpp: what a Snapshot holds (internal to the library).
//
// Poles are stored column-wise (numbers in one arena, positions, grid, encoded
// attributes) so that 2,000,000 poles fit in a few hundred bytes each,
// indexes included. Built once by build_snapshot_data(), never changed after.
#pragma once

#include <poleloc/snapshot.hpp>
#include <poleloc/types.hpp>

#include "index/grid_index.hpp"
#include "index/number_index.hpp"
#include "index/pole_index.hpp"
#include "index/road_index.hpp"
#include "spoken/alias_table.hpp"
#include "spoken/gazetteer.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace poleloc {

// The grids of a snapshot and their indexes. Shared by successive bases while
// no write changes a grid: a merge of pole writes takes the old base's set
// instead of copying every outline and indexing them again (seconds and
// +800 MB with 40 million vertices). Built once by the SnapshotBuilder that
// made it, never changed after a snapshot holds it.
//
// A grid whose every coordinate is a 7-decimal number (what the store's
// compact form, GeoJSON at 1e-7 and OpenStreetMap give) has no doubles in
// its record: `areas` holds it snapped (8 bytes a vertex, where doubles take
// 16), and geometry() rebuilds it from there bit for bit. Read a grid's
// outline through geometry() or record(), never grids[g].geometry.
struct GridSet {
  std::vector<GridRecord> grids;  // by dense grid index; sorted by id
  std::vector<BBox> bboxes;
  std::unordered_map<std::string_view, std::uint32_t> by_id;
  index::GridIndex areas;
  bool index_from_file = false;  // read from the database's grid index file, not built (grid_index_file.hpp)
  // A hash of the stored bytes these grids were loaded from (every live grid's
  // id and value, in id order; store::LoadVisitor::grids_read), so that a
  // later load finding the same bytes takes this set instead of decoding and
  // indexing them again. {0, 0}: not loaded from a store (an import, a merge).
  std::array<std::uint64_t, 2> stored_hash{0, 0};
  // One byte per grid, 1 when it overlaps no other grid of the set
  // (overlap_free.hpp): found by the merge thread, once an opened or imported
  // set is published, or before a merge publishes the set it built; null
  // until then, and in a read-only service.
  mutable std::atomic<std::shared_ptr<const std::vector<std::uint8_t>>> overlap_free;

  // Grid g's outline (WGS84), exactly as it was written.
  MultiPolygon geometry(std::uint32_t g) const;
  // geometry(g) == `outline`, without a copy of the outline.
  bool geometry_is(std::uint32_t g, const MultiPolygon& outline) const;
  GridRecord record(std::uint32_t g) const;
  // Drops the doubles of every grid that geometry() can rebuild exactly. Only
  // while no other thread reads `grids` (before the set is shared).
  void drop_rebuildable_geometries();

  // The grid index's heap and mapped bytes (Snapshot::stats). Counting them
  // walks every grid (about 0.3 ms at 20,000 grids), so they are counted on
  // the first ask, once the set is built, and kept.
  struct IndexBytes {
    std::size_t memory = 0, mapped = 0;
  };
  IndexBytes index_bytes() const;

 private:
  mutable std::once_flag index_bytes_once_;
  mutable IndexBytes index_bytes_;
};

struct SnapshotData {
  SnapshotData() : SnapshotData(std::make_shared<GridSet>()) {}
  // With the grids (and their indexes) of `grids`, shared.
  explicit SnapshotData(std::shared_ptr<GridSet> grids) : grid_set(std::move(grids)) {}
  // The members below refer into grid_set: never copied or moved.
  SnapshotData(const SnapshotData&) = delete;
  SnapshotData& operator=(const SnapshotData&) = delete;

  // Poles, by dense pole index; sorted by canonical number.
  std::vector<char> number_chars;
  std::vector<std::uint32_t> number_offsets;  // size poles+1
  std::vector<LonLat> positions;
  std::vector<std::int32_t> pole_grid;        // grid index or -1
  std::vector<char> attribute_blob;           // per pole: varint count, (varint key id << 3 | type, varint len, bytes)*
  std::vector<std::uint64_t> attribute_offsets;  // size poles+1
  std::vector<std::string> attribute_keys;    // interned column names

  // Grids, by dense grid index; sorted by id: grid_set's members by their
  // names of old (declared after grid_set, so bound to it).
  std::shared_ptr<GridSet> grid_set;
  std::vector<GridRecord>& grids = grid_set->grids;
  std::vector<BBox>& grid_bboxes = grid_set->bboxes;
  std::unordered_map<std::string_view, std::uint32_t>& grid_by_id = grid_set->by_id;
  std::vector<std::uint32_t> grid_pole_offsets;  // size grids+1, into grid_poles
  std::vector<std::uint32_t> grid_poles;         // pole indexes per grid, by number

  std::vector<AliasRecord> aliases;
  std::vector<PlaceRecord> places;
  std::vector<RoadRecord> roads;  // sorted by name

  index::NumberIndex numbers;
  index::PoleIndex pole_positions;
  index::GridIndex& grid_areas = grid_set->areas;
  bool& grid_index_from_file = grid_set->index_from_file;
  bool pole_grids_from_file = false;
  spoken::AliasTable alias_table;
  index::RoadIndex road_index;  // segments and crossings of `roads` (empty in an overlay's delta)
  spoken::Gazetteer gazetteer;  // areas' Chinese names, communities from grid names, places

  std::uint64_t sequence = 0;
  std::int64_t built_unix_ms = 0;

  // Set on an overlay's layers (overlay.hpp): the base they sit on, and where
  // their poles and grids start in the snapshot's one index space (after the
  // base's, then the delta's). In a layer, pole_grid[p] <= -2 names grid
  // -2 - pole_grid[p] of that index space: a base grid, or a delta grid.
  const SnapshotData* base = nullptr;
  // Set on an overlay's recent layer: the delta under it.
  const SnapshotData* grids_of = nullptr;
  std::uint32_t pole_index_offset = 0;
  std::uint32_t grid_index_offset = 0;

  std::size_t pole_count() const { return positions.size(); }
  // Pole `pole`'s grid in the snapshot's one index space (a layer's own grid
  // after the grids before it, or an older layer's named by pole_grid <= -2), -1 for none.
  std::int32_t snapshot_grid(std::uint32_t pole) const {
    const std::int32_t g = pole_grid[pole];
    if (g >= 0) return static_cast<std::int32_t>(grid_index_offset) + g;
    return g <= -2 ? -2 - g : -1;
  }
  std::string_view number(std::uint32_t pole) const {
    return {number_chars.data() + number_offsets[pole], number_offsets[pole + 1] - number_offsets[pole]};
  }
};

// Builds every index. Records need not be sorted; numbers must be canonical
// and unique, grid ids unique (the store guarantees both). `small`: build on
// the calling thread only and without the gazetteer (an overlay's delta).
// `grid_parts` (empty, or one per grid): grids indexed already, as
// SnapshotBuilder::add_grid(grid, part) takes them.
std::unique_ptr<SnapshotData> build_snapshot_data(std::vector<PoleRecord> poles, std::vector<GridRecord> grids,
                                                  std::vector<AliasRecord> aliases, std::uint64_t sequence,
                                                  std::vector<PlaceRecord> places = {}, bool small = false,
                                                  std::vector<index::GridIndex::Part> grid_parts = {});

// Builds data.gazetteer from the aliases, grid names and places (the other
// indexes must be built).
void build_gazetteer(SnapshotData& data);

// Decodes the attributes of one pole.
Attributes pole_attributes(const SnapshotData& data, std::uint32_t pole);

}  // namespace poleloc
