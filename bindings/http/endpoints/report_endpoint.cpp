// GET /v1/report (token): the validation report of the data served
// (poleloc/validate.hpp), as JSON or, with format=geojson, as a GeoJSON
// FeatureCollection to open in QGIS. Checking millions of poles takes seconds:
// the last report is kept and served again while the data has not changed.
#include "endpoint_support.hpp"
#include "endpoints.hpp"

#include <mutex>

namespace poleloc::http::endpoints {
namespace {

struct LastReport {
  std::mutex mutex;  // held while a report is built: a second caller waits for it instead of building another
  std::shared_ptr<const Snapshot> of;
  std::string json, geojson;
};

LastReport& last_report() {
  static LastReport r;
  return r;
}

}  // namespace

Response get_report(const Call& call) {
  auto params = parse_query(call.query, {"format"});
  if (!params) return error_response(params.status());
  const std::string* format = params->find("format");
  if (format && *format != "json" && *format != "geojson") {
    return error_response(ErrorCode::bad_request, "format must be json or geojson");
  }
  const bool as_geojson = format && *format == "geojson";
  auto snap = call.server.service.snapshot();
  LastReport& last = last_report();
  std::lock_guard lock(last.mutex);
  if (!last.of || last.of->sequence() != snap->sequence() || last.of->stats().built_unix_ms != snap->stats().built_unix_ms) {
    const ValidationReport report = validate(*snap);
    last.json = dump(json::validation(report));
    last.geojson = dump(json::validation_geojson(report));
    last.of = snap;
  }
  Response r;
  r.status = 200;
  r.body = as_geojson ? last.geojson : last.json;
  if (as_geojson) r.content_type = kGeoJson;
  return r;
}

}  // namespace poleloc::http::endpoints
