// A snapshot keeps a grid whose every coordinate is a 7-decimal number only
// as the grid index's 1e-7 degree integers (index::SnappedGrid), and gives
// its outline back from them bit for bit; any other outline keeps its doubles.
// Whichever way a snapshot was made (import, open, write, merge), every
// outline must come back exactly as it was written.
#include "index/grid_index.hpp"
#include "snapshot_data.hpp"
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>

using namespace poleloc;
using poleloc::fixtures::same_bits;
using poleloc::fixtures::TempDir;

namespace {

// A square of side d at (x, y), with a square hole in its middle, and a
// second, smaller square beside it: two polygons, three rings. Coordinates
// are integers of 10^-places degree, as a file with that many decimals gives
// them (the double nearest to n / 10^places); `nudge` is added to each.
MultiPolygon two_squares(std::int64_t x, std::int64_t y, std::int64_t d, int places = 7, double nudge = 0) {
  const double scale = std::pow(10.0, places);
  auto at = [&](std::int64_t px, std::int64_t py) {
    return LonLat{static_cast<double>(px) / scale + nudge, static_cast<double>(py) / scale + nudge};
  };
  auto square = [&](std::int64_t px, std::int64_t py, std::int64_t s) {
    return Ring{at(px, py), at(px + s, py), at(px + s, py + s), at(px, py + s), at(px, py)};
  };
  return {Polygon{{square(x, y, d), square(x + d / 4, y + d / 4, d / 2)}}, Polygon{{square(x + 2 * d, y, d / 3)}}};
}

// Grids side by side along a street, each in its own column of 0.01 degree:
// "7dp" with 7-decimal corners, "9dp" with 9, "full" with coordinates that are
// no short decimal at all (a reprojection's).
std::vector<GridRecord> grids_of_each_kind(int columns_from = 0) {
  auto column = [&](int i) { return std::int64_t{1164000000} + std::int64_t{100000} * (columns_from + i); };  // 116.40 + 0.01 i
  std::vector<GridRecord> out;
  out.push_back({"7dp", "seven", {}, two_squares(column(0) + 12345, 399012345, 12345)});
  out.push_back({"9dp", "nine", {}, two_squares((column(1) + 12345) * 100 + 67, 39901234567, 1234567, 9)});
  out.push_back({"full", "reprojected", {}, two_squares(column(2) + 12345, 399012345, 12345, 7, std::sqrt(2.0) * 1e-9)});
  return out;
}

void expect_every_outline_as_written(const Snapshot& snap, const std::vector<GridRecord>& written) {
  for (const GridRecord& g : written) {
    const auto view = snap.grid(g.id);
    ASSERT_TRUE(view) << g.id;
    EXPECT_TRUE(same_bits(view->geometry(), g.geometry)) << g.id;
    EXPECT_TRUE(same_bits(view->record().geometry, g.geometry)) << g.id;
    EXPECT_TRUE(view->geometry_is(g.geometry)) << g.id;
    MultiPolygon moved = g.geometry;
    moved[1].rings[0][2].lat += 1e-7;
    EXPECT_FALSE(view->geometry_is(moved)) << g.id;
  }
}

// Whether the base snapshot's record of grid `id` still holds doubles.
bool holds_doubles(const Snapshot& snap, const std::string& id) {
  const SnapshotData& d = snap.data();
  const auto it = d.grid_by_id.find(id);
  EXPECT_NE(it, d.grid_by_id.end()) << id;
  return it != d.grid_by_id.end() && !d.grids[it->second].geometry.empty();
}

}  // namespace

TEST(SnappedGrid, SevenDecimalOutlinesComeBackBitForBit) {
  const MultiPolygon g = two_squares(1164712345, 399212345, 12345);
  const index::SnappedGrid s = index::SnappedGrid::of(g);
  EXPECT_TRUE(s.exact);
  EXPECT_EQ(s.polygons, 2u);
  ASSERT_EQ(s.rings.size(), 3u);
  EXPECT_EQ(s.points.size(), 15u);
  EXPECT_EQ(s.points[0].x, 1164712345);
  EXPECT_EQ(s.points[0].y, 399212345);
  EXPECT_TRUE(same_bits(s.rebuild(), g));
  // Whole degrees and negative coordinates too.
  const MultiPolygon west = two_squares(-730000000, -400000000, 10000000);
  EXPECT_TRUE(index::SnappedGrid::of(west).exact);
  EXPECT_TRUE(same_bits(index::SnappedGrid::of(west).rebuild(), west));
}

