#include <poleloc/geo.hpp>
#include <poleloc/query_options.hpp>
#include <poleloc/utf8.hpp>

#include <cmath>
#include <string>

namespace poleloc {

Status NearestOptions::is_valid() const {
  if (k < 1 || k > kMaxNearestK) {
    return {ErrorCode::invalid_argument, "k must be between 1 and " + std::to_string(kMaxNearestK) + ", got " +
                                             std::to_string(k)};
  }
  if (max_m && !(std::isfinite(*max_m) && *max_m > 0)) {
    return {ErrorCode::invalid_argument, "max_m must be a positive number of metres"};
  }
  return Status::ok();
}

Status ResolveOptions::is_valid() const {
  if (limit < 1 || limit > kMaxResolveLimit) {
    return {ErrorCode::invalid_argument, "limit must be between 1 and " + std::to_string(kMaxResolveLimit) +
                                             ", got " + std::to_string(limit)};
  }
  if (near && !is_valid_lonlat(*near)) {
    return {ErrorCode::invalid_argument,
            "near must be lon,lat in degrees (lon -180..180, lat -90..90)"};
  }
  if (!(std::isfinite(far_m) && far_m > 0)) {
    return {ErrorCode::invalid_argument, "far_m must be a positive number of metres"};
  }
  return Status::ok();
}

Status PageOptions::is_valid() const {
  if (limit < 1 || limit > kMaxPageSize) {
    return {ErrorCode::invalid_argument,
            "limit must be between 1 and " + std::to_string(kMaxPageSize) + ", got " + std::to_string(limit)};
  }
  return Status::ok();
}

Status check_query_text(std::string_view text) {
  if (text.size() > kMaxQueryBytes) {
    return {ErrorCode::invalid_argument, "query text is " + std::to_string(text.size()) + " bytes; at most " +
                                             std::to_string(kMaxQueryBytes) + " are accepted"};
  }
  if (auto at = invalid_utf8_offset(text); at != std::string_view::npos) {
    return {ErrorCode::invalid_argument, "query text is not valid UTF-8 (byte " + std::to_string(at) + ")"};
  }
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {ErrorCode::invalid_argument, "query text is empty"};
  return Status::ok();
}

}  // namespace poleloc
