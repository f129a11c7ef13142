// History, as-of answers and the change feed: Service::snapshot_at,
// pole_history / grid_history, changes_after, wait_for_sequence_after.
#include "raw_db.hpp"
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

using namespace poleloc;
using poleloc::fixtures::open_ok;
using poleloc::fixtures::TempDir;
using Clock = std::chrono::system_clock;

namespace {

std::string dump(const Service& service, const TempDir& dir) {
  const auto poles = dir.file("dump-poles.csv"), grids = dir.file("dump-grids.geojson");
  EXPECT_TRUE(service.export_to(poles, grids));
  return poleloc::fixtures::read_text(poles) + "\n--\n" + poleloc::fixtures::read_text(grids);
}

// A moment strictly between two writes: times are kept in milliseconds.
Clock::time_point between_writes() {
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  const auto t = Clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  return t;
}

// Two grids side by side (A west, B east), 0.001 degree cells at 116.0, 39.0.
//   AABB
//   AABB
Dataset two_grids(std::size_t poles) {
  Dataset d;
  d.grids = fixtures::draw_grids({"AABB", "AABB"});
  for (std::size_t i = 0; i < poles; ++i) {
    char number[16];
    std::snprintf(number, sizeof number, "TST%05zu", i);
    d.poles.push_back({number, {116.0005 + 0.0001 * static_cast<double>(i % 30), 39.0005}, {{"i", std::to_string(i)}}});
  }
  return d;
}

void forget_change_log(const std::string& path) {
  fixtures::RawDb raw(path);
  ASSERT_TRUE(raw.ok()) << raw.error;
  rocksdb::WriteBatch batch;
  {
    std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(rocksdb::ReadOptions(), raw.meta));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().starts_with("log/") || it->key().starts_with("seqauthor/") || it->key() == "changelog_from") {
        batch.Delete(raw.meta, it->key());
      }
    }
  }
  EXPECT_TRUE(raw.db->Write(rocksdb::WriteOptions(), &batch).ok());
}

// Applies every change of the primary's feed to `follower`, one batch per sequence.
void follow(const Service& primary, Service& follower, std::uint64_t& after, std::uint64_t& skip, std::size_t limit) {
  while (true) {
    auto page = primary.changes_after(after, limit, skip);
    ASSERT_TRUE(page) << page.status().message();
    std::map<std::uint64_t, ChangeSet> batches;
    for (const FeedChange& c : page->changes) {
      ChangeSet& b = batches[c.sequence];
      if (c.kind == "pole") {
        if (c.deleted) b.delete_poles.push_back(c.id);
        else b.put_poles.push_back(*c.pole);
      } else if (c.kind == "grid") {
        if (c.deleted) b.delete_grids.push_back(c.id);
        else b.put_grids.push_back(*c.grid);
      }
    }
    for (auto& [seq, b] : batches) {
      if (b.empty()) continue;
      auto r = follower.apply(std::move(b), {.author = "follower", .allow_overlap = true});
      ASSERT_TRUE(r) << "sequence " << seq << ": " << r.status().message();
    }
    const bool done = page->next_after == after && page->next_skip == skip;
    after = page->next_after;
    skip = page->next_skip;
    if (done || (page->changes.empty())) return;
  }
}

}  // namespace

