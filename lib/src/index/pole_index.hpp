// pole_index.hpp: pole positions for nearest-k and box queries.
//
//   PoleIndex idx;
//   idx.build(positions);                           // WGS84 lon/lat per pole index
//   auto hits = idx.nearest({116.4712, 39.9251}, 5, 500.0);  // (pole, metres), nearest first
//   auto in = idx.within(box);                      // pole indexes inside box
//
// Poles are bucketed into a uniform lon/lat cell grid (sorted by cell, so a
// cell's poles are contiguous), about four poles a cell over the poles' box,
// or half that side (four times the cells) where the poles cluster
// (halve_for_clusters in the .cpp). nearest() scans rings of cells outward and
// stops when no unvisited cell can hold a pole closer than the k-th found.
// For a point outside the poles' bounding box, or when a few rings find too
// little (a wide empty area), it searches a pyramid of 2x2-merged cells
// instead: each node keeps the box of its poles in Earth-centred (ECEF)
// coordinates, whose straight-line distance is a lower bound of the geodesic,
// so the search stops exactly and visits a few nodes per level wherever the
// point is on Earth. Within 200 km of the data the search is best first on
// squared chords, over a wide tree over the same leaves: each node keeps its
// 4x4 children's boxes coordinate by coordinate, so 16 children are measured
// in a dozen vector instructions without a branch, over half as many levels.
// It first goes straight down to the nearest leaf for a bound, then takes
// the nearest node met so far (the path's siblings first) while one can
// still hold a nearer pole. A leaf's poles are tested against the patch's
// tangent plane (no trigonometry per pole; the first leaf's plane-nearest
// pole first, so the others mostly fail the test) and the few that pass are
// ranked by the chord's arc (chord_geodesic_m, 1e-4 m of Karney's geodesic up
// to 300 km, tens of nanoseconds). In data over 200 km wide (villages across a
// province) a point within 200 km of its box is searched so first, bounded at
// 200 km; only if fewer than k poles lie that near does the far search below
// run. Whether the first rings of cells hold a pole at all is a bit per cell
// (in cache). A query allocates nothing but its answer (per-thread buffers).
// Beyond 200 km of the data the chord bound (the arc of the
// chord) is metres to a kilometre short of the geodesic; there nodes and poles
// are also bounded by a FarBound (far_bound.hpp) around a pole near the answer,
// millimetres short, and a leaf's geodesics are measured in the order of those
// bounds: about one geodesic per far query. Within 500 km of the data's
// antipode (where the FarBounds hold only over small balls, or not at all:
// q's cut locus is near the data) nodes are bounded by the triangle
// inequality through pivots: a node's centre and the point where the
// geodesic from q through it meets q's cut locus, nearly exact for the poles
// along that geodesic. A node near an ancestor's geodesic uses its pivots:
// 3-23 geodesics per query there.
// Candidates are ranked by the ellipsoidal distance at the query latitude and
// the answers' distances are geodesic on WGS84 (see geodesic.hpp): the order
// is the true geodesic order, not planar degrees.
// Poles at one and the same position (a register that gave every pole it had
// no survey for the street office's coordinates, or 0, 0) tie, and ties go to
// the lower pole index: of a run of kRunMin or more such poles, a search sees
// only the first k that it does not pass over, in pole index order, so that a
// pile of 20,000 costs a query what five poles cost, not 20,000 distances.
// Poles crowded into one cell at distinct positions (a register that spread
// its unsurveyed poles over a metre, a depot's stock) are cut, in Z-order,
// into compact chunks of about the square root of their number, each with its
// ECEF box: a search measures the boxes, visits the chunks nearest first and
// stops at the first that cannot hold a better pole, so 20,000 poles in a
// metre cost a few hundred boxes and a few chunks, not 20,000 distances.
//
// Poles in islands far apart (two cities 1,000 km apart, a city and a few
// towns hours away) would share one grid sized by the box around all of
// them, most of it empty: cells hundreds of times too large for the poles
// that are there. Such data is cut into islands, each an index of its own
// sized by its own box: where an empty band of longitude or latitude at
// least kIslandGapM and an eighth of the data's extent wide crosses the
// data, recursively, up to kMostIslands (a line of poles with a short gap
// stays whole). A query visits the islands nearest first by a lower bound
// of the geodesic to their poles' ECEF boxes and stops at the first that
// cannot hold a nearer pole: nearly always one island. Slots run on across
// the islands, so hidden poles and slot_of() are as for one index.
//
// Thread-safety: const members are safe from any number of threads.
#pragma once

