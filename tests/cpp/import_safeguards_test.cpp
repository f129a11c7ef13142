// Imports that cannot destroy by surprise: the diff an import reports (and
// shows before storing), dry runs, merges, and the 10 % removal threshold.
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include <gtest/gtest.h>

#include <sstream>

using namespace poleloc;
using poleloc::fixtures::TempDir;

namespace {

std::string sample(const char* file) { return std::string(POLELOC_SAMPLE_DIR) + "/" + file; }

ImportSources sample_sources() { return {sample("poles.csv"), sample("grids.geojson"), sample("aliases.csv")}; }

std::unique_ptr<Service> open_ok(const std::string& path, OpenOptions o = {}) {
  auto s = Service::open(path, o);
  EXPECT_TRUE(s) << s.status().message();
  return s ? std::move(*s) : nullptr;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

// The sample's poles with TJH0001 removed, TJH0002 moved north and TJH9999 added.
std::string edited_poles() {
  auto lines = lines_of(fixtures::read_text(sample("poles.csv")));
  EXPECT_EQ(lines[1].rfind("TJH0001,", 0), 0u);
  EXPECT_EQ(lines[2].rfind("TJH0002,", 0), 0u);
  lines.erase(lines.begin() + 1);
  lines[1] = "TJH0002,116.4635791,39.9188341,通信杆,马淑珍,010-67627524";
  lines.push_back("TJH9999,116.4640000,39.9200000,路灯,,");
  return join(lines);
}

// The first `keep` poles of the sample.
std::string first_poles(std::size_t keep) {
  auto lines = lines_of(fixtures::read_text(sample("poles.csv")));
  lines.resize(keep + 1);
  return join(lines);
}

}  // namespace

TEST(ImportSafeguards, TheReportCountsAddedChangedRemovedAndUnchangedRecords) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  auto first = svc->import(sample_sources());
  ASSERT_TRUE(first) << first.status().message();
  EXPECT_EQ(first->diff.poles.added, 1529u);
  EXPECT_EQ(first->diff.grids.added, 9u);
  EXPECT_EQ(first->diff.poles.added_ids.size(), ImportDiff::kListedIds);
  EXPECT_EQ(first->diff.poles.added_ids.front(), "TJH0001");

  const std::string poles = dir.write("poles.csv", edited_poles());
  auto report = svc->import({poles, sample("grids.geojson"), ""});
  ASSERT_TRUE(report) << report.status().message();
  EXPECT_FALSE(report->dry_run);
  EXPECT_EQ(report->diff.poles.added, 1u);
  EXPECT_EQ(report->diff.poles.changed, 1u);
  EXPECT_EQ(report->diff.poles.removed, 1u);
  EXPECT_EQ(report->diff.poles.unchanged, 1527u);
  EXPECT_EQ(report->diff.poles.added_ids, std::vector<std::string>{"TJH9999"});
  EXPECT_EQ(report->diff.poles.changed_ids, std::vector<std::string>{"TJH0002"});
  EXPECT_EQ(report->diff.poles.removed_ids, std::vector<std::string>{"TJH0001"});
  EXPECT_EQ(report->diff.grids.unchanged, 9u);
  EXPECT_EQ(report->diff.grids.added + report->diff.grids.changed + report->diff.grids.removed, 0u);
  EXPECT_EQ(report->diff.summary(),
            "will add 1, change 1, remove 1 poles; add 0, change 0, remove 0 grids (1,527 poles and 9 grids unchanged)");
  EXPECT_FALSE(svc->snapshot()->locate("TJH0001"));
  EXPECT_TRUE(svc->snapshot()->locate("TJH9999"));
}

