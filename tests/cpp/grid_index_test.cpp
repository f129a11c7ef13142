#include "index/grid_index.hpp"
#include "test_support.hpp"

#include "synthetic_city.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>

using namespace poleloc;
using poleloc::fixtures::box_ring;
using poleloc::fixtures::draw_grids;

namespace {

struct Fixture {
  std::vector<GridRecord> grids;
  index::GridIndex idx;
  explicit Fixture(std::vector<GridRecord> g) : grids(std::move(g)) {
    std::vector<const MultiPolygon*> geoms;
    for (const auto& r : grids) geoms.push_back(&r.geometry);
    idx.build(geoms);
  }
  std::string at(LonLat p) const {
    auto g = idx.find(p);
    return g ? grids[*g].id : ".";
  }
};

// Cell (col, row) centre of draw_grids' default layout (origin 116.0, 39.0; 0.001 degree cells).
LonLat corner(int col, int row_from_south) { return {116.0 + col * 0.001, 39.0 + row_from_south * 0.001}; }

}  // namespace

TEST(GridIndex, InteriorPointsGetTheirGrid) {
  Fixture f(draw_grids({"AAB",
                        "AAB",
                        "CCB"}));
  EXPECT_EQ(f.at({116.0005, 39.0025}), "A");
  EXPECT_EQ(f.at({116.0025, 39.0015}), "B");
  EXPECT_EQ(f.at({116.0005, 39.0005}), "C");
}

TEST(GridIndex, PointOutsideEveryGridGetsNone) {
  Fixture f(draw_grids({"AA.",
                        "AA."}));
  EXPECT_EQ(f.at({116.0025, 39.0005}), ".");
  EXPECT_EQ(f.at({115.9, 39.0005}), ".");
  EXPECT_EQ(f.at({116.0005, 45.0}), ".");
  EXPECT_EQ(f.at({-170, -80}), ".");
}

TEST(GridIndex, PointOnSharedEdgeBelongsToTheGridEastOfIt) {
  Fixture f(draw_grids({"AB",
                        "AB"}));
  // The A|B edge is at lon 116.001.
  for (double lat : {39.0003, 39.001, 39.0017}) EXPECT_EQ(f.at({116.001, lat}), "B") << lat;
}

TEST(GridIndex, PointOnSharedEastWestEdgeBelongsToTheGridNorthOfIt) {
  Fixture f(draw_grids({"A",
                        "B"}));
  // A is north of B; the edge is at lat 39.001.
  EXPECT_EQ(f.at({116.0004, 39.001}), "A");
}

TEST(GridIndex, SharedVertexBelongsToTheNorthEastGrid) {
  Fixture f(draw_grids({"AB",
                        "CD"}));
  EXPECT_EQ(f.at(corner(1, 1)), "B");
}

TEST(GridIndex, EveryPointOnSharedBoundariesBelongsToExactlyOneGrid) {
  // Slanted shared edges: a fan of triangles around a centre, all sharing edges and one vertex.
  std::vector<GridRecord> grids;
  const LonLat c{116.47, 39.92};
  const int n = 7;
  std::vector<LonLat> rim;
  for (int i = 0; i < n; ++i) {
    const double a = 2 * 3.14159265358979 * i / n;
    rim.push_back({c.lon + 0.01 * std::cos(a), c.lat + 0.008 * std::sin(a)});
  }
  for (int i = 0; i < n; ++i) {
    GridRecord g;
    g.id = "T" + std::to_string(i);
    g.geometry = {{{{c, rim[i], rim[(i + 1) % n], c}}}};
    grids.push_back(std::move(g));
  }
  Fixture f(grids);
  // Points exactly on the spokes (snapped to 1e-7 degree) and the centre.
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k <= 100; ++k) {
      const double t = k / 100.0;
      const LonLat p{std::round((c.lon + t * (rim[i].lon - c.lon)) * 1e7) / 1e7,
                     std::round((c.lat + t * (rim[i].lat - c.lat)) * 1e7) / 1e7};
      int owners = 0;
      std::string owner = ".";
      for (std::size_t g = 0; g < grids.size(); ++g) {
        // Ask the index about each grid alone: exactly one grid must claim a point inside the fan.
        Fixture single({grids[g]});
        if (single.idx.find(p)) {
          ++owners;
          owner = grids[g].id;
        }
      }
      const bool strictly_inside_fan = t < 0.99;
      if (strictly_inside_fan) {
        EXPECT_EQ(owners, 1) << "spoke " << i << " t " << t;
      }
      EXPECT_LE(owners, 1);
      // The combined index gives the grid that claims the point on its own.
      EXPECT_EQ(f.at(p), owner) << "spoke " << i << " t " << t;
    }
  }
}

