#include "geo/geos_util.hpp"

#include "geo/geodesic.hpp"

#include <vector>

namespace poleloc::geo {
namespace {

struct Context {
  GEOSContextHandle_t h = GEOS_init_r();
  ~Context() { GEOS_finish_r(h); }
};

GEOSGeometry* make_ring(const Ring& ring) {
  GEOSContextHandle_t h = geos();
  GEOSCoordSequence* seq = GEOSCoordSeq_create_r(h, static_cast<unsigned>(ring.size()), 2);
  for (unsigned i = 0; i < ring.size(); ++i) GEOSCoordSeq_setXY_r(h, seq, i, ring[i].lon, ring[i].lat);
  return GEOSGeom_createLinearRing_r(h, seq);
}

}  // namespace

GEOSContextHandle_t geos() {
  thread_local Context ctx;
  return ctx.h;
}

Geom make_geometry(const MultiPolygon& mp, bool always_multi) {
  GEOSContextHandle_t h = geos();
  std::vector<GEOSGeometry*> polys;
  for (const Polygon& poly : mp) {
    GEOSGeometry* shell = make_ring(poly.rings[0]);
    std::vector<GEOSGeometry*> holes;
    for (std::size_t r = 1; r < poly.rings.size(); ++r) holes.push_back(make_ring(poly.rings[r]));
    polys.push_back(GEOSGeom_createPolygon_r(h, shell, holes.data(), static_cast<unsigned>(holes.size())));
  }
  if (polys.size() == 1 && !always_multi) return Geom(polys[0]);
  return Geom(GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys.data(), static_cast<unsigned>(polys.size())));
}

double m2_per_deg2(double lat) {
  const DegreeScale s = degree_scale(lat);
  return s.m_per_deg_lat * s.m_per_deg_lon;
}

}  // namespace poleloc::geo