#include "geo/geodesic.hpp"

#include <poleloc/types.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace poleloc::index {

// Poles a query passes over (the base poles an overlay replaced or deleted):
// a small open-addressing set while they are few (in cache), else a bit per pole.
struct HiddenPoles {
  static constexpr std::uint32_t kEmpty = 0xffffffffu;
  const std::uint64_t* bits = nullptr;  // a bit per pole, used when `set` is null
  const std::uint32_t* set = nullptr;   // mask + 1 slots, kEmpty where free
  std::size_t mask = 0;
  // More hidden poles, kept apart (an overlay's delta's, shared by the
  // overlays of later writes, so that a write need not copy them); may be null.
  const HiddenPoles* also = nullptr;
  // Kept in small sets (a few thousand at most), not a bit per pole.
  bool few() const { return set && (!also || also->few()); }
  static std::size_t slot_of(std::uint32_t pole, std::size_t mask) { return (pole * 0x9E3779B1u >> 7) & mask; }
  bool contains(std::uint32_t pole) const {
    if (!set) {
      if ((bits[pole >> 6] >> (pole & 63)) & 1) return true;
    } else {
      for (std::size_t i = slot_of(pole, mask);; i = (i + 1) & mask) {
        if (set[i] == pole) return true;
        if (set[i] == kEmpty) break;
      }
    }
    return also && also->contains(pole);
  }
};

class PoleIndex {
 public:
  void build(const std::vector<LonLat>& positions);

  // Up to k (pole, distance_m) pairs, nearest first; ties by pole index.
  // `hidden` (optional): poles to pass over (the poles an overlay deleted or
  // replaced), by their slot (slot_of()), so that checking one costs no
  // random read of the pole order.
  std::vector<std::pair<std::uint32_t, double>> nearest(LonLat p, std::size_t k, std::optional<double> max_m,
                                                        const HiddenPoles* hidden = nullptr) const;
  // The same into `out` (cleared first): with a reused `out`, a query allocates
  // nothing (the search's own buffers are per thread), so bulk callers on
  // several threads do not meet in the allocator.
  void nearest(LonLat p, std::size_t k, std::optional<double> max_m, const HiddenPoles* hidden,
               std::vector<std::pair<std::uint32_t, double>>& out) const;

  // Where pole `pole` (at `position`, as built) sits in the index; nullopt if it is not there.
  std::optional<std::uint32_t> slot_of(std::uint32_t pole, LonLat position) const;
  std::size_t slot_count() const { return slot_count_; }
  // How many islands the poles were cut into (see the top); 1 for one index, 0 when empty.
  std::size_t island_count() const { return islands_.empty() ? (slot_count_ != 0) : islands_.size(); }

  // At most this many islands, each at least this far from the others.
  static constexpr std::size_t kMostIslands = 8;
  static constexpr double kIslandGapM = 20'000;

  // Pole indexes inside `box`, edges included, unordered.
  std::vector<std::uint32_t> within(const BBox& box) const;

  std::size_t memory_bytes() const;

