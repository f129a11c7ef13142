// POST /v1/changes: a batch of pole and grid puts and deletes, applied as one
// atomic, durable change (Service::apply): all or nothing, one new sequence.
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include "../change_batch.hpp"

#include <poleloc/error_catalogue.hpp>

namespace poleloc::http::endpoints {
namespace {

// 400 invalid_input: nothing stored; one entry per bad item, by its index in the body.
Response refused(ErrorCode code, const std::string& message, const std::vector<BatchItemError>& errors,
                 std::size_t items) {
  json::Json body = json::error(code, message);
  json::Json list = json::Json::array();
  for (const BatchItemError& e : errors) {
    json::Json entry = json::Json::object();
    if (e.index < items) entry["index"] = e.index;
    if (!e.id.empty()) entry["id"] = e.id;
    entry["message"] = e.message;
    list.push_back(std::move(entry));
  }
  body["error"]["items"] = std::move(list);
  return json_response(describe(code).http_status, body);
}

}  // namespace

Response post_changes(const Call& call) {
  auto params = parse_query(call.query, {"allow_overlap"});
  if (!params) return error_response(params.status());
  WriteOptions options;
  options.author = std::string(call.writer);
  if (const std::string* v = params->find("allow_overlap")) {
    if (*v != "true" && *v != "false") {
      return error_response(ErrorCode::bad_request, "allow_overlap must be true or false");
    }
    options.allow_overlap = *v == "true";
  }
  auto batch = parse_change_batch(call.request.body);
  if (!batch) return error_response(batch.status());
  if (!batch->errors.empty()) {
    const auto n = batch->errors.size();
    return refused(ErrorCode::invalid_input,
                   std::to_string(n) + (n == 1 ? " bad item" : " bad items") + " in the batch; nothing was stored",
                   batch->errors, batch->items);
  }
  const std::size_t items = batch->items;
  auto report = call.server.service.apply(std::move(batch->changes), options);
  if (!report) {
    const Status& st = report.status();
    // Storage and service failures are not the items' fault: the usual error answer.
    if (st.code() != ErrorCode::invalid_input && st.code() != ErrorCode::not_found) return error_response(st);
    const auto errors = item_errors(*batch, st);
    const std::string first_line = st.message().substr(0, st.message().find('\n'));
    return refused(st.code(), first_line, errors, items);
  }
  json::Json overlaps = json::Json::array();
  for (const std::string& o : report->overlaps) overlaps.push_back(o);
  return json_response(200, json::Json{{"sequence", report->sequence},
                                       {"written", report->written},
                                       {"overlaps", std::move(overlaps)}});
}

}  // namespace poleloc::http::endpoints
