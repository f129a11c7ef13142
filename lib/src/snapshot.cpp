#include "snapshot_data.hpp"

#include "overlay.hpp"

#include "query/boundary.hpp"
#include "query/pole_space.hpp"
#include "query/resolve.hpp"
#include "query/where.hpp"

#include <poleloc/geo.hpp>
#include <poleloc/number.hpp>
#include <poleloc/snapshot.hpp>

#include <algorithm>
#include <atomic>
#include <limits>
#include <thread>

namespace poleloc {
namespace {

// work(begin, end) over [0, n) on `threads` threads (0 = all cores; one below
// `serial_below` items). Chunks taken in turn, not one equal share per
// thread: a core the host lends to something else for a moment, or a share of
// harder points, then holds up no other thread. The calling thread works too.
template <typename Work>
void for_chunks(std::size_t n, unsigned threads, std::size_t serial_below, Work&& work) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  if (n < serial_below) threads = 1;
  if (threads == 1) {
    work(std::size_t{0}, n);
    return;
  }
  const std::size_t chunk = std::clamp<std::size_t>(n / (std::size_t{threads} * 32), 64, 16384);
  std::atomic<std::size_t> next{0};
  auto take = [&] {
    for (;;) {
      const std::size_t begin = next.fetch_add(chunk, std::memory_order_relaxed);
      if (begin >= n) return;
      work(begin, std::min(n, begin + chunk));
    }
  };
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t) workers.emplace_back(take);
  take();
  for (auto& w : workers) w.join();
}

}  // namespace

// --- views ---------------------------------------------------------------

std::string_view match_kind_name(MatchKind kind) {
  switch (kind) {
    case MatchKind::exact: return "exact";
    case MatchKind::fuzzy: return "fuzzy";
    case MatchKind::nearby: return "nearby";
  }
  return "fuzzy";
}

std::string_view GridView::id() const { return data_->grids[index_].id; }
std::string_view GridView::name() const { return data_->grids[index_].name; }
const Attributes& GridView::attributes() const { return data_->grids[index_].attributes; }
MultiPolygon GridView::geometry() const { return data_->grid_set->geometry(index_); }
bool GridView::geometry_is(const MultiPolygon& outline) const { return data_->grid_set->geometry_is(index_, outline); }
GridRecord GridView::record() const { return data_->grid_set->record(index_); }
BBox GridView::bbox() const { return data_->grid_bboxes[index_]; }

std::uint32_t GridView::index() const { return data_->grid_index_offset + index_; }
std::uint32_t PoleView::index() const { return data_->pole_index_offset + index_; }

std::string_view PoleView::number() const { return data_->number(index_); }
LonLat PoleView::position() const { return data_->positions[index_]; }
LonLat PoleView::gcj02() const { return wgs84_to_gcj02(data_->positions[index_]); }
std::optional<GridView> PoleView::grid() const {
  if (overlay_ && !overlay_->grid_successors.empty()) {
    const std::int32_t recorded = data_->snapshot_grid(index_);
    if (const std::int32_t now = overlay_->current_grid(recorded); now != recorded) {
      auto [layer, local] = overlay_->grid_layer(*overlay_->delta->base, static_cast<std::uint32_t>(now));
      return GridView(layer, local);
    }
  }
  const std::int32_t g = data_->pole_grid[index_];
  if (g >= 0) return GridView(data_, static_cast<std::uint32_t>(g));
  if (g == -1) return std::nullopt;
  // An overlay pole in an older layer's grid, named by the snapshot's grid index.
  const auto index = static_cast<std::uint32_t>(-2 - g);
  if (index < data_->base->grids.size()) return GridView(data_->base, index);
  return GridView(data_->grids_of, index - data_->grids_of->grid_index_offset);
}
Attributes PoleView::attributes() const { return pole_attributes(*data_, index_); }
PoleRecord PoleView::record() const { return {std::string(number()), position(), attributes()}; }
std::optional<Where> PoleView::where() const {
  const SnapshotData& d = data_->base ? *data_->base : *data_;  // an overlay's delta has no roads of its own
  return query::where_at(d.road_index, d.roads, position());
}

