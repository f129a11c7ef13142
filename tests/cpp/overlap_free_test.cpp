// A grid write that keeps its outline skips its neighbours once the service
// knows which grids overlap nothing (overlap_free.hpp). What users rely on
// must not change with it: an overlap is refused without allow_overlap and
// reported with it, whether the overlap was stored long ago, written a moment
// ago next to the grid, or comes in the same batch.
#include "test_support.hpp"

#include "overlap_free.hpp"
#include "service_impl.hpp"

#include <poleloc/poleloc.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <iterator>
#include <cmath>
#include <map>
#include <set>
#include <random>
#include <thread>

using namespace poleloc;
using poleloc::fixtures::TempDir;

namespace {

GridRecord box_grid(const std::string& id, double x0, double y0, double x1, double y1) {
  return {id, id + " grid", {}, {{{fixtures::box_ring(x0, y0, x1, y1)}}}};
}

GridRecord with_manager(GridRecord g, const std::string& manager) {
  g.attributes.push_back({"manager", manager});
  return g;
}

constexpr double kX = 116.40, kY = 39.90, kD = 0.001;  // grid cells of about 85 x 110 m

// A touches B along an edge; D lies inside A's western half (an overlap the
// import accepted); C stands alone further east.
Dataset city() {
  Dataset d;
  d.grids.push_back(box_grid("A", kX, kY, kX + kD, kY + kD));
  d.grids.push_back(box_grid("B", kX + kD, kY, kX + 2 * kD, kY + kD));
  d.grids.push_back(box_grid("C", kX + 5 * kD, kY, kX + 6 * kD, kY + kD));
  d.grids.push_back(box_grid("D", kX + 0.1 * kD, kY + 0.1 * kD, kX + 0.4 * kD, kY + 0.4 * kD));
  d.poles.push_back({"TJH0001", {kX + 0.5 * kD, kY + 0.5 * kD}, {}});
  d.poles.push_back({"TJH0002", {kX + 1.5 * kD, kY + 0.5 * kD}, {}});
  d.poles.push_back({"TJH0003", {kX + 5.5 * kD, kY + 0.5 * kD}, {}});
  return d;
}

std::unique_ptr<Service> open_city(const TempDir& dir) {
  auto s = Service::open(dir.file("db"));
  EXPECT_TRUE(s) << s.status().message();
  if (!s) return nullptr;
  auto report = (*s)->import(city(), {.allow_overlap = true});
  EXPECT_TRUE(report) << report.status().message();
  return std::move(*s);
}

// A service on a new, empty database.
std::unique_ptr<Service> open_empty(const TempDir& dir) {
  auto s = Service::open(dir.file("db"));
  EXPECT_TRUE(s) << s.status().message();
  return s ? std::move(*s) : nullptr;
}

// Waits for the merge thread to find which grids of the base overlap nothing.
std::shared_ptr<const std::vector<std::uint8_t>> known(const Service& svc) {
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(60)) {
    if (auto free = svc.snapshot()->data().grid_set->overlap_free.load()) return free;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return nullptr;
}

std::uint8_t free_of(const Service& svc, const std::vector<std::uint8_t>& free, const std::string& id) {
  return free.at(svc.snapshot()->data().grid_by_id.at(id));
}

GridRecord stored(const Service& svc, const std::string& id) { return svc.snapshot()->grid(id)->record(); }

}  // namespace

TEST(OverlapFree, FoundForEveryGridOfTheSet) {
  TempDir dir;
  auto svc = open_city(dir);
  ASSERT_TRUE(svc);
  auto found = find_overlap_free(*svc->snapshot()->data().grid_set);
  ASSERT_TRUE(found);
  EXPECT_EQ(free_of(*svc, *found, "A"), 0) << "D lies inside A";
  EXPECT_EQ(free_of(*svc, *found, "D"), 0);
  EXPECT_EQ(free_of(*svc, *found, "B"), 1) << "touching A along an edge is no overlap";
  EXPECT_EQ(free_of(*svc, *found, "C"), 1);
  std::atomic<bool> stop{true};
  EXPECT_FALSE(find_overlap_free(*svc->snapshot()->data().grid_set, &stop)) << "a closing service stops it";
}