TEST(History, AsOfAnswersBeforeAndAfterGridRedrawnAndPoleRenumbered) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(two_grids(3)));
  ASSERT_TRUE(svc->put_pole({"OLD0001", {116.0025, 39.0015}, {}}, {.author = "crew"}));
  const auto t1 = between_writes();
  // Grid A grows east over B's west column: the point 116.0025 moves from B to A.
  auto grids = fixtures::draw_grids({"AAAB", "AAAB"});
  ASSERT_TRUE(svc->apply({.put_grids = grids}, {.author = "gis"}));
  // Renumbered: the old number goes, the new one appears at the same place.
  ASSERT_TRUE(svc->apply({.put_poles = {{"NEW0001", {116.0025, 39.0015}, {}}}, .delete_poles = {"OLD0001"}},
                         {.author = "crew"}));
  const auto t2 = between_writes();

  const LonLat p{116.0025, 39.0015};
  auto then = svc->snapshot_at(t1);
  ASSERT_TRUE(then) << then.status().message();
  ASSERT_TRUE((*then)->grid_at(p));
  EXPECT_EQ((*then)->grid_at(p)->id(), "B");
  EXPECT_TRUE((*then)->locate("OLD0001"));
  EXPECT_FALSE((*then)->locate("NEW0001"));
  ASSERT_TRUE((*then)->locate("OLD0001")->grid());
  EXPECT_EQ((*then)->locate("OLD0001")->grid()->id(), "B");
  auto in_b = (*then)->poles_in_grid("B");
  ASSERT_TRUE(in_b);
  EXPECT_EQ(in_b->poles.size(), 1u);

  auto now = svc->snapshot_at(t2);
  ASSERT_TRUE(now);
  EXPECT_EQ(now->get(), svc->snapshot().get()) << "a time after the latest change is the current snapshot";
  EXPECT_EQ((*now)->grid_at(p)->id(), "A");
  EXPECT_FALSE((*now)->locate("OLD0001"));
  EXPECT_EQ((*now)->locate("NEW0001")->grid()->id(), "A");

  auto again = svc->snapshot_at(t1);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get(), then->get()) << "a repeated as-of query reuses the cached snapshot";
}

namespace {

// `then` (an as-of snapshot) answers every query as `want` (the snapshot served at that time) did.
void expect_as_then(const Snapshot& then, const Snapshot& want, const std::string& when) {
  SCOPED_TRACE(when);
  ASSERT_EQ(then.pole_count(), want.pole_count());
  ASSERT_EQ(then.grid_count(), want.grid_count());
  std::vector<std::string> got_numbers, want_numbers;
  then.for_each_pole([&](PoleView p) { got_numbers.emplace_back(p.number()); });
  want.for_each_pole([&](PoleView w) {
    want_numbers.emplace_back(w.number());
    auto got = then.locate(w.number());
    ASSERT_TRUE(got) << w.number();
    EXPECT_EQ(got->position(), w.position()) << w.number();
    EXPECT_EQ(got->attributes(), w.attributes()) << w.number();
    EXPECT_EQ(fixtures::grid_id(got->grid()), fixtures::grid_id(w.grid())) << w.number();
  });
  EXPECT_EQ(got_numbers, want_numbers);
  want.for_each_grid([&](GridView w) {
    auto got = then.grid(w.id());
    ASSERT_TRUE(got) << w.id();
    EXPECT_EQ(got->attributes(), w.attributes()) << w.id();
    EXPECT_EQ(got->geometry(), w.geometry()) << w.id();
    auto a = then.poles_in_grid(w.id(), {.limit = kMaxPageSize});
    auto b = want.poles_in_grid(w.id(), {.limit = kMaxPageSize});
    ASSERT_TRUE(a && b) << w.id();
    EXPECT_EQ(fixtures::numbers(a->poles), fixtures::numbers(b->poles)) << w.id();
  });
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> lon(116.455, 116.495), lat(39.910, 39.935);
  for (int i = 0; i < 300; ++i) {
    const LonLat p{lon(rng), lat(rng)};
    auto ga = then.grid_at(p), gb = want.grid_at(p);
    EXPECT_EQ(fixtures::grid_id(ga), fixtures::grid_id(gb)) << p.lon << "," << p.lat;
    if (i % 3 == 0) fixtures::expect_same_nearest(then, want, p, 5);
  }
  for (const char* text : {"团结湖三七二", "TJH0372", "TJH8101", "团结湖 12"}) {
    auto a = then.resolve(text, {});
    auto b = want.resolve(text, {});
    ASSERT_TRUE(a && b) << text;
    ASSERT_EQ(a->size(), b->size()) << text;
    for (std::size_t k = 0; k < a->size(); ++k) EXPECT_EQ((*a)[k].pole.number(), (*b)[k].pole.number()) << text;
  }
}

}  // namespace