// --- snapshot ------------------------------------------------------------
//
// With an overlay, every query asks its layers (the recent poles, then the
// delta) and the base, passing over the records a newer layer hid.

Snapshot::Snapshot(std::unique_ptr<SnapshotData> data) : data_(std::move(data)) {}
Snapshot::Snapshot(std::shared_ptr<const SnapshotData> base, std::shared_ptr<const OverlayData> overlay)
    : data_(std::move(base)),
      overlay_(std::move(overlay)),
      delta_(overlay_ ? overlay_->delta : nullptr),
      recent_(overlay_ ? overlay_->recent.get() : nullptr),
      grids_changed_(overlay_ && overlay_->changes_grids()) {}
Snapshot::~Snapshot() = default;

std::optional<PoleView> Snapshot::locate(std::string_view number) const {
  // The layers' lookup (base, then the overlay's layers behind their number
  // filters) is PoleSpace::find's, as every query's.
  auto find = [this](std::string_view n) -> std::optional<PoleView> {
    const query::PoleSpace space(*data_, overlay_.get());
    if (auto p = space.find(n)) return space.view(*p);
    return std::nullopt;
  };
  if (is_canonical_number(number)) return find(number);  // the common case: no copy, no decoding
  if (auto canonical = canonical_number(number)) return find(*canonical);
  return std::nullopt;
}

std::optional<GridView> Snapshot::grid_at(LonLat p) const {
  if (!is_valid_lonlat(p)) return std::nullopt;
  if (grids_changed_) {
    auto g = overlay_->grid_at(*data_, p);
    if (!g) return std::nullopt;
    return grid_by_index(*g);
  }
  auto g = data_->grid_areas.find(p);
  if (!g) return std::nullopt;
  return GridView(data_.get(), *g);
}

void Snapshot::grid_indexes_at(std::span<const double> lons, std::span<const double> lats,
                               std::span<std::int32_t> out, unsigned threads) const {
  const std::size_t n = std::min({lons.size(), lats.size(), out.size()});
  auto work = [&](std::size_t begin, std::size_t end) {
    if (grids_changed_) {
      for (std::size_t i = begin; i < end; ++i) {
        const auto g = grid_at({lons[i], lats[i]});
        out[i] = g ? static_cast<std::int32_t>(g->index()) : -1;
      }
      return;
    }
    for (std::size_t i = begin; i < end; ++i) {
      const LonLat p{lons[i], lats[i]};
      std::optional<std::uint32_t> g;
      if (is_valid_lonlat(p)) g = data_->grid_areas.find(p);
      out[i] = g ? static_cast<std::int32_t>(*g) : -1;
    }
  };
  for_chunks(n, threads, 4096, work);
}

Status Snapshot::nearest_indexes(std::span<const double> lons, std::span<const double> lats,
                                 const NearestOptions& options, std::span<std::int32_t> out_indexes,
                                 std::span<double> out_distances, unsigned threads) const {
  if (auto st = options.is_valid(); !st) return st;
  const std::size_t n = lons.size(), k = options.k;
  if (lats.size() != n) {
    return Status(ErrorCode::bad_request, "lons and lats differ in length (" + std::to_string(n) + " and " +
                                              std::to_string(lats.size()) + ")");
  }
  if (out_indexes.size() < n * k || out_distances.size() < n * k) {  // k >= 1 (is_valid)
    return Status(ErrorCode::bad_request, "the outputs hold " + std::to_string(out_indexes.size()) + " indexes and " +
                                              std::to_string(out_distances.size()) + " distances; " +
                                              std::to_string(n) + " points x k = " + std::to_string(k) + " need " +
                                              std::to_string(n * k) + " of each");
  }
  const query::PoleSpace space(*data_, overlay_.get());
  for_chunks(n, threads, 256, [&](std::size_t begin, std::size_t end) {
    thread_local std::vector<std::pair<std::uint32_t, double>> hits;
    for (std::size_t i = begin; i < end; ++i) {
      std::int32_t* row_index = out_indexes.data() + i * k;
      double* row_distance = out_distances.data() + i * k;
      std::size_t found = 0;
      if (const LonLat p{lons[i], lats[i]}; is_valid_lonlat(p)) {
        space.nearest(p, k, options.max_m, hits);
        found = std::min(hits.size(), k);
        for (std::size_t j = 0; j < found; ++j) {
          row_index[j] = static_cast<std::int32_t>(hits[j].first);
          row_distance[j] = hits[j].second;
        }
      }
      std::fill(row_index + found, row_index + k, -1);
      std::fill(row_distance + found, row_distance + k, std::numeric_limits<double>::quiet_NaN());
    }
  });
  return Status::ok();
}

