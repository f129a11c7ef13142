#include "response.hpp"

#include <poleloc/error_catalogue.hpp>

namespace poleloc::http {

std::string dump(const json::Json& j) { return j.dump(-1, ' ', false, json::Json::error_handler_t::replace); }

Response json_response(int status, const json::Json& body) {
  Response r;
  r.status = status;
  r.body = dump(body);
  return r;
}

Response error_response(const Status& status) {
  Response r = json_response(describe(status.code()).http_status, json::error(status));
  if (status.code() == ErrorCode::unauthorized) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"poleloc\"");
  return r;
}

Response error_response(ErrorCode code, std::string_view message) {
  return error_response(Status(code, std::string(message)));
}

}  // namespace poleloc::http
