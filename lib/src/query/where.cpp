#include "query/where.hpp"

#include <cmath>
#include <limits>
#include <string_view>

namespace poleloc::query {
namespace {

constexpr double kOnRoadM = 1;  // closer than this, a pole stands on the road, not beside it

// The compass direction of a vector on the local plane (x east, y north).
std::string_view compass(double x, double y) {
  if (std::abs(x) >= std::abs(y)) return x >= 0 ? "east" : "west";
  return y >= 0 ? "north" : "south";
}

std::string_view zh_direction(std::string_view d) {
  return d == "north" ? "北" : d == "south" ? "南" : d == "east" ? "东" : "西";
}

std::string whole(double m) { return std::to_string(static_cast<long long>(std::llround(m))); }

}  // namespace

double round_distance_m(double m) {
  if (m < 10) return 0;
  if (m <= 300) return std::round(m / 10) * 10;
  if (m <= 1000) return std::round(m / 50) * 50;
  return std::round(m / 100) * 100;
}

std::optional<Where> where_at(const index::RoadIndex& index, const std::vector<RoadRecord>& roads, LonLat p) {
  auto foot = index.nearest(p, kWhereMaxRoadDistanceM);
  if (!foot) return std::nullopt;
  Where w;
  w.road = roads[foot->road].name;
  w.road_distance_m = std::round(foot->offset_m * 10) / 10;
  if (foot->offset_m >= kOnRoadM) {
    // East-west roads have a north and a south side; north-south roads an east and a west side.
    if (std::abs(foot->dir_x) >= std::abs(foot->dir_y)) {
      w.side = foot->off_y >= 0 ? "north" : "south";
    } else {
      w.side = foot->off_x >= 0 ? "east" : "west";
    }
  }
  const index::RoadCrossing* best = nullptr;
  double best_m = std::numeric_limits<double>::infinity();
  for (const index::RoadCrossing& c : index.crossings(foot->road)) {
    const double m = c.line == foot->line ? std::abs(c.along_m - foot->along_m)
                                          : std::hypot(foot->foot_x - c.x, foot->foot_y - c.y);
    if (m < best_m) best = &c, best_m = m;
  }
  if (best) {
    w.crossing = roads[best->other].name;
    w.distance_m = round_distance_m(best_m);
    if (w.distance_m > 0) w.direction = compass(foot->foot_x - best->x, foot->foot_y - best->y);
  }

  // 团结湖路北侧，距团结湖北一条路口东约40米 / north side of 团结湖路, about 40 m east of the 团结湖北一条 crossing
  w.zh = w.road;
  w.zh += w.side.empty() ? std::string("上") : std::string(zh_direction(w.side)) + "侧";
  w.en = w.side.empty() ? "on " + w.road : w.side + " side of " + w.road;
  if (best) {
    if (w.distance_m == 0) {
      w.zh += "，" + w.crossing + "路口处";
      w.en += ", at the " + w.crossing + " crossing";
    } else {
      w.zh += "，距" + w.crossing + "路口" + std::string(zh_direction(w.direction)) + "约" + whole(w.distance_m) + "米";
      w.en += ", about " + whole(w.distance_m) + " m " + w.direction + " of the " + w.crossing + " crossing";
    }
  }
  return w;
}

}  // namespace poleloc::query