TEST(GridIndex, HoleIsNotPartOfTheGrid) {
  GridRecord g;
  g.id = "H";
  g.geometry = {{{box_ring(116.0, 39.0, 116.01, 39.01), box_ring(116.004, 39.004, 116.006, 39.006)}}};
  GridRecord inner;
  inner.id = "I";
  inner.geometry = {{{box_ring(116.004, 39.004, 116.006, 39.006)}}};
  Fixture with_hole({g});
  EXPECT_EQ(with_hole.at({116.002, 39.002}), "H");
  EXPECT_EQ(with_hole.at({116.005, 39.005}), ".");
  Fixture both({g, inner});
  EXPECT_EQ(both.at({116.005, 39.005}), "I");
  EXPECT_EQ(both.at({116.0065, 39.005}), "H");
}

TEST(GridIndex, EveryPartOfAMultiPolygonBelongsToTheGrid) {
  GridRecord g;
  g.id = "M";
  g.geometry = {{{box_ring(116.0, 39.0, 116.001, 39.001)}}, {{box_ring(116.005, 39.005, 116.006, 39.006)}}};
  Fixture f({g});
  EXPECT_EQ(f.at({116.0005, 39.0005}), "M");
  EXPECT_EQ(f.at({116.0055, 39.0055}), "M");
  EXPECT_EQ(f.at({116.003, 39.003}), ".");
}

TEST(GridIndex, InvalidPointsGetNone) {
  Fixture f(draw_grids({"A"}));
  EXPECT_EQ(f.at({std::nan(""), 39.0005}), ".");
  EXPECT_EQ(f.at({116.0005, std::numeric_limits<double>::infinity()}), ".");
}

TEST(GridIndex, EmptyIndexAnswersNone) {
  index::GridIndex idx;
  idx.build({});
  EXPECT_FALSE(idx.find({116, 39}).has_value());
}

TEST(GridIndex, AgreesWithReferencePointInPolygonOnASyntheticCity) {
  const Dataset city = synth::make_city({.grids = 400, .poles = 2000, .seed = 11});
  Fixture f(city.grids);
  const auto points = synth::random_points(city, 50000, 5);
  std::size_t checked = 0;
  for (const LonLat& p : points) {
    std::vector<std::size_t> owners;
    for (std::size_t g = 0; g < city.grids.size(); ++g) {
      if (fixtures::reference_contains(city.grids[g].geometry, p)) owners.push_back(g);
    }
    ASSERT_LE(owners.size(), 1u) << "synthetic grids overlap at " << p.lon << "," << p.lat;
    const auto got = f.idx.find(p);
    if (owners.empty()) {
      // A point the reference calls outside may be on a boundary (within 1e-7 degree); only check clear cases.
      if (got) {
        const LonLat q{p.lon + 2e-7, p.lat + 2e-7};
        EXPECT_TRUE(fixtures::reference_contains(city.grids[*got].geometry, q) ||
                    fixtures::reference_contains(city.grids[*got].geometry, {p.lon - 2e-7, p.lat - 2e-7}))
            << p.lon << "," << p.lat;
      }
    } else {
      ASSERT_TRUE(got.has_value()) << p.lon << "," << p.lat;
      EXPECT_EQ(*got, owners[0]) << p.lon << "," << p.lat;
    }
    ++checked;
  }
  EXPECT_EQ(checked, points.size());
}

