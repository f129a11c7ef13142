#include "geo/coverage.hpp"

#include "geo/geodesic.hpp"
#include "geo/geos_util.hpp"

#include <cmath>
#include <numbers>

namespace poleloc::geo {
namespace {

// Area, perimeter and a point of a polygonal geometry, measured on a plane
// scaled to metres around its latitude.
std::optional<Patch> measure(const GEOSGeometry* g) {
  GEOSContextHandle_t h = geos();
  if (!g || GEOSisEmpty_r(h, g)) return std::nullopt;
  Patch out;
  append_polygons(g, out.shape);
  if (out.shape.empty()) return std::nullopt;  // lines or points only
  double area_deg2 = 0;
  GEOSArea_r(h, g, &area_deg2);
  Geom pt(GEOSPointOnSurface_r(h, g));
  double x = 0, y = 0;
  if (!pt || GEOSGeomGetX_r(h, pt.get(), &x) != 1 || GEOSGeomGetY_r(h, pt.get(), &y) != 1) return std::nullopt;
  out.point = {x, y};
  const DegreeScale s = degree_scale(y);
  out.area_m2 = area_deg2 * s.m_per_deg_lat * s.m_per_deg_lon;
  for (const Polygon& p : out.shape) {
    for (const Ring& r : p.rings) {
      for (std::size_t i = 1; i < r.size(); ++i) {
        out.perimeter_m += std::hypot((r[i].lon - r[i - 1].lon) * s.m_per_deg_lon, (r[i].lat - r[i - 1].lat) * s.m_per_deg_lat);
      }
    }
  }
  out.compactness = out.perimeter_m > 0 ? 4 * std::numbers::pi * out.area_m2 / (out.perimeter_m * out.perimeter_m) : 0;
  return out;
}

}  // namespace

std::vector<Patch> coverage_holes(const std::vector<const MultiPolygon*>& grids) {
  GEOSContextHandle_t h = geos();
  std::vector<GEOSGeometry*> parts;
  for (const MultiPolygon* mp : grids) {
    if (!mp || mp->empty()) continue;
    Geom g = make_geometry(*mp);
    if (!g || GEOSisValid_r(h, g.get()) != 1) continue;  // reported as invalid_polygon
    parts.push_back(g.release());
  }
  std::vector<Patch> out;
  if (parts.empty()) return out;
  Geom all(GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts.data(), static_cast<unsigned>(parts.size())));
  if (!all) return out;
  Geom united(GEOSUnaryUnion_r(h, all.get()));
  if (!united) return out;
  std::vector<const GEOSGeometry*> polygons;
  if (GEOSGeomTypeId_r(h, united.get()) == GEOS_POLYGON) {
    polygons.push_back(united.get());
  } else {
    for (int i = 0; i < GEOSGetNumGeometries_r(h, united.get()); ++i) polygons.push_back(GEOSGetGeometryN_r(h, united.get(), i));
  }
  for (const GEOSGeometry* poly : polygons) {
    if (GEOSGeomTypeId_r(h, poly) != GEOS_POLYGON) continue;
    for (int i = 0; i < GEOSGetNumInteriorRings_r(h, poly); ++i) {
      Geom ring(GEOSGeom_clone_r(h, GEOSGetInteriorRingN_r(h, poly, i)));
      Geom hole(GEOSGeom_createPolygon_r(h, ring.release(), nullptr, 0));
      if (auto patch = measure(hole.get())) out.push_back(std::move(*patch));
    }
  }
  return out;
}

std::optional<Patch> shared_area(const MultiPolygon& a, const MultiPolygon& b) {
  GEOSContextHandle_t h = geos();
  Geom ga = make_geometry(a), gb = make_geometry(b);
  if (!ga || !gb) return std::nullopt;
  Geom inter(GEOSIntersection_r(h, ga.get(), gb.get()));
  return measure(inter.get());
}

bool meet(const MultiPolygon& a, const MultiPolygon& b) {
  Geom ga = make_geometry(a), gb = make_geometry(b);
  return ga && gb && GEOSIntersects_r(geos(), ga.get(), gb.get()) == 1;
}

}  // namespace poleloc::geo