Result<std::vector<NearbyPole>> Snapshot::nearest(LonLat p, const NearestOptions& options) const {
  if (auto st = options.is_valid(); !st) return st;
  if (!is_valid_lonlat(p)) {
    return Status(ErrorCode::bad_request, "lon must be in [-180, 180] and lat in [-90, 90]");
  }
  // One allocation per query (the answer): the search writes into a per-thread
  // buffer, so bulk calls on several threads do not meet in the allocator.
  thread_local std::vector<std::pair<std::uint32_t, double>> hits;
  const query::PoleSpace space(*data_, overlay_.get());
  space.nearest(p, options.k, options.max_m, hits);
  std::vector<NearbyPole> out;
  out.reserve(hits.size());
  for (auto [pole, d] : hits) out.push_back({space.view(pole), d});
  return out;
}

Result<std::vector<Candidate>> Snapshot::resolve(std::string_view text, const ResolveOptions& options) const {
  return query::resolve(*data_, overlay_.get(), text, options);
}

std::optional<GridView> Snapshot::grid(std::string_view id) const {
  if (delta_) {
    if (recent_) {
      if (auto it = recent_->grid_by_id.find(id); it != recent_->grid_by_id.end()) return GridView(recent_, it->second);
    }
    if (auto it = delta_->grid_by_id.find(id); it != delta_->grid_by_id.end()) {
      if (overlay_->delta_grid_hidden(it->second)) return std::nullopt;  // deleted by the recent layer
      return GridView(delta_, it->second);
    }
  }
  auto it = data_->grid_by_id.find(id);
  if (it == data_->grid_by_id.end()) return std::nullopt;
  if (delta_ && overlay_->grid_hidden(it->second)) return std::nullopt;
  return GridView(data_.get(), it->second);
}

GridView Snapshot::grid_by_index(std::uint32_t index) const {
  if (!delta_) return GridView(data_.get(), index);
  auto [layer, local] = overlay_->grid_layer(*data_, index);
  return GridView(layer, local);
}
PoleView Snapshot::pole_by_index(std::uint32_t index) const {
  const auto base = static_cast<std::uint32_t>(data_->pole_count());
  if (!delta_) return PoleView(data_.get(), index);
  if (index < base) return PoleView(data_.get(), index, overlay_.get());
  if (recent_ && index >= recent_->pole_index_offset) {
    return PoleView(recent_, index - recent_->pole_index_offset, overlay_.get());
  }
  return PoleView(delta_, index - base, overlay_.get());
}
std::uint32_t Snapshot::pole_index_end() const {
  return static_cast<std::uint32_t>(data_->pole_count() + (delta_ ? delta_->pole_count() : 0) +
                                    (recent_ ? recent_->pole_count() : 0));
}
std::uint32_t Snapshot::grid_index_end() const {
  return static_cast<std::uint32_t>(data_->grids.size() + (delta_ ? delta_->grids.size() : 0) +
                                    (recent_ ? recent_->grids.size() : 0));
}
bool Snapshot::pole_index_is_live(std::uint32_t index) const {
  if (index >= pole_index_end()) return false;
  if (!delta_) return true;
  const auto base = static_cast<std::uint32_t>(data_->pole_count());
  if (index < base) return !overlay_->pole_hidden(index);
  const std::uint32_t in_delta = index - base;
  return in_delta >= delta_->pole_count() || !overlay_->delta_pole_hidden(in_delta);
}
bool Snapshot::grid_index_is_live(std::uint32_t index) const {
  if (index >= grid_index_end()) return false;
  if (!delta_) return true;
  if (index < data_->grids.size()) return !overlay_->grid_hidden(index);
  auto [layer, local] = overlay_->grid_layer(*data_, index);
  return layer != delta_ || !overlay_->delta_grid_hidden(local);
}

