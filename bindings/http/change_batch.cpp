#include "change_batch.hpp"

#include "request_body.hpp"

#include <poleloc/number.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

namespace poleloc::http {
namespace {

using nlohmann::json;

Status bad(std::string message) { return {ErrorCode::bad_request, std::move(message)}; }

std::string text_of(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// A GeoJSON Feature into the PUT /v1/grids body shape.
Result<json> feature_to_grid_body(const json& feature) {
  json out = json::object();
  const auto props = feature.find("properties");
  if (props != feature.end() && !props->is_null() && !props->is_object()) {
    return bad("properties must be an object");
  }
  for (auto it = feature.begin(); it != feature.end(); ++it) {
    if (it.key() != "type" && it.key() != "id" && it.key() != "properties" && it.key() != "geometry" &&
        it.key() != "bbox") {
      return bad("unknown member '" + it.key() + "' of a Feature; accepted: type, id, properties, geometry, bbox");
    }
  }
  json id;
  if (auto fid = feature.find("id"); fid != feature.end()) id = *fid;
  json attributes = json::object();
  if (props != feature.end() && props->is_object()) {
    for (auto it = props->begin(); it != props->end(); ++it) {
      if (it.key() == "id") {
        id = it.value();
      } else if (it.key() == "name") {
        if (!it.value().is_null()) out["name"] = it.value();
      } else if (it.value().is_object() || it.value().is_array()) {
        attributes[it.key()] = json(text_of(it.value()));  // as an import keeps them: their JSON text
      } else if (!it.value().is_null()) {
        attributes[it.key()] = it.value();  // strings, numbers, booleans keep their type
      }
    }
  }
  if (id.is_number_integer()) id = std::to_string(id.get<long long>());
  if (!id.is_string() || id.get<std::string>().empty()) return bad("a grid needs an id (properties.id or the feature id)");
  out["id"] = id;
  if (!attributes.empty()) out["attributes"] = std::move(attributes);
  if (auto g = feature.find("geometry"); g != feature.end()) out["geometry"] = *g;
  return out;
}

// One item into `batch`; an error says why it is bad (and which id it names).
Status add_item(const json& item, std::size_t index, ChangeBatch& batch, std::string& id) {
  if (!item.is_object()) return bad(std::string("an item must be an object, got ") + item.type_name());
  for (auto it = item.begin(); it != item.end(); ++it) {
    if (it.key() != "op" && it.key() != "pole" && it.key() != "grid") {
      return bad("unknown member '" + it.key() + "'; accepted: op, pole, grid");
    }
  }
  const auto op = item.find("op");
  if (op == item.end() || !op->is_string() || (*op != "put" && *op != "delete")) {
    return bad("op must be \"put\" or \"delete\"");
  }
  const auto pole = item.find("pole");
  const auto grid = item.find("grid");
  if ((pole == item.end()) == (grid == item.end())) return bad("an item names either a \"pole\" or a \"grid\"");
  const bool put = *op == "put";
  if (pole != item.end()) {
    if (!put) {
      if (!pole->is_string()) return bad("pole: a delete names the pole by its number (a string)");
      id = pole->get<std::string>();
      batch.changes.delete_poles.push_back(id);
      batch.delete_pole_items.push_back(index);
      return Status::ok();
    }
    if (!pole->is_object()) return bad("pole: a put gives the pole as an object {number, lon, lat, attributes}");
    const auto number = pole->find("number");
    if (number == pole->end() || !number->is_string()) return bad("pole.number is required (a string)");
    id = number->get<std::string>();
    // The shape is the PUT /v1/poles body's; the facade checks the number itself.
    auto record = parse_pole_body(text_of(*pole), id);
    if (!record) return bad("pole: " + record.status().message());
    batch.changes.put_poles.push_back(std::move(*record));
    batch.put_pole_items.push_back(index);
    return Status::ok();
  }
  if (!put) {
    if (!grid->is_string()) return bad("grid: a delete names the grid by its id (a string)");
    id = grid->get<std::string>();
    batch.changes.delete_grids.push_back(id);
    batch.delete_grid_items.push_back(index);
    return Status::ok();
  }
  if (!grid->is_object()) return bad("grid: a put gives the grid as an object (a GeoJSON Feature or {id, name, attributes, geometry})");
  json body = *grid;
  if (auto type = grid->find("type"); type != grid->end()) {
    if (*type != "Feature") return bad("grid.type must be \"Feature\" when given");
    auto converted = feature_to_grid_body(*grid);
    if (!converted) return bad("grid: " + converted.status().message());
    body = std::move(*converted);
  }
  const auto gid = body.find("id");
  if (gid == body.end() || !gid->is_string() || gid->get<std::string>().empty()) {
    return bad("grid.id is required (a string)");
  }
  id = gid->get<std::string>();
  auto record = parse_grid_body(text_of(body), id);
  if (!record) return bad("grid: " + record.status().message());
  batch.changes.put_grids.push_back(std::move(*record));
  batch.put_grid_items.push_back(index);
  return Status::ok();
}

Result<json> parse_json(std::string_view text, const std::string& where) {
  if (json_nesting_depth(text) > kMaxJsonDepth) {
    return bad(where + "nests arrays/objects deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    return bad(where + "is not valid JSON: " + what);
  }
}

}  // namespace

Result<ChangeBatch> parse_change_batch(std::string_view body) {
  const auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return bad("the request body is empty; expected a JSON array of changes or NDJSON, one change per line");
  }
  ChangeBatch batch;
  auto take = [&](const json& item) {
    std::string id;
    const std::size_t index = batch.items++;
    if (auto st = add_item(item, index, batch, id); !st) batch.errors.push_back({index, id, st.message()});
  };
  if (body[first] == '[') {
    auto doc = parse_json(body, "the request body ");
    if (!doc) return doc.status();
    if (!doc->is_array()) return bad("the request body must be a JSON array of changes");
    for (const json& item : *doc) take(item);
  } else {
    // NDJSON: one item per line. A single object spread over several lines is accepted too.
    std::size_t line_no = 0, start = 0;
    std::vector<std::string_view> lines;
    while (start <= body.size()) {
      const auto end = body.find('\n', start);
      lines.push_back(body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
    bool first_item = true;
    for (std::string_view line : lines) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      auto doc = parse_json(line, "line " + std::to_string(line_no) + " ");
      if (!doc && first_item) {
        auto whole = parse_json(body, "the request body ");
        if (whole && whole->is_object()) {
          take(*whole);
          break;
        }
      }
      first_item = false;
      if (!doc) {
        batch.errors.push_back({batch.items++, "", doc.status().message()});
        continue;
      }
      take(*doc);
    }
  }
  if (batch.items == 0) return bad("the request body holds no change");
  return batch;
}

std::vector<BatchItemError> item_errors(const ChangeBatch& batch, const Status& refusal) {
  std::vector<BatchItemError> out;
  const std::string& text = refusal.message();
  if (batch.items == 1) {
    out.push_back({0, "", text});
    return out;
  }
  struct List {
    const char* name;
    const std::vector<std::size_t>* items;
  };
  const List lists[] = {{"put_poles[", &batch.put_pole_items},
                        {"delete_poles[", &batch.delete_pole_items},
                        {"put_grids[", &batch.put_grid_items},
                        {"delete_grids[", &batch.delete_grid_items}};
  std::size_t start = 0;
  bool first_line = true;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    const bool header = first_line;
    first_line = false;
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    bool matched = false;
    for (const List& l : lists) {
      const std::string_view name(l.name);
      if (line.substr(0, name.size()) != name) continue;
      const auto close = line.find(']');
      std::size_t i = 0;
      bool digits = close != std::string_view::npos && close > name.size();
      for (std::size_t k = name.size(); digits && k < close; ++k) {
        digits = line[k] >= '0' && line[k] <= '9';
        if (digits) i = i * 10 + static_cast<std::size_t>(line[k] - '0');
      }
      if (!digits || i >= l.items->size()) break;
      std::string id;
      std::string_view rest = line.substr(close + 1);
      if (rest.substr(0, 2) == " (") {
        const auto paren = rest.find("): ");
        if (paren != std::string_view::npos) {
          id = std::string(rest.substr(2, paren - 2));
          rest = rest.substr(paren + 1);
        }
      }
      if (rest.substr(0, 2) == ": ") rest.remove_prefix(2);
      out.push_back({(*l.items)[i], std::move(id), std::string(rest)});
      matched = true;
      break;
    }
    if (!matched && !header && !line.empty()) out.push_back({batch.items, "", std::string(line)});
  }
  if (out.empty()) out.push_back({batch.items, "", text});
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  return out;
}

}  // namespace poleloc::http