TEST(OverlapFree, TheServiceLearnsItAfterAnOpenAndAfterAMerge) {
  TempDir dir;
  {
    auto svc = open_city(dir);
    ASSERT_TRUE(svc);
    auto free = known(*svc);
    ASSERT_TRUE(free) << "the merge thread did not find it after the import";
    EXPECT_EQ(*free, *find_overlap_free(*svc->snapshot()->data().grid_set));
  }
  auto svc = Service::open(dir.file("db"));
  ASSERT_TRUE(svc);
  auto free = known(**svc);
  ASSERT_TRUE(free) << "nor after an open";
  EXPECT_EQ(free_of(**svc, *free, "B"), 1);
  // A grid written over B and merged into a new base: B overlaps it now.
  ASSERT_TRUE((*svc)->put_grid(box_grid("E", kX + 1.5 * kD, kY + 0.5 * kD, kX + 1.8 * kD, kY + 0.8 * kD),
                               {.allow_overlap = true}));
  const auto start = std::chrono::steady_clock::now();  // the merge runs a second after the last write
  while ((*svc)->snapshot()->overlay() && std::chrono::steady_clock::now() - start < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE((*svc)->snapshot()->overlay()) << "the merge did not run";
  free = (*svc)->snapshot()->data().grid_set->overlap_free.load();
  ASSERT_TRUE(free) << "known as the merge publishes the new base";
  EXPECT_EQ(free_of(**svc, *free, "B"), 0);
  EXPECT_EQ(free_of(**svc, *free, "E"), 0);
  EXPECT_EQ(free_of(**svc, *free, "C"), 1);
  EXPECT_EQ(*free, *find_overlap_free(*(*svc)->snapshot()->data().grid_set)) << "carried over as a search finds it";
}

// A merge hands on what it knew: only grids near a write are searched again,
// and what they learn is what a whole search finds.
TEST(OverlapFree, AMergeCarriesOverWhatItKnewAwayFromTheWrites) {
  TempDir dir;
  auto svc = open_city(dir);
  ASSERT_TRUE(svc && known(*svc));
  // Looks without pausing, so as to see the new base the moment it is published.
  auto merged = [&] {
    const auto start = std::chrono::steady_clock::now();
    while (svc->snapshot()->overlay() && std::chrono::steady_clock::now() - start < std::chrono::seconds(60)) {
      std::this_thread::yield();
    }
    return !svc->snapshot()->overlay();
  };
  // D deleted: A overlaps nothing any more; C, far away, kept what was known.
  ASSERT_TRUE(svc->delete_grid("D"));
  auto carry = overlap_free_carry(*svc->snapshot());
  ASSERT_TRUE(carry);
  EXPECT_EQ(carry->known.size(), 4u);
  EXPECT_FALSE(carry->written.empty()) << "D's box";
  ASSERT_TRUE(merged());
  // Known as the new base is published, not some time after: a grid write
  // right after the merge skips its neighbours as it did before it.
  auto free = svc->snapshot()->data().grid_set->overlap_free.load();
  ASSERT_TRUE(free) << "the merge published a base whose set it had not searched";
  EXPECT_EQ(free_of(*svc, *free, "A"), 1);
  EXPECT_EQ(free_of(*svc, *free, "C"), 1);
  EXPECT_EQ(*free, *find_overlap_free(*svc->snapshot()->data().grid_set));
  // What is carried is trusted away from the writes: a carry that says C
  // overlaps something keeps it so, while a grid near a write is searched.
  OverlapFreeCarry told{{{"A", 1}, {"B", 1}, {"C", 0}}, {svc->snapshot()->data().grid_bboxes.at(0)}};
  auto carried = find_overlap_free(*svc->snapshot()->data().grid_set, nullptr, &told);
  ASSERT_TRUE(carried);
  EXPECT_EQ(free_of(*svc, *carried, "C"), 0) << "far from the written box: as carried";
  EXPECT_EQ(free_of(*svc, *carried, "A"), 1) << "searched";
}

TEST(OverlapFree, AGridKeepingItsOutlineIsStillRefusedWhereItOverlaps) {
  TempDir dir;
  auto svc = open_city(dir);
  ASSERT_TRUE(svc && known(*svc));
  // B overlaps nothing: a new manager needs no allow_overlap and reports none.
  ASSERT_TRUE(known_overlap_free(*svc->snapshot(), with_manager(stored(*svc, "B"), "Wang")));
  auto b = svc->apply({.put_grids = {with_manager(stored(*svc, "B"), "Wang")}});
  ASSERT_TRUE(b) << b.status().message();
  EXPECT_TRUE(b->overlaps.empty());
  EXPECT_EQ(svc->snapshot()->grid("B")->attributes().at(0).second, "Wang");
  // A overlaps D since the import: a new manager of A is refused without
  // allow_overlap, and reported with it.
  EXPECT_FALSE(known_overlap_free(*svc->snapshot(), stored(*svc, "A")));
  Status refused = svc->put_grid(with_manager(stored(*svc, "A"), "Li"));
  EXPECT_EQ(refused.code(), ErrorCode::invalid_input);
  EXPECT_NE(refused.message().find("overlaps grid 'D'"), std::string::npos) << refused.message();
  auto allowed = svc->apply({.put_grids = {with_manager(stored(*svc, "A"), "Li")}}, {.allow_overlap = true});
  ASSERT_TRUE(allowed) << allowed.status().message();
  ASSERT_EQ(allowed->overlaps.size(), 1u);
  EXPECT_NE(allowed->overlaps[0].find("'D'"), std::string::npos);
}

TEST(OverlapFree, AGridWrittenNextToItSinceTheBaseCounts) {
  TempDir dir;
  auto svc = open_city(dir);
  ASSERT_TRUE(svc && known(*svc));
  const GridRecord original_c = stored(*svc, "C");
  // E, written over C a moment ago (not merged yet), overlaps C now.
  ASSERT_TRUE(svc->put_grid(box_grid("E", kX + 5.5 * kD, kY + 0.5 * kD, kX + 5.8 * kD, kY + 0.8 * kD),
                            {.allow_overlap = true}));
  ASSERT_TRUE(svc->snapshot()->overlay());
  EXPECT_FALSE(known_overlap_free(*svc->snapshot(), stored(*svc, "C")));
  Status refused = svc->put_grid(with_manager(stored(*svc, "C"), "Zhao"));
  EXPECT_EQ(refused.code(), ErrorCode::invalid_input);
  EXPECT_NE(refused.message().find("overlaps grid 'E'"), std::string::npos) << refused.message();
  // Its own earlier versions do not: B renamed twice since the base.
  GridRecord b = stored(*svc, "B");
  b.name = "renamed";
  ASSERT_TRUE(svc->put_grid(b));
  EXPECT_TRUE(known_overlap_free(*svc->snapshot(), with_manager(b, "Zhou")));
  ASSERT_TRUE(svc->put_grid(with_manager(b, "Zhou")));
  // A grid written next to B that overlaps nothing leaves B known; C then
  // redrawn over B (allowed) does not, and B's new manager is refused again.
  ASSERT_TRUE(svc->put_grid(box_grid("N", kX + 2 * kD, kY, kX + 3 * kD, kY + kD)));  // touches B's east edge
  ASSERT_TRUE(svc->put_grid(with_manager(stored(*svc, "B"), "Wu")));
  GridRecord over_b = stored(*svc, "C");
  over_b.geometry = {{{fixtures::box_ring(kX + 1.9 * kD, kY + 0.2 * kD, kX + 2.5 * kD, kY + 0.4 * kD)}}};
  ASSERT_TRUE(svc->put_grid(over_b, {.allow_overlap = true}));
  refused = svc->put_grid(with_manager(stored(*svc, "B"), "Zheng"));
  EXPECT_EQ(refused.code(), ErrorCode::invalid_input);
  EXPECT_NE(refused.message().find("overlaps grid 'C'"), std::string::npos) << refused.message();
  ASSERT_TRUE(svc->put_grid(original_c, {.allow_overlap = true}));  // C back where it was, under E
}

TEST(OverlapFree, AnOutlineDrawnAwayAndBackIsKnownOnlyWhenItIsTheBasesAgain) {
  TempDir dir;
  auto svc = open_city(dir);
  ASSERT_TRUE(svc && known(*svc));
  const GridRecord original = stored(*svc, "C");
  GridRecord moved = original;
  for (LonLat& q : moved.geometry[0].rings[0]) q.lat += 2 * kD;  // to empty land, north
  ASSERT_TRUE(svc->put_grid(moved));
  EXPECT_FALSE(known_overlap_free(*svc->snapshot(), moved)) << "not the base's outline";
  ASSERT_TRUE(svc->put_grid(original));
  EXPECT_TRUE(known_overlap_free(*svc->snapshot(), with_manager(original, "Sun"))) << "the base's outline again";
}

// A grid's own write since the base, which found its new outline overlapping
// nothing, makes that outline known (a boundary moved twice before a merge is
// checked near its changed edges the second time too); not when that write
// found an overlap, for another outline, nor once a grid written near it
// since may overlap it. The edits and overlay are built as a write builds them.
TEST(OverlapFree, AGridsOwnWriteSinceTheBaseFindingNoOverlapMakesItKnown) {
  TempDir dir;
  auto svc = open_city(dir);
  ASSERT_TRUE(svc && known(*svc));
  const std::shared_ptr<const SnapshotData> base = svc->snapshot()->base();
  std::uint64_t seq = svc->snapshot()->stats().sequence;
  GridRecord moved = stored(*svc, "C");
  for (LonLat& q : moved.geometry[0].rings[0]) q.lat += 2 * kD;  // to empty land, north
  auto written = [&](const std::vector<store::Change>& changes) {
    auto edits = std::make_unique<OverlayEdits>();
    for (const store::Change& c : changes) edits->add(c, ++seq);
    auto snap = std::make_unique<Snapshot>(base, build_overlay(*base, *edits, seq));
    return std::pair(std::move(edits), std::move(snap));
  };
  store::Change free_move;
  free_move.put_grids = {moved};
  free_move.put_grids_overlap_none = {true};
  {
    auto [edits, snap] = written({free_move});
    EXPECT_TRUE(known_overlap_free(*snap, moved, edits.get()));
    EXPECT_TRUE(known_overlap_free(*snap, with_manager(moved, "Han"), edits.get())) << "the same outline";
    EXPECT_FALSE(known_overlap_free(*snap, moved)) << "without the edits, only the base's outline is known";
    GridRecord other = moved;
    other.geometry[0].rings[0][1].lon += 0.1 * kD;
    EXPECT_FALSE(known_overlap_free(*snap, other, edits.get())) << "not the outline written";
  }
  {
    store::Change overlapping = free_move;
    overlapping.put_grids_overlap_none = {false};  // written with allow_overlap over another grid
    auto [edits, snap] = written({overlapping});
    EXPECT_FALSE(known_overlap_free(*snap, moved, edits.get()));
  }
  {
    store::Change near;  // E written over the moved C afterwards, allowed
    near.put_grids = {box_grid("E", kX + 5.5 * kD, kY + 2.5 * kD, kX + 5.8 * kD, kY + 2.8 * kD)};
    near.put_grids_overlap_none = {false};
    auto [edits, snap] = written({free_move, near});
    EXPECT_FALSE(known_overlap_free(*snap, moved, edits.get()));
    store::Change apart = near;  // written far from it
    apart.put_grids = {box_grid("E", kX + 9.5 * kD, kY + 2.5 * kD, kX + 9.8 * kD, kY + 2.8 * kD)};
    auto [edits2, snap2] = written({free_move, apart});
    EXPECT_TRUE(known_overlap_free(*snap2, moved, edits2.get()));
  }
}

TEST(OverlapFree, AGridOfTheSameBatchCounts) {
  TempDir dir;
  auto svc = open_city(dir);
  ASSERT_TRUE(svc && known(*svc));
  // N0, written touching B's east edge, overlaps nothing.
  ASSERT_TRUE(svc->put_grid(box_grid("N0", kX + 2 * kD, kY, kX + 3 * kD, kY + kD)));
  const std::uint64_t before = svc->snapshot()->sequence();
  // C keeps its outline, but F, put beside it in the same batch, overlaps it.
  ChangeSet batch;
  batch.put_grids.push_back(with_manager(stored(*svc, "C"), "Qian"));
  batch.put_grids.push_back(box_grid("F", kX + 5.2 * kD, kY + 0.2 * kD, kX + 5.4 * kD, kY + 0.4 * kD));
  auto refused = svc->apply(batch);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.status().message().find("put_grids[0] (C): geometry: grid 'C' overlaps grid 'F'"),
            std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("put_grids[1] (F)"), std::string::npos);
  EXPECT_EQ(svc->snapshot()->sequence(), before) << "nothing stored";
  auto allowed = svc->apply(batch, {.allow_overlap = true});
  ASSERT_TRUE(allowed) << allowed.status().message();
  EXPECT_EQ(allowed->overlaps.size(), 2u);
  // Neighbours that both keep their outlines were apart and stay so; A, which
  // overlaps D, is still refused beside them.
  ChangeSet managers;
  managers.put_grids.push_back(with_manager(stored(*svc, "B"), "Feng"));
  managers.put_grids.push_back(with_manager(stored(*svc, "N0"), "Chen"));
  auto both = svc->apply(managers);
  ASSERT_TRUE(both) << both.status().message();
  EXPECT_TRUE(both->overlaps.empty());
  managers.put_grids.push_back(with_manager(stored(*svc, "A"), "Chu"));
  auto with_a = svc->apply(managers);
  ASSERT_FALSE(with_a);
  EXPECT_NE(with_a.status().message().find("put_grids[2] (A): geometry: grid 'A' overlaps grid 'D'"), std::string::npos)
      << with_a.status().message();
}

