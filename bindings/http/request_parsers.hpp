// request_parsers.hpp: the pure functions that turn the text of an HTTP request
// (target, query string, path parameters, headers) into typed values.
//
//   auto t = http::split_target("/v1/resolve?q=%E5%9B%A2&limit=3");   // path "/v1/resolve", query "q=..."
//   auto params = http::parse_query(t.query, {"q", "near", "limit"});  // decoded, unknown keys refused
//   auto near = http::parse_lonlat_pair(*params->find("near"), "near"); // LonLat, WGS84 degrees
//   auto number = http::decode_path_param(raw_segment, "number");      // "%E5%9B%A2..." -> UTF-8 text
//
// No sockets and no Boost.Beast here, so every parser is unit-tested (and can be
// fuzzed) on its own. Every failure is ErrorCode::bad_request with a
// message naming the parameter, what was received (shortened) and what is accepted.
//
// Thread-safety: pure functions.
#pragma once

#include <poleloc/status.hpp>
#include <poleloc/types.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace poleloc::http {

// A request-target split at the first '?' (a '#fragment' is dropped).
struct Target {
  std::string_view path;
  std::string_view query;
};
Target split_target(std::string_view target);

// Percent-decoding (RFC 3986). In a query string '+' means a space
// (plus_as_space); in a path it is a literal '+'. A '%' not followed by two hex
// digits fails. The result may be any bytes; check UTF-8 separately.
Result<std::string> percent_decode(std::string_view text, bool plus_as_space);

// True if `text` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view text);

// The decoded parameters of a query string, in order of appearance.
class QueryParams {
 public:
  const std::string* find(std::string_view key) const;  // nullptr if absent
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  void add(std::string key, std::string value) { items_.emplace_back(std::move(key), std::move(value)); }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// Decodes `query` ("a=1&b=x+y"). Fails on bad percent-encoding, invalid UTF-8,
// a key not in `accepted`, or a key given twice. Empty pieces ("a=1&&b=2") are skipped;
// "key" without '=' has an empty value.
Result<QueryParams> parse_query(std::string_view query, std::initializer_list<std::string_view> accepted);

// A decimal number of degrees in [min, max]; NaN, infinities, hex, blanks and
// trailing characters are refused.
Result<double> parse_degrees(std::string_view text, std::string_view name, double min, double max);

// lon in [-180, 180], lat in [-90, 90], WGS84 degrees.
Result<LonLat> parse_lonlat(std::string_view lon, std::string_view lat);

// "LON,LAT" (e.g. near=116.4712,39.9251).
Result<LonLat> parse_lonlat_pair(std::string_view text, std::string_view name);

// A whole number 0..999999999 (digits only). Range checks beyond that belong to
// the query option structs (NearestOptions::is_valid and friends).
Result<std::size_t> parse_count(std::string_view text, std::string_view name);

// A finite decimal number (e.g. max_m); sign and range are checked by the option structs.
Result<double> parse_real(std::string_view text, std::string_view name);

// An RFC 3339 date-time: "2026-03-01T08:00:00+08:00", "2026-03-01T00:00:00Z",
// with optional fractional seconds ("…:00.250Z"); 'T' may be 't' or a space,
// 'Z' may be 'z'. An offset or Z is required (a time without one is ambiguous).
Result<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text, std::string_view name);

// A duration: a whole number with unit "ms", "s" or "m" ("30s", "500ms", "1m"),
// or a bare number of seconds ("30"); at most `max`.
Result<std::chrono::milliseconds> parse_duration(std::string_view text, std::string_view name,
                                                 std::chrono::milliseconds max);

// A path parameter ({number}, {id}): percent-decoded ('+' literal), valid UTF-8
// without control characters, non-empty, at most max_bytes after decoding.
Result<std::string> decode_path_param(std::string_view raw, std::string_view name, std::size_t max_bytes = 512);

// The token of an "Authorization: Bearer TOKEN" header (scheme case-insensitive);
// nullopt for another scheme or an empty token.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// Compares in time that depends only on expected.size(), so the answer time
// tells an attacker nothing about how much of a guess was right.
bool constant_time_equal(std::string_view expected, std::string_view given);

// "HOST:PORT": "127.0.0.1:8080", "[::1]:0", "localhost:8080". Port 0 picks a free one.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};
Result<ListenAddress> parse_listen(std::string_view text);

// At most `max_bytes` of `text` for an error message, cut on a UTF-8 boundary,
// with "…" when cut. Invalid bytes are kept (the JSON writer replaces them).
std::string excerpt(std::string_view text, std::size_t max_bytes = 40);

// excerpt() in single quotes: 'TJH-0372'.
std::string in_quotes(std::string_view text, std::size_t max_bytes = 40);

}  // namespace poleloc::http
