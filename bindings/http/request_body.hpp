// request_body.hpp: the JSON bodies of the write endpoints, parsed into records.
//
//   PUT /v1/poles/TJH9001   {"lon":116.47,"lat":39.92,"attributes":{"kind":"路灯"}}
//   auto pole = http::parse_pole_body(body, "TJH9001");     // Result<PoleRecord>
//
//   PUT /v1/grids/CY-X-1    {"name":"…","attributes":{"manager":"…"},
//                            "geometry":{"type":"Polygon","coordinates":[[[lon,lat],…]]}}
//   auto grid = http::parse_grid_body(body, "CY-X-1");      // Result<GridRecord>
//
// These check the shape (types, required members, nesting) and say where a
// body is wrong ("geometry.coordinates[0][3]: expected [lon, lat]"); the
// facade then checks the record itself (canonical number, valid polygon).
// Coordinates are WGS84 degrees. A "number" or "id" member, if present, must
// agree with the path. Unknown members are refused so that typos do not pass
// silently.
//
// Errors: bad_request (malformed JSON, wrong types, too deeply nested).
// Thread-safety: pure functions.
#pragma once

#include <poleloc/status.hpp>
#include <poleloc/types.hpp>

#include <cstddef>
#include <string_view>

namespace poleloc::http {

inline constexpr std::size_t kMaxJsonDepth = 32;

// The deepest nesting of arrays and objects in `body` (strings are skipped);
// used to refuse pathological bodies before building a document from them.
std::size_t json_nesting_depth(std::string_view body);

Result<PoleRecord> parse_pole_body(std::string_view body, std::string_view number);
Result<GridRecord> parse_grid_body(std::string_view body, std::string_view id);

}  // namespace poleloc::http
