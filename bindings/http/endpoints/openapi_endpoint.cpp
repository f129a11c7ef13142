// GET /v1/openapi.json: the API description (bindings/http/openapi.json, embedded).
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include "../embedded_files.hpp"

namespace poleloc::http::endpoints {

Response get_openapi(const Call& call) {
  if (auto st = no_query(call); !st) return error_response(st);
  const EmbeddedFile* f = find_embedded_file("openapi.json");
  if (!f) return error_response(ErrorCode::internal, "openapi.json was not embedded at build time");
  Response r;
  r.body = std::string(f->content);
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

}  // namespace poleloc::http::endpoints
