// An import into a new database is bulk loaded (table files ingested at once,
// store/bulk_load.hpp) instead of written as one WriteBatch. What is stored
// must not depend on that: the same records, versions, sequence, change log
// and authors; and a bulk load that fails or crashes leaves the store as it was.
#include "test_support.hpp"

#include "store/store.hpp"

#include <poleloc/poleloc.hpp>

#include <gtest/gtest.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/table_properties.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <sys/mount.h>

using namespace poleloc;
using poleloc::fixtures::TempDir;

namespace {

struct Records {
  std::vector<PoleRecord> poles;  // streamed in this order
  std::vector<GridRecord> grids;
  std::vector<AliasRecord> aliases;
  std::vector<PlaceRecord> places;
  std::vector<RoadRecord> roads;
};

Records city(int poles, std::size_t attribute_bytes = 0) {
  Records r;
  for (int i = 0; i < poles; ++i) {
    Attributes a{{"kind", i % 3 ? "lamp" : "utility"}};
    if (i % 5 == 0) a.push_back({"height", "10", AttributeType::integer});
    if (attribute_bytes) {
      std::string note(attribute_bytes, ' ');
      std::uint32_t x = 2463534242u + static_cast<std::uint32_t>(i);  // incompressible text
      for (char& ch : note) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        ch = static_cast<char>('!' + x % 90);
      }
      a.push_back({"note", note});
    }
    r.poles.push_back({"TJH" + std::to_string(100000 + i), {116.47 + 1e-5 * (i % 1000), 39.92 + 1e-5 * (i / 1000)}, a});
  }
  r.grids = fixtures::draw_grids({"AB", "CD"}, {116.46, 39.91}, 0.01);
  std::swap(r.grids[0], r.grids[3]);  // not sorted by id
  r.aliases = {{"团结湖", "TJH"}, {"tuanjiehu", "TJH"}, {"白家庄", "BJZ"}};
  r.places = {{"水碓子小区", "compound", LonLat{116.471, 39.921}, ""}};
  r.roads = {{"团结湖路", {{{116.46, 39.92}, {116.48, 39.92}}}}};
  return r;
}

store::Change change_of(const Records& r) {
  store::Change c;
  c.put_pole_stream = [&r](const store::PoleVisitor& visit) {
    store::AttributeViews views;
    for (const PoleRecord& p : r.poles) {
      views.assign(p.attributes.begin(), p.attributes.end());
      visit(p.number, p.position, views);
    }
  };
  c.delete_poles = {"NEVER1"};  // deleting what was never stored writes nothing, either way
  c.put_grids = r.grids;
  c.replace_aliases = r.aliases;
  c.replace_places = r.places;
  c.replace_roads = r.roads;
  c.author = "importer";
  return c;
}

std::unique_ptr<store::Store> open_store(const std::string& path) {
  auto s = store::Store::open(path, {});
  EXPECT_TRUE(s) << s.status().message();
  return s ? std::move(*s) : nullptr;
}

// Everything a store holds that a user can see: every version with its
// sequence and author, the change log in order, the sequence.
using Version = std::tuple<std::uint64_t, bool, std::string, int, int, std::string, std::string>;
struct Contents {
  std::uint64_t sequence = 0, changelog_from = 0;
  std::vector<Version> versions;
  std::vector<std::tuple<std::uint64_t, int, int, std::string, std::string>> feed;
  std::vector<std::string> live_poles;  // what an open reads (the live families)
  bool operator==(const Contents&) const = default;
};

