// index::load_or_build: the grid index kept in a file beside the database. A
// file is a cache: it must be used only when it holds the index of exactly the
// grids given, and anything else (grids redrawn, a damaged, truncated or
// foreign file, no right to write) must end in a correct index built anew.
#include "geo/compact_geometry.hpp"
#include "geo/polygon_check.hpp"
#include "index/grid_index_file.hpp"
#include "test_support.hpp"

#include <poleloc/service.hpp>

#include "synthetic_city.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

using namespace poleloc;

namespace {

struct City {
  std::vector<GridRecord> grids;
  std::vector<const MultiPolygon*> geometries() const {
    std::vector<const MultiPolygon*> out;
    for (const GridRecord& g : grids) out.push_back(&g.geometry);
    return out;
  }
};

City city() {
  synth::CityOptions o{.grids = 40, .poles = 100, .seed = 3};
  o.vertices_per_grid = 2000;
  o.pole_attributes = false;
  return {synth::make_city(o).grids};
}

// Points over the grids' box and a little beyond, and every 7th vertex (boundary points).
std::vector<LonLat> probes(const City& c) {
  BBox box{180, 90, -180, -90};
  std::vector<LonLat> out;
  for (const GridRecord& g : c.grids) {
    for (const Polygon& p : g.geometry) {
      for (const Ring& r : p.rings) {
        for (std::size_t i = 0; i < r.size(); ++i) {
          box = {std::min(box.min_lon, r[i].lon), std::min(box.min_lat, r[i].lat), std::max(box.max_lon, r[i].lon),
                 std::max(box.max_lat, r[i].lat)};
          if (i % 7 == 0) out.push_back(r[i]);
        }
      }
    }
  }
  std::mt19937_64 rng(11);
  const double w = box.max_lon - box.min_lon, h = box.max_lat - box.min_lat;
  std::uniform_real_distribution<double> lon(box.min_lon - 0.05 * w, box.max_lon + 0.05 * w);
  std::uniform_real_distribution<double> lat(box.min_lat - 0.05 * h, box.max_lat + 0.05 * h);
  for (int i = 0; i < 20000; ++i) out.push_back({lon(rng), lat(rng)});
  return out;
}

// Every probe answered the same by `index` as by an index built now.
void expect_as_built(const index::GridIndex& index, const City& c) {
  index::GridIndex built;
  built.build(c.geometries());
  std::size_t differ = 0;
  for (const LonLat& p : probes(c)) differ += index.find(p) != built.find(p);
  EXPECT_EQ(differ, 0u);
  EXPECT_EQ(index.content_hash(), built.content_hash());
}

// Through the Service, files for indexes of 100,000 edges and more, in one test only.
struct SmallIndexFiles {
  SmallIndexFiles() { index::set_grid_index_file_min_edges(100'000); }
  ~SmallIndexFiles() { index::set_grid_index_file_min_edges(index::kGridIndexFileMinEdges); }
  SmallIndexFiles(const SmallIndexFiles&) = delete;
  SmallIndexFiles& operator=(const SmallIndexFiles&) = delete;
};

index::GridIndexFile file_in(const fixtures::TempDir& dir, bool write = true) {
  return {dir.path() + "/" + index::kGridIndexFileName, write, 0};
}

void overwrite_byte(const std::string& path, std::uintmax_t at) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  const char c = static_cast<char>(f.get());
  f.seekp(static_cast<std::streamoff>(at));
  f.put(static_cast<char>(c ^ 0x5a));
}

}  // namespace

TEST(GridIndexFile, SecondOpenReadsTheFileAndAnswersAsABuild) {
  const City c = city();
  fixtures::TempDir dir;
  const auto file = file_in(dir);
  index::GridIndex first;
  EXPECT_FALSE(index::load_or_build(first, c.geometries(), file));  // built, and written
  ASSERT_TRUE(std::filesystem::exists(file.path));
  index::GridIndex second;
  EXPECT_TRUE(index::load_or_build(second, c.geometries(), file));
  expect_as_built(second, c);
  // The rings point into the geometries given: a copy of the grids works the same.
  const City copy = c;
  index::GridIndex third;
  EXPECT_TRUE(index::load_or_build(third, copy.geometries(), file));
  expect_as_built(third, copy);
  EXPECT_EQ(third.candidates({-180, -90, 180, 90}).size(), c.grids.size());
}

// An open takes each grid's fingerprint as it decodes it; a file written from
// those must be the file written from the geometries, and the reverse.
TEST(GridIndexFile, FingerprintsTakenPerGridAreTheGeometriesFingerprint) {
  City c = city();
  std::vector<std::uint64_t> each;
  for (const GridRecord& g : c.grids) each.push_back(index::grid_fingerprint(g.geometry));
  fixtures::TempDir dir;
  const auto file = file_in(dir);
  const index::GridIndexFile read_only{file.path, false, 0};
  index::GridIndex idx;
  EXPECT_FALSE(index::load_or_build(idx, c.geometries(), file, &each));  // written from the per-grid fingerprints
  index::GridIndex plain;
  EXPECT_TRUE(index::load_or_build(plain, c.geometries(), read_only));
  expect_as_built(plain, c);
  std::filesystem::remove(file.path);
  index::load_or_build(idx, c.geometries(), file);  // written from the geometries
  index::GridIndex given;
  EXPECT_TRUE(index::load_or_build(given, c.geometries(), read_only, &each));
  expect_as_built(given, c);
  // A list of another length is not used; one vertex moved changes its grid's fingerprint.
  const std::vector<std::uint64_t> short_list(each.begin(), each.end() - 1);
  EXPECT_TRUE(index::load_or_build(given, c.geometries(), read_only, &short_list));
  c.grids[3].geometry[0].rings[0][2].lat += 3e-7;  // 3 cm: another snapped coordinate
  EXPECT_NE(index::grid_fingerprint(c.grids[3].geometry), each[3]);
  each[3] = index::grid_fingerprint(c.grids[3].geometry);
  index::GridIndex redrawn;
  EXPECT_FALSE(index::load_or_build(redrawn, c.geometries(), read_only, &each));
  expect_as_built(redrawn, c);
}

TEST(GridIndexFile, RedrawnGridIsBuiltAnewAndTheFileReplaced) {
  City c = city();
  fixtures::TempDir dir;
  const auto file = file_in(dir);
  index::GridIndex idx;
  index::load_or_build(idx, c.geometries(), file);
  // One vertex moved by a hair, within its snapped 1e-7 degree: the same index, the file is used.
  Ring& ring = c.grids[5].geometry[0].rings[0];
  ring[3].lon += 1e-11;
  index::GridIndex same;
  EXPECT_TRUE(index::load_or_build(same, c.geometries(), file));
  expect_as_built(same, c);
  // Moved by 3 cm: another snapped coordinate, another fingerprint.
  ring[3].lon += 3e-7;
  index::GridIndex redrawn;
  EXPECT_FALSE(index::load_or_build(redrawn, c.geometries(), file));
  expect_as_built(redrawn, c);
  index::GridIndex again;
  EXPECT_TRUE(index::load_or_build(again, c.geometries(), file));  // the file now holds the redrawn grids
  expect_as_built(again, c);
  // Fewer grids, or the same grids in another order, are other grids too.
  City fewer = c;
  fewer.grids.pop_back();
  EXPECT_FALSE(index::load_or_build(again, fewer.geometries(), {file.path, false, 0}));
  City swapped = c;
  std::swap(swapped.grids[0], swapped.grids[1]);
  EXPECT_FALSE(index::load_or_build(again, swapped.geometries(), {file.path, false, 0}));
  expect_as_built(again, swapped);
}

TEST(GridIndexFile, DamagedTruncatedOrForeignFileIsNeverUsed) {
  const City c = city();
  fixtures::TempDir dir;
  const auto file = file_in(dir);
  index::GridIndex idx;
  index::load_or_build(idx, c.geometries(), file);
  const std::uintmax_t size = std::filesystem::file_size(file.path);
  ASSERT_GT(size, 1000u);
  const index::GridIndexFile read_only{file.path, false, 0};
  // A byte changed anywhere: in the header, the scalars, the arrays' counts or their contents.
  for (const std::uintmax_t at : {std::uintmax_t{2}, std::uintmax_t{12}, std::uintmax_t{40}, std::uintmax_t{100},
                                  size / 3, size / 2, size - 1}) {
    overwrite_byte(file.path, at);
    index::GridIndex damaged;
    EXPECT_FALSE(index::load_or_build(damaged, c.geometries(), read_only)) << "byte " << at;
    expect_as_built(damaged, c);
    overwrite_byte(file.path, at);  // back as it was
  }
  index::GridIndex whole;
  EXPECT_TRUE(index::load_or_build(whole, c.geometries(), read_only));
  // Cut short, at any length.
  for (const std::uintmax_t keep : {std::uintmax_t{0}, std::uintmax_t{7}, std::uintmax_t{32}, size / 2, size - 1}) {
    fixtures::TempDir other;
    const index::GridIndexFile cut{other.path() + "/" + index::kGridIndexFileName, false, 0};
    std::filesystem::copy_file(file.path, cut.path);
    std::filesystem::resize_file(cut.path, keep);
    index::GridIndex truncated;
    EXPECT_FALSE(index::load_or_build(truncated, c.geometries(), cut)) << "kept " << keep;
    expect_as_built(truncated, c);
  }
  // Not an index file at all.
  {
    std::ofstream(file.path, std::ios::trunc) << "{\"type\": \"FeatureCollection\"}";
    index::GridIndex foreign;
    EXPECT_FALSE(index::load_or_build(foreign, c.geometries(), read_only));
    expect_as_built(foreign, c);
  }
  // Rewritten by the next open allowed to write.
  index::GridIndex rebuilt;
  EXPECT_FALSE(index::load_or_build(rebuilt, c.geometries(), file));
  EXPECT_TRUE(index::load_or_build(rebuilt, c.geometries(), read_only));
}

TEST(GridIndexFile, NoFileWithoutLeaveToWriteOrBelowTheSizeWorthIt) {
  const City c = city();
  fixtures::TempDir dir;
  index::GridIndex idx;
  EXPECT_FALSE(index::load_or_build(idx, c.geometries(), file_in(dir, false)));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/" + index::kGridIndexFileName));
  index::GridIndexFile small = file_in(dir);
  small.min_edges = 10'000'000;
  EXPECT_FALSE(index::load_or_build(idx, c.geometries(), small));
  EXPECT_FALSE(std::filesystem::exists(small.path));
  expect_as_built(idx, c);
  // The file of an index that has since become small is removed by an open allowed to write.
  index::load_or_build(idx, c.geometries(), file_in(dir));
  ASSERT_TRUE(std::filesystem::exists(small.path));
  EXPECT_FALSE(index::load_or_build(idx, c.geometries(), small));
  EXPECT_FALSE(std::filesystem::exists(small.path));
  // A directory that does not exist: the index is built, nothing is written, nothing fails.
  index::GridIndex elsewhere;
  EXPECT_FALSE(index::load_or_build(elsewhere, c.geometries(), {dir.path() + "/missing/index", true, 0}));
  expect_as_built(elsewhere, c);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));  // no temporary file left behind either
}

