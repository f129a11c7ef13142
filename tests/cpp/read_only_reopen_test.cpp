// A read-only store opens the database again only when another handle wrote
// something: a server following its database asks every second, and a reopen
// of 2,000,000 poles costs 15-22 ms (store.hpp, reopen_read_only).
#include "store/store.hpp"
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>

using namespace poleloc;
using poleloc::fixtures::TempDir;

namespace {

std::unique_ptr<store::Store> open_store(const std::string& path, bool read_only) {
  auto s = store::Store::open(path, {.read_only = read_only});
  EXPECT_TRUE(s) << s.status().message();
  return s ? std::move(*s) : nullptr;
}

std::uint64_t put_pole(store::Store& s, const std::string& number, double lon) {
  store::Change c;
  c.put_poles.push_back({number, {lon, 39.92}, {}});
  auto seq = s.apply(c);
  EXPECT_TRUE(seq) << seq.status().message();
  return seq ? *seq : 0;
}

}  // namespace

TEST(ReadOnlyReopen, NothingWrittenKeepsTheOpenDatabase) {
  TempDir dir;
  const std::string path = dir.file("db");
  auto rw = open_store(path, false);
  ASSERT_TRUE(rw);
  const std::uint64_t first = put_pole(*rw, "TJH0001", 116.47);
  auto ro = open_store(path, true);
  ASSERT_TRUE(ro);
  EXPECT_EQ(ro->sequence(), first);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(ro->reopen_read_only());
    EXPECT_EQ(ro->sequence(), first);
  }
  EXPECT_EQ(ro->reopens(), 0u) << "no file a write touches changed";
}

TEST(ReadOnlyReopen, EachKindOfWriteIsSeen) {
  TempDir dir;
  const std::string path = dir.file("db");
  auto rw = open_store(path, false);
  ASSERT_TRUE(rw);
  put_pole(*rw, "TJH0001", 116.47);
  auto ro = open_store(path, true);
  ASSERT_TRUE(ro);

  // A single write: the write-ahead log grows.
  const std::uint64_t second = put_pole(*rw, "TJH0002", 116.48);
  ASSERT_TRUE(ro->reopen_read_only());
  EXPECT_EQ(ro->sequence(), second);
  EXPECT_EQ(ro->reopens(), 1u);

  // A flush: the memtable goes to a table file, the manifest records it.
  ASSERT_TRUE(rw->flush());
  ASSERT_TRUE(ro->reopen_read_only());
  EXPECT_EQ(ro->sequence(), second);
  EXPECT_EQ(ro->reopens(), 2u);

  // Several writes in a row, then nothing.
  put_pole(*rw, "TJH0003", 116.49);
  const std::uint64_t fourth = put_pole(*rw, "TJH0004", 116.50);
  ASSERT_TRUE(ro->reopen_read_only());
  EXPECT_EQ(ro->sequence(), fourth);
  ASSERT_TRUE(ro->reopen_read_only());
  EXPECT_EQ(ro->reopens(), 3u);

  // The writer closed and another opened: a new log (and manifest).
  rw.reset();
  rw = open_store(path, false);
  ASSERT_TRUE(rw);
  const std::uint64_t fifth = put_pole(*rw, "TJH0005", 116.51);
  ASSERT_TRUE(ro->reopen_read_only());
  EXPECT_EQ(ro->sequence(), fifth);
}

TEST(ReadOnlyReopen, AServiceRefreshSeesAWriteAfterIdleRefreshes) {
  TempDir dir;
  const std::string path = dir.file("db");
  auto rw = Service::open(path);
  ASSERT_TRUE(rw) << rw.status().message();
  ASSERT_TRUE((*rw)->put_pole({"TJH0001", {116.47, 39.92}, {}}));
  auto ro = Service::open(path, {.read_only = true});
  ASSERT_TRUE(ro) << ro.status().message();
  for (int i = 0; i < 5; ++i) {
    auto same = (*ro)->refresh();
    ASSERT_TRUE(same) << same.status().message();
    EXPECT_FALSE(*same);
  }
  ASSERT_TRUE((*rw)->put_pole({"TJH0002", {116.48, 39.92}, {}}));
  auto changed = (*ro)->refresh();
  ASSERT_TRUE(changed) << changed.status().message();
  EXPECT_TRUE(*changed);
  EXPECT_TRUE((*ro)->snapshot()->locate("TJH0002"));
}
