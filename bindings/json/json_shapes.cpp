#include "json_shapes.hpp"

#include <poleloc/attribute_json.hpp>
#include <poleloc/error_catalogue.hpp>
#include <poleloc/geo.hpp>

#include <cmath>
#include <cstdio>
#include <ctime>

namespace poleloc::json {
namespace {

// Coordinates with 7 decimals (about 1 cm), as they are painted on maps and read out.
double round7(double v) { return std::round(v * 1e7) / 1e7; }

Json lonlat(LonLat p) { return Json{{"lon", round7(p.lon)}, {"lat", round7(p.lat)}}; }

}  // namespace

// Typed values as JSON numbers and booleans (poleloc/attribute_json.hpp).
Json attributes(const Attributes& attributes) { return attributes_to_json<Json>(attributes); }

Json geometry(const MultiPolygon& mp) {
  auto polygon = [](const Polygon& p) {
    Json rings = Json::array();
    for (const Ring& r : p.rings) {
      Json ring = Json::array();
      for (const LonLat& q : r) ring.push_back(Json::array({q.lon, q.lat}));
      rings.push_back(std::move(ring));
    }
    return rings;
  };
  if (mp.size() == 1) return Json{{"type", "Polygon"}, {"coordinates", polygon(mp[0])}};
  Json parts = Json::array();
  for (const Polygon& p : mp) parts.push_back(polygon(p));
  return Json{{"type", "MultiPolygon"}, {"coordinates", std::move(parts)}};
}

Json grid(const GridView& g, bool with_geometry) {
  Json out{{"id", g.id()}, {"name", g.name()}, {"attributes", attributes(g.attributes())}};
  if (with_geometry) out["geometry"] = geometry(g.geometry());
  return out;
}

void add_boundary(Json& out, const std::optional<GridBoundary>& boundary) {
  auto cm = [](double m) { return std::round(m * 100) / 100; };
  out["boundary_distance_m"] = boundary ? Json(cm(boundary->boundary_distance_m)) : Json(nullptr);
  if (!boundary || boundary->neighbour_grids.empty()) return;
  Json list = Json::array();
  for (const NeighbourGrid& n : boundary->neighbour_grids) {
    list.push_back(Json{{"id", n.grid.id()}, {"name", n.grid.name()}, {"distance_m", cm(n.distance_m)}});
  }
  out["neighbour_grids"] = std::move(list);
}

Json pole(const PoleView& p, const BoundaryContext& boundary) {
  const LonLat pos = p.position();
  // Stored coordinates as imported (shortest round-trip form); derived GCJ-02 to 7 decimals (~1 cm).
  Json out{{"number", p.number()}, {"lon", pos.lon}, {"lat", pos.lat}, {"gcj02", lonlat(p.gcj02())}};
  if (auto g = p.grid()) {
    out["grid"] = grid(*g);
  } else {
    out["grid"] = nullptr;
  }
  out["attributes"] = attributes(p.attributes());
  if (auto w = p.where()) out["where"] = where(*w);
  if (boundary.snapshot) add_boundary(out, boundary.snapshot->boundary(p, boundary.within_m));
  return out;
}

Json where(const Where& w) {
  auto or_null = [](const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); };
  Json out{{"zh", w.zh}, {"en", w.en}, {"road", w.road}, {"side", or_null(w.side)},
           {"road_distance_m", w.road_distance_m}, {"crossing", or_null(w.crossing)},
           {"direction", or_null(w.direction)}};
  out["distance_m"] = w.crossing.empty() ? Json(nullptr) : Json(w.distance_m);
  return out;
}

Json road_feature(const RoadRecord& road) {
  Json lines = Json::array();
  for (const LineString& l : road.lines) {
    Json line = Json::array();
    for (const LonLat& q : l) line.push_back(Json::array({q.lon, q.lat}));
    lines.push_back(std::move(line));
  }
  return Json{{"type", "Feature"},
              {"properties", {{"name", road.name}}},
              {"geometry", {{"type", "MultiLineString"}, {"coordinates", std::move(lines)}}}};
}

Json road_record(const RoadRecord& road) {
  Json f = road_feature(road);
  return Json{{"name", road.name}, {"geometry", std::move(f["geometry"])}};
}

