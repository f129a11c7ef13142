#include <poleloc/geo.hpp>
#include <poleloc/query_options.hpp>
#include <poleloc/utf8.hpp>

#include <cctype>
#include <cmath>
#include <string>

namespace poleloc {

Status NearestOptions::is_valid() const {
  if (k < 1 || k > kMaxNearestK) {
    return {ErrorCode::bad_request, "k must be between 1 and " + std::to_string(kMaxNearestK) + ", got " +
                                             std::to_string(k)};
  }
  if (max_m && !(std::isfinite(*max_m) && *max_m > 0)) {
    return {ErrorCode::bad_request, "max_m must be a positive number of metres"};
  }
  return Status::ok();
}

Status ResolveOptions::is_valid() const {
  if (limit < 1 || limit > kMaxResolveLimit) {
    return {ErrorCode::bad_request, "limit must be between 1 and " + std::to_string(kMaxResolveLimit) +
                                             ", got " + std::to_string(limit)};
  }
  if (near && !is_valid_lonlat(*near)) {
    return {ErrorCode::bad_request,
            "near must be lon,lat in degrees (lon -180..180, lat -90..90)"};
  }
  if (!(std::isfinite(far_m) && far_m > 0)) {
    return {ErrorCode::bad_request, "far_m must be a positive number of metres"};
  }
  if (near_accuracy_m && !(std::isfinite(*near_accuracy_m) && *near_accuracy_m > 0 && *near_accuracy_m <= 100000)) {
    return {ErrorCode::bad_request, "near_accuracy_m must be a number of metres between 0 and 100000"};
  }
  return Status::ok();
}

std::optional<LonLat> ResolveOptions::near_wgs84() const {
  if (!near) return std::nullopt;
  switch (near_crs) {
    case LocationCrs::wgs84: return near;
    case LocationCrs::gcj02: return gcj02_to_wgs84(*near);
    case LocationCrs::bd09: return gcj02_to_wgs84(bd09_to_gcj02(*near));
  }
  return near;
}

std::optional<LocationCrs> parse_location_crs(std::string_view name) {
  std::string s(name);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "wgs84" || s == "epsg:4326") return LocationCrs::wgs84;
  if (s == "gcj02" || s == "gcj-02") return LocationCrs::gcj02;
  if (s == "bd09" || s == "bd-09") return LocationCrs::bd09;
  return std::nullopt;
}

Status PageOptions::is_valid() const {
  if (limit < 1 || limit > kMaxPageSize) {
    return {ErrorCode::bad_request,
            "limit must be between 1 and " + std::to_string(kMaxPageSize) + ", got " + std::to_string(limit)};
  }
  return Status::ok();
}

Status check_query_text(std::string_view text) {
  if (text.size() > kMaxQueryBytes) {
    return {ErrorCode::bad_request, "query text is " + std::to_string(text.size()) + " bytes; at most " +
                                             std::to_string(kMaxQueryBytes) + " are accepted"};
  }
  if (auto at = invalid_utf8_offset(text); at != std::string_view::npos) {
    return {ErrorCode::bad_request, "query text is not valid UTF-8 (byte " + std::to_string(at) + ")"};
  }
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {ErrorCode::bad_request, "query text is empty"};
  return Status::ok();
}

}  // namespace poleloc