TEST(SnappedGrid, AnyOtherOutlineIsNotExact) {
  EXPECT_FALSE(index::SnappedGrid::of(two_squares(116471234567, 39900000000, 1000000, 9)).exact) << "9 decimals";
  EXPECT_FALSE(index::SnappedGrid::of(two_squares(1164700000, 399000000, 10000, 7, std::sqrt(2.0) * 1e-9)).exact)
      << "full precision";
  MultiPolygon negative_zero = two_squares(-10000, 0, 10000);
  negative_zero[0].rings[0][0].lat = -0.0;
  negative_zero[0].rings[0].back().lat = -0.0;
  EXPECT_FALSE(index::SnappedGrid::of(negative_zero).exact) << "-0.0 would come back as 0.0";
  MultiPolygon not_finite = two_squares(1164700000, 399000000, 10000);
  not_finite[1].rings[0][1].lon = std::numeric_limits<double>::quiet_NaN();
  const index::SnappedGrid s = index::SnappedGrid::of(not_finite);
  EXPECT_FALSE(s.exact);
  EXPECT_EQ(s.rings.size(), 2u) << "the ring with NaN is left out of the index";
  MultiPolygon no_rings = two_squares(1164700000, 399000000, 10000);
  no_rings[1].rings.clear();
  EXPECT_FALSE(index::SnappedGrid::of(no_rings).exact) << "a polygon without rings";
  EXPECT_TRUE(index::SnappedGrid::of(MultiPolygon{}).exact) << "nothing to lose";
}

// rebuilds_to(m) compares without building the outline (a write sending a
// grid back unchanged asks it): it must answer as rebuild() == m, whatever m is.
TEST(SnappedGrid, RebuildsToAnswersAsComparingTheRebuiltOutline) {
  const MultiPolygon g = two_squares(1164712345, 399212345, 12345);
  const index::SnappedGrid s = index::SnappedGrid::of(g);
  ASSERT_TRUE(s.exact);
  std::vector<std::pair<std::string, MultiPolygon>> others{{"itself", g}};
  for (std::size_t p = 0; p < g.size(); ++p) {
    for (std::size_t r = 0; r < g[p].rings.size(); ++r) {
      for (std::size_t i = 0; i < g[p].rings[r].size(); ++i) {
        MultiPolygon m = g;
        m[p].rings[r][i].lon += 1e-7;
        others.emplace_back("lon of point " + std::to_string(i) + " of ring " + std::to_string(r), m);
        m = g;
        m[p].rings[r][i].lat = std::nextafter(m[p].rings[r][i].lat, 90.0);
        others.emplace_back("lat one ulp up", m);
      }
      MultiPolygon m = g;
      m[p].rings[r].pop_back();
      others.emplace_back("a ring a point short", m);
      m = g;
      m[p].rings[r].push_back(m[p].rings[r].front());
      others.emplace_back("a ring a point longer", m);
    }
    MultiPolygon m = g;
    m[p].rings.pop_back();
    others.emplace_back("a ring fewer", m);
    m = g;
    m[p].rings.emplace_back();
    others.emplace_back("an empty ring more", m);
  }
  MultiPolygon m = g;
  std::swap(m[0], m[1]);
  others.emplace_back("polygons swapped", m);
  m = g;
  m.emplace_back();
  others.emplace_back("an empty polygon more", m);
  m = g;
  m.pop_back();
  others.emplace_back("a polygon fewer", m);
  others.emplace_back("nothing", MultiPolygon{});
  MultiPolygon zero = two_squares(0, 0, 10000);
  const index::SnappedGrid at_zero = index::SnappedGrid::of(zero);
  zero[0].rings[0][0].lat = -0.0;  // equal to 0.0, as rebuild() == compares
  EXPECT_EQ(at_zero.rebuilds_to(zero), at_zero.rebuild() == zero);
  EXPECT_TRUE(at_zero.rebuilds_to(zero));
  for (const auto& [what, other] : others) EXPECT_EQ(s.rebuilds_to(other), s.rebuild() == other) << what;
  EXPECT_TRUE(s.rebuilds_to(g));
  EXPECT_TRUE(index::SnappedGrid::of(MultiPolygon{}).rebuilds_to(MultiPolygon{}));
}

