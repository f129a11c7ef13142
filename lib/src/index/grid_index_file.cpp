#include "index/grid_index_file.hpp"

#include "geo/compact_geometry.hpp"
#include "geo/polygon_check.hpp"
#include "hash64.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace poleloc::index {
namespace {

// Change kVersion whenever GridIndex::build() or the layout below changes what
// they produce: a file of another version is never read.
constexpr char kMagic[8] = {'P', 'L', 'G', 'R', 'I', 'D', 'X', '\n'};
// 2: the fingerprint combines one per grid (grid_fingerprint).
// 3: the fingerprint is of the snapped grids (SnappedGrid), which the index owns.
// 4: the grids' snapped points are in the file, and every array is aligned to be read in place.
// 5: each exact grid's stored outline hash, polygon count and box (GridIndexMap::exact_grid).
constexpr std::uint32_t kVersion = 5;
// The byte-order word of both files' headers: 1 on the little-endian hosts that wrote them.
constexpr std::uint32_t kLittleEndian = std::endian::native == std::endian::little ? 1u : 0u;

// Layout, in the host's byte order (the header says which):
//   Header, 64 bytes;
//   the body: a table of kSections sections {offset from the file's start, bytes},
//   then the sections, each at an offset that is a multiple of kAlign.
// The checksum is of the whole body (table, sections and the zeros between
// them), in blocks of kHashBlock bytes, so that it can be taken reading the
// file through a buffer of that size.
struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t little_endian;  // 1 on the little-endian hosts that wrote it
  std::uint64_t fingerprint;    // grids_fingerprint() of the grids indexed
  std::uint64_t checksum;       // body_hash() of the body
  std::uint64_t body_bytes;     // the file's size less the header
  std::uint64_t grid_count;
  std::uint64_t reserved[2];
};
static_assert(sizeof(Header) == 64);

enum Section : std::size_t { kScalars, kGrids, kRings, kChunkOffsets, kChunks, kCells, kNodes, kLeaves, kPoints, kSections };
struct SectionPlace {
  std::uint64_t offset, bytes;
};
struct Scalars {
  std::int64_t min_x, min_y;
  std::int32_t shift;
  std::uint32_t nx, ny, pad;
  std::uint64_t stats[6];
};
// Per grid: its fingerprint, where its points are (in points, not bytes), and
// for an exact grid (SnappedGrid::exact) what an open needs to take it from
// the file without decoding its stored outline: the hash of that outline's
// stored bytes (stored_geometry_hash), its polygon count, its bounding box.
struct GridEntry {
  std::uint64_t fingerprint, begin, count;
  std::uint64_t stored_hash;  // 0 when not exact
  std::uint32_t polygons, exact;
  double box[4];  // min lon, min lat, max lon, max lat
};
static_assert(sizeof(GridEntry) == 72);
constexpr std::uint64_t kAlign = 64;
constexpr std::size_t kHashBlock = std::size_t{1} << 20;

