// A full disk never kills poleloc: writes fail with storage_full and store
// nothing, reads go on from the current snapshot, writes resume when space
// returns, and every acknowledged write is there after a reopen.
//
// The database lives on a small tmpfs mounted for the test (needs root, as CI
// has); where mounting is not allowed the tests skip and say why.
#include "raw_db.hpp"
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

using namespace poleloc;
using poleloc::fixtures::open_ok;

namespace {

// A tmpfs of `size` mounted on a fresh temporary directory; unmounted and
// removed by the destructor. `filler` fills it to the last byte.
class Tmpfs {
 public:
  explicit Tmpfs(const std::string& size) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "poleloc-disk-full-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
      why_not_ = std::string("mkdtemp: ") + std::strerror(errno);
      return;
    }
    dir_ = tmpl;
    const std::string data = "size=" + size + ",mode=0700";
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, data.c_str()) != 0) {
      why_not_ = std::string("cannot mount a tmpfs on ") + dir_ + " (" + std::strerror(errno) +
                 "); mounting needs root, as in CI";
      return;
    }
    mounted_ = true;
  }
  ~Tmpfs() {
    if (mounted_ && ::umount(dir_.c_str()) != 0) ::umount2(dir_.c_str(), MNT_DETACH);
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& why_not() const { return why_not_; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  // Appends zeros to the filler file until the device has no byte left.
  void fill() const {
    struct statvfs fs {};  // never fill anything but the small tmpfs of this test
    ASSERT_TRUE(mounted_ && ::statvfs(dir_.c_str(), &fs) == 0 && fs.f_blocks * fs.f_frsize <= (64u << 20));
    const int fd = ::open(path("filler").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    static const std::vector<char> zeros(1 << 16, '\0');
    for (std::size_t chunk : {std::size_t{1} << 16, std::size_t{4096}, std::size_t{1}}) {
      while (::write(fd, zeros.data(), chunk) == static_cast<ssize_t>(chunk)) {
      }
    }
    ::close(fd);
  }
  void free_space() const { std::filesystem::remove(path("filler")); }

  // Remounts read-only (every write then fails with EROFS, an I/O error that is
  // not a full disk) or back read-write. Fails while a file is open for writing.
  bool remount(bool read_only) const {
    return ::mount(nullptr, dir_.c_str(), nullptr, MS_REMOUNT | MS_NOSUID | MS_NODEV | (read_only ? MS_RDONLY : 0),
                   nullptr) == 0;
  }

 private:
  std::string dir_;
  std::string why_not_;
  bool mounted_ = false;
};

#define MOUNT_TMPFS_OR_SKIP(name, size)     \
  Tmpfs name(size);                         \
  if (!name.mounted()) GTEST_SKIP() << name.why_not()

Dataset small_city() {
  Dataset d;
  d.grids = fixtures::draw_grids({"AB", "CD"}, {116.47, 39.92}, 0.01);
  for (int i = 0; i < 200; ++i) {
    d.poles.push_back({"TJH" + std::to_string(1000 + i), {116.471 + 0.0001 * (i % 100), 39.921 + 0.0001 * (i / 100)},
                       {{"kind", "lamp"}}});
  }
  return d;
}

// A pole whose stored value is a few kilobytes, so that a full disk is reached in a few writes.
PoleRecord big_pole(int i) {
  return {"W" + std::to_string(100000 + i), {116.475, 39.925}, {{"note", std::string(4000, 'x')}}};
}

std::set<std::string> numbers_of(const Snapshot& snap) {
  std::set<std::string> out;
  snap.for_each_pole([&](PoleView p) { out.emplace(p.number()); });
  return out;
}

}  // namespace

TEST(DiskFull, WritesFailWithStorageFullReadsGoOnAndWritesResumeWithNothingLost) {
  MOUNT_TMPFS_OR_SKIP(disk, "16m");
  const std::string db = disk.path("db");
  std::set<std::string> acknowledged, refused;
  std::set<std::string> served;
  {
    auto svc = open_ok(db);
    ASSERT_TRUE(svc);
    ASSERT_TRUE(svc->import(small_city()));
    for (const auto& p : small_city().poles) acknowledged.insert(p.number);
    int i = 0;
    for (; i < 3; ++i) {  // in the log only, when the disk fills up
      ASSERT_TRUE(svc->put_pole(big_pole(i)));
      acknowledged.insert(big_pole(i).number);
    }

    disk.fill();
    // The log may still have room it reserved earlier: write until the disk says no.
    Status last;
    for (; i < 20000 && last; ++i) {
      PoleRecord p = big_pole(i);
      last = svc->put_pole(p);
      (last ? acknowledged : refused).insert(p.number);
    }
    ASSERT_FALSE(last) << "the disk never filled up";
    EXPECT_EQ(last.code(), ErrorCode::storage_full) << last.message();
    EXPECT_NE(last.message().find("no space left on device at " + db), std::string::npos) << last.message();
    EXPECT_EQ(svc->write_problem().code(), ErrorCode::storage_full);

    // Closing the failed log gives back the room it had reserved; fill that too.
    // From now on every kind of write is refused, and nothing of it is stored.
    for (int k = 0; k < 5; ++k, ++i) {
      disk.fill();
      PoleRecord p = big_pole(i);
      const Status st = svc->put_pole(p);
      EXPECT_EQ(st.code(), ErrorCode::storage_full) << st.message();
      if (st) acknowledged.insert(p.number);
      else refused.insert(p.number);
    }
    disk.fill();
    EXPECT_EQ(svc->delete_pole("TJH1000").code(), ErrorCode::storage_full);
    EXPECT_EQ(svc->put_grid(small_city().grids[0]).code(), ErrorCode::storage_full);
    Dataset replacement = small_city();
    replacement.poles.resize(10);
    EXPECT_EQ(svc->import(std::move(replacement)).status().code(), ErrorCode::storage_full);

    // Reads answer from the snapshot, which holds exactly the acknowledged writes.
    auto snap = svc->snapshot();
    EXPECT_EQ(numbers_of(*snap), acknowledged);
    EXPECT_TRUE(snap->locate("TJH1000"));
    EXPECT_TRUE(snap->grid_at({116.475, 39.925}));
    EXPECT_EQ(svc->write_problem().code(), ErrorCode::storage_full);

    // Space returns: the next write succeeds by itself.
    disk.free_space();
    PoleRecord after = big_pole(i++);
    const Status st = svc->put_pole(after);
    ASSERT_TRUE(st) << st.message();
    acknowledged.insert(after.number);
    EXPECT_TRUE(svc->write_problem());
    ASSERT_TRUE(svc->delete_pole("TJH1001"));
    acknowledged.erase("TJH1001");
    served = numbers_of(*svc->snapshot());
  }
  EXPECT_EQ(served, acknowledged);
  auto again = open_ok(db, {.read_only = true});
  ASSERT_TRUE(again);
  const auto stored = numbers_of(*again->snapshot());
  EXPECT_EQ(stored, acknowledged);
  for (const auto& n : refused) EXPECT_FALSE(stored.count(n)) << n << " was refused but is stored";
  auto p = again->snapshot()->locate(big_pole(0).number);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->attributes(), big_pole(0).attributes);
}

