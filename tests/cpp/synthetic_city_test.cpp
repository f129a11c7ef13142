// The synthetic city generator (data/synth) and the bundled Tuanjiehu sample
// (data/tuanjiehu): both must be valid grid partitions with every pole inside
// exactly one grid, clear of the boundaries, because tests and benchmarks of
// grid_at and resolve take that for granted.
//
// Geometry here is deliberately simple and independent of the library: planar
// even-odd point-in-polygon in degrees, distances in a local equirectangular
// frame (good to millimetres over a few kilometres).
#include "synthetic_city.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <poleloc/import.hpp>
#include <poleloc/types.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

using poleloc::Dataset;
using poleloc::GridRecord;
using poleloc::LonLat;
using poleloc::Ring;
using poleloc::synth::CityOptions;
using poleloc::synth::make_city;

const Dataset& small_city() {
  static const Dataset city = make_city({.grids = 200, .poles = 20000, .seed = 7});
  return city;
}

// --- geometry helpers -------------------------------------------------------

std::vector<const Ring*> rings_of(const GridRecord& g) {
  std::vector<const Ring*> out;
  for (const auto& polygon : g.geometry) {
    for (const auto& ring : polygon.rings) out.push_back(&ring);
  }
  return out;
}

poleloc::BBox bbox_of(const GridRecord& g) {
  poleloc::BBox b{180, 90, -180, -90};
  for (const Ring* r : rings_of(g)) {
    for (LonLat p : *r) {
      b.min_lon = std::min(b.min_lon, p.lon);
      b.max_lon = std::max(b.max_lon, p.lon);
      b.min_lat = std::min(b.min_lat, p.lat);
      b.max_lat = std::max(b.max_lat, p.lat);
    }
  }
  return b;
}

// Even-odd over every ring of every polygon: holes and separate parts both work.
bool inside(const GridRecord& g, LonLat p) {
  bool in = false;
  for (const Ring* r : rings_of(g)) {
    for (std::size_t i = 0; i + 1 < r->size(); ++i) {
      const LonLat a = (*r)[i], b = (*r)[i + 1];
      if ((a.lat > p.lat) != (b.lat > p.lat)) {
        const double x = a.lon + (p.lat - a.lat) * (b.lon - a.lon) / (b.lat - a.lat);
        if (x > p.lon) in = !in;
      }
    }
  }
  return in;
}

// Metres from p to the nearest boundary (any ring) of g.
double boundary_distance_m(const GridRecord& g, LonLat p) {
  const double pi = 3.14159265358979323846;
  const double mx = 111320.0 * std::cos(p.lat * pi / 180), my = 110574.0;
  double best = 1e300;
  for (const Ring* r : rings_of(g)) {
    for (std::size_t i = 0; i + 1 < r->size(); ++i) {
      const double ax = ((*r)[i].lon - p.lon) * mx, ay = ((*r)[i].lat - p.lat) * my;
      const double bx = ((*r)[i + 1].lon - p.lon) * mx, by = ((*r)[i + 1].lat - p.lat) * my;
      const double dx = bx - ax, dy = by - ay;
      const double len2 = dx * dx + dy * dy;
      const double t = len2 > 0 ? std::clamp(-(ax * dx + ay * dy) / len2, 0.0, 1.0) : 0.0;
      best = std::min(best, std::hypot(ax + t * dx, ay + t * dy));
    }
  }
  return best;
}

double signed_area(const Ring& r) {
  double s = 0;
  for (std::size_t i = 0; i + 1 < r.size(); ++i) s += r[i].lon * r[i + 1].lat - r[i + 1].lon * r[i].lat;
  return s / 2;
}

double orient(LonLat a, LonLat b, LonLat c) {
  return (b.lon - a.lon) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lon - a.lon);
}

// Segments cross at a point interior to both (touching at a vertex does not count).
bool cross_properly(LonLat a, LonLat b, LonLat c, LonLat d) {
  const double o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
  return ((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0));
}

bool ring_is_simple(const Ring& r) {
  const std::size_t n = r.size() - 1;  // segments
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 2; j < n; ++j) {
      if (i == 0 && j == n - 1) continue;
      if (cross_properly(r[i], r[i + 1], r[j], r[j + 1])) return false;
    }
  }
  return true;
}

using Segment = std::array<double, 4>;
Segment segment(LonLat a, LonLat b) { return {a.lon, a.lat, b.lon, b.lat}; }

// Checks that shared boundaries use identical vertices: every directed segment
// belongs to one grid only; returns how many segments have their reverse in another grid.
std::size_t shared_segments(const std::vector<GridRecord>& grids) {
  std::map<Segment, std::size_t> owner;
  for (std::size_t g = 0; g < grids.size(); ++g) {
    for (const Ring* r : rings_of(grids[g])) {
      for (std::size_t i = 0; i + 1 < r->size(); ++i) {
        const bool fresh = owner.emplace(segment((*r)[i], (*r)[i + 1]), g).second;
        EXPECT_TRUE(fresh) << grids[g].id << ": segment " << i << " used twice in one direction (overlap)";
      }
    }
  }
  std::size_t shared = 0;
  for (const auto& [s, g] : owner) {
    auto it = owner.find({s[2], s[3], s[0], s[1]});
    if (it == owner.end()) continue;
    EXPECT_NE(it->second, g) << grids[g].id << ": a segment and its reverse in one grid";
    ++shared;
  }
  return shared;
}

// The index of the one grid containing p, or -1 (none) / -2 (more than one).
long containing_grid(const std::vector<GridRecord>& grids, const std::vector<poleloc::BBox>& boxes, LonLat p) {
  long found = -1;
  for (std::size_t g = 0; g < grids.size(); ++g) {
    if (!boxes[g].contains(p) || !inside(grids[g], p)) continue;
    if (found != -1) return -2;
    found = static_cast<long>(g);
  }
  return found;
}

std::string area_of(const std::string& number) {
  return number.substr(0, number.find_first_of("0123456789"));
}

// --- the synthetic city -----------------------------------------------------

