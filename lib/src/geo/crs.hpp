// crs.hpp: input coordinates -> WGS84 lon/lat.
//
//   auto t = geo::CrsTransform::create("EPSG:32650");   // Result<CrsTransform>
//   LonLat p = t->to_wgs84({447000, 4419000});          // easting, northing -> lon, lat
//   auto g = geo::CrsTransform::create("gcj02");         // Chinese web-map coordinates
//
// Any CRS PROJ knows (EPSG code, PROJ string, WKT) is accepted; axis order is
// normalised to easting/longitude first, as the input files are written.
// "gcj02" (any case) selects the GCJ-02 inverse instead of PROJ.
//
// Thread-safety: one CrsTransform per thread (PROJ objects are not shareable).
#pragma once

#include <poleloc/status.hpp>
#include <poleloc/types.hpp>

#include <memory>
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

 private:
  enum class Kind { identity, gcj02, proj };
  struct Proj;
  CrsTransform() = default;
  Kind kind_ = Kind::identity;
  std::unique_ptr<Proj> proj_;
};

}  // namespace poleloc::geo