TEST(DiskFull, OpeningOnAFullDiskFailsClearlyOrServesReadOnlyWhenAsked) {
  MOUNT_TMPFS_OR_SKIP(disk, "16m");
  const std::string db = disk.path("db");
  {
    auto svc = open_ok(db);
    ASSERT_TRUE(svc);
    ASSERT_TRUE(svc->import(small_city()));
    ASSERT_TRUE(svc->put_pole({"TJH7777", {116.472, 39.923}, {}}));  // left in the log, replayed at open
  }
  disk.fill();

  auto refused = Service::open(db);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().code(), ErrorCode::storage_full) << refused.status().message();
  EXPECT_NE(refused.status().message().find("no space left on device at " + db), std::string::npos);

  auto svc = open_ok(db, {.read_only_on_storage_failure = true});
  ASSERT_TRUE(svc);
  EXPECT_FALSE(svc->read_only());
  EXPECT_EQ(svc->write_problem().code(), ErrorCode::storage_full);
  EXPECT_EQ(svc->snapshot()->pole_count(), 201u);
  EXPECT_TRUE(svc->snapshot()->locate("TJH7777"));
  EXPECT_EQ(svc->put_pole({"TJH7778", {116.472, 39.923}, {}}).code(), ErrorCode::storage_full);

  disk.free_space();
  const Status st = svc->put_pole({"TJH7779", {116.472, 39.923}, {}});
  ASSERT_TRUE(st) << st.message();
  EXPECT_TRUE(svc->write_problem());
  svc.reset();

  auto again = open_ok(db, {.read_only = true});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->snapshot()->pole_count(), 202u);
  EXPECT_TRUE(again->snapshot()->locate("TJH7779"));
  EXPECT_FALSE(again->snapshot()->locate("TJH7778"));
}

