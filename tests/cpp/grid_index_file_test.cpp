// index::load_or_build: the grid index kept in a file beside the database. A
// file is a cache: it must be used only when it holds the index of exactly the
// grids given, and anything else (grids redrawn, a damaged, truncated or
// foreign file, no right to write) must end in a correct index built anew.
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
  struct Threshold {  // files for indexes of 100,000 edges and more, in this test only
    Threshold() { index::set_grid_index_file_min_edges(100'000); }
    ~Threshold() { index::set_grid_index_file_min_edges(index::kGridIndexFileMinEdges); }
  } threshold;
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
