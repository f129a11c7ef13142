// History retention: Service::compact_history deletes versions that stopped
// being current before the window, never a current one, and gives the space back.
#include "raw_db.hpp"
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace poleloc;
using poleloc::fixtures::open_ok;
using poleloc::fixtures::TempDir;

namespace {

std::string sample(const char* file) { return std::string(POLELOC_SAMPLE_DIR) + "/" + file; }

ImportSources sample_sources() { return {sample("poles.csv"), sample("grids.geojson"), sample("aliases.csv")}; }

// Everything a reader can get (poles, grids, aliases) in the export formats.
std::string dump(const Service& service, const TempDir& dir) {
  const auto poles = dir.file("dump-poles.csv"), grids = dir.file("dump-grids.geojson"),
             aliases = dir.file("dump-aliases.csv");
  EXPECT_TRUE(service.export_to(poles, grids, aliases));
  return poleloc::fixtures::read_text(poles) + "\n--\n" + poleloc::fixtures::read_text(grids) + "\n--\n" + poleloc::fixtures::read_text(aliases);
}

// Stored keys per column family, counted with RocksDB directly (the service must be closed).
struct KeyCounts {
  std::size_t poles = 0, grids = 0, seqtimes = 0;
};

KeyCounts count_keys(const std::string& path) {
  poleloc::fixtures::RawDb raw(path, /*read_only=*/true);
  EXPECT_TRUE(raw.ok()) << raw.error;
  KeyCounts counts;
  if (!raw.ok()) return counts;
  auto count = [&](rocksdb::ColumnFamilyHandle* cf, std::string_view prefix = {}) {
    std::size_t n = 0;
    std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(rocksdb::ReadOptions(), cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().starts_with(rocksdb::Slice(prefix.data(), prefix.size()))) ++n;
    }
    return n;
  };
  counts.poles = count(raw.poles);
  counts.grids = count(raw.grids);
  counts.seqtimes = count(raw.meta, "seqtime/");
  return counts;
}

// Removes the recorded write times, as in a database written before they were recorded.
void forget_write_times(const std::string& path) {
  poleloc::fixtures::RawDb raw(path);
  ASSERT_TRUE(raw.ok()) << raw.error;
  rocksdb::WriteBatch batch;
  {
    std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(rocksdb::ReadOptions(), raw.meta));
    for (it->Seek("seqtime/"); it->Valid() && it->key().starts_with("seqtime/"); it->Next()) {
      batch.Delete(raw.meta, it->key());
    }
  }
  EXPECT_TRUE(raw.db->Write(rocksdb::WriteOptions(), &batch).ok());
}

// Far from the sample's grids; `slot` keeps grids of other ids from overlapping.
GridRecord far_grid(const std::string& id, const std::string& name, int slot = 0) {
  GridRecord g;
  g.id = id;
  g.name = name;
  g.geometry = {{{fixtures::box_ring(116.60 + 0.02 * slot, 39.99, 116.61 + 0.02 * slot, 40.00)}}};
  return g;
}

// The sample, then `rounds` changes of 40 poles, a grid renamed each round,
// 10 poles deleted and a grid put and deleted: history the compaction can remove.
void make_history(Service& service, int rounds) {
  ASSERT_TRUE(service.import(sample_sources()));
  auto snap = service.snapshot();
  std::vector<PoleRecord> moved;
  for (std::uint32_t i = 0; i < 40; ++i) moved.push_back(snap->pole_by_index(i).record());
  for (int r = 1; r <= rounds; ++r) {
    for (PoleRecord p : moved) {
      p.position.lon += 1e-6 * r;
      p.attributes.emplace_back("round", std::to_string(r));
      ASSERT_TRUE(service.put_pole(p));
    }
    ASSERT_TRUE(service.put_grid(far_grid("T-FAR", "round " + std::to_string(r))));
  }
  for (std::uint32_t i = 100; i < 110; ++i) {
    ASSERT_TRUE(service.delete_pole(snap->pole_by_index(i).number()));
  }
  ASSERT_TRUE(service.put_grid(far_grid("T-GONE", "deleted soon", 1)));
  ASSERT_TRUE(service.delete_grid("T-GONE"));
}

}  // namespace

