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

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
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

// The type an attribute value keeps from its source (a GeoJSON number, a
// GeoPackage integer field): faces print it as that type (JSON numbers and
// booleans, Python int/float/bool). A null value is no attribute at all.
enum class AttributeType : std::uint8_t { text = 0, integer = 1, real = 2, boolean = 3 };

// "text", "integer", "real", "boolean".
std::string_view attribute_type_name(AttributeType type);

// The canonical text of typed values: integers in decimal, reals in the
// shortest form that reads back to the same double ("0.1", "10", "1e+300"),
// booleans "true" / "false".
std::string integer_text(std::int64_t value);
std::string real_text(double value);  // value must be finite

// One attribute: name (`first`) and value (`second`, always its canonical
// text, whatever the type) and the value's type. It reads like the
// pair it once was: `for (const auto& [name, value] : attributes)`,
// `attributes.emplace_back("kind", "lamp")` (text), plus a type:
//
//   poleloc::Attribute a = poleloc::Attribute::integer("voltage_kv", 10);  // second == "10"
//   a.as_integer();                                 // 10; nullopt unless type == integer
//   poleloc::Attribute b{"rated", "0.4", poleloc::AttributeType::real};
//
// `String` is std::string (Attribute) or std::string_view (AttributeView, a view
// into storage); each converts to the other. Two attributes are equal when name,
// text and type are.
template <class String>
struct BasicAttribute {
  String first;   // the name
  String second;  // the value as canonical text
  AttributeType type = AttributeType::text;

  BasicAttribute() = default;
  template <class K, class V>
    requires std::constructible_from<String, K&&> && std::constructible_from<String, V&&>
  BasicAttribute(K&& name, V&& value, AttributeType t = AttributeType::text)
      : first(std::forward<K>(name)), second(std::forward<V>(value)), type(t) {}
  template <class Other>
    requires(!std::same_as<Other, String>)
  BasicAttribute(const BasicAttribute<Other>& o) : first(o.first), second(o.second), type(o.type) {}

  // Typed values (owned attributes only).
  static BasicAttribute integer(String name, std::int64_t v)
    requires std::same_as<String, std::string>
  {
    return {std::move(name), integer_text(v), AttributeType::integer};
  }
  // A real that is not finite (NaN, infinity) has no JSON form: check_pole/check_grid refuse it.
  static BasicAttribute real(String name, double v)
    requires std::same_as<String, std::string>
  {
    return {std::move(name), real_text(v), AttributeType::real};
  }
  static BasicAttribute boolean(String name, bool v)
    requires std::same_as<String, std::string>
  {
    return {std::move(name), std::string(v ? "true" : "false"), AttributeType::boolean};
  }

  std::optional<std::int64_t> as_integer() const;  // the value when type == integer
  std::optional<double> as_real() const;           // the value when type == real or integer
  std::optional<bool> as_boolean() const;          // the value when type == boolean

  // Structured bindings see (name, value), as of a pair.
  template <std::size_t I>
  auto& get() & {
    if constexpr (I == 0) return first; else return second;
  }
  template <std::size_t I>
  const auto& get() const& {
    if constexpr (I == 0) return first; else return second;
  }
  template <std::size_t I>
  auto&& get() && {
    if constexpr (I == 0) return std::move(first); else return std::move(second);
  }

  friend bool operator==(const BasicAttribute&, const BasicAttribute&) = default;
};

using Attribute = BasicAttribute<std::string>;
using AttributeView = BasicAttribute<std::string_view>;

// Attributes in input order (CSV columns, GeoJSON properties, GDAL fields).
using Attributes = std::vector<Attribute>;

// Whether `text` is the canonical text of a value of `type` (what check_pole and
// check_grid require of typed attributes; any text is text).
bool is_canonical_value(AttributeType type, std::string_view text);

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

// Lookup helper: the value (as text) of `key`, or nullptr.
const std::string* find_attribute(const Attributes& attributes, std::string_view key);

}  // namespace poleloc

template <class String>
struct std::tuple_size<poleloc::BasicAttribute<String>> : std::integral_constant<std::size_t, 2> {};
template <std::size_t I, class String>
struct std::tuple_element<I, poleloc::BasicAttribute<String>> {
  using type = String;
};
