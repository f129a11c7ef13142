// The caller corpus: tests/data/caller_cases.tsv, realistic hotline transcripts
// and speech-recogniser output (issue 8), run against the bundled Tuanjiehu
// sample and a synthetic city with community-named grids. It measures what a
// dispatcher relies on: the pole the caller meant comes first (within the first
// `top` where the reading is genuinely ambiguous), no wrong pole is ever called
// exact, and numbers no pole carries get no exact answer.
//
// Prints a table per category (cases, top-1, top-3, false-exact, pass) and a
// reliability table (score bucket -> share of candidates that were right).
// POLELOC_CORPUS_SCORES=FILE writes one line per returned candidate:
// "score <tab> right <tab> match <tab> category <tab> dataset <tab> query", the
// input for calibrating scores (fit on other data, not on this corpus).
#include "geo/geodesic.hpp"
#include "snapshot_data.hpp"
#include "synthetic_city.hpp"
#include "test_support.hpp"

#include <poleloc/geo.hpp>
#include <poleloc/import.hpp>
#include <poleloc/snapshot.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace poleloc {
namespace {

const std::vector<std::string> kCategories{"community", "long_form",  "soundalike", "repeat_correct", "other_numbers",
                                           "digit_spellings", "no_number", "location", "absent", "clean"};

struct Case {
  int line = 0;
  std::string dataset, query, near, accuracy, expect, category;
  std::size_t top = 1;
};

struct Outcome {
  const Case* c = nullptr;
  bool error = false;
  int rank = -1;             // first right candidate, -1 if none
  bool pass = false;         // within the first `top` (none / grid: as defined below)
  bool false_exact = false;  // a wrong candidate called exact with score >= 0.5, or any exact for none / grid:
  double score_sum = 0;
  std::vector<std::pair<double, bool>> scored;  // (score, right) per candidate
  std::vector<MatchKind> match;
  std::string detail;
};

std::unique_ptr<Snapshot> snapshot_of(Dataset d) {
  return std::make_unique<Snapshot>(build_snapshot_data(std::move(d.poles), std::move(d.grids), std::move(d.aliases), 1));
}

const Snapshot& sample() {
  static const auto snap = [] {
    const std::string dir = POLELOC_SAMPLE_DIR;
    auto in = read_input({dir + "/poles.csv", dir + "/grids.geojson", dir + "/aliases.csv"}, {});
    EXPECT_TRUE(in.has_value()) << in.status().message();
    return snapshot_of(in ? std::move(in->dataset) : Dataset{});
  }();
  return *snap;
}

// The community city of the corpus header: poleloc synth --grids 200 --poles 20000 --seed 11 --community-names.
const Snapshot& community() {
  static const auto snap = snapshot_of(synth::make_city(
      {.grids = 200, .poles = 20000, .seed = 11, .pole_attributes = false, .community_names = true}));
  return *snap;
}

const Snapshot& snapshot_for(const Case& c) { return c.dataset == "sample" ? sample() : community(); }

const std::vector<Case>& cases() {
  static const std::vector<Case> all = [] {
    const auto rows = fixtures::read_tsv(std::string(POLELOC_TEST_DATA_DIR) + "/caller_cases.tsv");
    EXPECT_FALSE(rows.empty()) << "cannot read caller_cases.tsv";
    std::vector<Case> out;
    for (const auto& [n, f] : rows) {
      if (f.size() != 7) {
        ADD_FAILURE() << "caller_cases.tsv:" << n << ": expected 7 tab-separated columns, got " << f.size();
        continue;
      }
      const std::size_t top = f[5] == "3" ? 3 : 1;
      if (f[5] != "1" && f[5] != "3") ADD_FAILURE() << "caller_cases.tsv:" << n << ": top must be 1 or 3";
      out.push_back({n, f[0], f[1], f[2], f[3], f[4], f[6], top});
    }
    return out;
  }();
  return all;
}

// The caller location of a case in its CRS: "lon,lat" or "@NUMBER+M" (M metres
// from that pole, on a bearing that varies from line to line), optionally
// prefixed "gcj02:" or "bd09:". For "@" forms the WGS84 point is converted
// into that CRS, as a phone app would report it.
struct Near {
  LonLat at;
  LocationCrs crs = LocationCrs::wgs84;
};

std::optional<Near> parse_near(const Snapshot& snap, const Case& c) {
  if (c.near == "-" || c.near.empty()) return std::nullopt;
  Near out;
  std::string text = c.near;
  for (auto [prefix, crs] : {std::pair{"gcj02:", LocationCrs::gcj02}, std::pair{"bd09:", LocationCrs::bd09}}) {
    if (text.rfind(prefix, 0) == 0) {
      out.crs = crs;
      text = text.substr(std::string(prefix).size());
    }
  }
  if (text[0] == '@') {
    const auto plus = text.find('+');
    const std::string number = text.substr(1, plus == std::string::npos ? std::string::npos : plus - 1);
    const double m = plus == std::string::npos ? 0 : std::stod(text.substr(plus + 1));
    auto pole = snap.locate(number);
    if (!pole) {
      ADD_FAILURE() << "caller_cases.tsv:" << c.line << ": no pole " << number << " for near";
      return std::nullopt;
    }
    const LonLat p = pole->position();
    const double bearing = std::fmod(c.line * 137.508, 360.0) * 3.141592653589793 / 180;
    const geo::DegreeScale s = geo::degree_scale(p.lat);
    LonLat wgs{p.lon + m * std::sin(bearing) / s.m_per_deg_lon, p.lat + m * std::cos(bearing) / s.m_per_deg_lat};
    if (out.crs == LocationCrs::gcj02) wgs = wgs84_to_gcj02(wgs);
    if (out.crs == LocationCrs::bd09) wgs = gcj02_to_bd09(wgs84_to_gcj02(wgs));
    out.at = wgs;
    return out;
  }
  if (std::sscanf(text.c_str(), "%lf,%lf", &out.at.lon, &out.at.lat) != 2) {
    ADD_FAILURE() << "caller_cases.tsv:" << c.line << ": bad near " << c.near;
    return std::nullopt;
  }
  return out;
}

bool expects_pole(const Case& c) { return c.expect != "none" && c.expect.rfind("grid:", 0) != 0; }

Outcome run(const Case& c) {
  Outcome o;
  o.c = &c;
  const Snapshot& snap = snapshot_for(c);
  ResolveOptions opt;
  if (auto near = parse_near(snap, c)) {
    opt.near = near->at;
    opt.near_crs = near->crs;
  }
  if (c.accuracy != "-") opt.near_accuracy_m = std::stod(c.accuracy);
  opt.limit = std::max<std::size_t>(5, c.top);
  auto r = snap.resolve(c.query, opt);
  if (!r) {
    o.error = true;
    o.detail = "error: " + r.status().message();
    return o;
  }
  const bool grid_case = c.expect.rfind("grid:", 0) == 0;
  const std::string grid_id = grid_case ? c.expect.substr(5) : "";
  std::ostringstream got;
  bool any_exact = false;
  for (std::size_t i = 0; i < r->size(); ++i) {
    const Candidate& k = (*r)[i];
    bool right = false;
    if (grid_case) {
      const auto g = k.pole.grid();
      right = g && g->id() == grid_id;
    } else if (expects_pole(c)) {
      right = k.pole.number() == c.expect;
    }
    const bool exact = k.match == MatchKind::exact;
    any_exact |= exact;
    if (right && o.rank < 0) o.rank = static_cast<int>(i);
    if (expects_pole(c) && exact && !right && k.score >= 0.5) o.false_exact = true;
    o.score_sum += k.score;
    o.scored.emplace_back(k.score, right);
    o.match.push_back(k.match);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", k.score);
    got << (i ? ", " : "") << k.pole.number() << (exact ? "=" : k.match == MatchKind::nearby ? "@" : "~") << buf;
  }
  if (!expects_pole(c)) o.false_exact = any_exact;
  if (c.expect == "none") {
    o.pass = !any_exact;
  } else if (grid_case) {
    o.pass = o.rank == 0 && !any_exact;
  } else {
    o.pass = o.rank >= 0 && static_cast<std::size_t>(o.rank) < c.top;
  }
  o.detail = r->empty() ? "no candidates" : got.str();
  return o;
}

const std::vector<Outcome>& outcomes() {
  static const std::vector<Outcome> all = [] {
    std::vector<Outcome> out;
    for (const Case& c : cases()) out.push_back(run(c));
    return out;
  }();
  return all;
}

struct Tally {
  int cases = 0, top1 = 0, top3 = 0, false_exact = 0, pass = 0;
  double rate() const { return cases ? static_cast<double>(pass) / cases : 0; }
};

std::map<std::string, Tally> tallies() {
  std::map<std::string, Tally> t;
  for (const Outcome& o : outcomes()) {
    for (const std::string& key : {o.c->category, std::string("overall")}) {
      Tally& x = t[key];
      ++x.cases;
      // For none / grid: top-1 and top-3 mean "passed": nothing exact (and the right grid first).
      const bool pole = expects_pole(*o.c);
      x.top1 += pole ? o.rank == 0 : o.pass;
      x.top3 += pole ? (o.rank >= 0 && o.rank < 3) : o.pass;
      x.false_exact += o.false_exact;
      x.pass += o.pass;
    }
  }
  return t;
}

void print_table() {
  static bool printed = false;
  if (printed) return;
  printed = true;
  const auto t = tallies();
  std::printf("  %-16s %6s %7s %7s %12s %7s\n", "category", "cases", "top-1", "top-3", "false-exact", "pass");
  for (const std::string& k : kCategories) {
    if (!t.count(k)) continue;
    const Tally& x = t.at(k);
    std::printf("  %-16s %6d %7.3f %7.3f %12d %7.3f\n", k.c_str(), x.cases, static_cast<double>(x.top1) / x.cases,
                static_cast<double>(x.top3) / x.cases, x.false_exact, x.rate());
  }
  if (t.count("overall")) {
    const Tally& x = t.at("overall");
    std::printf("  %-16s %6d %7.3f %7.3f %12d %7.3f\n", "overall", x.cases, static_cast<double>(x.top1) / x.cases,
                static_cast<double>(x.top3) / x.cases, x.false_exact, x.rate());
  }
}

std::string describe(const Outcome& o) {
  const Case& c = *o.c;
  return "caller_cases.tsv:" + std::to_string(c.line) + " [" + c.category + "] " + c.dataset + " \"" + c.query +
         "\" near " + c.near + " ±" + c.accuracy + ": want " + c.expect + (c.top > 1 ? " in top 3" : "") + ", got " +
         o.detail;
}

TEST(CallerCorpus, HasAtLeast650CasesAndFortyInEveryCategoryOnBothDatasets) {
  EXPECT_GE(cases().size(), 650u);
  std::map<std::string, int> per;
  std::set<std::string> datasets;
  for (const Case& c : cases()) {
    ++per[c.category];
    datasets.insert(c.dataset);
    EXPECT_TRUE(c.dataset == "sample" || c.dataset == "community") << "line " << c.line << ": dataset " << c.dataset;
    EXPECT_NE(std::find(kCategories.begin(), kCategories.end(), c.category), kCategories.end())
        << "line " << c.line << ": unknown category " << c.category;
  }
  for (const std::string& k : kCategories) EXPECT_GE(per[k], 40) << k;
  EXPECT_EQ(datasets, (std::set<std::string>{"sample", "community"}));
}

// A case must name real things, or it measures nothing: expected poles and grids
// exist, the poles named in "near" exist, and a grid case's location lies in that grid.
TEST(CallerCorpus, EveryCaseNamesPolesAndGridsThatExist) {
  for (const Case& c : cases()) {
    const Snapshot& snap = snapshot_for(c);
    if (expects_pole(c)) {
      EXPECT_TRUE(snap.locate(c.expect).has_value()) << "line " << c.line << ": no pole " << c.expect;
    }
    const auto near = parse_near(snap, c);
    if (c.expect.rfind("grid:", 0) == 0) {
      ASSERT_TRUE(near.has_value()) << "line " << c.line << ": a grid case needs a caller location";
      LonLat wgs = near->at;
      if (near->crs != LocationCrs::wgs84) {
        ResolveOptions opt;
        opt.near = near->at;
        opt.near_crs = near->crs;
        wgs = *opt.near_wgs84();
      }
      const auto g = snap.grid_at(wgs);
      ASSERT_TRUE(g.has_value()) << "line " << c.line << ": caller outside every grid";
      EXPECT_EQ(g->id(), c.expect.substr(5)) << "line " << c.line;
    }
    if (c.accuracy != "-") {
      EXPECT_GT(std::stod(c.accuracy), 0) << "line " << c.line;
      EXPECT_TRUE(near.has_value()) << "line " << c.line << ": accuracy without a location";
    }
  }
}

TEST(CallerCorpus, TopRateIsAtLeast95PercentOverallAnd90PercentInEveryCategory) {
  print_table();
  for (const Outcome& o : outcomes()) {
    if (!o.pass) std::printf("  FAIL %s\n", describe(o).c_str());
  }
  const auto t = tallies();
  EXPECT_GE(t.at("overall").rate(), 0.95) << "overall";
  for (const std::string& k : kCategories) {
    if (t.count(k)) {
      EXPECT_GE(t.at(k).rate(), 0.90) << k;
    }
  }
}

TEST(CallerCorpus, NoWrongPoleIsCalledExact) {
  print_table();
  int n = 0;
  for (const Outcome& o : outcomes()) {
    if (o.error) ADD_FAILURE() << describe(o);
    if (!o.false_exact) continue;
    ++n;
    std::printf("  FALSE-EXACT %s\n", describe(o).c_str());
  }
  EXPECT_EQ(n, 0) << "candidates wrongly called exact (see the FALSE-EXACT lines)";
}

// Scores are probabilities over the candidates of one query: each in [0, 1],
// together at most 1. The reliability table shows how well they are calibrated.
TEST(CallerCorpus, ScoresAreProbabilitiesAndTheirReliabilityIsReported) {
  if (const char* path = std::getenv("POLELOC_CORPUS_SCORES")) {
    std::ofstream dump(path);
    for (const Outcome& o : outcomes()) {
      for (std::size_t i = 0; i < o.scored.size(); ++i) {
        dump << o.scored[i].first << '\t' << o.scored[i].second << '\t' << match_kind_name(o.match[i]) << '\t'
             << o.c->category << '\t' << o.c->dataset << '\t' << o.c->query << '\n';
      }
    }
    EXPECT_TRUE(dump.good()) << "cannot write " << path;
  }
  constexpr int kBuckets = 10;
  std::vector<int> count(kBuckets), right(kBuckets);
  std::vector<double> sum(kBuckets);
  int over_one = 0;
  // `nearby` answers (no number heard) are left out of the table: every pole in
  // the caller's grid is right there, so their scores say which pole the caller
  // stands at, not whether the grid is right.
  int nearby = 0, nearby_right = 0;
  for (const Outcome& o : outcomes()) {
    for (std::size_t i = 0; i < o.scored.size(); ++i) {
      const auto [score, ok] = o.scored[i];
      EXPECT_GE(score, 0.0) << describe(o);
      EXPECT_LE(score, 1.0) << describe(o);
      if (o.match[i] == MatchKind::nearby) {
        ++nearby;
        nearby_right += ok;
        continue;
      }
      const int b = std::clamp(static_cast<int>(score * kBuckets), 0, kBuckets - 1);
      ++count[b];
      right[b] += ok;
      sum[b] += score;
    }
    if (o.score_sum > 1.0 + 1e-6) ++over_one;
  }
  std::printf("  score bucket  candidates  mean score  share correct\n");
  for (int b = 0; b < kBuckets; ++b) {
    if (count[b] == 0) {
      std::printf("  %.1f-%.1f %12d           -              -\n", b / 10.0, (b + 1) / 10.0, 0);
      continue;
    }
    std::printf("  %.1f-%.1f %12d       %.3f          %.3f\n", b / 10.0, (b + 1) / 10.0, count[b], sum[b] / count[b],
                static_cast<double>(right[b]) / count[b]);
  }
  std::printf("  nearby answers (no number heard): %d, in the caller's grid: %d\n", nearby, nearby_right);
  std::printf("  queries whose scores sum to more than 1: %d of %zu\n", over_one, outcomes().size());
  EXPECT_EQ(over_one, 0) << "scores of one query must sum to at most 1";
}

}  // namespace
}  // namespace poleloc
