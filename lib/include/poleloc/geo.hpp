// poleloc/geo.hpp: coordinate conversions and distances.
//
// ```cpp
// poleloc::LonLat wgs{116.4712345, 39.9251234};
// poleloc::LonLat mars = poleloc::wgs84_to_gcj02(wgs);     // what Chinese web maps show
// poleloc::LonLat back = poleloc::gcj02_to_wgs84(mars);    // within 0.5 m of wgs (iterated inverse)
// double m = poleloc::geodesic_distance_m(wgs, back);      // WGS84 ellipsoid, metres
// std::cout << m << " m\n";
// ```
//
// GCJ-02 is applied only inside mainland China (a coarse outline box); outside
// it the conversion returns its input, as the web maps do.
//
// Thread-safety: pure functions.
#pragma once

#include <poleloc/types.hpp>

namespace poleloc {

LonLat wgs84_to_gcj02(LonLat wgs);
LonLat gcj02_to_wgs84(LonLat gcj);  // iterated to < 1e-7 degrees
bool in_gcj02_region(LonLat p);
// BD-09 (Baidu maps) is GCJ-02 with a further small rotation and shift.
LonLat gcj02_to_bd09(LonLat gcj);
LonLat bd09_to_gcj02(LonLat bd);   // iterated to < 1e-9 degrees

// Distance on the WGS84 ellipsoid in metres. Beyond 3 km: Karney's geodesic
// (PROJ's geodesic.h, exact to nanometres). Below: the ellipsoidal local
// formula at the mean latitude (meridian and prime-vertical radii), which stays
// within 1 mm of the geodesic there and is ~50x faster: what nearest() needs.
double geodesic_distance_m(LonLat a, LonLat b);

// True when lon in [-180, 180], lat in [-90, 90], both finite.
bool is_valid_lonlat(LonLat p);

}  // namespace poleloc
