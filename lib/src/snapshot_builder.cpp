#include "snapshot_builder.hpp"

#include "geo/polygon_check.hpp"

#include "huge_pages.hpp"
#include "varint.hpp"

#include <algorithm>
#include <chrono>
#include <malloc.h>
#include <numeric>
#include <stdexcept>
#include <thread>

namespace poleloc {
namespace {

std::uint64_t get_varint(const char*& p) {
  std::uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<unsigned char>(*p++);
    v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return v;
  }
}

// Each attribute in the blob starts with varint (key id << kTypeBits | AttributeType).
constexpr int kTypeBits = 3;
AttributeType type_of(std::uint64_t key) { return static_cast<AttributeType>(key & ((1u << kTypeBits) - 1)); }

// Data without records: the pole columns' offsets start at 0.
std::unique_ptr<SnapshotData> empty_data(std::shared_ptr<GridSet> grids) {
  auto data = std::make_unique<SnapshotData>(std::move(grids));
  data->number_offsets.push_back(0);
  data->attribute_offsets.push_back(0);
  return data;
}

}  // namespace

SnapshotBuilder::SnapshotBuilder() : data_(empty_data(std::make_shared<GridSet>())) {}

void SnapshotBuilder::reserve_poles(std::size_t n) {
  // Generous on the byte arenas: reserved pages that are never written cost address
  // space, not memory, while growing a 100 MB arena copies it.
  SnapshotData& d = *data_;
  reserve_huge(d.number_chars, n * 12);
  reserve_huge(d.number_offsets, n + 1);
  reserve_huge(d.positions, n);
  reserve_huge(d.attribute_offsets, n + 1);
  reserve_huge(d.attribute_blob, n * 64);
}

