// GET /, /console.js, /console.css, /leaflet.js, /leaflet.css, /favicon.svg: the
// dispatcher console, embedded in the binary; GET /console-config.json: its base map.
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include "../console_config.hpp"
#include "../embedded_files.hpp"

namespace poleloc::http::endpoints {
namespace {

const TileSource* tiles_of(const Call& call) { return call.server.tiles ? &*call.server.tiles : nullptr; }

// The console loads nothing from elsewhere but the configured tile server; the policy makes sure of it.
void add_console_headers(Response& r, const Call& call) {
  r.headers.emplace_back("Content-Security-Policy", call.server.console_policy);  // lives as long as the server
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Cache-Control", "no-cache");
}

}  // namespace

Response get_asset(const Call& call) {
  const EmbeddedFile* f = find_embedded_file(call.route.asset);
  if (!f) return error_response(ErrorCode::internal, "console file was not embedded at build time");
  Response r;
  r.content_type = content_type_for(f->name);
  r.body = std::string(f->content);
  add_console_headers(r, call);
  return r;
}

Response get_console_config(const Call& call) {
  if (auto st = no_query(call); !st) return error_response(st);
  Response r;
  r.content_type = "application/json";
  r.body = console_config_json(tiles_of(call));
  add_console_headers(r, call);
  return r;
}

}  // namespace poleloc::http::endpoints
