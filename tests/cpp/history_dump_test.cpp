// Dump and restore with history: Service::export_history and
// Service::restore_history keep every version, its sequence, time and author,
// the as-of answers and the change feed across a dump and a restore.
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace poleloc;
using poleloc::fixtures::open_ok;
using poleloc::fixtures::TempDir;
using Clock = std::chrono::system_clock;

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

void pause_ms() { std::this_thread::sleep_for(std::chrono::milliseconds(3)); }

std::string number_of(std::size_t i) {
  char number[16];
  std::snprintf(number, sizeof number, "TST%05zu", i);
  return number;
}

Dataset city(std::size_t poles, const std::vector<std::string>& rows = {"AABB", "AABB"}) {
  Dataset d;
  d.grids = fixtures::draw_grids(rows);
  for (std::size_t i = 0; i < poles; ++i) {
    d.poles.push_back({number_of(i), {116.0005 + 0.0001 * static_cast<double>(i % 30), 39.0005}, {{"i", std::to_string(i)}}});
  }
  d.aliases = {{"GATE", "TST"}};
  d.has_aliases = true;
  d.places = {{"Market", "market", LonLat{116.0012, 39.0007}, ""}, {"East", "community", std::nullopt, "B"}};
  d.has_places = true;
  return d;
}

// Puts, moves, deletes, a redrawn grid, several authors; returns times between the writes.
std::vector<Clock::time_point> make_history(Service& svc) {
  std::vector<Clock::time_point> times;
  times.push_back(Clock::now());
  pause_ms();
  auto imported = svc.import(city(12));
  EXPECT_TRUE(imported) << imported.status().message();
  pause_ms();
  times.push_back(Clock::now());
  pause_ms();
  EXPECT_TRUE(svc.put_pole({"TST00001", {116.0031, 39.0005}, {{"kind", "moved"}}}, {.author = "alice"}));
  pause_ms();
  times.push_back(Clock::now());
  pause_ms();
  EXPECT_TRUE(svc.delete_pole("TST00002", {.author = "bob"}));
  EXPECT_TRUE(svc.put_pole({"NEW0001", {116.0015, 39.0015}, {}}, {.author = "carol"}));
  pause_ms();
  times.push_back(Clock::now());
  pause_ms();
  // Grid A redrawn one column wider, B one narrower, in one batch.
  ChangeSet redraw;
  redraw.put_grids = fixtures::draw_grids({"AAAB", "AAAB"});
  auto applied = svc.apply(std::move(redraw), {.author = "planner"});
  EXPECT_TRUE(applied) << applied.status().message();
  pause_ms();
  times.push_back(Clock::now());
  pause_ms();
  EXPECT_TRUE(svc.put_pole({"TST00002", {116.0025, 39.0015}, {}}, {.author = "alice"}));  // back again
  pause_ms();
  times.push_back(Clock::now());
  return times;
}

std::vector<std::string> numbers() {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < 12; ++i) out.push_back(number_of(i));
  out.push_back("NEW0001");
  return out;
}

void expect_same_versions(const Result<std::vector<RecordVersion>>& a, const Result<std::vector<RecordVersion>>& b,
                          const std::string& what) {
  ASSERT_EQ(static_cast<bool>(a), static_cast<bool>(b)) << what;
  if (!a) {
    EXPECT_EQ(a.status().code(), b.status().code()) << what;
    return;
  }
  ASSERT_EQ(a->size(), b->size()) << what;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const RecordVersion &x = (*a)[i], &y = (*b)[i];
    EXPECT_EQ(x.sequence, y.sequence) << what;
    EXPECT_EQ(x.valid_from, y.valid_from) << what;
    EXPECT_EQ(x.valid_to, y.valid_to) << what;
    EXPECT_EQ(x.author, y.author) << what;
    EXPECT_EQ(x.deleted, y.deleted) << what;
    ASSERT_EQ(x.pole.has_value(), y.pole.has_value()) << what;
    if (x.pole) {
      EXPECT_EQ(x.pole->number, y.pole->number) << what;
      EXPECT_EQ(x.pole->position, y.pole->position) << what;
      EXPECT_EQ(x.pole->attributes, y.pole->attributes) << what;
    }
    ASSERT_EQ(x.grid.has_value(), y.grid.has_value()) << what;
    if (x.grid) {
      EXPECT_EQ(x.grid->name, y.grid->name) << what;
      EXPECT_EQ(x.grid->attributes, y.grid->attributes) << what;
      EXPECT_EQ(x.grid->geometry, y.grid->geometry) << what;
    }
  }
}

// What a snapshot says about every pole: position and grid.
std::string answers(const Snapshot& snap) {
  std::ostringstream out;
  out << "seq " << snap.stats().sequence << "\n";
  for (const auto& n : numbers()) {
    auto p = snap.locate(n);
    if (!p) {
      out << n << " -\n";
      continue;
    }
    auto g = p->grid();
    out << n << " " << p->position().lon << "," << p->position().lat << " " << (g ? std::string(g->id()) : "-") << "\n";
  }
  return out.str();
}

