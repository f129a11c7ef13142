#include "response.hpp"

#include "access_log.hpp"

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
  const ErrorInfo& info = describe(status.code());
  // A server-side failure's message may name files (the database directory)
  // or library internals: the client gets the kind of failure, the log the detail.
  if (info.http_status >= 500 && status.code() != ErrorCode::overloaded) {
    write_log_event(info.json_code, status.message());
    return json_response(info.http_status,
                         json::error(Status(status.code(), std::string(info.summary) + "; the server log has details")));
  }
  Response r = json_response(info.http_status, json::error(status));
  if (status.code() == ErrorCode::unauthorized) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"poleloc\"");
  // Overload passes: a client that waits a moment is likely to be served.
  if (status.code() == ErrorCode::overloaded) r.headers.emplace_back("Retry-After", "2");
  return r;
}

Response error_response(ErrorCode code, std::string_view message) {
  return error_response(Status(code, std::string(message)));
}

}  // namespace poleloc::http