 private:
  // One index over `positions`, pole i being ids[i] (i itself when `ids` is empty).
  void build_one(const std::vector<LonLat>& positions, const std::vector<std::uint32_t>& ids);
  void nearest_one(LonLat p, std::size_t k, std::optional<double> max_m, const HiddenPoles* hidden,
                   std::vector<std::pair<std::uint32_t, double>>& out) const;
  void nearest_in_islands(LonLat p, std::size_t k, std::optional<double> max_m, const HiddenPoles* hidden,
                          std::vector<std::pair<std::uint32_t, double>>& out) const;
  std::optional<std::uint32_t> slot_of_one(std::uint32_t pole, LonLat position) const;
  void within_one(const BBox& box, std::vector<std::uint32_t>& out) const;
  // The islands (see the top), when the poles were cut: this index then holds
  // none itself. An island's slots follow those of the islands before it.
  struct Island {
    std::unique_ptr<PoleIndex> index;
    BBox box;             // its poles' lon/lat box
    double lo[3], hi[3];  // its poles' ECEF box (metres, not in any island's frame)
  };
  std::vector<Island> islands_;
  std::uint32_t slot_offset_ = 0;  // an island's first slot among all
  std::size_t slot_count_ = 0;
  double min_lon_ = 0, min_lat_ = 0, cell_deg_lon_ = 1, cell_deg_lat_ = 1;
  std::uint32_t nx_ = 0, ny_ = 0;
  std::vector<std::uint32_t> cell_start_;   // nx*ny+1 offsets into order_
  std::vector<std::uint32_t> order_;        // pole indexes sorted by cell (a cell of kRunMin or
                                            // more by Z-order in the cell, lon, lat, then pole index)
  std::vector<LonLat> sorted_pos_;          // positions in order_ order
  std::vector<std::uint64_t> occupied_;     // a bit per cell (row by row): whether it holds a pole
  // Whether a cell within r cells (a square) of cell (cx, cy) holds a pole.
  bool any_occupied(std::int64_t cx, std::int64_t cy, std::int64_t r) const;
  // Each slot's point in the index's frame (ECEF moved and turned) as
  // floats: the rings bound a pole beyond kExactBeyondM by its chord from
  // this, within frame_pos_margin_m_, before they compute its ECEF point
  // and an arcsine (villages seen from the fields around them).
  struct FramePoint {
    float x, y, z;
  };
  std::vector<FramePoint> frame_pos_;
  double frame_pos_margin_m_ = 0;
  // Runs of kRunMin or more slots at one position, ascending (see the top).
  static constexpr std::uint32_t kRunMin = 8;
  struct Run {
    std::uint32_t first, end;
  };
  std::vector<Run> runs_;
  // A cell of kChunkCellMin slots or more is cut into chunks (see the top),
  // ascending; a run is a chunk of its own. Boxes in ECEF metres, in the index's frame (doubles).
  static constexpr std::uint32_t kChunkCellMin = 64;
  struct Chunk {
    std::uint32_t first, end;
    double lo[3], hi[3];
  };
  std::vector<Chunk> chunks_;
  double min_m_per_deg_lon_ = 0, min_m_per_deg_lat_ = 0;  // for ring lower bounds

  // The pyramid: level 1 merges 2x2 cells, level l+1 merges 2x2 nodes of level l;
  // the last level has one node. Boxes in ECEF metres (floats, rounded outward by
  // a margin at query time); an empty node has min > max.
  struct Box3 {
    float lo[3], hi[3];
  };
  struct Level {
    std::uint32_t nx = 0, ny = 0;
    std::vector<Box3> boxes;
  };
  std::vector<Level> levels_;  // levels_[0] is level 1
  // The wide tree for searches within 200 km of the data: a node of wide_[0]
  // has 4x4 level-1 nodes (leaves) below it, a node of wide_[w] 4x4 nodes of
  // wide_[w - 1]; the last level has one node. Each node keeps its children's
  // boxes coordinate by coordinate (an absent or empty child has lo > hi).
  struct alignas(64) WideGroup {
    float lo[3][16], hi[3][16];
  };
  // Above the first level, each node also keeps its children's intervals
  // along the frame's two diagonals of east and north ((e + n) / sqrt 2 and
  // (e - n) / sqrt 2): the box of a node whose poles run along a diagonal
  // (a curved shore, a road) is mostly empty, and the diagonals bound its
  // chord from the query where the box does not.
  struct alignas(64) DiagGroup {
    float lo[2][16], hi[2][16];
  };
  struct WideLevel {
    std::uint32_t nx = 0, ny = 0;
    std::vector<WideGroup> groups;
    std::vector<DiagGroup> diag;  // by group; empty for wide_[0] (the leaves' parents)
  };
  std::vector<WideLevel> wide_;
  // Where each leaf's poles are in sorted_pos_: a leaf is two rows of two
  // cells, each row a run of slots. Kept by wide_[0] group, 16 leaves a group
  // (256 bytes, four cache lines fetched with the group's boxes), so that a
  // leaf's poles are one memory access from its parent's boxes, not two
  // (cell_start_ first): a search outside the data visits a leaf or two.
  struct LeafRows {
    std::uint32_t begin[2], end[2];  // rows 2y and 2y + 1 (an absent row is empty)
  };
  struct alignas(64) LeafRowsGroup {
    LeafRows leaf[16];  // by child j of the wide_[0] group
  };
  std::vector<LeafRowsGroup> leaf_rows_;
  double min_lon_all_ = 0, max_lon_all_ = 0, min_lat_all_ = 0, max_lat_all_ = 0;  // the poles' box

