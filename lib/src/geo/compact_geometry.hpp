// compact_geometry.hpp: a grid's (Multi)Polygon as stored, in a tenth or less
// of WKB's bytes when its coordinates are short decimals, read back bit for bit.
//
//   std::string bytes = geo::to_stored_geometry(grid.geometry);  // compact, or WKB
//   auto back = geo::from_stored_geometry(bytes);                 // either: the same doubles
//
// Coordinates in files are decimals: GeoJSON writers round to 6 or 7 places
// (RFC 7946 advises 6), OpenStreetMap stores 1e-7 degrees. Such a double x
// is exactly N / 10^s for an integer N (s = 7 or 9 here): IEEE division is
// correctly rounded and x is the double nearest to N / 10^s. So a geometry
// whose every coordinate satisfies N / 10^s == x (checked bit for bit when
// writing) is stored as N, delta to the previous point, zigzag, LEB128: one or
// two bytes per coordinate along a detailed outline instead of eight. Any
// other geometry (full-precision doubles from a reprojection, -0.0, NaN) is
// stored as WKB, exactly as before.
//
//   compact : u8 0x10 | u8 s | varint polygons | (varint rings | (varint points | (zz dlon, zz dlat)*)*)*
//   WKB     : u8 0 or 1 (the byte order) ... (geo/wkb.hpp)
//
// The first byte tells them apart, so values written before this format read as before.
//
// Thread-safety: pure functions.
#pragma once

#include <poleloc/status.hpp>
#include <poleloc/types.hpp>

#include <string>
#include <string_view>

namespace poleloc::geo {

inline constexpr unsigned char kCompactGeometryTag = 0x10;

// The compact form when every coordinate is a short decimal, else WKB.
std::string to_stored_geometry(const MultiPolygon& geometry);
// Either form; corruption on bytes that are neither.
Result<MultiPolygon> from_stored_geometry(std::string_view bytes);

// The compact form, or false (`out` unchanged) when some coordinate is not
// exactly N / 10^s for s in {7, 9}.
bool to_compact_geometry(const MultiPolygon& geometry, std::string& out);

}  // namespace poleloc::geo