std::string feed(const Service& svc, std::size_t limit, std::uint64_t from = 0) {
  std::ostringstream out;
  std::uint64_t after = from, skip = 0;
  for (int pages = 0; pages < 1000; ++pages) {
    auto page = svc.changes_after(after, limit, skip);
    if (!page) return "error " + std::string(describe(page.status().code()).json_code);
    for (const FeedChange& c : page->changes) {
      out << c.sequence << " " << (c.time ? c.time->time_since_epoch().count() : -1) << " " << c.author << " " << c.kind
          << " " << c.id << " " << c.deleted;
      if (c.pole) out << " " << c.pole->position.lon << "," << c.pole->position.lat;
      if (c.grid) out << " " << c.grid->geometry.size();
      if (c.alias) out << " " << c.alias->code;
      if (c.place) out << " " << c.place->kind;
      out << "\n";
    }
    if (page->changes.empty() || (page->next_after == page->sequence && page->next_skip == 0)) break;
    after = page->next_after;
    skip = page->next_skip;
  }
  return out.str();
}

void expect_same_history(const Service& a, const Service& b, const std::vector<Clock::time_point>& times) {
  for (const auto& n : numbers()) expect_same_versions(a.pole_history(n), b.pole_history(n), "pole " + n);
  for (const char* g : {"A", "B", "C"}) expect_same_versions(a.grid_history(g), b.grid_history(g), std::string("grid ") + g);
  for (const auto& t : times) {
    auto x = a.snapshot_at(t), y = b.snapshot_at(t);
    ASSERT_EQ(static_cast<bool>(x), static_cast<bool>(y));
    if (x) {
      EXPECT_EQ(answers(**x), answers(**y));
    }
  }
  EXPECT_EQ(answers(*a.snapshot()), answers(*b.snapshot()));
  EXPECT_EQ(feed(a, 3), feed(b, 3));
  EXPECT_EQ(feed(a, 1000), feed(b, 1000));
  EXPECT_EQ(a.snapshot()->stats().sequence, b.snapshot()->stats().sequence);
}

}  // namespace

TEST(HistoryDump, RestoreKeepsEveryVersionTimeAuthorAsOfAnswerAndTheFeed) {
  TempDir dir;
  auto original = open_ok(dir.file("db"));
  ASSERT_TRUE(original);
  const auto times = make_history(*original);
  const auto dump = dir.file("history.ndjson");
  ASSERT_TRUE(original->export_history(dump));

  const auto lines = lines_of(poleloc::fixtures::read_text(dump));
  ASSERT_GE(lines.size(), 3u);
  EXPECT_NE(lines.front().find("\"poleloc_history\":1"), std::string::npos) << lines.front();
  EXPECT_NE(lines.back().find("\"poleloc_history_end\":true"), std::string::npos) << lines.back();

  auto restored_status = Service::restore_history(dir.file("copy"), dump);
  ASSERT_TRUE(restored_status) << restored_status.message();
  EXPECT_FALSE(std::filesystem::exists(dir.file("copy.restoring")));
  auto copy = open_ok(dir.file("copy"));
  ASSERT_TRUE(copy);
  expect_same_history(*original, *copy, times);

  // The same dump again, byte for byte (aliases and places included).
  ASSERT_TRUE(copy->export_history(dir.file("again.ndjson")));
  EXPECT_EQ(poleloc::fixtures::read_text(dump), poleloc::fixtures::read_text(dir.file("again.ndjson")));

  // The restored database takes new writes after the restored sequences.
  const auto before = copy->snapshot()->stats().sequence;
  ASSERT_TRUE(copy->put_pole({"NEW0002", {116.0011, 39.0011}, {}}, {.author = "dave"}));
  EXPECT_EQ(copy->snapshot()->stats().sequence, before + 1);
}

TEST(HistoryDump, CompactedHistoryAndVersionsOlderThanTheLogSurviveTheRestore) {
  TempDir dir;
  auto original = open_ok(dir.file("db"));
  ASSERT_TRUE(original);
  auto times = make_history(*original);
  ASSERT_TRUE(original->compact_history(std::chrono::seconds(0)));  // the log now starts after every write
  pause_ms();
  ASSERT_TRUE(original->put_pole({"TST00003", {116.0033, 39.0013}, {}}, {.author = "erin"}));
  pause_ms();
  times.push_back(Clock::now());
  const auto dump = dir.file("history.ndjson");
  ASSERT_TRUE(original->export_history(dump));
  ASSERT_TRUE(Service::restore_history(dir.file("copy"), dump));
  auto copy = open_ok(dir.file("copy"));
  ASSERT_TRUE(copy);
  expect_same_history(*original, *copy, times);
  // The feed from every sequence: refused before the log begins, the same entries after.
  bool some_refused = false, some_served = false;
  for (std::uint64_t after = 0; after <= original->snapshot()->stats().sequence; ++after) {
    const auto expected = feed(*original, 2, after);
    EXPECT_EQ(expected, feed(*copy, 2, after)) << "after " << after;
    (expected.starts_with("error") ? some_refused : some_served) = true;
  }
  EXPECT_TRUE(some_refused);
  EXPECT_TRUE(some_served);
  ASSERT_TRUE(copy->export_history(dir.file("again.ndjson")));
  EXPECT_EQ(poleloc::fixtures::read_text(dump), poleloc::fixtures::read_text(dir.file("again.ndjson")));
}

