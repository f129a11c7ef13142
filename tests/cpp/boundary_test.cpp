// Boundary-aware answers (poleloc/boundary.hpp): how far a point is from the
// edge of its grid and which other grids are within a distance of it, checked
// against distances computed independently with Karney's geodesic (PROJ's
// geodesic.h) on a small drawn city, through recent writes too.
#include "cli_runner.hpp"
#include "test_support.hpp"

#include "index/grid_index.hpp"

#include <poleloc/poleloc.hpp>

#include <geodesic.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <random>

using namespace poleloc;
using poleloc::fixtures::TempDir;

namespace {

// The drawn city: origin 116.47 E 39.92 N, cells of 0.001 degree (about 85 m
// east-west, 111 m north-south). Row 0 is the north edge.
//   AAB      A: 116.470-116.472 x 39.921-39.923     B: 116.472-116.473 x 39.921-39.923
//   AAB      C: 116.470-116.472 x 39.920-39.921
//   CC.      nothing at 116.472-116.473 x 39.920-39.921
constexpr LonLat kOrigin{116.47, 39.92};
const std::vector<std::string> kCity = {"AAB", "AAB", "CC."};

// Independent reference: Karney's geodesic on WGS84, straight from PROJ.
double reference_m(LonLat a, LonLat b) {
  geod_geodesic g{};
  geod_init(&g, 6378137.0, 1 / 298.257223563);
  double s12 = 0;
  geod_inverse(&g, a.lat, a.lon, b.lat, b.lon, &s12, nullptr, nullptr);
  return s12;
}

// A point `m` metres due west of `p` (by the reference geodesic, solved by bisection).
LonLat west_of(LonLat p, double m) {
  double lo = 0, hi = 0.01;
  for (int i = 0; i < 80; ++i) {
    const double mid = (lo + hi) / 2;
    (reference_m(p, {p.lon - mid, p.lat}) < m ? lo : hi) = mid;
  }
  return {p.lon - (lo + hi) / 2, p.lat};
}

class Boundary : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Service::open(dir_.file("db"));
    ASSERT_TRUE(s) << s.status().message();
    service_ = std::move(*s);
    Dataset d;
    d.grids = fixtures::draw_grids(kCity, kOrigin, 0.001);
    d.poles.push_back({"BND0001", west_of({116.472, 39.9225}, 5), {}});
    d.poles.push_back({"BND0002", {116.471, 39.922}, {}});
    auto r = service_->import(std::move(d));
    ASSERT_TRUE(r) << r.status().message();
  }

  std::shared_ptr<const Snapshot> snap() const { return service_->snapshot(); }

  TempDir dir_;
  std::unique_ptr<Service> service_;
};

std::vector<std::string> neighbour_ids(const GridBoundary& b) {
  std::vector<std::string> out;
  for (const NeighbourGrid& n : b.neighbour_grids) out.emplace_back(n.grid.id());
  return out;
}

void expect_within_half_percent(double got, double want) {
  EXPECT_NEAR(got, want, want * 0.005 + 0.01) << "got " << got << " m, want " << want << " m";
}

}  // namespace

TEST_F(Boundary, PointFiveMetresFromSharedEdgeListsTheNeighbourAtFiveMetres) {
  const LonLat edge{116.472, 39.9225};
  const LonLat p = west_of(edge, 5);
  auto b = snap()->boundary(p);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->inside);
  EXPECT_EQ(snap()->grid_at(p)->id(), "A");
  ASSERT_EQ(neighbour_ids(*b), std::vector<std::string>{"B"});
  expect_within_half_percent(b->neighbour_grids[0].distance_m, reference_m(p, edge));
  expect_within_half_percent(b->boundary_distance_m, reference_m(p, edge));
}

