// change_batch.hpp: the body of POST /v1/changes, parsed into a ChangeSet, and
// the facade's per-item errors mapped back to the items of the body.
//
//   [{"op":"put","pole":{"number":"TJH0372","lon":116.47,"lat":39.92,"attributes":{}}},
//    {"op":"delete","pole":"TJH0371"},
//    {"op":"put","grid":{"type":"Feature","properties":{"id":"G1","name":"…"},"geometry":{…}}},
//    {"op":"delete","grid":"G9"}]
//
// The body is a JSON array of items, or NDJSON (one item per line; blank lines
// skipped). A "pole" put has the shape of the PUT /v1/poles body with its
// "number" required; a "grid" put has the shape of the PUT /v1/grids body with
// "id" required, or is a GeoJSON Feature (id in properties.id or the feature
// id, name in properties.name, other properties become attributes: strings,
// numbers and booleans with their type, objects and arrays as their JSON text,
// nulls left out, as an import does).
//
//   auto batch = http::parse_change_batch(body);   // Result<ChangeBatch>
//   if (!batch->errors.empty()) ...                // one per bad item, with its index
//   service.apply(std::move(batch->changes), options);
//
// Errors: bad_request when the body as a whole is not a JSON array or
// NDJSON of objects (too deep, empty, not JSON). A bad item is not an error of
// the call: it is listed in ChangeBatch::errors, so that every bad item is named.
// Thread-safety: pure functions.
#pragma once

#include <poleloc/service.hpp>
#include <poleloc/status.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace poleloc::http {

// One bad item: its position in the body (0-based; for NDJSON the line's item
// index, blank lines not counted) and why.
struct BatchItemError {
  std::size_t index = 0;
  std::string id;       // the pole number or grid id, when known
  std::string message;
};

struct ChangeBatch {
  ChangeSet changes;
  // For each list of `changes`, the body index of each of its entries.
  std::vector<std::size_t> put_pole_items, delete_pole_items, put_grid_items, delete_grid_items;
  std::vector<BatchItemError> errors;
  std::size_t items = 0;
};

Result<ChangeBatch> parse_change_batch(std::string_view body);

// The items named in a Service::apply() refusal ("put_poles[3] (TJH0372): why"
// per line, or the single item's own message), by body index. Lines that name
// no item are given with index = items (not an item).
std::vector<BatchItemError> item_errors(const ChangeBatch& batch, const Status& refusal);

}  // namespace poleloc::http