std::uint64_t align_up(std::uint64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

// The body's hash: block after block of kHashBlock bytes (the last may be shorter).
class BodyHash {
 public:
  void block(const void* data, std::size_t n) { h_ = mix64(h_ ^ hash_bytes(data, n, blocks_++)); }
  std::uint64_t value() const { return mix64(h_ ^ blocks_); }

 private:
  std::uint64_t h_ = 0x6a09e667f3bcc908ull;
  std::uint64_t blocks_ = 0;
};

// Writes the body, hashing it as it goes.
class BodyWriter {
 public:
  explicit BodyWriter(std::FILE* out) : out_(out) { buffer_.reserve(kHashBlock); }
  void put(const void* data, std::size_t n) {
    const auto* p = static_cast<const char*>(data);
    while (n > 0 && ok_) {
      const std::size_t take = std::min(n, kHashBlock - buffer_.size());
      buffer_.insert(buffer_.end(), p, p + take);
      p += take;
      n -= take;
      at_ += take;
      if (buffer_.size() == kHashBlock) flush();
    }
  }
  void pad_to(std::uint64_t offset) {
    static constexpr char kZeros[kAlign] = {};
    while (at_ < offset && ok_) put(kZeros, static_cast<std::size_t>(std::min<std::uint64_t>(kAlign, offset - at_)));
  }
  bool finish() {
    if (!buffer_.empty()) flush();
    return ok_;
  }
  std::uint64_t at() const { return at_; }
  std::uint64_t checksum() const { return hash_.value(); }

 private:
  void flush() {
    hash_.block(buffer_.data(), buffer_.size());
    ok_ = ok_ && std::fwrite(buffer_.data(), 1, buffer_.size(), out_) == buffer_.size();
    buffer_.clear();
  }
  std::FILE* out_;
  std::vector<char> buffer_;
  BodyHash hash_;
  std::uint64_t at_ = sizeof(Header);  // offsets are from the file's start
  bool ok_ = true;
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

bool write_body(BodyWriter& w, const GridIndex& index, const std::vector<std::uint64_t>& fingerprints) {
  std::vector<std::uint32_t> ring_table;
  const GridIndex::Arrays a = index.arrays(ring_table);
  const Scalars scalars{a.min_x, a.min_y, a.shift, a.nx, a.ny, 0,
                        {a.stats.edges, a.stats.top_cells, a.stats.leaves, a.stats.splits, a.stats.runs, a.stats.max_leaf_edges}};
  std::vector<GridEntry> grids;
  grids.reserve(index.grid_count());
  std::uint64_t points = 0;
  for (std::uint32_t g = 0; g < index.grid_count(); ++g) {
    const SnappedGrid& grid = index.grid(g);
    const std::uint64_t n = grid.points.size();
    GridEntry e{fingerprints[g], points, n, 0, grid.polygons, grid.exact ? 1u : 0u, {0, 0, 0, 0}};
    if (grid.exact) {
      const MultiPolygon geometry = grid.rebuild();  // the very doubles stored
      e.stored_hash = stored_geometry_hash(geo::to_stored_geometry(geometry));
      const BBox box = geo::bounding_box(geometry);
      e.box[0] = box.min_lon, e.box[1] = box.min_lat, e.box[2] = box.max_lon, e.box[3] = box.max_lat;
    }
    grids.push_back(e);
    points += n;
  }
  const std::span<const std::byte> parts[kSections] = {
      std::as_bytes(std::span(&scalars, 1)), std::as_bytes(std::span(grids)), std::as_bytes(a.rings),
      std::as_bytes(a.chunk_offsets), a.chunks, std::as_bytes(a.cells), std::as_bytes(a.nodes),
      std::as_bytes(a.leaves), {}};
  SectionPlace table[kSections];
  std::uint64_t at = align_up(sizeof(Header) + sizeof table);
  for (std::size_t k = 0; k < kSections; ++k) {
    const std::uint64_t bytes = k == kPoints ? points * sizeof(SnappedGrid::Point) : parts[k].size();
    table[k] = {at, bytes};
    at = align_up(at + bytes);
  }
  w.put(table, sizeof table);
  for (std::size_t k = 0; k < kSections; ++k) {
    w.pad_to(table[k].offset);
    if (k != kPoints) {
      w.put(parts[k].data(), parts[k].size());
      continue;
    }
    for (std::uint32_t g = 0; g < index.grid_count(); ++g) {
      const auto& pts = index.grid(g).points;
      w.put(pts.data(), pts.size() * sizeof(SnappedGrid::Point));
    }
  }
  return w.finish();
}

// Room the file system must keep beside the file: a cache must never be what
// fills the disk under the database's own writes. 1 GB, or a twentieth of a
// smaller file system.
constexpr std::uintmax_t kKeepFreeBytes = std::uintmax_t{1} << 30;

// Writes `path` anew: write(file) into a temporary file beside it, renamed
// over `path` when every write succeeded (readers see the old file or the new
// one, never half), removed otherwise. Nothing is written when the file system
// would keep less than twice `bytes` (about the file's size) beyond
// kKeepFreeBytes free. Returns whether `path` now holds what write() wrote.
bool replace_file(const std::string& path, std::uintmax_t bytes, const std::function<bool(std::FILE*)>& write) {
  std::error_code ec;
  const auto space = std::filesystem::space(std::filesystem::path(path).parent_path(), ec);
  if (ec || space.available < std::min(kKeepFreeBytes, space.capacity / 20) + 2 * bytes) return false;
  static std::atomic<std::uint64_t> counter{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  bool ok = false;
  if (File f{std::fopen(tmp.c_str(), "wb")}) ok = write(f.get()) && std::fflush(f.get()) == 0;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

// The body's checksum when the file was written, nullopt when it was not.
std::optional<std::uint64_t> try_save(const GridIndex& index, const std::string& path, std::uint64_t fingerprint,
                                      const std::vector<std::uint64_t>& fingerprints) {
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.little_endian = kLittleEndian;
  h.fingerprint = fingerprint;
  h.grid_count = index.grid_count();
  const bool written = replace_file(path, index.memory_bytes() + index.mapped_bytes(), [&](std::FILE* f) {
    BodyWriter w(f);
    const bool body = std::fwrite(&h, sizeof h, 1, f) == 1 && write_body(w, index, fingerprints);
    h.checksum = w.checksum();  // known once the body is written: the header goes last
    h.body_bytes = w.at() - sizeof(Header);
    return body && std::fseek(f, 0, SEEK_SET) == 0 && std::fwrite(&h, sizeof h, 1, f) == 1;
  });
  return written ? std::optional<std::uint64_t>(h.checksum) : std::nullopt;
}

// Points the grids' points at the map's where the fingerprints say they are the same.
void read_points_in_place(std::vector<SnappedGrid>& grids, const std::vector<std::uint64_t>& fingerprints,
                          const std::shared_ptr<const GridIndexMap>& map) {
  for (std::size_t g = 0; g < grids.size(); ++g) {
    if (!grids[g].points.mapped() && map->holds(g, fingerprints[g], grids[g].points.size())) {
      grids[g].points = decltype(grids[g].points)(map->points(g), map);
    }
  }
}

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// The body hashed through a buffer (the page cache, not this process, holds what is read).
bool body_checksum(int fd, std::uint64_t body_bytes, std::uint64_t& out) {
  constexpr std::size_t kRead = 4 * kHashBlock;
  const std::unique_ptr<char[]> buffer(new char[kRead]);
  BodyHash hash;
  std::uint64_t at = sizeof(Header);
  const std::uint64_t end = sizeof(Header) + body_bytes;
  while (at < end) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kRead, end - at));
    std::size_t got = 0;
    while (got < want) {
      const ssize_t n = ::pread(fd, buffer.get() + got, want - got, static_cast<off_t>(at + got));
      if (n <= 0) return false;
      got += static_cast<std::size_t>(n);
    }
    for (std::size_t k = 0; k < want; k += kHashBlock) hash.block(buffer.get() + k, std::min(kHashBlock, want - k));
    at += want;
  }
  out = hash.value();
  return true;
}

std::uint64_t combined_fingerprint(std::size_t grids, auto&& grid) {
  std::uint64_t h = mix64(grids);
  for (std::size_t g = 0; g < grids; ++g) h = mix64(h ^ grid(g));
  return h;
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

std::uint64_t grids_fingerprint(const std::vector<SnappedGrid>& grids) {
  return combined_fingerprint(grids.size(), [&](std::size_t g) { return grid_fingerprint(grids[g]); });
}

std::shared_ptr<const GridIndexMap> GridIndexMap::open(const std::string& path,
                                                       std::optional<std::uint64_t> written_checksum) {
  const FdCloser fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) return nullptr;
  struct stat st {};
  Header h{};
  SectionPlace table[kSections];
  if (::fstat(fd.fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::uint64_t>(st.st_size) < sizeof h + sizeof table ||
      ::pread(fd.fd, &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h) ||
      std::memcmp(h.magic, kMagic, sizeof kMagic) != 0 || h.version != kVersion ||
      h.little_endian != kLittleEndian ||
      h.body_bytes != static_cast<std::uint64_t>(st.st_size) - sizeof h || h.grid_count > h.body_bytes ||
      h.reserved[0] != 0 || h.reserved[1] != 0) {
    return nullptr;
  }
  if (written_checksum != h.checksum) {  // not the file this process just wrote: hash it whole
    std::uint64_t checksum = 0;
    if (!body_checksum(fd.fd, h.body_bytes, checksum) || checksum != h.checksum) return nullptr;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.fd, 0);
  if (map == MAP_FAILED) return nullptr;
  std::shared_ptr<GridIndexMap> out(new GridIndexMap());
  out->map_ = map;
  out->bytes_ = size;
  out->fingerprint_ = h.fingerprint;
  const auto* base = static_cast<const std::byte*>(map);
  std::memcpy(table, base + sizeof h, sizeof table);
  std::span<const std::byte> part[kSections];
  for (std::size_t k = 0; k < kSections; ++k) {
    const SectionPlace& t = table[k];
    if (t.offset % kAlign != 0 || t.offset < sizeof h + sizeof table || t.offset > size || t.bytes > size - t.offset) {
      return nullptr;
    }
    part[k] = {base + t.offset, static_cast<std::size_t>(t.bytes)};
  }
  const auto u32s = [&](Section k) {
    return std::span<const std::uint32_t>(reinterpret_cast<const std::uint32_t*>(part[k].data()), part[k].size() / 4);
  };
  if (part[kScalars].size() != sizeof(Scalars) || part[kGrids].size() != h.grid_count * sizeof(GridEntry) ||
      part[kPoints].size() % sizeof(SnappedGrid::Point) != 0) {
    return nullptr;
  }
  for (const Section k : {kRings, kChunkOffsets, kCells, kNodes, kLeaves}) {
    if (part[k].size() % 4 != 0) return nullptr;
  }
  Scalars sc{};
  std::memcpy(&sc, part[kScalars].data(), sizeof sc);
  GridIndex::Arrays& a = out->arrays_;
  a.min_x = sc.min_x;
  a.min_y = sc.min_y;
  a.shift = sc.shift;
  a.nx = sc.nx;
  a.ny = sc.ny;
  a.stats = {sc.stats[0], sc.stats[1], sc.stats[2], sc.stats[3], sc.stats[4], sc.stats[5]};
  a.rings = u32s(kRings);
  a.chunk_offsets = u32s(kChunkOffsets);
  a.chunks = part[kChunks];
  a.cells = u32s(kCells);
  a.nodes = u32s(kNodes);
  a.leaves = u32s(kLeaves);
  const auto* points = reinterpret_cast<const SnappedGrid::Point*>(part[kPoints].data());
  const std::uint64_t point_count = part[kPoints].size() / sizeof(SnappedGrid::Point);
  const auto* entries = reinterpret_cast<const GridEntry*>(part[kGrids].data());
  out->grids_.reserve(static_cast<std::size_t>(h.grid_count));
  for (std::uint64_t g = 0; g < h.grid_count; ++g) {
    const GridEntry e = entries[g];
    if (e.begin > point_count || e.count > point_count - e.begin || e.exact > 1) return nullptr;
    out->grids_.push_back({e.fingerprint, {points + e.begin, static_cast<std::size_t>(e.count)}, e.stored_hash,
                           e.polygons, e.exact == 1, {e.box[0], e.box[1], e.box[2], e.box[3]}, 0, 0});
  }
  // Each grid's rings: consecutive in the ring table, in the grid's order.
  const auto& rings = a.rings;
  for (std::size_t k = 0, r = 0; k < rings.size(); k += 4, ++r) {
    if (rings[k] >= out->grids_.size()) return nullptr;
    Grid& grid = out->grids_[rings[k]];
    if (grid.ring_count == 0) grid.first_ring = r;
    if (grid.first_ring + grid.ring_count != r) return nullptr;
    ++grid.ring_count;
  }
  return out;
}

GridIndexMap::~GridIndexMap() {
  if (map_) ::munmap(map_, bytes_);
}

std::uint64_t stored_geometry_hash(std::string_view stored) {
  return hash_bytes(stored.data(), stored.size(), 0x73746f726564ull ^ stored.size());
}

std::optional<GridIndexMap::Exact> GridIndexMap::exact_grid(std::size_t g, std::string_view stored) const {
  if (g >= grids_.size() || !grids_[g].exact || grids_[g].stored_hash != stored_geometry_hash(stored)) return std::nullopt;
  return Exact{grids_[g].fingerprint, grids_[g].box};
}

SnappedGrid GridIndexMap::grid(const std::shared_ptr<const GridIndexMap>& map, std::size_t g) {
  const Grid& e = map->grids_[g];
  SnappedGrid out;
  out.polygons = e.polygons;
  out.exact = e.exact;
  std::uint32_t begin = 0;
  for (std::size_t r = e.first_ring; r < e.first_ring + e.ring_count; ++r) {
    const std::uint32_t* ring = map->arrays_.rings.data() + 4 * r;
    out.rings.push_back({ring[1], ring[2], begin, ring[3]});
    begin += ring[3];
  }
  if (begin == e.points.size()) out.points = decltype(out.points)(e.points, map);
  return out;
}

SnappedGrid keep_snapped(const SnappedGrid& grid, std::uint64_t fingerprint, std::size_t g,
                         const std::shared_ptr<const GridIndexMap>& map, const std::shared_ptr<PointArena>& arena) {
  SnappedGrid out;
  out.rings = grid.rings;
  out.polygons = grid.polygons;
  out.exact = grid.exact;
  if (map && map->holds(g, fingerprint, grid.points.size())) {
    out.points = decltype(out.points)(map->points(g), map);
  } else {
    using Storage = decltype(out.points)::Storage;
    out.points = decltype(out.points)(Storage(grid.points.begin(), grid.points.end(), ArenaAllocator<SnappedGrid::Point>(arena)));
  }
  return out;
}

bool read_written_in_place(GridIndex& index, const GridIndexFile& file, const WrittenIndex& written) {
  if (!written.written) return false;
  const auto map = GridIndexMap::open(file.path, written.checksum);
  if (!map || map->fingerprint() != written.fingerprint) return false;
  std::vector<SnappedGrid> built = index.release_grids();
  read_points_in_place(built, written.grid_fingerprints, map);
  if (index.attach(map->arrays(), map, built)) return true;
  index.build_snapped(std::move(built));  // not expected: the file was written from this index
  return false;
}

bool load_or_build(GridIndex& index, std::vector<SnappedGrid> grids, const GridIndexFile& file,
                   const std::vector<std::uint64_t>* grid_fingerprints, std::shared_ptr<const GridIndexMap> map,
                   std::uint64_t* fingerprint_out, WrittenIndex* written) {
  if (fingerprint_out) *fingerprint_out = 0;
  if (written) *written = {};
  if (file.path.empty()) {
    index.build_snapped(std::move(grids));
    return false;
  }
  if (edge_count(grids) < file.min_edges) {
    index.build_snapped(std::move(grids));
    if (file.write) {  // the index of grids since made smaller
      std::remove(file.path.c_str());
      std::remove((file.path + kPoleGridsSuffix).c_str());
    }
    return false;
  }
  std::vector<std::uint64_t> fingerprints;
  if (grid_fingerprints && grid_fingerprints->size() == grids.size()) {
    fingerprints = *grid_fingerprints;
  } else {
    fingerprints.reserve(grids.size());
    for (const SnappedGrid& g : grids) fingerprints.push_back(grid_fingerprint(g));
  }
  const std::uint64_t fingerprint = combined_fingerprint(grids.size(), [&](std::size_t g) { return fingerprints[g]; });
  if (fingerprint_out) *fingerprint_out = fingerprint;
  if (!map) map = GridIndexMap::open(file.path);
  if (map && map->fingerprint() == fingerprint && map->grid_count() == grids.size()) {
    // The same points as the file's (the fingerprints say so): read in place, the copies freed.
    read_points_in_place(grids, fingerprints, map);
    if (index.attach(map->arrays(), map, grids)) return true;
  }
  map = nullptr;
  index.build_snapped(std::move(grids));
  if (!file.write) return false;
  const auto checksum = try_save(index, file.path, fingerprint, fingerprints);
  if (!checksum) return false;
  // Written: from now on read in place like any later open, and the built
  // copies freed; now, or when the caller says (`written`).
  WrittenIndex done{true, fingerprint, *checksum, std::move(fingerprints)};
  if (written) {
    *written = std::move(done);
  } else {
    read_written_in_place(index, file, done);
  }
  return false;
}

namespace {

constexpr char kPoleGridsMagic[8] = {'P', 'L', 'P', 'O', 'L', 'E', 'G', '\n'};

struct PoleGridsHeader {
  char magic[8];
  std::uint32_t version;  // kVersion of the grid index (the boundary rule it answers by)
  std::uint32_t little_endian;
  std::uint64_t grids_fingerprint;
  std::uint64_t positions_hash;
  std::uint64_t count;
  std::uint64_t checksum;  // of the grids that follow
};

std::uint64_t positions_hash(std::span<const LonLat> positions) {
  return hash_bytes(positions.data(), positions.size_bytes(), positions.size());
}

}  // namespace

std::optional<std::vector<std::int32_t>> load_pole_grids(const std::string& index_path, std::uint64_t grids_fingerprint,
                                                         std::span<const LonLat> positions) {
  File f(std::fopen((index_path + kPoleGridsSuffix).c_str(), "rb"));
  PoleGridsHeader h{};
  if (!f || std::fread(&h, sizeof h, 1, f.get()) != 1 || std::memcmp(h.magic, kPoleGridsMagic, sizeof h.magic) != 0 ||
      h.version != kVersion || h.little_endian != kLittleEndian ||
      h.grids_fingerprint != grids_fingerprint || h.count != positions.size() ||
      h.positions_hash != positions_hash(positions)) {
    return std::nullopt;
  }
  std::vector<std::int32_t> grids(positions.size());
  if (std::fread(grids.data(), sizeof(std::int32_t), grids.size(), f.get()) != grids.size() ||
      std::fgetc(f.get()) != EOF || hash_bytes(grids.data(), grids.size() * sizeof(std::int32_t), h.count) != h.checksum) {
    return std::nullopt;
  }
  return grids;
}

void save_pole_grids(const std::string& index_path, std::uint64_t grids_fingerprint, std::span<const LonLat> positions,
                     std::span<const std::int32_t> grids) {
  if (grids.size() != positions.size()) return;
  PoleGridsHeader h{};
  std::memcpy(h.magic, kPoleGridsMagic, sizeof h.magic);
  h.version = kVersion;
  h.little_endian = kLittleEndian;
  h.grids_fingerprint = grids_fingerprint;
  h.positions_hash = positions_hash(positions);
  h.count = grids.size();
  h.checksum = hash_bytes(grids.data(), grids.size_bytes(), h.count);
  replace_file(index_path + kPoleGridsSuffix, grids.size_bytes(), [&](std::FILE* f) {
    return std::fwrite(&h, sizeof h, 1, f) == 1 && std::fwrite(grids.data(), sizeof(std::int32_t), grids.size(), f) == grids.size();
  });
}

std::uint64_t grid_fingerprint(const MultiPolygon& geometry) { return grid_fingerprint(SnappedGrid::of(geometry)); }

bool load_or_build(GridIndex& index, const std::vector<const MultiPolygon*>& geometries, const GridIndexFile& file,
                   const std::vector<std::uint64_t>* grid_fingerprints) {
  return load_or_build(index, SnappedGrid::of_each(geometries), file, grid_fingerprints);
}

}  // namespace poleloc::index
