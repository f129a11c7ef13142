// An open decodes the grids' outlines on two threads (store::LoadVisitor::grid_at):
// the grid thread and, once the poles are read, the pole thread. Every grid
// must come out whole, in id order, whichever thread decoded it; and a damaged
// stored grid must fail the open as corruption, not hang or crash it.
#include "store/record_encoding.hpp"
#include "store/store.hpp"
#include "raw_db.hpp"
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include "synthetic_city.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

using namespace poleloc;
using poleloc::fixtures::TempDir;

namespace {

Dataset detailed_city() {
  synth::CityOptions o{.grids = 300, .poles = 60000, .seed = 9};
  o.vertices_per_grid = 2000;  // 600,000 vertices: long enough that the pole thread helps
  o.pole_attributes = false;
  return synth::make_city(o);
}


}  // namespace

TEST(OpenDecode, EveryGridArrivesOnceAtItsPlaceWhicheverThreadDecodedIt) {
  const Dataset data = detailed_city();
  TempDir dir;
  const std::string db = fixtures::import_to_new_db(dir, data);
  auto store = store::Store::open(db, {.read_only = true});
  ASSERT_TRUE(store) << store.status().message();
  std::vector<GridRecord> got;
  std::vector<int> arrivals;
  std::atomic<std::size_t> poles{0};
  store::LoadVisitor v;
  v.pole = [&](std::string_view, const store::PoleValueView&) { ++poles; };
  v.grid = [&](GridRecord&&) { ADD_FAILURE() << "grid() called although grid_at() is set"; };
  v.grids_counted = [&](std::size_t n) {
    got.resize(n);
    arrivals.assign(n, 0);
  };
  v.grid_at = [&](std::size_t place, GridRecord&& g) {
    got[place] = std::move(g);
    ++arrivals[place];  // distinct places: no two threads touch the same element
  };
  ASSERT_TRUE((*store)->load(v));
  EXPECT_EQ(poles.load(), data.poles.size());
  std::vector<GridRecord> want = data.grids;
  std::sort(want.begin(), want.end(), [](const GridRecord& a, const GridRecord& b) { return a.id < b.id; });
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(arrivals[i], 1) << i;
    EXPECT_EQ(got[i].id, want[i].id) << i;
    EXPECT_EQ(got[i].name, want[i].name) << i;
    EXPECT_TRUE(got[i].geometry == want[i].geometry) << want[i].id;
  }
}

TEST(OpenDecode, AnOpenedSnapshotHoldsEveryOutlineAndAnswersAsTheImport) {
  const Dataset data = detailed_city();
  TempDir dir;
  const std::string db = fixtures::import_to_new_db(dir, data);
  auto reader = Service::open(db, {.read_only = true});
  ASSERT_TRUE(reader) << reader.status().message();
  const auto snap = (*reader)->snapshot();
  ASSERT_EQ(snap->grid_count(), data.grids.size());
  for (const GridRecord& g : data.grids) {
    auto v = snap->grid(g.id);
    ASSERT_TRUE(v) << g.id;
    EXPECT_TRUE(v->geometry() == g.geometry) << g.id;
  }
  // Each pole's grid, found at the open over the grids decoded there, as generated.
  std::size_t differ = 0;
  for (const PoleRecord& p : data.poles) {
    const auto at = snap->grid_at(p.position);
    const auto pole = snap->locate(p.number);
    ASSERT_TRUE(pole) << p.number;
    const auto of_pole = pole->grid();
    differ += at.has_value() != of_pole.has_value() || (at && at->id() != of_pole->id());
  }
  EXPECT_EQ(differ, 0u);
}

TEST(OpenDecode, ADamagedStoredGridFailsTheOpenAsCorruptionNamingIt) {
  const Dataset data = detailed_city();
  TempDir dir;
  const std::string db = fixtures::import_to_new_db(dir, data);
  // Overwrite the newest stored version of one grid in the middle with bytes that are no grid.
  std::string damaged_id;
  {
    fixtures::RawDb raw(db);
    ASSERT_TRUE(raw.ok()) << raw.error;
    std::vector<std::string> keys;
    {
      std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(rocksdb::ReadOptions(), raw.grids));
      for (it->SeekToFirst(); it->Valid(); it->Next()) keys.push_back(it->key().ToString());
    }
    ASSERT_FALSE(keys.empty());
    const std::string& key = keys[keys.size() / 2];
    std::string_view id;
    std::uint64_t version = 0;
    ASSERT_TRUE(store::parse_versioned_key(key, id, version));
    damaged_id = std::string(id);
    EXPECT_TRUE(raw.db->Put(rocksdb::WriteOptions(), raw.grids, key, std::string("\x01not a grid", 11)).ok());
    // And its copy among the live records, which an open reads.
    ASSERT_NE(raw.live_grids, nullptr);
    EXPECT_TRUE(raw.db->Put(rocksdb::WriteOptions(), raw.live_grids, damaged_id, std::string("\x01not a grid", 11)).ok());
  }
  for (const bool read_only : {true, false}) {
    auto svc = Service::open(db, {.read_only = read_only});
    ASSERT_FALSE(svc) << "read_only=" << read_only;
    EXPECT_EQ(svc.status().code(), ErrorCode::corruption) << svc.status().message();
    EXPECT_NE(svc.status().message().find(damaged_id), std::string::npos) << svc.status().message();
  }
}