std::uint32_t SnapshotBuilder::key_id(std::string_view key) {
  auto it = std::find_if(key_ids_.begin(), key_ids_.end(), [&](const auto& e) { return e.first == key; });
  if (it != key_ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(data_->attribute_keys.size());
  key_ids_.emplace_back(std::string(key), id);
  data_->attribute_keys.emplace_back(key);
  return id;
}

void SnapshotBuilder::add_pole(std::string_view number, LonLat position, const store::AttributeViews& attributes) {
  SnapshotData& d = *data_;
  d.number_chars.insert(d.number_chars.end(), number.begin(), number.end());
  d.number_offsets.push_back(static_cast<std::uint32_t>(d.number_chars.size()));
  d.positions.push_back(position);
  append_varint(d.attribute_blob, attributes.size());
  for (const AttributeView& a : attributes) {
    const std::string_view v = a.second;
    append_varint(d.attribute_blob, (std::uint64_t{key_id(a.first)} << kTypeBits) | static_cast<std::uint64_t>(a.type));
    append_varint(d.attribute_blob, v.size());
    d.attribute_blob.insert(d.attribute_blob.end(), v.begin(), v.end());
  }
  d.attribute_offsets.push_back(d.attribute_blob.size());
}

const SnapshotBuilder::KeyMap& SnapshotBuilder::key_map(const SnapshotData& from) {
  for (const KeyMap& m : key_maps_) {
    if (m.from == &from) return m;
  }
  KeyMap m;
  m.from = &from;
  for (std::uint32_t k = 0; k < from.attribute_keys.size(); ++k) {
    m.ids.push_back(key_id(from.attribute_keys[k]));
    m.identity = m.identity && m.ids.back() == k;
  }
  key_maps_.push_back(std::move(m));
  return key_maps_.back();
}

void SnapshotBuilder::attribute_keys_from(const SnapshotData& from) { (void)key_map(from); }

void SnapshotBuilder::append_poles(SnapshotBuilder&& part) {
  const SnapshotData& from = *part.data_;
  const std::size_t count = from.pole_count();
  if (key_map(from).identity) {
    SnapshotData& d = *data_;
    auto append = [](auto& to, const auto& source, auto shift) {
      to.reserve(to.size() + source.size() - 1);
      for (std::size_t i = 1; i < source.size(); ++i) to.push_back(source[i] + shift);
    };
    append(d.number_offsets, from.number_offsets, static_cast<std::uint32_t>(d.number_chars.size()));
    d.number_chars.insert(d.number_chars.end(), from.number_chars.begin(), from.number_chars.end());
    append(d.attribute_offsets, from.attribute_offsets, static_cast<std::uint64_t>(d.attribute_blob.size()));
    d.attribute_blob.insert(d.attribute_blob.end(), from.attribute_blob.begin(), from.attribute_blob.end());
    d.positions.insert(d.positions.end(), from.positions.begin(), from.positions.end());
  } else {
    for (std::uint32_t p = 0; p < count; ++p) add_pole_of(from, p);
  }
  // The part is freed by the caller: no key map may outlive it (another
  // source could later be allocated at its address).
  std::erase_if(key_maps_, [&](const KeyMap& m) { return m.from == &from; });
}

void SnapshotBuilder::take_records_of(SnapshotBuilder&& other) {
  SnapshotData& d = *data_;
  if (d.pole_count() != 0 || !d.aliases.empty() || !d.places.empty() || !d.roads.empty()) {
    throw std::logic_error("SnapshotBuilder::take_records_of into a builder that holds records");
  }
  SnapshotData& from = *other.data_;
  d.number_chars = std::move(from.number_chars);
  d.number_offsets = std::move(from.number_offsets);
  d.positions = std::move(from.positions);
  d.attribute_blob = std::move(from.attribute_blob);
  d.attribute_offsets = std::move(from.attribute_offsets);
  d.attribute_keys = std::move(from.attribute_keys);
  key_ids_ = std::move(other.key_ids_);
  key_maps_.clear();
  d.aliases = std::move(from.aliases);
  d.places = std::move(from.places);
  d.roads = std::move(from.roads);
  other.data_ = empty_data(std::make_shared<GridSet>());
  other.key_ids_.clear();
}

void SnapshotBuilder::add_pole_of(const SnapshotData& from, std::uint32_t pole) {
  SnapshotData& d = *data_;
  const std::string_view number = from.number(pole);
  d.number_chars.insert(d.number_chars.end(), number.begin(), number.end());
  d.number_offsets.push_back(static_cast<std::uint32_t>(d.number_chars.size()));
  d.positions.push_back(from.positions[pole]);
  const char* p = from.attribute_blob.data() + from.attribute_offsets[pole];
  const char* end = from.attribute_blob.data() + from.attribute_offsets[pole + 1];
  const KeyMap& map = key_map(from);
  if (map.identity) {
    d.attribute_blob.insert(d.attribute_blob.end(), p, end);
  } else {
    const std::uint64_t count = get_varint(p);
    append_varint(d.attribute_blob, count);
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::uint64_t key = get_varint(p);
      const std::uint64_t len = get_varint(p);
      append_varint(d.attribute_blob, (std::uint64_t{map.ids[key >> kTypeBits]} << kTypeBits) | (key & ((1u << kTypeBits) - 1)));
      append_varint(d.attribute_blob, len);
      d.attribute_blob.insert(d.attribute_blob.end(), p, p + len);
      p += len;
    }
  }
  d.attribute_offsets.push_back(d.attribute_blob.size());
}

void SnapshotBuilder::add_pole(const PoleRecord& pole) {
  scratch_.clear();
  scratch_.assign(pole.attributes.begin(), pole.attributes.end());
  add_pole(pole.number, pole.position, scratch_);
}

std::size_t SnapshotBuilder::pole_count() const { return data_->pole_count(); }

std::string_view SnapshotBuilder::number(std::uint32_t pole) const { return data_->number(pole); }

std::vector<std::uint32_t> SnapshotBuilder::number_order() const {
  const SnapshotData& d = *data_;
  std::vector<std::uint32_t> order(d.pole_count());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  bool sorted = true;
  for (std::uint32_t i = 1; i < order.size() && sorted; ++i) sorted = d.number(i - 1) < d.number(i);
  if (!sorted) {
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return d.number(a) < d.number(b); });
  }
  return order;
}