TEST(CompactHistory, ZeroWindowKeepsOnlyCurrentVersionsAndEveryAnswer) {
  TempDir dir;
  const auto db = dir.file("db");
  std::string before;
  std::size_t live_poles = 0, live_grids = 0;
  {
    auto svc = open_ok(db);
    make_history(*svc, 5);
    before = dump(*svc, dir);
    live_poles = svc->snapshot()->pole_count();
    live_grids = svc->snapshot()->grid_count();
  }
  const KeyCounts old_keys = count_keys(db);
  // Sample + 5 x 40 pole versions + 10 tombstones; grids: sample + 5 + put and tombstone.
  EXPECT_EQ(old_keys.poles, live_poles + 10 + 5 * 40 + 10);
  EXPECT_EQ(old_keys.grids, live_grids - 1 + 5 + 2);
  {
    auto svc = open_ok(db);
    auto report = svc->compact_history(std::chrono::seconds(0));
    ASSERT_TRUE(report) << report.status().message();
    EXPECT_EQ(report->versions_removed, (5 * 40 + 10 + 10) + (5 - 1 + 2));
    EXPECT_EQ(report->records_removed, 10u + 1u);
    EXPECT_EQ(report->versions_kept, live_poles + live_grids + 4) << "and the sample's 4 aliases";
    EXPECT_EQ(dump(*svc, dir), before) << "the running service answers as before";
  }
  const KeyCounts new_keys = count_keys(db);
  EXPECT_EQ(new_keys.poles, live_poles);
  EXPECT_EQ(new_keys.grids, live_grids);
  auto reopened = open_ok(db);
  EXPECT_EQ(dump(*reopened, dir), before) << "a reopen gives the same data";
}

TEST(CompactHistory, VersionsReplacedInsideTheWindowStay) {
  TempDir dir;
  const auto db = dir.file("db");
  {
    auto svc = open_ok(db);
    make_history(*svc, 3);
    auto report = svc->compact_history(std::chrono::hours(24 * 365));
    ASSERT_TRUE(report) << report.status().message();
    EXPECT_EQ(report->versions_removed, 0u);
    EXPECT_EQ(report->records_removed, 0u);
  }
  const KeyCounts keys = count_keys(db);
  EXPECT_GT(keys.poles, 1529u + 3 * 40);
}

TEST(CompactHistory, DeletedPoleStaysDeletedAfterCompactionAndReopen) {
  TempDir dir;
  const auto db = dir.file("db");
  {
    auto svc = open_ok(db);
    ASSERT_TRUE(svc->import(sample_sources()));
    PoleRecord p = svc->snapshot()->locate("TJH0372")->record();
    p.position.lon += 1e-5;
    ASSERT_TRUE(svc->put_pole(p));  // two versions under the tombstone
    ASSERT_TRUE(svc->delete_pole("TJH0372"));
    ASSERT_TRUE(svc->compact_history(std::chrono::seconds(0)));
    EXPECT_FALSE(svc->snapshot()->locate("TJH0372"));
  }
  {
    auto svc = open_ok(db);
    EXPECT_FALSE(svc->snapshot()->locate("TJH0372")) << "no older version came back";
    ASSERT_TRUE(svc->put_pole({"TJH0372", {116.47, 39.92}, {{"kind", "路灯"}}}));
  }
  auto svc = open_ok(db);
  auto pole = svc->snapshot()->locate("TJH0372");
  ASSERT_TRUE(pole);
  EXPECT_EQ(pole->position().lon, 116.47);
}

TEST(CompactHistory, VersionsWrittenBeforeTimesWereRecordedCountAsOld) {
  TempDir dir;
  const auto db = dir.file("db");
  std::string before;
  {
    auto svc = open_ok(db);
    make_history(*svc, 2);
    before = dump(*svc, dir);
  }
  forget_write_times(db);
  EXPECT_EQ(count_keys(db).seqtimes, 0u);
  {
    auto svc = open_ok(db);
    auto report = svc->compact_history(std::chrono::hours(24 * 365));
    ASSERT_TRUE(report) << report.status().message();
    EXPECT_EQ(report->versions_removed, (2 * 40 + 10 + 10) + (2 - 1 + 2));
    EXPECT_EQ(dump(*svc, dir), before);
  }
}

TEST(CompactHistory, EveryWriteRecordsItsTimeAndCompactionDropsOldTimes) {
  TempDir dir;
  const auto db = dir.file("db");
  {
    auto svc = open_ok(db);
    make_history(*svc, 2);
  }
  // One time per sequence: the import, 2 x (40 poles + 1 grid), 10 deletes, a grid put and delete.
  EXPECT_EQ(count_keys(db).seqtimes, 1u + 2 * 41 + 10 + 2);
  {
    auto svc = open_ok(db);
    ASSERT_TRUE(svc->compact_history(std::chrono::seconds(0)));
    auto again = svc->compact_history(std::chrono::seconds(0));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->versions_removed, 0u) << "a second compaction finds nothing more";
  }
  EXPECT_EQ(count_keys(db).seqtimes, 0u);
}

