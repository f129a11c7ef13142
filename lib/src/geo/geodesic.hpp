// geodesic.hpp: distances on the WGS84 ellipsoid, exact and fast.
//
//   double m = geo::geodesic_m(a, b);             // Karney (PROJ's geodesic.h), exact
//   geo::LocalMetric metric(p.lat);              // scales at one latitude
//   double m2 = metric.distance_m(p, q);         // within 1 mm below kExactBeyondM
//
// LocalMetric uses the meridian and prime-vertical radii of curvature of the
// WGS84 ellipsoid at the mean latitude of the two points. For the short
// distances of a city (up to ~10 km) it agrees with the geodesic to well under
// a millimetre per kilometre; beyond kExactBeyondM callers use geodesic_m.
//
// Thread-safety: pure functions.
#pragma once

#include <poleloc/types.hpp>

namespace poleloc::geo {

inline constexpr double kExactBeyondM = 3000;

double geodesic_m(LonLat a, LonLat b);

// The geodesic from a to b and how it behaves around b (Karney 2013): its
// length s12 (m), the azimuth at b (degrees clockwise from north, pointing away
// from a), the reduced length m12 (m) and the geodesic scale M21. The distance
// from a grows along azi2 at rate 1 and curves across it by M21 / m12 per metre.
struct GeodesicEnd {
  double s12 = 0, azi2_deg = 0, m12 = 0, M21 = 0;
};
GeodesicEnd geodesic_end(LonLat a, LonLat b);

// The shortest geodesic from a through b, continued to a's cut locus: the
// point where it stops being a shortest path, at 180 degrees of arc on the
// auxiliary sphere (on the parallel of latitude -a.lat, near a's antipode;
// Karney 2013, "Algorithms for geodesics"). Up to that point it is a shortest
// path, so the distance from a to `cut` is `s_cut`, and for every point t on
// it g(a, t) = s_cut - g(t, cut): near a's antipode the triangle inequality
// through `cut` bounds the distance from a to the points around b tightly.
// `s_ab` is the distance from a to b.
struct CutPoint {
  LonLat cut;
  double s_cut = 0, s_ab = 0;
};
CutPoint geodesic_to_cut_locus(LonLat a, LonLat b);

// Metres per degree of latitude and of longitude at `lat_deg`, and how fast
// their logarithms change with latitude (per degree): m_per_deg_lon at
// lat_deg + h is m_per_deg_lon * (1 + lon_change_per_deg * h) to within
// h² / 2 (h in radians), likewise for latitude.
struct DegreeScale {
  double m_per_deg_lat;
  double m_per_deg_lon;
  double lat_change_per_deg = 0;
  double lon_change_per_deg = 0;
};
DegreeScale degree_scale(double lat_deg);
// The same from the latitude's sine and cosine, for a caller that has them already.
DegreeScale degree_scale(double sin_lat, double cos_lat);

// Ellipsoidal distance at the mean latitude; exact enough for short ranges.
double local_distance_m(LonLat a, LonLat b);

// local_distance_m for short ranges, geodesic_m beyond kExactBeyondM.
double distance_m(LonLat a, LonLat b);

}  // namespace poleloc::geo
