// poleloc/snapshot.hpp: an immutable, fully indexed view of the dataset.
//
// A Snapshot answers every query without locks. A Service publishes a new
// Snapshot after each durable write; a query keeps using the snapshot it
// started with, so readers never wait for writers.
//
// ```cpp
// void show(poleloc::Service& service) {
//   auto snap = service.snapshot();                      // std::shared_ptr<const Snapshot>
//   if (auto pole = snap->locate("tjh-0372")) {
//     poleloc::LonLat p = pole->position();              // WGS84 degrees
//     std::cout << p.lon << ' ' << p.lat << '\n';
//     if (auto g = pole->grid()) std::cout << g->id();   // the grid containing the pole
//   }
//   auto grid = snap->grid_at({116.4712, 39.9251});      // optional<GridView>
//   auto near = snap->nearest({116.4712, 39.9251}, {.k = 5, .max_m = 500});
//   auto hits = snap->resolve("团结湖三七二", {.near = poleloc::LonLat{116.47, 39.92}});
//   (void)grid, (void)near, (void)hits;
// }
// ```
//
// Views (PoleView, GridView) point into the snapshot: they are valid while the
// snapshot is alive. Keep the shared_ptr as long as you use them.
//
// Boundary rule of grid_at: the plane is split exactly (coordinates are taken
// at 1e-7 degree, about 1 cm). A point on an edge shared by two grids belongs
// to the grid on its east side; on an east-west edge, to the grid on its north
// side; on a vertex, to the grid just north-east of it. Every point belongs to
// at most one grid, and always to the same one.
//
// Thread-safety: all const members may be called from any number of threads.
#pragma once

#include <poleloc/query_options.hpp>
#include <poleloc/status.hpp>
#include <poleloc/types.hpp>
#include <poleloc/where.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace poleloc {

class Snapshot;
struct SnapshotData;
struct OverlayData;
struct GridBoundary;  // boundary.hpp (included at the end of this header)

class GridView {
 public:
  GridView(const SnapshotData* data, std::uint32_t index) : data_(data), index_(index) {}
  std::string_view id() const;
  std::string_view name() const;
  const Attributes& attributes() const;
  // The outline, as it was written, built on each call (a snapshot keeps a
  // grid of 7-decimal coordinates as 1e-7 degree integers, half the memory).
  MultiPolygon geometry() const;
  // geometry() == `outline`, without building the outline: whether a grid
  // sent back (a new manager on the stored outline) keeps its outline.
  bool geometry_is(const MultiPolygon& outline) const;
  // Id, name, attributes and geometry as one record (what put_grid takes).
  GridRecord record() const;
  BBox bbox() const;
  // Per snapshot, in [0, Snapshot::grid_index_end()); see Snapshot::pole_by_index.
  std::uint32_t index() const;
  friend bool operator==(const GridView& a, const GridView& b) {
    return a.data_ == b.data_ && a.index_ == b.index_;
  }

 private:
  const SnapshotData* data_;
  std::uint32_t index_;
};

class PoleView {
 public:
  PoleView(const SnapshotData* data, std::uint32_t index) : data_(data), index_(index) {}
  // A pole of a snapshot with recent writes: `overlay` names the grids that
  // replaced the one the pole's layer records (a grid rewritten with the same
  // outline keeps its poles where they are; overlay.hpp).
  PoleView(const SnapshotData* data, std::uint32_t index, const OverlayData* overlay)
      : data_(data), overlay_(overlay), index_(index) {}
  std::string_view number() const;  // canonical
  LonLat position() const;          // WGS84
  LonLat gcj02() const;             // as shown on Chinese web maps
  std::optional<GridView> grid() const;  // the grid containing the pole, if any
  Attributes attributes() const;         // decoded on each call
  PoleRecord record() const;
  // Where the pole stands in words (nearest road, side, crossing; see
  // where.hpp); nullopt without roads or farther than kWhereMaxRoadDistanceM
  // from every road. Computed on each call (an R-tree lookup): per-pole answers only.
  std::optional<Where> where() const;
  // Per snapshot, in [0, Snapshot::pole_index_end()); see Snapshot::pole_by_index.
  std::uint32_t index() const;
  friend bool operator==(const PoleView& a, const PoleView& b) {
    return a.data_ == b.data_ && a.index_ == b.index_;
  }