TEST(CompactHistory, LargeHistoryShrinksOnDisk) {
  TempDir dir;
  const auto db = dir.file("db");
  auto svc = open_ok(db);
  // 20 imports of 5,000 poles, each moving every pole: 100,000 stored pole versions.
  for (int round = 0; round < 20; ++round) {
    Dataset d;
    for (int i = 0; i < 5000; ++i) {
      char number[16];
      std::snprintf(number, sizeof number, "LHS%05d", i);
      d.poles.push_back({number, {116.40 + 1e-5 * (i % 100) + 1e-7 * round, 39.90 + 1e-5 * (i / 100)},
                         {{"kind", "路灯"}, {"round", std::to_string(round)}}});
    }
    d.grids.push_back(far_grid("LHS-GRID", "large history"));
    d.grids.back().geometry = {{{fixtures::box_ring(116.39, 39.89, 116.42, 39.92)}}};
    auto report = svc->import(std::move(d));
    ASSERT_TRUE(report) << report.status().message();
  }
  auto report = svc->compact_history(std::chrono::seconds(0));
  ASSERT_TRUE(report) << report.status().message();
  EXPECT_EQ(report->versions_removed, 19u * 5000u);
  EXPECT_LT(report->bytes_after * 3, report->bytes_before)
      << "before " << report->bytes_before << " after " << report->bytes_after;
  EXPECT_EQ(svc->snapshot()->pole_count(), 5000u);
}

TEST(CompactHistory, ReadOnlyServiceRefusesToCompact) {
  TempDir dir;
  const auto db = dir.file("db");
  { ASSERT_TRUE(open_ok(db)->import(sample_sources())); }
  auto svc = Service::open(db, {.read_only = true});
  ASSERT_TRUE(svc);
  auto report = (*svc)->compact_history(std::chrono::seconds(0));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.status().code(), ErrorCode::read_only);
}

TEST(CompactCommand, KeepHistoryNeedsAUnitAndCompactsWithOne) {
  TempDir dir;
  const auto db = dir.file("db");
  {
    auto svc = open_ok(db);
    make_history(*svc, 2);
  }
  const std::string cli = POLELOC_CLI;
  auto run = [&](const std::string& args) {
    const int rc = std::system((cli + " compact " + args + " >" + dir.file("out") + " 2>&1").c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  EXPECT_EQ(run("--db " + db + " --keep-history 365"), 2);
  EXPECT_EQ(run("--db " + db + " --keep-history 3x"), 2);
  EXPECT_EQ(run("--db " + db), 2);
  EXPECT_EQ(run("--db " + db + " --keep-history 365d --json"), 0);
  EXPECT_NE(poleloc::fixtures::read_text(dir.file("out")).find("\"versions_removed\": 0"), std::string::npos) << poleloc::fixtures::read_text(dir.file("out"));
  EXPECT_EQ(run("--db " + db + " --keep-history 0h --json"), 0);
  EXPECT_NE(poleloc::fixtures::read_text(dir.file("out")).find("\"versions_removed\": 103"), std::string::npos) << poleloc::fixtures::read_text(dir.file("out"));
  EXPECT_EQ(run("--db " + dir.file("nothing-here") + " --keep-history 1d"), 1);
}

TEST(CompactCommand, ServeRetentionFlagsAreCheckedBeforeServing) {
  TempDir dir;
  const auto db = dir.file("db");
  { ASSERT_TRUE(open_ok(db)->import(sample_sources())); }
  const auto token = dir.write("token", "ops:abcdefghijklmnopqrstuvwxyz\n");
  std::filesystem::permissions(token, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const std::string serve = std::string(POLELOC_CLI) + " serve --db " + db + " --listen 127.0.0.1:0 ";
  auto run = [&](const std::string& args) {
    const int rc = std::system((serve + args + " >/dev/null 2>&1").c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  EXPECT_EQ(run("--keep-history 365d"), 2) << "a server without a token file opens the database read-only";
  EXPECT_EQ(run("--token-file " + token + " --compact-every 24h"), 2) << "--compact-every needs --keep-history";
  EXPECT_EQ(run("--token-file " + token + " --keep-history 1y"), 2);
  EXPECT_EQ(run("--token-file " + token + " --keep-history 365d --compact-every 0h"), 2);
}
