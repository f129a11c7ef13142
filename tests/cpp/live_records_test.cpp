// The live families (store.hpp, "Live records") hold the current version of
// every live record beside its history, so that opening reads the current
// records without walking their versions. They must always say exactly what
// the versions say; a database from before them is filled once, by its first
// writable open, and read from its versions until then.
#include "raw_db.hpp"
#include "store/store.hpp"
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace poleloc;
using poleloc::fixtures::TempDir;

namespace {

// Every record a load visits, as sorted text (the grid thread visits in its own order).
std::vector<std::string> loaded(const store::Store& s, std::uint64_t at = std::numeric_limits<std::uint64_t>::max()) {
  std::vector<std::string> out, grids;
  store::LoadVisitor v;
  v.pole = [&](std::string_view number, const store::PoleValueView& p) {
    std::string line = "pole " + std::string(number) + " " + std::to_string(p.position.lon) + " " +
                       std::to_string(p.position.lat);
    for (const auto& a : p.attributes) line += " " + std::string(a.first) + "=" + std::string(a.second);
    out.push_back(line);
  };
  v.grid = [&](GridRecord&& g) {
    std::string line = "grid " + g.id + " " + g.name + " " + std::to_string(g.geometry.size());
    for (const auto& a : g.attributes) line += " " + a.first + "=" + a.second;
    grids.push_back(line);
  };
  v.alias = [&](AliasRecord&& a) { grids.push_back("alias " + a.alias + " " + a.code); };
  v.place = [&](PlaceRecord&& p) { grids.push_back("place " + p.name); };
  v.road = [&](RoadRecord&& r) { grids.push_back("road " + r.name); };
  v.grids_done = [] {};
  const Status st = at == std::numeric_limits<std::uint64_t>::max() ? s.load(v) : s.load_at(at, v);
  EXPECT_TRUE(st) << st.message();
  out.insert(out.end(), grids.begin(), grids.end());
  std::sort(out.begin(), out.end());
  return out;
}

std::unique_ptr<store::Store> open_store(const std::string& path, bool read_only = false) {
  auto s = store::Store::open(path, {.read_only = read_only});
  EXPECT_TRUE(s) << s.status().message();
  return s ? std::move(*s) : nullptr;
}

// What the live families say equals what the newest versions say.
void expect_live_matches_versions(const store::Store& s) {
  const auto live = loaded(s);
  EXPECT_EQ(live, loaded(s, s.sequence()));
  EXPECT_FALSE(live.empty());
}

GridRecord square(const std::string& id, const std::string& name, double x, double size = 0.01) {
  GridRecord g;
  g.id = id;
  g.name = name;
  g.geometry = {{{fixtures::box_ring(x, 39.9, x + size, 39.9 + size)}}};
  return g;
}

// A history with every kind of write: puts, changes, deletes, a record put
// again after its deletion, a grid redrawn, aliases, places and roads replaced.
void write_history(store::Store& s) {
  store::Change first;
  for (int i = 0; i < 200; ++i) {
    first.put_poles.push_back({"TJH" + std::to_string(1000 + i), {116.40 + 1e-4 * i, 39.905}, {{"i", std::to_string(i)}}});
  }
  first.put_grids = {square("G1", "一", 116.40), square("G2", "二", 116.41)};
  first.replace_aliases = std::vector<AliasRecord>{{"团结湖", "TJH"}, {"tuanjiehu", "TJH"}};
  first.replace_places = std::vector<PlaceRecord>{{"水碓子小区", "compound", LonLat{116.401, 39.901}, ""}};
  first.replace_roads = std::vector<RoadRecord>{{"团结湖路", {{{116.40, 39.90}, {116.42, 39.90}}}}};
  ASSERT_TRUE(s.apply(first));
  store::Change second;
  second.put_poles = {{"TJH1000", {116.4005, 39.9055}, {{"i", "moved"}}}};
  second.delete_poles = {"TJH1001", "TJH1002"};
  second.put_grids = {square("G2", "二", 116.41, 0.02)};
  second.delete_aliases = {"tuanjiehu"};
  ASSERT_TRUE(s.apply(second));
  store::Change third;
  third.put_poles = {{"TJH1001", {116.4001, 39.9051}, {}}};  // back after its deletion
  third.delete_grids = {"G1"};
  third.delete_places = {"水碓子小区"};
  ASSERT_TRUE(s.apply(third));
}

// A closed database at `path` holding write_history(); what it loads.
std::vector<std::string> stored_history(const std::string& path) {
  auto s = open_store(path);
  if (!s) return {};
  write_history(*s);
  return loaded(*s);
}

}  // namespace

