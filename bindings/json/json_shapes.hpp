// json_shapes.hpp: the JSON shapes of the README ("HTTP API"), one function each,
// shared by the HTTP server and `poleloc ... --json` so both print the same.
//
//   nlohmann::ordered_json j = poleloc::json::pole(*snap->locate("TJH0372"));
//   // {"number":"TJH0372","lon":116.4712345,"lat":39.9251234,"gcj02":{...},"grid":{...}|null,"attributes":{...}}
//   poleloc::json::error(status);   // {"error":{"code":"not_found","message":"..."}}
#pragma once

#include <poleloc/import.hpp>
#include <poleloc/snapshot.hpp>
#include <poleloc/status.hpp>
#include <poleloc/validate.hpp>

#include <nlohmann/json.hpp>

#include <string_view>
#include <vector>

namespace poleloc::json {

using Json = nlohmann::ordered_json;

Json attributes(const Attributes& attributes);
Json geometry(const MultiPolygon& geometry);  // GeoJSON Polygon or MultiPolygon
Json grid(const GridView& grid, bool with_geometry = false);
Json pole(const PoleView& pole);
Json nearby(const std::vector<NearbyPole>& poles);  // {"poles":[... with distance_m]}
Json candidate(const Candidate& candidate);
Json candidates(std::string_view query, const std::vector<Candidate>& candidates);
Json page(const PolePage& page);  // {"poles":[...], "next_cursor": "..."|null}
Json validation(const ValidationReport& report);
// {"dry_run":false,"poles":N,"grids":N,"aliases":N,"places":N,"removed_poles":N,"removed_grids":N,
//  "changed_records":N,"summary":"will add …","diff":{"poles":{"added":N,"changed":N,"removed":N,"unchanged":N,
//  "added_ids":[…],"changed_ids":[…],"removed_ids":[…]},"grids":{…}},"rejects":["file:line: …"]}
Json import_report(const ImportReport& report);
Json error(const Status& status);
Json error(ErrorCode code, std::string_view message);

}  // namespace poleloc::json
