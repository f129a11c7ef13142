// A large store's current poles are read on two threads, each a key range
// (store::LoadVisitor::pole_in), and joined in number order. Whatever the
// split, an open must hold exactly the poles stored, in number order, with
// their positions and attributes, also when the two halves name their
// attribute keys in different orders and when recent writes are still in
// the write-ahead log rather than in table files.
#include "store/store.hpp"
#include "raw_db.hpp"
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include "synthetic_city.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

using namespace poleloc;
using poleloc::fixtures::TempDir;

namespace {

// Lowers the size from which a load splits, for the test's lifetime.
struct SmallSplits {
  explicit SmallSplits(std::uint64_t bytes = 1) { store::set_split_read_min_bytes(bytes); }
  ~SmallSplits() { store::set_split_read_min_bytes(std::uint64_t{4} << 20); }
};

Dataset city(std::size_t poles) {
  synth::CityOptions o{.grids = 40, .poles = poles, .seed = 5};
  return synth::make_city(o);
}


std::map<std::string, PoleRecord> by_number(const std::vector<PoleRecord>& poles) {
  std::map<std::string, PoleRecord> out;
  for (const PoleRecord& p : poles) out[p.number] = p;
  return out;
}

// Every pole of database `db` opened read-only, in its order, checked against `want`.
void expect_holds_exactly(const std::string& db, const std::map<std::string, PoleRecord>& want) {
  auto svc = fixtures::open_ok(db, {.read_only = true});
  ASSERT_TRUE(svc);
  const auto snap = svc->snapshot();
  ASSERT_EQ(snap->pole_count(), want.size());
  auto it = want.begin();
  std::size_t i = 0;
  snap->for_each_pole([&](PoleView p) {
    if (it == want.end()) return;
    const PoleRecord got = p.record();
    EXPECT_EQ(got.number, it->first) << "pole " << i;
    EXPECT_EQ(got.position.lon, it->second.position.lon) << got.number;
    EXPECT_EQ(got.position.lat, it->second.position.lat) << got.number;
    EXPECT_EQ(got.attributes, it->second.attributes) << got.number;
    ++it;
    ++i;
  });
  EXPECT_EQ(i, want.size());
  // The indexes were built over the joined columns: every number is found, at its place.
  for (const auto& [number, pole] : want) {
    auto found = snap->locate(number);
    ASSERT_TRUE(found) << number;
    EXPECT_EQ(found->position().lon, pole.position.lon) << number;
  }
}

}  // namespace

TEST(SplitRead, TwoRangesInNumberOrderCoverEveryPoleOnce) {
  const SmallSplits small;
  const Dataset data = city(30000);
  TempDir dir;
  const std::string db = fixtures::import_to_new_db(dir, data);
  auto store = store::Store::open(db, {.read_only = true});
  ASSERT_TRUE(store) << store.status().message();
  std::size_t parts = 0;
  std::vector<std::vector<std::string>> seen;
  store::LoadVisitor v;
  v.pole = [&](std::string_view, const store::PoleValueView&) { ADD_FAILURE() << "pole() called although pole_in() is set"; };
  v.pole_parts = [&](std::size_t n) {
    parts = n;
    seen.resize(n);
  };
  v.pole_in = [&](std::size_t part, std::string_view number, const store::PoleValueView&) {
    seen[part].emplace_back(number);  // one thread per part
  };
  ASSERT_TRUE((*store)->load(v));
  ASSERT_EQ(parts, 2u);
  std::vector<std::string> all;
  for (const auto& part : seen) {
    EXPECT_FALSE(part.empty());
    EXPECT_TRUE(std::is_sorted(part.begin(), part.end()));
    all.insert(all.end(), part.begin(), part.end());
  }
  // Every number of the first part before every number of the second: together in order, each once.
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
  EXPECT_EQ(all.size(), data.poles.size());
  // About halves: neither part holds less than a quarter.
  EXPECT_GT(seen[0].size(), data.poles.size() / 4);
  EXPECT_GT(seen[1].size(), data.poles.size() / 4);
}