Json roads(const std::vector<RoadRecord>& list) {
  Json features = Json::array();
  for (const RoadRecord& r : list) features.push_back(road_feature(r));
  return Json{{"type", "FeatureCollection"}, {"features", std::move(features)}};
}

Json nearby(const std::vector<NearbyPole>& poles, const BoundaryContext& boundary) {
  Json list = Json::array();
  for (const NearbyPole& n : poles) {
    Json j = pole(n.pole, boundary);
    j["distance_m"] = std::round(n.distance_m * 100) / 100;
    list.push_back(std::move(j));
  }
  return Json{{"poles", std::move(list)}};
}


Json candidate(const Candidate& c, const BoundaryContext& boundary) {
  Json j = pole(c.pole, boundary);
  j["score"] = std::round(c.score * 1000) / 1000;
  j["match"] = match_kind_name(c.match);
  j["reason"] = c.reason;
  j["read_back"] = c.read_back;
  if (c.distance_m) {
    j["distance_m"] = std::round(*c.distance_m * 10) / 10;
    j["far_from_caller"] = c.far_from_caller;
  }
  return j;
}

Json candidates(std::string_view query, const std::vector<Candidate>& list, const BoundaryContext& boundary) {
  Json arr = Json::array();
  for (const Candidate& c : list) arr.push_back(candidate(c, boundary));
  return Json{{"query", query}, {"candidates", std::move(arr)}};
}

Json page(const PolePage& pg, const BoundaryContext& boundary) {
  Json arr = Json::array();
  for (const PoleView& p : pg.poles) arr.push_back(pole(p, boundary));
  Json out{{"poles", std::move(arr)}};
  if (pg.next_cursor) {
    out["next_cursor"] = std::to_string(*pg.next_cursor);
  } else {
    out["next_cursor"] = nullptr;
  }
  return out;
}

Json import_report(const ImportReport& report) {
  auto counts = [](const ImportDiff::Counts& c) {
    return Json{{"added", c.added},         {"changed", c.changed},         {"removed", c.removed},
                {"unchanged", c.unchanged}, {"added_ids", c.added_ids},     {"changed_ids", c.changed_ids},
                {"removed_ids", c.removed_ids}};
  };
  Json rejects = Json::array();
  for (const InputError& e : report.rejects) rejects.push_back(e.to_string());
  return Json{{"dry_run", report.dry_run},
              {"poles", report.poles},
              {"grids", report.grids},
              {"aliases", report.aliases},
              {"places", report.places},
              {"roads", report.roads},
              {"removed_poles", report.removed_poles},
              {"removed_grids", report.removed_grids},
              {"changed_records", report.changed_records},
              {"summary", report.diff.summary()},
              {"diff", Json{{"poles", counts(report.diff.poles)}, {"grids", counts(report.diff.grids)}}},
              {"rejects", std::move(rejects)},
              {"repairs", report.repairs},
              {"overlaps", report.overlaps}};
}

Json validation(const ValidationReport& report) {
  Json issues = Json::array();
  for (const ValidationIssue& i : report.issues) {
    Json j{{"kind", i.kind}, {"subject", i.subject}, {"message", i.message}, {"severity", i.warning ? "warning" : "error"}};
    if (i.location) j["location"] = lonlat(*i.location);
    if (i.area_m2) j["area_m2"] = *i.area_m2;
    if (i.distance_m) j["distance_m"] = *i.distance_m;
    if (i.other_location) j["other_location"] = lonlat(*i.other_location);
    if (i.kind == "dangerous_twin") j["risk"] = i.risk;
    if (!i.suggestion.empty()) j["suggestion"] = i.suggestion;
    issues.push_back(std::move(j));
  }
  return Json{{"ok", report.ok()},
              {"poles", report.poles},
              {"grids", report.grids},
              {"errors", report.errors()},
              {"warnings", report.issues.size() - report.errors()},
              {"dangerous_twins", report.dangerous_twins},
              {"poles_with_dangerous_twin", report.poles_with_dangerous_twin},
              {"issues", std::move(issues)}};
}

