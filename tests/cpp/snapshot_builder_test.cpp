#include "geo/polygon_check.hpp"
#include "snapshot_builder.hpp"
#include "test_support.hpp"

#include <poleloc/snapshot.hpp>

#include <gtest/gtest.h>

using namespace poleloc;

TEST(SnapshotBuilder, UnsortedPolesAndEarlyGridIndexGiveAWorkingSnapshot) {
  // Poles out of order with a duplicate, and the grid index built before finish()
  // (as opening does on its second thread): finish() must sort, drop the later
  // duplicate and still answer grid lookups.
  SnapshotBuilder b;
  for (GridRecord& g : fixtures::draw_grids({"AB"})) b.add_grid(std::move(g));
  b.index_grids();
  b.add_pole(PoleRecord{"T3", {116.0015, 39.0005}, {{"kind", "lamp"}}});
  b.add_pole(PoleRecord{"T1", {116.0005, 39.0005}, {}});
  b.add_pole(PoleRecord{"T3", {116.0005, 39.0005}, {{"kind", "later"}}});
  Snapshot snap(b.finish(1));
  ASSERT_EQ(snap.pole_count(), 2u);
  EXPECT_EQ(snap.pole_by_index(0).number(), "T1");
  auto t3 = snap.locate("T3");
  ASSERT_TRUE(t3);
  EXPECT_EQ(t3->attributes(), (Attributes{{"kind", "lamp"}})) << "the first of two equal numbers is kept";
  ASSERT_TRUE(t3->grid());
  EXPECT_EQ(t3->grid()->id(), "B");
  ASSERT_TRUE(snap.grid_at({116.0005, 39.0005}));
  EXPECT_EQ(snap.grid_at({116.0005, 39.0005})->id(), "A");
}

TEST(SnapshotBuilder, GridsAddedOutOfIdOrderKeepTheirOwnBoxes) {
  // add_grid() takes each grid's box as it comes; grids that index_grids()
  // must sort first cannot keep those boxes by position.
  std::vector<GridRecord> grids = fixtures::draw_grids({"AAB.", "AAB.", "CCCD"});
  std::vector<BBox> boxes;
  for (const GridRecord& g : grids) boxes.push_back(geo::bounding_box(g.geometry));
  SnapshotBuilder b;
  for (auto it = grids.rbegin(); it != grids.rend(); ++it) b.add_grid(GridRecord(*it));  // D, C, B, A
  b.add_pole(PoleRecord{"T1", {116.0035, 39.0005}, {}});
  Snapshot snap(b.finish(1));
  ASSERT_EQ(snap.grid_count(), grids.size());
  for (std::size_t g = 0; g < grids.size(); ++g) {
    const GridView v = snap.grid_by_index(static_cast<std::uint32_t>(g));
    EXPECT_EQ(v.id(), grids[g].id);
    const BBox box = v.bbox();
    EXPECT_TRUE(box.min_lon == boxes[g].min_lon && box.min_lat == boxes[g].min_lat &&
                box.max_lon == boxes[g].max_lon && box.max_lat == boxes[g].max_lat)
        << v.id();
  }
  ASSERT_TRUE(snap.grid_at({116.0035, 39.0005}));
  EXPECT_EQ(snap.grid_at({116.0035, 39.0005})->id(), "D");
  EXPECT_EQ(snap.locate("T1")->grid()->id(), "D");
  ASSERT_TRUE(snap.grid_at({116.0005, 39.0025}));
  EXPECT_EQ(snap.grid_at({116.0005, 39.0025})->id(), "A");
}
