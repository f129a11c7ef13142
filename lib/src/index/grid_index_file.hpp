// grid_index_file.hpp: the grid index kept in a file beside the database, so
// that an open reads it instead of building it again (seconds for grids of
// tens of millions of vertices).
//
//   index::GridIndexFile file{db_path + "/" + index::kGridIndexFileName, /*write=*/true};
//   const bool loaded = index::load_or_build(idx, std::move(snapped_grids), file);
//
//   // An open that snaps grid after grid: the points of each grid the file
//   // holds as they are are read in place, not kept in memory.
//   auto map = index::GridIndexMap::open(file.path);
//   index::SnappedGrid kept = index::keep_snapped(scratch, fingerprint, g, map, arena);
//
// The file is a cache: it is trusted only when its header names this format
// version and the fingerprint of exactly these grids (every snapped
// coordinate, ring and grid, in order), and when its contents hash to the
// checksum in the header. Anything else (no file, another version, grids since
// redrawn, a torn or damaged file) builds the index as if there were no file,
// and rewrites the file when writing is allowed (a new temporary file renamed
// over the old one: readers see the old file or the new one, never half).
// A failure to write only costs the next open a build; so does a file system
// with less than twice the file plus 1 GB (or a twentieth of a smaller file
// system) free, where the file is not written at all: the database's own
// writes need the room more.
//
// Read in place: the file holds the index's arrays and every grid's snapped
// coordinates, and an open maps it (GridIndexMap) rather than copying it. The
// checksum is taken by reading the file through a small buffer, so the
// process holds none of it until queries touch its pages; those pages are the
// kernel's page cache, shared with every process that maps the file and given
// back under memory pressure. The file is only ever replaced by a rename, never
// written in place: a process that maps it keeps the version it opened (its
// disk space is freed when the last such process lets go). Do not edit or
// truncate the file under a running server: its reads would fault.
//
// Small indexes are not kept in files: under about 4 million edges the build
// (0.1-0.3 s, beside the reading of the poles) costs no more than reading the
// file and checking it (measured on 20,000 grids of 90 vertices: an open of
// 1.03-1.19 s without the file, 1.15-1.36 s with it). An open allowed to
// write removes the file of an index that has become small.
#pragma once

#include "index/grid_index.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace poleloc::index {

inline constexpr const char* kGridIndexFileName = "poleloc-grid-index";
inline constexpr std::size_t kGridIndexFileMinEdges = std::size_t{4} << 20;

// The size from which the Service keeps its grid index in a file
// (kGridIndexFileMinEdges; tests lower it to exercise the file on small cities).
std::size_t grid_index_file_min_edges();
void set_grid_index_file_min_edges(std::size_t edges);

struct GridIndexFile {
  std::string path;    // empty: no file
  bool write = false;  // may create, replace or remove the file
  std::size_t min_edges = grid_index_file_min_edges();
};

// The fingerprint of one snapped grid (every coordinate of every ring, in
// order, and where each ring is), and of the grids an index is built on (each
// grid's, in order). A caller that has just snapped a grid takes its
// fingerprint then, while its coordinates are still in the cache: with 40
// million vertices a second pass over the 320 MB of them costs a tenth of the open.
std::uint64_t grid_fingerprint(const SnappedGrid& grid);
std::uint64_t grids_fingerprint(const std::vector<SnappedGrid>& grids);

// A grid index file checked whole (header, size, checksum) and mapped read-only.
class GridIndexMap {
 public:
  // Null when there is no file at `path`, or it is not a whole, undamaged file of this version.
  // `written_checksum`: the body's checksum as this process computed it while
  // writing the file; when the header holds that very checksum the body is not
  // read and hashed again (every other check is made).
  static std::shared_ptr<const GridIndexMap> open(const std::string& path,
                                                  std::optional<std::uint64_t> written_checksum = std::nullopt);
  ~GridIndexMap();
  GridIndexMap(const GridIndexMap&) = delete;
  GridIndexMap& operator=(const GridIndexMap&) = delete;

  std::uint64_t fingerprint() const { return fingerprint_; }  // of all its grids, as grids_fingerprint()
  std::size_t grid_count() const { return grids_.size(); }
  std::uint64_t grid_fingerprint(std::size_t g) const { return grids_[g].fingerprint; }
  std::span<const SnappedGrid::Point> points(std::size_t g) const { return grids_[g].points; }
  // Whether it holds grid `g` with this fingerprint and point count: points(g) are then that grid's.
  bool holds(std::size_t g, std::uint64_t fingerprint, std::size_t point_count) const {
    return g < grids_.size() && grids_[g].fingerprint == fingerprint && grids_[g].points.size() == point_count;
  }
  // Grid `g` as the file holds it, when it is exact (SnappedGrid::exact) and
  // `stored` (the stored bytes of its outline, geo::to_stored_geometry) are those
  // it was written from: the caller need not decode them. Its fingerprint and box.
  struct Exact {
    std::uint64_t fingerprint;
    BBox box;
  };
  std::optional<Exact> exact_grid(std::size_t g, std::string_view stored) const;
  // That grid, its points read in place (rings empty when the file's rings do not fit its points).
  static SnappedGrid grid(const std::shared_ptr<const GridIndexMap>& map, std::size_t g);