// Random writes over the sample (poles moved, added, deleted and put back;
// grids given new managers, redrawn, deleted and put back, in single writes and
// batches); between them, moments and the snapshot served then. Asked
// afterwards as of each moment, and again after a reopen (from the stored
// history alone), every query answers as that snapshot did. (Redrawn grids
// only shrink or come back: where grids overlap, an as-of snapshot follows the
// boundary rule, as a fresh open does, and the live one the newest write;
// docs/history.md.)
TEST(History, AsOfEachMomentOfRandomWritesAnswersAsTheRegistryServedThen) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  const std::string sample = POLELOC_SAMPLE_DIR;
  ASSERT_TRUE(svc->import(ImportSources{sample + "/poles.csv", sample + "/grids.geojson", sample + "/aliases.csv"}));
  std::vector<PoleRecord> poles;
  svc->snapshot()->for_each_pole([&](PoleView p) { poles.push_back(p.record()); });
  std::vector<GridRecord> grids;
  svc->snapshot()->for_each_grid([&](GridView g) { grids.push_back(g.record()); });
  std::mt19937 rng(20261206);
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  std::uniform_real_distribution<double> lon(116.458, 116.492), lat(39.912, 39.933);
  std::vector<std::pair<Clock::time_point, std::shared_ptr<const Snapshot>>> moments;
  moments.emplace_back(between_writes(), svc->snapshot());
  int added = 0;
  for (int step = 1; step <= 60; ++step) {
    ChangeSet change;
    const int items = pick(4) == 0 ? 3 : 1;  // now and then a batch of three
    for (int item = 0; item < items; ++item) {
      switch (pick(5)) {
        case 0:
        case 1: {  // a pole moves, or comes back where it was
          PoleRecord p = poles[pick(poles.size())];
          if (pick(3) != 0) p.position = {lon(rng), lat(rng)};
          change.put_poles.push_back(p);
          break;
        }
        case 2: {  // a new pole, or one deleted
          if (pick(2) == 0) {
            change.put_poles.push_back({"TJH8" + std::to_string(100 + added++), {lon(rng), lat(rng)}, {}});
          } else {
            const std::string& n = poles[pick(poles.size())].number;
            if (svc->snapshot()->locate(n)) change.delete_poles.push_back(n);
          }
          break;
        }
        case 3: {  // a grid gets a new manager, is redrawn smaller, or is put back as it was
          GridRecord g = grids[pick(grids.size())];
          if (const std::size_t how = pick(4); how == 0) {
            g.attributes.push_back({"manager", "step " + std::to_string(step)});
          } else if (how == 1) {
            g = fixtures::scaled(std::move(g), pick(2) == 0 ? 0.9 : 0.97);
          }
          change.put_grids.push_back(g);
          break;
        }
        default: {  // a grid is deleted (its poles then belong to no grid)
          const std::string& id = grids[pick(grids.size())].id;
          if (svc->snapshot()->grid(id)) change.delete_grids.push_back(id);
          break;
        }
      }
    }
    // One record twice in a batch is refused: keep the first of each.
    std::set<std::string> seen;
    std::erase_if(change.put_poles, [&](const PoleRecord& p) { return !seen.insert("p" + p.number).second; });
    std::erase_if(change.delete_poles, [&](const std::string& n) { return !seen.insert("p" + n).second; });
    std::erase_if(change.put_grids, [&](const GridRecord& g) { return !seen.insert("g" + g.id).second; });
    std::erase_if(change.delete_grids, [&](const std::string& id) { return !seen.insert("g" + id).second; });
    if (change.empty()) continue;
    auto r = svc->apply(std::move(change), {.author = "step" + std::to_string(step), .allow_overlap = true});
    ASSERT_TRUE(r) << "step " << step << ": " << r.status().message();
    if (step % 4 == 0) moments.emplace_back(between_writes(), svc->snapshot());
  }
  moments.emplace_back(between_writes(), svc->snapshot());
  for (std::size_t m = 0; m < moments.size(); ++m) {
    auto then = svc->snapshot_at(moments[m].first);
    ASSERT_TRUE(then) << then.status().message();
    expect_as_then(**then, *moments[m].second, "moment " + std::to_string(m));
    if (HasFatalFailure()) return;
  }
  svc.reset();
  auto reopened = open_ok(dir.file("db"), {.read_only = true});
  for (std::size_t m = 0; m < moments.size(); m += 3) {
    auto then = reopened->snapshot_at(moments[m].first);
    ASSERT_TRUE(then) << then.status().message();
    expect_as_then(**then, *moments[m].second, "after reopening, moment " + std::to_string(m));
    if (HasFatalFailure()) return;
  }
}