TEST(SnappedOutlines, EveryWayASnapshotIsMadeGivesTheOutlinesBackAsWritten) {
  TempDir dir;
  const std::string db = dir.file("db");
  Dataset data;
  data.grids = grids_of_each_kind();
  data.poles = {{"TJH0001", {116.4012345 + 0.0006, 39.9012345 + 0.0001}, {}}};
  {
    auto svc = Service::open(db, {.create_if_missing = true});
    ASSERT_TRUE(svc) << svc.status().message();
    ASSERT_TRUE((*svc)->import(data));
    // The import's own snapshot.
    const auto snap = (*svc)->snapshot();
    expect_every_outline_as_written(*snap, data.grids);
    EXPECT_FALSE(holds_doubles(*snap, "7dp")) << "kept snapped only";
    EXPECT_TRUE(holds_doubles(*snap, "9dp"));
    EXPECT_TRUE(holds_doubles(*snap, "full"));
    EXPECT_EQ(snap->grid_at({116.4012345 + 0.0001, 39.9012345 + 0.0001})->id(), "7dp");
    EXPECT_FALSE(snap->grid_at({116.4012345 + 0.0006, 39.9012345 + 0.0006})) << "in the hole";
    EXPECT_EQ(snap->locate("TJH0001")->grid()->id(), "7dp");

    // Writes: the overlay's layers keep their grids the same way.
    std::vector<GridRecord> more = grids_of_each_kind(3);
    for (GridRecord& g : more) g.id += "-w";
    for (const GridRecord& g : more) ASSERT_TRUE((*svc)->put_grid(g));
    expect_every_outline_as_written(*(*svc)->snapshot(), more);
    expect_every_outline_as_written(*(*svc)->snapshot(), data.grids);
    data.grids.insert(data.grids.end(), more.begin(), more.end());
  }
  // An open reads them from the store.
  auto reader = Service::open(db, {.read_only = true});
  ASSERT_TRUE(reader) << reader.status().message();
  const auto snap = (*reader)->snapshot();
  expect_every_outline_as_written(*snap, data.grids);
  EXPECT_FALSE(holds_doubles(*snap, "7dp-w"));
  EXPECT_TRUE(holds_doubles(*snap, "full-w"));
  // And so does every record a walk gives (what an export writes).
  std::size_t walked = 0;
  snap->for_each_grid([&](GridView g) {
    const auto it = std::find_if(data.grids.begin(), data.grids.end(), [&](const GridRecord& w) { return w.id == g.id(); });
    ASSERT_NE(it, data.grids.end()) << g.id();
    EXPECT_TRUE(same_bits(g.record().geometry, it->geometry)) << g.id();
    ++walked;
  });
  EXPECT_EQ(walked, data.grids.size());
}

// The arena that holds a snapshot's large snapped outlines (index/point_arena.hpp).
TEST(PointArena, LargeOutlinesAreCarvedFromItAndOutliveTheirBuilder) {
  auto arena = std::make_shared<index::PointArena>();
  // A ring of 20,000 points (160 KB snapped) given the arena; a square given none: on the heap.
  MultiPolygon detailed{Polygon{{Ring{}}}};
  Ring& ring = detailed[0].rings[0];
  for (std::int64_t i = 0; i < 20000; ++i) ring.push_back({static_cast<double>(1164000000 + i) / 1e7, 39.9});
  ring.push_back(ring.front());
  index::SnappedGrid big = index::SnappedGrid::of(detailed, arena);
  index::SnappedGrid small = index::SnappedGrid::of(two_squares(1164700000, 399000000, 10000));
  EXPECT_EQ(big.points.get_allocator().arena(), arena);
  EXPECT_EQ(small.points.get_allocator().arena(), nullptr);
  EXPECT_EQ(arena->used_bytes(), (20001 * sizeof(index::SnappedGrid::Point) + 15) / 16 * 16);  // aligned to 16
  // A copy is the heap's: it must not keep the arena alive, nor write into it.
  const index::SnappedGrid copy = big;
  EXPECT_EQ(copy.points.get_allocator().arena(), nullptr);
  // The outline holds the arena: it stays readable when everything else let go.
  arena.reset();
  EXPECT_TRUE(big.exact);
  EXPECT_TRUE(same_bits(big.rebuild(), detailed));
  EXPECT_TRUE(same_bits(copy.rebuild(), detailed));
}

TEST(PointArena, ThreadsCarveDisjointAlignedArrays) {
  auto arena = std::make_shared<index::PointArena>();
  using Points = std::vector<index::SnappedGrid::Point, index::ArenaAllocator<index::SnappedGrid::Point>>;
  std::vector<Points> made[2];
  auto fill = [&](int t) {
    for (int k = 0; k < 200; ++k) {
      Points v{index::ArenaAllocator<index::SnappedGrid::Point>(arena)};
      const std::size_t n = 1000 + static_cast<std::size_t>(k) * 997 % 60000;  // up to ~480 KB: several 64 MB blocks in all
      v.reserve(n);
      for (std::size_t i = 0; i < n; ++i) v.push_back({t * 1000000 + k, static_cast<std::int32_t>(i)});
      made[t].push_back(std::move(v));
    }
  };
  std::thread other(fill, 1);
  fill(0);
  other.join();
  for (int t = 0; t < 2; ++t) {
    for (int k = 0; k < 200; ++k) {
      const Points& v = made[t][static_cast<std::size_t>(k)];
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(v.data()) % 16, 0u);
      for (std::size_t i = 0; i < v.size(); ++i) {
        ASSERT_EQ(v[i].x, t * 1000000 + k);
        ASSERT_EQ(v[i].y, static_cast<std::int32_t>(i));
      }
    }
  }
}