void Snapshot::for_each_pole(const std::function<void(PoleView)>& visit) const {
  for_each_pole_in_layers(
      [&](const SnapshotData& layer, std::uint32_t pole) { visit(PoleView(&layer, pole, overlay_.get())); });
}

void Snapshot::for_each_pole_in_layers(const std::function<void(const SnapshotData&, std::uint32_t)>& visit) const {
  // The base's, the delta's and the recent poles not hidden, merged by number.
  struct Run {
    const SnapshotData* data;
    std::uint32_t at, end;
  };
  Run runs[3] = {{data_.get(), 0, static_cast<std::uint32_t>(data_->pole_count())},
                 {delta_, 0, static_cast<std::uint32_t>(delta_ ? delta_->pole_count() : 0)},
                 {recent_, 0, static_cast<std::uint32_t>(recent_ ? recent_->pole_count() : 0)}};
  auto skip_hidden = [&](int r) {
    if (r == 0) {
      while (delta_ && runs[0].at < runs[0].end && overlay_->pole_hidden(runs[0].at)) ++runs[0].at;
    } else if (r == 1) {
      while (runs[1].at < runs[1].end && overlay_->delta_pole_hidden(runs[1].at)) ++runs[1].at;
    }
  };
  skip_hidden(0);
  skip_hidden(1);
  while (true) {
    int next = -1;
    for (int r = 0; r < 3; ++r) {
      if (runs[r].at == runs[r].end) continue;
      if (next < 0 || runs[r].data->number(runs[r].at) < runs[next].data->number(runs[next].at)) next = r;
    }
    if (next < 0) return;
    visit(*runs[next].data, runs[next].at++);
    skip_hidden(next);
  }
}

void Snapshot::for_each_grid(const std::function<void(GridView)>& visit) const {
  for (std::uint32_t g = 0; g < data_->grids.size(); ++g) {
    if (!delta_ || !overlay_->grid_hidden(g)) visit(GridView(data_.get(), g));
  }
  if (delta_) {
    for (std::uint32_t g = 0; g < delta_->grids.size(); ++g) {
      if (!overlay_->delta_grid_hidden(g)) visit(GridView(delta_, g));
    }
  }
  if (recent_) {
    for (std::uint32_t g = 0; g < recent_->grids.size(); ++g) visit(GridView(recent_, g));
  }
}

