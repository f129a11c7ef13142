// allowed_hosts.hpp: which HTTP Host headers the server answers (a defence
// against DNS rebinding: a web page whose name suddenly resolves to 127.0.0.1
// still sends its own name as Host, and is refused with 421 host_not_allowed).
//
//   auto hosts = AllowedHosts::defaults("127.0.0.1", 8080);
//   hosts.allows("localhost:8080");   // true
//   hosts.allows("evil.example:8080"); // false
//   auto mine = AllowedHosts::parse("poleloc.example.org,10.0.0.5:8080", "127.0.0.1", 8080);
//
// An entry without a port allows that host without a port and with the
// server's own port; an entry with a port allows exactly that. Names compare
// case-insensitively; IPv6 addresses are written in brackets ("[::1]"). The
// entry "*" allows any Host (for a server that only a trusted proxy reaches).
// The defaults are the listen host, localhost, 127.0.0.1 and [::1]; a list
// given with --allowed-hosts is added to them (a loopback name in Host cannot
// come from a rebound foreign page: its Host is the page's own name).
//
// A request without a Host header (HTTP/1.0) is decided by the request handler:
// allowed only from a loopback peer.
//
// Thread-safety: const after construction.
#pragma once

#include <poleloc/status.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace poleloc::http {

class AllowedHosts {
 public:
  // localhost, 127.0.0.1 and [::1] with any port: for tests of the handler; the
  // server always sets its own list.
  AllowedHosts();

  static AllowedHosts defaults(std::string_view listen_host, std::uint16_t port);

  // The defaults plus a comma-separated list; fails on an empty list or an
  // entry with blanks, a scheme, a path or a bad port.
  static Result<AllowedHosts> parse(std::string_view list, std::string_view listen_host, std::uint16_t port);

  bool allows(std::string_view host_header) const;

  // The entries as configured, for the start-up log line.
  std::string describe() const;

 private:
  struct Entry {
    std::string host;  // lower-case; "[::1]" keeps its brackets
    int port = -1;     // -1: no port given
  };
  void add(std::string_view host, int port);

  std::vector<Entry> entries_;
  std::uint16_t own_port_ = 0;
  bool any_port_ = false;  // the default-constructed list
  bool any_ = false;       // "*"
};

}  // namespace poleloc::http