TEST(ImportSafeguards, DryRunReportsTheDiffAndStoresNothing) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  const auto before = svc->snapshot();
  const std::string poles = dir.write("poles.csv", edited_poles());
  ImportOptions o;
  o.dry_run = true;
  auto report = svc->import({poles, sample("grids.geojson"), ""}, o);
  ASSERT_TRUE(report) << report.status().message();
  EXPECT_TRUE(report->dry_run);
  EXPECT_EQ(report->diff.poles.removed, 1u);
  EXPECT_EQ(report->changed_records, 3u);
  EXPECT_EQ(report->poles, 1529u);
  EXPECT_EQ(svc->snapshot(), before);  // not even a new snapshot
  EXPECT_TRUE(svc->snapshot()->locate("TJH0001"));
  EXPECT_FALSE(svc->snapshot()->locate("TJH9999"));
  svc.reset();
  auto again = open_ok(dir.file("db"), {.read_only = true});
  EXPECT_EQ(again->snapshot()->stats().sequence, before->stats().sequence);
  EXPECT_TRUE(again->snapshot()->locate("TJH0001"));
}

TEST(ImportSafeguards, DryRunWorksOnADatabaseOpenedReadOnly) {
  TempDir dir;
  ASSERT_TRUE(open_ok(dir.file("db"))->import(sample_sources()));
  auto ro = open_ok(dir.file("db"), {.read_only = true});
  const std::string poles = dir.write("poles.csv", edited_poles());
  ImportOptions o;
  o.dry_run = true;
  auto report = ro->import({poles, sample("grids.geojson"), ""}, o);
  ASSERT_TRUE(report) << report.status().message();
  EXPECT_EQ(report->diff.poles.changed, 1u);
  o.dry_run = false;
  EXPECT_EQ(ro->import({poles, sample("grids.geojson"), ""}, o).status().code(), ErrorCode::read_only);
}

TEST(ImportSafeguards, MergeUpsertsAndRemovesNothing) {
  TempDir dir;
  {
    auto svc = open_ok(dir.file("db"));
    ASSERT_TRUE(svc->import(sample_sources()));
    const std::string poles = dir.write("few.csv",
                                        "number,lon,lat,kind\n"
                                        "TJH0002,116.4635791,39.9188341,通信杆\n"
                                        "TJH9999,116.4640000,39.9200000,路灯\n");
    const std::string grids = dir.write("none.geojson", R"({"type":"FeatureCollection","features":[]})");
    const std::string aliases = dir.write("aliases.csv", "alias,code\n新名字,TJH\n");
    ImportOptions o;
    o.merge = true;
    auto report = svc->import({poles, grids, aliases}, o);
    ASSERT_TRUE(report) << report.status().message();
    EXPECT_EQ(report->diff.poles.added, 1u);
    EXPECT_EQ(report->diff.poles.changed, 1u);
    EXPECT_EQ(report->diff.poles.removed, 0u);
    EXPECT_EQ(report->diff.grids.removed, 0u);
    EXPECT_EQ(report->removed_poles, 0u);
    EXPECT_EQ(report->poles, 1530u);
    EXPECT_EQ(report->grids, 9u);
    EXPECT_EQ(report->aliases, 5u);  // the 4 stored and the new one
    EXPECT_EQ(svc->snapshot()->pole_count(), 1530u);
    EXPECT_EQ(svc->snapshot()->grid_count(), 9u);
    auto moved = svc->snapshot()->locate("TJH0002");
    ASSERT_TRUE(moved);
    EXPECT_DOUBLE_EQ(moved->position().lat, 39.9188341);
    ASSERT_TRUE(svc->snapshot()->locate("TJH0001"));
    EXPECT_TRUE(svc->snapshot()->locate("TJH0001")->grid());
  }
  // What was published is what was stored.
  auto reopened = open_ok(dir.file("db"), {.read_only = true});
  EXPECT_EQ(reopened->snapshot()->pole_count(), 1530u);
  EXPECT_EQ(reopened->snapshot()->grid_count(), 9u);
  EXPECT_EQ(reopened->snapshot()->stats().aliases, 5u);
  EXPECT_TRUE(reopened->snapshot()->locate("TJH9999"));
}

