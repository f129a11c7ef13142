// access_log.hpp: one structured line per answered request, on stderr.
//
//   {"ts":"2025-03-01T08:15:02.123Z","remote":"127.0.0.1:51234","method":"GET",
//    "target":"/v1/poles/TJH0372","route":"/v1/poles/{number}","status":200,"bytes":412,"us":38}
//
// A JSON object per line so that log shippers need no parser of their own. The
// target is cut at 300 bytes and escaped (control and non-ASCII bytes as \u00XX).
// An authenticated write adds "writer":"NAME", the name of the token used (the
// audit trail; see token_file.hpp).
//
// What a caller said and where they are is personal data: unless the server
// runs with --log-queries, loggable_target() replaces every query value other
// than limit, k, max_m and cursor with "~" (q, near, lon, lat, and anything
// unexpected), and the number of a pole looked up (GET or HEAD
// /v1/poles/{number}, which may be spoken text) with "~". Writes keep their
// path for the audit trail.
//
// A write(2) costs a few microseconds here, about a fifth of a whole lookup, so
// each thread collects its lines and writes them in one go: when 16 KiB have
// gathered, when the oldest waiting line is 100 ms old (checked on the next
// line), and whenever its event loop calls flush_access_log() (the server does
// every 100 ms and at shutdown). Whole lines go out in one write, so lines from
// several threads never interleave, and no lock is taken.
//
// Thread-safety: any thread; each thread has its own buffer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace poleloc::http {

struct AccessLogEntry {
  std::string_view remote;
  std::string_view method;
  std::string_view target;
  std::string_view route;   // the matched pattern, or "-"
  int status = 0;
  std::size_t bytes = 0;    // response body
  long long micros = 0;     // handling time
  std::string_view writer;  // token name of an authenticated write; empty otherwise
};

// The target as the access log shows it (see above).
std::string loggable_target(std::string_view method, std::string_view target, std::string_view route,
                            bool log_queries);

// The line, with its trailing newline.
std::string format_access_log(const AccessLogEntry& entry);

// Queues the line in this thread's buffer (see above).
void write_access_log(const AccessLogEntry& entry);

// Writes out this thread's queued lines.
void flush_access_log();

// A free-form event line in the same format ({"ts":…,"event":…,"message":…}),
// written at once (after this thread's queued lines).
void write_log_event(std::string_view event, std::string_view message);

}  // namespace poleloc::http
