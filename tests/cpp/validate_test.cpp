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
  for (const auto& i : report.issues) ADD_FAILURE() << i.kind << ": " << i.message;
  EXPECT_TRUE(report.ok());
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