Result<PolePage> Snapshot::poles_in_grid(std::string_view id, const PageOptions& page) const {
  if (auto st = page.is_valid(); !st) return st;
  auto g = grid(id);
  if (!g) return Status(ErrorCode::not_found, "no grid with id '" + std::string(id) + "'");
  PolePage out;
  if (!delta_) {
    const std::uint32_t begin = data_->grid_pole_offsets[g->index()];
    const std::uint32_t end = data_->grid_pole_offsets[g->index() + 1];
    const std::size_t from = std::min<std::size_t>(begin + page.cursor, end);
    const std::size_t to = std::min<std::size_t>(from + page.limit, end);
    for (std::size_t i = from; i < to; ++i) out.poles.emplace_back(data_.get(), data_->grid_poles[i]);
    if (to < end) out.next_cursor = to - begin;
    return out;
  }
  // The grid's poles in number order: a base grid's base poles not hidden,
  // merged with the overlay's poles in it. A layer names a grid of its own
  // by its index there and an older layer's by -2 - its snapshot index; the
  // poles of a delta or recent grid are all in that layer or a newer one.
  // A grid put again also has the poles recorded in the versions it replaced
  // (OverlayData::grid_successors), except those a layer copied (they are
  // hidden): at most one of those versions a base grid.
  std::vector<PoleView> all;
  const auto nb_grids = static_cast<std::uint32_t>(data_->grids.size());
  const std::vector<std::uint32_t> versions = overlay_->grids_standing_for(g->index());
  auto codes_in = [&](const SnapshotData& layer) {
    std::vector<std::int32_t> codes;
    for (std::uint32_t gi : versions) {
      if (gi >= layer.grid_index_offset && gi < layer.grid_index_offset + layer.grids.size()) {
        codes.push_back(static_cast<std::int32_t>(gi - layer.grid_index_offset));
      } else {
        codes.push_back(-2 - static_cast<std::int32_t>(gi));
      }
    }
    return codes;
  };
  auto in = [](const std::vector<std::int32_t>& codes, std::int32_t c) {
    return std::find(codes.begin(), codes.end(), c) != codes.end();
  };
  std::vector<PoleView> from_overlay;
  const std::vector<std::int32_t> delta_codes = codes_in(*delta_);
  for (std::uint32_t p = 0; p < delta_->pole_count(); ++p) {
    if (in(delta_codes, delta_->pole_grid[p]) && !overlay_->delta_pole_hidden(p)) {
      from_overlay.emplace_back(delta_, p, overlay_.get());
    }
  }
  if (recent_) {
    const std::size_t from_recent = from_overlay.size();
    const std::vector<std::int32_t> recent_codes = codes_in(*recent_);
    for (std::uint32_t p = 0; p < recent_->pole_count(); ++p) {
      if (in(recent_codes, recent_->pole_grid[p])) from_overlay.emplace_back(recent_, p, overlay_.get());
    }
    std::inplace_merge(from_overlay.begin(), from_overlay.begin() + static_cast<std::ptrdiff_t>(from_recent),
                       from_overlay.end(), [](const PoleView& a, const PoleView& b) { return a.number() < b.number(); });
  }
  const auto in_base = std::find_if(versions.begin(), versions.end(), [&](std::uint32_t v) { return v < nb_grids; });
  if (in_base == versions.end()) {
    all = std::move(from_overlay);
  } else {
    const std::uint32_t gi = *in_base;
    std::size_t d = 0;
    for (std::uint32_t i = data_->grid_pole_offsets[gi]; i < data_->grid_pole_offsets[gi + 1]; ++i) {
      const std::uint32_t p = data_->grid_poles[i];
      if (overlay_->pole_hidden(p)) continue;
      while (d < from_overlay.size() && from_overlay[d].number() < data_->number(p)) all.push_back(from_overlay[d++]);
      all.emplace_back(data_.get(), p, overlay_.get());
    }
    while (d < from_overlay.size()) all.push_back(from_overlay[d++]);
  }
  const std::size_t from = std::min<std::size_t>(page.cursor, all.size());
  const std::size_t to = std::min<std::size_t>(from + page.limit, all.size());
  out.poles.assign(all.begin() + static_cast<std::ptrdiff_t>(from), all.begin() + static_cast<std::ptrdiff_t>(to));
  if (to < all.size()) out.next_cursor = to;
  return out;
}

