// resolve(): spoken text -> ranked candidates, on synthetic cities of 20,000
// and 2,000,000 poles, over a mix of the queries dispatchers actually get.
//
//   ./build/release/bench/resolve_bench --benchmark_counters_tabular=true
//
// Counters: p50_us / p99_us per query (each call timed on its own), and the
// memory of the decoding structures (the alias table with its serial-width
// cache; resolve keeps nothing per pole) per pole. The number index it looks
// numbers up in belongs to the core and is reported beside it for context.
#include "snapshot_data.hpp"
#include "spoken/chinese_numerals.hpp"
#include "spoken/english_numerals.hpp"
#include "query/resolve.hpp"
#include "synthetic_city.hpp"

#include <poleloc/number.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace poleloc;

struct Query {
  std::string text;
  ResolveOptions options;
};

struct City {
  std::unique_ptr<SnapshotData> data;
  std::vector<Query> queries;
  double build_s = 0;  // build_snapshot_data, seconds
};

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

std::string english_digits(std::string_view digits) {
  std::string s;
  for (char c : digits) s.append(s.empty() ? "" : " ").append(spoken::english_digit_word(c - '0'));
  return s;
}

std::string nato(std::string_view code) {
  static constexpr std::string_view kWords[26] = {
      "alfa", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett", "kilo", "lima", "mike",
      "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray",
      "yankee", "zulu"};
  std::string s;
  for (char c : code) s.append(s.empty() ? "" : " ").append(kWords[c - 'A']);
  return s;
}

// The community name of the grid a pole is in ("水碓子" of "水碓子社区网格"), or "".
std::string community_of(const Dataset& city, const PoleRecord& pole) {
  static std::map<const Dataset*, std::unique_ptr<index::GridIndex>> indexes;
  auto& idx = indexes[&city];
  if (!idx) {
    std::vector<const MultiPolygon*> geometries;
    for (const GridRecord& g : city.grids) geometries.push_back(&g.geometry);
    idx = std::make_unique<index::GridIndex>();
    idx->build(geometries);
  }
  auto g = idx->find(pole.position);
  if (!g) return {};
  const std::string& name = city.grids[*g].name;
  const std::string suffix = "社区网格";
  if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return {};
  return name.substr(0, name.size() - suffix.size());
}

// The name with its first character written as another of the same sound,
// as a recogniser does (水 -> 谁); the name itself when no such character is known.
std::string sound_alike(const std::string& name) {
  static const std::map<std::string, std::string> kSwaps = {
      {"水", "谁"}, {"白", "拜"}, {"团", "湍"}, {"金", "今"}, {"红", "洪"}, {"六", "陆"}, {"八", "巴"}, {"三", "叁"},
      {"农", "浓"}, {"延", "言"}, {"枣", "早"}, {"松", "送"}, {"清", "青"}, {"永", "勇"}, {"龙", "笼"}, {"双", "霜"}};
  for (const auto& [from, to] : kSwaps) {
    if (name.compare(0, from.size(), from) == 0) return to + name.substr(from.size());
  }
  return name;
}