TEST(ImportSafeguards, MergeAndReplaceTogetherAreRefused) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ImportOptions o;
  o.merge = true;
  o.replace = true;
  EXPECT_EQ(svc->import(sample_sources(), o).status().code(), ErrorCode::bad_request);
}

TEST(ImportSafeguards, TheDefaultThresholdRefusesRemovingMoreThanTenPercentOfThePoles) {
  EXPECT_DOUBLE_EQ(ImportOptions{}.max_remove_share, 0.10);
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  const auto sequence = svc->snapshot()->stats().sequence;
  // 1,300 of 1,529: 229 removed (15 %) is over 10 %.
  const std::string most = dir.write("most.csv", first_poles(1300));
  bool shown = false;
  ImportOptions o;
  o.on_diff = [&](const ImportDiff& d) {
    shown = true;
    EXPECT_EQ(d.poles.removed, 229u);
  };
  auto refused = svc->import({most, sample("grids.geojson"), ""}, o);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(shown);  // the diff is shown before the refusal
  EXPECT_EQ(refused.status().code(), ErrorCode::invalid_input);
  EXPECT_NE(refused.status().message().find("would remove 229 of the 1,529 poles in the database (15 %), more than "
                                            "the 10 % allowed"),
            std::string::npos)
      << refused.status().message();
  EXPECT_EQ(svc->snapshot()->stats().sequence, sequence);
  EXPECT_EQ(svc->snapshot()->pole_count(), 1529u);
  // 1,400 of 1,529: 129 removed (8 %) is allowed.
  const std::string fewer = dir.write("fewer.csv", first_poles(1400));
  auto allowed = svc->import({fewer, sample("grids.geojson"), ""});
  ASSERT_TRUE(allowed) << allowed.status().message();
  EXPECT_EQ(allowed->removed_poles, 129u);
  EXPECT_EQ(svc->snapshot()->pole_count(), 1400u);
}

TEST(ImportSafeguards, AnImportRemovingMostPolesIsRefusedWithoutReplaceAndStoredWithIt) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  const std::string few = dir.write("few.csv", first_poles(10));
  auto refused = svc->import({few, sample("grids.geojson"), ""});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.status().message().find("use --replace"), std::string::npos);
  EXPECT_EQ(svc->snapshot()->pole_count(), 1529u);
  ImportOptions o;
  o.replace = true;
  auto replaced = svc->import({few, sample("grids.geojson"), ""}, o);
  ASSERT_TRUE(replaced) << replaced.status().message();
  EXPECT_EQ(replaced->diff.poles.removed, 1519u);
  EXPECT_EQ(replaced->diff.poles.removed_ids.size(), ImportDiff::kListedIds);
  EXPECT_EQ(svc->snapshot()->pole_count(), 10u);
}

namespace {

// One grid as a GeoJSON FeatureCollection, coordinates printed exactly.
std::string grid_file(const std::string& id, const MultiPolygon& shape) {
  std::ostringstream out;
  out.precision(17);
  out << R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":")" << id
      << R"("},"geometry":{"type":"MultiPolygon","coordinates":[)";
  for (std::size_t p = 0; p < shape.size(); ++p) {
    out << (p ? "," : "") << "[";
    for (std::size_t r = 0; r < shape[p].rings.size(); ++r) {
      out << (r ? "," : "") << "[";
      for (std::size_t i = 0; i < shape[p].rings[r].size(); ++i) {
        out << (i ? "," : "") << "[" << shape[p].rings[r][i].lon << "," << shape[p].rings[r][i].lat << "]";
      }
      out << "]";
    }
    out << "]";
  }
  out << "]}}]}";
  return out.str();
}

}  // namespace