 private:
  const SnapshotData* data_;
  const OverlayData* overlay_ = nullptr;
  std::uint32_t index_;
};

struct NearbyPole {
  PoleView pole;
  double distance_m;  // geodesic, WGS84
};

// exact: a pole carries the number as read and every part of the reading
//   (area, place, digits) was understood;
// fuzzy: a guess (a confusion, another area, an unknown prefix, ...);
// nearby: no number was heard; a pole near the caller, so that the grid is known.
enum class MatchKind { exact, fuzzy, nearby };

// "exact", "fuzzy" or "nearby": the name every face uses.
std::string_view match_kind_name(MatchKind kind);

struct Candidate {
  PoleView pole;
  double score = 0;          // in [0,1]; calibrated: of candidates scored s, about s are right
  MatchKind match = MatchKind::fuzzy;  // see MatchKind
  std::string reason;        // one short line: alias, reading, confusion, distance
  std::string read_back;     // the phrase a call-taker reads back to confirm
  std::optional<double> distance_m;  // from ResolveOptions::near, if given
  bool far_from_caller = false;
};

struct PolePage {
  std::vector<PoleView> poles;
  std::optional<std::size_t> next_cursor;  // absent on the last page
};

struct SnapshotStats {
  std::size_t poles = 0;
  std::size_t grids = 0;
  std::size_t aliases = 0;
  std::uint64_t sequence = 0;    // store sequence this snapshot reflects
  std::int64_t built_unix_ms = 0;
  std::size_t index_bytes = 0;   // memory of the indexes
  std::size_t overlay_poles = 0;  // poles held by the overlay of recent writes (0: none)
  std::size_t overlay_grids = 0;
  std::uint64_t base_sequence = 0;  // the sequence the base was built at (== sequence without an overlay)
  bool grid_index_from_file = false;  // the base's grid index was read from the database's index file, not built
  bool pole_grids_from_file = false;  // the base's poles' grids were read from the file beside it, not tested
  std::size_t mapped_bytes = 0;  // of the grid index file, read in place (not part of index_bytes; docs/operations.md)
};

class Snapshot {
 public:
  explicit Snapshot(std::unique_ptr<SnapshotData> data);
  // A base with the writes made since it was built (overlay.hpp); overlay may be null.
  Snapshot(std::shared_ptr<const SnapshotData> base, std::shared_ptr<const OverlayData> overlay);
  ~Snapshot();
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // The pole carrying `number` in any printed form; nullopt if none does or the
  // text is not a printed number.
  std::optional<PoleView> locate(std::string_view number) const;

  // The grid containing `p` (see the boundary rule above); nullopt outside every grid.
  std::optional<GridView> grid_at(LonLat p) const;

  // Grid indexes for many points; -1 where a point is outside every grid or
  // not a valid lon/lat. Splits the work over `threads` threads (0 = all cores).
  void grid_indexes_at(std::span<const double> lons, std::span<const double> lats,
                       std::span<std::int32_t> out, unsigned threads = 0) const;

  // The k poles nearest to `p` by geodesic distance, nearest first.
  // Fails with bad_request on bad options or an invalid point.
  Result<std::vector<NearbyPole>> nearest(LonLat p, const NearestOptions& options) const;
  // The same for many points, as indexes (pole_by_index) and metres, one row of
  // options.k per point: out_indexes[i * k + j] is point i's j-th nearest pole.
  // -1 / NaN fill a row past the poles found (fewer than k within max_m) and
  // the whole row of a point that is not a valid lon/lat. Allocates nothing
  // per point. Splits the work over `threads` threads (0 = all cores), in
  // chunks taken in turn. Fails with bad_request on bad options, lons and lats
  // of different lengths, or outputs shorter than points x k.
  Status nearest_indexes(std::span<const double> lons, std::span<const double> lats, const NearestOptions& options,
                         std::span<std::int32_t> out_indexes, std::span<double> out_distances,
                         unsigned threads = 0) const;

  // Candidates for a spoken or typed text, best first. Fails with
  // bad_request on an empty, oversized or non-UTF-8 text or bad options.
  Result<std::vector<Candidate>> resolve(std::string_view text, const ResolveOptions& options) const;