TEST(SyntheticCity, SameSeedGivesSameCity) {
  const Dataset a = make_city({.grids = 120, .poles = 9000, .seed = 42});
  const Dataset b = make_city({.grids = 120, .poles = 9000, .seed = 42});
  ASSERT_EQ(a.grids.size(), b.grids.size());
  ASSERT_EQ(a.poles.size(), b.poles.size());
  for (std::size_t i = 0; i < a.grids.size(); ++i) {
    EXPECT_EQ(a.grids[i].id, b.grids[i].id);
    EXPECT_EQ(a.grids[i].name, b.grids[i].name);
    EXPECT_EQ(a.grids[i].attributes, b.grids[i].attributes);
    EXPECT_EQ(a.grids[i].geometry, b.grids[i].geometry) << a.grids[i].id;
  }
  for (std::size_t i = 0; i < a.poles.size(); ++i) {
    EXPECT_EQ(a.poles[i].number, b.poles[i].number);
    EXPECT_EQ(a.poles[i].position, b.poles[i].position) << a.poles[i].number;
    EXPECT_EQ(a.poles[i].attributes, b.poles[i].attributes);
  }
  ASSERT_EQ(a.aliases.size(), b.aliases.size());
  for (std::size_t i = 0; i < a.aliases.size(); ++i) EXPECT_EQ(a.aliases[i].alias, b.aliases[i].alias);
}

TEST(SyntheticCity, DifferentSeedGivesDifferentCity) {
  const Dataset a = make_city({.grids = 60, .poles = 3000, .seed = 1});
  const Dataset b = make_city({.grids = 60, .poles = 3000, .seed = 2});
  ASSERT_EQ(a.grids.size(), b.grids.size());
  EXPECT_NE(a.grids[0].geometry, b.grids[0].geometry);
  EXPECT_NE(a.poles[0].position, b.poles[0].position);
}

TEST(SyntheticCity, GivesExactlyTheRequestedGridsAndPoles) {
  const std::vector<std::pair<std::size_t, std::size_t>> sizes{
      {200, 20000}, {37, 1234}, {1, 10}, {2, 1}, {51, 0}, {500, 7}, {10, 5000}};
  for (const auto& [grids, poles] : sizes) {
    const Dataset city = make_city({.grids = grids, .poles = poles, .seed = 3});
    EXPECT_EQ(city.grids.size(), grids) << grids << " grids, " << poles << " poles";
    EXPECT_EQ(city.poles.size(), poles) << grids << " grids, " << poles << " poles";
  }
  EXPECT_TRUE(make_city({.grids = 0, .poles = 100}).poles.empty());
}

TEST(SyntheticCity, GridIdsAreNumberedAndNamed) {
  const Dataset& city = small_city();
  EXPECT_EQ(city.grids.front().id, "G00001");
  EXPECT_EQ(city.grids.back().id, "G00200");
  std::set<std::string> ids;
  for (const auto& g : city.grids) {
    EXPECT_TRUE(ids.insert(g.id).second) << g.id;
    EXPECT_NE(g.name.find("街区网格"), std::string::npos) << g.name;
    for (const char* key : {"manager", "phone", "department", "parent"}) {
      EXPECT_NE(poleloc::find_attribute(g.attributes, key), nullptr) << g.id << " lacks " << key;
    }
  }
}

TEST(SyntheticCity, GridPolygonsHave40To150Vertices) {
  for (const auto& g : small_city().grids) {
    const std::size_t shell = g.geometry.front().rings.front().size() - 1;  // distinct vertices
    EXPECT_GE(shell, 40u) << g.id;
    EXPECT_LE(shell, 150u) << g.id;
    std::size_t all = 0;
    for (const Ring* r : rings_of(g)) all += r->size() - 1;
    EXPECT_LE(all, 150u) << g.id;
  }
}

TEST(SyntheticCity, RingsAreClosedSimpleAndOriented) {
  for (const auto& g : small_city().grids) {
    for (const auto& polygon : g.geometry) {
      for (std::size_t k = 0; k < polygon.rings.size(); ++k) {
        const Ring& r = polygon.rings[k];
        ASSERT_GE(r.size(), 4u) << g.id;
        EXPECT_EQ(r.front(), r.back()) << g.id << ": ring " << k << " not closed";
        for (std::size_t i = 0; i + 1 < r.size(); ++i) EXPECT_NE(r[i], r[i + 1]) << g.id << ": repeated point " << i;
        if (k == 0) {
          EXPECT_GT(signed_area(r), 0) << g.id << ": shell not counter-clockwise";
        } else {
          EXPECT_LT(signed_area(r), 0) << g.id << ": hole not clockwise";
        }
        EXPECT_TRUE(ring_is_simple(r)) << g.id << ": ring " << k << " intersects itself";
      }
    }
  }
}

TEST(SyntheticCity, NeighboursShareIdenticalBoundaryVertices) {
  const auto& grids = small_city().grids;
  const std::size_t shared = shared_segments(grids);
  std::size_t total = 0;
  for (const auto& g : grids) {
    for (const Ring* r : rings_of(g)) total += r->size() - 1;
  }
  // Interior streets are shared by two grids: most segments have a reverse twin.
  EXPECT_GT(shared, total * 3 / 4);
}

