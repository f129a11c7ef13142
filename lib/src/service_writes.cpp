// service_writes.cpp: single writes and batches (Service::put_*, delete_*,
// apply). Every write is checked item by item first, then stored as one
// synced store::Change, then published (Impl::commit).
#include "service_impl.hpp"

#include "geo/polygon_check.hpp"
#include "geo/predicates.hpp"
#include "overlap_free.hpp"
#include "record_checks.hpp"
#include "store/record_encoding.hpp"

#include <poleloc/number.hpp>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <unordered_set>

namespace poleloc {
namespace {

// One bad item of a batch: which list, which position, which record, why.
struct ItemError {
  ErrorCode code = ErrorCode::invalid_input;
  std::string text;  // "put_poles[3] (TJH0372): position: ..."
};

std::string item_label(const char* list, std::size_t i, std::string_view id) {
  std::string s = std::string(list) + "[" + std::to_string(i) + "]";
  if (!id.empty()) s.append(" (").append(id.substr(0, 64)).append(")");
  return s;
}

// Calls visit(grid) for every live grid of `snap` whose box may meet `box`
// (the base's, then the overlay's delta and recent layer).
template <typename Visit>
void for_each_grid_meeting(const Snapshot& snap, BBox box, Visit&& visit) {
  box = index::GridIndex::with_snap_margin(box);  // a neighbour whose box only just meets this one
  const SnapshotData& base = snap.data();
  for (std::uint32_t g : base.grid_areas.candidates(box)) {
    if (snap.grid_index_is_live(g)) visit(GridView(&base, g));
  }
  if (const OverlayData* overlay = snap.overlay()) {
    for (std::uint32_t g : overlay->delta->grid_areas.candidates(box)) {
      if (!overlay->delta_grid_hidden(g)) visit(GridView(overlay->delta, g));
    }
    if (const SnapshotData* recent = overlay->recent.get()) {
      for (std::uint32_t g : recent->grid_areas.candidates(box)) visit(GridView(recent, g));
    }
  }
}

// For each grid i with kept_free[i] (its outline kept, known to overlap
// nothing), whether its box meets that of a grid of `boxes` without (a new
// outline may overlap it; two grids that keep theirs were apart before and
// stay so): a sweep over the boxes sorted by west edge, not a test of every
// pair (a batch may hold thousands of grids).
std::vector<bool> near_a_changed_grid(const std::vector<BBox>& boxes, const std::vector<bool>& kept_free) {
  std::vector<std::size_t> order(boxes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return boxes[a].min_lon < boxes[b].min_lon; });
  std::vector<bool> near(boxes.size(), false);
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t a = order[k];
    for (std::size_t m = k + 1; m < order.size() && boxes[order[m]].min_lon <= boxes[a].max_lon; ++m) {
      const std::size_t b = order[m];
      if (kept_free[a] == kept_free[b] || !geo::boxes_meet(boxes[a], boxes[b])) continue;
      near[kept_free[a] ? a : b] = true;
    }
  }
  return near;
}

// A grid as the overlap check sees it.
struct GridShape {
  std::string_view id;
  const MultiPolygon* geometry;
  BBox box;
  bool new_outline = false;  // a grid of the batch, given an outline it does not have now
};

// How much of a put grid's neighbourhood its overlap check must look at.
struct CheckScope {
  // Its outline now is known to overlap nothing: only grids of the batch
  // with new outlines, and grids whose box meets `changed` (where the new
  // outline covers other ground than the old one; overlap_free.hpp,
  // changed_edges_box) can overlap it after the write.
  bool incremental = false;
  std::optional<BBox> changed;
};

// The overlaps found so far, by pair of grid ids (the lesser first): two grids
// of a batch that both get a new outline are each checked against the other,
// and a pair of outlines of 50,000 vertices takes milliseconds to prove apart.
using PairOverlaps = std::map<std::pair<std::string_view, std::string_view>, std::optional<double>>;

