// overlap_free.cpp: which grids overlap no other grid (overlap_free.hpp).
#include "overlap_free.hpp"

#include "geo/predicates.hpp"
#include "geo/ring_stretch.hpp"
#include "overlay.hpp"
#include "snapshot_data.hpp"

#include <algorithm>
#include <array>

namespace poleloc {

std::optional<OverlapFreeCarry> overlap_free_carry(const Snapshot& snap) {
  const SnapshotData& base = snap.data();
  const std::shared_ptr<const std::vector<std::uint8_t>> free = base.grid_set->overlap_free.load();
  if (!free || free->size() != base.grids.size()) return std::nullopt;
  OverlapFreeCarry carry;
  carry.known.reserve(base.grids.size());
  for (std::size_t g = 0; g < base.grids.size(); ++g) carry.known.emplace_back(base.grids[g].id, (*free)[g]);
  if (const OverlayData* overlay = snap.overlay()) {
    auto add_layer = [&](const SnapshotData& layer) {
      for (std::size_t g = 0; g < layer.grids.size(); ++g) {
        carry.written.push_back(layer.grid_bboxes[g]);
        if (auto in_base = base.grid_by_id.find(layer.grids[g].id); in_base != base.grid_by_id.end()) {
          carry.written.push_back(base.grid_bboxes[in_base->second]);
        }
      }
    };
    add_layer(*overlay->delta);
    if (overlay->recent) add_layer(*overlay->recent);
    for (std::uint32_t g = 0; g < base.grids.size(); ++g) {
      if (overlay->grid_hidden(g)) carry.written.push_back(base.grid_bboxes[g]);  // deleted or replaced
    }
  }
  return carry;
}

std::optional<std::vector<std::uint8_t>> find_overlap_free(const GridSet& set, const std::atomic<bool>* stop,
                                                           const OverlapFreeCarry* carry) {
  const std::size_t n = set.grids.size();
  std::vector<std::uint8_t> free(n, 1);
  // Which grids to search: all, or those near a write (the rest keep what was known).
  std::vector<std::uint8_t> search(n, carry ? 0 : 1);
  if (carry) {
    for (const BBox& box : carry->written) {
      for (std::uint32_t g : set.areas.candidates(index::GridIndex::with_snap_margin(box))) {
        if (g < n && geo::boxes_meet(box, set.bboxes[g])) search[g] = 1;
      }
    }
    std::size_t k = 0;  // both sorted by id
    for (std::size_t g = 0; g < n; ++g) {
      if (search[g]) continue;
      while (k < carry->known.size() && carry->known[k].first < set.grids[g].id) ++k;
      if (k < carry->known.size() && carry->known[k].first == set.grids[g].id) {
        free[g] = carry->known[k].second;
      } else {
        search[g] = 1;  // new in this set
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (stop && (i & 63) == 0 && stop->load(std::memory_order_relaxed)) return std::nullopt;
    if (!search[i]) continue;
    std::optional<MultiPolygon> outline;  // decoded once a neighbour needs it
    for (std::uint32_t j : set.areas.candidates(index::GridIndex::with_snap_margin(set.bboxes[i]))) {
      // A pair of searched grids once (from the first of them); a pair
      // already known to overlap on both sides needs no test.
      if (j == i || j >= n || (search[j] && j < i) || !geo::boxes_meet(set.bboxes[i], set.bboxes[j]) ||
          (!free[i] && !free[j])) {
        continue;
      }
      if (!outline) outline = set.geometry(static_cast<std::uint32_t>(i));
      if (outlines_overlap_m2(*outline, set.geometry(j))) free[i] = free[j] = 0;
    }
  }
  return free;
}

namespace {

// An edge as a segment: its lesser end (by lon, then lat) first.
using Segment = std::array<double, 4>;

void segments_of(const MultiPolygon& outline, std::vector<Segment>& out) {
  out.clear();
  for (const Polygon& polygon : outline) {
    for (const Ring& ring : polygon.rings) {
      for (std::size_t k = 0; k < ring.size(); ++k) {
        const LonLat a = ring[k], b = ring[(k + 1) % ring.size()];  // a closed ring's last edge has no length
        if (a == b) continue;
        const bool a_first = a.lon < b.lon || (a.lon == b.lon && a.lat < b.lat);
        out.push_back(a_first ? Segment{a.lon, a.lat, b.lon, b.lat} : Segment{b.lon, b.lat, a.lon, a.lat});
      }
    }
  }
  std::sort(out.begin(), out.end());
}

}  // namespace

std::optional<BBox> changed_edges_box(const MultiPolygon& before, const MultiPolygon& after) {
  if (auto stretches = geo::ring_stretches(before, after)) {
    std::optional<BBox> box;
    for (const geo::RingStretch& s : *stretches) box = box ? geo::united(*box, s.box) : s.box;
    return box;
  }
  std::vector<Segment> a, b;
  segments_of(before, a);
  segments_of(after, b);
  std::optional<BBox> box;
  auto add = [&](const Segment& s) {
    const BBox e = geo::segment_box({s[0], s[1]}, {s[2], s[3]});
    box = box ? geo::united(*box, e) : e;
  };
  std::size_t i = 0, j = 0;  // both sorted: a walk finds the edges in one only (as multisets)
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i] < b[j])) {
      add(a[i++]);
    } else if (i == a.size() || b[j] < a[i]) {
      add(b[j++]);
    } else {
      ++i, ++j;
    }
  }
  return box;
}

