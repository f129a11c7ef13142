#include "index/road_index.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/geometries/box.hpp>
#include <boost/geometry/geometries/point.hpp>
#include <boost/geometry/geometries/segment.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace poleloc::index {
namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

namespace {

using Pt = bg::model::point<double, 2, bg::cs::cartesian>;
using Seg = bg::model::segment<Pt>;
using Box = bg::model::box<Pt>;
using Entry = std::pair<Seg, std::uint32_t>;

constexpr double kMetresPerDegree = 6371008.8 * std::numbers::pi / 180;  // mean Earth radius
constexpr double kEndSnapM = 6;        // a road's end this close to another road meets it
constexpr double kSameCrossingM = 30;  // two meetings of the same roads closer than this are one crossing

struct Projection {
  double t;       // 0..1 along the segment
  double x, y;    // the foot
  double dist;    // from the point to the foot
};

Projection project(const RoadIndex::Segment& s, double px, double py) {
  const double dx = s.bx - s.ax, dy = s.by - s.ay;
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((px - s.ax) * dx + (py - s.ay) * dy) / len2 : 0;
  t = std::clamp(t, 0.0, 1.0);
  const double x = s.ax + t * dx, y = s.ay + t * dy;
  return {t, x, y, std::hypot(px - x, py - y)};
}

double length(const RoadIndex::Segment& s) { return std::hypot(s.bx - s.ax, s.by - s.ay); }

}  // namespace

struct RoadIndex::Tree {
  bgi::rtree<Entry, bgi::rstar<16>> rtree;
};

RoadIndex::RoadIndex() = default;
RoadIndex::~RoadIndex() = default;
RoadIndex::RoadIndex(RoadIndex&&) noexcept = default;
RoadIndex& RoadIndex::operator=(RoadIndex&&) noexcept = default;