TEST(SyntheticCity, GridsDoNotOverlap) {
  const Dataset city = make_city({.grids = 60, .poles = 100, .seed = 11});  // with one compound
  ASSERT_TRUE(std::any_of(city.grids.begin(), city.grids.end(), [](const auto& g) { return g.geometry.size() > 1; }));
  std::vector<poleloc::BBox> boxes;
  for (const auto& g : city.grids) boxes.push_back(bbox_of(g));
  for (std::size_t a = 0; a < city.grids.size(); ++a) {
    for (std::size_t b = a + 1; b < city.grids.size(); ++b) {
      const auto &A = boxes[a], &B = boxes[b];
      if (A.max_lon < B.min_lon || B.max_lon < A.min_lon || A.max_lat < B.min_lat || B.max_lat < A.min_lat) continue;
      std::set<std::pair<double, double>> b_vertices;
      for (const Ring* r : rings_of(city.grids[b])) {
        for (LonLat p : *r) b_vertices.insert({p.lon, p.lat});
      }
      for (const Ring* ra : rings_of(city.grids[a])) {
        for (std::size_t i = 0; i + 1 < ra->size(); ++i) {
          const LonLat p = (*ra)[i];
          if (!b_vertices.count({p.lon, p.lat})) {
            EXPECT_FALSE(inside(city.grids[b], p)) << city.grids[a].id << " vertex inside " << city.grids[b].id;
          }
          for (const Ring* rb : rings_of(city.grids[b])) {
            for (std::size_t j = 0; j + 1 < rb->size(); ++j) {
              ASSERT_FALSE(cross_properly(p, (*ra)[i + 1], (*rb)[j], (*rb)[j + 1]))
                  << city.grids[a].id << " crosses " << city.grids[b].id;
            }
          }
        }
      }
    }
  }
  // And no point of the plane is in two grids.
  for (LonLat p : poleloc::synth::random_points(city, 20000, 5)) {
    EXPECT_NE(containing_grid(city.grids, boxes, p), -2) << p.lon << " " << p.lat;
  }
}

TEST(SyntheticCity, EveryPoleIsInsideExactlyOneGridClearOfItsBoundary) {
  const Dataset& city = small_city();
  std::vector<poleloc::BBox> boxes;
  for (const auto& g : city.grids) boxes.push_back(bbox_of(g));
  double closest = 1e9;
  for (const auto& pole : city.poles) {
    const long g = containing_grid(city.grids, boxes, pole.position);
    ASSERT_GE(g, 0) << pole.number << (g == -1 ? " is in no grid" : " is in two grids");
    const double d = boundary_distance_m(city.grids[static_cast<std::size_t>(g)], pole.position);
    EXPECT_GE(d, 2.0) << pole.number << " is " << d << " m from the boundary of "
                      << city.grids[static_cast<std::size_t>(g)].id;
    closest = std::min(closest, d);
  }
  RecordProperty("closest_pole_to_boundary_m", std::to_string(closest));
}

TEST(SyntheticCity, PolesInCompoundsBelongToTheCompoundsGrid) {
  const Dataset& city = small_city();
  std::size_t multi = 0, with_hole = 0, in_exclaves = 0;
  std::map<Segment, std::string> exclave_walls;
  for (const auto& g : city.grids) {
    if (g.geometry.size() > 1) {
      ++multi;
      for (std::size_t p = 1; p < g.geometry.size(); ++p) {
        const Ring& r = g.geometry[p].rings.front();
        exclave_walls.emplace(segment(r[0], r[1]), g.id);
      }
    }
  }
  for (const auto& g : city.grids) {
    for (std::size_t k = 1; k < g.geometry.front().rings.size(); ++k) {
      ++with_hole;
      const Ring& hole = g.geometry.front().rings[k];
      // The hole is exactly an exclave of another grid, traced the other way round.
      const Ring reversed(hole.rbegin(), hole.rend());
      bool matched = false;
      for (std::size_t i = 0; i + 1 < reversed.size() && !matched; ++i) {
        matched = exclave_walls.count(segment(reversed[i], reversed[i + 1])) > 0;
      }
      EXPECT_TRUE(matched) << g.id << ": hole not filled by another grid";
    }
  }
  EXPECT_GE(multi, 1u);
  EXPECT_EQ(multi, with_hole);
  EXPECT_LE(multi + with_hole, city.grids.size() / 20);
  for (const auto& g : city.grids) {
    for (std::size_t p = 1; p < g.geometry.size(); ++p) {
      GridRecord part;
      part.geometry = {g.geometry[p]};
      for (const auto& pole : city.poles) in_exclaves += inside(part, pole.position) ? 1 : 0;
    }
  }
  EXPECT_GT(in_exclaves, 0u) << "compounds should hold a few poles";
}

TEST(SyntheticCity, NoPoleIsFartherThan50MetresFromItsNearestNeighbour) {
  const Dataset& city = small_city();
  // Bucket poles into ~50 m cells and look at the 3x3 neighbourhood.
  const double cell = 0.0006;
  std::map<std::pair<long, long>, std::vector<LonLat>> cells;
  auto key = [&](LonLat p) { return std::pair<long, long>{std::lround(p.lon / cell), std::lround(p.lat / cell)}; };
  for (const auto& pole : city.poles) cells[key(pole.position)].push_back(pole.position);
  const double pi = 3.14159265358979323846;
  for (const auto& pole : city.poles) {
    const LonLat p = pole.position;
    const auto [cx, cy] = key(p);
    double best = 1e9;
    for (long dx = -1; dx <= 1; ++dx) {
      for (long dy = -1; dy <= 1; ++dy) {
        auto it = cells.find({cx + dx, cy + dy});
        if (it == cells.end()) continue;
        for (LonLat q : it->second) {
          if (q == p) continue;
          best = std::min(best, std::hypot((q.lon - p.lon) * 111320.0 * std::cos(p.lat * pi / 180),
                                           (q.lat - p.lat) * 110574.0));
        }
      }
    }
    EXPECT_LE(best, 50.0) << pole.number;
  }
}

