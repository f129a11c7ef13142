// POST /v1/import: re-import a served database from files the operator put in
// the directory given by `poleloc serve --import-dir DIR`, without downtime:
// readers keep the current snapshot until the import publishes the new one.
//
// Body: {"poles":"poles.csv","grids":"grids.geojson","aliases":"aliases.csv","places":"places.csv",
//        "roads":"roads.geojson","crs":"EPSG:4326","replace":false,"merge":false,"dry_run":false,"max_remove_share":0.1,
//        "skip_invalid":false, "poles_crs":"gcj02","grids_crs":"EPSG:4490","columns":"number=杆号,lon=经度,lat=纬度",
//        "id_field":"网格编号","name_field":"网格名称","encoding":"GBK","layer":"grids","poles_layer":"poles",
//        "repair":false,"allow_overlap":false}
// File names are relative to DIR; an absolute path, a ".." component, or a
// name that resolves (through symlinks) outside DIR is refused (400). Without
// --import-dir every import is refused (403 read_only). Messages name files
// relative to DIR, never the server's own paths.
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include "../request_body.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace poleloc::http::endpoints {
namespace {

namespace fs = std::filesystem;

Status bad(std::string message) { return {ErrorCode::bad_request, std::move(message)}; }

// `name` inside `dir` (canonical), or why not.
Result<std::string> inside(const fs::path& dir, const std::string& name, const char* member) {
  if (name.empty()) return bad(std::string(member) + " must name a file inside the import directory");
  if (name.find('\0') != std::string::npos) return bad(std::string(member) + " holds a NUL byte");
  const fs::path given(name);
  if (given.is_absolute() || given.has_root_name() || given.has_root_directory()) {
    return bad(std::string(member) + ": " + in_quotes(name, 100) +
               " is an absolute path; name a file relative to the import directory");
  }
  for (const fs::path& part : given) {
    if (part == "..") {
      return bad(std::string(member) + ": " + in_quotes(name, 100) + " leaves the import directory ('..')");
    }
  }
  std::error_code ec;
  const fs::path resolved = fs::weakly_canonical(dir / given, ec);
  if (ec) return bad(std::string(member) + ": " + in_quotes(name, 100) + " cannot be resolved");
  // Symlinks are followed: the file they lead to must be inside the directory too.
  auto d = dir.begin();
  auto r = resolved.begin();
  for (; d != dir.end(); ++d, ++r) {
    if (r == resolved.end() || *d != *r) {
      return bad(std::string(member) + ": " + in_quotes(name, 100) +
                 " leads outside the import directory (through a symbolic link)");
    }
  }
  if (r == resolved.end()) return bad(std::string(member) + ": " + in_quotes(name, 100) + " is the import directory");
  return resolved.string();
}

// Messages name the files as the client did: relative to the import directory.
std::string relative(std::string text, const std::string& dir) {
  const std::string prefix = dir + "/";
  for (auto pos = text.find(prefix); pos != std::string::npos; pos = text.find(prefix, pos)) text.erase(pos, prefix.size());
  for (auto pos = text.find(dir); pos != std::string::npos; pos = text.find(dir, pos)) text.replace(pos, dir.size(), ".");
  return text;
}

}  // namespace

Response post_import(const Call& call) {
  if (auto st = no_query(call); !st) return error_response(st);
  if (call.server.import_dir.empty()) {
    return error_response(ErrorCode::read_only,
                          "imports over HTTP are disabled: the server was started without --import-dir DIR");
  }
  std::error_code ec;
  const fs::path dir = fs::canonical(call.server.import_dir, ec);
  if (ec) return error_response(ErrorCode::io_error, "the import directory cannot be read: " + ec.message());
  const std::string_view body_text = call.request.body;
  if (json_nesting_depth(body_text) > kMaxJsonDepth) return error_response(bad("the request body nests too deeply"));
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(body_text.begin(), body_text.end());
  } catch (const nlohmann::json::exception&) {
    return error_response(bad("the request body is not valid JSON; expected an object like {\"poles\":\"poles.csv\","
                              "\"grids\":\"grids.geojson\"}"));
  }
  if (!body.is_object()) return error_response(bad("the request body must be a JSON object"));
  ImportSources sources;
  ImportOptions options;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& key = it.key();
    const auto& v = it.value();
    std::string* path = key == "poles"     ? &sources.poles
                        : key == "grids"   ? &sources.grids
                        : key == "aliases" ? &sources.aliases
                        : key == "places"  ? &sources.places
                        : key == "roads"   ? &sources.roads
                                           : nullptr;
    bool* flag = key == "replace"        ? &options.replace
                 : key == "merge"        ? &options.merge
                 : key == "dry_run"      ? &options.dry_run
                 : key == "skip_invalid" ? &options.skip_invalid
                 : key == "repair"       ? &options.repair
                 : key == "allow_overlap" ? &options.allow_overlap
                                         : nullptr;
    std::string* text = key == "poles_crs"    ? &options.poles_crs
                        : key == "grids_crs"   ? &options.grids_crs
                        : key == "columns"     ? &options.columns
                        : key == "id_field"    ? &options.id_field
                        : key == "name_field"  ? &options.name_field
                        : key == "encoding"    ? &options.encoding
                        : key == "layer"       ? &options.grids_layer
                        : key == "poles_layer" ? &options.poles_layer
                                               : nullptr;
    if (path) {
      if (v.is_null()) continue;
      if (!v.is_string()) return error_response(bad(key + " must be a file name (a string)"));
      auto resolved = inside(dir, v.get<std::string>(), key.c_str());
      if (!resolved) return error_response(resolved.status());
      *path = std::move(*resolved);
    } else if (flag) {
      if (!v.is_boolean()) return error_response(bad(key + " must be true or false"));
      *flag = v.get<bool>();
    } else if (text) {
      if (!v.is_string()) return error_response(bad(key + " must be a string"));
      *text = v.get<std::string>();
    } else if (key == "max_remove_share") {
      if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1) {
        return error_response(bad("max_remove_share must be a number between 0 and 1, e.g. 0.1 for 10 %"));
      }
      options.max_remove_share = v.get<double>();
    } else if (key == "crs") {
      if (!v.is_string()) return error_response(bad("crs must be a string, e.g. \"EPSG:4326\" or \"gcj02\""));
      options.crs = v.get<std::string>();
    } else {
      return error_response(bad("unknown member '" + key +
                                "'; accepted: poles, grids, aliases, places, roads, crs, replace, merge, dry_run, "
                                "max_remove_share, skip_invalid, poles_crs, grids_crs, columns, id_field, name_field, "
                                "encoding, layer, poles_layer, repair, allow_overlap"));
    }
  }
  if (sources.poles.empty() || sources.grids.empty()) {
    return error_response(bad("an import needs \"poles\" and \"grids\" (file names inside the import directory)"));
  }
  auto report = call.server.service.import(sources, options);
  if (!report) {
    const Status& st = report.status();
    std::vector<InputError> rows = st.input_errors();  // error.input_errors, named relative to the directory too
    for (InputError& e : rows) {
      e.file = relative(e.file, dir.string());
      e.reason = relative(e.reason, dir.string());
    }
    return error_response(Status(st.code(), relative(st.message(), dir.string()), std::move(rows)));
  }
  json::Json answer = json::import_report(*report);
  for (const char* list : {"rejects", "repairs"}) {
    for (auto& r : answer[list]) r = relative(r.get<std::string>(), dir.string());
  }
  answer["sequence"] = call.server.service.snapshot()->sequence();
  return json_response(200, answer);
}

}  // namespace poleloc::http::endpoints