TEST_F(Boundary, PoleAnswerCarriesTheBoundaryOfItsGrid) {
  auto pole = snap()->locate("BND0001");
  ASSERT_TRUE(pole);
  auto b = snap()->boundary(*pole);
  ASSERT_TRUE(b);
  ASSERT_EQ(neighbour_ids(*b), std::vector<std::string>{"B"});
  expect_within_half_percent(b->neighbour_grids[0].distance_m, 5);
}

TEST_F(Boundary, PointDeepInsideHasNoNeighboursAndItsDistanceToTheNearestEdge) {
  const LonLat centre{116.471, 39.922};  // A's centre: 0.001 degree from its east and west edges
  auto b = snap()->boundary(centre);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->neighbour_grids.empty());
  expect_within_half_percent(b->boundary_distance_m, reference_m(centre, {116.470, 39.922}));
  EXPECT_GT(b->boundary_distance_m, 80);
}

TEST_F(Boundary, PointOnTheEdgeIsAtZeroAndListsTheGridAcross) {
  const LonLat on_edge{116.472, 39.9225};  // the A|B edge: belongs to B (east of it)
  auto b = snap()->boundary(on_edge);
  ASSERT_TRUE(b);
  EXPECT_EQ(snap()->grid_at(on_edge)->id(), "B");
  EXPECT_NEAR(b->boundary_distance_m, 0, 0.01);
  ASSERT_EQ(neighbour_ids(*b), std::vector<std::string>{"A"});
  EXPECT_NEAR(b->neighbour_grids[0].distance_m, 0, 0.01);
  // boundary_m = 0 names exactly the grids the point touches.
  EXPECT_EQ(neighbour_ids(*snap()->boundary(on_edge, 0)), std::vector<std::string>{"A"});
}

TEST_F(Boundary, WithinDecidesWhichGridsAreNeighbours) {
  const LonLat p = west_of({116.472, 39.9225}, 5);
  EXPECT_TRUE(snap()->boundary(p, 4)->neighbour_grids.empty());
  EXPECT_EQ(neighbour_ids(*snap()->boundary(p, 6)), std::vector<std::string>{"B"});
  EXPECT_TRUE(snap()->boundary(p, 0)->neighbour_grids.empty());
  // C's north edge is 0.0015 degree of latitude (about 167 m) south of p.
  EXPECT_EQ(neighbour_ids(*snap()->boundary(p, 200)), (std::vector<std::string>{"B", "C"}));
}

TEST_F(Boundary, NeighboursNearACornerComeNearestFirst) {
  const LonLat p{116.4719, 39.9211};  // in A, 0.0001 degree from B (about 8.5 m) and from C (about 11.1 m)
  auto b = snap()->boundary(p);
  ASSERT_TRUE(b);
  ASSERT_EQ(neighbour_ids(*b), (std::vector<std::string>{"B", "C"}));
  expect_within_half_percent(b->neighbour_grids[0].distance_m, reference_m(p, {116.472, 39.9211}));
  expect_within_half_percent(b->neighbour_grids[1].distance_m, reference_m(p, {116.4719, 39.921}));
  expect_within_half_percent(b->boundary_distance_m, b->neighbour_grids[0].distance_m);
}

TEST_F(Boundary, PointOutsideEveryGridMeasuresToTheNearestGrid) {
  const LonLat p{116.4725, 39.9205};  // the empty cell: C's east edge 0.0005 degree west, B 0.0005 degree north
  auto b = snap()->boundary(p);
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->inside);
  EXPECT_TRUE(b->neighbour_grids.empty());
  expect_within_half_percent(b->boundary_distance_m, reference_m(p, {116.472, 39.9205}));
  auto wide = snap()->boundary(p, 50);
  ASSERT_TRUE(wide);
  EXPECT_EQ(neighbour_ids(*wide), std::vector<std::string>{"C"});
}

TEST_F(Boundary, PointFarFromEveryGridHasNoBoundary) {
  EXPECT_FALSE(snap()->boundary(LonLat{117.5, 39.92}));
  EXPECT_FALSE(snap()->boundary(LonLat{200, 39.92}));  // not a lon/lat
}