void SnapshotBuilder::keep_only(const std::vector<std::uint32_t>& poles) {
  const SnapshotData& old = *data_;
  bool identity = poles.size() == old.pole_count();
  for (std::uint32_t i = 0; i < poles.size() && identity; ++i) identity = poles[i] == i;
  if (identity) return;
  auto next = std::make_unique<SnapshotData>(data_->grid_set);  // the grids and their index as they are
  next->number_offsets.reserve(poles.size() + 1);
  next->number_offsets.push_back(0);
  next->attribute_offsets.reserve(poles.size() + 1);
  next->attribute_offsets.push_back(0);
  next->positions.reserve(poles.size());
  for (std::uint32_t p : poles) {
    const std::string_view n = old.number(p);
    next->number_chars.insert(next->number_chars.end(), n.begin(), n.end());
    next->number_offsets.push_back(static_cast<std::uint32_t>(next->number_chars.size()));
    next->positions.push_back(old.positions[p]);
    next->attribute_blob.insert(next->attribute_blob.end(), old.attribute_blob.begin() + old.attribute_offsets[p],
                                old.attribute_blob.begin() + old.attribute_offsets[p + 1]);
    next->attribute_offsets.push_back(next->attribute_blob.size());
  }
  next->attribute_keys = std::move(data_->attribute_keys);
  next->aliases = std::move(data_->aliases);
  next->places = std::move(data_->places);
  next->roads = std::move(data_->roads);
  data_ = std::move(next);
}

namespace {

void visit_poles(const SnapshotData& d, const SnapshotBuilder::PoleVisit& visit) {
  store::AttributeViews views;
  for (std::uint32_t p = 0; p < d.pole_count(); ++p) {
    views.clear();
    const char* c = d.attribute_blob.data() + d.attribute_offsets[p];
    const std::uint64_t count = get_varint(c);
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::uint64_t key = get_varint(c);
      const std::uint64_t len = get_varint(c);
      views.emplace_back(d.attribute_keys[key >> kTypeBits], std::string_view(c, len), type_of(key));
      c += len;
    }
    visit(d.number(p), d.positions[p], views);
  }
}

}  // namespace

void SnapshotBuilder::for_each_pole(const PoleVisit& visit) const { visit_poles(*data_, visit); }

std::function<void(const SnapshotBuilder::PoleVisit&)> SnapshotBuilder::pole_stream() const {
  const SnapshotData* d = data_.get();
  return [d](const PoleVisit& visit) { visit_poles(*d, visit); };
}

namespace {

// Outlines snapped (index_grids) or doubles dropped (drop_rebuildable_geometries)
// from which the heap's free pages are given back to the kernel (malloc_trim).
constexpr std::size_t kTrimAfterBytes = std::size_t{64} << 20;

}  // namespace

MultiPolygon GridSet::geometry(std::uint32_t g) const {
  const GridRecord& r = grids[g];
  if (r.geometry.empty() && g < areas.grid_count()) return areas.grid(g).rebuild();
  return r.geometry;
}

bool GridSet::geometry_is(std::uint32_t g, const MultiPolygon& outline) const {
  const GridRecord& r = grids[g];
  if (r.geometry.empty() && g < areas.grid_count()) return areas.grid(g).rebuilds_to(outline);
  return r.geometry == outline;
}

GridRecord GridSet::record(std::uint32_t g) const {
  const GridRecord& r = grids[g];
  return {r.id, r.name, r.attributes, geometry(g)};
}

GridSet::IndexBytes GridSet::index_bytes() const {
  std::call_once(index_bytes_once_, [&] { index_bytes_ = {areas.memory_bytes(), areas.mapped_bytes()}; });
  return index_bytes_;
}

