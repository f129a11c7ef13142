// poleloc/status.hpp: expected outcomes as values.
//
// Every fallible poleloc call returns a Status or a Result<T>. The code comes
// from the one error catalogue (error_catalogue.hpp), which maps it to an HTTP
// status, a JSON error code and a Python exception class, so that every face
// reports the same failure the same way.
//
// Both are [[nodiscard]]: a dropped Status is a dropped error. Test a Result
// before using it, or let value() throw poleloc::Error when there is none:
//
// ```cpp
// #include <poleloc/status.hpp>
// #include <iostream>
// #include <string_view>
//
// poleloc::Result<int> parse_k(std::string_view s) {
//   if (s.empty() || s.size() > 3) return poleloc::Status(poleloc::ErrorCode::bad_request, "k must be 1..999");
//   int k = 0;
//   for (char c : s) {
//     if (c < '0' || c > '9') return poleloc::Status(poleloc::ErrorCode::bad_request, "k must be digits");
//     k = k * 10 + (c - '0');
//   }
//   return k;
// }
//
// int main() {
//   auto k = parse_k("7");
//   if (!k) std::cerr << k.status().message() << '\n';  // the value-style check
//   int fallback = parse_k("x").value_or(5);             // 5: a default instead of the error
//   try {
//     int v = parse_k("oops").value();                    // no value: throws poleloc::Error
//     (void)v;
//   } catch (const poleloc::Error& e) {
//     std::cerr << e.code_name() << ": " << e.what() << '\n';  // "bad_request: k must be digits"
//   }
//   return *k + fallback == 12 ? 0 : 1;
// }
// ```
//
// Thread-safety: plain values; safe to copy between threads.
#pragma once

#include <cassert>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace poleloc {

// Stable codes: never renumber, only append.
enum class ErrorCode : int {
  ok = 0,
  bad_request = 1,        // a query parameter or value is malformed or out of range
  invalid_argument [[deprecated("use ErrorCode::bad_request, the name on every face")]] = bad_request,
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

// One rejected row or feature of an input file (an import, docs/import.md).
struct InputError {
  std::string file;
  std::size_t line = 0;                 // 1-based CSV line; 0 when not line-based
  std::optional<std::size_t> feature;   // 0-based GeoJSON feature index
  std::string field;                    // column or property; may be empty
  std::string reason;
  std::string to_string() const;  // "grids.geojson: feature 3: geometry: Self-intersection at 116.47 39.92"
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  // An invalid_input failure with the rows or features it refers to (Service::import).
  Status(ErrorCode code, std::string message, std::vector<InputError> input_errors)
      : code_(code),
        message_(std::move(message)),
        input_errors_(input_errors.empty() ? nullptr
                                           : std::make_shared<const std::vector<InputError>>(std::move(input_errors))) {}
  static Status ok() { return {}; }

  bool is_ok() const { return code_ == ErrorCode::ok; }
  explicit operator bool() const { return is_ok(); }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The input rows or features behind an invalid_input failure, in file and
  // line order (at most ImportOptions::max_listed_errors of them); empty otherwise.
  const std::vector<InputError>& input_errors() const {
    static const std::vector<InputError> none;
    return input_errors_ ? *input_errors_ : none;
  }

 private:
  ErrorCode code_ = ErrorCode::ok;
  std::string message_;
  std::shared_ptr<const std::vector<InputError>> input_errors_;  // shared: copying a Status stays cheap
};

// Thrown by Result::value() (and *, ->) when there is no value: the Status as
// an exception. what() is the message; code() the catalogue code, code_name()
// its name (the JSON `code`, error_catalogue.hpp). The only exception poleloc
// throws on purpose; code that tests a Result before using it never sees it.
class Error : public std::runtime_error {
 public:
  explicit Error(Status status) : std::runtime_error(status.message()), status_(std::move(status)) {}
  ErrorCode code() const noexcept { return status_.code(); }
  std::string_view code_name() const noexcept;  // "not_found", "invalid_input", ...
  const Status& status() const noexcept { return status_; }

 private:
  Status status_;
};

// A value or the Status saying why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                       // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).is_ok()); }  // NOLINT
  Result(ErrorCode code, std::string message) : v_(Status(code, std::move(message))) {}

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  // The value; throws poleloc::Error (code and message of status()) when there is none.
  T& value() & {
    check();
    return *std::get_if<0>(&v_);
  }
  const T& value() const& {
    check();
    return *std::get_if<0>(&v_);
  }
  T&& value() && {
    check();
    return std::move(*std::get_if<0>(&v_));
  }
  // The value, or `fallback` when there is none (never throws for lack of a value).
  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? *std::get_if<0>(&v_) : static_cast<T>(std::forward<U>(fallback));
  }
  template <typename U>
  T value_or(U&& fallback) && {
    return has_value() ? std::move(*std::get_if<0>(&v_)) : static_cast<T>(std::forward<U>(fallback));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The failure; Status::ok() when there is a value.
  Status status() const { return has_value() ? Status::ok() : *std::get_if<1>(&v_); }

 private:
  void check() const {
    if (!has_value()) throw Error(*std::get_if<1>(&v_));
  }
  std::variant<T, Status> v_;
};

}  // namespace poleloc
