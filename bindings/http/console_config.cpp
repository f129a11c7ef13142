#include "console_config.hpp"

#include <json_shapes.hpp>

namespace poleloc::http {
namespace {

Status bad(std::string message) { return {ErrorCode::bad_request, std::move(message)}; }

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

// Characters that may appear in the path and query of a template: the URL's own
// unreserved and reserved sets, without quotes, spaces or backslashes.
bool is_path_char(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  return std::string_view("-._~/?#[]@!$&()*+,;=%{}:").find(c) != std::string_view::npos;
}

}  // namespace

std::string_view tile_crs_name(TileCrs crs) { return crs == TileCrs::gcj02 ? "gcj02" : "wgs84"; }

Result<TileSource> TileSource::parse(std::string_view url, std::string_view crs, std::string_view attribution) {
  TileSource t;
  t.url_template = std::string(url);
  std::string_view scheme;
  if (url.starts_with("http://")) {
    scheme = "http://";
  } else if (url.starts_with("https://")) {
    scheme = "https://";
  } else {
    return bad("--tiles must start with http:// or https://, e.g. https://tiles.example.org/{z}/{x}/{y}.png");
  }
  std::string_view rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return bad("--tiles needs a path with {z}, {x} and {y} after the host");
  std::string_view authority = rest.substr(0, slash);
  const std::string_view path = rest.substr(slash);
  std::string origin_host;
  if (authority.starts_with("{s}.")) {
    origin_host = "*.";
    authority.remove_prefix(4);
  }
  std::string_view host = authority, port;
  if (authority.starts_with("[")) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("--tiles has an unclosed [IPv6] host");
    host = authority.substr(0, close + 1);
    for (char c : host.substr(1, host.size() - 2)) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':')) {
        return bad("--tiles has an invalid IPv6 host " + std::string(host));
      }
    }
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("--tiles: expected ':PORT' after " + std::string(host));
      port = after.substr(1);
    }
  } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return bad("--tiles has no host");
  if (!host.starts_with("[")) {
    for (char c : host) {
      if (!is_host_char(c)) {
        return bad("--tiles host '" + std::string(host) +
                   "' may hold only letters, digits, '.' and '-' (and a leading {s}. for subdomains)");
      }
    }
  }
  if (authority.find('@') != std::string_view::npos) return bad("--tiles must not carry a user name or password");
  if (!port.empty() || authority.ends_with(":")) {
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoul(std::string(port)) == 0 || std::stoul(std::string(port)) > 65535) {
      return bad("--tiles port must be a number 1..65535");
    }
  }
  for (char c : path) {
    if (!is_path_char(c)) return bad("--tiles path has a character that must be percent-encoded: '" + std::string(1, c) + "'");
  }
  for (std::string_view part : {"{z}", "{x}", "{y}"}) {
    if (path.find(part) == std::string_view::npos) {
      return bad("--tiles path must hold {z}, {x} and {y}, e.g. /{z}/{x}/{y}.png; missing " + std::string(part));
    }
  }
  origin_host += std::string(host);
  t.origin = std::string(scheme) + origin_host + (port.empty() ? "" : ":" + std::string(port));

  if (crs.empty() || crs == "wgs84") {
    t.crs = TileCrs::wgs84;
  } else if (crs == "gcj02") {
    t.crs = TileCrs::gcj02;
  } else {
    return bad("--tiles-crs must be wgs84 or gcj02, got '" + std::string(crs) + "'");
  }
  if (attribution.size() > 1000) return bad("--tiles-attribution is longer than 1000 bytes");
  t.attribution = std::string(attribution);
  return t;
}

std::string console_csp(const TileSource* tiles) {
  std::string img = "img-src 'self' data:";
  if (tiles) img += " " + tiles->origin;
  return "default-src 'self'; script-src 'self'; style-src 'self'; " + img +
         "; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
}

std::string console_config_json(const TileSource* tiles) {
  json::Json body{{"tiles", nullptr}};
  if (tiles) {
    body["tiles"] = {{"url", tiles->url_template},
                     {"crs", tile_crs_name(tiles->crs)},
                     {"attribution", tiles->attribution}};
  }
  return body.dump();
}

}  // namespace poleloc::http
