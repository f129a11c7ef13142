#include <poleloc/types.hpp>

#include <charconv>
#include <cmath>
#include <system_error>

namespace poleloc {

bool BBox::is_valid() const {
  return std::isfinite(min_lon) && std::isfinite(min_lat) && std::isfinite(max_lon) && std::isfinite(max_lat) &&
         min_lon <= max_lon && min_lat <= max_lat && min_lon >= -180 && max_lon <= 180 && min_lat >= -90 &&
         max_lat <= 90;
}

std::string_view attribute_type_name(AttributeType type) {
  switch (type) {
    case AttributeType::integer: return "integer";
    case AttributeType::real: return "real";
    case AttributeType::boolean: return "boolean";
    case AttributeType::text: break;
  }
  return "text";
}

std::string integer_text(std::int64_t value) { return std::to_string(value); }

std::string real_text(double value) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, r.ptr);
}

namespace {

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_real(std::string_view text) {
  double v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

bool is_canonical_value(AttributeType type, std::string_view text) {
  switch (type) {
    case AttributeType::text: return true;
    case AttributeType::integer: {
      auto v = parse_integer(text);
      return v && integer_text(*v) == text;
    }
    case AttributeType::real: {
      auto v = parse_real(text);
      return v && real_text(*v) == text;
    }
    case AttributeType::boolean: return text == "true" || text == "false";
  }
  return false;
}

template <class String>
std::optional<std::int64_t> BasicAttribute<String>::as_integer() const {
  if (type != AttributeType::integer) return std::nullopt;
  return parse_integer(second);
}

template <class String>
std::optional<double> BasicAttribute<String>::as_real() const {
  if (type == AttributeType::integer) {
    if (auto v = parse_integer(second)) return static_cast<double>(*v);
    return std::nullopt;
  }
  if (type != AttributeType::real) return std::nullopt;
  return parse_real(second);
}

template <class String>
std::optional<bool> BasicAttribute<String>::as_boolean() const {
  if (type != AttributeType::boolean) return std::nullopt;
  if (second == "true") return true;
  if (second == "false") return false;
  return std::nullopt;
}

template std::optional<std::int64_t> BasicAttribute<std::string>::as_integer() const;
template std::optional<std::int64_t> BasicAttribute<std::string_view>::as_integer() const;
template std::optional<double> BasicAttribute<std::string>::as_real() const;
template std::optional<double> BasicAttribute<std::string_view>::as_real() const;
template std::optional<bool> BasicAttribute<std::string>::as_boolean() const;
template std::optional<bool> BasicAttribute<std::string_view>::as_boolean() const;

const std::string* find_attribute(const Attributes& attributes, std::string_view key) {
  for (const auto& [k, v] : attributes) {
    if (k == key) return &v;
  }
  return nullptr;
}

}  // namespace poleloc