Json validation_geojson(const ValidationReport& report) {
  Json features = Json::array();
  for (const ValidationIssue& i : report.issues) {
    Json geometry;
    if (!i.shape.empty()) {
      geometry = json::geometry(i.shape);
    } else if (i.location && i.other_location) {
      geometry = Json{{"type", "LineString"},
                      {"coordinates", Json::array({Json::array({i.location->lon, i.location->lat}),
                                                   Json::array({i.other_location->lon, i.other_location->lat})})}};
    } else if (i.location) {
      geometry = Json{{"type", "Point"}, {"coordinates", Json::array({i.location->lon, i.location->lat})}};
    }
    Json props{{"kind", i.kind}, {"severity", i.warning ? "warning" : "error"}, {"subject", i.subject},
               {"message", i.message}};
    if (i.area_m2) props["area_m2"] = *i.area_m2;
    if (i.distance_m) props["distance_m"] = *i.distance_m;
    if (i.kind == "dangerous_twin") props["risk"] = i.risk;
    if (!i.suggestion.empty()) props["suggestion"] = i.suggestion;
    features.push_back(Json{{"type", "Feature"}, {"geometry", std::move(geometry)}, {"properties", std::move(props)}});
  }
  return Json{{"type", "FeatureCollection"}, {"features", std::move(features)}};
}

Json time(const std::optional<std::chrono::system_clock::time_point>& t) {
  if (!t) return nullptr;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms - static_cast<std::int64_t>(secs) * 1000));
  return std::string(buf);
}

Json pole_record(const PoleRecord& p) {
  return Json{{"number", p.number},
              {"lon", p.position.lon},
              {"lat", p.position.lat},
              {"gcj02", lonlat(wgs84_to_gcj02(p.position))},
              {"attributes", attributes(p.attributes)}};
}

Json grid_record(const GridRecord& g) {
  return Json{{"id", g.id}, {"name", g.name}, {"attributes", attributes(g.attributes)}, {"geometry", geometry(g.geometry)}};
}

Json alias_record(const AliasRecord& a) { return Json{{"alias", a.alias}, {"code", a.code}}; }

Json place_record(const PlaceRecord& p) {
  Json out{{"name", p.name}, {"kind", p.kind}};
  if (p.position) {
    out["lon"] = p.position->lon;
    out["lat"] = p.position->lat;
  } else {
    out["grid"] = p.grid;
  }
  return out;
}

Json record_version(const RecordVersion& v) {
  Json out{{"sequence", v.sequence}, {"valid_from", time(v.valid_from)}, {"valid_to", time(v.valid_to)},
           {"author", v.author}, {"deleted", v.deleted}};
  if (v.pole) out["record"] = pole_record(*v.pole);
  else if (v.grid) out["record"] = grid_record(*v.grid);
  else out["record"] = nullptr;
  return out;
}

Json feed_change(const FeedChange& c) {
  Json out{{"seq", c.sequence}, {"time", time(c.time)}, {"author", c.author}, {"kind", c.kind}, {"id", c.id},
           {"op", c.deleted ? "delete" : "put"}};
  if (c.pole) out["record"] = pole_record(*c.pole);
  else if (c.grid) out["record"] = grid_record(*c.grid);
  else if (c.alias) out["record"] = alias_record(*c.alias);
  else if (c.place) out["record"] = place_record(*c.place);
  else if (c.road) out["record"] = road_record(*c.road);
  else out["record"] = nullptr;
  return out;
}

Json feed_page(const ChangeFeedPage& page) {
  Json changes = Json::array();
  for (const FeedChange& c : page.changes) changes.push_back(feed_change(c));
  return Json{{"changes", std::move(changes)}, {"next_after", page.next_after}, {"next_skip", page.next_skip},
              {"sequence", page.sequence}};
}

Json error(ErrorCode code, std::string_view message) {
  return Json{{"error", {{"code", describe(code).json_code}, {"message", message}}}};
}

// A refused import also lists its input errors (Status::input_errors()), each as
// {"file","line","feature","field","reason"} (line / feature null when not known).
Json error(const Status& status) {
  Json out = error(status.code(), status.message());
  if (!status.input_errors().empty()) {
    Json list = Json::array();
    for (const InputError& e : status.input_errors()) {
      list.push_back(Json{{"file", e.file},
                          {"line", e.line ? Json(e.line) : Json(nullptr)},
                          {"feature", e.feature ? Json(*e.feature) : Json(nullptr)},
                          {"field", e.field},
                          {"reason", e.reason}});
    }
    out["error"]["input_errors"] = std::move(list);
  }
  return out;
}

}  // namespace poleloc::json
