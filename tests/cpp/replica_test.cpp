// Service::apply_replicated: a read replica writing its primary's change feed
// keeps the primary's sequences, times, authors and history
// (docs/replicas.md); and snapshot_from_records, the in-memory snapshot a
// pickled Pole or Grid comes back into.
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>
#include <poleloc/record_snapshot.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace poleloc;
using poleloc::fixtures::open_ok;
using poleloc::fixtures::TempDir;

namespace {

// The whole history dump: every version with its sequence, time and author.
std::string history(const Service& s, const TempDir& dir) {
  const auto path = dir.file("history.ndjson");
  EXPECT_TRUE(s.export_history(path));
  return poleloc::fixtures::read_text(path);
}

Dataset sample(std::size_t poles) {
  Dataset d;
  d.grids = fixtures::draw_grids({"AABB", "AABB"});
  for (std::size_t i = 0; i < poles; ++i) {
    char number[16];
    std::snprintf(number, sizeof number, "TST%05zu", i);
    d.poles.push_back({number, {116.0005 + 0.0001 * static_cast<double>(i % 30), 39.0005}, {{"i", std::to_string(i)}}});
  }
  return d;
}

// Copies every change after the replica's sequence, page by page, as the follower does.
void replicate(const Service& primary, Service& replica, std::size_t limit) {
  std::uint64_t after = replica.sequence(), skip = 0;
  std::vector<FeedChange> pending;
  while (true) {
    auto page = primary.changes_after(after, limit, skip);
    ASSERT_TRUE(page) << page.status().message();
    for (FeedChange& c : page->changes) pending.push_back(std::move(c));
    std::vector<FeedChange> whole;
    std::vector<FeedChange> rest;
    for (FeedChange& c : pending) (c.sequence <= page->next_after ? whole : rest).push_back(std::move(c));
    pending = std::move(rest);
    if (!whole.empty()) {
      ASSERT_TRUE(replica.apply_replicated(whole));
    }
    if (page->next_after == after && page->next_skip == skip) break;
    after = page->next_after;
    skip = page->next_skip;
  }
}

}  // namespace

TEST(Replica, ApplyingTheFeedKeepsThePrimarysSequencesTimesAndAuthors) {
  TempDir dir;
  auto primary = open_ok(dir.file("primary"));
  ASSERT_TRUE(primary->import(sample(40)));
  ASSERT_TRUE(primary->put_pole({"TST00003", {116.0031, 39.0012}, {{"kind", "moved"}}}, {.author = "crew7"}));
  ASSERT_TRUE(primary->delete_pole("TST00004", {.author = "alice"}));
  ASSERT_TRUE(primary->apply({.put_grids = fixtures::draw_grids({"AAAB", "AAAB"})}, {.author = "gis"}));
  auto replica = open_ok(dir.file("replica"));
  replicate(*primary, *replica, 7);  // pages end inside the import's sequence
  EXPECT_EQ(replica->sequence(), primary->sequence());
  EXPECT_EQ(replica->snapshot()->stats().sequence, primary->snapshot()->stats().sequence);
  EXPECT_EQ(history(*replica, dir), history(*primary, dir));
  auto h = replica->pole_history("TST00003");
  ASSERT_TRUE(h);
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ(h->back().author, "crew7");
  EXPECT_FALSE(replica->snapshot()->locate("TST00004"));
  // Later writes follow, and the replica's own feed is the primary's.
  ASSERT_TRUE(primary->put_pole({"NEW00001", {116.0025, 39.0015}, {}}, {.author = "bob"}));
  replicate(*primary, *replica, 1000);
  ASSERT_TRUE(replica->snapshot()->locate("NEW00001"));
  auto a = primary->changes_after(0, 10000), b = replica->changes_after(0, 10000);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->changes.size(), b->changes.size());
  for (std::size_t i = 0; i < a->changes.size(); ++i) {
    EXPECT_EQ(a->changes[i].sequence, b->changes[i].sequence);
    EXPECT_EQ(a->changes[i].time, b->changes[i].time);
    EXPECT_EQ(a->changes[i].author, b->changes[i].author);
    EXPECT_EQ(a->changes[i].id, b->changes[i].id);
  }
}

TEST(Replica, ChangesOfSequencesAlreadyStoredAreSkipped) {
  TempDir dir;
  auto primary = open_ok(dir.file("primary"));
  ASSERT_TRUE(primary->import(sample(5)));
  auto replica = open_ok(dir.file("replica"));
  auto page = primary->changes_after(0, 1000);
  ASSERT_TRUE(page);
  ASSERT_TRUE(replica->apply_replicated(page->changes));
  const std::string before = history(*replica, dir);
  auto again = replica->apply_replicated(page->changes);  // a page read twice after a reconnect
  ASSERT_TRUE(again) << again.status().message();
  EXPECT_EQ(*again, primary->sequence());
  EXPECT_EQ(history(*replica, dir), before);
}

TEST(Replica, APutWithoutItsRecordIsRefusedAndNothingOfItIsStored) {
  TempDir dir;
  auto replica = open_ok(dir.file("replica"));
  FeedChange bad;
  bad.sequence = 1;
  bad.kind = "pole";
  bad.id = "TST00001";
  auto r = replica->apply_replicated({bad});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), ErrorCode::bad_request);
  EXPECT_EQ(replica->sequence(), 0u);
}

TEST(Replica, AReadOnlyServiceCannotReplicate) {
  TempDir dir;
  { auto created = open_ok(dir.file("db")); }
  auto ro = open_ok(dir.file("db"), {.read_only = true});
  auto r = ro->apply_replicated({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), ErrorCode::read_only);
}

TEST(RecordSnapshot, APoleComesBackWithItsGridFromRecordsAlone) {
  GridRecord grid = fixtures::draw_grids({"AA", "AA"}).at(0);
  auto snap = snapshot_from_records({{"TST00001", {116.0005, 39.0005}, {{"kind", "路灯"}}}}, {grid});
  auto pole = snap->locate("tst-00001");
  ASSERT_TRUE(pole);
  EXPECT_EQ(pole->attributes(), (Attributes{{"kind", "路灯"}}));
  ASSERT_TRUE(pole->grid());
  EXPECT_EQ(pole->grid()->id(), grid.id);
  EXPECT_EQ(pole->grid()->geometry(), grid.geometry);
}
