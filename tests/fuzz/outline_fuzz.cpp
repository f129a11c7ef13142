// outline_fuzz: any bytes as a grid's outline, the validity proof against GEOS.
//
// geo::polygon_surely_valid() answers true only when GEOS would find the
// outline valid (lib/src/geo/simple_polygon.hpp): a wrong true lets a
// self-crossing grid into the registry. The bytes become the rings of one
// polygon on a coarse lattice, so that shared vertices, collinear edges,
// touching holes and spikes are common, plus a sub-lattice nudge now and then
// (points a hair off another edge). Every true answer is checked with
// GEOSisValid_r; the answer of polygon_problem() must agree with GEOS too.
#include "fuzz_fail.hpp"
#include "geo/geos_util.hpp"
#include "geo/polygon_check.hpp"
#include "geo/simple_polygon.hpp"

#include <poleloc/types.hpp>

#include <cstdint>

using poleloc::fuzz::fail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace poleloc;
  // Byte 0: how many rings (1-4); then per ring a count byte and that many
  // (x, y) pairs of bytes: x, y on a 16 x 16 lattice of 1e-4 degrees, the
  // upper bits a nudge of 1e-12 degrees in either direction.
  if (size < 2) return 0;
  std::size_t at = 0;
  const int rings = 1 + data[at++] % 4;
  Polygon polygon;
  for (int r = 0; r < rings && at < size; ++r) {
    const std::size_t n = 3 + data[at++] % 40;
    Ring ring;
    for (std::size_t i = 0; i < n && at + 1 < size; ++i) {
      const std::uint8_t bx = data[at++], by = data[at++];
      const double nx = (bx >> 4) == 15 ? 1e-12 : (bx >> 4) == 14 ? -1e-12 : 0;
      const double ny = (by >> 4) == 15 ? 1e-12 : (by >> 4) == 14 ? -1e-12 : 0;
      ring.push_back({116.4 + (bx & 15) * 1e-4 + nx, 39.9 + (by & 15) * 1e-4 + ny});
    }
    if (ring.size() < 3) break;
    ring.push_back(ring.front());
    polygon.rings.push_back(std::move(ring));
  }
  if (polygon.rings.empty()) return 0;
  const MultiPolygon geometry{polygon};
  const geo::Geom g = geo::make_geometry(geometry);
  if (!g) return 0;
  const bool valid = GEOSisValid_r(geo::geos(), g.get()) == 1;
  if (geo::polygon_surely_valid(geometry) && !valid) fail("proven valid, but GEOS finds it invalid");
  if (geo::polygon_problem(geometry).has_value() == valid) fail("polygon_problem disagrees with GEOS");
  return 0;
}
