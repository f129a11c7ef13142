// console_config.hpp: what the dispatcher console is told at start-up (its base
// map), and the Content-Security-Policy that lets the page load exactly that.
//
//   auto tiles = http::TileSource::parse("https://tiles.example.org/{z}/{x}/{y}.png", "gcj02", "© Example");
//   if (!tiles) fail(tiles.status());            // bad_request, message names the flag
//   tiles->origin;                                // "https://tiles.example.org"
//   http::console_csp(&*tiles);                   // "... img-src 'self' data: https://tiles.example.org; ..."
//   http::console_config_json(&*tiles);           // {"tiles":{"url":…,"crs":"gcj02","attribution":…}}
//
// Without a tile source (nullptr) the console draws grids and poles on a plain
// background and the policy allows images from the server only: it works offline.
//
// A URL template is http:// or https://, a host (letters, digits, '.', '-', a
// leading "{s}." for a/b/c subdomains, or an [IPv6] literal), an optional
// port, and a path holding {z}, {x} and {y}. Nothing else may appear in the
// origin: it is copied into a response header, so quotes, spaces, ';' and ','
// are refused rather than escaped.
//
// Thread-safety: pure functions; a TileSource is a value.
#pragma once

#include <poleloc/status.hpp>

#include <string>
#include <string_view>

namespace poleloc::http {

// The datum the tiles are drawn in: wgs84 (OpenStreetMap and most tile servers)
// or gcj02 (高德, 腾讯 and other Chinese web maps); the page shifts its data to match.
enum class TileCrs { wgs84, gcj02 };

struct TileSource {
  std::string url_template;  // e.g. http://127.0.0.1:8081/{z}/{x}/{y}.png
  TileCrs crs = TileCrs::wgs84;
  std::string attribution;   // plain text shown in the map corner (never HTML)
  std::string origin;        // scheme://host[:port] for the CSP; "*." stands for {s}.

  // bad_request naming --tiles, --tiles-crs or --tiles-attribution on a bad value.
  static Result<TileSource> parse(std::string_view url_template, std::string_view crs, std::string_view attribution);
};

// "wgs84" or "gcj02".
std::string_view tile_crs_name(TileCrs crs);

// The console pages' Content-Security-Policy; `tiles` may be null (offline).
std::string console_csp(const TileSource* tiles);

// The body of GET /console-config.json; `tiles` may be null.
std::string console_config_json(const TileSource* tiles);

}  // namespace poleloc::http