// "A overlaps B by 12.5 m²" for every grid of `others` that `grid` overlaps
// (outlines_overlap_m2: touching along a shared edge is not an overlap).
void find_overlaps(const GridRecord& grid, const BBox& box, const CheckScope& scope,
                   const std::vector<GridShape>& others, PairOverlaps& known, std::vector<std::string>& out) {
  for (const GridShape& other : others) {
    if (other.id == grid.id || !geo::boxes_meet(box, other.box)) continue;
    if (scope.incremental && !other.new_outline && !(scope.changed && geo::boxes_meet(*scope.changed, other.box))) {
      continue;
    }
    const std::string_view id = grid.id;
    const auto pair = id < other.id ? std::pair(id, other.id) : std::pair(other.id, id);
    auto [it, first] = known.try_emplace(pair);
    if (first) {
      // A grid redrawn near `changed`, overlapping nothing before, can overlap
      // a neighbour that keeps its outline only there.
      const bool near = scope.incremental && !other.new_outline && scope.changed;
      it->second = outlines_overlap_m2(grid.geometry, *other.geometry, near ? scope.changed : std::nullopt);
    }
    const std::optional<double> m2 = it->second;
    if (!m2) continue;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f", *m2);
    out.push_back("grid '" + grid.id + "' overlaps grid '" + std::string(other.id) + "' by " + buf + " m²");
  }
}

}  // namespace

