// poleloc/types.hpp: the records poleloc stores and serves.
//
// Coordinates are lon, lat in degrees, WGS84 (EPSG:4326 axis order lon, lat),
// whatever CRS the input files used: conversion happens at import.
//
// ```cpp
// poleloc::PoleRecord pole{"TJH0372", {116.4712345, 39.9251234},
//                          {{"kind", "lamp"}, {"manager", "王芳"}}};
// poleloc::GridRecord grid;
// grid.id = "CY-TJH-027";
// grid.geometry = {{{ {{116.46, 39.92}, {116.47, 39.92}, {116.47, 39.93}, {116.46, 39.92}} }}};
// ```
//
// Thread-safety: plain values.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace poleloc {

struct LonLat {
  double lon = 0;  // degrees east, [-180, 180]
  double lat = 0;  // degrees north, [-90, 90]
  friend bool operator==(const LonLat&, const LonLat&) = default;
};

// An axis-aligned box in degrees; min <= max on both axes (no antimeridian wrap).
struct BBox {
  double min_lon = 0, min_lat = 0, max_lon = 0, max_lat = 0;
  bool contains(LonLat p) const {
    return p.lon >= min_lon && p.lon <= max_lon && p.lat >= min_lat && p.lat <= max_lat;
  }
  bool is_valid() const;  // finite, ordered, inside lon/lat ranges
};

// String attributes in input order (CSV columns, GeoJSON properties).
using Attributes = std::vector<std::pair<std::string, std::string>>;

// A closed ring: first point == last point, at least 4 points.
using Ring = std::vector<LonLat>;

// rings[0] is the outer shell, the rest are holes.
struct Polygon {
  std::vector<Ring> rings;
  friend bool operator==(const Polygon&, const Polygon&) = default;
};

// A grid's area: one or more non-overlapping polygons.
using MultiPolygon = std::vector<Polygon>;

struct PoleRecord {
  std::string number;  // canonical: ASCII upper-case letters and digits (see number.hpp)
  LonLat position;     // WGS84
  Attributes attributes;
};

struct GridRecord {
  std::string id;    // unique, non-empty
  std::string name;  // may be empty
  Attributes attributes;
  MultiPolygon geometry;  // WGS84
};

// A place callers name (places.csv): a compound, building, school, market or
// road, given by a point (WGS84) or by the grid it is.
//   {"农光里小区", "compound", LonLat{116.4701, 39.9262}, ""}
//   {"团结湖公园", "other", std::nullopt, "CY-TJH-003"}
struct PlaceRecord {
  std::string name;
  std::string kind;                // community, compound, building, school, market, road, other
  std::optional<LonLat> position;  // a point place
  std::string grid;                // or the id of the grid it is
  friend bool operator==(const PlaceRecord&, const PlaceRecord&) = default;
};

// A named road (roads.geojson): one or more polylines, WGS84. Features with
// the same name are one road (a street drawn in pieces, or a MultiLineString).
//   {"团结湖路", {{{116.4690, 39.9262}, {116.4775, 39.9262}}}}
using LineString = std::vector<LonLat>;  // at least 2 points
struct RoadRecord {
  std::string name;               // unique, non-empty
  std::vector<LineString> lines;  // at least one
  friend bool operator==(const RoadRecord&, const RoadRecord&) = default;
};

// area code -> spoken or written name, e.g. {"团结湖", "TJH"}.
struct AliasRecord {
  std::string alias;
  std::string code;
};

// Lookup helper: the value of `key`, or nullptr.
const std::string* find_attribute(const Attributes& attributes, std::string_view key);

}  // namespace poleloc