Result<std::vector<PoleView>> Snapshot::within(const BBox& box, std::size_t limit) const {
  if (!box.is_valid()) {
    return Status(ErrorCode::bad_request,
                  "bbox must be min_lon,min_lat,max_lon,max_lat with min <= max, in degrees");
  }
  auto hits = data_->pole_positions.within(box);
  if (delta_) std::erase_if(hits, [&](std::uint32_t p) { return overlay_->pole_hidden(p); });
  std::sort(hits.begin(), hits.end());  // pole index order is number order
  std::vector<PoleView> out;
  out.reserve(std::min(hits.size(), limit));
  for (std::uint32_t p : hits) {
    if (!delta_ && out.size() == limit) break;
    out.emplace_back(data_.get(), p, overlay_.get());
  }
  if (delta_) {
    for (std::uint32_t p : delta_->pole_positions.within(box)) {
      if (!overlay_->delta_pole_hidden(p)) out.emplace_back(delta_, p, overlay_.get());
    }
    if (recent_) {
      for (std::uint32_t p : recent_->pole_positions.within(box)) out.emplace_back(recent_, p, overlay_.get());
    }
    std::sort(out.begin(), out.end(), [](const PoleView& a, const PoleView& b) { return a.number() < b.number(); });
    if (out.size() > limit) out.erase(out.begin() + static_cast<std::ptrdiff_t>(limit), out.end());
  }
  return out;
}

std::vector<AliasRecord> Snapshot::aliases() const { return data_->aliases; }
const std::vector<PlaceRecord>& Snapshot::places() const { return data_->places; }
const std::vector<RoadRecord>& Snapshot::roads() const { return data_->roads; }
std::optional<Where> Snapshot::where(LonLat p) const { return query::where_at(data_->road_index, data_->roads, p); }

std::optional<GridBoundary> Snapshot::boundary(LonLat p) const { return boundary(p, kBoundaryNeighbourDefaultM); }
std::optional<GridBoundary> Snapshot::boundary(LonLat p, double within_m) const {
  if (!is_valid_lonlat(p)) return std::nullopt;
  return query::boundary(*data_, overlay_.get(), p, grid_at(p), within_m);
}
std::optional<GridBoundary> Snapshot::boundary(const PoleView& pole) const {
  return boundary(pole, kBoundaryNeighbourDefaultM);
}
std::optional<GridBoundary> Snapshot::boundary(const PoleView& pole, double within_m) const {
  return query::boundary(*data_, overlay_.get(), pole.position(), pole.grid(), within_m);
}
std::size_t Snapshot::pole_count() const {
  if (!delta_) return data_->pole_count();
  return data_->pole_count() - overlay_->hidden_pole_count + overlay_->live_poles();
}
std::size_t Snapshot::grid_count() const {
  if (!delta_) return data_->grids.size();
  return data_->grids.size() - overlay_->hidden_grid_count + overlay_->live_grids();
}

std::uint64_t Snapshot::sequence() const { return delta_ ? overlay_->sequence : data_->sequence; }

SnapshotStats Snapshot::stats() const {
  SnapshotStats s;
  s.poles = pole_count();
  s.grids = grid_count();
  s.aliases = data_->aliases.size();
  s.sequence = sequence();
  s.base_sequence = data_->sequence;
  s.grid_index_from_file = data_->grid_index_from_file;
  s.pole_grids_from_file = data_->pole_grids_from_file;
  const GridSet::IndexBytes grid_bytes = data_->grid_set->index_bytes();
  s.mapped_bytes = grid_bytes.mapped;
  s.built_unix_ms = delta_ ? overlay_->built_unix_ms : data_->built_unix_ms;
  s.index_bytes = data_->numbers.memory_bytes() + data_->pole_positions.memory_bytes() + grid_bytes.memory +
                  data_->alias_table.memory_bytes();
  if (delta_) {
    s.overlay_poles = overlay_->live_poles();
    s.overlay_grids = overlay_->live_grids();
    s.index_bytes += delta_->numbers.memory_bytes() + delta_->pole_positions.memory_bytes() +
                     delta_->grid_areas.memory_bytes() + overlay_->base_hidden->memory_bytes() + overlay_->layer->hidden_slot_bits.size() * 8 +
                     (overlay_->layer->hidden_slot_set.size() + overlay_->hidden_slot_set.size()) * 4;
    if (recent_) s.index_bytes += recent_->numbers.memory_bytes() + recent_->pole_positions.memory_bytes();
  }
  return s;
}

}  // namespace poleloc