// One query of each kind per sampled pole, about a third with a caller location
// a few tens of metres off the pole.
std::vector<Query> make_queries(const Dataset& city, std::size_t poles) {
  std::map<std::string, std::string> name_of;
  for (const AliasRecord& a : city.aliases) {
    if (static_cast<unsigned char>(a.alias[0]) < 0x80) continue;
    auto& n = name_of[a.code];
    if (n.empty() || a.alias.size() < n.size()) n = a.alias;
  }
  std::vector<Query> out;
  const std::size_t n = city.poles.size();
  for (std::size_t i = 0; i < poles; ++i) {
    const PoleRecord& pole = city.poles[(i * 104729 + 7) % n];
    const NumberParts parts = split_number(pole.number);
    const std::string code(parts.area), serial(parts.serial);
    const std::string short_serial = serial.substr(serial.find_first_not_of('0'));
    const std::string& zh = name_of[code];
    ResolveOptions near;
    near.near = LonLat{pole.position.lon + 0.0002, pole.position.lat + 0.0001};
    std::string misheard = short_serial;
    if (misheard.size() >= 2) std::reverse(misheard.end() - 2, misheard.end());
    else misheard = misheard == "9" ? "8" : std::string(1, static_cast<char>(misheard[0] + 1));  // one digit: the next
    // Community-named cities: how residents say it (the grid's community, a
    // sound-alike first character, a correction, a building number beside it).
    const std::string community = community_of(city, pole);
    if (!community.empty() && i % 20 >= 16) {
      switch (i % 20) {
        case 16: out.push_back({community + "小区" + chinese_digits(short_serial) + "号", {}}); break;
        case 17: out.push_back({sound_alike(community) + "那边，杆号" + chinese_digits(short_serial), {}}); break;
        case 18: out.push_back({zh + chinese_digits(misheard) + "，不对，" + chinese_digits(short_serial), {}}); break;
        case 19: out.push_back({"我在" + community + "3号楼下面，电线杆上写着" + chinese_digits(short_serial), near}); break;
      }
      continue;
    }
    switch (i % 10) {
      case 0: out.push_back({pole.number, {}}); break;
      case 1: out.push_back({zh + chinese_digits(short_serial) + "号", {}}); break;
      case 2: out.push_back({"我在" + zh + "街道" + chinese_digits(short_serial) + "号电线杆旁边，有人晕倒了", {}}); break;
      case 3: out.push_back({zh + radio_digits(serial), near}); break;
      case 4: out.push_back({nato(code) + " " + english_digits(serial), {}}); break;
      case 5: out.push_back({chinese_digits(short_serial) + "号电线杆", near}); break;  // no area, location
      case 6: out.push_back({zh + chinese_digits(misheard), near}); break;              // misheard, location
      case 7: out.push_back({"路灯不亮了，杆子上写着" + zh + chinese_digits(serial), near}); break;
      case 8: out.push_back({zh + "九万九千九百九十九号", {}}); break;                     // absent number
      case 9: out.push_back({code + " " + short_serial, near}); break;
    }
  }
  return out;
}

// City 4: every grid named after its community (the generator runs out of
// community names after about a thousand and numbers the rest, 刘家窑第1234区),
// and a Chinese street name for every area code, as a city numbering its
// poles by street side would list them: about 20,000 nameable grids and
// 80,000 aliases, many starting with the same character.
void name_every_grid_and_street(Dataset& d) {
  static const std::vector<std::string> kChars = {"东", "西", "南", "北", "中", "新", "老", "大", "小", "上",
                                                  "下", "前", "后", "左", "右", "内", "外", "高", "长", "安",
                                                  "和", "平", "光", "明", "华", "兴", "福", "春", "秋", "朝"};
  std::vector<std::string> communities;
  for (const GridRecord& g : d.grids) {
    if (g.name.find("第") == std::string::npos) communities.push_back(g.name);
  }
  std::size_t renamed = 0;
  for (GridRecord& g : d.grids) {
    if (g.name.find("第") == std::string::npos || communities.empty()) continue;
    const std::size_t i = renamed++;
    const std::size_t n = kChars.size();
    g.name = kChars[i % n] + kChars[(i / n) % n] + communities[i % communities.size()];
  }
  std::vector<std::string> codes;
  for (const PoleRecord& p : d.poles) {
    std::string code = p.number.substr(0, p.number.find_first_of("0123456789"));
    if (codes.empty() || codes.back() != code) codes.push_back(std::move(code));
  }
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  static const std::vector<std::string> kKinds = {"路", "街", "胡同", "巷", "里"};
  const std::size_t n = kChars.size();
  for (std::size_t i = 0; i < codes.size(); ++i) {
    std::string name = kChars[(i * 7) % n] + kChars[(i / n) % n];
    if (i >= n * n) name += kChars[(i / (n * n)) % n];
    d.aliases.push_back({name + kKinds[(i / (n * n * n)) % kKinds.size()], codes[i]});
  }
}