Result<ApplyReport> Service::apply(ChangeSet changes, const WriteOptions& options) {
  if (read_only()) return Status(ErrorCode::read_only, impl_->path + " is open read-only");
  if (changes.empty()) return Status(ErrorCode::bad_request, "the batch holds no change");
  std::vector<ItemError> errors;
  auto bad = [&](const char* list, std::size_t i, std::string_view id, std::string why,
                 ErrorCode code = ErrorCode::invalid_input) {
    errors.push_back({code, item_label(list, i, id) + ": " + why});
  };

  // Checks that need no snapshot: record contents, canonical numbers, duplicates.
  std::unordered_set<std::string> pole_ids, grid_ids;
  for (std::size_t i = 0; i < changes.put_poles.size(); ++i) {
    PoleRecord& p = changes.put_poles[i];
    const std::string given = p.number;
    if (auto why = check_pole(p)) {
      bad("put_poles", i, given, *why);
    } else if (!pole_ids.insert(p.number).second) {
      bad("put_poles", i, p.number, "number: " + p.number + " appears twice in the batch");
    }
  }
  for (std::size_t i = 0; i < changes.delete_poles.size(); ++i) {
    auto canonical = canonical_number(changes.delete_poles[i]);
    if (!canonical) {
      bad("delete_poles", i, changes.delete_poles[i], "no pole with number '" + changes.delete_poles[i] + "'",
          ErrorCode::not_found);
    } else if (!pole_ids.insert(*canonical).second) {
      bad("delete_poles", i, *canonical, "number: " + *canonical + " appears twice in the batch");
    } else {
      changes.delete_poles[i] = std::move(*canonical);
    }
  }
  // Large outlines enter the overlay indexed on their own (overlay.hpp,
  // enters_as_part): indexed here on another core while this thread checks
  // them, instead of on the side thread after the checks (3.5 ms at 50,000
  // vertices). The future's destructor waits for it however apply() ends.
  std::vector<const MultiPolygon*> large;  // not beyond the limit check_grid() refuses (indexing it would not end soon)
  for (const GridRecord& g : changes.put_grids) {
    const bool part = enters_as_part(g.geometry) && vertex_count(g.geometry) <= kDefaultMaxGridVertices;
    large.push_back(part ? &g.geometry : nullptr);
  }
  std::future<std::vector<index::GridIndex::Part>> parts;
  if (std::any_of(large.begin(), large.end(), [](const MultiPolygon* g) { return g != nullptr; })) {
    parts = std::async(std::launch::async, [large] {  // the records stay where they are until commit()
      std::vector<index::GridIndex::Part> out(large.size());
      for (std::size_t i = 0; i < large.size(); ++i) {
        if (large[i]) out[i] = index::GridIndex::part_of(*large[i]);
      }
      return out;
    });
  }
  // A grid put with its stored outline (a new manager, a new name: the usual
  // grid edit) is not validated by GEOS again. Any published snapshot will
  // do: every geometry it holds passed the same check when it was stored.
  const std::shared_ptr<const Snapshot> published = snapshot();
  std::vector<bool> same_outline(changes.put_grids.size(), false);  // as in `published`
  // A large outline redrawn (a boundary moved): its stored outline, rebuilt
  // here once (0.4 ms at 50,000 vertices), validates the new one where it
  // changed and, unless a write came in between, finds the changed edges below.
  std::vector<std::optional<MultiPolygon>> before(changes.put_grids.size());
  for (std::size_t i = 0; i < changes.put_grids.size(); ++i) {
    const GridRecord& g = changes.put_grids[i];
    const auto stored = published->grid(g.id);
    same_outline[i] = stored && stored->geometry_is(g.geometry);
    if (stored && !same_outline[i] && large[i]) before[i] = stored->geometry();
    if (auto why = check_grid(g, kDefaultMaxGridVertices, kDefaultMaxAttributeBytes, same_outline[i],
                              before[i] ? &*before[i] : nullptr)) {
      bad("put_grids", i, g.id, *why);
    } else if (!grid_ids.insert(g.id).second) {
      bad("put_grids", i, g.id, "id: grid '" + g.id + "' appears twice in the batch");
    }
  }
  for (std::size_t i = 0; i < changes.delete_grids.size(); ++i) {
    const std::string& id = changes.delete_grids[i];
    if (!grid_ids.insert(id).second) bad("delete_grids", i, id, "id: grid '" + id + "' appears twice in the batch");
  }

  std::lock_guard lock(impl_->write_mutex);
  if (auto st = impl_->ready_for_writes(); !st) return st;
  auto snap = snapshot();
  // Checks against the current data: deletions of what exists, overlaps.
  for (std::size_t i = 0; i < changes.delete_poles.size(); ++i) {
    const std::string& n = changes.delete_poles[i];
    if (is_canonical_number(n) && !snap->locate(n)) {
      bad("delete_poles", i, n, "no pole with number '" + n + "'", ErrorCode::not_found);
    }
  }
  for (std::size_t i = 0; i < changes.delete_grids.size(); ++i) {
    const std::string& id = changes.delete_grids[i];
    if (!snap->grid(id)) bad("delete_grids", i, id, "no grid with id '" + id + "'", ErrorCode::not_found);
  }
  ApplyReport report;
  std::vector<bool> overlap_none(changes.put_grids.size(), false);
  // A grid keeping the outline it has now, known to overlap nothing
  // (overlap_free.hpp), with no grid of the batch near it that gets a new
  // outline, overlaps nothing after the write either: its neighbours need
  // no look.
  if (snap != published) {  // a write came in between: compare with what is stored now
    for (std::size_t i = 0; i < changes.put_grids.size(); ++i) {
      const auto stored = snap->grid(changes.put_grids[i].id);
      same_outline[i] = stored && stored->geometry_is(changes.put_grids[i].geometry);
    }
  }
  std::vector<BBox> put_boxes;  // each put grid's box, computed once
  std::vector<bool> kept_free(changes.put_grids.size(), false);
  for (std::size_t i = 0; i < changes.put_grids.size(); ++i) {
    put_boxes.push_back(geo::bounding_box(changes.put_grids[i].geometry));
    kept_free[i] = same_outline[i] && known_overlap_free(*snap, changes.put_grids[i], &impl_->edits);
  }
  const std::vector<bool> batch_near = near_a_changed_grid(put_boxes, kept_free);
  std::size_t to_check = 0;
  for (std::size_t i = 0; i < changes.put_grids.size(); ++i) {
    overlap_none[i] = kept_free[i] && !batch_near[i];
    if (!overlap_none[i]) ++to_check;
  }
  if (to_check != 0) {
    // What each grid to check must look at: a grid keeping its outline, known
    // to overlap nothing, only at the batch's new outlines near it; a grid
    // given a new outline, if its outline now is known to overlap nothing,
    // only at those and at the grids near its changed edges (a boundary
    // moved at one corner: the grids at that corner); any other at every
    // grid near it.
    std::vector<CheckScope> scope(changes.put_grids.size());
    for (std::size_t i = 0; i < changes.put_grids.size(); ++i) {
      if (overlap_none[i]) continue;
      if (kept_free[i]) {
        scope[i].incremental = true;
      } else if (!same_outline[i]) {
        if (const auto now = snap->grid(changes.put_grids[i].id)) {
          const MultiPolygon current = snap == published && before[i] ? std::move(*before[i]) : now->geometry();
          if (known_overlap_free(*snap, changes.put_grids[i].id, current, &impl_->edits)) {
            scope[i].incremental = true;
            scope[i].changed = changed_edges_box(current, changes.put_grids[i].geometry);
          }
        }
      }
    }
    // The grids as they will stand near the batch's: current ones whose box
    // meets what a check looks at (found in the grid indexes, not by a walk
    // over every grid), not replaced or deleted, and the batch's.
    std::vector<GridShape> after;
    std::deque<MultiPolygon> near_outlines;  // the neighbours' outlines, rebuilt (GridView::geometry()): stable addresses
    std::unordered_set<std::uint32_t> near;
    for (std::size_t i = 0; i < changes.put_grids.size(); ++i) {
      if (overlap_none[i] || (scope[i].incremental && !scope[i].changed)) continue;
      for_each_grid_meeting(*snap, scope[i].incremental ? *scope[i].changed : put_boxes[i], [&](GridView g) {
        if (near.insert(g.index()).second && !grid_ids.count(std::string(g.id()))) {
          after.push_back({g.id(), &near_outlines.emplace_back(g.geometry()), g.bbox()});
        }
      });
    }
    for (std::size_t i = 0; i < changes.put_grids.size(); ++i) {
      after.push_back({changes.put_grids[i].id, &changes.put_grids[i].geometry, put_boxes[i], !same_outline[i]});
    }
    PairOverlaps known;
    for (std::size_t i = 0; i < changes.put_grids.size(); ++i) {
      if (overlap_none[i]) continue;
      const GridRecord& g = changes.put_grids[i];
      std::vector<std::string> found;
      find_overlaps(g, put_boxes[i], scope[i], after, known, found);
      overlap_none[i] = found.empty();
      if (!found.empty() && !options.allow_overlap) {
        std::string why = "geometry: ";
        for (std::size_t k = 0; k < found.size(); ++k) why += (k ? "; " : "") + found[k];
        bad("put_grids", i, g.id, why + " (allow_overlap accepts it)");
      }
      report.overlaps.insert(report.overlaps.end(), found.begin(), found.end());
    }
  }
  if (!errors.empty()) {
    if (errors.size() == 1 && changes.put_poles.size() + changes.delete_poles.size() + changes.put_grids.size() +
                                      changes.delete_grids.size() == 1) {
      // A single write: its own error, without the batch's item label.
      const std::string& t = errors[0].text;
      return Status(errors[0].code, t.substr(t.find(": ") + 2));
    }
    std::string msg = std::to_string(errors.size()) + (errors.size() == 1 ? " bad item" : " bad items") +
                      " in the batch; nothing was stored";
    for (const ItemError& e : errors) msg += "\n  " + e.text;
    return Status(ErrorCode::invalid_input, msg);
  }

  store::Change change;
  // The snapshot is what is stored (every write publishes under this lock):
  // a record that differs from it differs from the newest stored version, and
  // the store need not read that version back. The deletions were checked above.
  change.differ_from_stored =
      std::none_of(changes.put_poles.begin(), changes.put_poles.end(),
                   [&](const PoleRecord& p) {
                     auto now = snap->locate(p.number);
                     return now && store::encode_pole(now->record()) == store::encode_pole(p);
                   }) &&
      std::none_of(changes.put_grids.begin(), changes.put_grids.end(), [&](const GridRecord& g) {
        // Known without encoding a record: the usual edit (a new manager)
        // differs in its attributes, a moved boundary in its outline (stored
        // outlines decode bit for bit, so unequal outlines encode unequally;
        // equal ones that differ only in the sign of a zero are left for the
        // store to compare).
        auto now = snap->grid(g.id);
        if (!now || now->name() != g.name || now->attributes() != g.attributes) return false;
        return static_cast<bool>(same_outline[static_cast<std::size_t>(&g - changes.put_grids.data())]);
      });
  change.put_poles = std::move(changes.put_poles);
  change.delete_poles = std::move(changes.delete_poles);
  change.put_grids = std::move(changes.put_grids);
  change.put_grids_overlap_none = std::move(overlap_none);
  change.delete_grids = std::move(changes.delete_grids);
  change.author = options.author;
  snap.reset();
  std::vector<index::GridIndex::Part> built_parts;
  try {
    if (parts.valid()) built_parts = parts.get();
  } catch (const std::bad_alloc&) {  // the layers index them then, as for a grid the write did not
    built_parts.clear();
  }
  auto seq = impl_->commit(change, &report.written, built_parts.empty() ? nullptr : &built_parts);
  if (!seq) return seq.status();
  report.sequence = *seq;
  return report;
}

Status Service::put_pole(PoleRecord pole, const WriteOptions& options) {
  ChangeSet c;
  c.put_poles.push_back(std::move(pole));
  return apply(std::move(c), options).status();
}

Status Service::delete_pole(std::string_view number, const WriteOptions& options) {
  ChangeSet c;
  c.delete_poles.emplace_back(number);
  return apply(std::move(c), options).status();
}

Status Service::put_grid(GridRecord grid, const WriteOptions& options) {
  ChangeSet c;
  c.put_grids.push_back(std::move(grid));
  return apply(std::move(c), options).status();
}

Status Service::delete_grid(std::string_view id, const WriteOptions& options) {
  ChangeSet c;
  c.delete_grids.emplace_back(id);
  return apply(std::move(c), options).status();
}

}  // namespace poleloc