void GridSet::drop_rebuildable_geometries() {
  std::size_t dropped = 0;
  for (std::uint32_t g = 0; g < grids.size() && g < areas.grid_count(); ++g) {
    if (!areas.grid(g).exact || grids[g].geometry.empty()) continue;
    dropped += areas.grid(g).points.size() * sizeof(LonLat);
    MultiPolygon().swap(grids[g].geometry);
  }
  if (dropped >= kTrimAfterBytes) malloc_trim(0);  // free, but resident until given back
}

void SnapshotBuilder::expect_grids(std::size_t count) {
  if (!data_->grids.empty()) throw std::logic_error("SnapshotBuilder::expect_grids after other grids");
  data_->grids.resize(count);
  added_bboxes_.assign(count, BBox{});
  added_snapped_.assign(count, index::SnappedGrid{});
  grids_expected_ = true;
  added_fingerprints_.assign(grid_index_file_.path.empty() ? 0 : count, 0);
  // The grid index file, if it holds these grids: their points are read in place from it.
  if (!grid_index_file_.path.empty()) {
    grid_map_ = index::GridIndexMap::open(grid_index_file_.path);
    if (grid_map_ && grid_map_->grid_count() != count) grid_map_ = nullptr;
    if (grid_map_) taken_from_map_.assign(count, 0);
  }
}

bool SnapshotBuilder::grid_geometry_known(std::size_t place, std::string_view stored_geometry) {
  if (!grid_map_ || place >= taken_from_map_.size()) return false;
  const auto exact = grid_map_->exact_grid(place, stored_geometry);
  if (!exact) return false;
  index::SnappedGrid snapped = index::GridIndexMap::grid(grid_map_, place);
  if (!snapped.points.mapped()) return false;
  added_snapped_[place] = std::move(snapped);
  added_bboxes_[place] = exact->box;
  added_fingerprints_[place] = exact->fingerprint;
  taken_from_map_[place] = 1;
  return true;
}

void SnapshotBuilder::take_grid(std::size_t place, GridRecord&& grid) {
  if (place < taken_from_map_.size() && taken_from_map_[place]) {  // grid_geometry_known(): the outline is the file's
    data_->grids[place] = std::move(grid);
    return;
  }
  added_bboxes_[place] = geo::bounding_box(grid.geometry);
  index::SnappedGrid snapped;
  if (grid_map_) {
    // Snapped into this thread's scratch, then kept without points when the file holds them.
    thread_local index::SnappedGrid scratch;
    index::SnappedGrid::of_into(grid.geometry, scratch);
    const std::uint64_t fingerprint = index::grid_fingerprint(scratch);
    added_fingerprints_[place] = fingerprint;
    snapped = index::keep_snapped(scratch, fingerprint, place, grid_map_, point_arena_);
  } else {
    // An open's grids all go to the arena; other builders' (an overlay's few grids) only when large.
    snapped = index::SnappedGrid::of(grid.geometry, point_arena_, grids_expected_ ? 0 : index::PointArena::kMinBytes);
    if (!added_fingerprints_.empty()) added_fingerprints_[place] = index::grid_fingerprint(snapped);
  }
  // Kept snapped only: the index holds the coordinates, GridSet::geometry() gives them back.
  if (snapped.exact) MultiPolygon().swap(grid.geometry);
  added_snapped_[place] = std::move(snapped);
  data_->grids[place] = std::move(grid);
}

void SnapshotBuilder::set_grid(std::size_t place, GridRecord&& grid) { take_grid(place, std::move(grid)); }

void SnapshotBuilder::add_grid(GridRecord&& grid) {
  const std::size_t place = data_->grids.size();
  if (added_snapped_.size() != place) {  // grids came another way before: index_grids() snaps them all
    data_->grids.push_back(std::move(grid));
    return;
  }
  data_->grids.emplace_back();
  added_bboxes_.emplace_back();
  added_snapped_.emplace_back();
  if (!added_parts_.empty()) added_parts_.emplace_back();
  if (!grid_index_file_.path.empty()) added_fingerprints_.emplace_back();
  if (added_fingerprints_.size() != added_snapped_.size()) added_fingerprints_.clear();
  take_grid(place, std::move(grid));
}

