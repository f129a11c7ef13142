#include <poleloc/error_catalogue.hpp>

#include <array>

namespace poleloc {
namespace {

// Indexed by ErrorCode value; the faces read this table and nothing else.
constexpr std::array<ErrorInfo, 18> kCatalogue{{
    {ErrorCode::ok, 200, "ok", "", "success"},
    {ErrorCode::bad_request, 400, "bad_request", "BadRequest",
     "a parameter is malformed or out of range"},
    {ErrorCode::invalid_input, 400, "invalid_input", "InvalidInput",
     "an input file or record has bad rows or features"},
    {ErrorCode::not_found, 404, "not_found", "NotFound", "no such pole or grid"},
    {ErrorCode::unauthorized, 401, "unauthorized", "Unauthorized", "a write needs a valid bearer token"},
    {ErrorCode::payload_too_large, 413, "payload_too_large", "PayloadTooLarge",
     "the request or a value is over its size limit"},
    {ErrorCode::method_not_allowed, 405, "method_not_allowed", "MethodNotAllowed",
     "the route does not support this method"},
    {ErrorCode::conflict, 409, "conflict", "Conflict", "the database is in use by another process"},
    {ErrorCode::schema_mismatch, 500, "schema_mismatch", "SchemaMismatch",
     "the database was written by another schema version"},
    {ErrorCode::io_error, 500, "io_error", "IoError", "file or database I/O failed"},
    {ErrorCode::corruption, 500, "corruption", "Corruption", "stored data cannot be decoded"},
    {ErrorCode::internal, 500, "internal", "Internal", "an internal error; please report it"},
    {ErrorCode::read_only, 403, "read_only", "ReadOnly", "the database is open read-only"},
    {ErrorCode::overloaded, 503, "overloaded", "Overloaded",
     "the server is at a limit (connections, buffered bytes, write queue); retry after Retry-After seconds"},
    {ErrorCode::host_not_allowed, 421, "host_not_allowed", "HostNotAllowed",
     "the Host header is not one the server answers to (--allowed-hosts)"},
    {ErrorCode::storage_full, 507, "storage_full", "StorageFull",
     "no space left on the database's disk; reads go on, writes resume when space is freed"},
    {ErrorCode::storage_unavailable, 503, "storage_unavailable", "StorageUnavailable",
     "the database's storage failed; reads go on, writes are retried on the next request"},
    {ErrorCode::read_only_replica, 409, "read_only_replica", "ReadOnlyReplica",
     "this server is a read replica (serve --follow); send writes to the primary named in the message"},
}};

}  // namespace

const ErrorInfo& describe(ErrorCode code) {
  const auto i = static_cast<std::size_t>(code);
  return i < kCatalogue.size() ? kCatalogue[i] : kCatalogue[static_cast<std::size_t>(ErrorCode::internal)];
}

std::span<const ErrorInfo> error_catalogue() { return kCatalogue; }

std::string_view Error::code_name() const noexcept { return describe(code()).json_code; }

}  // namespace poleloc
