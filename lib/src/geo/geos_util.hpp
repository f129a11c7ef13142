// geos_util.hpp: the GEOS C API (reentrant) as poleloc's geometry code uses it.
//
//   geo::Geom g = geo::make_geometry(grid.geometry);   // lon/lat degrees
//   double a = 0;
//   GEOSArea_r(geo::geos(), g.get(), &a);
//
// Thread-safety: geos() is a context per thread; a Geom belongs to the thread
// that made it.
#pragma once

#include <poleloc/types.hpp>

#include <geos_c.h>

#include <memory>

namespace poleloc::geo {

// This thread's GEOS context.
GEOSContextHandle_t geos();

struct GeomDeleter {
  void operator()(GEOSGeometry* g) const { GEOSGeom_destroy_r(geos(), g); }
};
using Geom = std::unique_ptr<GEOSGeometry, GeomDeleter>;

// A polygon (one part) or multipolygon with the same rings (not checked for
// validity); `always_multi`: a multipolygon even of one part.
Geom make_geometry(const MultiPolygon& mp, bool always_multi = false);

// The polygons of `g` (a polygon, multipolygon or collection; empty ones
// skipped), appended to `out` with their rings as GEOS holds them.
void append_polygons(const GEOSGeometry* g, MultiPolygon& out);

// Square metres per square degree around latitude `lat` (a city-sized area).
double m2_per_deg2(double lat);

}  // namespace poleloc::geo