// Grids of 50,000 vertices (wiggly discs: a horizontal line crosses their
// boundary hundreds of times): the latitude bands scale with the edge count
// instead of stopping at 256, and the answers stay those of a plain
// point-in-polygon test over every edge.
TEST(GridIndex, GridsOfFiftyThousandVerticesAgreeWithReferencePointInPolygon) {
  constexpr double kPi = 3.14159265358979323846;
  std::vector<GridRecord> grids;
  for (int g = 0; g < 2; ++g) {
    Ring ring;
    const double cx = 116.2 + g * 0.08, cy = 39.7, r = 0.022;
    for (int i = 0; i < 50000; ++i) {
      const double t = 2 * kPi * i / 50000.0;
      const double rr = r * (1 + 0.2 * std::sin(40 * t + g) + 0.05 * std::sin(997 * t) + 0.01 * std::sin(9973 * t));
      ring.push_back({cx + rr * std::cos(t) * 1.3, cy + rr * std::sin(t)});
    }
    ring.push_back(ring.front());
    GridRecord rec;
    rec.id = "G" + std::to_string(g);
    rec.geometry = MultiPolygon{Polygon{{std::move(ring)}}};
    grids.push_back(std::move(rec));
  }
  Fixture f(grids);
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> lon(116.16, 116.32), lat(39.67, 39.73);
  int inside = 0;
  for (int i = 0; i < 4000; ++i) {
    const LonLat p{lon(rng), lat(rng)};
    std::optional<std::size_t> want;
    for (std::size_t g = 0; g < grids.size(); ++g) {
      if (fixtures::reference_contains(grids[g].geometry, p)) want = g;
    }
    const auto got = f.idx.find(p);
    inside += got.has_value();
    if (got.has_value() != want.has_value() || (got && *got != *want)) {
      // Only a point within a few 1e-7 degree of an edge may differ (snapping).
      const auto& geom = grids[got ? *got : *want].geometry;
      const bool a = fixtures::reference_contains(geom, {p.lon + 3e-7, p.lat + 3e-7});
      const bool b = fixtures::reference_contains(geom, {p.lon - 3e-7, p.lat - 3e-7});
      const bool c = fixtures::reference_contains(geom, {p.lon + 3e-7, p.lat - 3e-7});
      const bool d = fixtures::reference_contains(geom, {p.lon - 3e-7, p.lat + 3e-7});
      EXPECT_FALSE(a == b && b == c && c == d) << p.lon << "," << p.lat;
    }
  }
  EXPECT_GT(inside, 1000);
}

namespace {
// The boundary rule of grid_index.hpp, written plainly: a ray east over every edge.
bool ray_east_contains(const MultiPolygon& geometry, LonLat p) {
  const std::int64_t x = std::llround(p.lon * 1e7), y = std::llround(p.lat * 1e7);
  bool inside = false;
  for (const Polygon& poly : geometry) {
    for (const Ring& ring : poly.rings) {
      for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        std::int64_t x0 = std::llround(ring[i].lon * 1e7), y0 = std::llround(ring[i].lat * 1e7);
        std::int64_t x1 = std::llround(ring[i + 1].lon * 1e7), y1 = std::llround(ring[i + 1].lat * 1e7);
        if (y0 > y1) std::swap(x0, x1), std::swap(y0, y1);
        if (y < y0 || y >= y1) continue;
        if ((x - x0) * (y1 - y0) < (y - y0) * (x1 - x0)) inside = !inside;
      }
    }
  }
  return inside;
}
}  // namespace

