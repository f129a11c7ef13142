#include "geo/polygon_check.hpp"

#include "geo/edit_valid.hpp"
#include "geo/geodesic.hpp"
#include "geo/geos_util.hpp"
#include "geo/simple_polygon.hpp"

#include <poleloc/geo.hpp>

#include <geos_c.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <vector>

namespace poleloc::geo {
namespace {

std::string where(std::size_t poly, std::size_t ring, const MultiPolygon& mp) {
  std::string s = "ring " + std::to_string(ring);
  if (mp.size() > 1) s += " of polygon " + std::to_string(poly);
  return s;
}

}  // namespace

BBox bounding_box(const MultiPolygon& geometry) {
  BBox b{std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
         -std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  for (const Polygon& p : geometry) {
    for (const Ring& r : p.rings) {
      for (const LonLat& q : r) {
        b.min_lon = std::min(b.min_lon, q.lon);
        b.min_lat = std::min(b.min_lat, q.lat);
        b.max_lon = std::max(b.max_lon, q.lon);
        b.max_lat = std::max(b.max_lat, q.lat);
      }
    }
  }
  return b;
}

std::optional<PolygonProblem> polygon_problem(const MultiPolygon& mp) { return polygon_problem(mp, nullptr); }

std::optional<PolygonProblem> polygon_problem(const MultiPolygon& mp, const MultiPolygon* valid_before) {
  if (mp.empty()) return PolygonProblem{"geometry has no polygon", std::nullopt};
  for (std::size_t p = 0; p < mp.size(); ++p) {
    if (mp[p].rings.empty()) return PolygonProblem{"polygon " + std::to_string(p) + " has no rings", std::nullopt};
    for (std::size_t r = 0; r < mp[p].rings.size(); ++r) {
      const Ring& ring = mp[p].rings[r];
      for (const LonLat& q : ring) {
        if (!is_valid_lonlat(q)) {
          return PolygonProblem{where(p, r, mp) + " has a coordinate out of range or not a number", std::nullopt};
        }
      }
      if (ring.size() < 4) {
        return PolygonProblem{where(p, r, mp) + " has " + std::to_string(ring.size()) +
                                  " points; a closed ring needs at least 4",
                              ring.empty() ? std::nullopt : std::optional<LonLat>(ring[0])};
      }
      if (!(ring.front() == ring.back())) {
        return PolygonProblem{where(p, r, mp) + " is not closed (first point differs from last)", ring.front()};
      }
    }
  }
  // An edit of a valid outline is proven valid where it changed; the usual
  // grid (one polygon whose rings meet nowhere) is proven valid without GEOS;
  // GEOS decides everything else, and says why not.
  if (valid_before && edit_surely_valid(*valid_before, mp)) return std::nullopt;
  if (polygon_surely_valid(mp)) return std::nullopt;
  GEOSContextHandle_t h = geos();
  Geom g = make_geometry(mp);
  if (!g) return PolygonProblem{"GEOS could not build the geometry", std::nullopt};
  char* reason = nullptr;
  GEOSGeometry* location = nullptr;
  const char valid = GEOSisValidDetail_r(h, g.get(), 0, &reason, &location);
  if (valid == 1) return std::nullopt;
  PolygonProblem problem{reason ? reason : "invalid geometry", std::nullopt};
  if (location) {
    double x = 0, y = 0;
    if (GEOSGeomGetX_r(h, location, &x) == 1 && GEOSGeomGetY_r(h, location, &y) == 1) {
      problem.location = LonLat{x, y};
      char buf[64];
      std::snprintf(buf, sizeof buf, " at %.7f %.7f", x, y);
      problem.reason += buf;
    }
    GEOSGeom_destroy_r(h, location);
  }
  if (reason) GEOSFree_r(h, reason);
  return problem;
}

namespace {

// The area of a ∩ b in m², at the scale of `a`'s middle latitude; nullopt
// when GEOS could not overlay them.
std::optional<double> shared_m2(const GEOSGeometry* a, const GEOSGeometry* b, const MultiPolygon& scale_of) {
  GEOSContextHandle_t h = geos();
  Geom inter(GEOSIntersection_r(h, a, b));
  if (!inter) return std::nullopt;
  double area_deg2 = 0;
  if (GEOSArea_r(h, inter.get(), &area_deg2) != 1) return std::nullopt;
  if (area_deg2 <= 0) return 0.0;
  const BBox box = bounding_box(scale_of);
  return area_deg2 * m2_per_deg2(0.5 * (box.min_lat + box.max_lat));
}

}  // namespace

double overlap_area_m2(const MultiPolygon& a, const MultiPolygon& b) {
  Geom ga = make_geometry(a), gb = make_geometry(b);
  return shared_m2(ga.get(), gb.get(), a).value_or(0);
}

double overlap_area_m2(const MultiPolygon& a, const MultiPolygon& b, const BBox& near) {
  GEOSContextHandle_t h = geos();
  Geom ga = make_geometry(a), gb = make_geometry(b);
  // A centimetre around the box: no edge of the overlap runs along the clip.
  constexpr double kMarginDeg = 1e-7;
  auto clip = [&](const Geom& g) {
    return Geom(GEOSClipByRect_r(h, g.get(), near.min_lon - kMarginDeg, near.min_lat - kMarginDeg,
                                 near.max_lon + kMarginDeg, near.max_lat + kMarginDeg));
  };
  Geom ca = clip(ga), cb = clip(gb);
  if (ca && cb) {
    if (GEOSisEmpty_r(h, ca.get()) == 1 || GEOSisEmpty_r(h, cb.get()) == 1) return 0;
    if (auto m2 = shared_m2(ca.get(), cb.get(), a)) return *m2;
  }
  return shared_m2(ga.get(), gb.get(), a).value_or(0);
}

std::optional<LonLat> overlap_point(const MultiPolygon& a, const MultiPolygon& b) {
  GEOSContextHandle_t h = geos();
  Geom ga = make_geometry(a), gb = make_geometry(b);
  Geom inter(GEOSIntersection_r(h, ga.get(), gb.get()));
  if (!inter || GEOSisEmpty_r(h, inter.get())) return std::nullopt;
  Geom pt(GEOSPointOnSurface_r(h, inter.get()));
  double x = 0, y = 0;
  if (!pt || GEOSGeomGetX_r(h, pt.get(), &x) != 1 || GEOSGeomGetY_r(h, pt.get(), &y) != 1) return std::nullopt;
  return LonLat{x, y};
}

}  // namespace poleloc::geo
