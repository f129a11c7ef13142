// crs.hpp: input coordinates -> WGS84 lon/lat.
//
//   auto t = geo::CrsTransform::create("EPSG:32650");   // Result<CrsTransform>
//   LonLat p = t->to_wgs84({447000, 4419000});          // easting, northing -> lon, lat
//   auto g = geo::CrsTransform::create("gcj02");         // Chinese web-map coordinates
//   auto b = geo::CrsTransform::create("bd09");          // Baidu map coordinates
//   if (auto area = t->area_of_use()) ...                // lon/lat box where the CRS is meant to be used
//   geo::same_crs("EPSG:4490", "urn:ogc:def:crs:EPSG::4490")   // true
//
// Any CRS PROJ knows (EPSG code, PROJ string, WKT, OGC URN) is accepted; axis
// order is normalised to easting/longitude first, as the input files are
// written. "gcj02" and "bd09" (any case, with or without a dash) select the
// Chinese web-map datum shifts instead of PROJ.
//
// Thread-safety: one CrsTransform per thread (PROJ objects are not shareable).
#pragma once

#include <poleloc/status.hpp>
#include <poleloc/types.hpp>

#include <memory>
#include <optional>
#include <string>

namespace poleloc::geo {

class CrsTransform {
 public:
  static Result<CrsTransform> create(const std::string& crs);
  CrsTransform(CrsTransform&&) noexcept;
  CrsTransform& operator=(CrsTransform&&) noexcept;
  ~CrsTransform();

  bool is_identity() const { return kind_ == Kind::identity; }
  // Converts x, y (CRS axis order normalised to x = easting/lon). Returns
  // non-finite values when the point cannot be converted.
  LonLat to_wgs84(LonLat xy) const;
  // The WGS84 lon/lat box where the CRS is meant to be used (PROJ's area of
  // use; mainland China for gcj02 and bd09); nullopt for WGS84 itself, whose
  // area is the world.
  const std::optional<BBox>& area_of_use() const { return area_; }
  // As given to create(), for messages; "EPSG:4326" for the identity.
  const std::string& name() const { return name_; }

 private:
  enum class Kind { identity, gcj02, bd09, proj };
  struct Proj;
  CrsTransform() = default;
  Kind kind_ = Kind::identity;
  std::unique_ptr<Proj> proj_;
  std::optional<BBox> area_;
  std::string name_ = "EPSG:4326";
};

// True when both texts name the same CRS (axis order of geographic CRSs
// ignored): "EPSG:4326", "WGS84", "OGC:CRS84" and an equivalent WKT are one.
// "gcj02" and "bd09" equal only themselves. False when either is unknown.
bool same_crs(const std::string& a, const std::string& b);

// "gcj02" or "bd09" (any spelling create() accepts).
bool is_web_map_datum(const std::string& crs);

}  // namespace poleloc::geo