void SnapshotBuilder::add_grid(GridRecord&& grid, index::GridIndex::Part part) {
  if (!part.index) return add_grid(std::move(grid));
  const std::size_t place = data_->grids.size();
  if (added_snapped_.size() != place || grids_expected_ || !grid_index_file_.path.empty()) {
    throw std::logic_error("SnapshotBuilder::add_grid with a part among grids added another way");
  }
  if (part.index->grid(0).exact) MultiPolygon().swap(grid.geometry);  // the part gives it back
  data_->grids.push_back(std::move(grid));
  added_bboxes_.push_back(part.box);
  added_snapped_.emplace_back();
  added_fingerprints_.clear();
  added_parts_.resize(place);
  added_parts_.push_back(std::move(part));
}

const std::vector<GridRecord>& SnapshotBuilder::add_sorted_grids(std::vector<GridRecord> grids) {
  if (!data_->grids.empty()) throw std::logic_error("SnapshotBuilder::add_sorted_grids after other grids");
  data_->grids = std::move(grids);
  return data_->grids;
}

void SnapshotBuilder::share_grids(std::shared_ptr<GridSet> grids) {
  if (data_->pole_count() != 0 || !data_->grids.empty() || !data_->aliases.empty()) {
    throw std::logic_error("SnapshotBuilder::share_grids after records were added");
  }
  data_ = empty_data(std::move(grids));
  grids_indexed_ = true;
}

void SnapshotBuilder::add_alias(AliasRecord&& alias) { data_->aliases.push_back(std::move(alias)); }

void SnapshotBuilder::add_place(PlaceRecord&& place) { data_->places.push_back(std::move(place)); }
void SnapshotBuilder::add_road(RoadRecord&& road) { data_->roads.push_back(std::move(road)); }

void SnapshotBuilder::index_grids() {
  SnapshotData& d = *data_;
  // Sorted already (add_sorted_grids, the store's order): left untouched, as another thread may be reading them.
  const auto by_id = [](const GridRecord& a, const GridRecord& b) { return a.id < b.id; };
  // What take_grid() kept of each grid: all of them, or none (index_grids() snaps them here).
  const bool added_apply = added_snapped_.size() == d.grids.size();
  if (!std::is_sorted(d.grids.begin(), d.grids.end(), by_id)) {
    std::vector<std::uint32_t> order(d.grids.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return d.grids[a].id < d.grids[b].id; });
    auto permute = [&](auto& v) {
      if (v.size() != order.size()) return;
      std::remove_reference_t<decltype(v)> out;
      out.reserve(v.size());
      for (std::uint32_t i : order) out.push_back(std::move(v[i]));
      v = std::move(out);
    };
    permute(d.grids);
    permute(added_bboxes_);
    permute(added_snapped_);
    permute(added_fingerprints_);
    permute(added_parts_);
  }
  d.grid_bboxes.clear();
  d.grid_by_id.clear();
  std::vector<index::SnappedGrid> snapped;
  if (added_apply) {
    snapped = std::move(added_snapped_);
    d.grid_bboxes = std::move(added_bboxes_);
  } else {
    snapped.reserve(d.grids.size());
    for (const GridRecord& g : d.grids) {
      snapped.push_back(index::SnappedGrid::of(g.geometry, point_arena_));
      d.grid_bboxes.push_back(geo::bounding_box(g.geometry));
    }
  }
  for (std::uint32_t g = 0; g < d.grids.size(); ++g) d.grid_by_id.emplace(d.grids[g].id, g);
  // Large outlines were just decoded or dropped (take_grid keeps no doubles of
  // an exact one): the heap holds what their stored bytes and doubles took,
  // free now but resident (the snapped points in the arena cannot reuse it).
  // Given back before the index adds its arrays, it is not part of the peak:
  // 50 MB of an open with 40 million vertices, hundreds of MB of a build from records.
  std::size_t snapped_bytes = 0;
  for (const index::SnappedGrid& g : snapped) snapped_bytes += g.points.size() * sizeof(index::SnappedGrid::Point);
  if (snapped_bytes >= kTrimAfterBytes) malloc_trim(0);
  const bool fingerprints = added_apply && added_fingerprints_.size() == d.grids.size();
  if (added_apply && added_parts_.size() == d.grids.size()) {
    d.grid_areas.build_snapped(std::move(snapped), std::move(added_parts_));  // no file (add_grid with a part)
  } else {
    d.grid_index_from_file = index::load_or_build(d.grid_areas, std::move(snapped), grid_index_file_,
                                                  fingerprints ? &added_fingerprints_ : nullptr, std::move(grid_map_),
                                                  &grids_fingerprint_, &written_index_);
  }
  grid_map_ = nullptr;
  added_parts_ = {};
  taken_from_map_ = {};
  added_bboxes_ = {};
  added_snapped_ = {};
  added_fingerprints_ = {};
  grids_indexed_ = true;
}

