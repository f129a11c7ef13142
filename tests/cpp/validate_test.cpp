#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include <gtest/gtest.h>

using namespace poleloc;
using poleloc::fixtures::TempDir;

namespace {
std::size_t count_kind(const ValidationReport& r, const std::string& kind) {
  return std::count_if(r.issues.begin(), r.issues.end(), [&](auto& i) { return i.kind == kind; });
}
}  // namespace

TEST(Validate, BundledSampleIsClean) {
  TempDir dir;
  auto svc = Service::open(dir.file("db"));
  ASSERT_TRUE(svc);
  const std::string s = POLELOC_SAMPLE_DIR;
  ASSERT_TRUE((*svc)->import({s + "/poles.csv", s + "/grids.geojson", s + "/aliases.csv"}));
  const auto report = validate(*(*svc)->snapshot());
  for (const auto& i : report.issues) {
    if (!i.warning) ADD_FAILURE() << i.kind << ": " << i.message;
  }
  EXPECT_TRUE(report.ok());
  // Tuanjiehu Park is cut out of one grid on purpose: a hole, a warning only.
  EXPECT_EQ(count_kind(report, "hole"), 1u);
  EXPECT_EQ(count_kind(report, "gap") + count_kind(report, "sliver"), 0u);
}

TEST(Validate, FindsOverlapsOrphansAndLeadingZeroTwins) {
  TempDir dir;
  auto svc = Service::open(dir.file("db"));
  ASSERT_TRUE(svc);
  Dataset d;
  d.grids = fixtures::draw_grids({"AB"});
  GridRecord over{"OVER", "", {}, {{{fixtures::box_ring(116.0005, 39.0002, 116.0015, 39.0008)}}}};
  d.grids.push_back(over);
  d.poles = {{"X0372", {116.0003, 39.0005}, {}}, {"X372", {116.0017, 39.0005}, {}}, {"ORPHAN1", {117, 40}, {}}};
  ASSERT_TRUE((*svc)->import(d, {.allow_overlap = true}));  // an import refuses the overlap without it
  const auto report = validate(*(*svc)->snapshot());
  EXPECT_EQ(count_kind(report, "overlap"), 2u);  // OVER overlaps A and B
  EXPECT_EQ(count_kind(report, "orphan_pole"), 1u);
  EXPECT_EQ(count_kind(report, "duplicate_number"), 1u);
  EXPECT_EQ(count_kind(report, "invalid_polygon"), 0u);
  for (const auto& i : report.issues) {
    if (i.kind == "overlap") {
      EXPECT_TRUE(i.location.has_value());
    }
  }
}

namespace {

GridRecord box_grid(const std::string& id, double x0, double y0, double x1, double y1) {
  return GridRecord{id, "", {}, {{{fixtures::box_ring(x0, y0, x1, y1)}}}};
}

const ValidationIssue* find_issue(const ValidationReport& r, const std::string& kind, const std::string& subject) {
  for (const auto& i : r.issues) {
    if (i.kind == kind && i.subject == subject) return &i;
  }
  return nullptr;
}

}  // namespace

TEST(Validate, NamesGapsBetweenGridsWithAreaPointAndTheGridsAround) {
  TempDir dir;
  auto svc = Service::open(dir.file("db"));
  ASSERT_TRUE(svc);
  Dataset d;
  d.grids = fixtures::draw_grids({"AAA", "B.C", "DDD"});  // the middle cell belongs to no grid
  d.poles = {{"A0001", {116.0015, 39.0025}, {}}};
  ASSERT_TRUE((*svc)->import(d));
  const auto report = validate(*(*svc)->snapshot());
  ASSERT_EQ(count_kind(report, "gap"), 1u);
  const auto gap = std::find_if(report.issues.begin(), report.issues.end(), [](auto& i) { return i.kind == "gap"; });
  EXPECT_FALSE(gap->warning);
  EXPECT_FALSE(report.ok());
  ASSERT_TRUE(gap->area_m2);
  EXPECT_NEAR(*gap->area_m2, 111.0 * 86.4, 200.0);  // a 0.001° cell at 39.0015° N
  ASSERT_TRUE(gap->location);
  EXPECT_NEAR(gap->location->lon, 116.0015, 0.0005);
  EXPECT_NEAR(gap->location->lat, 39.0015, 0.0005);
  EXPECT_EQ(gap->subject, "A,B,C,D");
  EXPECT_FALSE(gap->shape.empty());
}