  std::optional<GridView> grid(std::string_view id) const;
  // Indexes: every pole and grid of a snapshot has one, in [0, pole_index_end())
  // and [0, grid_index_end()). They are dense (end == count) when the snapshot
  // has no recent writes; a snapshot taken after single writes or batches, until
  // the service folds them into its base in the background, also counts the
  // indexes of poles and grids that the writes replaced or deleted: those are
  // not live (pole_index_is_live() is false) and give no answer anywhere.
  // pole_by_index/grid_by_index on an index that is not live is a programming error.
  GridView grid_by_index(std::uint32_t index) const;
  PoleView pole_by_index(std::uint32_t index) const;
  std::uint32_t pole_index_end() const;
  std::uint32_t grid_index_end() const;
  bool pole_index_is_live(std::uint32_t index) const;
  bool grid_index_is_live(std::uint32_t index) const;
  // Every live pole, in number order.
  void for_each_pole(const std::function<void(PoleView)>& visit) const;
  // Every live grid (base order, then the written ones).
  void for_each_grid(const std::function<void(GridView)>& visit) const;

  // Poles inside grid `id` ordered by number, paged. not_found if no such grid.
  Result<PolePage> poles_in_grid(std::string_view id, const PageOptions& page = {}) const;

  // Poles inside `box` (edges included), ordered by number, at most `limit`.
  Result<std::vector<PoleView>> within(const BBox& box, std::size_t limit = kMaxPageSize) const;

  // The area code an alias stands for ("团结湖" -> "TJH"); empty if unknown.
  std::vector<AliasRecord> aliases() const;
  // The places of places.csv (the gazetteer also holds the areas' names and the
  // communities the grid names give; see docs/resolve.md).
  const std::vector<PlaceRecord>& places() const;
  // The roads of roads.geojson, by name (docs/import.md).
  const std::vector<RoadRecord>& roads() const;
  // The where phrase of any point (see PoleView::where()).
  std::optional<Where> where(LonLat p) const;

  // How far `p` is from the edge of its grid and which other grids have an
  // edge within `within_m` metres (boundary.hpp; default
  // kBoundaryNeighbourDefaultM = 15 m). nullopt for an invalid point, or
  // outside every grid with none within kBoundaryNearestGridMaxM. `within_m` is
  // clamped to [0, kBoundaryNeighbourMaxM] (faces reject other values first
  // with check_boundary_within). Honours recent writes.
  std::optional<GridBoundary> boundary(LonLat p) const;
  std::optional<GridBoundary> boundary(LonLat p, double within_m) const;
  // The same for a pole of this snapshot, about the grid its answer names (pole.grid()).
  std::optional<GridBoundary> boundary(const PoleView& pole) const;
  std::optional<GridBoundary> boundary(const PoleView& pole, double within_m) const;

  std::size_t pole_count() const;
  std::size_t grid_count() const;
  SnapshotStats stats() const;
  // The store sequence this snapshot reflects (stats().sequence, without counting anything else).
  std::uint64_t sequence() const;

  // The base (internal). Without an overlay it holds every record.
  const SnapshotData& data() const { return *data_; }
  const std::shared_ptr<const SnapshotData>& base() const { return data_; }
  // The writes since the base was built (internal); null when there are none.
  const OverlayData* overlay() const { return overlay_.get(); }
  // Every pole (internal): as for_each_pole, each given as its layer's data
  // and its index there, so that a merge copies the columns as they are.
  void for_each_pole_in_layers(const std::function<void(const SnapshotData&, std::uint32_t)>& visit) const;

 private:
  std::shared_ptr<const SnapshotData> data_;
  std::shared_ptr<const OverlayData> overlay_;
  const SnapshotData* delta_ = nullptr;   // overlay_->delta, or null
  const SnapshotData* recent_ = nullptr;  // overlay_->recent, or null
  bool grids_changed_ = false;            // the overlay changes some grid (else grid_at asks the base alone)
};

}  // namespace poleloc

// GridBoundary and NeighbourGrid need GridView complete: included last, so that
// <poleloc/snapshot.hpp> alone is enough to call Snapshot::boundary.
#include <poleloc/boundary.hpp>
