// test_support.hpp: small helpers shared by the C++ tests.
#pragma once

#include "geo/geos_util.hpp"
#include "geo/polygon_check.hpp"

#include <poleloc/service.hpp>
#include <poleloc/types.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace poleloc::fixtures {

// GEOS's own validity test: the oracle for the fast validity proofs.
inline bool geos_valid(const MultiPolygon& g) {
  geo::Geom geom = geo::make_geometry(g);
  return geom && GEOSisValid_r(geo::geos(), geom.get()) == 1;
}

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "poleloc-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(file(name), std::ios::binary) << content;
    return file(name);
  }

 private:
  std::filesystem::path path_;
};

// Service::open that must succeed: a failed open fails the test with the
// store's message and gives null.
inline std::unique_ptr<Service> open_ok(const std::string& path, OpenOptions options = {}) {
  auto s = Service::open(path, options);
  EXPECT_TRUE(s) << s.status().message();
  return s ? std::move(*s) : nullptr;
}

// A new database DIR/db holding `data` (imported by a Service), for tests that then open it.
inline std::string import_to_new_db(const TempDir& dir, const Dataset& data) {
  const std::string db = dir.file("db");
  auto svc = Service::open(db, {.create_if_missing = true});
  EXPECT_TRUE(svc) << svc.status().message();
  if (svc) {
    auto report = (*svc)->import(data);
    EXPECT_TRUE(report) << report.status().message();
  }
  return db;
}

inline Ring box_ring(double x0, double y0, double x1, double y1) {
  return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
}

// One polygon: a shell and its holes.
inline MultiPolygon polygon_of(Ring shell, std::vector<Ring> holes = {}) {
  Polygon p;
  p.rings.push_back(std::move(shell));
  for (Ring& h : holes) p.rings.push_back(std::move(h));
  return {p};
}

// The id of a grid, or "-" for none.
inline std::string grid_id(const std::optional<GridView>& g) { return g ? std::string(g->id()) : "-"; }

// The numbers of `poles`, in their order.
inline std::vector<std::string> numbers(const std::vector<PoleView>& poles) {
  std::vector<std::string> out;
  for (const PoleView& p : poles) out.emplace_back(p.number());
  return out;
}

// The k nearest poles of `p` in snapshot `a` are those of `b`, at the same distances.
inline void expect_same_nearest(const Snapshot& a, const Snapshot& b, LonLat p, std::size_t k) {
  auto got = a.nearest(p, {.k = k});
  auto want = b.nearest(p, {.k = k});
  ASSERT_TRUE(got && want);
  ASSERT_EQ(got->size(), want->size());
  for (std::size_t i = 0; i < got->size(); ++i) {
    EXPECT_EQ((*got)[i].pole.number(), (*want)[i].pole.number()) << p.lon << "," << p.lat << " k=" << k;
    EXPECT_DOUBLE_EQ((*got)[i].distance_m, (*want)[i].distance_m);
  }
}

// `g` scaled by `f` about the centre of its box (below 1 it shrinks).
inline GridRecord scaled(GridRecord g, double f) {
  const BBox box = geo::bounding_box(g.geometry);
  const LonLat c{(box.min_lon + box.max_lon) / 2, (box.min_lat + box.max_lat) / 2};
  for (Polygon& poly : g.geometry) {
    for (auto& ring : poly.rings) {
      for (LonLat& q : ring) q = {c.lon + (q.lon - c.lon) * f, c.lat + (q.lat - c.lat) * f};
    }
  }
  return g;
}

// The same ring walked the other way.
inline Ring reversed(Ring r) {
  std::reverse(r.begin(), r.end());
  return r;
}

// Grids drawn as text: each letter is one grid, and each letter's cells must
// form a rectangle. A character is a `cell`-degree square; row 0 is the north
// edge. '.' is no grid. Grid ids are the letters.
//
//   AAB
//   AAB     -> A: 2x2 block, B: 1x3 column, C: 2x1 row
//   CCB
inline std::vector<GridRecord> draw_grids(const std::vector<std::string>& rows, LonLat origin = {116.0, 39.0},
                                          double cell = 0.001) {
  std::map<char, std::array<int, 4>> extent;  // min col, min row, max col, max row
  for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
    for (int c = 0; c < static_cast<int>(rows[r].size()); ++c) {
      const char ch = rows[r][c];
      if (ch == '.' || ch == ' ') continue;
      auto [it, fresh] = extent.try_emplace(ch, std::array<int, 4>{c, r, c, r});
      if (!fresh) {
        it->second = {std::min(it->second[0], c), std::min(it->second[1], r), std::max(it->second[2], c),
                      std::max(it->second[3], r)};
      }
    }
  }
  const int height = static_cast<int>(rows.size());
  std::vector<GridRecord> grids;
  for (const auto& [ch, e] : extent) {
    GridRecord g;
    g.id = std::string(1, ch);
    g.name = "grid " + g.id;
    const double x0 = origin.lon + e[0] * cell, x1 = origin.lon + (e[2] + 1) * cell;
    const double y0 = origin.lat + (height - 1 - e[3]) * cell, y1 = origin.lat + (height - e[1]) * cell;
    g.geometry = {{{box_ring(x0, y0, x1, y1)}}};
    grids.push_back(std::move(g));
  }
  return grids;
}

// Reference point-in-polygon (even-odd, doubles) for points away from boundaries.
// Whether two outlines hold the very same doubles (bit for bit: -0.0 is not 0.0).
inline bool same_bits(const MultiPolygon& a, const MultiPolygon& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t p = 0; p < a.size(); ++p) {
    if (a[p].rings.size() != b[p].rings.size()) return false;
    for (std::size_t r = 0; r < a[p].rings.size(); ++r) {
      const Ring &x = a[p].rings[r], &y = b[p].rings[r];
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (std::bit_cast<std::uint64_t>(x[i].lon) != std::bit_cast<std::uint64_t>(y[i].lon) ||
            std::bit_cast<std::uint64_t>(x[i].lat) != std::bit_cast<std::uint64_t>(y[i].lat)) {
          return false;
        }
      }
    }
  }
  return true;
}

inline bool reference_contains(const MultiPolygon& mp, LonLat p) {
  bool inside = false;
  for (const Polygon& poly : mp) {
    for (const Ring& ring : poly.rings) {
      for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
        const LonLat a = ring[i], b = ring[j];
        if ((a.lat > p.lat) != (b.lat > p.lat) &&
            p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon) {
          inside = !inside;
        }
      }
    }
  }
  return inside;
}

// The rows of a tab-separated corpus file, without blank lines and '#' comments:
// (1-based line number, fields).
inline std::vector<std::pair<int, std::vector<std::string>>> read_tsv(const std::string& path) {
  std::vector<std::pair<int, std::vector<std::string>>> rows;
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      fields.push_back(line.substr(start, tab - start));
    }
    fields.push_back(line.substr(start));
    rows.emplace_back(n, std::move(fields));
  }
  return rows;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace poleloc::fixtures
