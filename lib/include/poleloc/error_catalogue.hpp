// poleloc/error_catalogue.hpp: the one table that maps an ErrorCode to what
// each face shows: HTTP status, JSON `error.code` string, Python exception.
//
// ```cpp
// const auto& e = poleloc::describe(poleloc::ErrorCode::not_found);
// std::cout << e.http_status       // 404
//           << ' ' << e.json_code  // "not_found": the ErrorCode enumerator's own name
//           << ' ' << e.python_class << '\n';  // "NotFound"
// ```
//
// Thread-safety: immutable static data.
#pragma once

#include <poleloc/status.hpp>

#include <span>
#include <string_view>

namespace poleloc {

struct ErrorInfo {
  ErrorCode code;
  int http_status;
  std::string_view json_code;
  std::string_view python_class;  // subclass of poleloc.Error in Python
  std::string_view summary;       // one line for docs and OpenAPI
};

// The entry for `code`; never fails (unknown codes map to `internal`).
const ErrorInfo& describe(ErrorCode code);

// Every entry, in ErrorCode order.
std::span<const ErrorInfo> error_catalogue();

}  // namespace poleloc
