// poleloc/attribute_json.hpp: attributes to and from JSON values, the one
// mapping every face uses (HTTP answers and bodies, --json, the change feed,
// export/dump files, GeoJSON input).
//
//   JSON string          <-> text
//   JSON integer         <-> integer (int64; a larger one stays text, digits exact)
//   JSON other number    <-> real (one beyond a double's range stays text: "inf")
//   true / false         <-> boolean
//   null                 ->  no attribute (nullopt): a null value is an absent one
//   object / array       ->  nullopt: the caller refuses it or keeps its JSON text
//
//   nlohmann::json v = 10;
//   auto a = poleloc::attribute_from_json("voltage_kv", v);  // Attribute::integer("voltage_kv", 10)
//   nlohmann::json back = poleloc::attribute_to_json<nlohmann::json>(*a);  // 10
//
// `Json` is any nlohmann::basic_json (json, ordered_json); this header does
// not include nlohmann itself.
// Thread-safety: pure functions.
#pragma once

#include <poleloc/types.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace poleloc {

template <class Json>
std::optional<Attribute> attribute_from_json(std::string name, const Json& v) {
  if (v.is_string()) return Attribute{std::move(name), v.template get<std::string>()};
  if (v.is_boolean()) return Attribute::boolean(std::move(name), v.template get<bool>());
  if (v.is_number_unsigned()) {
    const auto u = v.template get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return Attribute{std::move(name), v.dump()};
    }
    return Attribute::integer(std::move(name), static_cast<std::int64_t>(u));
  }
  if (v.is_number_integer()) return Attribute::integer(std::move(name), v.template get<std::int64_t>());
  if (v.is_number_float()) {
    const double d = v.template get<double>();
    // 1e400 parses as infinity, which no JSON number can give back: kept as text.
    if (!std::isfinite(d)) return Attribute{std::move(name), real_text(d)};
    return Attribute::real(std::move(name), d);
  }
  return std::nullopt;
}

template <class Json, class String>
Json attribute_to_json(const BasicAttribute<String>& a) {
  switch (a.type) {
    case AttributeType::integer:
      if (auto v = a.as_integer()) return Json(*v);
      break;
    case AttributeType::real:
      if (auto v = a.as_real()) return Json(*v);
      break;
    case AttributeType::boolean:
      if (auto v = a.as_boolean()) return Json(*v);
      break;
    case AttributeType::text:
      break;
  }
  return Json(std::string(a.second));
}

// {"name": value, ...} in order.
template <class Json, class List>
Json attributes_to_json(const List& attributes) {
  Json out = Json::object();
  for (const auto& a : attributes) out[std::string(a.first)] = attribute_to_json<Json>(a);
  return out;
}

}  // namespace poleloc