TEST_F(Boundary, GridWrittenThroughTheOverlayIsANeighbourAtOnce) {
  const LonLat p = west_of({116.473, 39.9225}, 5);  // in B, 5 m from its east edge
  EXPECT_TRUE(snap()->boundary(p)->neighbour_grids.empty());
  GridRecord d;
  d.id = "D";
  d.name = "grid D";
  d.geometry = {{{fixtures::box_ring(116.473, 39.921, 116.474, 39.923)}}};
  ASSERT_TRUE(service_->put_grid(d));
  auto b = snap()->boundary(p);
  ASSERT_TRUE(b);
  ASSERT_EQ(neighbour_ids(*b), std::vector<std::string>{"D"});
  expect_within_half_percent(b->neighbour_grids[0].distance_m, 5);

  ASSERT_TRUE(service_->delete_grid("D"));
  EXPECT_TRUE(snap()->boundary(p)->neighbour_grids.empty());
}

TEST_F(Boundary, BaseGridDeletedThroughTheOverlayIsNoLongerANeighbour) {
  const LonLat p = west_of({116.472, 39.9225}, 5);
  ASSERT_TRUE(service_->delete_grid("B"));
  auto b = snap()->boundary(p);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->neighbour_grids.empty());
  expect_within_half_percent(b->boundary_distance_m, 5);  // A's own edge is still there
}

TEST_F(Boundary, PointInAGridWrittenThroughTheOverlayMeasuresToItsEdge) {
  GridRecord e;
  e.id = "E";
  e.name = "grid E";
  e.geometry = {{{fixtures::box_ring(116.48, 39.92, 116.49, 39.93)}}};
  ASSERT_TRUE(service_->put_grid(e));
  const LonLat p = west_of({116.49, 39.925}, 7);
  auto b = snap()->boundary(p);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->inside);
  EXPECT_EQ(snap()->grid_at(p)->id(), "E");
  expect_within_half_percent(b->boundary_distance_m, 7);
}

TEST_F(Boundary, CliNamesTheNeighbourGridAndHonoursBoundaryM) {
  using fixtures::run_cli;
  const std::string db = dir_.file("db");
  auto near = run_cli({"locate", "--db", db, "BND0001"}, dir_);
  ASSERT_EQ(near.status, 0) << near.err;
  EXPECT_NE(near.out.find("boundary: 5 m to the grid's edge; 近网格边界 near the boundary with B grid B (5 m)"),
            std::string::npos) << near.out;
  auto narrow = run_cli({"locate", "--db", db, "--boundary-m", "4", "BND0001"}, dir_);
  ASSERT_EQ(narrow.status, 0) << narrow.err;
  EXPECT_EQ(narrow.out.find("near the boundary"), std::string::npos) << narrow.out;

  auto as_json = run_cli({"locate", "--db", db, "--json", "BND0001"}, dir_);
  ASSERT_EQ(as_json.status, 0) << as_json.err;
  const auto j = nlohmann::json::parse(as_json.out);
  EXPECT_NEAR(j["boundary_distance_m"].get<double>(), 5, 0.03);
  ASSERT_EQ(j["neighbour_grids"].size(), 1u);
  EXPECT_EQ(j["neighbour_grids"][0]["id"], "B");
  EXPECT_EQ(j["neighbour_grids"][0]["name"], "grid B");
  EXPECT_NEAR(j["neighbour_grids"][0]["distance_m"].get<double>(), 5, 0.03);
  auto deep = run_cli({"locate", "--db", db, "--json", "BND0002"}, dir_);
  ASSERT_EQ(deep.status, 0) << deep.err;
  EXPECT_FALSE(nlohmann::json::parse(deep.out).contains("neighbour_grids")) << deep.out;

  auto bad = run_cli({"locate", "--db", db, "--boundary-m", "2000", "BND0001"}, dir_);
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--boundary-m"), std::string::npos) << bad.err;

  auto outside = run_cli({"grid-at", "--db", db, "116.4725", "39.9205"}, dir_);
  EXPECT_EQ(outside.status, 1);
  EXPECT_NE(outside.err.find("outside every grid, the nearest 43 m away"), std::string::npos) << outside.err;
}