// Random edits of a lattice of grids (redraws that may overlap, allowed or
// not; new managers; deletions and new grids; pauses that let the merge
// run): whatever the service knew, a write without allow_overlap is accepted
// only when its grids overlap no other grid, found by testing every pair.
TEST(OverlapFree, RandomEditsNeverAcceptAnOverlapUnasked) {
  TempDir dir;
  auto opened = open_empty(dir);
  ASSERT_TRUE(opened);
  Service& svc = *opened;
  Dataset d;
  constexpr int kCols = 6, kRows = 5;
  auto cell = [](int c, int r) {
    return box_grid("G" + std::to_string(r * kCols + c), kX + c * kD, kY + r * kD, kX + (c + 1) * kD,
                    kY + (r + 1) * kD);
  };
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < kCols; ++c) d.grids.push_back(cell(c, r));
  }
  d.poles.push_back({"TJH0001", {kX + 0.5 * kD, kY + 0.5 * kD}, {}});
  ASSERT_TRUE(svc.import(std::move(d)));
  ASSERT_TRUE(known(svc));
  std::mt19937 rng(46);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto overlaps_another = [&](const std::string& id) {
    const auto snap = svc.snapshot();
    const auto g = snap->grid(id);
    if (!g) return false;
    const MultiPolygon mine = g->geometry();
    bool found = false;
    snap->for_each_grid([&](GridView other) {
      if (!found && other.id() != id) found = outlines_overlap_m2(mine, other.geometry()).has_value();
    });
    return found;
  };
  int accepted_managers = 0, refused_managers = 0;
  for (int step = 0; step < 400; ++step) {
    if (step == 150 || step == 300) {  // a pause: the merge runs, and the search after it
      std::this_thread::sleep_for(std::chrono::milliseconds(1600));
      ASSERT_TRUE(known(svc));
    }
    const int c = pick(kCols), r = pick(kRows);
    const std::string id = "G" + std::to_string(r * kCols + c);
    const auto now = svc.snapshot()->grid(id);
    switch (pick(5)) {
      case 0: {  // redraw: the cell itself, or grown over its neighbours (allowed or not)
        GridRecord g = cell(c, r);
        if (pick(2) == 1) {
          g.geometry = {{{fixtures::box_ring(kX + (c - 0.3) * kD, kY + (r - 0.3) * kD, kX + (c + 1.3) * kD,
                                             kY + (r + 1.3) * kD)}}};
        }
        const bool allow = pick(2) == 1;
        if (svc.put_grid(g, {.allow_overlap = allow}) && !allow) {
          EXPECT_FALSE(overlaps_another(id)) << step;
        }
        break;
      }
      case 1:
        if (pick(3) == 0) (void)svc.delete_grid(id);
        break;
      default: {  // a new manager, its outline as stored
        if (!now) {
          (void)svc.put_grid(cell(c, r), {.allow_overlap = true});
          break;
        }
        GridRecord g = now->record();
        g.attributes = {{"manager", "m" + std::to_string(step)}};
        if (svc.put_grid(g)) {
          ++accepted_managers;
          EXPECT_FALSE(overlaps_another(id)) << "step " << step << ": " << id << " accepted over another grid";
        } else {
          ++refused_managers;
          EXPECT_TRUE(overlaps_another(id)) << "step " << step << ": " << id << " refused overlapping nothing";
        }
      }
    }
  }
  EXPECT_GT(accepted_managers, 20);
  EXPECT_GT(refused_managers, 5);
}

