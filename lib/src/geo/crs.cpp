#include "geo/crs.hpp"

#include <poleloc/geo.hpp>

#include <proj.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

namespace poleloc::geo {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

enum class Keyword { none, wgs84, gcj02, bd09 };

Keyword keyword(const std::string& crs) {
  const std::string l = lower(crs);
  if (l.empty() || l == "epsg:4326" || l == "wgs84" || l == "wgs-84") return Keyword::wgs84;
  if (l == "gcj02" || l == "gcj-02") return Keyword::gcj02;
  if (l == "bd09" || l == "bd-09") return Keyword::bd09;
  return Keyword::none;
}

// The box mainland-China web maps shift (the same box as in_gcj02_region).
constexpr BBox kChina{72.004, 0.8293, 137.8347, 55.8271};

struct ContextHolder {
  PJ_CONTEXT* ctx = proj_context_create();
  ContextHolder() { proj_log_level(ctx, PJ_LOG_NONE); }
  ~ContextHolder() { proj_context_destroy(ctx); }
};

PJ_CONTEXT* thread_context() {
  thread_local ContextHolder holder;
  return holder.ctx;
}

}  // namespace

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
  CrsTransform t;
  switch (keyword(crs)) {
    case Keyword::wgs84:
      return t;
    case Keyword::gcj02:
      t.kind_ = Kind::gcj02;
      t.area_ = kChina;
      t.name_ = "gcj02";
      return t;
    case Keyword::bd09:
      t.kind_ = Kind::bd09;
      t.area_ = kChina;
      t.name_ = "bd09";
      return t;
    case Keyword::none:
      break;
  }
  auto p = std::make_unique<Proj>();
  p->ctx = proj_context_create();
  proj_log_level(p->ctx, PJ_LOG_NONE);
  PJ* raw = proj_create_crs_to_crs(p->ctx, crs.c_str(), "EPSG:4326", nullptr);
  if (!raw) {
    const int err = proj_context_errno(p->ctx);
    return Result<CrsTransform>(ErrorCode::bad_request,
                                "unknown CRS '" + crs + "': " + proj_context_errno_string(p->ctx, err) +
                                    " (accepted: an EPSG code like EPSG:4490 or EPSG:4548, a PROJ string, WKT, "
                                    "gcj02 or bd09)");
  }
  p->pj = proj_normalize_for_visualization(p->ctx, raw);
  proj_destroy(raw);
  if (!p->pj) return Result<CrsTransform>(ErrorCode::bad_request, "CRS '" + crs + "' cannot be normalised to lon/lat");
  if (PJ* source = proj_create(p->ctx, crs.c_str())) {
    double west = 0, south = 0, east = 0, north = 0;
    if (proj_get_area_of_use(p->ctx, source, &west, &south, &east, &north, nullptr) && west > -1000 &&
        !(west <= -180 && east >= 180 && south <= -90 && north >= 90)) {
      if (west <= east) t.area_ = BBox{west, south, east, north};  // a box across the antimeridian is not checked
    }
    proj_destroy(source);
  }
  t.kind_ = Kind::proj;
  t.proj_ = std::move(p);
  t.name_ = crs;
  return t;
}

LonLat CrsTransform::to_wgs84(LonLat xy) const {
  switch (kind_) {
    case Kind::identity:
      return xy;
    case Kind::gcj02:
      return gcj02_to_wgs84(xy);
    case Kind::bd09:
      return gcj02_to_wgs84(bd09_to_gcj02(xy));
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

bool is_web_map_datum(const std::string& crs) {
  const Keyword k = keyword(crs);
  return k == Keyword::gcj02 || k == Keyword::bd09;
}

bool same_crs(const std::string& a, const std::string& b) {
  const Keyword ka = keyword(a), kb = keyword(b);
  if (ka == Keyword::gcj02 || ka == Keyword::bd09 || kb == Keyword::gcj02 || kb == Keyword::bd09) return ka == kb;
  PJ_CONTEXT* ctx = thread_context();
  PJ* pa = proj_create(ctx, ka == Keyword::wgs84 ? "EPSG:4326" : a.c_str());
  PJ* pb = proj_create(ctx, kb == Keyword::wgs84 ? "EPSG:4326" : b.c_str());
  const bool same = pa && pb && proj_is_equivalent_to(pa, pb, PJ_COMP_EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS);
  if (pa) proj_destroy(pa);
  if (pb) proj_destroy(pb);
  return same;
}

}  // namespace poleloc::geo