TEST(History, TimeBeforeTheFirstChangeIsAnEmptyRegistry) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  const auto t0 = between_writes();
  ASSERT_TRUE(svc->import(two_grids(3)));
  auto empty = svc->snapshot_at(t0);
  ASSERT_TRUE(empty) << empty.status().message();
  EXPECT_EQ((*empty)->pole_count(), 0u);
  EXPECT_EQ((*empty)->grid_count(), 0u);
}

TEST(History, PoleHistoryListsVersionsWithAuthorAndTimes) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(two_grids(1)));
  const auto before = Clock::now() - std::chrono::seconds(1);
  ASSERT_TRUE(svc->put_pole({"TJH0372", {116.0005, 39.0005}, {{"kind", "lamp"}}}, {.author = "alice"}));
  between_writes();
  ASSERT_TRUE(svc->put_pole({"TJH0372", {116.0006, 39.0005}, {{"kind", "lamp"}}}, {.author = "bob"}));
  between_writes();
  ASSERT_TRUE(svc->delete_pole("tjh-0372", {.author = "carol"}));

  auto h = svc->pole_history("TJH-0372");
  ASSERT_TRUE(h) << h.status().message();
  ASSERT_EQ(h->size(), 3u);
  EXPECT_EQ((*h)[0].author, "alice");
  EXPECT_EQ((*h)[1].author, "bob");
  EXPECT_EQ((*h)[2].author, "carol");
  EXPECT_FALSE((*h)[0].deleted);
  EXPECT_TRUE((*h)[2].deleted);
  EXPECT_FALSE((*h)[2].pole);
  ASSERT_TRUE((*h)[1].pole);
  EXPECT_EQ((*h)[1].pole->position.lon, 116.0006);
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE((*h)[i].valid_from);
    EXPECT_GT(*(*h)[i].valid_from, before);
    EXPECT_LT((*h)[i].sequence, i + 1 < 3 ? (*h)[i + 1].sequence : ~0ull);
  }
  EXPECT_EQ((*h)[0].valid_to, (*h)[1].valid_from);
  EXPECT_EQ((*h)[1].valid_to, (*h)[2].valid_from);
  EXPECT_FALSE((*h)[2].valid_to);

  EXPECT_EQ(svc->pole_history("XYZ0001").status().code(), ErrorCode::not_found);
  EXPECT_EQ(svc->pole_history("???").status().code(), ErrorCode::bad_request);
}

TEST(History, GridHistoryListsRedrawnVersions) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(two_grids(1)));
  ASSERT_TRUE(svc->apply({.put_grids = fixtures::draw_grids({"AAAB", "AAAB"})}, {.author = "gis"}));
  auto h = svc->grid_history("A");
  ASSERT_TRUE(h) << h.status().message();
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[0].author, "");
  EXPECT_EQ((*h)[1].author, "gis");
  ASSERT_TRUE((*h)[1].grid);
  EXPECT_NE((*h)[0].grid->geometry, (*h)[1].grid->geometry);
}

