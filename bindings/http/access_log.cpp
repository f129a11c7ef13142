#include "access_log.hpp"

#include "request_parsers.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace poleloc::http {
namespace {

void append_escaped(std::string& out, std::string_view s, std::size_t max_bytes, bool keep_non_ascii = false) {
  static constexpr char kHex[] = "0123456789abcdef";
  const bool cut = s.size() > max_bytes;
  if (cut) s = s.substr(0, max_bytes);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20 || c == 0x7F || (c > 0x7F && !keep_non_ascii)) {
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
  if (cut) out += "...";
}

// "2025-03-01T08:15:02.123Z"; the date part is formatted once per second per thread.
void append_timestamp(std::string& out) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  thread_local std::time_t cached_secs = -1;
  thread_local char cached[24];
  if (secs != cached_secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_secs = secs;
  }
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms % 1000));
  out += cached;
  out += frac;
}

void write_all(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n <= 0) return;  // a closed or full stderr must not stop the server
    done += static_cast<std::size_t>(n);
  }
}

constexpr std::size_t kFlushBytes = 16 << 10;
constexpr auto kFlushAge = std::chrono::milliseconds(100);

struct PendingLines {
  std::string text;
  std::chrono::steady_clock::time_point oldest;
};

PendingLines& pending() {
  thread_local PendingLines lines;
  return lines;
}

// Query parameters that say nothing about the caller.
constexpr std::array<std::string_view, 4> kHarmlessKeys{"limit", "k", "max_m", "cursor"};

constexpr std::string_view kRedacted = "~";

}  // namespace

std::string loggable_target(std::string_view method, std::string_view target, std::string_view route,
                            bool log_queries) {
  if (log_queries) return std::string(target);
  const Target t = split_target(target);
  std::string out;
  out.reserve(target.size());
  const bool is_write = method == "PUT" || method == "DELETE";
  if (route == "/v1/poles/{number}" && !is_write) {
    out += "/v1/poles/";
    out += kRedacted;
  } else {
    out += t.path;
  }
  if (t.query.empty()) return out;
  out += '?';
  std::string_view query = t.query;
  bool first = true;
  while (true) {
    const auto amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    if (!piece.empty()) {
      const auto eq = piece.find('=');
      const std::string_view raw_key = piece.substr(0, eq);
      // Decoded, so that "%71=..." (q) is recognised as q.
      auto key = percent_decode(raw_key, true);
      const bool harmless =
          key && std::find(kHarmlessKeys.begin(), kHarmlessKeys.end(), std::string_view(*key)) != kHarmlessKeys.end();
      if (!first) out += '&';
      first = false;
      if (harmless) {
        out += piece;
      } else {
        out += key ? excerpt(raw_key, 32) : std::string(kRedacted);
        out += '=';
        out += kRedacted;
      }
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

std::string format_access_log(const AccessLogEntry& e) {
  std::string line;
  line.reserve(192 + e.target.size());
  line += "{\"ts\":\"";
  append_timestamp(line);
  line += "\",\"remote\":\"";
  append_escaped(line, e.remote, 64);
  line += "\",\"method\":\"";
  append_escaped(line, e.method, 16);
  line += "\",\"target\":\"";
  append_escaped(line, e.target, 300);
  line += "\",\"route\":\"";
  append_escaped(line, e.route, 64);
  line += "\",\"status\":" + std::to_string(e.status);
  line += ",\"bytes\":" + std::to_string(e.bytes);
  line += ",\"us\":" + std::to_string(e.micros);
  if (!e.writer.empty()) {
    line += ",\"writer\":\"";
    append_escaped(line, e.writer, 64);
    line += '"';
  }
  line += "}\n";
  return line;
}

void write_access_log(const AccessLogEntry& entry) {
  PendingLines& p = pending();
  const auto now = std::chrono::steady_clock::now();
  if (p.text.empty()) {
    p.oldest = now;
    p.text.reserve(kFlushBytes + 1024);
  }
  p.text += format_access_log(entry);
  if (p.text.size() >= kFlushBytes || now - p.oldest >= kFlushAge) flush_access_log();
}

void flush_access_log() {
  PendingLines& p = pending();
  if (p.text.empty()) return;
  write_all(p.text);
  p.text.clear();
}

void write_log_event(std::string_view event, std::string_view message) {
  std::string line = "{\"ts\":\"";
  append_timestamp(line);
  line += "\",\"event\":\"";
  append_escaped(line, event, 64);
  line += "\",\"message\":\"";
  append_escaped(line, message, 1000, true);  // our own text: UTF-8
  line += "\"}\n";
  flush_access_log();
  write_all(line);
}

}  // namespace poleloc::http