// Where a new outline may cover other ground than the old one: the box of the
// edges found in one of them only, whatever the ring's start or direction.
TEST(OverlapFree, ChangedEdgesBoxIsTheBoxOfTheEdgesInOneOutlineOnly) {
  const MultiPolygon square = fixtures::polygon_of(fixtures::box_ring(0, 0, 4, 4));
  // The same ground: another start, the other direction, an open ring.
  EXPECT_FALSE(changed_edges_box(square, fixtures::polygon_of({{4, 4}, {0, 4}, {0, 0}, {4, 0}, {4, 4}})));
  EXPECT_FALSE(changed_edges_box(square, fixtures::polygon_of({{0, 4}, {4, 4}, {4, 0}, {0, 0}})));
  // One corner moved: its two edges, before and after.
  const auto moved = changed_edges_box(square, fixtures::polygon_of({{0, 0}, {4, 0}, {5, 5}, {0, 4}, {0, 0}}));
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->min_lon, 0);
  EXPECT_EQ(moved->min_lat, 0);
  EXPECT_EQ(moved->max_lon, 5);
  EXPECT_EQ(moved->max_lat, 5);
  const auto corner = changed_edges_box(fixtures::polygon_of(fixtures::box_ring(0, 0, 10, 10)),
                                        fixtures::polygon_of({{0, 0}, {10, 0}, {10, 10}, {1, 10}, {0, 9}, {0, 0}}));
  ASSERT_TRUE(corner);  // the old top and west edges went whole: they are no edges of the new outline
  EXPECT_EQ(corner->min_lon, 0);
  EXPECT_EQ(corner->min_lat, 0);
  EXPECT_EQ(corner->max_lon, 10);
  EXPECT_EQ(corner->max_lat, 10);
  // A hole cut: the hole's edges only.
  const auto hole = changed_edges_box(square, fixtures::polygon_of(fixtures::box_ring(0, 0, 4, 4),
                                                                    {fixtures::box_ring(1, 1, 2, 3)}));
  ASSERT_TRUE(hole);
  EXPECT_EQ(hole->min_lon, 1);
  EXPECT_EQ(hole->min_lat, 1);
  EXPECT_EQ(hole->max_lon, 2);
  EXPECT_EQ(hole->max_lat, 3);
}

