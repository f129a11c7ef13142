#include "geo/geodesic.hpp"

#include <poleloc/geo.hpp>

#include <geodesic.h>

#include <cmath>

namespace poleloc::geo {
namespace {

constexpr double kA = 6378137.0;
constexpr double kF = 1 / 298.257223563;
constexpr double kE2 = kF * (2 - kF);
constexpr double kDegToRad = 3.14159265358979323846 / 180.0;

const geod_geodesic& wgs84() {
  static const geod_geodesic g = [] {
    geod_geodesic x{};
    geod_init(&x, kA, kF);
    return x;
  }();
  return g;
}

}  // namespace

double geodesic_m(LonLat a, LonLat b) {
  double s12 = 0;
  geod_inverse(&wgs84(), a.lat, a.lon, b.lat, b.lon, &s12, nullptr, nullptr);
  return s12;
}

GeodesicEnd geodesic_end(LonLat a, LonLat b) {
  GeodesicEnd e;
  geod_geninverse(&wgs84(), a.lat, a.lon, b.lat, b.lon, &e.s12, nullptr, &e.azi2_deg, &e.m12, nullptr, &e.M21,
                  nullptr);
  return e;
}

CutPoint geodesic_to_cut_locus(LonLat a, LonLat b) {
  CutPoint c;
  double azi1 = 0;
  geod_inverse(&wgs84(), a.lat, a.lon, b.lat, b.lon, &c.s_ab, &azi1, nullptr);
  geod_gendirect(&wgs84(), a.lat, a.lon, azi1, GEOD_ARCMODE, 180.0, &c.cut.lat, &c.cut.lon, nullptr, &c.s_cut,
                 nullptr, nullptr, nullptr, nullptr);
  return c;
}

DegreeScale degree_scale(double lat_deg) {
  const double phi = lat_deg * kDegToRad;
  return degree_scale(std::sin(phi), std::cos(phi));
}

DegreeScale degree_scale(double s, double c) {
  const double w2 = 1 - kE2 * s * s;
  const double w = std::sqrt(w2);
  const double n = kA / w;                   // prime vertical radius of curvature
  const double m = kA * (1 - kE2) / (w2 * w);  // meridian radius of curvature
  // d ln M / dphi = 3 e² sin cos / w², d ln (N cos) / dphi = e² sin cos / w² - tan.
  const double e2sc = kE2 * s * c / w2;
  return {m * kDegToRad, n * c * kDegToRad, 3 * e2sc * kDegToRad, std::fabs(c) > 1e-12 ? (e2sc - s / c) * kDegToRad : 0.0};
}

double local_distance_m(LonLat a, LonLat b) {
  const DegreeScale s = degree_scale(0.5 * (a.lat + b.lat));
  double dlon = b.lon - a.lon;
  if (dlon > 180) dlon -= 360;
  if (dlon < -180) dlon += 360;
  const double dx = dlon * s.m_per_deg_lon;
  const double dy = (b.lat - a.lat) * s.m_per_deg_lat;
  return std::sqrt(dx * dx + dy * dy);
}

double distance_m(LonLat a, LonLat b) {
  const double d = local_distance_m(a, b);
  return d < kExactBeyondM ? d : geodesic_m(a, b);
}

}  // namespace poleloc::geo

namespace poleloc {

double geodesic_distance_m(LonLat a, LonLat b) { return geo::distance_m(a, b); }

bool is_valid_lonlat(LonLat p) {
  return std::isfinite(p.lon) && std::isfinite(p.lat) && p.lon >= -180 && p.lon <= 180 && p.lat >= -90 &&
         p.lat <= 90;
}

}  // namespace poleloc
