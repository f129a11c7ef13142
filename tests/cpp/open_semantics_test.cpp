// No stale or surprising opens (issue 9, point 6): reading never creates a
// database, read-only handles open beside a read-write one in the same process,
// and refresh() follows what the read-write handle stores.
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

using namespace poleloc;
using poleloc::fixtures::open_ok;
using poleloc::fixtures::TempDir;

namespace {

std::string sample(const char* file) { return std::string(POLELOC_SAMPLE_DIR) + "/" + file; }

ImportSources sample_sources() { return {sample("poles.csv"), sample("grids.geojson"), sample("aliases.csv")}; }

}  // namespace

TEST(OpenSemantics, ReadOnlyOpenOfAMistypedPathIsNotFoundAndCreatesNothing) {
  TempDir dir;
  const std::string path = dir.file("dbb");
  auto s = Service::open(path, {.read_only = true});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().code(), ErrorCode::not_found);
  EXPECT_NE(s.status().message().find(path), std::string::npos) << s.status().message();
  EXPECT_FALSE(std::filesystem::exists(path));
  // A read-write open that may not create behaves the same.
  auto w = Service::open(path, {.read_only = false, .create_if_missing = false});
  ASSERT_FALSE(w);
  EXPECT_EQ(w.status().code(), ErrorCode::not_found);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(OpenSemantics, ReadOnlyOpenOfAnEmptyDirectoryIsNotFoundAndLeavesItEmpty) {
  TempDir dir;
  const std::string path = dir.file("empty");
  std::filesystem::create_directories(path);
  auto s = Service::open(path, {.read_only = true});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().code(), ErrorCode::not_found);
  EXPECT_TRUE(std::filesystem::is_empty(path));
}

TEST(OpenSemantics, ReadOnlyOpensBesideAReadWriteHandleInTheSameProcess) {
  TempDir dir;
  const std::string path = dir.file("db");
  auto rw = open_ok(path);
  ASSERT_TRUE(rw->import(sample_sources()));
  // While the read-write handle is open.
  auto ro = open_ok(path, {.read_only = true});
  ASSERT_TRUE(ro);
  EXPECT_EQ(ro->snapshot()->pole_count(), 1529u);
  EXPECT_TRUE(ro->snapshot()->locate("TJH0372"));
  EXPECT_EQ(ro->snapshot()->stats().sequence, rw->snapshot()->stats().sequence);
  // Single writes sit in the log (not flushed): a new read-only handle sees them too.
  ASSERT_TRUE(rw->put_pole({"TJH9001", {116.47, 39.92}, {}}));
  auto ro2 = open_ok(path, {.read_only = true});
  EXPECT_TRUE(ro2->snapshot()->locate("TJH9001"));
  // After the read-write handle is closed.
  rw.reset();
  auto ro3 = open_ok(path, {.read_only = true});
  EXPECT_TRUE(ro3->snapshot()->locate("TJH9001"));
  EXPECT_EQ(ro3->snapshot()->pole_count(), 1530u);
  EXPECT_TRUE(ro->snapshot()->locate("TJH0372"));  // the first one still answers
}

TEST(OpenSemantics, ReadOnlyOpensRightAfterManyImportsAndACompaction) {
  // Imports flush, and compaction deletes table files the manifest no longer
  // names: a read-only open must read a consistent set of files.
  TempDir dir;
  const std::string path = dir.file("db");
  auto rw = open_ok(path);
  ASSERT_TRUE(rw->import(sample_sources()));
  auto ro = open_ok(path, {.read_only = true});
  for (int round = 0; round < 4; ++round) {
    ASSERT_TRUE(rw->put_pole({"TJH95" + std::to_string(10 + round), {116.47, 39.92}, {}}));
    ImportOptions o;
    o.replace = true;
    ASSERT_TRUE(rw->import(sample_sources(), o));
    ASSERT_TRUE(rw->compact_history(std::chrono::seconds(0)));
    auto fresh = open_ok(path, {.read_only = true});
    ASSERT_TRUE(fresh);
    EXPECT_EQ(fresh->snapshot()->pole_count(), 1529u);
    EXPECT_TRUE(fresh->snapshot()->locate("TJH0372"));
    auto changed = ro->refresh();
    ASSERT_TRUE(changed) << changed.status().message();
    EXPECT_EQ(ro->snapshot()->stats().sequence, rw->snapshot()->stats().sequence);
    EXPECT_TRUE(ro->snapshot()->locate("TJH0372"));
  }
}