Contents contents_of(const store::Store& s) {
  Contents c;
  c.sequence = s.sequence();
  c.changelog_from = s.changelog_from();
  EXPECT_TRUE(s.dump_versions([](const store::DumpHeader&) { return Status::ok(); },
                              [&](const store::DumpedVersion& v) {
                                c.versions.emplace_back(v.sequence, v.unix_ms.has_value(), v.author,
                                                        static_cast<int>(v.kind), static_cast<int>(v.op), v.id,
                                                        v.value);
                                return Status::ok();
                              }));
  store::LoadVisitor live;
  live.pole = [&](std::string_view number, const store::PoleValueView& p) {
    std::string line(number);
    line += " " + std::to_string(p.position.lon) + " " + std::to_string(p.position.lat);
    for (const auto& a : p.attributes) line += " " + std::string(a.first) + "=" + std::string(a.second);
    c.live_poles.push_back(std::move(line));
  };
  EXPECT_TRUE(s.load(live));
  auto page = s.changes_after(0, 0, 1'000'000);
  EXPECT_TRUE(page) << page.status().message();
  if (page) {
    for (const store::FeedEntry& e : page->entries) {
      c.feed.emplace_back(e.sequence, static_cast<int>(e.kind), static_cast<int>(e.op), e.id, e.value);
    }
  }
  return c;
}

std::size_t live_poles(const store::Store& s) {
  std::size_t n = 0;
  store::LoadVisitor v;
  v.pole = [&](std::string_view, const store::PoleValueView&) { ++n; };
  v.grid = [](GridRecord&&) {};
  v.alias = [](AliasRecord&&) {};
  v.place = [](PlaceRecord&&) {};
  v.road = [](RoadRecord&&) {};
  v.grids_done = [] {};
  EXPECT_TRUE(s.load(v));
  return n;
}

// Two new stores, DIR/bulk and DIR/batch: the first bulk loads imports as
// the store does, the second writes everything as one WriteBatch.
struct BulkAndBatch {
  std::unique_ptr<store::Store> bulk, batch;
};
BulkAndBatch bulk_and_batch(const TempDir& dir) {
  BulkAndBatch s{open_store(dir.file("bulk")), open_store(dir.file("batch"))};
  if (s.batch) s.batch->set_bulk_loads(false);
  return s;
}

// The bytes of the write-ahead log files of database `dir`.
std::uintmax_t log_bytes(const std::string& dir) {
  std::uintmax_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".log") n += e.file_size();
  }
  return n;
}

// Applies the change `make()` gives to both stores (a bulk load and a
// WriteBatch): the same sequence and the same number of records written,
// which it returns.
template <class MakeChange>
std::size_t applied_alike(store::Store& bulk, store::Store& batch, MakeChange make) {
  std::size_t bulk_written = 0, batch_written = 0;
  auto a = bulk.apply(make(), &bulk_written);
  auto b = batch.apply(make(), &batch_written);
  EXPECT_TRUE(a) << a.status().message();
  EXPECT_TRUE(b) << b.status().message();
  if (a && b) EXPECT_EQ(*a, *b);
  EXPECT_EQ(bulk_written, batch_written);
  return bulk_written;
}

// Reopens the bulk-loaded store at `path` (its ingested files are part of
// the database): it holds `want`, and a later write leaves both stores alike.
void reopened_goes_on_alike(std::unique_ptr<store::Store>& bulk, store::Store& batch, const std::string& path,
                            const Contents& want) {
  bulk.reset();
  bulk = open_store(path);
  ASSERT_TRUE(bulk);
  EXPECT_EQ(contents_of(*bulk), want);
  store::Change next;
  next.put_poles = {{"TJH100001", {116.5, 39.9}, {}}};
  next.delete_poles = {"TJH100002"};
  ASSERT_TRUE(bulk->apply(next));
  ASSERT_TRUE(batch.apply(next));
  EXPECT_EQ(contents_of(*bulk), contents_of(batch));
}

// A tmpfs of `size` ("4m") mounted on a new directory for one test, unmounted
// at its end; `dir` stays empty (and `why` says why) where mounting is
// refused: it needs root, as in CI.
struct SmallDisk {
  std::string dir, why;
  explicit SmallDisk(const char* size) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "poleloc-small-disk-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
      why = std::strerror(errno);
      return;
    }
    const std::string options = std::string("size=") + size + ",mode=0700";
    if (::mount("tmpfs", tmpl.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
      why = "cannot mount a tmpfs (" + std::string(std::strerror(errno)) + "); mounting needs root, as in CI";
      ::rmdir(tmpl.c_str());
      return;
    }
    dir = tmpl;
  }
  ~SmallDisk() {
    if (dir.empty()) return;
    if (::umount(dir.c_str()) != 0) ::umount2(dir.c_str(), MNT_DETACH);
    ::rmdir(dir.c_str());
  }
};

}  // namespace

