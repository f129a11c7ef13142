// json_shapes.hpp: the JSON shapes of the README ("HTTP API"), one function each,
// shared by the HTTP server and `poleloc ... --json` so both print the same.
//
//   nlohmann::ordered_json j = poleloc::json::pole(*snap->locate("TJH0372"));
//   // {"number":"TJH0372","lon":116.4712345,"lat":39.9251234,"gcj02":{...},"grid":{...}|null,"attributes":{...}}
//   poleloc::json::error(status);   // {"error":{"code":"not_found","message":"..."}}
#pragma once

#include <poleloc/boundary.hpp>
#include <poleloc/service.hpp>
#include <poleloc/import.hpp>
#include <poleloc/snapshot.hpp>
#include <poleloc/status.hpp>
#include <poleloc/validate.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

namespace poleloc::json {

using Json = nlohmann::ordered_json;

// Where the boundary fields of an answer come from (docs/boundary.md): the
// snapshot that answered and the distance within which another grid is named.
// Without a snapshot the shapes carry no boundary fields.
struct BoundaryContext {
  const Snapshot* snapshot = nullptr;
  double within_m = kBoundaryNeighbourDefaultM;
};

Json attributes(const Attributes& attributes);
Json geometry(const MultiPolygon& geometry);  // GeoJSON Polygon or MultiPolygon
Json grid(const GridView& grid, bool with_geometry = false);
// A pole; with roads imported it carries "where" (see where()); with a
// BoundaryContext, "boundary_distance_m" and "neighbour_grids" (see add_boundary()).
Json pole(const PoleView& pole, const BoundaryContext& boundary = {});
// Adds "boundary_distance_m" (metres, to 1 cm; null when outside every grid and
// none within kBoundaryNearestGridMaxM) and, when any, "neighbour_grids":
// [{"id","name","distance_m"}] nearest first.
void add_boundary(Json& out, const std::optional<GridBoundary>& boundary);
// {"zh","en","road","side","road_distance_m","crossing","direction","distance_m"}; side, crossing and
// direction are null when absent (on the road; a road without crossings; at the crossing).
Json where(const Where& where);
// A road as a GeoJSON Feature: {"type":"Feature","properties":{"name"},"geometry":MultiLineString}.
Json road_feature(const RoadRecord& road);
// Every road as a FeatureCollection (GET /v1/roads).
Json roads(const std::vector<RoadRecord>& roads);
Json nearby(const std::vector<NearbyPole>& poles, const BoundaryContext& boundary = {});  // {"poles":[... with distance_m]}
Json candidate(const Candidate& candidate, const BoundaryContext& boundary = {});
Json candidates(std::string_view query, const std::vector<Candidate>& candidates, const BoundaryContext& boundary = {});
Json page(const PolePage& page, const BoundaryContext& boundary = {});  // {"poles":[...], "next_cursor": "..."|null}
Json validation(const ValidationReport& report);
// The same issues as a GeoJSON FeatureCollection (areas as polygons, twins as a line between the poles, else a point).
Json validation_geojson(const ValidationReport& report);
// History and the change feed (docs/history.md).
// A time as RFC 3339 UTC with milliseconds, "2026-03-01T00:00:00.000Z"; null when absent.
Json time(const std::optional<std::chrono::system_clock::time_point>& t);
// A stored record in the shape of its GET answer, without what a snapshot
// derives (a pole's grid): {"number","lon","lat","gcj02","attributes"} and
// {"id","name","attributes","geometry"}.
Json pole_record(const PoleRecord& pole);
Json grid_record(const GridRecord& grid);
Json alias_record(const AliasRecord& alias);  // {"alias","code"}
Json place_record(const PlaceRecord& place);  // {"name","kind","lon","lat"} or {"name","kind","grid"}
Json road_record(const RoadRecord& road);     // {"name","geometry":MultiLineString}
// {"sequence","valid_from","valid_to","author","deleted","record"} (record null when deleted).
Json record_version(const RecordVersion& version);
// {"seq","time","author","kind","id","op":"put"|"delete","record"} (record null for a delete).
Json feed_change(const FeedChange& change);
// {"changes":[...],"next_after","next_skip","sequence"}
Json feed_page(const ChangeFeedPage& page);

// {"dry_run":false,"poles":N,"grids":N,"aliases":N,"places":N,"removed_poles":N,"removed_grids":N,
//  "changed_records":N,"summary":"will add …","diff":{"poles":{"added":N,"changed":N,"removed":N,"unchanged":N,
//  "added_ids":[…],"changed_ids":[…],"removed_ids":[…]},"grids":{…}},"rejects":["file:line: …"]}
Json import_report(const ImportReport& report);
Json error(const Status& status);
Json error(ErrorCode code, std::string_view message);

}  // namespace poleloc::json