// Edits as editors make them on a detailed ring (a vertex moved, added or
// removed, a stretch redrawn, the ring's first vertex moved) and on a second
// ring of the same polygon: the box holds every edge found in one outline
// only, and for a vertex moved mid-ring it is exactly the box of its two
// edges before and after.
TEST(OverlapFree, ChangedEdgesBoxOfAnEditedStretchHoldsEveryEdgeInOneOutlineOnly) {
  constexpr double kPi = 3.14159265358979323846;
  auto circle = [&](double cx, double cy, double r, int n) {
    Ring ring;
    for (int i = 0; i < n; ++i) {
      ring.push_back({cx + r * std::cos(2 * kPi * i / n), cy + r * std::sin(2 * kPi * i / n)});
    }
    ring.push_back(ring.front());
    return ring;
  };
  const MultiPolygon before{Polygon{{circle(116.47, 39.92, 0.01, 2000), circle(116.47, 39.92, 0.002, 500)}}};
  // The edges of one outline, each as (lesser end, greater end).
  auto edges = [](const MultiPolygon& g) {
    std::multiset<std::array<double, 4>> out;
    for (const Polygon& poly : g) {
      for (const Ring& r : poly.rings) {
        for (std::size_t k = 0; k < r.size(); ++k) {
          const LonLat a = r[k], b = r[(k + 1) % r.size()];
          if (a == b) continue;
          const bool a_first = std::pair(a.lon, a.lat) < std::pair(b.lon, b.lat);
          out.insert(a_first ? std::array{a.lon, a.lat, b.lon, b.lat} : std::array{b.lon, b.lat, a.lon, a.lat});
        }
      }
    }
    return out;
  };
  std::mt19937 rng(20261206);
  std::uniform_int_distribution<std::size_t> vertex(1, 1990);
  std::uniform_real_distribution<double> offset(-2e-4, 2e-4);
  for (int i = 0; i < 200; ++i) {
    MultiPolygon after = before;
    Ring& ring = after[0].rings[i % 5 == 4 ? 1 : 0];
    const std::size_t k = std::min(vertex(rng), ring.size() - 10);
    switch (i % 5) {
      case 0:  // one vertex moved
        ring[k].lon += offset(rng);
        ring[k].lat += offset(rng);
        break;
      case 1:  // a vertex added
        ring.insert(ring.begin() + static_cast<std::ptrdiff_t>(k), {ring[k].lon + offset(rng), ring[k].lat});
        break;
      case 2:  // a vertex removed
        ring.erase(ring.begin() + static_cast<std::ptrdiff_t>(k));
        break;
      case 3:  // the first vertex (and so the last) moved: every vertex between them is common
        ring.front().lon += offset(rng);
        ring.back() = ring.front();
        break;
      default:  // the inner ring: a stretch of eight redrawn
        for (std::size_t j = k; j < k + 8; ++j) ring[j].lat += offset(rng);
        break;
    }
    const auto box = changed_edges_box(before, after);
    ASSERT_TRUE(box) << "edit " << i;
    const auto a = edges(before), b = edges(after);
    std::vector<std::array<double, 4>> only;
    std::set_symmetric_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(only));
    ASSERT_FALSE(only.empty());
    BBox exact{only[0][0], only[0][1], only[0][0], only[0][1]};
    for (const auto& e : only) {
      for (const LonLat p : {LonLat{e[0], e[1]}, LonLat{e[2], e[3]}}) {
        EXPECT_TRUE(p.lon >= box->min_lon && p.lon <= box->max_lon && p.lat >= box->min_lat && p.lat <= box->max_lat)
            << "edit " << i << ": " << p.lon << "," << p.lat;
        exact = {std::min(exact.min_lon, p.lon), std::min(exact.min_lat, p.lat), std::max(exact.max_lon, p.lon),
                 std::max(exact.max_lat, p.lat)};
      }
    }
    if (i % 5 == 0) {
      EXPECT_EQ(box->min_lon, exact.min_lon) << "edit " << i;
      EXPECT_EQ(box->min_lat, exact.min_lat) << "edit " << i;
      EXPECT_EQ(box->max_lon, exact.max_lon) << "edit " << i;
      EXPECT_EQ(box->max_lat, exact.max_lat) << "edit " << i;
    }
  }
  EXPECT_FALSE(changed_edges_box(before, before));
}