// Grids sorted by id (as an import puts them) are streamed to their table
// file like the poles; unsorted ones (city() swaps two) are held and sorted.
// Either way the store holds exactly what a WriteBatch stores.
class BulkLoadGrids : public ::testing::TestWithParam<bool> {};

TEST_P(BulkLoadGrids, ImportIntoEmptyStoreStoresExactlyWhatAWriteBatchStores) {
  TempDir dir;
  Records r = city(5000);
  if (GetParam()) {
    std::sort(r.grids.begin(), r.grids.end(), [](const GridRecord& a, const GridRecord& b) { return a.id < b.id; });
  }
  auto [bulk, batch] = bulk_and_batch(dir);
  ASSERT_TRUE(bulk && batch);
  std::size_t bulk_written = 0, batch_written = 0;
  auto a = bulk->apply(change_of(r), &bulk_written);
  auto b = batch->apply(change_of(r), &batch_written);
  ASSERT_TRUE(a) << a.status().message();
  ASSERT_TRUE(b) << b.status().message();
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(bulk_written, batch_written);
  EXPECT_EQ(bulk_written, 5000u + r.grids.size() + r.aliases.size() + r.places.size() + r.roads.size());
  const Contents want = contents_of(*batch);
  EXPECT_EQ(contents_of(*bulk), want);
  EXPECT_FALSE(std::filesystem::exists(dir.file("bulk/import.tmp")));

  // The same after a reopen, and later writes go on from there exactly as after a batch.
  reopened_goes_on_alike(bulk, *batch, dir.file("bulk"), want);
  ASSERT_TRUE(bulk);
  // A second import into the now non-empty store compares with what is
  // stored: re-importing the same records writes only what differs.
  std::size_t again = 0;
  ASSERT_TRUE(bulk->apply(change_of(r), &again));
  EXPECT_EQ(again, 2u);  // TJH100001 and TJH100002 back as they were
}
INSTANTIATE_TEST_SUITE_P(BulkLoad, BulkLoadGrids, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "GridsSorted" : "GridsUnsorted"; });