// Two grids sharing a boundary that zigzags along a parallel: a line of latitude
// crosses it 200 times, a meridian once, so the index casts its ray north there.
// Every lattice point, on the zigzag's edges and vertices included, gets the
// grid of the plain ray-east rule (the documented boundary rule).
TEST(GridIndex, RayNorthGivesTheSameAnswerAsTheBoundaryRuleOnEdgesAndVertices) {
  Ring zig;
  for (int i = 0; i <= 200; ++i) zig.push_back({116.0 + i * 1e-4, 39.0 + (i % 2) * 1e-4});
  Ring south = zig, north(zig.rbegin(), zig.rend());
  south.push_back({116.02, 38.99});
  south.push_back({116.0, 38.99});
  south.push_back(south.front());
  north.push_back({116.0, 39.01});
  north.push_back({116.02, 39.01});
  north.push_back(north.front());
  std::vector<GridRecord> grids(2);
  grids[0].id = "S";
  grids[0].geometry = MultiPolygon{Polygon{{south}}};
  grids[1].id = "N";
  grids[1].geometry = MultiPolygon{Polygon{{north}}};
  Fixture f(grids);
  int on_boundary = 0;
  for (int ix = -4; ix <= 804; ++ix) {
    for (int iy = -8; iy <= 12; ++iy) {
      const LonLat p{116.0 + ix * 2.5e-6 * 10, 39.0 + iy * 2.5e-5};
      std::string want = ".";
      for (std::size_t g = 0; g < grids.size(); ++g) {
        if (ray_east_contains(grids[g].geometry, p)) want = grids[g].id;
      }
      on_boundary += (iy >= 0 && iy <= 4);
      ASSERT_EQ(f.at(p), want) << ix << "," << iy;
    }
  }
  EXPECT_GT(on_boundary, 0);
}

// contains() and find_unless() (an overlay layer asks them when a newer layer
// hid the grid find() gave) answer by the same boundary rule as find(): on
// points exactly on shared edges and vertices, inside, and outside; and with
// overlapping grids, find_unless() gives the lowest grid not skipped.
TEST(GridIndex, ContainsAndFindUnlessFollowFindsBoundaryRule) {
  const Dataset city = synth::make_city({.grids = 100, .poles = 500, .seed = 3});
  Fixture f(city.grids);
  std::vector<LonLat> points = synth::random_points(city, 20000, 9);
  for (std::size_t g = 0; g < city.grids.size(); g += 7) {  // the vertices themselves, and points on edges
    const Ring& r = city.grids[g].geometry[0].rings[0];
    for (std::size_t i = 0; i + 1 < r.size(); ++i) {
      points.push_back(r[i]);
      points.push_back({std::round((r[i].lon + r[i + 1].lon) * 0.5e7) / 1e7, std::round((r[i].lat + r[i + 1].lat) * 0.5e7) / 1e7});
    }
  }
  for (const LonLat& p : points) {
    const auto found = f.idx.find(p);
    std::optional<std::uint32_t> first;
    for (std::uint32_t g = 0; g < city.grids.size() && !first; ++g) {
      if (f.idx.contains(g, p)) first = g;
    }
    ASSERT_EQ(found, first) << p.lon << "," << p.lat;
    EXPECT_EQ(f.idx.find_unless(p, [](std::uint32_t) { return false; }), found) << p.lon << "," << p.lat;
    if (found) {
      EXPECT_FALSE(f.idx.find_unless(p, [&](std::uint32_t g) { return g == *found; }));
    }
  }
  // Overlapping: B covers A's east half, C inside both; skipping the lowest gives the next.
  Fixture over({{"A", "", {}, {{{box_ring(116.0, 39.0, 116.2, 39.1)}}}},
                {"B", "", {}, {{{box_ring(116.1, 39.0, 116.3, 39.1)}}}},
                {"C", "", {}, {{{box_ring(116.15, 39.02, 116.18, 39.05)}}}}});
  const LonLat p{116.16, 39.03};
  EXPECT_EQ(over.idx.find(p), 0u);
  EXPECT_EQ(over.idx.find_unless(p, [](std::uint32_t g) { return g == 0; }), 1u);
  EXPECT_EQ(over.idx.find_unless(p, [](std::uint32_t g) { return g <= 1; }), 2u);
  EXPECT_FALSE(over.idx.find_unless(p, [](std::uint32_t) { return true; }));
  EXPECT_EQ(over.idx.find_unless({116.25, 39.05}, [](std::uint32_t g) { return g == 0; }), 1u);
}

