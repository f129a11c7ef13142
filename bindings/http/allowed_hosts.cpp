#include "allowed_hosts.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace poleloc::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Splits "host", "host:port", "[v6]" or "[v6]:port"; false if malformed.
// port is -1 when absent.
bool split_host_port(std::string_view text, std::string_view& host, int& port) {
  port = -1;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return false;
    host = text.substr(0, close + 1);
    rest = text.substr(close + 1);
  } else {
    const auto colon = text.find(':');
    host = text.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
  }
  if (host.empty() || host == "[]") return false;
  for (char c : host) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '/' || c == '@' || c == '?' || c == '#' || c == ',' || c == '\\') return false;
  }
  if (rest.empty()) return true;
  if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) return false;
  unsigned value = 0;
  const auto digits = rest.substr(1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || value > 65535) return false;
  port = static_cast<int>(value);
  return true;
}

}  // namespace

AllowedHosts::AllowedHosts() : any_port_(true) {
  for (std::string_view h : {"localhost", "127.0.0.1", "[::1]"}) add(h, -1);
}

void AllowedHosts::add(std::string_view host, int port) {
  Entry e{lower(host), port};
  for (const Entry& x : entries_) {
    if (x.host == e.host && x.port == e.port) return;
  }
  entries_.push_back(std::move(e));
}

AllowedHosts AllowedHosts::defaults(std::string_view listen_host, std::uint16_t port) {
  AllowedHosts h;
  h.any_port_ = false;
  h.own_port_ = port;
  // A bare IPv6 listen address ("::1") is written "[::1]" in a Host header.
  if (!listen_host.empty()) {
    if (listen_host.find(':') != std::string_view::npos && listen_host.front() != '[') {
      h.add("[" + std::string(listen_host) + "]", -1);
    } else {
      h.add(listen_host, -1);
    }
  }
  return h;
}

Result<AllowedHosts> AllowedHosts::parse(std::string_view list, std::string_view listen_host, std::uint16_t port) {
  AllowedHosts h = defaults(listen_host, port);
  const std::size_t before = h.entries_.size();
  while (true) {
    const auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "*") {
      h.any_ = true;
    } else if (!item.empty()) {
      std::string_view host;
      int p = -1;
      if (!split_host_port(item, host, p)) {
        return Status(ErrorCode::bad_request,
                      "--allowed-hosts: '" + std::string(item) +
                          "' is not a host name or address with an optional :PORT (e.g. poleloc.example.org, "
                          "10.0.0.5:8080, [::1])");
      }
      h.add(host, p);
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (h.entries_.size() == before && !h.any_) {
    return Status(ErrorCode::bad_request, "--allowed-hosts needs at least one host name (or '*' for any)");
  }
  return h;
}

bool AllowedHosts::allows(std::string_view header) const {
  if (any_) return true;
  // A fully qualified name may end with a dot ("localhost."): the same host.
  std::string_view host;
  int port = -1;
  if (!split_host_port(header, host, port)) return false;
  if (host.size() > 1 && host.back() == '.') host.remove_suffix(1);
  const std::string name = lower(host);
  for (const Entry& e : entries_) {
    if (e.host != name) continue;
    if (e.port >= 0 ? port == e.port : (port < 0 || any_port_ || port == own_port_)) return true;
  }
  return false;
}

std::string AllowedHosts::describe() const {
  if (any_) return "any host";
  std::string out;
  for (const Entry& e : entries_) {
    if (!out.empty()) out += ", ";
    out += e.host;
    if (e.port >= 0) out += ":" + std::to_string(e.port);
  }
  return out;
}

}  // namespace poleloc::http