// A re-import into a store that holds records (an import --merge, or one
// that removes nothing) is ingested too, beside what the store holds: it
// stores exactly what a WriteBatch stores (versions, live records, deleted
// aliases, the change log), writes nothing to the write-ahead log, and later
// writes and reopens go on as after a batch.
TEST(BulkLoad, AReimportIntoAStoreWithRecordsStoresExactlyWhatAWriteBatchStores) {
  TempDir dir;
  Records r = city(5000);
  std::sort(r.grids.begin(), r.grids.end(), [](const GridRecord& a, const GridRecord& b) { return a.id < b.id; });
  auto [bulk, batch] = bulk_and_batch(dir);
  ASSERT_TRUE(bulk && batch);
  ASSERT_TRUE(bulk->apply(change_of(r)));
  ASSERT_TRUE(batch->apply(change_of(r)));
  store::Change single;  // in both memtables when the re-import comes
  single.put_poles = {{"TJH100007", {116.5, 39.9}, {}}};
  single.delete_poles = {"TJH100008"};
  ASSERT_TRUE(bulk->apply(single));
  ASSERT_TRUE(batch->apply(single));
  const std::uintmax_t bulk_log_before = log_bytes(dir.file("bulk")), batch_log_before = log_bytes(dir.file("batch"));

  // Every third pole moved, one grid redrawn, an alias dropped and one changed, places replaced.
  Records again = r;
  for (std::size_t i = 0; i < again.poles.size(); i += 3) again.poles[i].position.lon += 1e-4;
  again.grids[1].geometry = fixtures::draw_grids({"AB"}, {116.46, 39.91}, 0.011)[0].geometry;
  again.aliases = {{"团结湖", "TJH"}, {"tuanjiehu", "TJHX"}};
  again.places = {{"农光里", "compound", LonLat{116.472, 39.922}, ""}};
  auto reimport = [&]() {
    store::Change c = change_of(again);
    c.delete_poles.clear();  // a merge: nothing removed
    c.delete_aliases = {"白家庄"};
    c.delete_places = {"水碓子小区"};
    return c;
  };
  const std::uint64_t seq = bulk->sequence() + 1;
  // 1,667 poles, TJH100007 and TJH100008 back, a grid, two aliases and two places.
  EXPECT_EQ(applied_alike(*bulk, *batch, reimport), 1667u + 2 + 1 + 2 + 2);
  ASSERT_EQ(bulk->sequence(), seq);
  const Contents want = contents_of(*batch);
  EXPECT_EQ(contents_of(*bulk), want);
  EXPECT_EQ(live_poles(*bulk), 5000u);
  // Ingested as table files: the log did not take the import (the batch's did).
  EXPECT_LT(log_bytes(dir.file("bulk")), bulk_log_before + 4096);
  EXPECT_GT(log_bytes(dir.file("batch")), batch_log_before + 50'000);
  EXPECT_FALSE(std::filesystem::exists(dir.file("bulk/import.tmp")));

  // Nothing differs the second time: nothing is written, no new sequence.
  std::size_t none = 1;
  auto same = bulk->apply(reimport(), &none);
  ASSERT_TRUE(same);
  EXPECT_EQ(*same, seq);
  EXPECT_EQ(none, 0u);
  reopened_goes_on_alike(bulk, *batch, dir.file("bulk"), want);
}

// An import that removes poles and grids from a store that holds records:
// its removals are walked together with its records in id order, so it is
// ingested too (sorted removals, as an import makes them), or falls back to a
// WriteBatch when they are not sorted; the store holds the same either way.
class BulkLoadRemovals : public ::testing::TestWithParam<bool> {};

TEST_P(BulkLoadRemovals, AReimportThatRemovesRecordsStoresExactlyWhatAWriteBatchStores) {
  const bool sorted_removals = GetParam();
  TempDir dir;
  Records r = city(3000);
  std::sort(r.grids.begin(), r.grids.end(), [](const GridRecord& a, const GridRecord& b) { return a.id < b.id; });
  auto [bulk, batch] = bulk_and_batch(dir);
  ASSERT_TRUE(bulk && batch);
  ASSERT_TRUE(bulk->apply(change_of(r)));
  ASSERT_TRUE(batch->apply(change_of(r)));
  const std::uintmax_t bulk_log_before = log_bytes(dir.file("bulk"));
  // Every seventh pole removed (the first and the last among them), every
  // fifth moved, grid B removed: what an import without --merge gives.
  Records again;
  std::vector<std::string> removed;
  std::size_t moved = 0;
  for (std::size_t i = 0; i < r.poles.size(); ++i) {
    if (i % 7 == 0 || i + 1 == r.poles.size()) {
      removed.push_back(r.poles[i].number);
      continue;
    }
    again.poles.push_back(r.poles[i]);
    if (i % 5 == 0) {
      again.poles.back().position.lat += 1e-4;
      ++moved;
    }
  }
  std::sort(removed.begin(), removed.end());
  if (!sorted_removals) std::reverse(removed.begin(), removed.end());
  for (const GridRecord& g : r.grids) {
    if (g.id != "B") again.grids.push_back(g);
  }
  auto reimport = [&]() {
    store::Change c = change_of(again);
    c.replace_aliases = r.aliases;
    c.replace_places = r.places;
    c.replace_roads = r.roads;
    c.delete_poles = removed;
    c.delete_grids = {"B"};
    return c;
  };
  EXPECT_EQ(applied_alike(*bulk, *batch, reimport), removed.size() + moved + 1);  // and grid B
  EXPECT_EQ(contents_of(*bulk), contents_of(*batch));
  EXPECT_EQ(live_poles(*bulk), again.poles.size());
  if (sorted_removals) {
    EXPECT_LT(log_bytes(dir.file("bulk")), bulk_log_before + 4096);  // ingested
  } else {
    EXPECT_GT(log_bytes(dir.file("bulk")), bulk_log_before + 4096);  // a WriteBatch
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("bulk/import.tmp")));
  reopened_goes_on_alike(bulk, *batch, dir.file("bulk"), contents_of(*batch));
}
INSTANTIATE_TEST_SUITE_P(BulkLoad, BulkLoadRemovals, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "SortedRemovals" : "UnsortedRemovals"; });