TEST(Validate, CallsAThinUncoveredStripBetweenNeighboursASliver) {
  TempDir dir;
  auto svc = Service::open(dir.file("db"));
  ASSERT_TRUE(svc);
  Dataset d;
  // A and B were drawn separately and do not meet: a strip about 0.9 m wide between them.
  d.grids = {box_grid("A", 116.000, 39.001, 116.001, 39.002), box_grid("B", 116.00101, 39.001, 116.002, 39.002),
             box_grid("C", 116.000, 39.002, 116.002, 39.003), box_grid("D", 116.000, 39.000, 116.002, 39.001)};
  d.poles = {{"A0001", {116.0005, 39.0015}, {}}};
  ASSERT_TRUE((*svc)->import(d));
  const auto report = validate(*(*svc)->snapshot());
  const ValidationIssue* s = find_issue(report, "sliver", "A,B,C,D");
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(s->warning);
  ASSERT_TRUE(s->area_m2);
  EXPECT_NEAR(*s->area_m2, 0.86 * 111.0, 20.0);
  EXPECT_EQ(count_kind(report, "gap"), 0u);
}

TEST(Validate, AHoleCutInOneGridIsAWarningNotAGap) {
  TempDir dir;
  auto svc = Service::open(dir.file("db"));
  ASSERT_TRUE(svc);
  Dataset d;
  Ring outer = fixtures::box_ring(116.000, 39.000, 116.003, 39.003);
  Ring park = fixtures::box_ring(116.001, 39.001, 116.002, 39.002);
  std::reverse(park.begin(), park.end());
  d.grids = {GridRecord{"P", "", {}, {{{outer, park}}}}};
  d.poles = {{"P0001", {116.0005, 39.0005}, {}}};
  ASSERT_TRUE((*svc)->import(d));
  const auto report = validate(*(*svc)->snapshot());
  const ValidationIssue* h = find_issue(report, "hole", "P");
  ASSERT_NE(h, nullptr);
  EXPECT_TRUE(h->warning);
  EXPECT_TRUE(report.ok());
}

TEST(Validate, FindsDangerousTwinsAcrossABoundaryAndSuggestsWhichToRenumber) {
  TempDir dir;
  auto svc = Service::open(dir.file("db"));
  ASSERT_TRUE(svc);
  Dataset d;
  d.grids = fixtures::draw_grids({"AB"});
  d.poles = {
      {"X0312", {116.0005, 39.0005}, {}},  // in A
      {"X0372", {116.0015, 39.0005}, {}},  // in B, 86 m away: yi/qi across the boundary
      {"X0611", {116.0002, 39.0002}, {}},  // in A
      {"X0617", {116.0004, 39.0002}, {}},  // in A, 17 m away: harmless, the crew finds it
      {"X0375", {116.0016, 39.0006}, {}},  // in B: 0372's neighbour, no twin of 0312 (2 -> 5 is no likely slip)
  };
  ASSERT_TRUE((*svc)->import(d));
  const auto report = validate(*(*svc)->snapshot());
  const ValidationIssue* t = find_issue(report, "dangerous_twin", "X0312,X0372");
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->warning);
  EXPECT_TRUE(report.ok()) << "twins are warnings";
  EXPECT_NE(t->message.find("yi/qi"), std::string::npos) << t->message;
  EXPECT_NE(t->message.find("different grids"), std::string::npos) << t->message;
  ASSERT_TRUE(t->distance_m);
  EXPECT_NEAR(*t->distance_m, 86.5, 2.0);
  ASSERT_TRUE(t->other_location);
  EXPECT_GT(t->risk, 0);
  EXPECT_TRUE(t->suggestion == "renumber X0372" || t->suggestion == "renumber X0312") << t->suggestion;
  EXPECT_EQ(find_issue(report, "dangerous_twin", "X0611,X0617"), nullptr);
  EXPECT_GE(report.poles_with_dangerous_twin, 2u);
  EXPECT_EQ(report.dangerous_twins, static_cast<std::size_t>(count_kind(report, "dangerous_twin")));

  // Same grid but more than twin_distance_m apart is dangerous too.
  const auto strict = validate(*(*svc)->snapshot(), {.twin_distance_m = 10});
  EXPECT_NE(find_issue(strict, "dangerous_twin", "X0611,X0617"), nullptr);
}

TEST(Validate, FlagsAPoleWhoseAreaCodeDiffersFromItsWholeGrid) {
  TempDir dir;
  auto svc = Service::open(dir.file("db"));
  ASSERT_TRUE(svc);
  Dataset d;
  d.grids = fixtures::draw_grids({"A"});
  for (int i = 1; i <= 5; ++i) d.poles.push_back({"YZ000" + std::to_string(i), {116.0001 * 1 + 0.0001 * i, 39.0005}, {}});
  d.poles.push_back({"QQ0999", {116.0007, 39.0007}, {}});
  ASSERT_TRUE((*svc)->import(d));
  const auto report = validate(*(*svc)->snapshot());
  const ValidationIssue* m = find_issue(report, "area_code_mismatch", "QQ0999");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->warning);
  EXPECT_EQ(count_kind(report, "area_code_mismatch"), 1u);
}