TEST(OpenSemantics, AReadOnlyHandleRefreshSeesANewerImportByTheReadWriteHandle) {
  TempDir dir;
  const std::string path = dir.file("db");
  auto rw = open_ok(path);
  ASSERT_TRUE(rw->import(sample_sources()));
  auto ro = open_ok(path, {.read_only = true});
  const auto before = ro->snapshot()->stats().sequence;
  auto unchanged = ro->refresh();
  ASSERT_TRUE(unchanged);
  EXPECT_FALSE(*unchanged);
  // A merge import of one new pole.
  const std::string poles = dir.write("one.csv", "number,lon,lat\nTJH9701,116.4700,39.9200\n");
  const std::string grids = dir.write("none.geojson", R"({"type":"FeatureCollection","features":[]})");
  ImportOptions o;
  o.merge = true;
  ASSERT_TRUE(rw->import({poles, grids, ""}, o));
  EXPECT_FALSE(ro->snapshot()->locate("TJH9701"));  // not before refresh()
  auto changed = ro->refresh();
  ASSERT_TRUE(changed) << changed.status().message();
  EXPECT_TRUE(*changed);
  EXPECT_GT(ro->snapshot()->stats().sequence, before);
  EXPECT_EQ(ro->snapshot()->stats().sequence, rw->snapshot()->stats().sequence);
  EXPECT_TRUE(ro->snapshot()->locate("TJH9701"));
  // A single write, too.
  ASSERT_TRUE(rw->delete_pole("TJH9701"));
  ASSERT_TRUE(ro->refresh());
  EXPECT_FALSE(ro->snapshot()->locate("TJH9701"));
}

TEST(OpenSemantics, ReadOnlyOpensAndRefreshesWhileTheWriterFlushesAndCompacts) {
  // Regression: a read-only open reads the manifest, then opens the table
  // files it names; the writer's background compaction may delete one of them
  // in between ("Corruption: ... .sst: No such file or directory"). The open
  // and refresh() must retry with the newer manifest instead of failing.
  TempDir dir;
  const std::string path = dir.file("db");
  auto rw = open_ok(path);
  const std::string poles = dir.write("p.csv", "number,lon,lat\nTJH0001,116.4700,39.9200\nTJH0002,116.4701,39.9201\n");
  const std::string grids = dir.write("g.geojson", fixtures::read_text(sample("grids.geojson")));
  ASSERT_TRUE(rw->import({poles, grids, ""}));
  std::atomic<bool> done{false};
  std::vector<std::string> failures;
  std::thread reader([&] {
    auto ro = Service::open(path, {.read_only = true});
    if (!ro) failures.push_back("first open: " + ro.status().message());
    while (!done.load()) {
      auto fresh = Service::open(path, {.read_only = true});
      if (!fresh) failures.push_back("open: " + fresh.status().message());
      if (ro) {
        auto r = (*ro)->refresh();
        if (!r) failures.push_back("refresh: " + r.status().message());
      }
    }
  });
  for (int round = 0; round < 40; ++round) {
    const std::string p = dir.write("p.csv", "number,lon,lat\nTJH0001,116.4700,39.9200\nTJH0002,116.4701,39." +
                                                 std::to_string(9201 + round) + "\n");
    auto r = rw->import({p, grids, ""});
    ASSERT_TRUE(r) << r.status().message();
  }
  done = true;
  reader.join();
  for (const auto& f : failures) ADD_FAILURE() << f;
}