TEST(SyntheticCity, NumbersAreUniqueAndCanonical) {
  std::set<std::string> seen;
  for (const auto& pole : small_city().poles) {
    const std::string area = area_of(pole.number);
    const std::string serial = pole.number.substr(area.size());
    EXPECT_EQ(area.size(), 3u) << pole.number;
    EXPECT_TRUE(std::all_of(area.begin(), area.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) << pole.number;
    EXPECT_GE(serial.size(), 4u) << pole.number;
    EXPECT_TRUE(std::all_of(serial.begin(), serial.end(), [](char c) { return c >= '0' && c <= '9'; }))
        << pole.number;
    EXPECT_TRUE(seen.insert(pole.number).second) << pole.number << " twice";
  }
}

TEST(SyntheticCity, SeveralAreaCodesShareTheSameSerials) {
  std::map<std::string, std::set<std::string>> serials;
  std::map<std::string, std::set<std::size_t>> widths;
  for (const auto& pole : small_city().poles) {
    const std::string area = area_of(pole.number);
    serials[area].insert(pole.number.substr(area.size()));
    widths[area].insert(pole.number.size() - area.size());
  }
  ASSERT_GE(serials.size(), 4u);
  for (const auto& [area, s] : serials) {
    EXPECT_TRUE(s.count("0001")) << area;
    EXPECT_TRUE(s.count("0372")) << area << ": \"0372\" should be ambiguous across areas";
    EXPECT_EQ(widths[area].size(), 1u) << area << ": serial width varies";
  }
}

TEST(SyntheticCity, AreasWithTenThousandPolesUseFiveDigitSerials) {
  const Dataset city = make_city({.grids = 200, .poles = 60000, .seed = 7});
  std::map<std::string, std::size_t> count, width;
  for (const auto& pole : city.poles) {
    const std::string area = area_of(pole.number);
    ++count[area];
    width[area] = pole.number.size() - area.size();
  }
  for (const auto& [area, n] : count) EXPECT_EQ(width[area], n >= 10000 ? 5u : 4u) << area << " has " << n;
  EXPECT_TRUE(std::any_of(count.begin(), count.end(), [](const auto& c) { return c.second >= 10000; }));
}

TEST(SyntheticCity, EveryAreaCodeHasChineseNameStreetOfficeAndPinyinAliases) {
  const Dataset& city = small_city();
  EXPECT_TRUE(city.has_aliases);
  std::map<std::string, std::vector<std::string>> by_code;
  for (const auto& a : city.aliases) by_code[a.code].push_back(a.alias);
  std::set<std::string> areas;
  for (const auto& pole : city.poles) areas.insert(area_of(pole.number));
  for (const auto& area : areas) {
    const auto& names = by_code[area];
    ASSERT_EQ(names.size(), 3u) << area;
    EXPECT_EQ(names[1], names[0] + "街道");
    EXPECT_TRUE(static_cast<unsigned char>(names[0][0]) >= 0xE0) << names[0] << " is not CJK";
    EXPECT_TRUE(std::all_of(names[2].begin(), names[2].end(), [](char c) { return c >= 'a' && c <= 'z'; }))
        << names[2];
    EXPECT_NE(area, "TJH") << "TJH belongs to the bundled sample";
  }
  for (const auto& g : city.grids) EXPECT_TRUE(by_code.count(*poleloc::find_attribute(g.attributes, "parent")));
}

TEST(SyntheticCity, PolesCarryKindManagerAndPhone) {
  const std::set<std::string> kinds{"路灯", "电力杆", "通信杆"};
  std::set<std::string> seen_kinds;
  for (const auto& pole : small_city().poles) {
    ASSERT_EQ(pole.attributes.size(), 3u) << pole.number;
    EXPECT_EQ(pole.attributes[0].first, "kind");
    EXPECT_TRUE(kinds.count(pole.attributes[0].second)) << pole.attributes[0].second;
    seen_kinds.insert(pole.attributes[0].second);
    EXPECT_EQ(pole.attributes[1].first, "manager");
    EXPECT_FALSE(pole.attributes[1].second.empty());
    EXPECT_EQ(pole.attributes[2].first, "phone");
    EXPECT_EQ(pole.attributes[2].second.rfind("010-6", 0), 0u) << pole.attributes[2].second;
    EXPECT_EQ(pole.attributes[2].second.size(), 12u) << pole.attributes[2].second;
  }
  EXPECT_EQ(seen_kinds, kinds);
  const Dataset bare = make_city({.grids = 20, .poles = 500, .seed = 7, .pole_attributes = false});
  for (const auto& pole : bare.poles) EXPECT_TRUE(pole.attributes.empty());
}

TEST(SyntheticCity, CityIsCentredOnTheRequestedPointAtARealisticSize) {
  const Dataset city = make_city({.grids = 400, .poles = 1000, .seed = 5, .center_lon = 121.47, .center_lat = 31.23});
  poleloc::BBox all{180, 90, -180, -90};
  for (const auto& g : city.grids) {
    const auto b = bbox_of(g);
    all = {std::min(all.min_lon, b.min_lon), std::min(all.min_lat, b.min_lat), std::max(all.max_lon, b.max_lon),
           std::max(all.max_lat, b.max_lat)};
  }
  EXPECT_NEAR((all.min_lon + all.max_lon) / 2, 121.47, 0.01);
  EXPECT_NEAR((all.min_lat + all.max_lat) / 2, 31.23, 0.01);
  // 20 x 20 blocks of 250-380 m: 5-8 km a side.
  const double width_m = (all.max_lon - all.min_lon) * 111320.0 * std::cos(31.23 * 3.14159265358979 / 180);
  const double height_m = (all.max_lat - all.min_lat) * 110574.0;
  EXPECT_GT(width_m, 4900);
  EXPECT_LT(width_m, 7700);
  EXPECT_GT(height_m, 4900);
  EXPECT_LT(height_m, 7700);
}

TEST(SyntheticCity, CoordinatesHaveAtMostSevenDecimals) {
  for (const auto& pole : small_city().poles) {
    for (double v : {pole.position.lon, pole.position.lat}) EXPECT_EQ(std::round(v * 1e7) / 1e7, v) << pole.number;
  }
  for (LonLat v : small_city().grids.front().geometry.front().rings.front()) {
    EXPECT_EQ(std::round(v.lon * 1e7) / 1e7, v.lon);
  }
}

TEST(SyntheticCity, RandomPointsAreDeterministicAndSpanTheCity) {
  const Dataset& city = small_city();
  const auto a = poleloc::synth::random_points(city, 5000, 9);
  const auto b = poleloc::synth::random_points(city, 5000, 9);
  const auto c = poleloc::synth::random_points(city, 5000, 10);
  ASSERT_EQ(a.size(), 5000u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  std::vector<poleloc::BBox> boxes;
  poleloc::BBox all{180, 90, -180, -90};
  for (const auto& g : city.grids) {
    boxes.push_back(bbox_of(g));
    all = {std::min(all.min_lon, boxes.back().min_lon), std::min(all.min_lat, boxes.back().min_lat),
           std::max(all.max_lon, boxes.back().max_lon), std::max(all.max_lat, boxes.back().max_lat)};
  }
  std::size_t in_grid = 0, outside = 0;
  for (LonLat p : a) {
    EXPECT_TRUE(all.contains(p));
    (containing_grid(city.grids, boxes, p) >= 0 ? in_grid : outside) += 1;
  }
  EXPECT_GT(in_grid, 4000u);
  EXPECT_GT(outside, 0u);  // 200 grids leave the last lattice row partly empty
  EXPECT_TRUE(poleloc::synth::random_points(Dataset{}, 10, 1).empty());
}

TEST(SyntheticCity, InvalidOptionsAreRejected) {
  EXPECT_TRUE(CityOptions{}.is_valid());
  EXPECT_FALSE((CityOptions{.center_lon = std::nan("")}.is_valid()));
  EXPECT_FALSE((CityOptions{.center_lat = 89}.is_valid()));
  EXPECT_TRUE(make_city({.center_lat = 89}).grids.empty());
  const auto dir = std::filesystem::temp_directory_path() / "poleloc_synth_invalid";
  const poleloc::Status s = poleloc::synth::write_city({.center_lon = 400}, dir.string());
  EXPECT_EQ(s.code(), poleloc::ErrorCode::bad_request);
}

TEST(SyntheticCity, WriteCityWritesTheThreeInputFiles) {
  const auto dir = std::filesystem::temp_directory_path() / ("poleloc_synth_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const CityOptions options{.grids = 20, .poles = 777, .seed = 4};
  const poleloc::Status s = poleloc::synth::write_city(options, (dir / "nested").string());
  ASSERT_TRUE(s.is_ok()) << s.message();
  std::ifstream poles(dir / "nested" / "poles.csv");
  std::string header, line;
  std::getline(poles, header);
  EXPECT_EQ(header.rfind("number,lon,lat", 0), 0u) << header;
  std::size_t rows = 0;
  while (std::getline(poles, line)) rows += line.empty() ? 0 : 1;
  EXPECT_EQ(rows, 777u);
  std::ifstream aliases(dir / "nested" / "aliases.csv");
  std::getline(aliases, header);
  EXPECT_EQ(header, "alias,code");
  std::ifstream grids(dir / "nested" / "grids.geojson");
  std::stringstream text;
  text << grids.rdbuf();
  const auto json = nlohmann::json::parse(text.str());
  EXPECT_EQ(json["type"], "FeatureCollection");
  EXPECT_EQ(json["features"].size(), 20u);
  std::filesystem::remove_all(dir);
}

// --- community names (CityOptions::community_names) --------------------------

constexpr CityOptions kCommunity{.grids = 200, .poles = 20000, .seed = 11, .community_names = true};

const Dataset& community_city() {
  static const Dataset city = make_city(kCommunity);
  return city;
}

std::string district_name(const Dataset& city, const std::string& code) {
  std::string name;
  for (const auto& a : city.aliases) {
    if (a.code == code && (name.empty() || a.alias.size() < name.size()) && static_cast<unsigned char>(a.alias[0]) >= 0x80) {
      name = a.alias;
    }
  }
  return name;
}

TEST(SyntheticCity, CommunityNamesChangeOnlyNamesAndAliases) {
  CityOptions plain = kCommunity;
  plain.community_names = false;
  const Dataset a = make_city(plain);
  const Dataset& b = community_city();
  ASSERT_EQ(a.grids.size(), b.grids.size());
  ASSERT_EQ(a.poles.size(), b.poles.size());
  for (std::size_t i = 0; i < a.grids.size(); ++i) {
    EXPECT_EQ(a.grids[i].id, b.grids[i].id);
    EXPECT_EQ(a.grids[i].attributes, b.grids[i].attributes);
    EXPECT_EQ(a.grids[i].geometry.size(), b.grids[i].geometry.size());
    EXPECT_NE(a.grids[i].name, b.grids[i].name);
  }
  for (std::size_t i = 0; i < a.poles.size(); ++i) {
    EXPECT_EQ(a.poles[i].number, b.poles[i].number);
    EXPECT_EQ(a.poles[i].position.lon, b.poles[i].position.lon);
    EXPECT_EQ(a.poles[i].position.lat, b.poles[i].position.lat);
  }
  EXPECT_TRUE(poleloc::synth::make_places(plain).empty());
}

TEST(SyntheticCity, CommunityGridNamesAreUniqueCommunityGridNames) {
  std::set<std::string> names;
  std::size_t short_forms = 0;
  for (const GridRecord& g : community_city().grids) {
    EXPECT_TRUE(names.insert(g.name).second) << "duplicate " << g.name;
    const std::string suffix = "社区网格";
    ASSERT_GT(g.name.size(), suffix.size());
    EXPECT_EQ(g.name.substr(g.name.size() - suffix.size()), suffix) << g.name;
    short_forms += g.name.size() == 2 * 3 + suffix.size();  // two CJK characters of 3 bytes
  }
  EXPECT_GE(short_forms, 3u);
}

TEST(SyntheticCity, SomeCommunitiesAreNamedAfterAnotherDistrict) {
  const Dataset& city = community_city();
  std::size_t traps = 0;
  for (const GridRecord& g : city.grids) {
    const std::string own = g.attributes.at(3).second;  // parent: the area code
    for (const auto& a : city.aliases) {
      if (a.code == own || a.alias != district_name(city, a.code)) continue;
      if (g.name == a.alias + "北里社区网格") ++traps;
    }
  }
  EXPECT_GE(traps, 3u);
}

TEST(SyntheticCity, CommunityCityHasLongOfficialAliases) {
  const Dataset& city = community_city();
  for (const std::string code : {"DZM", "CKT", "TYH", "YNY"}) {
    const std::string long_form = "北京市朝阳区" + district_name(city, code) + "街道";
    EXPECT_TRUE(std::any_of(city.aliases.begin(), city.aliases.end(),
                            [&](const auto& a) { return a.alias == long_form && a.code == code; }))
        << long_form;
  }
}

TEST(SyntheticCity, PlacesAreUniqueAndInsideTheGridTheyAreNamedAfter) {
  const auto places = poleloc::synth::make_places(kCommunity);
  ASSERT_GE(places.size(), 50u);
  std::set<std::string> names, kinds;
  const Dataset& city = community_city();
  for (const auto& p : places) {
    EXPECT_TRUE(names.insert(p.name).second) << p.name;
    kinds.insert(p.kind);
    std::size_t hits = 0;
    bool named_after = false;
    for (const GridRecord& g : city.grids) {
      if (!inside(g, p.position)) continue;
      ++hits;
      EXPECT_GT(boundary_distance_m(g, p.position), 20.0) << p.name << " in " << g.name;
      // 金台里嘉园 lies in a grid named 金台里…: the first two characters agree.
      named_after = g.name.substr(0, 6) == p.name.substr(0, 6);
    }
    EXPECT_EQ(hits, 1u) << p.name;
    EXPECT_TRUE(named_after) << p.name;
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"compound", "market", "school"}));
}

TEST(SyntheticCity, WriteCityWritesPlacesOnlyForCommunityCities) {
  const auto dir = std::filesystem::temp_directory_path() / ("poleloc_synth_places_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(poleloc::synth::write_city({.grids = 60, .poles = 3000, .seed = 3}, (dir / "plain").string()).is_ok());
  EXPECT_FALSE(std::filesystem::exists(dir / "plain" / "places.csv"));
  const CityOptions options{.grids = 60, .poles = 3000, .seed = 3, .community_names = true};
  ASSERT_TRUE(poleloc::synth::write_city(options, (dir / "community").string()).is_ok());
  std::ifstream in(dir / "community" / "places.csv");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "name,kind,lon,lat");
  std::size_t rows = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++rows;
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 3) << line;
  }
  EXPECT_EQ(rows, poleloc::synth::make_places(options).size());
  EXPECT_GT(rows, 0u);
  std::filesystem::remove_all(dir);
}

