#include <poleloc/types.hpp>

#include <cmath>

namespace poleloc {

bool BBox::is_valid() const {
  return std::isfinite(min_lon) && std::isfinite(min_lat) && std::isfinite(max_lon) && std::isfinite(max_lat) &&
         min_lon <= max_lon && min_lat <= max_lat && min_lon >= -180 && max_lon <= 180 && min_lat >= -90 &&
         max_lat <= 90;
}

const std::string* find_attribute(const Attributes& attributes, std::string_view key) {
  for (const auto& [k, v] : attributes) {
    if (k == key) return &v;
  }
  return nullptr;
}

}  // namespace poleloc