// Boundaries moved at a corner, the usual redraw (one vertex of the lattice
// moved in every grid holding it, as one batch), and sometimes in only some
// of those grids (an overlap), with and without allow_overlap, between
// merges: a write reports exactly the overlaps found by testing each of its
// grids against every other grid, and is refused without allow_overlap
// exactly when there is one, though a grid whose outline was known to
// overlap nothing is checked only where its edges changed.
TEST(OverlapFree, BoundaryMovesReportExactlyTheOverlapsOfEveryPair) {
  TempDir dir;
  auto opened = open_empty(dir);
  ASSERT_TRUE(opened);
  Service& svc = *opened;
  constexpr int kCols = 6, kRows = 5;
  // Each grid's four corners as it stands (lattice points, moved since).
  std::vector<std::array<LonLat, 4>> corners(kCols * kRows);
  auto id_of = [](int cell) { return "G" + std::to_string(cell); };
  auto outline = [&](int cell) {
    const auto& k = corners[static_cast<std::size_t>(cell)];
    return MultiPolygon{{{Ring{k[0], k[1], k[2], k[3], k[0]}}}};
  };
  Dataset d;
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < kCols; ++c) {
      auto& k = corners[static_cast<std::size_t>(r * kCols + c)];
      k = {LonLat{kX + c * kD, kY + r * kD}, LonLat{kX + (c + 1) * kD, kY + r * kD},
           LonLat{kX + (c + 1) * kD, kY + (r + 1) * kD}, LonLat{kX + c * kD, kY + (r + 1) * kD}};
      d.grids.push_back({id_of(r * kCols + c), "", {}, outline(r * kCols + c)});
    }
  }
  d.poles.push_back({"TJH0001", {kX + 0.5 * kD, kY + 0.5 * kD}, {}});
  ASSERT_TRUE(svc.import(std::move(d)));
  ASSERT_TRUE(known(svc));
  std::mt19937 rng(7);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  int reported = 0, refused = 0, accepted = 0;
  for (int step = 0; step < 300; ++step) {
    if (step == 100 || step == 200) {  // a pause: the merge runs, and the search after it
      std::this_thread::sleep_for(std::chrono::milliseconds(1600));
      ASSERT_TRUE(known(svc));
    }
    // An inner lattice point, held by four grids (corner 2, 3, 1 and 0 of them).
    const int c = 1 + pick(kCols - 1), r = 1 + pick(kRows - 1);
    const std::array<std::pair<int, int>, 4> holders{{{(r - 1) * kCols + c - 1, 2},
                                                      {(r - 1) * kCols + c, 3},
                                                      {r * kCols + c - 1, 1},
                                                      {r * kCols + c, 0}}};
    // Its new place, within 0.3 of a cell of where the lattice put it: every grid stays simple.
    const LonLat to{kX + (c + (pick(61) - 30) / 100.0) * kD, kY + (r + (pick(61) - 30) / 100.0) * kD};
    const int subset = pick(4) == 0 ? 1 + pick(15) : 15;  // which holders move it (15: all four)
    auto after = corners;
    ChangeSet batch;
    for (int h = 0; h < 4; ++h) {
      if (!(subset & (1 << h))) continue;
      const auto [cell, corner] = holders[static_cast<std::size_t>(h)];
      after[static_cast<std::size_t>(cell)][static_cast<std::size_t>(corner)] = to;
      batch.put_grids.push_back({id_of(cell), "", {}, {}});
    }
    std::map<std::pair<std::string, std::string>, double> want;  // every (batch grid, other grid) that overlap: m²
    auto outline_after = [&](int cell) {
      const auto& k = after[static_cast<std::size_t>(cell)];
      return MultiPolygon{{{Ring{k[0], k[1], k[2], k[3], k[0]}}}};
    };
    for (GridRecord& g : batch.put_grids) {
      const int cell = std::stoi(g.id.substr(1));
      g.geometry = outline_after(cell);
      for (int other = 0; other < kCols * kRows; ++other) {
        if (other == cell) continue;
        if (auto m2 = outlines_overlap_m2(g.geometry, outline_after(other))) want[{g.id, id_of(other)}] = *m2;
      }
    }
    const bool allow = pick(3) == 0;
    auto report = svc.apply(batch, {.allow_overlap = allow});
    if (!allow && !want.empty()) {
      EXPECT_FALSE(report) << "step " << step << ": an overlap accepted unasked";
      ++refused;
      continue;
    }
    ASSERT_TRUE(report) << "step " << step << ": " << report.status().message();
    ++accepted;
    std::map<std::pair<std::string, std::string>, double> got;
    for (const std::string& o : report->overlaps) {  // "grid 'A' overlaps grid 'B' by 12.5 m²"
      const auto a = o.find('\'') + 1, a_end = o.find('\'', a), b = o.find('\'', a_end + 1) + 1;
      got[{o.substr(a, a_end - a), o.substr(b, o.find('\'', b) - b)}] = std::stod(o.substr(o.find(" by ") + 4));
    }
    ASSERT_EQ(got.size(), want.size()) << "step " << step;
    for (const auto& [pair, m2] : want) {
      // The whole overlap, however the write measured it (near the moved corner only, when it could).
      ASSERT_TRUE(got.count(pair)) << "step " << step << ": " << pair.first << " over " << pair.second;
      EXPECT_NEAR(got[pair], m2, 0.05 + 1e-9 * m2) << "step " << step << ": " << pair.first << " over " << pair.second;
    }
    reported += static_cast<int>(!want.empty());
    corners = after;
    for (int cell = 0; cell < kCols * kRows; ++cell) ASSERT_EQ(stored(svc, id_of(cell)).geometry, outline(cell));
  }
  EXPECT_GT(reported, 10);
  EXPECT_GT(refused, 10);
  EXPECT_GT(accepted, 150);
}

