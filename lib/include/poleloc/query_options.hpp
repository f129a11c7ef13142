// poleloc/query_options.hpp: parameters of the queries, shared by every face.
//
// Each face (C++, Python, HTTP, CLI) fills one of these and calls is_valid()
// before querying, so the same bad parameter gets the same error everywhere.
//
// ```cpp
// poleloc::Status nearest_five(const poleloc::Snapshot& snap) {
//   poleloc::NearestOptions opt{.k = 5, .max_m = 500};
//   if (auto st = opt.is_valid(); !st) return st;   // ErrorCode::bad_request
//   auto poles = snap.nearest({116.4712, 39.9251}, opt);
//   return poles ? poleloc::Status::ok() : poles.status();
// }
// ```
#pragma once

#include <poleloc/status.hpp>
#include <poleloc/types.hpp>

#include <cstddef>
#include <optional>
#include <string_view>

namespace poleloc {

inline constexpr std::size_t kMaxNearestK = 1000;
inline constexpr std::size_t kMaxResolveLimit = 50;
inline constexpr std::size_t kMaxQueryBytes = 512;
inline constexpr std::size_t kMaxPageSize = 10000;

struct NearestOptions {
  std::size_t k = 5;                // 1 .. kMaxNearestK
  std::optional<double> max_m;      // only poles within this geodesic distance (metres, > 0)
  Status is_valid() const;
};

// The datum a caller location comes in: phone apps in China report GCJ-02
// (AMap, Tencent) or BD-09 (Baidu); GPS and the console report WGS84.
enum class LocationCrs { wgs84, gcj02, bd09 };

// "wgs84", "gcj02" or "bd09" (case-insensitive); nullopt for anything else.
std::optional<LocationCrs> parse_location_crs(std::string_view name);

struct ResolveOptions {
  std::optional<LonLat> near;       // caller location in `near_crs`; re-ranks and flags far candidates
  // How far the true caller position may be from `near`, metres (> 0): a GPS
  // fix says about 10, a cell position about 1000. Unset: a mixture of both.
  std::optional<double> near_accuracy_m;
  LocationCrs near_crs = LocationCrs::wgs84;
  std::size_t limit = 5;            // 1 .. kMaxResolveLimit
  double far_m = 2000;              // a candidate further than this from `near` is far_from_caller
  Status is_valid() const;
  // `near` in WGS84 (converted from GCJ-02 or BD-09 when so given).
  std::optional<LonLat> near_wgs84() const;
};

// A query text: non-empty after trimming, at most kMaxQueryBytes, valid UTF-8.
Status check_query_text(std::string_view text);

struct PageOptions {
  std::size_t limit = 100;          // 1 .. kMaxPageSize
  std::size_t cursor = 0;           // opaque to callers: pass back next_cursor
  Status is_valid() const;
};

}  // namespace poleloc