// Through the Service: an import writes the file, a read-only open reads it,
// and a merge after a grid is redrawn replaces it.
TEST(GridIndexFile, ServiceWritesTheFileOnImportReadsItOnOpenAndReplacesItAfterARedraw) {
  synth::CityOptions o{.grids = 60, .poles = 2000, .seed = 5};
  o.vertices_per_grid = 5000;
  o.pole_attributes = false;
  const SmallIndexFiles small_index_files;
  Dataset data = synth::make_city(o);
  fixtures::TempDir dir;
  const std::string db = dir.path() + "/db";
  const std::string file = db + "/" + index::kGridIndexFileName;
  auto writer = Service::open(db, {.create_if_missing = true});
  ASSERT_TRUE(writer) << writer.status().message();
  ASSERT_TRUE((*writer)->import(data)) << "import";
  ASSERT_TRUE(std::filesystem::exists(file));
  City c{data.grids};
  const std::vector<LonLat> points = probes(c);
  auto same_answers = [&](const Snapshot& a, const Snapshot& b) {
    std::size_t differ = 0;
    for (const LonLat& p : points) {
      const auto ga = a.grid_at(p), gb = b.grid_at(p);
      differ += ga.has_value() != gb.has_value() || (ga && ga->id() != gb->id());
    }
    return differ;
  };
  {
    auto reader = Service::open(db, {.read_only = true});
    ASSERT_TRUE(reader) << reader.status().message();
    EXPECT_TRUE((*reader)->snapshot()->stats().grid_index_from_file);
    EXPECT_EQ(same_answers(*(*reader)->snapshot(), *(*writer)->snapshot()), 0u);
  }
  // Redraw a grid (one vertex pulled inwards by ~10 m), let the merge build a new base.
  GridRecord g = data.grids[7];
  Ring& ring = g.geometry[0].rings[0];
  const BBox box = geo::bounding_box(g.geometry);
  const LonLat centre{0.5 * (box.min_lon + box.max_lon), 0.5 * (box.min_lat + box.max_lat)};
  ring[ring.size() / 2] = {ring[ring.size() / 2].lon + 0.1 * (centre.lon - ring[ring.size() / 2].lon),
                           ring[ring.size() / 2].lat + 0.1 * (centre.lat - ring[ring.size() / 2].lat)};
  const auto before = std::filesystem::last_write_time(file);
  ASSERT_TRUE((*writer)->put_grid(g, {.allow_overlap = true}));
  const auto start = std::chrono::steady_clock::now();
  while ((*writer)->snapshot()->overlay() && std::chrono::steady_clock::now() - start < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE((*writer)->snapshot()->overlay()) << "the merge did not run";
  EXPECT_NE(std::filesystem::last_write_time(file), before);
  auto reader = Service::open(db, {.read_only = true});
  ASSERT_TRUE(reader) << reader.status().message();
  EXPECT_TRUE((*reader)->snapshot()->stats().grid_index_from_file);
  EXPECT_EQ(same_answers(*(*reader)->snapshot(), *(*writer)->snapshot()), 0u);
  // A point between the old and the new outline follows the redraw in both.
  const LonLat moved = ring[ring.size() / 2];
  EXPECT_EQ((*reader)->snapshot()->grid_at(moved).has_value(), (*writer)->snapshot()->grid_at(moved).has_value());
}

// The file is read in place: a grid whose snapped points the file holds (same
// fingerprint) keeps none of its own, and an index attached to the file reads
// its arrays from it; the answers are those of a build.
TEST(GridIndexFile, PointsAndArraysAreReadInPlaceFromTheMappedFile) {
  const City c = city();
  fixtures::TempDir dir;
  const auto file = file_in(dir);
  index::GridIndex first;
  ASSERT_FALSE(index::load_or_build(first, c.geometries(), file));
  index::GridIndex on_heap;
  on_heap.build(c.geometries());
  EXPECT_EQ(on_heap.mapped_bytes(), 0u);
  // The process that wrote the file reads it in place from then on, as any later open does.
  EXPECT_GT(first.mapped_bytes(), on_heap.memory_bytes() / 2);
  EXPECT_LT(first.memory_bytes(), on_heap.memory_bytes() / 4);
  expect_as_built(first, c);
  const auto map = index::GridIndexMap::open(file.path);
  ASSERT_NE(map, nullptr);
  EXPECT_EQ(map->grid_count(), c.grids.size());
  // Grid 3 redrawn: its points are not the file's, so they are copied; every other grid's are mapped.
  City redrawn = c;
  Ring& ring = redrawn.grids[3].geometry[0].rings[0];
  ring[1].lon += 1e-6;
  std::vector<index::SnappedGrid> kept;
  std::vector<std::uint64_t> fingerprints;
  for (std::size_t g = 0; g < redrawn.grids.size(); ++g) {
    index::SnappedGrid scratch;
    index::SnappedGrid::of_into(redrawn.grids[g].geometry, scratch);
    fingerprints.push_back(index::grid_fingerprint(scratch));
    kept.push_back(index::keep_snapped(scratch, fingerprints.back(), g, map, nullptr));
    EXPECT_EQ(kept.back().points.mapped(), g != 3) << "grid " << g;
    EXPECT_TRUE(fixtures::same_bits(kept.back().rebuild(), redrawn.grids[g].geometry)) << "grid " << g;
  }
  // Not the file's grids: built (over the mapped points of the others), and answering as a build.
  index::GridIndex built;
  EXPECT_FALSE(index::load_or_build(built, kept, {file.path, false, 0}, &fingerprints, map));
  expect_as_built(built, redrawn);
  EXPECT_GT(built.mapped_bytes(), 0u);
  // The file's own grids: attached, nothing of the index or the points copied.
  index::GridIndex attached;
  ASSERT_TRUE(index::load_or_build(attached, index::SnappedGrid::of_each(c.geometries()), {file.path, false, 0}, nullptr, map));
  expect_as_built(attached, c);
  EXPECT_GT(attached.mapped_bytes(), on_heap.memory_bytes() / 2);
  EXPECT_LT(attached.memory_bytes(), on_heap.memory_bytes() / 4);
  // The map outlives everything that reads from it.
  index::SnappedGrid copy = attached.grid(0);
  attached = index::GridIndex();
  EXPECT_TRUE(fixtures::same_bits(copy.rebuild(), c.grids[0].geometry));
}

// A writer that still reads the whole index once more (placing every pole)
// does that from the copies it built and reads the file in place only after.
TEST(GridIndexFile, AWriterMayReadTheFileInPlaceOnlyWhenItIsDone) {
  const City c = city();
  fixtures::TempDir dir;
  const auto file = file_in(dir);
  index::GridIndex idx;
  index::WrittenIndex written;
  ASSERT_FALSE(index::load_or_build(idx, index::SnappedGrid::of_each(c.geometries()), file, nullptr, nullptr, nullptr,
                                    &written));
  ASSERT_TRUE(std::filesystem::exists(file.path));
  EXPECT_TRUE(written.written);
  EXPECT_EQ(written.grid_fingerprints.size(), c.grids.size());
  EXPECT_EQ(idx.mapped_bytes(), 0u);  // still the built copies
  expect_as_built(idx, c);
  const std::size_t built_bytes = idx.memory_bytes();
  EXPECT_TRUE(index::read_written_in_place(idx, file, written));  // the body not hashed again (its checksum is known)
  EXPECT_GT(idx.mapped_bytes(), built_bytes / 2);
  EXPECT_LT(idx.memory_bytes(), built_bytes / 4);
  expect_as_built(idx, c);
  // A checksum other than the header's skips nothing: a damaged body is refused whatever the caller says.
  const std::uintmax_t size = std::filesystem::file_size(file.path);
  overwrite_byte(file.path, size / 2);
  EXPECT_EQ(index::GridIndexMap::open(file.path, written.checksum + 1), nullptr);
  EXPECT_EQ(index::GridIndexMap::open(file.path), nullptr);
  overwrite_byte(file.path, size / 2);  // back as it was
  EXPECT_NE(index::GridIndexMap::open(file.path), nullptr);
  // Nothing written, or the file since replaced by another grids' file: the index stays as it is.
  EXPECT_FALSE(index::read_written_in_place(idx, file, index::WrittenIndex{}));
  index::GridIndex other;
  index::WrittenIndex other_written;
  City redrawn = c;
  redrawn.grids[2].geometry[0].rings[0][1].lon += 1e-6;
  ASSERT_FALSE(index::load_or_build(other, index::SnappedGrid::of_each(redrawn.geometries()), file, nullptr, nullptr,
                                    nullptr, &other_written));
  index::GridIndex stale;
  index::WrittenIndex stale_written;
  std::filesystem::remove(file.path);
  ASSERT_FALSE(index::load_or_build(stale, index::SnappedGrid::of_each(c.geometries()), file, nullptr, nullptr, nullptr,
                                    &stale_written));
  ASSERT_FALSE(index::load_or_build(other, index::SnappedGrid::of_each(redrawn.geometries()), file, nullptr, nullptr,
                                    nullptr, &other_written));  // the file is now redrawn's
  EXPECT_FALSE(index::read_written_in_place(stale, file, stale_written));
  EXPECT_EQ(stale.mapped_bytes(), 0u);
  expect_as_built(stale, c);
}

// The grid of each pole, kept beside the file: read back only for the same
// grids and the same poles at the same places, whole.
TEST(GridIndexFile, PoleGridsFileIsTrustedOnlyForTheSamePolesAndGrids) {
  fixtures::TempDir dir;
  const std::string index_path = dir.path() + "/" + index::kGridIndexFileName;
  const std::string path = index_path + index::kPoleGridsSuffix;
  const std::vector<LonLat> positions{{116.47, 39.92}, {116.48, 39.93}, {116.49, 39.94}};
  const std::vector<std::int32_t> grids{0, -1, 7};
  EXPECT_FALSE(index::load_pole_grids(index_path, 42, positions));  // no file
  index::save_pole_grids(index_path, 42, positions, grids);
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(index::load_pole_grids(index_path, 42, positions), grids);
  EXPECT_FALSE(index::load_pole_grids(index_path, 43, positions));  // grids redrawn
  std::vector<LonLat> moved = positions;
  moved[1].lat += 1e-7;
  EXPECT_FALSE(index::load_pole_grids(index_path, 42, moved));  // a pole moved
  moved.pop_back();
  EXPECT_FALSE(index::load_pole_grids(index_path, 42, moved));  // a pole gone
  const std::uintmax_t size = std::filesystem::file_size(path);
  for (const std::uintmax_t at : {std::uintmax_t{3}, std::uintmax_t{20}, size - 5}) {
    overwrite_byte(path, at);
    EXPECT_FALSE(index::load_pole_grids(index_path, 42, positions)) << "byte " << at;
    overwrite_byte(path, at);
  }
  EXPECT_EQ(index::load_pole_grids(index_path, 42, positions), grids);
  std::filesystem::resize_file(path, size - 4);
  EXPECT_FALSE(index::load_pole_grids(index_path, 42, positions));
  {
    std::ofstream(path, std::ios::app | std::ios::binary) << "abcdefgh";  // longer than it says
  }
  EXPECT_FALSE(index::load_pole_grids(index_path, 42, positions));
}

// Through the Service: an import leaves the pole grids beside the index file,
// a read-only open takes every pole's grid from them, and a pole moved since
// is found in its new grid (the file no longer matches the poles).
TEST(GridIndexFile, OpenTakesPoleGridsFromTheFileAndNoticesAMovedPole) {
  synth::CityOptions o{.grids = 40, .poles = 3000, .seed = 9};
  o.vertices_per_grid = 4000;
  o.pole_attributes = false;
  const SmallIndexFiles small_index_files;
  Dataset data = synth::make_city(o);
  fixtures::TempDir dir;
  const std::string db = dir.path() + "/db";
  const std::string poles_file = db + "/" + index::kGridIndexFileName + index::kPoleGridsSuffix;
  auto writer = Service::open(db, {.create_if_missing = true});
  ASSERT_TRUE(writer) << writer.status().message();
  ASSERT_TRUE((*writer)->import(data));
  ASSERT_TRUE(std::filesystem::exists(poles_file));
  // The importer placed the poles with the index it built, then reads the file in place too.
  EXPECT_GT((*writer)->snapshot()->stats().mapped_bytes, 1'000'000u);
  auto grid_of = [](const Snapshot& s, const std::string& number) -> std::string {
    const auto pole = s.locate(number);
    if (!pole) return "(no pole)";
    const auto g = pole->grid();
    return g ? std::string(g->id()) : "(none)";
  };
  auto same_pole_grids = [&](const Snapshot& a, const Snapshot& b) {
    std::size_t differ = 0;
    for (const PoleRecord& p : data.poles) differ += grid_of(a, p.number) != grid_of(b, p.number);
    return differ;
  };
  {
    auto reader = Service::open(db, {.read_only = true});
    ASSERT_TRUE(reader) << reader.status().message();
    EXPECT_TRUE((*reader)->snapshot()->stats().grid_index_from_file);
    EXPECT_TRUE((*reader)->snapshot()->stats().pole_grids_from_file);
    EXPECT_GT((*reader)->snapshot()->stats().mapped_bytes, 1'000'000u);
    EXPECT_EQ(same_pole_grids(*(*reader)->snapshot(), *(*writer)->snapshot()), 0u);
    // Outlines taken from the file without decoding them are those stored, bit for bit.
    for (const GridRecord& g : data.grids) {
      const auto read = (*reader)->snapshot()->grid(g.id), stored = (*writer)->snapshot()->grid(g.id);
      ASSERT_TRUE(read && stored) << g.id;
      EXPECT_TRUE(fixtures::same_bits(read->geometry(), stored->geometry())) << g.id;
      EXPECT_EQ(read->name(), stored->name());
    }
  }
  // Move the first pole onto another pole in another grid.
  const auto snap = (*writer)->snapshot();
  const PoleRecord& moved = data.poles[0];
  const std::string from = grid_of(*snap, moved.number);
  const PoleRecord* target = nullptr;
  for (const PoleRecord& p : data.poles) {
    const std::string g = grid_of(*snap, p.number);
    if (g != from && g != "(none)") {
      target = &p;
      break;
    }
  }
  ASSERT_NE(target, nullptr);
  ASSERT_TRUE((*writer)->put_pole({moved.number, target->position, {}}));
  const std::string to = grid_of(*(*writer)->snapshot(), moved.number);
  EXPECT_EQ(to, grid_of(*snap, target->number));
  auto reader = Service::open(db, {.read_only = true});
  ASSERT_TRUE(reader) << reader.status().message();
  EXPECT_FALSE((*reader)->snapshot()->stats().pole_grids_from_file);  // the poles have changed since
  EXPECT_EQ(grid_of(*(*reader)->snapshot(), moved.number), to);
  EXPECT_EQ(same_pole_grids(*(*reader)->snapshot(), *(*writer)->snapshot()), 0u);
}

// An open takes an exact grid (every coordinate a 7-decimal number) from the
// file without decoding its stored outline, when the stored bytes are those the
// file was written from; any other bytes, or a grid that is not exact, is decoded.
TEST(GridIndexFile, AnExactGridIsTakenFromTheFileByItsStoredBytes) {
  City c = city();
  Ring& nine_places = c.grids[2].geometry[0].rings[0];
  for (LonLat& p : nine_places) p.lon += 3e-9;  // not a 7-decimal outline any more
  nine_places.back() = nine_places.front();
  fixtures::TempDir dir;
  const auto file = file_in(dir);
  index::GridIndex written;
  index::load_or_build(written, c.geometries(), file);
  const auto map = index::GridIndexMap::open(file.path);
  ASSERT_NE(map, nullptr);
  std::size_t exact = 0;
  for (std::size_t g = 0; g < c.grids.size(); ++g) {
    const MultiPolygon& geometry = c.grids[g].geometry;
    const index::SnappedGrid snapped = index::SnappedGrid::of(geometry);
    const auto taken = map->exact_grid(g, geo::to_stored_geometry(geometry));
    ASSERT_EQ(taken.has_value(), snapped.exact) << "grid " << g;
    if (!taken) continue;
    ++exact;
    EXPECT_EQ(taken->fingerprint, index::grid_fingerprint(snapped));
    const BBox box = geo::bounding_box(geometry);
    EXPECT_TRUE(taken->box.min_lon == box.min_lon && taken->box.min_lat == box.min_lat &&
                taken->box.max_lon == box.max_lon && taken->box.max_lat == box.max_lat);
    const index::SnappedGrid from_file = index::GridIndexMap::grid(map, g);
    EXPECT_TRUE(from_file.points.mapped());
    EXPECT_TRUE(from_file.exact);
    EXPECT_TRUE(fixtures::same_bits(from_file.rebuild(), geometry)) << "grid " << g;
    // Another grid's bytes are not this grid's.
    EXPECT_FALSE(map->exact_grid(g, geo::to_stored_geometry(c.grids[(g + 1) % c.grids.size()].geometry)));
  }
  EXPECT_EQ(exact, c.grids.size() - 1);  // all but the 9-decimal one
  EXPECT_FALSE(map->exact_grid(2, geo::to_stored_geometry(c.grids[2].geometry)));
  EXPECT_FALSE(map->exact_grid(c.grids.size(), ""));
}