// An index taking some grids as parts (each indexed on its own, as an
// overlay's layers take large grids) answers every question as an index
// built over every grid's edges: find() on random points, vertices and edge
// midpoints (the boundary rule), the lowest grid where grids overlap whether
// it is a part or not, contains(), candidates(), the nearest boundary point
// and each grid's coordinates.
TEST(GridIndex, PartsAnswerAsOneIndexOverEveryEdge) {
  Dataset city = synth::make_city({.grids = 60, .poles = 100, .seed = 5});
  // Overlapping grids, among them parts: a point in several gets the lowest index.
  city.grids.push_back({"OVER-1", "", {}, {{{box_ring(116.46, 39.915, 116.475, 39.925)}}}});
  city.grids.push_back({"OVER-2", "", {}, {{{box_ring(116.465, 39.91, 116.48, 39.93)}}}});
  Fixture flat(city.grids);
  // Every grid a part; the even ones (OVER-1 a part below OVER-2); the odd
  // ones (OVER-2 a part above OVER-1); every third.
  for (const auto& [every, first] : {std::pair(1, 0), std::pair(2, 0), std::pair(2, 1), std::pair(3, 0)}) {
    SCOPED_TRACE("a part every " + std::to_string(every) + " grids from " + std::to_string(first));
    std::vector<index::SnappedGrid> snapped;
    std::vector<index::GridIndex::Part> parts(city.grids.size());
    for (std::size_t g = 0; g < city.grids.size(); ++g) {
      const bool part = g % every == static_cast<std::size_t>(first);
      snapped.push_back(part ? index::SnappedGrid{} : index::SnappedGrid::of(city.grids[g].geometry));
      if (part) parts[g] = index::GridIndex::part_of(city.grids[g].geometry);
    }
    index::GridIndex parted;
    parted.build_snapped(std::move(snapped), std::move(parts));
    ASSERT_TRUE(parted.has_parts());
    ASSERT_EQ(parted.grid_count(), city.grids.size());
    std::vector<LonLat> points = synth::random_points(city, 20000, 11);
    for (const GridRecord& g : city.grids) {
      const Ring& r = g.geometry[0].rings[0];
      for (std::size_t i = 0; i + 1 < r.size(); ++i) {
        points.push_back(r[i]);
        points.push_back({std::round((r[i].lon + r[i + 1].lon) * 0.5e7) / 1e7,
                          std::round((r[i].lat + r[i + 1].lat) * 0.5e7) / 1e7});
      }
    }
    int in_overlap = 0;
    for (const LonLat& p : points) {
      ASSERT_EQ(parted.find(p), flat.idx.find(p)) << p.lon << "," << p.lat;
      const std::uint32_t last = static_cast<std::uint32_t>(city.grids.size() - 1);
      in_overlap += flat.idx.contains(last, p) && flat.idx.contains(last - 1, p);
      for (const std::uint32_t g : {0u, 1u, last - 1, last}) EXPECT_EQ(parted.contains(g, p), flat.idx.contains(g, p));
    }
    EXPECT_GT(in_overlap, 0);
    for (std::size_t i = 0; i < points.size(); i += 97) {
      const LonLat p = points[i];
      const BBox box{p.lon - 0.003, p.lat - 0.002, p.lon + 0.003, p.lat + 0.002};
      EXPECT_EQ(parted.candidates(box), flat.idx.candidates(box));
      for (const std::uint32_t g : {0u, 2u, 4u}) {
        const auto a = parted.nearest_boundary_point(g, p, 500), b = flat.idx.nearest_boundary_point(g, p, 500);
        ASSERT_EQ(a.has_value(), b.has_value());
        if (a) {
          EXPECT_EQ(a->point, b->point);
        }
      }
    }
    for (std::uint32_t g = 0; g < city.grids.size(); ++g) {
      EXPECT_EQ(parted.grid(g).rebuild(), flat.idx.grid(g).rebuild()) << city.grids[g].id;
    }
    EXPECT_EQ(parted.stats().edges, flat.idx.stats().edges);
  }
  // Written to no grid index file: its parts have no arrays in it.
  index::GridIndex one;
  one.build_snapped({index::SnappedGrid{}}, {index::GridIndex::part_of(city.grids[0].geometry)});
  std::vector<std::uint32_t> rings;
  EXPECT_THROW(one.arrays(rings), std::logic_error);
}
