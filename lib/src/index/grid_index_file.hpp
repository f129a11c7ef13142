// grid_index_file.hpp: the grid index kept in a file beside the database, so
// that an open reads it instead of building it again (seconds for grids of
// tens of millions of vertices).
//
//   index::GridIndexFile file{db_path + "/" + index::kGridIndexFileName, /*write=*/true};
//   const bool loaded = index::load_or_build(idx, std::move(snapped_grids), file);
//
// The file is a cache: it is trusted only when its header names this format
// version and the fingerprint of exactly these grids (every snapped
// coordinate, ring and grid, in order), and when its contents hash to the
// checksum in the header. It holds no coordinates: the index takes the
// snapped grids it is given. Anything else (no file, another version, grids since redrawn, a
// torn or damaged file) builds the index as if there were no file, and
// rewrites the file when writing is allowed (a new temporary file renamed
// over the old one: readers see the old file or the new one, never half).
// A failure to write only costs the next open a build; so does a file system
// with less than twice the file plus 1 GB (or a twentieth of a smaller file
// system) free, where the file is not written at all: the database's own
// writes need the room more.
//
// Small indexes are not kept in files: under about 4 million edges the build
// (0.1-0.3 s, beside the reading of the poles) costs no more than reading the
// file and checking it (measured on 20,000 grids of 90 vertices: an open of
// 1.03-1.19 s without the file, 1.15-1.36 s with it). An open allowed to
// write removes the file of an index that has become small.
#pragma once

#include "index/grid_index.hpp"

#include <cstdint>
#include <string>
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

// Loads `index` from `file` when the file holds the index of `grids`;
// otherwise builds it (GridIndex::build) and, if allowed, writes the file.
// Either way the index takes the grids. Returns whether it was loaded.
// `grid_fingerprints`, if not null, holds grid_fingerprint() of each of
// `grids` (taken by the caller beforehand).
bool load_or_build(GridIndex& index, std::vector<SnappedGrid> grids, const GridIndexFile& file,
                   const std::vector<std::uint64_t>* grid_fingerprints = nullptr);

// The same from the grids' geometries (snapped here).
std::uint64_t grid_fingerprint(const MultiPolygon& geometry);
bool load_or_build(GridIndex& index, const std::vector<const MultiPolygon*>& geometries, const GridIndexFile& file,
                   const std::vector<std::uint64_t>* grid_fingerprints = nullptr);

}  // namespace poleloc::index
