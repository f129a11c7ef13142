// http_fuzz: any bytes as a request-target, a header value or a PUT body.
//
// Each input goes through every pure parser of the HTTP face
// (bindings/http/request_parsers.hpp, request_body.hpp): split_target, the
// query string as each endpoint parses it, the path parameters, the number
// parsers, bearer_token, parse_listen, excerpt, and the pole and grid PUT
// bodies. Nothing may crash, and what the parsers accept must keep their
// contracts: decoded parameters and path parameters are valid UTF-8,
// coordinates are finite and in range, an excerpt is no longer than asked
// (plus the "…").
#include "fuzz_fail.hpp"
#include "request_body.hpp"
#include "request_parsers.hpp"

#include <poleloc/query_options.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

using poleloc::fuzz::fail;

namespace {

void check_position(poleloc::LonLat p, const char* what) {
  if (!std::isfinite(p.lon) || !std::isfinite(p.lat) || p.lon < -180 || p.lon > 180 || p.lat < -90 || p.lat > 90) {
    fail(what);
  }
}

void parse_target(std::string_view target) {
  using namespace poleloc::http;
  const Target t = split_target(target);
  if (t.path.size() + t.query.size() > target.size()) fail("split_target made bytes up");

  // The query strings of the GET endpoints, each with its accepted keys.
  if (auto p = parse_query(t.query, {"q", "near", "near_accuracy_m", "near_crs", "limit"})) {
    for (const auto& [k, v] : p->items()) {
      if (!is_valid_utf8(k) || !is_valid_utf8(v)) fail("parse_query accepted invalid UTF-8");
    }
    if (const std::string* near = p->find("near")) {
      if (auto ll = parse_lonlat_pair(*near, "near")) check_position(*ll, "parse_lonlat_pair out of range");
    }
    if (const std::string* limit = p->find("limit")) (void)parse_count(*limit, "limit");
    if (const std::string* acc = p->find("near_accuracy_m")) {
      if (auto r = parse_real(*acc, "near_accuracy_m"); r && !std::isfinite(*r)) fail("parse_real not finite");
    }
  }
  if (auto p = parse_query(t.query, {"lon", "lat", "k", "max_m"})) {
    const std::string* lon = p->find("lon");
    const std::string* lat = p->find("lat");
    if (lon && lat) {
      if (auto ll = parse_lonlat(*lon, *lat)) check_position(*ll, "parse_lonlat out of range");
    }
    if (const std::string* k = p->find("k")) (void)parse_count(*k, "k");
    if (const std::string* m = p->find("max_m")) (void)parse_real(*m, "max_m");
  }

  // Path segments as the pole and grid routes decode them.
  std::string_view rest = t.path;
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (auto decoded = decode_path_param(segment, "pole number", poleloc::kMaxQueryBytes)) {
      if (decoded->empty() || decoded->size() > poleloc::kMaxQueryBytes || !is_valid_utf8(*decoded)) {
        fail("decode_path_param accepted an empty, long or invalid parameter");
      }
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  (void)percent_decode(target, true);
  (void)percent_decode(target, false);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace poleloc::http;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  parse_target(text);
  (void)parse_degrees(text, "lon", -180, 180);
  (void)bearer_token(text);
  (void)constant_time_equal("secret-token-0123456789", text);
  (void)parse_listen(text);
  for (std::size_t max : {0, 1, 3, 40}) {
    if (excerpt(text, max).size() > max + std::string_view("…").size()) fail("excerpt longer than asked");
  }
  (void)in_quotes(text);

  (void)json_nesting_depth(text);
  if (auto pole = parse_pole_body(text, "TJH9001")) check_position(pole->position, "pole body out of range");
  (void)parse_grid_body(text, "CY-X-1");
  return 0;
}