TEST(BulkLoad, ServiceImportIntoNewDatabaseAnswersAsBefore) {
  TempDir dir;
  Dataset d;
  const Records r = city(300);
  d.poles = r.poles;
  d.grids = r.grids;
  d.aliases = r.aliases;
  d.has_aliases = true;
  auto svc = fixtures::open_ok(dir.file("db"));
  auto report = svc->import(d);
  ASSERT_TRUE(report) << report.status().message();
  EXPECT_EQ(report->poles, 300u);
  auto check = [&](const Service& s) {
    auto snap = s.snapshot();
    EXPECT_EQ(snap->stats().poles, 300u);
    auto p = snap->locate("tjh-100043");
    ASSERT_TRUE(p);
    const Attributes attributes = p->attributes();
    ASSERT_NE(find_attribute(attributes, "kind"), nullptr);
    EXPECT_EQ(*find_attribute(attributes, "kind"), "lamp");
    ASSERT_TRUE(p->grid());
  };
  check(*svc);
  svc.reset();
  check(*fixtures::open_ok(dir.file("db")));
}

// The grid family is stored with LZ4 (coordinates: smaller than with Snappy
// and read with less CPU at open), the others with Snappy, both by a bulk
// import and by the files RocksDB writes itself; either opens as before.
TEST(BulkLoad, GridsAreStoredWithLz4AndPolesWithSnappy) {
  const auto supported = rocksdb::GetSupportedCompressions();
  if (std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) == supported.end()) {
    GTEST_SKIP() << "this RocksDB has no LZ4";
  }
  TempDir dir;
  Dataset d;
  const Records r = city(300);
  d.poles = r.poles;
  d.grids = r.grids;
  {
    auto svc = fixtures::open_ok(dir.file("db"));
    ASSERT_TRUE(svc->import(d));
    GridRecord g = r.grids[1];
    g.attributes.push_back({"manager", "new"});
    ASSERT_TRUE(svc->put_grid(g));
    // Keeps every version, and compacts: the write above goes to a table file RocksDB writes.
    ASSERT_TRUE(svc->compact_history(std::chrono::hours(24 * 365 * 100)));
  }
  // Every table file of a family, by the compression its properties name.
  auto compressions = [&](const char* family) {
    std::vector<rocksdb::ColumnFamilyDescriptor> families{
        {rocksdb::kDefaultColumnFamilyName, {}}, {"poles", {}}, {"grids", {}}, {"aliases", {}}, {"meta", {}}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    std::set<std::string> names;
    const auto s = rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir.file("db"), families, &handles, &raw);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return names;
    std::unique_ptr<rocksdb::DB> db(raw);
    const std::size_t f = std::string(family) == "poles" ? 1 : 2;
    rocksdb::TablePropertiesCollection tables;
    EXPECT_TRUE(db->GetPropertiesOfAllTables(handles[f], &tables).ok());
    for (const auto& [file, properties] : tables) names.insert(properties->compression_name);
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    return names;
  };
  EXPECT_EQ(compressions("grids"), std::set<std::string>{"LZ4"});
  EXPECT_EQ(compressions("poles"), std::set<std::string>{"Snappy"});
  auto svc = fixtures::open_ok(dir.file("db"));
  EXPECT_EQ(svc->snapshot()->stats().grids, r.grids.size());
  ASSERT_TRUE(svc->snapshot()->grid(r.grids[1].id));
  EXPECT_NE(find_attribute(svc->snapshot()->grid(r.grids[1].id)->attributes(), "manager"), nullptr);
}

