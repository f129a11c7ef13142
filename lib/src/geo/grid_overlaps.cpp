#include "geo/grid_overlaps.hpp"

#include "geo/geodesic.hpp"
#include "geo/geos_util.hpp"
#include "geo/interiors_disjoint.hpp"
#include "geo/polygon_check.hpp"

#include <geos_c.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <numeric>
#include <thread>
#include <tuple>

namespace poleloc::geo {

std::vector<Overlap> find_overlaps(const std::vector<const MultiPolygon*>& shapes, double min_area_m2,
                                   unsigned threads) {
  const std::size_t n = shapes.size();
  std::vector<BBox> boxes(n);
  for (std::size_t i = 0; i < n; ++i) boxes[i] = bounding_box(*shapes[i]);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return boxes[x].min_lon < boxes[y].min_lon; });
  // Workers take blocks of the sweep in increasing order, so each one's sweep
  // position only moves east and its cache of built geometries can be pruned
  // as in a single sweep. Each worker has its own GEOS context and geometries.
  constexpr std::size_t kBlock = 64;
  std::atomic<std::size_t> next_block{0};
  threads = std::max(1u, std::min(threads, static_cast<unsigned>(n / (4 * kBlock) + 1)));
  std::vector<std::vector<Overlap>> found(threads);
  auto work = [&](std::vector<Overlap>& out) {
    std::vector<Geom> geoms(n);
    GEOSContextHandle_t h = geos();
    std::vector<std::size_t> built;  // geometries alive, freed once the sweep has passed them
    auto geom = [&](std::size_t i) -> GEOSGeometry* {
      if (!geoms[i]) {
        geoms[i] = make_geometry(*shapes[i], /*always_multi=*/true);
        built.push_back(i);
      }
      return geoms[i].get();
    };
    for (std::size_t block = next_block++; block * kBlock < n; block = next_block++) {
      const std::size_t block_end = std::min(n, (block + 1) * kBlock);
      for (std::size_t oi = block * kBlock; oi < block_end; ++oi) {
        const std::size_t a = order[oi];
        if (oi % kBlock == 0) {
          std::size_t w = 0;
          for (std::size_t i : built) {
            if (boxes[i].max_lon < boxes[a].min_lon) {
              geoms[i].reset();
            } else {
              built[w++] = i;
            }
          }
          built.resize(w);
        }
        for (std::size_t oj = oi + 1; oj < n; ++oj) {
          const std::size_t b = order[oj];
          if (boxes[b].min_lon > boxes[a].max_lon) break;
          if (boxes[b].min_lat > boxes[a].max_lat || boxes[b].max_lat < boxes[a].min_lat) continue;
          // Shared area can only lie where the boxes meet: relate (interiors meet
          // in 2D?) on both shapes clipped to that strip, a few vertices instead of
          // hundreds. Most neighbours only share an edge.
          const double x0 = std::max(boxes[a].min_lon, boxes[b].min_lon), x1 = std::min(boxes[a].max_lon, boxes[b].max_lon);
          const double y0 = std::max(boxes[a].min_lat, boxes[b].min_lat), y1 = std::min(boxes[a].max_lat, boxes[b].max_lat);
          if (!(x0 < x1 && y0 < y1)) continue;  // boxes only touch: no shared area
          // Neighbours sharing edges vertex for vertex are proven apart in a few
          // microseconds, without building GEOS geometries.
          if (interiors_surely_disjoint(*shapes[a], *shapes[b])) continue;
          Geom ca(GEOSClipByRect_r(h, geom(a), x0, y0, x1, y1));
          Geom cb(GEOSClipByRect_r(h, geom(b), x0, y0, x1, y1));
          if (ca && cb) {
            if (GEOSisEmpty_r(h, ca.get()) || GEOSisEmpty_r(h, cb.get())) continue;
            if (GEOSRelatePattern_r(h, ca.get(), cb.get(), "2********") != 1) continue;
          } else if (GEOSRelatePattern_r(h, geom(a), geom(b), "2********") != 1) {
            continue;
          }
          Geom inter(GEOSIntersection_r(h, geom(a), geom(b)));
          if (!inter) continue;
          double deg2 = 0;
          GEOSArea_r(h, inter.get(), &deg2);
          const DegreeScale s = degree_scale(0.5 * (boxes[a].min_lat + boxes[a].max_lat));
          const double m2 = deg2 * s.m_per_deg_lat * s.m_per_deg_lon;
          if (m2 <= min_area_m2) continue;
          Overlap o{std::min(a, b), std::max(a, b), m2, std::nullopt};
          Geom pt(GEOSPointOnSurface_r(h, inter.get()));
          double x = 0, y = 0;
          if (pt && GEOSGeomGetX_r(h, pt.get(), &x) == 1 && GEOSGeomGetY_r(h, pt.get(), &y) == 1) o.point = LonLat{x, y};
          out.push_back(o);
        }
      }
    }
  };
  if (threads == 1) {
    work(found[0]);
  } else {
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) workers.emplace_back([&, t] { work(found[t]); });
    for (auto& w : workers) w.join();
  }
  std::vector<Overlap> out;
  for (auto& f : found) out.insert(out.end(), f.begin(), f.end());
  std::sort(out.begin(), out.end(), [](const Overlap& x, const Overlap& y) { return std::tie(x.a, x.b) < std::tie(y.a, y.b); });
  return out;
}

}  // namespace poleloc::geo
