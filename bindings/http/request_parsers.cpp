#include "request_parsers.hpp"

#include <poleloc/time_text.hpp>
#include <poleloc/utf8.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace poleloc::http {
namespace {

Status bad(std::string message) { return {ErrorCode::bad_request, std::move(message)}; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Shortest decimal that reads back as `v`, for messages ("-180", "0.5").
std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

Target split_target(std::string_view target) {
  if (auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

Result<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const int hi = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return bad("malformed percent-encoding at byte " + std::to_string(i) + " of " + in_quotes(text) +
                   "; '%' must be followed by two hex digits");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool is_valid_utf8(std::string_view s) { return invalid_utf8_offset(s) == std::string_view::npos; }

const std::string* QueryParams::find(std::string_view key) const {
  for (const auto& [k, v] : items_) {
    if (k == key) return &v;
  }
  return nullptr;
}

Result<QueryParams> parse_query(std::string_view query, std::initializer_list<std::string_view> accepted) {
  QueryParams params;
  std::size_t start = 0;
  while (start <= query.size()) {
    auto end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view piece = query.substr(start, end - start);
    start = end + 1;
    if (piece.empty()) continue;
    const auto eq = piece.find('=');
    auto key = percent_decode(piece.substr(0, eq), true);
    if (!key) return key.status();
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1), true);
    if (!value) return value.status();
    if (!is_valid_utf8(*key)) return bad("a query parameter name is not valid UTF-8");
    if (std::find(accepted.begin(), accepted.end(), *key) == accepted.end()) {
      std::string names;
      for (auto a : accepted) names += (names.empty() ? "" : ", ") + std::string(a);
      return bad("unknown query parameter " + in_quotes(*key) + "; accepted: " + (names.empty() ? "none" : names));
    }
    if (params.find(*key)) return bad("query parameter '" + *key + "' is given more than once");
    if (!is_valid_utf8(*value)) {
      return bad("query parameter '" + *key + "' is not valid UTF-8 after percent-decoding");
    }
    params.add(std::move(*key), std::move(*value));
  }
  return params;
}

Result<double> parse_real(std::string_view text, std::string_view name) {
  double v = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, v, std::chars_format::fixed | std::chars_format::scientific);
  if (text.empty() || ec != std::errc() || ptr != last || !std::isfinite(v)) {
    return bad(std::string(name) + " must be a decimal number, got " + in_quotes(text));
  }
  return v;
}

Result<double> parse_degrees(std::string_view text, std::string_view name, double min, double max) {
  auto v = parse_real(text, name);
  if (!v || *v < min || *v > max) {
    return bad(std::string(name) + " must be a decimal number of degrees in [" + number_text(min) + ", " +
               number_text(max) + "], got " + in_quotes(text));
  }
  return v;
}

Result<LonLat> parse_lonlat(std::string_view lon, std::string_view lat) {
  auto x = parse_degrees(lon, "lon", -180, 180);
  if (!x) return x.status();
  auto y = parse_degrees(lat, "lat", -90, 90);
  if (!y) return y.status();
  return LonLat{*x, *y};
}

Result<LonLat> parse_lonlat_pair(std::string_view text, std::string_view name) {
  const auto comma = text.find(',');
  if (comma == std::string_view::npos || text.find(',', comma + 1) != std::string_view::npos) {
    return bad(std::string(name) + " must be LON,LAT in degrees (e.g. 116.4712,39.9251), got " + in_quotes(text));
  }
  const std::string n(name);
  auto x = parse_degrees(text.substr(0, comma), n + " longitude", -180, 180);
  if (!x) return x.status();
  auto y = parse_degrees(text.substr(comma + 1), n + " latitude", -90, 90);
  if (!y) return y.status();
  return LonLat{*x, *y};
}

Result<std::size_t> parse_count(std::string_view text, std::string_view name) {
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return bad(std::string(name) + " must be a whole number, got " + in_quotes(text));
  }
  std::size_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

Result<std::string> decode_path_param(std::string_view raw, std::string_view name, std::size_t max_bytes) {
  auto decoded = percent_decode(raw, false);
  if (!decoded) return decoded.status();
  if (decoded->empty()) return bad(std::string(name) + " is empty");
  if (decoded->size() > max_bytes) {
    return bad(std::string(name) + " is " + std::to_string(decoded->size()) + " bytes; at most " +
               std::to_string(max_bytes) + " are accepted");
  }
  if (!is_valid_utf8(*decoded)) return bad(std::string(name) + " is not valid UTF-8 after percent-decoding");
  for (char c : *decoded) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return bad(std::string(name) + " holds a control character (NUL, tab, line end, ...) after percent-decoding");
    }
  }
  return decoded;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    const char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != scheme[i]) return std::nullopt;
  }
  std::string_view rest = authorization.substr(scheme.size());
  if (rest.front() != ' ' && rest.front() != '\t') return std::nullopt;
  const auto first = rest.find_first_not_of(" \t");
  if (first == std::string_view::npos) return std::nullopt;
  rest = rest.substr(first);
  rest = rest.substr(0, rest.find_last_not_of(" \t") + 1);
  return rest;
}

bool constant_time_equal(std::string_view expected, std::string_view given) {
  // Walks `expected` whatever `given` is; a length mismatch is folded into the
  // same accumulator instead of returning early.
  unsigned diff = expected.size() == given.size() ? 0u : 1u;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= static_cast<unsigned char>(expected[i]) ^ g;
  }
  // Keep the compiler from turning the loop into an early-exit comparison.
  volatile unsigned sink = diff;
  return sink == 0 && !expected.empty();
}

Result<ListenAddress> parse_listen(std::string_view text) {
  const auto fail = [&] {
    return bad("listen address must be HOST:PORT (e.g. 127.0.0.1:8080, [::1]:0), got " + in_quotes(text));
  };
  ListenAddress out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return fail();
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return fail();
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (out.host.empty() || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) {
    return fail();
  }
  unsigned p = 0;
  std::from_chars(port.data(), port.data() + port.size(), p);
  if (p > 65535) return fail();
  out.port = static_cast<std::uint16_t>(p);
  return out;
}

std::string in_quotes(std::string_view text, std::size_t max_bytes) {
  // Appended piece by piece: `"'" + std::string` trips a false -Wrestrict in GCC 12.
  std::string out(1, '\'');
  out += excerpt(text, max_bytes);
  out += '\'';
  return out;
}

std::string excerpt(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  // Back up to a lead byte so a multi-byte character is not split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "…";
}

Result<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text, std::string_view name) {
  return poleloc::parse_rfc3339(text, name);
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text, std::string_view name,
                                                 std::chrono::milliseconds max) {
  auto bad = [&]() {
    return Status(ErrorCode::bad_request,
                  std::string(name) + " " + in_quotes(text) + " is not a duration; use e.g. 30s, 500ms or 1m (at most " +
                      std::to_string(max.count() / 1000) + "s)");
  };
  std::size_t n = 0;
  std::int64_t value = 0;
  while (n < text.size() && n < 9 && text[n] >= '0' && text[n] <= '9') value = value * 10 + (text[n++] - '0');
  if (n == 0) return bad();
  const std::string_view unit = text.substr(n);
  std::chrono::milliseconds d;
  if (unit.empty() || unit == "s") d = std::chrono::seconds(value);
  else if (unit == "ms") d = std::chrono::milliseconds(value);
  else if (unit == "m") d = std::chrono::minutes(value);
  else return bad();
  if (d > max) return bad();
  return d;
}

}  // namespace poleloc::http
