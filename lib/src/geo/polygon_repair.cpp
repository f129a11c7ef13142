#include "geo/polygon_repair.hpp"

#include "geo/geodesic.hpp"
#include "geo/geos_util.hpp"
#include "geo/polygon_check.hpp"

#include <geos_c.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

namespace poleloc::geo {
namespace {

// Twice the signed area in square degrees: positive for counter-clockwise.
double signed_area2(const Ring& r) {
  double s = 0;
  for (std::size_t i = 0; i + 1 < r.size(); ++i) s += r[i].lon * r[i + 1].lat - r[i + 1].lon * r[i].lat;
  return s;
}

std::string at(LonLat p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, " at %.7f %.7f", p.lon, p.lat);
  return buf;
}

std::string where(std::size_t poly, std::size_t ring, std::size_t polys) {
  std::string s = ring == 0 ? "the outer ring" : "hole " + std::to_string(ring);
  if (polys > 1) s += " of polygon " + std::to_string(poly);
  return s;
}

std::string metres2(double m2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", m2);
  std::string s = buf;
  // thousands separators in the integer part
  const std::size_t dot = s.find('.');
  const std::size_t start = (s[0] == '-') ? 1 : 0;
  for (std::size_t i = dot; i > start + 3; i -= 3) s.insert(i - 3, ",");
  return s;
}

}  // namespace

double area_m2(const MultiPolygon& geometry) {
  if (geometry.empty()) return 0;
  double deg2 = 0;
  for (const Polygon& p : geometry) {
    for (std::size_t r = 0; r < p.rings.size(); ++r) {
      const double a = std::fabs(signed_area2(p.rings[r])) / 2;
      deg2 += r == 0 ? a : -a;
    }
  }
  const BBox box = bounding_box(geometry);
  const DegreeScale s = degree_scale(0.5 * (box.min_lat + box.max_lat));
  return deg2 * s.m_per_deg_lat * s.m_per_deg_lon;
}

std::string PolygonRepair::describe() const {
  std::string s;
  for (const std::string& p : problems) {
    if (!s.empty()) s += "; ";
    s += p;
  }
  const double change = area_after_m2 - area_before_m2;
  s += "; area " + metres2(area_before_m2) + " m² -> " + metres2(area_after_m2) + " m² (" + (change >= 0 ? "+" : "") +
       metres2(change) + " m²)";
  return s;
}

Result<std::optional<PolygonRepair>> repair_polygon(MultiPolygon& mp, const RepairOptions& options) {
  PolygonRepair repair;
  auto problem = [&](std::string what, std::optional<LonLat> p) {
    if (p) what += at(*p);
    repair.problems.push_back(std::move(what));
    if (!repair.location && p) repair.location = p;
  };
  MultiPolygon cleaned;
  const std::size_t polys = mp.size();
  for (std::size_t pi = 0; pi < mp.size(); ++pi) {
    Polygon out;
    for (std::size_t ri = 0; ri < mp[pi].rings.size(); ++ri) {
      Ring ring;
      ring.reserve(mp[pi].rings[ri].size() + 1);
      std::size_t repeated = 0;
      std::optional<LonLat> first_repeat;
      for (const LonLat& q : mp[pi].rings[ri]) {
        if (!std::isfinite(q.lon) || !std::isfinite(q.lat)) continue;
        if (!ring.empty() && ring.back() == q) {
          ++repeated;
          if (!first_repeat) first_repeat = q;
          continue;
        }
        ring.push_back(q);
      }
      // A closed ring's last point repeats its first: that is not a repeat.
      const bool closed = ring.size() > 1 && ring.front() == ring.back();
      if (repeated) problem(where(pi, ri, polys) + " repeats a point " + std::to_string(repeated) + " time(s)", first_repeat);
      if (!closed && !ring.empty()) {
        problem(where(pi, ri, polys) + " is not closed", ring.back());
        ring.push_back(ring.front());
      }
      if (ring.size() < 4) {
        problem(where(pi, ri, polys) + " has fewer than 3 distinct points and was dropped",
                ring.empty() ? std::nullopt : std::optional<LonLat>(ring.front()));
        if (ri == 0) break;  // no shell: the polygon goes
        continue;
      }
      const double s = signed_area2(ring);
      const bool want_ccw = ri == 0;
      if ((s < 0 && want_ccw) || (s > 0 && !want_ccw)) {
        if (options.report_orientation) {
          problem(where(pi, ri, polys) + " runs " + (want_ccw ? "clockwise" : "counter-clockwise") +
                      " (turned around)",
                  std::nullopt);
        }
        std::reverse(ring.begin(), ring.end());
      }
      out.rings.push_back(std::move(ring));
    }
    if (!out.rings.empty()) cleaned.push_back(std::move(out));
  }
  repair.area_before_m2 = area_m2(cleaned.empty() ? mp : cleaned);
  if (cleaned.empty()) return Status(ErrorCode::invalid_input, "no polygon is left after the repair");

  GEOSContextHandle_t h = geos();
  Geom g = make_geometry(cleaned, /*always_multi=*/true);
  if (!g) return Status(ErrorCode::invalid_input, "GEOS could not build the geometry");
  char* reason = nullptr;
  GEOSGeometry* location = nullptr;
  const char valid = GEOSisValidDetail_r(h, g.get(), 0, &reason, &location);
  if (valid != 1) {
    std::optional<LonLat> p;
    double x = 0, y = 0;
    if (location && GEOSGeomGetX_r(h, location, &x) == 1 && GEOSGeomGetY_r(h, location, &y) == 1) p = LonLat{x, y};
    problem(reason ? reason : "invalid geometry", p);
    if (location) GEOSGeom_destroy_r(h, location);
    if (reason) GEOSFree_r(h, reason);
    GEOSMakeValidParams* params = GEOSMakeValidParams_create_r(h);
    GEOSMakeValidParams_setMethod_r(h, params, GEOS_MAKE_VALID_STRUCTURE);
    GEOSMakeValidParams_setKeepCollapsed_r(h, params, 0);
    Geom fixed(GEOSMakeValidWithParams_r(h, g.get(), params));
    GEOSMakeValidParams_destroy_r(h, params);
    if (!fixed) return Status(ErrorCode::invalid_input, "GEOS MakeValid failed");
    // Normalize gives GEOS's canonical ring order (shells clockwise): turn them back.
    MultiPolygon result;
    append_polygons(fixed.get(), result);
    for (Polygon& poly : result) {
      for (std::size_t r = 0; r < poly.rings.size(); ++r) {
        const double s = signed_area2(poly.rings[r]);
        if ((r == 0 && s < 0) || (r > 0 && s > 0)) std::reverse(poly.rings[r].begin(), poly.rings[r].end());
      }
    }
    if (result.empty()) return Status(ErrorCode::invalid_input, "nothing polygonal is left after MakeValid");
    cleaned = std::move(result);
  } else {
    if (location) GEOSGeom_destroy_r(h, location);
    if (reason) GEOSFree_r(h, reason);
  }
  if (repair.problems.empty()) return std::optional<PolygonRepair>();
  repair.area_after_m2 = area_m2(cleaned);
  mp = std::move(cleaned);
  return std::optional<PolygonRepair>(std::move(repair));
}

}  // namespace poleloc::geo
