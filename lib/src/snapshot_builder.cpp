#include "snapshot_builder.hpp"

#include "geo/polygon_check.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace poleloc {
namespace {

void put_varint(std::vector<char>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::uint64_t get_varint(const char*& p) {
  std::uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<unsigned char>(*p++);
    v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return v;
  }
}

}  // namespace

SnapshotBuilder::SnapshotBuilder() : data_(std::make_unique<SnapshotData>()) {
  data_->number_offsets.push_back(0);
  data_->attribute_offsets.push_back(0);
}

Status SnapshotBuilder::add_pole(std::string_view number, LonLat position, const store::AttributeViews& attributes) {
  SnapshotData& d = *data_;
  if (d.pole_count() > 0 && !(d.number(static_cast<std::uint32_t>(d.pole_count() - 1)) < number)) {
    return {ErrorCode::internal, "poles must be added in increasing number order (" + std::string(number) + ")"};
  }
  d.number_chars.insert(d.number_chars.end(), number.begin(), number.end());
  d.number_offsets.push_back(static_cast<std::uint32_t>(d.number_chars.size()));
  d.positions.push_back(position);
  put_varint(d.attribute_blob, attributes.size());
  for (const auto& [k, v] : attributes) {
    auto it = key_ids_.find(std::string(k));
    if (it == key_ids_.end()) {
      it = key_ids_.emplace(std::string(k), static_cast<std::uint32_t>(d.attribute_keys.size())).first;
      d.attribute_keys.emplace_back(k);
    }
    put_varint(d.attribute_blob, it->second);
    put_varint(d.attribute_blob, v.size());
    d.attribute_blob.insert(d.attribute_blob.end(), v.begin(), v.end());
  }
  d.attribute_offsets.push_back(d.attribute_blob.size());
  return Status::ok();
}

Status SnapshotBuilder::add_pole(const PoleRecord& pole) {
  scratch_.clear();
  for (const auto& [k, v] : pole.attributes) scratch_.emplace_back(k, v);
  return add_pole(pole.number, pole.position, scratch_);
}

void SnapshotBuilder::add_grid(GridRecord&& grid) { data_->grids.push_back(std::move(grid)); }

void SnapshotBuilder::add_alias(AliasRecord&& alias) { data_->aliases.push_back(std::move(alias)); }

std::unique_ptr<SnapshotData> SnapshotBuilder::finish(std::uint64_t sequence) {
  SnapshotData& d = *data_;
  d.sequence = sequence;
  d.built_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  d.number_chars.shrink_to_fit();
  d.attribute_blob.shrink_to_fit();

  std::sort(d.grids.begin(), d.grids.end(), [](const GridRecord& a, const GridRecord& b) { return a.id < b.id; });
  d.grid_bboxes.clear();
  std::vector<const MultiPolygon*> geometries;
  for (std::uint32_t g = 0; g < d.grids.size(); ++g) {
    d.grid_by_id.emplace(d.grids[g].id, g);
    d.grid_bboxes.push_back(geo::bounding_box(d.grids[g].geometry));
    geometries.push_back(&d.grids[g].geometry);
  }
  d.grid_areas.build(geometries);

  // Each pole's grid, on all cores.
  const std::size_t n = d.pole_count();
  d.pole_grid.assign(n, -1);
  const unsigned threads = std::max(1u, std::min(std::thread::hardware_concurrency(), 8u));
  {
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
  d.numbers.build(n, [raw](std::uint32_t p) { return raw->number(p); });
  d.pole_positions.build(d.positions);
  std::sort(d.aliases.begin(), d.aliases.end(),
            [](const AliasRecord& a, const AliasRecord& b) { return a.alias < b.alias; });
  d.alias_table.build(d.aliases, d.numbers.area_codes());
  return std::move(data_);
}

std::unique_ptr<SnapshotData> build_snapshot_data(std::vector<PoleRecord> poles, std::vector<GridRecord> grids,
                                                  std::vector<AliasRecord> aliases, std::uint64_t sequence) {
  std::sort(poles.begin(), poles.end(), [](const PoleRecord& a, const PoleRecord& b) { return a.number < b.number; });
  poles.erase(std::unique(poles.begin(), poles.end(),
                          [](const PoleRecord& a, const PoleRecord& b) { return a.number == b.number; }),
              poles.end());
  SnapshotBuilder b;
  for (const PoleRecord& p : poles) b.add_pole(p);
  for (GridRecord& g : grids) b.add_grid(std::move(g));
  for (AliasRecord& a : aliases) b.add_alias(std::move(a));
  return b.finish(sequence);
}

Attributes pole_attributes(const SnapshotData& d, std::uint32_t pole) {
  Attributes out;
  const char* p = d.attribute_blob.data() + d.attribute_offsets[pole];
  const std::uint64_t count = get_varint(p);
  out.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t key = get_varint(p);
    const std::uint64_t len = get_varint(p);
    out.emplace_back(d.attribute_keys[key], std::string(p, len));
    p += len;
  }
  return out;
}

}  // namespace poleloc
