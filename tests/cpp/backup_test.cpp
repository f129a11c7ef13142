// Backups: Service::backup (a checkpoint of the live database), backup_database
// (a copy from a read-only open while another writer holds the database) and
// restore_backup keep every version of every record up to the backup's sequence,
// while writes go on during the backup.
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace poleloc;
using poleloc::fixtures::open_ok;
using poleloc::fixtures::TempDir;

namespace {

std::string number_of(std::size_t i) {
  char number[16];
  std::snprintf(number, sizeof number, "BKP%05zu", i);
  return number;
}

void import_city(Service& svc) {
  Dataset d;
  d.grids = fixtures::draw_grids({"AABB", "AABB"});
  for (std::size_t i = 0; i < 200; ++i) {
    d.poles.push_back({number_of(i), {116.0005 + 0.0001 * static_cast<double>(i % 30), 39.0005}, {{"i", std::to_string(i)}}});
  }
  auto r = svc.import(std::move(d));
  ASSERT_TRUE(r) << r.status().message();
}

// Moves, puts and deletes poles until stopped; every write is acknowledged before the next.
class Writer {
 public:
  explicit Writer(Service& svc)
      : thread_([this, &svc] {
          for (std::size_t round = 0; !stop_; ++round) {
            const std::string n = number_of(round % 200);
            Status st = round % 7 == 3 ? svc.delete_pole(n, {.author = "crew"})
                                       : svc.put_pole({n, {116.0005 + 0.00001 * static_cast<double>(round % 90), 39.0006},
                                                       {{"round", std::to_string(round)}}},
                                                      {.author = "crew"});
            if (!st && st.code() != ErrorCode::not_found) failures_++;
            writes_++;
          }
        }) {}
  ~Writer() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::size_t writes() const { return writes_; }
  std::size_t failures() const { return failures_; }

 private:
  std::atomic<bool> stop_ = false;
  std::atomic<std::size_t> writes_ = 0, failures_ = 0;
  std::thread thread_;
};

// The versions of a history dump (export_history) with their sequence, header and end line left out.
struct Dump {
  std::uint64_t sequence = 0;
  std::uint64_t changelog_from = 0;
  std::vector<std::pair<std::uint64_t, std::string>> versions;  // (seq, the line)
};

Dump dump_of(const Service& svc, const std::string& file) {
  Dump d;
  auto st = svc.export_history(file);
  EXPECT_TRUE(st) << st.message();
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("poleloc_history")) {
      d.sequence = j["sequence"].get<std::uint64_t>();
      d.changelog_from = j["changelog_from"].get<std::uint64_t>();
    } else if (j.contains("seq")) {
      d.versions.emplace_back(j["seq"].get<std::uint64_t>(), line);
    }
  }
  return d;
}

// Every version the source held up to the backup's sequence is in the restored database, and nothing else.
void expect_same_history_up_to_backup(const Service& source, const Service& restored, const TempDir& dir) {
  const Dump all = dump_of(source, dir.file("source.ndjson"));
  const Dump back = dump_of(restored, dir.file("restored.ndjson"));
  EXPECT_EQ(back.changelog_from, all.changelog_from);
  std::vector<std::pair<std::uint64_t, std::string>> expected;
  for (const auto& v : all.versions) {
    if (v.first <= back.sequence) expected.push_back(v);
  }
  ASSERT_EQ(back.versions.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(back.versions[i], expected[i]) << "version " << i;
}

TEST(Backup, ACheckpointTakenDuringWritesRestoresEveryVersionUpToItsSequence) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc);
  import_city(*svc);
  Writer writer(*svc);
  while (writer.writes() < 50) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::uint64_t before = svc->snapshot()->stats().sequence;
  auto report = svc->backup(dir.file("backup"));
  const std::uint64_t after = svc->snapshot()->stats().sequence;
  while (writer.writes() < 100) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  writer.stop();
  ASSERT_TRUE(report) << report.status().message();
  EXPECT_EQ(writer.failures(), 0u);
  EXPECT_TRUE(report->checkpoint);
  EXPECT_GE(report->sequence, before);  // every write acknowledged before the call
  EXPECT_LE(report->sequence, after);
  EXPECT_GT(report->bytes, 0u);
  EXPECT_FALSE(std::filesystem::exists(dir.file("backup.partial")));

  auto restored = Service::restore_backup(dir.file("backup"), dir.file("restored"));
  ASSERT_TRUE(restored) << restored.status().message();
  EXPECT_EQ(restored->sequence, report->sequence);
  auto copy = open_ok(dir.file("restored"), {.read_only = true});
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->snapshot()->stats().sequence, report->sequence);
  expect_same_history_up_to_backup(*svc, *copy, dir);
}

TEST(Backup, WhileAnotherWriterHoldsTheDatabaseACopyFromAReadOnlyOpenIsConsistent) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc);
  import_city(*svc);
  Writer writer(*svc);
  while (writer.writes() < 50) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::uint64_t before = svc->snapshot()->stats().sequence;
  // The write lock is held (as by a running `poleloc serve`): the backup opens read-only and copies.
  auto report = Service::backup_database(dir.file("db"), dir.file("backup"));
  while (writer.writes() < 100) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  writer.stop();
  ASSERT_TRUE(report) << report.status().message();
  EXPECT_FALSE(report->checkpoint);
  EXPECT_GE(report->sequence, before);

  auto restored = Service::restore_backup(dir.file("backup"), dir.file("restored"));
  ASSERT_TRUE(restored) << restored.status().message();
  auto copy = open_ok(dir.file("restored"));  // writable: a restored backup is an ordinary database
  ASSERT_TRUE(copy);
  expect_same_history_up_to_backup(*svc, *copy, dir);
  EXPECT_TRUE(copy->put_pole({"BKP99999", {116.001, 39.0005}, {}}));
}

TEST(Backup, WithoutAnotherWriterBackupDatabaseTakesACheckpoint) {
  TempDir dir;
  {
    auto svc = open_ok(dir.file("db"));
    ASSERT_TRUE(svc);
    import_city(*svc);
  }
  auto report = Service::backup_database(dir.file("db"), dir.file("backup/"));
  ASSERT_TRUE(report) << report.status().message();
  EXPECT_TRUE(report->checkpoint);
  EXPECT_EQ(report->path, dir.file("backup"));
}

TEST(Backup, RefusesAnExistingTargetAndAMissingSource) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc);
  import_city(*svc);
  std::filesystem::create_directories(dir.file("full"));
  std::ofstream(dir.file("full/x")) << "x";
  auto exists = svc->backup(dir.file("full"));
  ASSERT_FALSE(exists);
  EXPECT_EQ(exists.status().code(), ErrorCode::bad_request);
  auto missing = Service::backup_database(dir.file("nothing"), dir.file("out"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), ErrorCode::not_found);
  auto no_backup = Service::restore_backup(dir.file("nothing"), dir.file("new"));
  ASSERT_FALSE(no_backup);
  EXPECT_EQ(no_backup.status().code(), ErrorCode::not_found);
  ASSERT_TRUE(svc->backup(dir.file("b")));
  auto onto_data = Service::restore_backup(dir.file("b"), dir.file("full"));
  ASSERT_FALSE(onto_data);
  EXPECT_EQ(onto_data.status().code(), ErrorCode::bad_request);
}

}  // namespace