TEST(BulkLoad, PolesOutOfOrderFallBackToAWriteBatchWithTheSameResult) {
  TempDir dir;
  Records r = city(100);
  std::swap(r.poles[10], r.poles[70]);
  auto [bulk, batch] = bulk_and_batch(dir);
  ASSERT_TRUE(bulk && batch);
  ASSERT_TRUE(bulk->apply(change_of(r)));
  ASSERT_TRUE(batch->apply(change_of(r)));
  EXPECT_EQ(contents_of(*bulk), contents_of(*batch));
  EXPECT_EQ(live_poles(*bulk), 100u);
}

TEST(BulkLoad, FilesOfABulkLoadThatCrashedBeforeIngestionAreNotPartOfTheDatabase) {
  TempDir dir;
  {
    auto s = open_store(dir.file("db"));
    ASSERT_TRUE(s);
  }
  // What a crash between writing the table files and ingesting them leaves.
  std::filesystem::create_directories(dir.file("db/import.tmp"));
  dir.write("db/import.tmp/0.sst", "half a table file");
  auto s = open_store(dir.file("db"));
  ASSERT_TRUE(s);
  EXPECT_FALSE(std::filesystem::exists(dir.file("db/import.tmp")));
  EXPECT_EQ(s->sequence(), 0u);
  EXPECT_EQ(live_poles(*s), 0u);
  ASSERT_TRUE(s->apply(change_of(city(50))));
  EXPECT_EQ(live_poles(*s), 50u);
}

TEST(BulkLoad, AFullDiskDuringABulkLoadStoresNothingAndTheNextImportWorks) {
  SmallDisk disk("4m");
  if (disk.dir.empty()) GTEST_SKIP() << disk.why;
  const std::string& mnt = disk.dir;
  {
    auto s = open_store(mnt + "/db");
    ASSERT_TRUE(s);
    const Records big = city(3000, 2000);  // ~6 MB of poles: more than the disk holds
    auto seq = s->apply(change_of(big));
    ASSERT_FALSE(seq);
    EXPECT_EQ(seq.status().code(), ErrorCode::storage_full) << seq.status().message();
    EXPECT_EQ(s->sequence(), 0u);
    EXPECT_EQ(live_poles(*s), 0u);
    EXPECT_FALSE(std::filesystem::exists(mnt + "/db/import.tmp"));
    // The database's own files were not touched: it takes the next import.
    ASSERT_TRUE(s->write_problem().is_ok()) << s->write_problem().message();
    auto small = s->apply(change_of(city(100)));
    ASSERT_TRUE(small) << small.status().message();
    EXPECT_EQ(*small, 1u);
  }
  auto s = open_store(mnt + "/db");
  ASSERT_TRUE(s);
  EXPECT_EQ(live_poles(*s), 100u);
  EXPECT_EQ(s->sequence(), 1u);
}

namespace {

// How many sorted runs RocksDB keeps family `family` of database `path` in:
// each file of level 0, and each deeper level holding files. A load reads
// through all of them at once.
std::size_t sorted_runs(const std::string& path, const std::string& family) {
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& n : names) families.push_back({n, {}});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const auto s = rocksdb::DB::OpenForReadOnly(rocksdb::Options(), path, families, &handles, &raw);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return 0;
  std::unique_ptr<rocksdb::DB> db(raw);
  std::size_t runs = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] != family) continue;
    rocksdb::ColumnFamilyMetaData meta;
    db->GetColumnFamilyMetaData(handles[i], &meta);
    for (const auto& level : meta.levels) runs += level.level == 0 ? level.files.size() : !level.files.empty();
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  return runs;
}