TEST(HistoryDump, RestoreRefusesATargetThatIsNotEmpty) {
  TempDir dir;
  auto original = open_ok(dir.file("db"));
  ASSERT_TRUE(original);
  auto imported = original->import(city(3));
  ASSERT_TRUE(imported) << imported.status().message();
  const auto dump = dir.file("history.ndjson");
  ASSERT_TRUE(original->export_history(dump));
  original.reset();

  // An existing database.
  auto st = Service::restore_history(dir.file("db"), dump);
  EXPECT_EQ(st.code(), ErrorCode::bad_request);
  EXPECT_NE(st.message().find("not empty"), std::string::npos) << st.message();
  // A directory with any file in it.
  std::filesystem::create_directories(dir.file("other"));
  write_file(dir.file("other/keep.txt"), "mine");
  EXPECT_EQ(Service::restore_history(dir.file("other"), dump).code(), ErrorCode::bad_request);
  EXPECT_EQ(poleloc::fixtures::read_text(dir.file("other/keep.txt")), "mine");
  // An empty directory is fine.
  std::filesystem::create_directories(dir.file("empty"));
  EXPECT_TRUE(Service::restore_history(dir.file("empty"), dump));
  auto copy = open_ok(dir.file("empty"));
  ASSERT_TRUE(copy);
  EXPECT_TRUE(copy->snapshot()->locate("TST00001"));
  // A trailing slash names the same new directory.
  EXPECT_TRUE(Service::restore_history(dir.file("slash") + "/", dump));
  EXPECT_TRUE(std::filesystem::exists(dir.file("slash/CURRENT")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("slash.restoring")));
}

TEST(HistoryDump, ATruncatedOrCorruptDumpNamesTheLineAndLeavesNoDatabase) {
  TempDir dir;
  auto original = open_ok(dir.file("db"));
  ASSERT_TRUE(original);
  make_history(*original);
  const auto dump = dir.file("history.ndjson");
  ASSERT_TRUE(original->export_history(dump));
  const auto lines = lines_of(poleloc::fixtures::read_text(dump));
  ASSERT_GE(lines.size(), 6u);

  auto expect_refused = [&](const std::string& text, const std::string& line_tag, const std::string& what) {
    const auto bad = dir.file("bad.ndjson");
    write_file(bad, text);
    auto st = Service::restore_history(dir.file("copy"), bad);
    EXPECT_EQ(st.code(), ErrorCode::invalid_input) << what << ": " << st.message();
    EXPECT_NE(st.message().find(bad + ":" + line_tag + ":"), std::string::npos) << what << ": " << st.message();
    EXPECT_FALSE(std::filesystem::exists(dir.file("copy"))) << what;
    EXPECT_FALSE(std::filesystem::exists(dir.file("copy.restoring"))) << what;
  };
  // Cut in the middle of the last version line (the end line lost too).
  {
    auto cut = lines;
    cut.pop_back();
    cut.back() = cut.back().substr(0, cut.back().size() / 2);
    expect_refused(join(cut), std::to_string(cut.size()), "cut mid-line");
  }
  // Cut at a line boundary: only the end line is missing.
  {
    auto cut = lines;
    cut.pop_back();
    expect_refused(join(cut), std::to_string(cut.size() + 1), "no end line");
  }
  // A damaged line in the middle.
  {
    auto damaged = lines;
    damaged[3] = "{\"seq\":";
    expect_refused(join(damaged), "4", "damaged line");
  }
  // A version line that is not valid for its kind.
  {
    auto damaged = lines;
    damaged[2] = R"({"seq":1,"time":null,"author":"","kind":"tower","id":"X","op":"put","record":{}})";
    expect_refused(join(damaged), "3", "unknown kind");
  }
  // Not a dump at all.
  expect_refused("number,lon,lat\n", "1", "a CSV file");
  // The good dump still restores afterwards.
  EXPECT_TRUE(Service::restore_history(dir.file("copy"), dump));
}

TEST(HistoryDump, AnEmptyDatabaseDumpsAndRestores) {
  TempDir dir;
  auto original = open_ok(dir.file("db"));
  ASSERT_TRUE(original);
  const auto dump = dir.file("history.ndjson");
  ASSERT_TRUE(original->export_history(dump));
  ASSERT_TRUE(Service::restore_history(dir.file("copy"), dump));
  auto copy = open_ok(dir.file("copy"));
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->snapshot()->stats().sequence, 0u);
  ASSERT_TRUE(copy->put_pole({"NEW0001", {116.0015, 39.0015}, {}}));
  EXPECT_TRUE(copy->changes_after(0, 10));
}