// --- the bundled Tuanjiehu sample --------------------------------------------

constexpr double kMinLon = 116.462, kMinLat = 39.918, kMaxLon = 116.482, kMaxLat = 39.935;

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> split_csv_simple(const std::string& line) {  // the sample needs no quoting
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string field; std::getline(ss, field, ',');) out.push_back(field);
  return out;
}

struct SamplePole {
  std::string number;
  LonLat position;
};

std::vector<SamplePole> sample_poles() {
  std::vector<SamplePole> out;
  const auto lines = read_lines(std::string(POLELOC_SAMPLE_DIR) + "/poles.csv");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto f = split_csv_simple(lines[i]);
    if (f.size() < 3) continue;
    out.push_back({f[0], {std::stod(f[1]), std::stod(f[2])}});
  }
  return out;
}

TEST(TuanjiehuSample, PolesCsvHoldsAbout1500NumberedPolesInsideTheSubdistrict) {
  const auto lines = read_lines(std::string(POLELOC_SAMPLE_DIR) + "/poles.csv");
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "number,lon,lat,kind,manager,phone");
  const std::size_t rows = lines.size() - 1;
  EXPECT_GE(rows, 1400u);
  EXPECT_LE(rows, 1600u);
  const std::set<std::string> kinds{"路灯", "电力杆", "通信杆"};
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto f = split_csv_simple(lines[i]);
    ASSERT_EQ(f.size(), 6u) << "line " << i + 1 << ": " << lines[i];
    char expected[32];
    std::snprintf(expected, sizeof expected, "TJH%04zu", i);
    EXPECT_EQ(f[0], expected) << "line " << i + 1;
    for (const std::string* coord : {&f[1], &f[2]}) {
      EXPECT_EQ(coord->size() - coord->find('.') - 1, 7u) << "line " << i + 1 << ": " << *coord;
    }
    const double lon = std::stod(f[1]), lat = std::stod(f[2]);
    EXPECT_TRUE(lon > kMinLon && lon < kMaxLon && lat > kMinLat && lat < kMaxLat) << "line " << i + 1;
    EXPECT_TRUE(kinds.count(f[3])) << "line " << i + 1 << ": kind " << f[3];
    EXPECT_FALSE(f[4].empty());
    EXPECT_EQ(f[5].rfind("010-6", 0), 0u) << "line " << i + 1 << ": phone " << f[5];
  }
}