TEST(LiveRecords, EveryKindOfWriteKeepsTheLiveRecordsEqualToTheNewestVersions) {
  TempDir dir;
  auto s = open_store(dir.file("db"));
  ASSERT_TRUE(s);
  write_history(*s);
  expect_live_matches_versions(*s);
  const auto before = loaded(*s);
  EXPECT_NE(std::find(before.begin(), before.end(), "pole TJH1001 116.400100 39.905100"), before.end());
  EXPECT_EQ(std::count_if(before.begin(), before.end(), [](const std::string& l) { return l.starts_with("pole TJH1002"); }), 0);
  EXPECT_EQ(std::count_if(before.begin(), before.end(), [](const std::string& l) { return l.starts_with("grid G1"); }), 0);

  // Compacting the history keeps every current record.
  ASSERT_TRUE(s->compact_history(std::chrono::system_clock::now() + std::chrono::hours(1)));
  expect_live_matches_versions(*s);
  EXPECT_EQ(loaded(*s), before);

  // The same for a reader in another handle.
  s.reset();
  auto ro = open_store(dir.file("db"), true);
  ASSERT_TRUE(ro);
  EXPECT_EQ(loaded(*ro), before);
  expect_live_matches_versions(*ro);
}

TEST(LiveRecords, ADumpRestoredWithItsHistoryHasTheSameLiveRecords) {
  TempDir dir;
  auto s = open_store(dir.file("db"));
  ASSERT_TRUE(s);
  write_history(*s);
  const auto want = loaded(*s);
  // Replay the dump one sequence at a time, as `poleloc import --with-history` does.
  std::vector<store::DumpedVersion> versions;
  store::DumpHeader header;
  ASSERT_TRUE(s->dump_versions([&](const store::DumpHeader& h) { header = h; return Status::ok(); },
                               [&](const store::DumpedVersion& v) { versions.push_back(v); return Status::ok(); }));
  std::stable_sort(versions.begin(), versions.end(), [](const auto& a, const auto& b) { return a.sequence < b.sequence; });
  auto copy = open_store(dir.file("copy"));
  ASSERT_TRUE(copy);
  for (std::size_t i = 0; i < versions.size();) {
    std::size_t j = i;
    while (j < versions.size() && versions[j].sequence == versions[i].sequence) ++j;
    const std::vector<store::DumpedVersion> items(versions.begin() + static_cast<std::ptrdiff_t>(i),
                                                  versions.begin() + static_cast<std::ptrdiff_t>(j));
    ASSERT_TRUE(copy->restore(versions[i].sequence, versions[i].unix_ms, versions[i].author, items, true));
    i = j;
  }
  ASSERT_TRUE(copy->finish_restore(header.sequence, header.changelog_from));
  EXPECT_EQ(loaded(*copy), want);
  expect_live_matches_versions(*copy);
}

TEST(LiveRecords, ADatabaseFromBeforeThemReadsItsVersionsThenItsFirstWritableOpenFillsThem) {
  TempDir dir;
  const std::vector<std::string> want = stored_history(dir.file("db"));
  {
    fixtures::RawDb raw(dir.file("db"));
    ASSERT_TRUE(raw.ok()) << raw.error;
    ASSERT_TRUE(raw.strip_live());
  }
  {
    // Read-only, as it is: from its versions, and nothing is written.
    auto ro = open_store(dir.file("db"), true);
    ASSERT_TRUE(ro);
    EXPECT_EQ(loaded(*ro), want);
    fixtures::RawDb raw(dir.file("db"), true);
    ASSERT_TRUE(raw.ok()) << raw.error;
    EXPECT_EQ(raw.live_poles, nullptr);
  }
  {
    auto s = open_store(dir.file("db"));
    ASSERT_TRUE(s);
    EXPECT_EQ(loaded(*s), want);
    expect_live_matches_versions(*s);
    // Later writes keep them up to date.
    store::Change more;
    more.put_poles = {{"TJH2000", {116.401, 39.902}, {}}};
    more.delete_poles = {"TJH1003"};
    ASSERT_TRUE(s->apply(more));
    expect_live_matches_versions(*s);
  }
  fixtures::RawDb raw(dir.file("db"), true);
  ASSERT_TRUE(raw.ok()) << raw.error;
  ASSERT_NE(raw.live_poles, nullptr);
  std::string value;
  EXPECT_TRUE(raw.db->Get(rocksdb::ReadOptions(), raw.meta, "schema_version", &value).ok());
  EXPECT_EQ(value, std::to_string(store::kSchemaVersion));
  EXPECT_TRUE(raw.db->Get(rocksdb::ReadOptions(), raw.meta, "live_complete", &value).ok());
}

