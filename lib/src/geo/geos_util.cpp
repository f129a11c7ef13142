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

namespace {

Ring ring_of(const GEOSGeometry* ring) {
  GEOSContextHandle_t h = geos();
  Ring out;
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, ring);
  unsigned n = 0;
  if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &n)) return out;
  out.resize(n);
  for (unsigned i = 0; i < n; ++i) GEOSCoordSeq_getXY_r(h, seq, i, &out[i].lon, &out[i].lat);
  return out;
}

}  // namespace

void append_polygons(const GEOSGeometry* g, MultiPolygon& out) {
  GEOSContextHandle_t h = geos();
  const int type = GEOSGeomTypeId_r(h, g);
  if (type == GEOS_POLYGON) {
    if (GEOSisEmpty_r(h, g)) return;
    Polygon p;
    p.rings.push_back(ring_of(GEOSGetExteriorRing_r(h, g)));
    const int holes = GEOSGetNumInteriorRings_r(h, g);
    for (int i = 0; i < holes; ++i) p.rings.push_back(ring_of(GEOSGetInteriorRingN_r(h, g, i)));
    out.push_back(std::move(p));
  } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
    const int n = GEOSGetNumGeometries_r(h, g);
    for (int i = 0; i < n; ++i) append_polygons(GEOSGetGeometryN_r(h, g, i), out);
  }
}

}  // namespace poleloc::geo