  // Of each level-1 row's centre: sin, cos and what its patches share (PatchEcef::row_values);
  // of each level-1 column's centre: sin, cos.
  std::vector<double> leaf_row_values_, leaf_col_sc_;
  double box_margin_m_ = 0;  // the boxes' float rounding, as a distance (metres)
  double frame_[12] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};  // rotation rows, then the centre (ECEF)
  void ecef(LonLat p, double out[3]) const;
  void build_pyramid();
  // A leaf's poles along the diagonals of DiagGroup: lo, hi along (e + n), lo, hi along (e - n), over sqrt 2.
  using DiagInterval = std::array<double, 4>;
  void build_wide_tree(std::vector<DiagInterval> leaf_diag);
  void to_frame(const double ecef_xyz[3], double out[3]) const;
  void nearest_best_first(LonLat p, const geo::DegreeScale& s, const double sc_lat[2], std::size_t k, double limit2,
                          const HiddenPoles* hidden,
                          std::vector<std::pair<double, std::uint32_t>>& best, bool near_first = true) const;
  bool is_hidden(const HiddenPoles* hidden, std::uint32_t slot) const {
    return hidden && hidden->contains(slot_offset_ + slot);
  }
  void sort_crowded_cells();
  // The Z-order (Morton) key of position p in cell c: 21 bits a coordinate, relative to the cell.
  std::uint64_t cell_z_key(std::uint32_t c, LonLat p) const;
  void cut_into_chunks(std::uint32_t begin, std::uint32_t end);
  // visit(slot) for the slots [begin, end) (whole cells) a search for the k
  // nearest must see: every one, except that of a run only the first k that
  // `hidden` does not hide, and that the chunks of a crowded cell are visited
  // in the order of chunk_key(chunk) (a lower bound, in the units of
  // bound()), up to the first whose key exceeds bound() (asked before each).
  template <typename Visit, typename ChunkKey, typename Bound>
  void for_slots(std::uint32_t begin, std::uint32_t end, std::size_t k, const HiddenPoles* hidden, Visit&& visit,
                 ChunkKey&& chunk_key, Bound&& bound) const {
    // As a rule: no run or chunk anywhere, or too few slots to hold one.
    if ((runs_.empty() && chunks_.empty()) || end - begin < kRunMin) {
      for (std::uint32_t i = begin; i < end; ++i) visit(i);
      return;
    }
    for_crowded_slots(begin, end, k, hidden, visit, chunk_key, bound);
  }
  template <typename Visit, typename ChunkKey, typename Bound>
  void for_crowded_slots(std::uint32_t begin, std::uint32_t end, std::size_t k, const HiddenPoles* hidden,
                         Visit& visit, ChunkKey& chunk_key, Bound& bound) const;
  template <typename Visit>
  void for_slots_in_runs(std::uint32_t begin, std::uint32_t end, std::size_t k, const HiddenPoles* hidden,
                         Visit& visit) const;
};

// A lower bound of the WGS84 geodesic between two points `chord` metres apart (ECEF).
double arc_lower_bound_m(double chord);
// An upper bound of the same geodesic (infinity for chords over 3,000 km).
double geodesic_upper_bound_m(double chord);

// The WGS84 geodesic between two surface points given in ECEF metres, from
// their chord, within 1e-4 m while the chord is at most kChordGeodesicMaxM
// (2e-6 m at 150 km); a few tens of nanoseconds against Karney's ~0.7 us.
inline constexpr double kChordGeodesicMaxM = 300'000;
double chord_geodesic_m(const double a[3], const double b[3]);

}  // namespace poleloc::index
