// poleloc/status.hpp: expected outcomes as values.
//
// Every fallible poleloc call returns a Status or a Result<T>. The code comes
// from the one error catalogue (error_catalogue.hpp), which maps it to an HTTP
// status, a JSON error code and a Python exception class, so that every face
// reports the same failure the same way.
//
//   poleloc::Result<int> parse_k(std::string_view s);
//   auto k = parse_k("7");
//   if (!k) std::cerr << k.status().message() << '\n';
//   else use(*k);
//
// Thread-safety: plain values; safe to copy between threads.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace poleloc {

// Stable codes: never renumber, only append.
enum class ErrorCode : int {
  ok = 0,
  invalid_argument = 1,   // a query parameter or value is malformed or out of range
  invalid_input = 2,      // an input file (CSV, GeoJSON) has bad rows or features
  not_found = 3,          // no such pole / grid
  unauthorized = 4,       // a write without a valid token
  payload_too_large = 5,  // a request or value over its size limit
  method_not_allowed = 6, // HTTP method not supported on a route
  conflict = 7,           // e.g. the database is locked by another process
  schema_mismatch = 8,    // the database was written by another schema version
  io_error = 9,           // file or database I/O failed
  corruption = 10,        // stored data cannot be decoded
  internal = 11,          // a bug: should never happen
  read_only = 12,         // a write on a database opened read-only
  overloaded = 13,        // a limit of the server is reached (connections, buffered bytes, write queue); retry later
  host_not_allowed = 14,  // an HTTP Host header outside the server's allow-list (DNS rebinding defence)
  storage_full = 15,      // a write refused: no space left on the database's device
  storage_unavailable = 16,  // a write refused: the database's storage failed (I/O error)
  read_only_replica = 17,    // a write sent to a read replica (serve --follow): send it to the primary
};

class Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return {}; }

  bool is_ok() const { return code_ == ErrorCode::ok; }
  explicit operator bool() const { return is_ok(); }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  ErrorCode code_ = ErrorCode::ok;
  std::string message_;
};

// A value or the Status saying why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}                       // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).is_ok()); }  // NOLINT
  Result(ErrorCode code, std::string message) : v_(Status(code, std::move(message))) {}

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The failure; Status::ok() when there is a value.
  Status status() const { return has_value() ? Status::ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace poleloc