TEST(LiveRecords, AFillingCutShortIsDoneAgainByTheNextWritableOpen) {
  TempDir dir;
  const std::vector<std::string> want = stored_history(dir.file("db"));
  {
    // What a crash in the middle of the filling leaves: no marker, some
    // records missing and a deleted one still there.
    fixtures::RawDb raw(dir.file("db"));
    ASSERT_TRUE(raw.ok()) << raw.error;
    ASSERT_TRUE(raw.db->Delete(rocksdb::WriteOptions(), raw.meta, "live_complete").ok());
    ASSERT_TRUE(raw.db->Delete(rocksdb::WriteOptions(), raw.live_poles, "TJH1000").ok());
    ASSERT_TRUE(raw.db->Put(rocksdb::WriteOptions(), raw.live_poles, "TJH1002", "\x01\x00").ok());
  }
  {
    auto ro = open_store(dir.file("db"), true);  // not marked complete: read from the versions
    ASSERT_TRUE(ro);
    EXPECT_EQ(loaded(*ro), want);
  }
  auto s = open_store(dir.file("db"));
  ASSERT_TRUE(s);
  EXPECT_EQ(loaded(*s), want);
  expect_live_matches_versions(*s);
}

// A re-import finds each record's stored value in the live family, stepping
// forward while the records come in id order and seeking when they do not:
// whatever the order, exactly the records that differ are written.
TEST(LiveRecords, AReimportWritesExactlyWhatDiffersInAnyOrder) {
  TempDir dir;
  auto s = open_store(dir.file("db"));
  ASSERT_TRUE(s);
  auto number = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "TJH%05d", i);
    return std::string(buf);
  };
  auto pole = [&](int i, double shift = 0) { return PoleRecord{number(i), {116.40 + 1e-5 * i + shift, 39.90}, {}}; };
  store::Change first;
  for (int i = 0; i < 3000; i += 2) first.put_poles.push_back(pole(i));  // the even numbers
  ASSERT_TRUE(s->apply(first));
  const std::uint64_t before = s->sequence();

  store::Change again;
  std::set<std::string> differ;
  for (int i = 0; i < 3200; ++i) {
    if (i % 2 == 1 && i % 7 != 0) continue;    // odd numbers: new, a few of them, between stored ones
    if (i >= 3000 && i % 2 == 0) {             // new beyond the last stored
      again.put_poles.push_back(pole(i));
      differ.insert(number(i));
    } else if (i % 2 == 1) {
      again.put_poles.push_back(pole(i));
      differ.insert(number(i));
    } else if (i % 50 == 0) {                  // moved
      again.put_poles.push_back(pole(i, 1e-4));
      differ.insert(number(i));
    } else if (i % 70 != 0) {
      again.put_poles.push_back(pole(i));      // unchanged
    }
  }
  // Two out of order at the end (left out above): one unchanged, one moved.
  again.put_poles.push_back(pole(210));
  again.put_poles.push_back(pole(280, 2e-4));
  differ.insert(number(280));
  again.delete_poles = {number(70), number(71), number(140)};  // stored, never stored, stored
  differ.insert(number(70));
  differ.insert(number(140));
  std::size_t written = 0;
  ASSERT_TRUE(s->apply(again, &written));
  EXPECT_EQ(written, differ.size());
  auto page = s->changes_after(before, 0, 100000);
  ASSERT_TRUE(page) << page.status().message();
  std::set<std::string> logged;
  for (const auto& e : page->entries) logged.insert(e.id);
  EXPECT_EQ(logged, differ);
  expect_live_matches_versions(*s);

  // The same re-import once more writes nothing.
  written = 1;
  ASSERT_TRUE(s->apply(again, &written));
  EXPECT_EQ(written, 0u);
}
