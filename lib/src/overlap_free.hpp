// overlap_free.hpp: which grids of a GridSet overlap no other grid of it,
// found once per set in the background, so that a grid write that keeps its
// outline need not look at its neighbours again.
//
//   auto free = find_overlap_free(*base->grid_set, &stop, carry);   // the merge thread
//   base->grid_set->overlap_free.store(...);                       // once found
//   if (known_overlap_free(*snap, grid, &edits)) ...   // Service::apply, under the write lock
//
// Why it matters: the usual grid edit is a new manager, name or attribute on
// the stored outline. Its overlap check (the neighbours found in the grid
// indexes, their outlines decoded, each pair proven disjoint) was 60-75 µs of
// a write's 0.8-0.9 ms at 10 writes/s on the 2M-pole city, most of what is
// not the disk's sync, and 15-35 ms with grids of 50,000 vertices.
//
// A GridSet is immutable and shared by every base built from it (a merge of
// pole edits only keeps it), so what is found holds for as long as the set
// lives. A merge of grid edits builds a new set: what was known of the old
// one is carried over for every grid far from the writes (800 grids of
// 50,000 vertices: 5.5 s to search them all, on one core; 0.1 s after a
// merge), before the merge publishes the new base. A grid then overlaps
// nothing now when its set says so and every grid written since the base
// (the overlay's) near it was found overlapping nothing by its write: only
// those could have changed what it touches, and the later write of any two
// checked it against the other as it stands.
//
// Thread-safety: find_overlap_free reads an immutable set; GridSet::overlap_free
// is an atomic pointer, stored once.
#pragma once

#include "geo/interiors_disjoint.hpp"
#include "geo/polygon_check.hpp"

#include <poleloc/snapshot.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace poleloc {

struct GridSet;

// The area two valid outlines share, in m², when they overlap: when it is
// 0.01 m² or more (touching along an edge is no overlap; put_grid's and
// import's rule). nullopt otherwise. Neighbours that share edges vertex for
// vertex are proven apart in microseconds; GEOS measures the rest.
// With `near`: measured there only (geo::overlap_area_m2 with a box: `a`
// redrawn there, known to overlap nothing before, `b` as it was).
inline std::optional<double> outlines_overlap_m2(const MultiPolygon& a, const MultiPolygon& b,
                                                 const std::optional<BBox>& near = std::nullopt) {
  if (geo::interiors_surely_disjoint(a, b)) return std::nullopt;
  const double m2 = near ? geo::overlap_area_m2(a, b, *near) : geo::overlap_area_m2(a, b);
  if (m2 < 0.01) return std::nullopt;
  return m2;
}

// What a merge hands on from the set it replaces, so that the new set's
// search looks again only at the grids near a write: the old set's grids
// (by id, as sorted there) with what was known of each, and the boxes of
// every grid written since that base, old and new outlines.
struct OverlapFreeCarry {
  std::vector<std::pair<std::string, std::uint8_t>> known;  // sorted by id
  std::vector<BBox> written;
};

// What a merge of `snap` (a base with its overlay) will carry over, or
// nullopt when nothing is known of its base's set yet.
std::optional<OverlapFreeCarry> overlap_free_carry(const Snapshot& snap);

// One byte per grid of `set`: 1 when it overlaps no other grid of the set.
// With `carry`, a grid of the old set whose box meets no written box keeps
// what was known of it (its neighbours and itself are as they were); the
// others are searched. nullopt when `stop` became true meanwhile (checked
// between grids).
std::optional<std::vector<std::uint8_t>> find_overlap_free(const GridSet& set, const std::atomic<bool>* stop = nullptr,
                                                           const OverlapFreeCarry* carry = nullptr);

// Where a grid's new outline `after` may cover ground its outline `before`
// did not: a box holding every edge that is not in both (as segments, in
// any order, ring or orientation), or nullopt when every edge is (the same
// ground). A point outside that box is inside `after` exactly when it is
// inside `before`: a ray from it that never meets the box crosses the same
// edges of both. So when `before` overlapped no other grid, `after` can
// overlap only a grid whose box meets this one (or another grid of the same
// write): a boundary moved at one corner is checked against the two or
// three grids at that corner, not against every neighbour of the grids it
// moves. When the rings line up and differ in short stretches only (a
// vertex moved, added or removed: geo::ring_stretches), the box of those
// stretches and the vertices beside them, in one pass over the vertices
// (about 0.1 ms at 50,000); otherwise exactly the box of the edges found in
// one outline only, by sorting the edges of both (about 11 ms at 50,000).
std::optional<BBox> changed_edges_box(const MultiPolygon& before, const MultiPolygon& after);

// True when the grid `id`, its outline `geometry` (as it stands), overlaps
// no grid of `snap`: known from its base's GridSet::overlap_free,
// with its outline the base's, or from its own latest write since the base
// (in `edits`), which found that outline overlapping nothing; and every other
// grid of the overlay near it written overlapping nothing (its latest edit in
// `edits`, the edits `snap`'s overlay holds; without them any such grid makes
// it unknown). A write checks its grid against every grid as it stands, so a
// grid is overlap-free after it until a later write near it says otherwise:
// a grid moved again before the next merge is known free as well as one moved
// once. False means "not known" (check the neighbours).
class OverlayEdits;
bool known_overlap_free(const Snapshot& snap, const std::string& id, const MultiPolygon& geometry,
                        const OverlayEdits* edits = nullptr);
inline bool known_overlap_free(const Snapshot& snap, const GridRecord& grid, const OverlayEdits* edits = nullptr) {
  return known_overlap_free(snap, grid.id, grid.geometry, edits);
}

}  // namespace poleloc
