// The spoken-number corpus: tests/data/spoken_cases.tsv (written by hand) run
// against the bundled Tuanjiehu sample and a synthetic city, plus cases made
// from the synthetic city's own poles. Each case asserts its expected pole in
// the top 1 (top 3 for mishearings); absent numbers must get no exact answer.
// The scores of every returned candidate are checked for calibration.
#include "geo/geodesic.hpp"
#include "snapshot_data.hpp"
#include "spoken/chinese_numerals.hpp"
#include "spoken/english_numerals.hpp"
#include "spoken/nato_alphabet.hpp"
#include "spoken/spoken_text.hpp"
#include "synthetic_city.hpp"
#include "test_support.hpp"

#include <poleloc/import.hpp>
#include <poleloc/number.hpp>
#include <poleloc/snapshot.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace poleloc {
namespace {

struct Case {
  int line = 0;
  std::string dataset, query, near, expect, kind;
  std::size_t top = 1;
};

struct Outcome {
  Case c;
  bool pass = false;
  int rank = -1;  // of the expected pole, -1 if absent
  std::string detail;
  std::vector<std::pair<double, bool>> scored;  // (score, right) per candidate
  std::vector<bool> exact;                       // per candidate
};

const Snapshot& sample() {
  static const auto snap = [] {
    const std::string dir = POLELOC_SAMPLE_DIR;
    auto in = read_input({dir + "/poles.csv", dir + "/grids.geojson", dir + "/aliases.csv"}, {});
    EXPECT_TRUE(in.has_value()) << in.status().message();
    Dataset d = in ? std::move(in->dataset) : Dataset{};
    return std::make_unique<Snapshot>(build_snapshot_data(std::move(d.poles), std::move(d.grids), std::move(d.aliases), 1));
  }();
  return *snap;
}

const Dataset& synth_dataset() {
  static const Dataset city = synth::make_city({.grids = 200, .poles = 20000, .seed = 7, .pole_attributes = false});
  return city;
}

const Snapshot& synth_city() {
  static const auto snap = [] {
    Dataset d = synth_dataset();
    return std::make_unique<Snapshot>(build_snapshot_data(std::move(d.poles), std::move(d.grids), std::move(d.aliases), 1));
  }();
  return *snap;
}

std::vector<Case> load_cases() {
  const auto rows = fixtures::read_tsv(std::string(POLELOC_TEST_DATA_DIR) + "/spoken_cases.tsv");
  EXPECT_FALSE(rows.empty()) << "cannot read spoken_cases.tsv";
  std::vector<Case> cases;
  for (const auto& [n, f] : rows) {
    EXPECT_EQ(f.size(), 6u) << "spoken_cases.tsv:" << n << ": expected 6 tab-separated columns";
    if (f.size() != 6) continue;
    cases.push_back({n, f[0], f[1], f[2], f[3], f[5], static_cast<std::size_t>(std::stoul(f[4]))});
  }
  return cases;
}

// "@NUMBER+M": M metres from the pole, on a bearing that varies from case to case.
std::optional<LonLat> parse_near(const Snapshot& snap, const Case& c) {
  if (c.near == "-" || c.near.empty()) return std::nullopt;
  if (c.near[0] == '@') {
    const auto plus = c.near.find('+');
    const std::string number = c.near.substr(1, plus == std::string::npos ? std::string::npos : plus - 1);
    const double m = plus == std::string::npos ? 0 : std::stod(c.near.substr(plus + 1));
    auto pole = snap.locate(number);
    EXPECT_TRUE(pole.has_value()) << "line " << c.line << ": no pole " << number << " for near";
    if (!pole) return std::nullopt;
    const LonLat p = pole->position();
    const double bearing = std::fmod(c.line * 137.508, 360.0) * 3.141592653589793 / 180;
    const geo::DegreeScale s = geo::degree_scale(p.lat);
    return LonLat{p.lon + m * std::sin(bearing) / s.m_per_deg_lon, p.lat + m * std::cos(bearing) / s.m_per_deg_lat};
  }
  LonLat p;
  if (std::sscanf(c.near.c_str(), "%lf,%lf", &p.lon, &p.lat) != 2) ADD_FAILURE() << "line " << c.line << ": bad near";
  return p;
}

Outcome run_case(const Snapshot& snap, const Case& c) {
  Outcome o{c};
  ResolveOptions opt;
  opt.near = parse_near(snap, c);
  opt.limit = std::max<std::size_t>(5, c.top);
  auto r = snap.resolve(c.query, opt);
  if (!r) {
    o.detail = "error: " + r.status().message();
    return o;
  }
  std::ostringstream got;
  bool any_exact = false;
  for (std::size_t i = 0; i < r->size(); ++i) {
    const Candidate& k = (*r)[i];
    const bool right = k.pole.number() == c.expect;
    if (right) o.rank = static_cast<int>(i);
    any_exact |= k.match == MatchKind::exact;
    o.scored.emplace_back(k.score, right);
    o.exact.push_back(k.match == MatchKind::exact);
    got << (i ? ", " : "") << k.pole.number() << (k.match == MatchKind::exact ? "=" : "~") << k.score;
  }
  if (c.expect == "none") {
    o.pass = !any_exact;
  } else {
    EXPECT_TRUE(snap.locate(c.expect).has_value()) << "line " << c.line << ": " << c.expect << " is not in " << c.dataset;
    o.pass = o.rank >= 0 && static_cast<std::size_t>(o.rank) < c.top;
  }
  o.detail = got.str();
  return o;
}

// --- cases made from the synthetic city's poles -----------------------------

std::string chinese_digits(std::string_view digits) {
  std::string s;
  for (char c : digits) s.append(spoken::chinese_digit(c - '0'));
  return s;
}

std::string radio_digits(std::string_view digits) {
  std::string s;
  for (char c : digits) s.append(spoken::radio_digit(c - '0'));
  return s;
}

// 372 -> 三百七十二, 1005 -> 一千零五, 15 -> 十五, 2000 -> 两千 (values below 10,000).
std::string chinese_cardinal(int v) {
  static constexpr std::string_view kUnit[4] = {"", "十", "百", "千"};
  if (v == 0) return "零";
  if (v >= 10 && v < 20) return std::string("十") + (v % 10 ? std::string(spoken::chinese_digit(v % 10)) : "");
  std::string s;
  bool zero_pending = false;
  for (int place = 3; place >= 0; --place) {
    int p = 1;
    for (int k = 0; k < place; ++k) p *= 10;
    const int d = (v / p) % 10;
    if (d == 0) {
      zero_pending = !s.empty();
      continue;
    }
    if (zero_pending) s.append("零");
    zero_pending = false;
    s.append((d == 2 && place >= 2) ? "两" : spoken::chinese_digit(d));
    s.append(kUnit[place]);
  }
  return s;
}

// Pairs as people say them: 0372 -> "oh three seventy two", 1234 -> "twelve thirty four".
std::string english_grouped(std::string_view serial) {
  static constexpr std::string_view kTeen[10] = {"ten", "eleven", "twelve", "thirteen", "fourteen",
                                                 "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  static constexpr std::string_view kTens[10] = {"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
                                                 "eighty", "ninety"};
  std::string s;
  auto word = [&s](std::string_view w) {
    if (!s.empty()) s.push_back(' ');
    s.append(w);
  };
  std::size_t i = 0;
  if (serial.size() % 2 == 1) word(spoken::english_digit_word(serial[i++] - '0'));
  for (; i + 1 < serial.size(); i += 2) {
    const int a = serial[i] - '0', b = serial[i + 1] - '0';
    if (a == 0) {
      word("oh");
      word(spoken::english_digit_word(b));
    } else if (a == 1) {
      word(kTeen[b]);
    } else {
      word(kTens[a]);
      if (b) word(spoken::english_digit_word(b));
    }
  }
  return s;
}

std::string nato(std::string_view code) {
  std::string s;
  for (char c : code) {
    if (!s.empty()) s.push_back(' ');
    s.append(spoken::nato_word(c));
  }
  return s;
}

// A likely mishearing of `serial` (yi/qi, liu/jiu, else two neighbours swapped),
// or empty when the serial has none.
std::string misheard(std::string serial) {
  static constexpr std::pair<char, char> kSwaps[] = {{'7', '1'}, {'1', '7'}, {'6', '9'}, {'9', '6'}};
  for (auto [from, to] : kSwaps) {
    const auto at = serial.find(from, serial.find_first_not_of('0'));
    if (at != std::string::npos) {
      serial[at] = to;
      return serial;
    }
  }
  for (std::size_t i = serial.find_first_not_of('0'); i + 1 < serial.size(); ++i) {
    if (serial[i] != serial[i + 1]) {
      std::swap(serial[i], serial[i + 1]);
      return serial;
    }
  }
  return {};
}

std::vector<Case> generated_cases() {
  const Dataset& city = synth_dataset();
  std::map<std::string, std::string> name_of;  // code -> Chinese name (shortest)
  for (const AliasRecord& a : city.aliases) {
    if (!spoken::has_cjk(a.alias)) continue;
    auto& n = name_of[a.code];
    if (n.empty() || a.alias.size() < n.size()) n = a.alias;
  }
  std::vector<Case> cases;
  int line = 100000;
  const std::size_t n = city.poles.size();
  for (std::size_t i = 0; i < 40; ++i) {
    const std::string& number = city.poles[(i * 7919 + 13) % n].number;
    const NumberParts parts = split_number(number);
    const std::string code(parts.area), serial(parts.serial);
    const std::string short_serial(serial.substr(serial.find_first_not_of('0')));
    const std::string& zh = name_of[code];
    const std::string at = "@" + number + "+" + std::to_string(20 + (i * 13) % 60);
    auto add = [&](std::string query, std::string near, std::size_t top, std::string kind) {
      cases.push_back({line++, "synth", std::move(query), std::move(near), number, std::move(kind), top});
    };
    switch (i % 4) {
      case 0: add(zh + chinese_digits(short_serial) + "号", "-", 1, "gen_chinese_digits"); break;
      case 1: add(zh + radio_digits(serial), "-", 1, "gen_radio"); break;
      case 2: add(zh + chinese_cardinal(std::stoi(serial)), "-", 1, "gen_cardinal"); break;
      case 3: add(nato(code) + " " + english_grouped(serial), "-", 1, "gen_english"); break;
    }
    add("我在" + zh + "街道" + chinese_digits(serial) + "号电线杆旁边，有人晕倒了", "-", 1, "gen_sentence");
    add(chinese_digits(short_serial) + "号电线杆", at, 1, "gen_no_area_near");
    add("pole " + english_grouped(serial), at, 1, "gen_no_area_near");
    // A poor caller location (network-based, 400 m off) must not outvote a number read right.
    add(zh + chinese_digits(short_serial) + "号", "@" + number + "+400", 1, "gen_exact_poor_location");
    if (const std::string heard = misheard(serial); !heard.empty()) {
      add(zh + chinese_digits(heard.substr(heard.find_first_not_of('0'))), at, 3, "gen_misheard_near");
    }
  }
  return cases;
}

const std::vector<Outcome>& outcomes() {
  static const std::vector<Outcome> all = [] {
    std::vector<Outcome> out;
    for (const Case& c : load_cases()) out.push_back(run_case(c.dataset == "synth" ? synth_city() : sample(), c));
    for (const Case& c : generated_cases()) out.push_back(run_case(synth_city(), c));
    return out;
  }();
  return all;
}

TEST(SpokenCorpus, HasAtLeastTwoHundredHandWrittenCasesOnBothDatasets) {
  const auto cases = load_cases();
  EXPECT_GE(cases.size(), 200u);
  std::size_t synth = 0;
  for (const Case& c : cases) synth += c.dataset == "synth";
  EXPECT_GE(synth, 30u);
  EXPECT_GE(cases.size() - synth, 150u);
}

TEST(SpokenCorpus, EveryCaseFindsItsPoleAtTheExpectedRank) {
  for (const Outcome& o : outcomes()) {
    EXPECT_TRUE(o.pass) << o.c.dataset << " line " << o.c.line << " [" << o.c.kind << "] \"" << o.c.query
                        << "\" near " << o.c.near << ": want " << o.c.expect << " in top " << o.c.top << ", got "
                        << o.detail;
  }
}

TEST(SpokenCorpus, AbsentNumbersAreNeverExact) {
  std::size_t absent = 0;
  for (const Outcome& o : outcomes()) {
    if (o.c.expect != "none") continue;
    ++absent;
    EXPECT_TRUE(o.pass) << "line " << o.c.line << " \"" << o.c.query << "\": " << o.detail;
  }
  EXPECT_GE(absent, 15u);
}

TEST(SpokenCorpus, TopOneAndTopThreeRates) {
  std::map<std::string, std::pair<int, int>> by_kind;  // kind -> (pass, total)
  int top1 = 0, top1_n = 0, misheard3 = 0, misheard_n = 0;
  for (const Outcome& o : outcomes()) {
    auto& k = by_kind[o.c.kind];
    k.first += o.pass;
    ++k.second;
    if (o.c.expect == "none") continue;
    if (o.c.kind.find("misheard") != std::string::npos) {
      ++misheard_n;
      misheard3 += o.rank >= 0 && o.rank < 3;
    } else if (o.c.top == 1) {
      ++top1_n;
      top1 += o.rank == 0;
    }
  }
  for (const auto& [kind, pt] : by_kind) std::printf("  %-22s %3d / %3d\n", kind.c_str(), pt.first, pt.second);
  std::printf("  top-1: %d / %d = %.3f; misheard in top-3: %d / %d = %.3f\n", top1, top1_n,
              static_cast<double>(top1) / top1_n, misheard3, misheard_n, static_cast<double>(misheard3) / misheard_n);
  EXPECT_GT(static_cast<double>(top1) / top1_n, 0.95);
  EXPECT_GT(static_cast<double>(misheard3) / misheard_n, 0.9);
}

// Of the candidates scored about s, about s are the pole the caller meant.
// POLELOC_CORPUS_SCORES=FILE writes "score, right, kind, query, match, near" per candidate, the input
// for refitting the calibration in lib/src/query/resolve.cpp.
TEST(SpokenCorpus, ScoresAreCalibrated) {
  if (const char* path = std::getenv("POLELOC_CORPUS_SCORES")) {
    std::ofstream dump(path);
    for (const Outcome& o : outcomes()) {
      for (std::size_t i = 0; i < o.scored.size(); ++i) {
        dump << o.scored[i].first << '\t' << o.scored[i].second << '\t' << o.c.kind << '\t' << o.c.query << '\t'
             << (o.exact[i] ? "exact" : "fuzzy") << '\t' << (o.c.near == "-" ? "far" : "near") << '\n';
      }
    }
  }
  constexpr int kBuckets = 10;
  std::vector<double> sum(kBuckets), right(kBuckets);
  std::vector<int> count(kBuckets);
  for (const Outcome& o : outcomes()) {
    for (auto [score, ok] : o.scored) {
      const int b = std::min(kBuckets - 1, static_cast<int>(score * kBuckets));
      sum[b] += score;
      right[b] += ok;
      ++count[b];
    }
  }
  std::printf("  bucket      n   mean score   fraction right\n");
  for (int b = 0; b < kBuckets; ++b) {
    if (count[b] == 0) continue;
    const double mean = sum[b] / count[b], frac = right[b] / count[b];
    std::printf("  %.1f-%.1f %5d   %.3f        %.3f\n", b / 10.0, (b + 1) / 10.0, count[b], mean, frac);
    // Buckets too small to say anything are only printed; the others must agree
    // within 0.12 plus two standard errors of a bucket of that size.
    if (count[b] >= 20) {
      const double tolerance = 0.12 + 2 * std::sqrt(mean * (1 - mean) / count[b]);
      EXPECT_NEAR(frac, mean, tolerance) << "bucket " << b / 10.0 << "-" << (b + 1) / 10.0 << " (" << count[b] << " candidates)";
    }
  }
}

}  // namespace
}  // namespace poleloc