TEST(SplitRead, ASmallStoreIsReadByOneThread) {
  const SmallSplits large_threshold(std::uint64_t{1} << 40);
  const Dataset data = city(2000);
  TempDir dir;
  const std::string db = fixtures::import_to_new_db(dir, data);
  auto store = store::Store::open(db, {.read_only = true});
  ASSERT_TRUE(store) << store.status().message();
  std::size_t poles = 0;
  store::LoadVisitor v;
  v.pole = [&](std::string_view, const store::PoleValueView&) { ++poles; };
  v.pole_parts = [&](std::size_t) { ADD_FAILURE() << "a small store was split"; };
  v.pole_in = [&](std::size_t, std::string_view, const store::PoleValueView&) {};
  ASSERT_TRUE((*store)->load(v));
  EXPECT_EQ(poles, data.poles.size());
}

TEST(SplitRead, AnOpenReadInHalvesHoldsWhatWasStored) {
  const SmallSplits small;
  const Dataset data = city(30000);
  TempDir dir;
  const std::string db = fixtures::import_to_new_db(dir, data);
  expect_holds_exactly(db, by_number(data.poles));
}

TEST(SplitRead, HalvesNamingTheirAttributeKeysInAnotherOrderAreJoinedRight) {
  const SmallSplits small;
  Dataset data = city(20000);
  std::sort(data.poles.begin(), data.poles.end(), [](const PoleRecord& a, const PoleRecord& b) { return a.number < b.number; });
  // The lower numbers carry (kind, manager, phone), the upper ones their
  // attributes reversed and one more key first: the upper half's builder
  // numbers its keys in another order than the lower half's.
  for (std::size_t i = data.poles.size() / 2; i < data.poles.size(); ++i) {
    Attributes& a = data.poles[i].attributes;
    std::reverse(a.begin(), a.end());
    a.insert(a.begin(), Attribute{"crew", "C" + std::to_string(i % 7)});
  }
  TempDir dir;
  const std::string db = fixtures::import_to_new_db(dir, data);
  expect_holds_exactly(db, by_number(data.poles));
}

TEST(SplitRead, WritesStillInTheLogAreReadInTheirHalf) {
  const SmallSplits small;
  const Dataset data = city(20000);
  TempDir dir;
  const std::string db = fixtures::import_to_new_db(dir, data);
  auto want = by_number(data.poles);
  {
    auto writer = Service::open(db);
    ASSERT_TRUE(writer) << writer.status().message();
    // New numbers at both ends and in the middle, a moved pole and a removed one.
    std::vector<PoleRecord> puts = {
        {"AAA0001", {116.40, 39.90}, {{"kind", "路灯杆"}}},
        {"ZZZ9999", {116.41, 39.91}, {{"kind", "电力杆"}}},
        {std::next(want.begin(), want.size() / 2)->first + "5", {116.42, 39.92}, {}},
    };
    PoleRecord moved = std::next(want.begin(), want.size() / 3)->second;
    moved.position.lon += 0.001;
    puts.push_back(moved);
    for (const PoleRecord& p : puts) {
      auto st = (*writer)->put_pole(p);
      ASSERT_TRUE(st) << st.message();
      want[p.number] = p;
    }
    const std::string removed = std::next(want.begin(), want.size() * 2 / 3)->first;
    auto st = (*writer)->delete_pole(removed);
    ASSERT_TRUE(st) << st.message();
    want.erase(removed);
  }
  expect_holds_exactly(db, want);
}

TEST(SplitRead, ADamagedPoleInEitherHalfFailsTheOpenAsCorruptionNamingIt) {
  const SmallSplits small;
  const Dataset data = city(20000);
  std::vector<std::string> numbers;
  for (const PoleRecord& p : data.poles) numbers.push_back(p.number);
  std::sort(numbers.begin(), numbers.end());
  for (const std::string& damaged : {numbers[numbers.size() / 10], numbers[numbers.size() * 9 / 10]}) {
    TempDir dir;
    const std::string db = fixtures::import_to_new_db(dir, data);
    {
      fixtures::RawDb raw(db);
      ASSERT_TRUE(raw.db) << raw.error;
      ASSERT_TRUE(raw.db->Put(rocksdb::WriteOptions(), raw.live_poles, damaged, std::string("\x7fnot a pole", 11)).ok());
    }
    auto svc = Service::open(db, {.read_only = true});
    ASSERT_FALSE(svc) << damaged;
    EXPECT_EQ(svc.status().code(), ErrorCode::corruption) << svc.status().message();
    EXPECT_NE(svc.status().message().find(damaged), std::string::npos) << svc.status().message();
  }
}