  // The index's arrays, in place (valid as long as this map).
  const GridIndex::Arrays& arrays() const { return arrays_; }
  std::size_t bytes() const { return bytes_; }

 private:
  GridIndexMap() = default;
  struct Grid {
    std::uint64_t fingerprint;
    std::span<const SnappedGrid::Point> points;
    std::uint64_t stored_hash;
    std::uint32_t polygons;
    bool exact;
    BBox box;
    std::size_t first_ring, ring_count;  // in arrays().rings (4 values a ring)
  };
  void* map_ = nullptr;
  std::size_t bytes_ = 0;
  std::uint64_t fingerprint_ = 0;
  std::vector<Grid> grids_;
  GridIndex::Arrays arrays_;
};

// The hash of a grid's stored outline bytes that GridIndexMap::exact_grid() compares.
std::uint64_t stored_geometry_hash(std::string_view stored);

// `grid` (just snapped, into a scratch), kept: its points read in place from
// `map` when the map holds grid `g` with this fingerprint; otherwise copied
// into `arena` (the heap when null). A grid the file holds costs no memory of
// its own but its rings.
SnappedGrid keep_snapped(const SnappedGrid& grid, std::uint64_t fingerprint, std::size_t g,
                         const std::shared_ptr<const GridIndexMap>& map, const std::shared_ptr<PointArena>& arena);

// Loads `index` from `file` when the file holds the index of `grids`;
// otherwise builds it (GridIndex::build) and, if allowed, writes the file.
// Either way the index takes the grids. Returns whether it was loaded.
// `grid_fingerprints`, if not null, holds grid_fingerprint() of each of
// `grids` (taken by the caller beforehand). `map`, if not null, is the file
// opened already (GridIndexMap::open of file.path). `fingerprint`, if not
// null, is set to grids_fingerprint() of the grids when the index is large
// enough to be kept in a file, and to 0 otherwise.
//
// Once it has written the file, the index is read in place from it and the
// built copies are freed, as after any later open. `written`, if not null,
// defers that step: load_or_build fills it, and the caller calls
// read_written_in_place() when it is done with work that reads the whole
// index (placing every pole in its grid, say), which the built copies answer
// without bringing every page of the new file into the process as well.
struct WrittenIndex {
  bool written = false;
  std::uint64_t fingerprint = 0;
  std::uint64_t checksum = 0;  // of the body as written (GridIndexMap::open need not hash it again)
  std::vector<std::uint64_t> grid_fingerprints;
};
bool load_or_build(GridIndex& index, std::vector<SnappedGrid> grids, const GridIndexFile& file,
                   const std::vector<std::uint64_t>* grid_fingerprints = nullptr,
                   std::shared_ptr<const GridIndexMap> map = nullptr, std::uint64_t* fingerprint = nullptr,
                   WrittenIndex* written = nullptr);
// After load_or_build wrote `file` (written.written): maps it and reads the
// index in place from it, freeing the built copies. Returns whether it did
// (false, the index left as built, when the file is gone or another).
bool read_written_in_place(GridIndex& index, const GridIndexFile& file, const WrittenIndex& written);

// The grid of each pole (-1: none), kept beside the grid index file (its path
// plus kPoleGridsSuffix): an open that reads the index in place need not test
// every pole against it, which would bring all of the index into memory. It is
// keyed to the grids' fingerprint and to every pole's position (their bytes,
// in order); any difference, damage or another version, and load_pole_grids()
// gives nullopt: the caller tests the poles, and writes the file again if it may.
inline constexpr const char* kPoleGridsSuffix = ".poles";
std::optional<std::vector<std::int32_t>> load_pole_grids(const std::string& index_path, std::uint64_t grids_fingerprint,
                                                         std::span<const LonLat> positions);
void save_pole_grids(const std::string& index_path, std::uint64_t grids_fingerprint, std::span<const LonLat> positions,
                     std::span<const std::int32_t> grids);

// The same from the grids' geometries (snapped here).
std::uint64_t grid_fingerprint(const MultiPolygon& geometry);
bool load_or_build(GridIndex& index, const std::vector<const MultiPolygon*>& geometries, const GridIndexFile& file,
                   const std::vector<std::uint64_t>* grid_fingerprints = nullptr);

}  // namespace poleloc::index