bool known_overlap_free(const Snapshot& snap, const std::string& id, const MultiPolygon& geometry,
                        const OverlayEdits* edits) {
  const SnapshotData& base = snap.data();
  const OverlayData* overlay = snap.overlay();
  // Written since the base with this outline, found overlapping nothing then
  // (checked against every grid as it stood: the base's grids not written
  // since stand so still).
  const OverlayEdits::Edit<GridRecord>* written = nullptr;
  if (overlay && edits) {
    const auto edit = edits->grids().find(id);
    if (edit != edits->grids().end() && edit->second.record && edit->second.overlaps_none &&
        edit->second.record->geometry == geometry && snap.grid(id)) {
      written = &edit->second;
    }
  }
  const auto in_base = base.grid_by_id.find(id);
  std::optional<BBox> written_box;
  if (written) {
    written_box = geo::bounding_box(geometry);
  } else {
    const std::shared_ptr<const std::vector<std::uint8_t>> free = base.grid_set->overlap_free.load();
    if (!free) return false;
    if (in_base == base.grid_by_id.end() || in_base->second >= free->size() || !(*free)[in_base->second]) {
      return false;
    }
    if (!overlay) return true;  // the grid stands as in the base, whose set says it overlaps nothing
    // Written since the base: known only if it kept the base's outline.
    const auto current = snap.grid(id);
    if (!current) return false;
    if (*current != GridView(&base, in_base->second) && !base.grid_set->geometry_is(in_base->second, geometry)) {
      return false;
    }
  }
  // Another grid written since the base near it may overlap it, unless its
  // write found it overlapping nothing (that check saw this grid's outline
  // as it stands, or this grid's own later write checked it against that one).
  const BBox& box = written_box ? *written_box : base.grid_bboxes[in_base->second];
  auto near_other = [&](const SnapshotData& layer) {
    for (std::uint32_t g : layer.grid_areas.candidates(index::GridIndex::with_snap_margin(box))) {
      const std::string& other = layer.grids[g].id;
      if (other == id) continue;
      if (!edits) return true;
      const auto edit = edits->grids().find(other);
      if (edit == edits->grids().end()) return true;
      if (edit->second.record && !edit->second.overlaps_none) return true;  // deleted since: harmless
    }
    return false;
  };
  return !near_other(*overlay->delta) && !(overlay->recent && near_other(*overlay->recent));
}

}  // namespace poleloc