TEST(TuanjiehuSample, AliasesCsvNamesTuanjiehu) {
  const auto lines = read_lines(std::string(POLELOC_SAMPLE_DIR) + "/aliases.csv");
  const std::vector<std::string> expected{"alias,code", "团结湖,TJH", "团结湖街道,TJH", "tuanjiehu,TJH",
                                          "tuan jie hu,TJH"};
  EXPECT_EQ(lines, expected);
}

// Reads grids.geojson with nlohmann::json directly, not through the importer.
std::vector<GridRecord> sample_grids() {
  std::ifstream in(std::string(POLELOC_SAMPLE_DIR) + "/grids.geojson");
  std::stringstream text;
  text << in.rdbuf();
  const auto json = nlohmann::json::parse(text.str());
  std::vector<GridRecord> grids;
  for (const auto& f : json.at("features")) {
    GridRecord g;
    g.id = f.at("properties").at("id").get<std::string>();
    g.name = f.at("properties").value("name", "");
    for (const auto& [k, v] : f.at("properties").items()) {
      if (k != "id" && k != "name") g.attributes.emplace_back(k, v.get<std::string>());
    }
    const auto& geometry = f.at("geometry");
    auto polygon = [](const nlohmann::json& rings) {
      poleloc::Polygon p;
      for (const auto& r : rings) {
        Ring ring;
        for (const auto& c : r) ring.push_back({c.at(0).get<double>(), c.at(1).get<double>()});
        p.rings.push_back(std::move(ring));
      }
      return p;
    };
    if (geometry.at("type") == "Polygon") {
      g.geometry.push_back(polygon(geometry.at("coordinates")));
    } else {
      for (const auto& p : geometry.at("coordinates")) g.geometry.push_back(polygon(p));
    }
    grids.push_back(std::move(g));
  }
  return grids;
}

