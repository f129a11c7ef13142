// where.hpp: the where phrase of a pole (poleloc/where.hpp) from the road index.
//
//   std::optional<Where> w = query::where_at(data.road_index, data.roads, pole_position);
//
// Nearest named road within kWhereMaxRoadDistanceM; the side of it the point
// is on (a road running more east-west than north-south has a north and a
// south side, else an east and a west side); the nearest crossing on that road
// (along the road on the same line, else straight), the direction from it to
// the point and the distance rounded as a crew hears it (round_distance_m).
// Thread-safety: pure function of its arguments.
#pragma once

#include "index/road_index.hpp"

#include <poleloc/types.hpp>
#include <poleloc/where.hpp>

#include <optional>
#include <vector>

namespace poleloc::query {

std::optional<Where> where_at(const index::RoadIndex& index, const std::vector<RoadRecord>& roads, LonLat p);

// 0 under 10 m ("at the crossing"); to 10 m up to 300 m; to 50 m up to 1 km; then to 100 m.
double round_distance_m(double m);

}  // namespace poleloc::query