TEST(ChangeFeed, ChangesAfterReturnsChangesInOrderAndPages) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(two_grids(5)));  // sequence 1: 2 grids + 5 poles
  const std::uint64_t s1 = svc->snapshot()->stats().sequence;
  ASSERT_TRUE(svc->put_pole({"TST00001", {116.0011, 39.0005}, {}}, {.author = "alice"}));
  ASSERT_TRUE(svc->delete_pole("TST00002", {.author = "bob"}));

  auto all = svc->changes_after(0, 100);
  ASSERT_TRUE(all) << all.status().message();
  ASSERT_EQ(all->changes.size(), 7u + 2u);
  EXPECT_EQ(all->next_after, s1 + 2);
  EXPECT_EQ(all->next_skip, 0u);
  EXPECT_EQ(all->sequence, s1 + 2);
  for (std::size_t i = 0; i < 7; ++i) EXPECT_EQ(all->changes[i].sequence, s1);
  const FeedChange& put = all->changes[7];
  EXPECT_EQ(put.kind, "pole");
  EXPECT_EQ(put.id, "TST00001");
  EXPECT_EQ(put.author, "alice");
  EXPECT_FALSE(put.deleted);
  ASSERT_TRUE(put.pole);
  EXPECT_EQ(put.pole->position.lon, 116.0011);
  EXPECT_TRUE(put.time);
  const FeedChange& del = all->changes[8];
  EXPECT_TRUE(del.deleted);
  EXPECT_EQ(del.id, "TST00002");
  EXPECT_EQ(del.author, "bob");

  // Pages of 3: the import spans pages (skip), then one change per page.
  std::vector<std::string> paged;
  std::uint64_t after = 0, skip = 0;
  for (int guard = 0; guard < 20; ++guard) {
    auto page = svc->changes_after(after, 3, skip);
    ASSERT_TRUE(page);
    for (const auto& c : page->changes) paged.push_back(std::to_string(c.sequence) + c.kind + c.id);
    after = page->next_after;
    skip = page->next_skip;
    if (page->changes.empty()) break;
  }
  std::vector<std::string> whole;
  for (const auto& c : all->changes) whole.push_back(std::to_string(c.sequence) + c.kind + c.id);
  EXPECT_EQ(paged, whole);
  EXPECT_EQ(after, s1 + 2);

  auto none = svc->changes_after(s1 + 2, 10);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->changes.empty());
  EXPECT_EQ(none->next_after, s1 + 2);
  EXPECT_EQ(svc->changes_after(0, 0).status().code(), ErrorCode::bad_request);
}

TEST(ChangeFeed, LargeImportIsChunkedAndPagedWhole) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(two_grids(10000)));  // more than two log chunks in one sequence
  std::set<std::string> seen;
  std::uint64_t after = 0, skip = 0;
  std::size_t pages = 0;
  while (true) {
    auto page = svc->changes_after(after, 999, skip);
    ASSERT_TRUE(page) << page.status().message();
    if (page->changes.empty()) break;
    ++pages;
    for (const auto& c : page->changes) EXPECT_TRUE(seen.insert(c.kind + c.id).second) << c.id << " twice";
    after = page->next_after;
    skip = page->next_skip;
  }
  EXPECT_EQ(seen.size(), 10002u);
  EXPECT_EQ(pages, 11u);
}

TEST(ChangeFeed, FollowerApplyingTheFeedReachesThePrimaryState) {
  TempDir dir;
  auto primary = open_ok(dir.file("primary"));
  auto follower = open_ok(dir.file("follower"));
  ASSERT_TRUE(primary->import(two_grids(50)));
  std::uint64_t after = 0, skip = 0;
  follow(*primary, *follower, after, skip, 7);
  ASSERT_TRUE(primary->put_pole({"TST00003", {116.0031, 39.0012}, {{"kind", "moved"}}}));
  ASSERT_TRUE(primary->delete_pole("TST00004"));
  ASSERT_TRUE(primary->apply({.put_grids = fixtures::draw_grids({"AAAB", "AAAB"})}));
  ASSERT_TRUE(primary->apply({.put_poles = {{"NEW00001", {116.0025, 39.0015}, {}}}, .delete_poles = {"TST00005"}}));
  ASSERT_TRUE(primary->delete_grid("B"));
  follow(*primary, *follower, after, skip, 7);
  EXPECT_EQ(after, primary->snapshot()->stats().sequence);
  EXPECT_EQ(dump(*follower, dir), dump(*primary, dir));
}