TEST(TuanjiehuSample, GridsAreTheNineCommunitiesWithValidRings) {
  const auto grids = sample_grids();
  ASSERT_EQ(grids.size(), 9u);
  for (std::size_t i = 0; i < grids.size(); ++i) {
    EXPECT_EQ(grids[i].id, "CY-TJH-00" + std::to_string(i + 1));
    EXPECT_NE(grids[i].name.find("社区网格"), std::string::npos) << grids[i].name;
    EXPECT_EQ(*poleloc::find_attribute(grids[i].attributes, "department"), "团结湖街道办事处");
    EXPECT_EQ(*poleloc::find_attribute(grids[i].attributes, "parent"), "CY-TJH");
    for (const auto& polygon : grids[i].geometry) {
      for (std::size_t k = 0; k < polygon.rings.size(); ++k) {
        const Ring& r = polygon.rings[k];
        EXPECT_EQ(r.front(), r.back());
        if (k == 0) {
          EXPECT_GE(r.size(), 40u) << grids[i].id << ": boundaries follow streets, not boxes";
        }
        EXPECT_EQ(signed_area(r) > 0, k == 0) << grids[i].id << ": ring " << k << " orientation";
        EXPECT_TRUE(ring_is_simple(r)) << grids[i].id;
        for (std::size_t j = 0; j + 1 < r.size(); ++j) EXPECT_NE(r[j], r[j + 1]) << grids[i].id;
        for (LonLat p : r) {
          EXPECT_TRUE(p.lon > kMinLon && p.lon < kMaxLon && p.lat > kMinLat && p.lat < kMaxLat) << grids[i].id;
        }
      }
    }
  }
  EXPECT_GT(shared_segments(grids), 0u);
}

TEST(TuanjiehuSample, EveryPoleIsInsideExactlyOneGridClearOfItsBoundary) {
  const auto grids = sample_grids();
  std::vector<poleloc::BBox> boxes;
  for (const auto& g : grids) boxes.push_back(bbox_of(g));
  const auto poles = sample_poles();
  ASSERT_FALSE(poles.empty());
  for (const auto& pole : poles) {
    const long g = containing_grid(grids, boxes, pole.position);
    ASSERT_GE(g, 0) << pole.number << (g == -1 ? " is in no grid" : " is in two grids");
    EXPECT_GE(boundary_distance_m(grids[static_cast<std::size_t>(g)], pole.position), 2.0) << pole.number;
  }
}

}  // namespace

// --- city shapes (area_codes, serial_width, serial_gap, outside points) -------

namespace {
std::pair<std::string, std::string> code_and_serial(const std::string& number) {
  std::size_t k = 0;
  while (k < number.size() && number[k] >= 'A' && number[k] <= 'Z') ++k;
  return {number.substr(0, k), number.substr(k)};
}
}  // namespace

TEST(SyntheticCityShapes, ManyAreaCodesGiveAboutThatManyDistinctCodesEachNumberedFromOne) {
  const Dataset city = make_city({.grids = 200, .poles = 20000, .seed = 5, .area_codes = 1000});
  ASSERT_EQ(city.poles.size(), 20000u);
  std::map<std::string, std::vector<long>> serials;
  std::set<std::string> numbers;
  for (const auto& p : city.poles) {
    auto [code, serial] = code_and_serial(p.number);
    EXPECT_EQ(serial.size(), 4u) << p.number;
    serials[code].push_back(std::stol(serial));
    numbers.insert(p.number);
  }
  EXPECT_EQ(numbers.size(), city.poles.size());  // numbers stay unique
  EXPECT_GT(serials.size(), 900u);
  EXPECT_LT(serials.size(), 1100u);
  for (const auto& [code, list] : serials) {
    EXPECT_EQ(code.size(), 7u) << code;  // district code + four letters
    for (std::size_t i = 0; i < list.size(); ++i) EXPECT_EQ(list[i], static_cast<long>(i + 1)) << code;
  }
}

TEST(SyntheticCityShapes, SparseWideSerialsHaveTheWidthAndGapsAsked) {
  const Dataset city = make_city({.grids = 50, .poles = 3000, .seed = 5, .serial_width = 8, .serial_gap = 30});
  std::map<std::string, long> last;
  std::size_t gaps = 0, big = 0;
  for (const auto& p : city.poles) {
    auto [code, serial] = code_and_serial(p.number);
    EXPECT_EQ(serial.size(), 8u) << p.number;
    const long v = std::stol(serial);
    const long step = v - last[code];
    EXPECT_GE(step, 1) << p.number;
    EXPECT_LE(step, 61) << p.number;
    gaps += 1;
    big += step > 10;
    last[code] = v;
  }
  EXPECT_GT(big * 2, gaps);  // most steps are far from 1: sparse
}

TEST(SyntheticCityShapes, DefaultShapeOptionsKeepTheCityUnchanged) {
  const Dataset a = make_city({.grids = 60, .poles = 3000, .seed = 2});
  const Dataset b = make_city({.grids = 60, .poles = 3000, .seed = 2, .area_codes = 0, .serial_width = 0, .serial_gap = 0});
  ASSERT_EQ(a.poles.size(), b.poles.size());
  for (std::size_t i = 0; i < a.poles.size(); ++i) EXPECT_EQ(a.poles[i].number, b.poles[i].number);
  // Shaped numbers leave positions alone.
  const Dataset c = make_city({.grids = 60, .poles = 3000, .seed = 2, .area_codes = 500});
  for (std::size_t i = 0; i < a.poles.size(); ++i) EXPECT_EQ(a.poles[i].position, c.poles[i].position);
}

TEST(SyntheticCityShapes, OutsideShareOfRandomPointsLiesBeyondTheBoxAndNoFurtherThanHalfItsSize) {
  const Dataset& city = small_city();
  EXPECT_EQ(poleloc::synth::random_points(city, 3000, 9, 0.0), poleloc::synth::random_points(city, 3000, 9));
  const auto pts = poleloc::synth::random_points(city, 10000, 9, 0.02);
  ASSERT_EQ(pts.size(), 10000u);
  poleloc::BBox all{180, 90, -180, -90};
  for (const auto& g : city.grids) {
    const auto b = bbox_of(g);
    all = {std::min(all.min_lon, b.min_lon), std::min(all.min_lat, b.min_lat), std::max(all.max_lon, b.max_lon),
           std::max(all.max_lat, b.max_lat)};
  }
  const double w = all.max_lon - all.min_lon, h = all.max_lat - all.min_lat;
  const poleloc::BBox grown{all.min_lon - w / 2, all.min_lat - h / 2, all.max_lon + w / 2, all.max_lat + h / 2};
  std::size_t out = 0;
  for (LonLat p : pts) {
    EXPECT_TRUE(grown.contains(p));
    out += !all.contains(p);
  }
  EXPECT_EQ(out, 200u);
}