TEST(ImportSafeguards, MergeRefusesAGridThatOverlapsAStoredGridItDoesNotReplace) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  std::string stored_id;
  MultiPolygon stored_shape;
  svc->snapshot()->for_each_grid([&](GridView g) {
    if (stored_id.empty()) {
      stored_id = std::string(g.id());
      stored_shape = g.geometry();
    }
  });
  ASSERT_FALSE(stored_id.empty());
  const auto sequence = svc->snapshot()->stats().sequence;
  const std::string poles = dir.write("none.csv", "number,lon,lat\n");
  // A new grid drawn over a stored one, which the merge keeps.
  const std::string grids = dir.write("over.geojson", grid_file("CY-NEW-1", stored_shape));
  ImportOptions o;
  o.merge = true;
  for (bool dry_run : {true, false}) {
    o.dry_run = dry_run;
    auto refused = svc->import({poles, grids, ""}, o);
    ASSERT_FALSE(refused) << "dry_run " << dry_run;
    EXPECT_EQ(refused.status().code(), ErrorCode::invalid_input);
    EXPECT_NE(refused.status().message().find("grid 'CY-NEW-1' overlaps stored grid '" + stored_id + "'"),
              std::string::npos)
        << refused.status().message();
    EXPECT_NE(refused.status().message().find("--allow-overlap"), std::string::npos);
    ASSERT_EQ(refused.status().input_errors().size(), 1u);
    EXPECT_EQ(refused.status().input_errors()[0].field, "geometry");
  }
  EXPECT_EQ(svc->snapshot()->stats().sequence, sequence);
  EXPECT_FALSE(svc->snapshot()->grid("CY-NEW-1"));
  // With skip_invalid the grid is a reject and the rest of the merge stands.
  o.dry_run = true;
  o.skip_invalid = true;
  auto skipped = svc->import({poles, grids, ""}, o);
  ASSERT_TRUE(skipped) << skipped.status().message();
  ASSERT_EQ(skipped->rejects.size(), 1u);
  EXPECT_EQ(skipped->diff.grids.added, 0u);
  // Allowed, it is stored and reported.
  o.dry_run = false;
  o.skip_invalid = false;
  o.allow_overlap = true;
  auto allowed = svc->import({poles, grids, ""}, o);
  ASSERT_TRUE(allowed) << allowed.status().message();
  ASSERT_EQ(allowed->overlaps.size(), 1u);
  EXPECT_NE(allowed->overlaps[0].find("overlaps stored grid '" + stored_id + "'"), std::string::npos);
  EXPECT_TRUE(svc->snapshot()->grid("CY-NEW-1"));
}

TEST(ImportSafeguards, MergeChecksAgainstTheGridsAsTheyWillStandNotTheShapesItReplaces) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  std::string stored_id;
  MultiPolygon stored_shape;
  svc->snapshot()->for_each_grid([&](GridView g) {
    if (stored_id.empty()) {
      stored_id = std::string(g.id());
      stored_shape = g.geometry();
    }
  });
  // The stored grid moves a degree east and a new grid takes its old place: no overlap.
  MultiPolygon moved = stored_shape;
  for (Polygon& p : moved) {
    for (Ring& r : p.rings) {
      for (LonLat& q : r) q.lon += 1.0;
    }
  }
  std::string features = grid_file("CY-NEW-1", stored_shape);
  const std::string other = grid_file(stored_id, moved);
  const std::string first_feature = other.substr(other.find("[{") + 1, other.rfind("}]") - other.find("[{"));
  features.insert(features.rfind("]}"), "," + first_feature);
  const std::string poles = dir.write("none.csv", "number,lon,lat\n");
  const std::string grids = dir.write("swap.geojson", features);
  ImportOptions o;
  o.merge = true;
  auto report = svc->import({poles, grids, ""}, o);
  ASSERT_TRUE(report) << report.status().message() << "\n" << features;
  EXPECT_TRUE(report->overlaps.empty());
  EXPECT_EQ(report->diff.grids.added, 1u);
  EXPECT_EQ(report->diff.grids.changed, 1u);
}