TEST(ChangeFeed, WaitReturnsWhenAWriteIsPublished) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(two_grids(3)));
  const std::uint64_t seq = svc->snapshot()->stats().sequence;
  EXPECT_EQ(svc->wait_for_sequence_after(seq, std::chrono::milliseconds(1)), seq) << "nothing new: times out";
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(svc->put_pole({"TST09999", {116.0011, 39.0005}, {}}));
  });
  // A generous timeout: the answer must come from the write, not the timeout.
  const std::uint64_t got = svc->wait_for_sequence_after(seq, std::chrono::minutes(5));
  writer.join();
  EXPECT_EQ(got, seq + 1);
}

TEST(History, ReopeningKeepsHistoryFeedAndAuthors) {
  TempDir dir;
  const auto db = dir.file("db");
  Clock::time_point t1;
  {
    auto svc = open_ok(db);
    ASSERT_TRUE(svc->import(two_grids(3)));
    t1 = between_writes();
    ASSERT_TRUE(svc->put_pole({"TST00000", {116.0031, 39.0005}, {}}, {.author = "alice"}));
  }
  auto svc = open_ok(db);
  auto h = svc->pole_history("TST00000");
  ASSERT_TRUE(h);
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[1].author, "alice");
  auto feed = svc->changes_after(0, 100);
  ASSERT_TRUE(feed);
  EXPECT_EQ(feed->changes.size(), 5u + 1u);
  auto then = svc->snapshot_at(t1);
  ASSERT_TRUE(then);
  EXPECT_EQ((*then)->locate("TST00000")->position().lon, 116.0005);
  // Reopened read-only as well.
  svc.reset();
  auto ro = Service::open(db, {.read_only = true});
  ASSERT_TRUE(ro);
  EXPECT_EQ((*ro)->pole_history("TST00000")->size(), 2u);
}

TEST(History, DatabaseWrittenBeforeTheLogStillOpensAndLogsNewChanges) {
  TempDir dir;
  const auto db = dir.file("db");
  {
    auto svc = open_ok(db);
    ASSERT_TRUE(svc->import(two_grids(3)));
  }
  forget_change_log(db);
  auto svc = open_ok(db);
  const std::uint64_t seq = svc->snapshot()->stats().sequence;
  auto old = svc->changes_after(0, 10);
  EXPECT_EQ(old.status().code(), ErrorCode::not_found) << "the feed cannot show changes it never logged";
  auto caught_up = svc->changes_after(seq, 10);
  ASSERT_TRUE(caught_up);
  EXPECT_TRUE(caught_up->changes.empty());
  ASSERT_TRUE(svc->put_pole({"TST00001", {116.0031, 39.0005}, {}}, {.author = "alice"}));
  auto page = svc->changes_after(seq, 10);
  ASSERT_TRUE(page) << page.status().message();
  ASSERT_EQ(page->changes.size(), 1u);
  EXPECT_EQ(page->changes[0].author, "alice");
  EXPECT_EQ(svc->pole_history("TST00001")->size(), 2u) << "versions from before the log are still history";
}

TEST(History, CompactedHistoryIsNotFoundInTheFeed) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(two_grids(3)));
  ASSERT_TRUE(svc->put_pole({"TST00001", {116.0031, 39.0005}, {}}));
  const auto before = between_writes();
  ASSERT_TRUE(svc->compact_history(std::chrono::seconds(0)));
  EXPECT_EQ(svc->changes_after(0, 10).status().code(), ErrorCode::not_found);
  EXPECT_EQ(svc->snapshot_at(before - std::chrono::hours(1)).status().code(), ErrorCode::not_found);
  ASSERT_TRUE(svc->put_pole({"TST00002", {116.0032, 39.0005}, {}}));
  const std::uint64_t seq = svc->snapshot()->stats().sequence;
  auto page = svc->changes_after(seq - 1, 10);
  ASSERT_TRUE(page) << page.status().message();
  EXPECT_EQ(page->changes.size(), 1u);
}
