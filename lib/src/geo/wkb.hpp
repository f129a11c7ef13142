// wkb.hpp: (Multi)Polygon <-> Well-Known Binary (ISO, little-endian, 2D).
//
//   std::string bytes = geo::to_wkb(grid.geometry);   // Polygon if one part, else MultiPolygon
//   auto back = geo::from_wkb(bytes);                  // Result<MultiPolygon>; corruption on bad bytes
//
// Thread-safety: pure functions.
#pragma once

#include <poleloc/status.hpp>
#include <poleloc/types.hpp>

#include <string>
#include <string_view>

namespace poleloc::geo {

std::string to_wkb(const MultiPolygon& geometry);
Result<MultiPolygon> from_wkb(std::string_view bytes);

}  // namespace poleloc::geo