// A grid that had a hole, and a grid in the hole: redrawn without the hole,
// the first covers the second, though no edge of the new outline is new
// (only the hole's went): the edges that went count as much as those added.
TEST(OverlapFree, AHoleFilledInOverTheGridInsideItIsAnOverlap) {
  TempDir dir;
  auto opened = open_empty(dir);
  ASSERT_TRUE(opened);
  Service& svc = *opened;
  Dataset d;
  d.grids.push_back({"RING", "", {}, fixtures::polygon_of(fixtures::box_ring(kX, kY, kX + 3 * kD, kY + 3 * kD),
                                                           {fixtures::box_ring(kX + kD, kY + kD, kX + 2 * kD,
                                                                               kY + 2 * kD)})});
  d.grids.push_back(box_grid("ISLAND", kX + kD, kY + kD, kX + 2 * kD, kY + 2 * kD));
  d.poles.push_back({"TJH0001", {kX + 0.5 * kD, kY + 0.5 * kD}, {}});
  ASSERT_TRUE(svc.import(std::move(d)));
  const auto free = known(svc);
  ASSERT_TRUE(free);
  ASSERT_EQ(free_of(svc, *free, "RING"), 1);  // they only touch
  GridRecord filled = stored(svc, "RING");
  filled.geometry[0].rings.resize(1);
  auto refused = svc.put_grid(filled);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("grid 'RING' overlaps grid 'ISLAND'"), std::string::npos) << refused.message();
  auto report = svc.apply({.put_grids = {filled}}, {.allow_overlap = true});
  ASSERT_TRUE(report) << report.status().message();
  ASSERT_EQ(report->overlaps.size(), 1u);
  EXPECT_NE(report->overlaps[0].find("grid 'RING' overlaps grid 'ISLAND'"), std::string::npos);
}