// A database from before the live families (schema 2) on a full disk: the
// first writable open cannot fill them, so it serves the versions read-only
// until a write finds room, and that write fills them.
TEST(DiskFull, ADatabaseFromBeforeTheLiveFamiliesOnAFullDiskServesItsVersionsThenFillsThem) {
  MOUNT_TMPFS_OR_SKIP(disk, "16m");
  const std::string db = disk.path("db");
  Dataset city = small_city();
  for (int i = 0; i < 500; ++i) city.poles.push_back(big_pole(i));  // 2 MB to copy into the live families
  {
    auto svc = open_ok(db);
    ASSERT_TRUE(svc);
    ASSERT_TRUE(svc->import(std::move(city)));
  }
  {
    fixtures::RawDb raw(db);
    ASSERT_TRUE(raw.ok()) << raw.error;
    ASSERT_TRUE(raw.strip_live());
    ASSERT_TRUE(raw.db->Flush(rocksdb::FlushOptions()).ok());
  }
  disk.fill();
  // Room to open for writing (options, manifest, log), not to fill them.
  const auto filler = std::filesystem::file_size(disk.path("filler"));
  ASSERT_EQ(::truncate(disk.path("filler").c_str(), static_cast<off_t>(filler - (512u << 10))), 0);
  auto svc = open_ok(db, {.read_only_on_storage_failure = true});
  ASSERT_TRUE(svc);
  EXPECT_EQ(svc->write_problem().code(), ErrorCode::storage_full) << svc->write_problem().message();
  EXPECT_EQ(svc->snapshot()->pole_count(), 700u);
  EXPECT_EQ(svc->put_pole({"TJH7778", {116.472, 39.923}, {}}).code(), ErrorCode::storage_full);

  disk.free_space();
  const Status st = svc->put_pole({"TJH7779", {116.472, 39.923}, {}});
  ASSERT_TRUE(st) << st.message();
  svc.reset();
  {
    fixtures::RawDb raw(db, true);
    ASSERT_TRUE(raw.ok()) << raw.error;
    std::string marker;
    EXPECT_TRUE(raw.db->Get(rocksdb::ReadOptions(), raw.meta, "live_complete", &marker).ok());
  }
  auto again = open_ok(db, {.read_only = true});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->snapshot()->pole_count(), 701u);
  EXPECT_TRUE(again->snapshot()->locate("TJH7779"));
}

TEST(DiskFull, ReadOnlyOpenOfAFullDiskWritesNothing) {
  MOUNT_TMPFS_OR_SKIP(disk, "16m");
  const std::string db = disk.path("db");
  {
    auto svc = open_ok(db);
    ASSERT_TRUE(svc);
    ASSERT_TRUE(svc->import(small_city()));
  }
  disk.fill();
  auto svc = open_ok(db, {.read_only = true});
  ASSERT_TRUE(svc);
  EXPECT_TRUE(svc->write_problem());  // read-only on purpose is not a problem
  EXPECT_EQ(svc->snapshot()->pole_count(), 200u);
  EXPECT_EQ(svc->put_pole({"TJH7778", {116.472, 39.923}, {}}).code(), ErrorCode::read_only);
}

TEST(DiskFull, OtherStorageFailuresAreStorageUnavailableAndWritesResumeWhenStorageWorks) {
  MOUNT_TMPFS_OR_SKIP(disk, "16m");
  const std::string db = disk.path("db");
  {
    auto svc = open_ok(db);
    ASSERT_TRUE(svc);
    ASSERT_TRUE(svc->import(small_city()));
  }
  ASSERT_TRUE(disk.remount(true)) << std::strerror(errno);

  auto refused = Service::open(db);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().code(), ErrorCode::storage_unavailable) << refused.status().message();

  auto svc = open_ok(db, {.read_only_on_storage_failure = true});
  ASSERT_TRUE(svc);
  EXPECT_EQ(svc->write_problem().code(), ErrorCode::storage_unavailable);
  EXPECT_EQ(svc->snapshot()->pole_count(), 200u);
  const Status st = svc->put_pole({"TJH7778", {116.472, 39.923}, {}});
  EXPECT_EQ(st.code(), ErrorCode::storage_unavailable) << st.message();

  ASSERT_TRUE(disk.remount(false)) << std::strerror(errno);
  ASSERT_TRUE(svc->put_pole({"TJH7779", {116.472, 39.923}, {}}));
  EXPECT_TRUE(svc->write_problem());
  svc.reset();
  auto again = open_ok(db, {.read_only = true});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->snapshot()->pole_count(), 201u);
  EXPECT_TRUE(again->snapshot()->locate("TJH7779"));
}
