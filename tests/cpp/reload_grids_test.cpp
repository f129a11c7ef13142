// A read-only service that reloads its database after an import (one that
// changed too much to be read from the change log) keeps its grids when the
// stored grids are byte for byte those it loaded (GridSet::stored_hash): an
// import of poles only does not decode and index 20,000 grids again. Whatever
// it keeps, the reloaded snapshot must answer exactly as a fresh open does:
// poles moved into other grids, grids renamed or redrawn, and grids changed
// and changed back.
#include "snapshot_data.hpp"
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include "synthetic_city.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace poleloc;
using poleloc::fixtures::TempDir;

namespace {

Dataset city() {
  synth::CityOptions o{.grids = 60, .poles = 6000, .seed = 3};
  return synth::make_city(o);
}

void import_into(const std::string& db, const Dataset& data) {
  auto writer = Service::open(db, {.create_if_missing = true});
  ASSERT_TRUE(writer) << writer.status().message();
  auto report = (*writer)->import(data, {.replace = true});
  ASSERT_TRUE(report) << report.status().message();
}

const GridSet* grids_of(const Service& svc) { return svc.snapshot()->base()->grid_set.get(); }

// Every pole's position and grid, and every grid's name, as `svc` answers and
// as a fresh read-only open of the same database answers.
void expect_answers_as_a_fresh_open(const Service& svc, const std::string& db) {
  auto fresh = Service::open(db, {.read_only = true});
  ASSERT_TRUE(fresh) << fresh.status().message();
  const auto got = svc.snapshot(), want = (*fresh)->snapshot();
  ASSERT_EQ(got->sequence(), want->sequence());
  ASSERT_EQ(got->pole_count(), want->pole_count());
  std::size_t checked = 0;
  want->for_each_pole([&](PoleView w) {
    auto g = got->locate(w.number());
    ASSERT_TRUE(g) << w.number();
    EXPECT_EQ(g->position().lon, w.position().lon) << w.number();
    const auto gg = g->grid(), wg = w.grid();
    ASSERT_EQ(gg.has_value(), wg.has_value()) << w.number();
    if (wg) {
      EXPECT_EQ(gg->id(), wg->id()) << w.number();
      EXPECT_EQ(gg->name(), wg->name()) << w.number();
    }
    ++checked;
  });
  EXPECT_EQ(checked, want->pole_count());
  want->for_each_grid([&](GridView w) {
    auto g = got->grid(w.id());
    ASSERT_TRUE(g) << w.id();
    EXPECT_EQ(g->name(), w.name());
    EXPECT_TRUE(g->geometry_is(w.geometry())) << w.id();
  });
}

// The city imported, and a read-only service of it.
class ReloadGrids : public ::testing::Test {
 protected:
  void SetUp() override {
    import_into(db, data);
    reader = fixtures::open_ok(db, {.read_only = true});
    ASSERT_TRUE(reader);
  }
  const Dataset data = city();
  TempDir dir;
  const std::string db = dir.file("db");
  std::unique_ptr<Service> reader;
};

}  // namespace

TEST_F(ReloadGrids, AnImportOfPolesOnlyKeepsTheGridsAndAnswersAsAFreshOpen) {
  const GridSet* before = grids_of(*reader);
  ASSERT_NE(before->stored_hash, (std::array<std::uint64_t, 2>{0, 0}));

  // Every other pole moved by about 300 m: many into another grid; a tenth removed.
  Dataset moved = data;
  moved.poles.clear();
  for (std::size_t i = 0; i < data.poles.size(); ++i) {
    if (i % 10 == 3) continue;
    moved.poles.push_back(data.poles[i]);
    if (i % 2 == 0) moved.poles.back().position.lon += 0.003;
  }
  import_into(db, moved);
  auto changed = reader->refresh();
  ASSERT_TRUE(changed) << changed.status().message();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(grids_of(*reader), before) << "the grids are unchanged: kept, not loaded again";
  expect_answers_as_a_fresh_open(*reader, db);
}

TEST_F(ReloadGrids, AnImportThatChangesAGridLoadsTheGridsAgain) {
  const GridSet* first = grids_of(*reader);

  // A renamed grid, with the poles moved (so the change is not read from the log).
  Dataset renamed = data;
  renamed.grids[7].name += "（新）";
  for (std::size_t i = 0; i < renamed.poles.size(); i += 2) renamed.poles[i].position.lat += 0.002;
  import_into(db, renamed);
  ASSERT_TRUE(reader->refresh());
  const GridSet* second = grids_of(*reader);
  EXPECT_NE(second, first);
  expect_answers_as_a_fresh_open(*reader, db);

  // A redrawn grid (the outline of another): its poles follow.
  Dataset redrawn = renamed;
  redrawn.grids[3].geometry = data.grids[4].geometry;
  redrawn.grids.erase(redrawn.grids.begin() + 4);
  for (std::size_t i = 0; i < redrawn.poles.size(); i += 2) redrawn.poles[i].position.lat -= 0.002;
  import_into(db, redrawn);
  ASSERT_TRUE(reader->refresh());
  EXPECT_NE(grids_of(*reader), second);
  expect_answers_as_a_fresh_open(*reader, db);

  // Back to the first grids: stored as the first load found them, but the
  // reader now holds the redrawn ones: loaded again, not confused with them.
  import_into(db, data);
  ASSERT_TRUE(reader->refresh());
  expect_answers_as_a_fresh_open(*reader, db);
  EXPECT_EQ(reader->snapshot()->grid(data.grids[4].id)->name(), data.grids[4].name);
}
