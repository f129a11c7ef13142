#include "geo/crs.hpp"

#include <poleloc/geo.hpp>

#include <proj.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

namespace poleloc::geo {

struct CrsTransform::Proj {
  PJ_CONTEXT* ctx = nullptr;
  PJ* pj = nullptr;
  ~Proj() {
    if (pj) proj_destroy(pj);
    if (ctx) proj_context_destroy(ctx);
  }
};

CrsTransform::CrsTransform(CrsTransform&&) noexcept = default;
CrsTransform& CrsTransform::operator=(CrsTransform&&) noexcept = default;
CrsTransform::~CrsTransform() = default;

Result<CrsTransform> CrsTransform::create(const std::string& crs) {
  std::string lower = crs;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  CrsTransform t;
  if (lower.empty() || lower == "epsg:4326" || lower == "wgs84") return t;
  if (lower == "gcj02" || lower == "gcj-02") {
    t.kind_ = Kind::gcj02;
    return t;
  }
  auto p = std::make_unique<Proj>();
  p->ctx = proj_context_create();
  proj_log_level(p->ctx, PJ_LOG_NONE);
  PJ* raw = proj_create_crs_to_crs(p->ctx, crs.c_str(), "EPSG:4326", nullptr);
  if (!raw) {
    const int err = proj_context_errno(p->ctx);
    return Result<CrsTransform>(ErrorCode::bad_request,
                                "unknown CRS '" + crs + "': " + proj_context_errno_string(p->ctx, err) +
                                    " (accepted: an EPSG code like EPSG:4490 or EPSG:32650, a PROJ string, WKT, or gcj02)");
  }
  p->pj = proj_normalize_for_visualization(p->ctx, raw);
  proj_destroy(raw);
  if (!p->pj) return Result<CrsTransform>(ErrorCode::bad_request, "CRS '" + crs + "' cannot be normalised to lon/lat");
  t.kind_ = Kind::proj;
  t.proj_ = std::move(p);
  return t;
}

LonLat CrsTransform::to_wgs84(LonLat xy) const {
  switch (kind_) {
    case Kind::identity:
      return xy;
    case Kind::gcj02:
      return gcj02_to_wgs84(xy);
    case Kind::proj: {
      PJ_COORD c = proj_coord(xy.lon, xy.lat, 0, 0);
      PJ_COORD r = proj_trans(proj_->pj, PJ_FWD, c);
      if (r.v[0] == HUGE_VAL || !std::isfinite(r.v[0]) || !std::isfinite(r.v[1])) {
        return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
      }
      return {r.v[0], r.v[1]};
    }
  }
  return xy;
}

}  // namespace poleloc::geo