City& city(int which) {
  static std::map<int, City> cities;
  auto it = cities.find(which);
  if (it != cities.end()) return it->second;
  // 0: small city, 1: large city, 2: large city with community-named grids (gazetteer and sound matching on),
  // 3: large city with about 100,000 area codes (one per street side or lane), 4: both, with every grid
  // named after its community and a Chinese street name per code (name_every_grid_and_street).
  synth::CityOptions options = which == 0 ? synth::CityOptions{.grids = 200, .poles = 20000, .seed = 7}
                                          : synth::CityOptions{.grids = 20000, .poles = 2000000, .seed = 7};
  options.community_names = which == 2 || which == 4;
  if (which == 3 || which == 4) options.area_codes = 100000;
  options.pole_attributes = false;
  Dataset d = synth::make_city(options);
  if (which == 4) name_every_grid_and_street(d);
  City c;
  c.queries = make_queries(d, 2000);
  const auto t0 = std::chrono::steady_clock::now();
  // (The places of places.csv only in city 4: the rows of cities 0-3 stay comparable with their history.)
  if (which != 4) d.places.clear();
  c.data = build_snapshot_data(std::move(d.poles), std::move(d.grids), std::move(d.aliases), 1, std::move(d.places));
  c.build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return cities.emplace(which, std::move(c)).first->second;
}

void BM_Resolve(benchmark::State& state) {
  City& c = city(static_cast<int>(state.range(0)));
  for (const Query& q : c.queries) benchmark::DoNotOptimize(query::resolve(*c.data, nullptr, q.text, q.options));  // warm
  std::vector<double> micros;
  micros.reserve(1 << 20);
  std::size_t i = 0;
  for (auto _ : state) {
    const Query& q = c.queries[i++ % c.queries.size()];
    const auto t0 = std::chrono::steady_clock::now();
    auto r = query::resolve(*c.data, nullptr, q.text, q.options);
    const auto t1 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(r);
    micros.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(micros.begin(), micros.end());
  auto pct = [&](double p) { return micros[std::min(micros.size() - 1, static_cast<std::size_t>(p * micros.size()))]; };
  const double poles = static_cast<double>(c.data->pole_count());
  state.counters["poles"] = poles;
  state.counters["p50_us"] = pct(0.50);
  state.counters["p99_us"] = pct(0.99);
  state.counters["max_us"] = micros.back();
  state.counters["decode_B_per_pole"] =
      static_cast<double>(c.data->alias_table.memory_bytes() + c.data->gazetteer.memory_bytes()) / poles;
  state.counters["number_index_B_per_pole"] = static_cast<double>(c.data->numbers.memory_bytes()) / poles;
  state.counters["build_s"] = c.build_s;
}
BENCHMARK(BM_Resolve)->DenseRange(0, 4)->Unit(benchmark::kMicrosecond)->Iterations(200000);

// The same mix split by kind (the 2,000,000-pole city), to see which kind costs what.
// range(1): the city (1 large, 3 many codes).
void BM_ResolveByKind(benchmark::State& state) {
  City& c = city(static_cast<int>(state.range(1)));
  std::vector<const Query*> mine;
  for (std::size_t i = static_cast<std::size_t>(state.range(0)); i < c.queries.size(); i += 10) mine.push_back(&c.queries[i]);
  std::size_t i = 0;
  for (auto _ : state) {
    const Query& q = *mine[i++ % mine.size()];
    benchmark::DoNotOptimize(query::resolve(*c.data, nullptr, q.text, q.options));
  }
  static constexpr const char* kKinds[10] = {"printed",    "zh_digits",   "zh_sentence", "radio_near", "nato_digits",
                                             "no_area_near", "misheard_near", "sentence_near", "absent", "code_near"};
  state.SetLabel(std::string(kKinds[state.range(0)]) + (state.range(1) == 3 ? " 100k codes" : ""));
  std::vector<double> micros;
  for (int round = 0; round < 20; ++round) {
    for (const Query* q : mine) {
      const auto t0 = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(query::resolve(*c.data, nullptr, q->text, q->options));
      micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
  }
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[micros.size() * 99 / 100];
}
BENCHMARK(BM_ResolveByKind)->ArgsProduct({benchmark::CreateDenseRange(0, 9, 1), {1, 3}})->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