// --- city shapes: clustered poles, vertices per grid, one code ----------------

namespace {
// Poles per grid (index), checking on the way that every pole is inside exactly
// one grid and at least 2 m from its boundary.
std::vector<std::size_t> poles_per_grid_checked(const Dataset& city) {
  std::vector<poleloc::BBox> boxes;
  for (const auto& g : city.grids) boxes.push_back(bbox_of(g));
  std::vector<std::size_t> count(city.grids.size(), 0);
  for (const auto& pole : city.poles) {
    const long g = containing_grid(city.grids, boxes, pole.position);
    EXPECT_GE(g, 0) << pole.number << (g == -1 ? " is in no grid" : " is in two grids");
    if (g < 0) continue;
    EXPECT_GE(boundary_distance_m(city.grids[static_cast<std::size_t>(g)], pole.position), 2.0) << pole.number;
    ++count[static_cast<std::size_t>(g)];
  }
  return count;
}

std::pair<std::size_t, std::size_t> median_and_max(std::vector<std::size_t> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.back()};
}
}  // namespace

TEST(SyntheticCityShapes, ClusteredPolesCrowdAroundHotSpotsAndStayInsideTheirGrids) {
  const Dataset uniform = make_city({.grids = 400, .poles = 40000, .seed = 3, .pole_attributes = false});
  const Dataset clustered = make_city({.grids = 400, .poles = 40000, .seed = 3, .pole_attributes = false, .clusters = 2});
  ASSERT_EQ(clustered.poles.size(), 40000u);
  // Same grids: clustering moves poles only.
  ASSERT_EQ(clustered.grids.size(), uniform.grids.size());
  for (std::size_t g = 0; g < uniform.grids.size(); ++g) {
    EXPECT_EQ(clustered.grids[g].geometry.front().rings.front(), uniform.grids[g].geometry.front().rings.front());
  }
  const auto [u_median, u_max] = median_and_max(poles_per_grid_checked(uniform));
  const auto [c_median, c_max] = median_and_max(poles_per_grid_checked(clustered));
  RecordProperty("uniform_median_max", std::to_string(u_median) + "/" + std::to_string(u_max));
  RecordProperty("clustered_median_max", std::to_string(c_median) + "/" + std::to_string(c_max));
  EXPECT_LT(u_max, 3 * u_median);   // uniform: every grid about the same
  EXPECT_GT(c_max, 10 * c_median);  // clustered: the hot spots hold many times the typical grid
  std::set<std::string> numbers;
  for (const auto& p : clustered.poles) numbers.insert(p.number);
  EXPECT_EQ(numbers.size(), clustered.poles.size());
}

TEST(SyntheticCityShapes, VerticesPerGridGivesShellsOfThatManyVerticesThatStillPartitionTheCity) {
  const Dataset city = make_city({.grids = 16, .poles = 3000, .seed = 4, .vertices_per_grid = 2000});
  ASSERT_EQ(city.grids.size(), 16u);
  ASSERT_EQ(city.poles.size(), 3000u);
  for (const auto& g : city.grids) {
    const Ring& shell = g.geometry.front().rings.front();
    EXPECT_EQ(shell.size() - 1, 2000u) << g.id;  // 4 pieces of 501 vertices, crossings shared
    EXPECT_TRUE(ring_is_simple(shell)) << g.id;
    EXPECT_GT(signed_area(shell), 0) << g.id;
  }
  EXPECT_GT(shared_segments(city.grids), 0u);  // neighbours still share their vertices
  poles_per_grid_checked(city);
  // Few vertices: straight streets, 4-vertex shells.
  const Dataset box = make_city({.grids = 9, .poles = 500, .seed = 4, .vertices_per_grid = 4});
  for (const auto& g : box.grids) EXPECT_EQ(g.geometry.front().rings.front().size() - 1, 4u) << g.id;
  poles_per_grid_checked(box);
}

TEST(SyntheticCityShapes, OneAreaCodeNumbersTheWholeCityFromOne) {
  const Dataset city = make_city({.grids = 1200, .poles = 20000, .seed = 5, .pole_attributes = false, .area_codes = 1});
  std::set<std::string> codes;
  long expected = 0;
  for (const auto& p : city.poles) {
    auto [code, serial] = code_and_serial(p.number);
    codes.insert(code);
    EXPECT_EQ(std::stol(serial), ++expected) << p.number;
  }
  EXPECT_EQ(codes.size(), 1u);
}

TEST(SyntheticCityShapes, NewShapeOptionsAtTheirDefaultsKeepTheCityUnchanged) {
  const Dataset a = make_city({.grids = 60, .poles = 3000, .seed = 2});
  const Dataset b = make_city({.grids = 60, .poles = 3000, .seed = 2, .vertices_per_grid = 0, .clusters = 0});
  ASSERT_EQ(a.poles.size(), b.poles.size());
  for (std::size_t i = 0; i < a.poles.size(); ++i) {
    EXPECT_EQ(a.poles[i].number, b.poles[i].number);
    EXPECT_EQ(a.poles[i].position, b.poles[i].position);
  }
  ASSERT_EQ(a.grids.size(), b.grids.size());
  for (std::size_t g = 0; g < a.grids.size(); ++g) {
    ASSERT_EQ(a.grids[g].geometry.size(), b.grids[g].geometry.size());
    for (std::size_t k = 0; k < a.grids[g].geometry.size(); ++k) {
      EXPECT_EQ(a.grids[g].geometry[k].rings, b.grids[g].geometry[k].rings);
    }
  }
}
