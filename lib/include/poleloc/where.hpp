// poleloc/where.hpp: where a pole stands, in words a crew can drive to.
//
// With roads imported (roads.geojson, docs/import.md), every per-pole answer
// carries a Where: the nearest named road, which side of it the pole stands
// on, and how far along the road from the nearest crossing (where a road of
// another name meets it).
//
//   if (auto w = snap->where(pole->position())) {
//     std::cout << w->zh;   // 团结湖路北侧，距团结湖北一条路口东约40米
//     std::cout << w->en;   // north side of 团结湖路, about 40 m east of the 团结湖北一条 crossing
//   }
//
// Distances are metres on a local plane around the roads (within a city,
// under 0.5 % from geodesic). Thread-safety: a plain value.
#pragma once

#include <string>

namespace poleloc {

struct Where {
  std::string road;        // the nearest named road
  std::string side;        // "north", "south", "east" or "west" of the road; "" when on it (under 1 m)
  double road_distance_m = 0;  // from the pole to the road
  std::string crossing;    // the other road of the nearest crossing on this road; "" when it has none
  std::string direction;   // from the crossing to the pole along the road: "north", ...; "" at the crossing
  double distance_m = 0;   // along the road from the crossing, rounded as the phrases say
                           // (0: at the crossing, under 10 m; then to 10 m, to 50 m past 300 m, to 100 m past 1 km)
  std::string zh;          // 团结湖路北侧，距团结湖北一条路口东约40米
  std::string en;          // north side of 团结湖路, about 40 m east of the 团结湖北一条 crossing
};

// The farthest a pole may stand from a road to get a Where (metres).
inline constexpr double kWhereMaxRoadDistanceM = 500;

}  // namespace poleloc