void SnapshotBuilder::sort_unique() {
  // Sorted and unique by number, whatever the caller did.
  std::vector<std::uint32_t> order = number_order();
  std::vector<std::uint32_t> unique;
  unique.reserve(order.size());
  for (std::uint32_t p : order) {
    if (unique.empty() || number(unique.back()) != number(p)) unique.push_back(p);
  }
  bool identity = unique.size() == pole_count();
  for (std::uint32_t i = 0; i < unique.size() && identity; ++i) identity = unique[i] == i;
  if (!identity || known_grids_.size() != pole_count()) known_grids_.clear();
  keep_only(unique);
}

std::unique_ptr<SnapshotData> SnapshotBuilder::finish(std::uint64_t sequence, bool small) {
  sort_unique();
  SnapshotData& d = *data_;
  d.sequence = sequence;
  d.built_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();

  if (!grids_indexed_) index_grids();

  // Each pole's grid: from the file kept beside a grid index file when it
  // holds these poles and grids, otherwise on all cores (and the file written).
  const std::size_t n = d.pole_count();
  const bool pole_grids_file = grids_fingerprint_ != 0 && !grid_index_file_.path.empty();
  bool pole_grids_from_file = false;
  if (known_grids_.empty() && pole_grids_file) {
    if (auto g = index::load_pole_grids(grid_index_file_.path, grids_fingerprint_, d.positions)) {
      known_grids_ = std::move(*g);
      pole_grids_from_file = true;
      d.pole_grids_from_file = true;
    }
  }
  reserve_huge(d.pole_grid, n);
  d.pole_grid.assign(n, -1);
  const unsigned threads = small ? 1u : std::max(1u, std::min(std::thread::hardware_concurrency(), 8u));
  if (!known_grids_.empty()) {
    for (std::size_t i = 0; i < n; ++i) {
      const std::int32_t g = known_grids_[i];
      if (g >= 0 && static_cast<std::size_t>(g) < d.grids.size()) d.pole_grid[i] = g;
    }
    known_grids_ = {};
  } else if (threads == 1) {
    for (std::size_t i = 0; i < n; ++i) {
      if (auto g = d.grid_areas.find(d.positions[i])) d.pole_grid[i] = static_cast<std::int32_t>(*g);
    }
  } else {
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (std::size_t i = n * t / threads; i < n * (t + 1) / threads; ++i) {
          if (auto g = d.grid_areas.find(d.positions[i])) d.pole_grid[i] = static_cast<std::int32_t>(*g);
        }
      });
    }
    for (auto& w : workers) w.join();
  }
  if (pole_grids_file && !pole_grids_from_file && grid_index_file_.write) {
    index::save_pole_grids(grid_index_file_.path, grids_fingerprint_, d.positions, d.pole_grid);
  }
  // The grid index file written by index_grids(): read in place from now on.
  // Not before the poles were placed: the built index answered that from the
  // process's memory, where the mapped file would have been read through whole
  // (500 MB more resident at 40 million vertices, on top of the built copies).
  if (written_index_.written) {
    index::read_written_in_place(d.grid_areas, grid_index_file_, written_index_);
    written_index_ = {};
  }
  d.grid_pole_offsets.assign(d.grids.size() + 1, 0);
  for (std::int32_t g : d.pole_grid) {
    if (g >= 0) ++d.grid_pole_offsets[g + 1];
  }
  for (std::size_t g = 1; g < d.grid_pole_offsets.size(); ++g) d.grid_pole_offsets[g] += d.grid_pole_offsets[g - 1];
  d.grid_poles.assign(d.grid_pole_offsets.back(), 0);
  {
    std::vector<std::uint32_t> fill(d.grid_pole_offsets.begin(), d.grid_pole_offsets.end() - 1);
    for (std::uint32_t p = 0; p < n; ++p) {
      if (d.pole_grid[p] >= 0) d.grid_poles[fill[d.pole_grid[p]]++] = p;
    }
  }

  SnapshotData* raw = data_.get();
  if (small) {
    d.numbers.build(n, [raw](std::uint32_t p) { return raw->number(p); });
    d.pole_positions.build(d.positions);
    d.alias_table.build(d.aliases, d.numbers.area_codes());
    return std::move(data_);
  }
  // The number index, the roads and the alias table (which needs the
  // numbers' area codes) beside the pole index: with 100,000 codes and as
  // many street names the alias table alone took 0.27 s after both.
  std::thread numbers([&d, raw, n] {
    d.numbers.build(n, [raw](std::uint32_t p) { return raw->number(p); });
    // Roads and their crossings: computed once here, so that a where phrase is a lookup.
    std::sort(d.roads.begin(), d.roads.end(), [](const RoadRecord& a, const RoadRecord& b) { return a.name < b.name; });
    d.road_index.build(d.roads);
    std::sort(d.aliases.begin(), d.aliases.end(),
              [](const AliasRecord& a, const AliasRecord& b) { return a.alias < b.alias; });
    d.alias_table.build(d.aliases, d.numbers.area_codes());
  });
  d.pole_positions.build(d.positions);
  numbers.join();
  build_gazetteer(d);
  return std::move(data_);
}

