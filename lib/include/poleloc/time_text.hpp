// poleloc/time_text.hpp: times as people and other systems write them, for
// as-of queries (docs/history.md), shared by the CLI and the HTTP server.
//
// ```cpp
// auto t = poleloc::parse_rfc3339("2026-03-01T08:00:00+08:00", "--as-of");  // Result<time_point>
// auto same = poleloc::parse_rfc3339("2026-03-01T00:00:00Z", "as_of");     // the same instant
// std::cout << (t && same && *t == *same) << '\n';
// ```
//
// Thread-safety: pure functions.
#pragma once

#include <poleloc/status.hpp>

#include <chrono>
#include <cstdint>
#include <string_view>

namespace poleloc {

// An RFC 3339 date-time with fractional seconds optional ("…:00.250Z"); 'T'
// may be 't' or a space, 'Z' may be 'z'. An offset or Z is required: a time
// without one is ambiguous. bad_request names `name` and what is accepted.
Result<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text, std::string_view name);

// The instant `us` microseconds after 1970-01-01T00:00:00Z. The clock holds
// nanoseconds in 64 bits (about the years 1678-2261): an instant beyond is
// its first or last one, never wrapped around, so that a time written as year
// 9999 means "after every write" and year 1 "before them all".
std::chrono::system_clock::time_point time_from_unix_us(std::int64_t us);

}  // namespace poleloc
