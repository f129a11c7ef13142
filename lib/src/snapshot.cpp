#include "snapshot_data.hpp"

#include "query/resolve.hpp"

#include <poleloc/geo.hpp>
#include <poleloc/number.hpp>
#include <poleloc/snapshot.hpp>

#include <algorithm>
#include <thread>

namespace poleloc {

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
const MultiPolygon& GridView::geometry() const { return data_->grids[index_].geometry; }
BBox GridView::bbox() const { return data_->grid_bboxes[index_]; }

std::string_view PoleView::number() const { return data_->number(index_); }
LonLat PoleView::position() const { return data_->positions[index_]; }
LonLat PoleView::gcj02() const { return wgs84_to_gcj02(data_->positions[index_]); }
std::optional<GridView> PoleView::grid() const {
  const std::int32_t g = data_->pole_grid[index_];
  if (g < 0) return std::nullopt;
  return GridView(data_, static_cast<std::uint32_t>(g));
}
Attributes PoleView::attributes() const { return pole_attributes(*data_, index_); }
PoleRecord PoleView::record() const { return {std::string(number()), position(), attributes()}; }

// --- snapshot ------------------------------------------------------------

Snapshot::Snapshot(std::unique_ptr<SnapshotData> data) : data_(std::move(data)) {}
Snapshot::~Snapshot() = default;

std::optional<PoleView> Snapshot::locate(std::string_view number) const {
  std::optional<std::uint32_t> hit;
  if (is_canonical_number(number)) {
    hit = data_->numbers.find(number);  // the common case: no copy, no decoding
  } else if (auto canonical = canonical_number(number)) {
    hit = data_->numbers.find(*canonical);
  }
  if (!hit) return std::nullopt;
  return PoleView(data_.get(), *hit);
}

std::optional<GridView> Snapshot::grid_at(LonLat p) const {
  if (!is_valid_lonlat(p)) return std::nullopt;
  auto g = data_->grid_areas.find(p);
  if (!g) return std::nullopt;
  return GridView(data_.get(), *g);
}

void Snapshot::grid_indexes_at(std::span<const double> lons, std::span<const double> lats,
                               std::span<std::int32_t> out, unsigned threads) const {
  const std::size_t n = std::min({lons.size(), lats.size(), out.size()});
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  if (n < 4096) threads = 1;
  auto work = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const LonLat p{lons[i], lats[i]};
      std::optional<std::uint32_t> g;
      if (is_valid_lonlat(p)) g = data_->grid_areas.find(p);
      out[i] = g ? static_cast<std::int32_t>(*g) : -1;
    }
  };
  if (threads == 1) {
    work(0, n);
    return;
  }
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) workers.emplace_back(work, n * t / threads, n * (t + 1) / threads);
  for (auto& w : workers) w.join();
}

Result<std::vector<NearbyPole>> Snapshot::nearest(LonLat p, const NearestOptions& options) const {
  if (auto st = options.is_valid(); !st) return st;
  if (!is_valid_lonlat(p)) {
    return Status(ErrorCode::invalid_argument, "lon must be in [-180, 180] and lat in [-90, 90]");
  }
  std::vector<NearbyPole> out;
  for (auto [pole, d] : data_->pole_positions.nearest(p, options.k, options.max_m)) {
    out.push_back({PoleView(data_.get(), pole), d});
  }
  return out;
}

Result<std::vector<Candidate>> Snapshot::resolve(std::string_view text, const ResolveOptions& options) const {
  return query::resolve(*data_, text, options);
}

std::optional<GridView> Snapshot::grid(std::string_view id) const {
  auto it = data_->grid_by_id.find(id);
  if (it == data_->grid_by_id.end()) return std::nullopt;
  return GridView(data_.get(), it->second);
}

GridView Snapshot::grid_by_index(std::uint32_t index) const { return GridView(data_.get(), index); }
PoleView Snapshot::pole_by_index(std::uint32_t index) const { return PoleView(data_.get(), index); }

Result<PolePage> Snapshot::poles_in_grid(std::string_view id, const PageOptions& page) const {
  if (auto st = page.is_valid(); !st) return st;
  auto g = grid(id);
  if (!g) return Status(ErrorCode::not_found, "no grid with id '" + std::string(id) + "'");
  const std::uint32_t begin = data_->grid_pole_offsets[g->index()];
  const std::uint32_t end = data_->grid_pole_offsets[g->index() + 1];
  PolePage out;
  const std::size_t from = std::min<std::size_t>(begin + page.cursor, end);
  const std::size_t to = std::min<std::size_t>(from + page.limit, end);
  for (std::size_t i = from; i < to; ++i) out.poles.emplace_back(data_.get(), data_->grid_poles[i]);
  if (to < end) out.next_cursor = to - begin;
  return out;
}

Result<std::vector<PoleView>> Snapshot::within(const BBox& box, std::size_t limit) const {
  if (!box.is_valid()) {
    return Status(ErrorCode::invalid_argument,
                  "bbox must be min_lon,min_lat,max_lon,max_lat with min <= max, in degrees");
  }
  auto hits = data_->pole_positions.within(box);
  std::sort(hits.begin(), hits.end());  // pole index order is number order
  if (hits.size() > limit) hits.resize(limit);
  std::vector<PoleView> out;
  out.reserve(hits.size());
  for (std::uint32_t p : hits) out.emplace_back(data_.get(), p);
  return out;
}

std::vector<AliasRecord> Snapshot::aliases() const { return data_->aliases; }
const std::vector<PlaceRecord>& Snapshot::places() const { return data_->places; }
std::size_t Snapshot::pole_count() const { return data_->pole_count(); }
std::size_t Snapshot::grid_count() const { return data_->grids.size(); }

SnapshotStats Snapshot::stats() const {
  SnapshotStats s;
  s.poles = pole_count();
  s.grids = grid_count();
  s.aliases = data_->aliases.size();
  s.sequence = data_->sequence;
  s.built_unix_ms = data_->built_unix_ms;
  s.index_bytes = data_->numbers.memory_bytes() + data_->pole_positions.memory_bytes() +
                  data_->grid_areas.memory_bytes() + data_->alias_table.memory_bytes();
  return s;
}

}  // namespace poleloc
