// GET /, /console.js, /console.css: the dispatcher console, embedded in the binary.
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include "../embedded_files.hpp"

namespace poleloc::http::endpoints {

Response get_asset(const Call& call) {
  const EmbeddedFile* f = find_embedded_file(call.route.asset);
  if (!f) return error_response(ErrorCode::internal, "console file was not embedded at build time");
  Response r;
  r.content_type = content_type_for(f->name);
  r.body = std::string(f->content);
  // The console loads nothing from elsewhere; the policy makes sure of it.
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                         "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

}  // namespace poleloc::http::endpoints