std::unique_ptr<SnapshotData> build_snapshot_data(std::vector<PoleRecord> poles, std::vector<GridRecord> grids,
                                                  std::vector<AliasRecord> aliases, std::uint64_t sequence,
                                                  std::vector<PlaceRecord> places, bool small,
                                                  std::vector<index::GridIndex::Part> grid_parts) {
  SnapshotBuilder b;
  b.reserve_poles(poles.size());
  for (const PoleRecord& p : poles) b.add_pole(p);
  poles.clear();
  poles.shrink_to_fit();
  if (!grid_parts.empty() && grid_parts.size() != grids.size()) {
    throw std::invalid_argument("build_snapshot_data: one grid part or none per grid");
  }
  grid_parts.resize(grids.size());  // a grid without a part: added as add_grid(grid) adds it
  for (std::size_t g = 0; g < grids.size(); ++g) b.add_grid(std::move(grids[g]), std::move(grid_parts[g]));
  for (AliasRecord& a : aliases) b.add_alias(std::move(a));
  for (PlaceRecord& p : places) b.add_place(std::move(p));
  return b.finish(sequence, small);
}

Attributes pole_attributes(const SnapshotData& d, std::uint32_t pole) {
  Attributes out;
  const char* p = d.attribute_blob.data() + d.attribute_offsets[pole];
  const std::uint64_t count = get_varint(p);
  out.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t key = get_varint(p);
    const std::uint64_t len = get_varint(p);
    out.emplace_back(d.attribute_keys[key >> kTypeBits], std::string(p, len), type_of(key));
    p += len;
  }
  return out;
}

}  // namespace poleloc