TEST(BoundaryWithin, FacesRejectDistancesOutOfRangeNamingTheParameter) {
  EXPECT_TRUE(check_boundary_within(0));
  EXPECT_TRUE(check_boundary_within(15));
  EXPECT_TRUE(check_boundary_within(kBoundaryNeighbourMaxM));
  for (double bad : {-1.0, kBoundaryNeighbourMaxM + 1, std::nan(""), double{INFINITY}}) {
    const Status st = check_boundary_within(bad, "boundary_m");
    EXPECT_EQ(st.code(), ErrorCode::bad_request);
    EXPECT_NE(st.message().find("boundary_m"), std::string::npos) << st.message();
  }
}

// The band search must find the same nearest edge as a scan of every edge, on a
// grid with many vertices, east-west runs and a hole.
TEST(GridIndexBoundary, NearestBoundaryPointMatchesAScanOfEveryEdge) {
  Ring shell;
  const int n = 1200;
  for (int i = 0; i < n; ++i) {
    const double a = 2 * M_PI * i / n;
    double r = 0.02 * (1 + 0.2 * std::sin(7 * a));
    // Steps: every fourth vertex shares the latitude of the one before (east-west edges).
    double lat = 39.9 + r * std::sin(a);
    if (i % 4 == 1) lat = shell.back().lat;
    shell.push_back({116.4 + r * std::cos(a), lat});
  }
  shell.push_back(shell.front());
  const Ring hole = fixtures::box_ring(116.395, 39.895, 116.405, 39.905);
  MultiPolygon mp = {{{shell, Ring(hole.rbegin(), hole.rend())}}};
  index::GridIndex idx;
  idx.build({&mp});

  std::vector<index::GridIndex::Edge> edges;
  for (const Ring& ring : mp[0].rings) {
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
      auto snap = [](double v) { return static_cast<std::int32_t>(std::llround(v * 1e7)); };
      edges.push_back({snap(ring[i].lon), snap(ring[i].lat), snap(ring[i + 1].lon), snap(ring[i + 1].lat)});
    }
  }
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> lon(116.37, 116.43), lat(39.87, 39.93);
  for (int k = 0; k < 100; ++k) {
    const LonLat p{lon(rng), lat(rng)};
    double want = INFINITY;  // the reference: every edge, sampled finely, by the reference geodesic
    for (const auto& e : edges) {
      const LonLat a{e.x0 / 1e7, e.y0 / 1e7}, b{e.x1 / 1e7, e.y1 / 1e7};
      // Golden-section search along the edge (distance to a segment is unimodal).
      double lo = 0, hi = 1;
      auto at = [&](double t) { return reference_m(p, {a.lon + t * (b.lon - a.lon), a.lat + t * (b.lat - a.lat)}); };
      if (std::min(at(0), at(1)) - reference_m(a, b) > want) continue;  // cannot beat the best
      for (int i = 0; i < 40; ++i) {
        const double m1 = lo + (hi - lo) * 0.382, m2 = lo + (hi - lo) * 0.618;
        if (at(m1) < at(m2)) {
          hi = m2;
        } else {
          lo = m1;
        }
      }
      want = std::min({want, at((lo + hi) / 2), at(0), at(1)});
    }
    auto got = idx.nearest_boundary_point(0, p, INFINITY);
    ASSERT_TRUE(got);
    EXPECT_NEAR(reference_m(p, got->point), want, want * 0.001 + 0.005) << p.lon << "," << p.lat;
    // Bounded: found exactly when the nearest edge is within the bound.
    EXPECT_EQ(idx.nearest_boundary_point(0, p, want * 0.9).has_value(), false);
    EXPECT_TRUE(idx.nearest_boundary_point(0, p, want * 1.1 + 0.01));
  }
}
