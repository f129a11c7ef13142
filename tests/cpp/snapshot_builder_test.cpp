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
