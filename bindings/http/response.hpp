// response.hpp: building responses from the shared JSON shapes and the error catalogue.
//
//   return json_response(200, json::pole(*pole));
//   return error_response(Status(ErrorCode::not_found, "no pole 'X'"));  // 404 {"error":{...}}
//
// Every error body is json::error(status) and every status comes from
// poleloc::describe(code).http_status, so the HTTP face cannot drift from the
// other faces. A 5xx error (but 503 overloaded) is answered with the
// catalogue's summary only and its message goes to the server log: messages
// from the storage layer name files and directories, which a client must not learn.
//
// Thread-safety: pure functions.
#pragma once

#include "http_message.hpp"
#include "json_shapes.hpp"

#include <poleloc/status.hpp>

#include <string>
#include <string_view>

namespace poleloc::http {

// Compact JSON; invalid UTF-8 in stored text becomes U+FFFD instead of failing the answer.
std::string dump(const json::Json& j);

Response json_response(int status, const json::Json& body);
Response error_response(const Status& status);
Response error_response(ErrorCode code, std::string_view message);

}  // namespace poleloc::http
