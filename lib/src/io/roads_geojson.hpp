// roads_geojson.hpp: roads.geojson -> RoadRecords (docs/import.md, "roads.geojson").
//
//   io::ErrorSink errors(50);
//   std::vector<RoadRecord> roads = io::read_roads_geojson("roads.geojson", crs, errors);
//
// A FeatureCollection of LineString / MultiLineString features, each with a
// non-empty `properties.name`. Features with the same name become one road
// (its lines in file order). A bad feature is reported (file, feature index,
// field, reason) and skipped; an unreadable file is a fatal error.
// Coordinates are converted to WGS84 by `crs` before the range check.
#pragma once

#include "io/readers.hpp"

#include <poleloc/types.hpp>

#include <string>
#include <vector>

namespace poleloc::io {

std::vector<RoadRecord> read_roads_geojson(const std::string& path, const geo::CrsTransform& crs, ErrorSink& errors);

}  // namespace poleloc::io
