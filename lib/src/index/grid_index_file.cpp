#include "index/grid_index_file.hpp"

#include "hash64.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <unistd.h>

namespace poleloc::index {
namespace {

// Change kVersion whenever GridIndex::build() or save() changes what they
// produce: a file of another version is never read.
constexpr char kMagic[8] = {'P', 'L', 'G', 'R', 'I', 'D', 'X', '\n'};
// 2: the fingerprint combines one per grid (grid_fingerprint).
// 3: the fingerprint is of the snapped grids (SnappedGrid), which the index owns.
constexpr std::uint32_t kVersion = 3;

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t little_endian;  // 1 on the little-endian hosts that wrote it
  std::uint64_t fingerprint;    // geometry_fingerprint() of the grids indexed
  std::uint64_t checksum;       // GridIndex::content_hash() of the index stored
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::size_t edge_count(const std::vector<SnappedGrid>& grids) {
  std::size_t n = 0;
  for (const SnappedGrid& g : grids) {
    for (const SnappedGrid::RingSpan& r : g.rings) n += r.size - 1;
  }
  return n;
}

// On success the index takes `grids`; otherwise they are left as they were.
bool try_load(GridIndex& index, std::vector<SnappedGrid>& grids, const std::string& path, std::uint64_t fingerprint) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) return false;
  Header h{};
  if (std::fread(&h, sizeof h, 1, f.get()) != 1 || std::memcmp(h.magic, kMagic, sizeof kMagic) != 0 ||
      h.version != kVersion || h.little_endian != (std::endian::native == std::endian::little ? 1u : 0u) ||
      h.fingerprint != fingerprint) {
    return false;
  }
  return index.load(f.get(), grids, h.checksum);
}

// Room the file system must keep beside the file: a cache must never be what
// fills the disk under the database's own writes. 1 GB, or a twentieth of a
// smaller file system.
constexpr std::uintmax_t kKeepFreeBytes = std::uintmax_t{1} << 30;

void try_save(const GridIndex& index, const std::string& path, std::uint64_t fingerprint) {
  std::error_code ec;
  const auto space = std::filesystem::space(std::filesystem::path(path).parent_path(), ec);
  const std::uintmax_t keep = std::min(kKeepFreeBytes, space.capacity / 20);
  if (ec || space.available < keep + 2 * static_cast<std::uintmax_t>(index.memory_bytes())) return;
  static std::atomic<std::uint64_t> counter{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.little_endian = std::endian::native == std::endian::little ? 1u : 0u;
  h.fingerprint = fingerprint;
  h.checksum = index.content_hash();
  bool ok = false;
  if (File f{std::fopen(tmp.c_str(), "wb")}) {
    ok = std::fwrite(&h, sizeof h, 1, f.get()) == 1 && index.save(f.get()) && std::fflush(f.get()) == 0;
  }
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) std::remove(tmp.c_str());
}

std::atomic<std::size_t> min_edges_setting{kGridIndexFileMinEdges};

}  // namespace

std::size_t grid_index_file_min_edges() { return min_edges_setting.load(std::memory_order_relaxed); }
void set_grid_index_file_min_edges(std::size_t edges) { min_edges_setting.store(edges, std::memory_order_relaxed); }

std::uint64_t grid_fingerprint(const SnappedGrid& grid) {
  std::uint64_t h = mix64(grid.polygons);
  for (const SnappedGrid::RingSpan& r : grid.rings) {
    h = mix64(h ^ (std::uint64_t{r.polygon} << 32 | r.ring));
    h = hash_bytes(grid.points.data() + r.begin, std::size_t{r.size} * sizeof(SnappedGrid::Point), h ^ r.size);
  }
  return h;
}

namespace {

std::uint64_t combined_fingerprint(std::size_t grids, auto&& grid) {
  std::uint64_t h = mix64(grids);
  for (std::size_t g = 0; g < grids; ++g) h = mix64(h ^ grid(g));
  return h;
}

}  // namespace

std::uint64_t grids_fingerprint(const std::vector<SnappedGrid>& grids) {
  return combined_fingerprint(grids.size(), [&](std::size_t g) { return grid_fingerprint(grids[g]); });
}

bool load_or_build(GridIndex& index, std::vector<SnappedGrid> grids, const GridIndexFile& file,
                   const std::vector<std::uint64_t>* grid_fingerprints) {
  if (file.path.empty()) {
    index.build_snapped(std::move(grids));
    return false;
  }
  if (edge_count(grids) < file.min_edges) {
    index.build_snapped(std::move(grids));
    if (file.write) std::remove(file.path.c_str());  // the index of grids since made smaller
    return false;
  }
  const std::uint64_t fingerprint =
      grid_fingerprints && grid_fingerprints->size() == grids.size()
          ? combined_fingerprint(grids.size(), [&](std::size_t g) { return (*grid_fingerprints)[g]; })
          : grids_fingerprint(grids);
  if (try_load(index, grids, file.path, fingerprint)) return true;
  index.build_snapped(std::move(grids));
  if (file.write) try_save(index, file.path, fingerprint);
  return false;
}

std::uint64_t grid_fingerprint(const MultiPolygon& geometry) { return grid_fingerprint(SnappedGrid::of(geometry)); }

bool load_or_build(GridIndex& index, const std::vector<const MultiPolygon*>& geometries, const GridIndexFile& file,
                   const std::vector<std::uint64_t>* grid_fingerprints) {
  return load_or_build(index, SnappedGrid::of_each(geometries), file, grid_fingerprints);
}

}  // namespace poleloc::index