void RoadIndex::build(const std::vector<RoadRecord>& roads) {
  segments_.clear();
  crossings_.assign(roads.size(), {});
  tree_.reset();
  double min_lon = 180, max_lon = -180, min_lat = 90, max_lat = -90;
  for (const RoadRecord& r : roads) {
    for (const LineString& l : r.lines) {
      for (const LonLat& p : l) {
        min_lon = std::min(min_lon, p.lon), max_lon = std::max(max_lon, p.lon);
        min_lat = std::min(min_lat, p.lat), max_lat = std::max(max_lat, p.lat);
      }
    }
  }
  if (min_lon > max_lon) return;
  lon0_ = (min_lon + max_lon) / 2;
  lat0_ = (min_lat + max_lat) / 2;
  ky_ = kMetresPerDegree;
  kx_ = kMetresPerDegree * std::cos(lat0_ * std::numbers::pi / 180);

  for (std::uint32_t r = 0; r < roads.size(); ++r) {
    for (std::uint32_t li = 0; li < roads[r].lines.size(); ++li) {
      const LineString& l = roads[r].lines[li];
      double along = 0;
      for (std::size_t i = 0; i + 1 < l.size(); ++i) {
        Segment s{r, li, along,
                  (l[i].lon - lon0_) * kx_, (l[i].lat - lat0_) * ky_,
                  (l[i + 1].lon - lon0_) * kx_, (l[i + 1].lat - lat0_) * ky_,
                  i == 0, i + 2 == l.size()};
        along += length(s);
        segments_.push_back(s);
      }
    }
  }
  std::vector<Entry> entries;
  entries.reserve(segments_.size());
  for (std::uint32_t i = 0; i < segments_.size(); ++i) {
    const Segment& s = segments_[i];
    entries.emplace_back(Seg(Pt(s.ax, s.ay), Pt(s.bx, s.by)), i);
  }
  tree_ = std::make_unique<Tree>();
  tree_->rtree = bgi::rtree<Entry, bgi::rstar<16>>(entries.begin(), entries.end());  // packed

  // Crossings, recorded on the road of segment i.
  std::vector<Entry> near;
  for (std::uint32_t i = 0; i < segments_.size(); ++i) {
    const Segment& s = segments_[i];
    const Box box(Pt(std::min(s.ax, s.bx) - kEndSnapM, std::min(s.ay, s.by) - kEndSnapM),
                  Pt(std::max(s.ax, s.bx) + kEndSnapM, std::max(s.ay, s.by) + kEndSnapM));
    near.clear();
    tree_->rtree.query(bgi::intersects(box), std::back_inserter(near));
    auto add = [&](std::uint32_t other, double x, double y) {
      const Projection p = project(s, x, y);
      crossings_[s.road].push_back({s.line, s.along0 + p.t * length(s), other, p.x, p.y});
    };
    for (const Entry& e : near) {
      const Segment& o = segments_[e.second];
      if (o.road == s.road) continue;
      // A proper meeting of the two segments.
      const double rx = s.bx - s.ax, ry = s.by - s.ay, qx = o.bx - o.ax, qy = o.by - o.ay;
      const double denom = rx * qy - ry * qx;
      if (std::abs(denom) > 1e-9) {
        const double wx = o.ax - s.ax, wy = o.ay - s.ay;
        const double t = (wx * qy - wy * qx) / denom, u = (wx * ry - wy * rx) / denom;
        if (t >= 0 && t <= 1 && u >= 0 && u <= 1) {
          add(o.road, s.ax + t * rx, s.ay + t * ry);
          continue;
        }
      }
      // A road's end drawn just short of (or past) the other road.
      if (o.first && project(s, o.ax, o.ay).dist <= kEndSnapM) add(o.road, o.ax, o.ay);
      if (o.last && project(s, o.bx, o.by).dist <= kEndSnapM) add(o.road, o.bx, o.by);
      if (s.first && project(o, s.ax, s.ay).dist <= kEndSnapM) add(o.road, s.ax, s.ay);
      if (s.last && project(o, s.bx, s.by).dist <= kEndSnapM) add(o.road, s.bx, s.by);
    }
  }
  for (auto& list : crossings_) {
    std::sort(list.begin(), list.end(), [](const RoadCrossing& a, const RoadCrossing& b) {
      if (a.other != b.other) return a.other < b.other;
      if (a.line != b.line) return a.line < b.line;
      return a.along_m < b.along_m;
    });
    std::vector<RoadCrossing> kept;
    for (const RoadCrossing& c : list) {
      if (!kept.empty() && kept.back().other == c.other && kept.back().line == c.line &&
          c.along_m - kept.back().along_m < kSameCrossingM) {
        continue;
      }
      kept.push_back(c);
    }
    std::sort(kept.begin(), kept.end(), [](const RoadCrossing& a, const RoadCrossing& b) {
      return a.line != b.line ? a.line < b.line : a.along_m < b.along_m;
    });
    list = std::move(kept);
  }
}

std::optional<RoadFoot> RoadIndex::nearest(LonLat p, double max_m) const {
  if (!tree_ || segments_.empty() || !std::isfinite(p.lon) || !std::isfinite(p.lat)) return std::nullopt;
  const double px = (p.lon - lon0_) * kx_, py = (p.lat - lat0_) * ky_;
  std::optional<RoadFoot> best;
  // The R-tree's nearest segment, and any other as near (a vertex shared by two
  // segments): the first in segment order wins, so answers do not depend on the tree.
  std::vector<Entry> hits;
  tree_->rtree.query(bgi::nearest(Pt(px, py), 2), std::back_inserter(hits));
  std::uint32_t best_segment = std::numeric_limits<std::uint32_t>::max();
  for (const Entry& e : hits) {
    const Segment& s = segments_[e.second];
    const Projection q = project(s, px, py);
    if (q.dist > max_m) continue;
    if (best && (q.dist > best->offset_m + 1e-6 || (q.dist > best->offset_m - 1e-6 && e.second > best_segment))) continue;
    best_segment = e.second;
    best = RoadFoot{s.road, s.line, s.along0 + q.t * length(s), q.dist, q.x, q.y,
                    s.bx - s.ax, s.by - s.ay, px - q.x, py - q.y};
  }
  return best;
}

std::size_t RoadIndex::memory_bytes() const {
  std::size_t n = segments_.size() * (sizeof(Segment) + sizeof(Entry) * 2);
  for (const auto& c : crossings_) n += c.size() * sizeof(RoadCrossing) + sizeof(c);
  return n;
}

}  // namespace poleloc::index