// city(2000)'s poles and grids, as an import takes them.
Dataset city_dataset() {
  const Records r = city(2000);
  Dataset d;
  d.poles = r.poles;
  d.grids = r.grids;
  return d;
}

// `d` with every tenth pole from the `round`-th on moved 1e-5 * round degrees
// east: a re-import of round n moves those and puts round n - 1's back.
Dataset moved(Dataset d, int round) {
  for (std::size_t i = static_cast<std::size_t>(round); i < d.poles.size(); i += 10) {
    d.poles[i].position.lon += 1e-5 * round;
  }
  return d;
}

std::unique_ptr<Service> open_read_only(const std::string& path) {
  OpenOptions ro;
  ro.read_only = true;
  auto svc = Service::open(path, ro);
  EXPECT_TRUE(svc) << svc.status().message();
  return svc ? std::move(*svc) : nullptr;
}

}  // namespace

// Every re-import is ingested as a run of its own above the others, which
// RocksDB never merged (they are far below the sizes that start a
// compaction): a database re-imported daily was read through seven or more
// runs at every open and by every read-only server's reload (2,000,000
// poles opened in 1.2-1.7 s under eight runs, 0.8-1.0 s under two). An
// import merges the runs it finds before writing, so loads read two, and
// every open still answers as the last import said.
TEST(BulkLoad, ReimportsLeaveTheLivePolesInTwoSortedRuns) {
  TempDir dir;
  const Dataset d = city_dataset();
  ASSERT_TRUE(fixtures::open_ok(dir.file("db"))->import(d));
  EXPECT_EQ(sorted_runs(dir.file("db"), "live_poles"), 1u);
  for (int round = 1; round <= 5; ++round) {
    const Dataset again = moved(d, round);
    {
      auto svc = fixtures::open_ok(dir.file("db"));
      auto report = svc->import(again);
      ASSERT_TRUE(report) << report.status().message();
      EXPECT_EQ(report->diff.poles.changed, round == 1 ? 200u : 400u);  // the last round's poles move back
    }
    // The import's own run above one of everything before it: what a
    // read-only server reloading right after the ingestion reads (merging
    // after the ingestion instead would take the cores it reloads on).
    EXPECT_EQ(sorted_runs(dir.file("db"), "live_poles"), 2u) << "after re-import " << round;
    auto svc = open_read_only(dir.file("db"));
    ASSERT_TRUE(svc);
    EXPECT_EQ(svc->snapshot()->stats().poles, 2000u);
    const auto pole = svc->snapshot()->locate(again.poles[static_cast<std::size_t>(round)].number);
    ASSERT_TRUE(pole);
    EXPECT_EQ(pole->position(), again.poles[static_cast<std::size_t>(round)].position);
  }
}

// The merge of the runs writes the family anew before it drops the old files:
// on a disk without twice its size and 64 MB to spare it is left for a
// roomier time, so that a re-import that fits is not refused for its sake.
TEST(BulkLoad, ReimportsOnANearlyFullDiskLeaveTheRunsUnmerged) {
  SmallDisk disk("16m");
  if (disk.dir.empty()) GTEST_SKIP() << disk.why;
  const Dataset d = city_dataset();
  const std::string db = disk.dir + "/db";
  ASSERT_TRUE(fixtures::open_ok(db)->import(d));
  for (int round = 1; round <= 2; ++round) {
    auto report = fixtures::open_ok(db)->import(moved(d, round));
    ASSERT_TRUE(report) << report.status().message();
  }
  EXPECT_EQ(sorted_runs(db, "live_poles"), 3u);
  auto svc = open_read_only(db);
  ASSERT_TRUE(svc);
  EXPECT_EQ(svc->snapshot()->stats().poles, 2000u);
  EXPECT_EQ(svc->snapshot()->locate(d.poles[2].number)->position().lon, d.poles[2].position.lon + 2e-5);
}
