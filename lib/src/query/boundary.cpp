#include "query/boundary.hpp"

#include "geo/geodesic.hpp"

#include <poleloc/geo.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace poleloc {

Status check_boundary_within(double within_m, std::string_view name) {
  if (std::isfinite(within_m) && within_m >= 0 && within_m <= kBoundaryNeighbourMaxM) return Status::ok();
  char max[32];
  std::snprintf(max, sizeof max, "%g", kBoundaryNeighbourMaxM);
  return Status(ErrorCode::bad_request, std::string(name) + " must be a distance in metres from 0 to " + max +
                                            " (default 15): how near another grid's edge must be to be named");
}

namespace query {
namespace {

// The plane distance picks edges; the ellipsoid decides. Look a little farther
// on the plane so that no grid within `within_m` on the ellipsoid is missed.
double plane_reach(double m) { return m * 1.002 + 0.05; }

// A grid counts as within `m` up to a millimetre more: a point on an edge
// measures a few nanometres off it, and boundary_m = 0 must still name the
// grid across (coordinates are kept to 1e-7 degree, about 1 cm, anyway).
constexpr double kWithinSlackM = 1e-3;

// The box of points within `m` metres of p (widened a little; a coarse filter).
BBox box_around(LonLat p, double m) {
  const geo::DegreeScale s = geo::degree_scale(p.lat);
  const double dlat = plane_reach(m) / s.m_per_deg_lat * 1.01 + 1e-6;
  const double dlon = std::min(360.0, plane_reach(m) / std::max(s.m_per_deg_lon, 1.0) * 1.01 + 1e-6);
  return {p.lon - dlon, p.lat - dlat, p.lon + dlon, p.lat + dlat};
}

// Base, delta and recent layer, each with a way to tell whether one of its grids is live.
struct Source {
  enum Kind { base, delta, recent };
  const SnapshotData* data;
  Kind kind;
  const OverlayData* overlay;  // null without an overlay

  bool live(std::uint32_t g) const {
    if (!overlay) return true;
    if (kind == base) return !overlay->grid_hidden(g);
    return kind == recent || !overlay->delta_grid_hidden(g);
  }
};

// Every live grid, other than `skip` (a snapshot grid index), with an edge
// within `m` metres of p: its distance on the ellipsoid.
void grids_within(const Source (&sources)[3], LonLat p, double m, std::optional<std::uint32_t> skip,
                  std::vector<NeighbourGrid>& out) {
  const BBox box = box_around(p, m);
  for (const Source& s : sources) {
    if (!s.data) continue;
    for (std::uint32_t g : s.data->grid_areas.candidates(box)) {
      if (!s.live(g)) continue;
      const GridView view(s.data, g);
      if (skip && view.index() == *skip) continue;
      auto near = s.data->grid_areas.nearest_boundary_point(g, p, plane_reach(m));
      if (!near) continue;
      const double d = geo::distance_m(p, near->point);
      if (d <= m + kWithinSlackM) out.push_back({view, d});
    }
  }
  std::sort(out.begin(), out.end(), [](const NeighbourGrid& a, const NeighbourGrid& b) {
    return a.distance_m != b.distance_m ? a.distance_m < b.distance_m : a.grid.id() < b.grid.id();
  });
}

}  // namespace

std::optional<GridBoundary> boundary(const SnapshotData& base, const OverlayData* overlay, LonLat p,
                                     const std::optional<GridView>& containing, double within_m) {
  if (!is_valid_lonlat(p)) return std::nullopt;
  if (!(within_m >= 0)) within_m = 0;  // NaN too
  within_m = std::min(within_m, kBoundaryNeighbourMaxM);
  const Source sources[3] = {{&base, Source::base, overlay},
                             {overlay ? overlay->delta : nullptr, Source::delta, overlay},
                             {overlay ? overlay->recent.get() : nullptr, Source::recent, overlay}};

  GridBoundary out;
  std::optional<std::uint32_t> skip;
  if (containing) {
    skip = containing->index();
    auto [d, local] = overlay ? overlay->grid_layer(base, *skip) : std::pair{&base, *skip};
    auto edge = d->grid_areas.nearest_boundary_point(local, p, INFINITY);
    out.boundary_distance_m = edge ? geo::distance_m(p, edge->point) : 0;
  }
  grids_within(sources, p, within_m, skip, out.neighbour_grids);
  if (containing) return out;

  // Outside every grid: the nearest grid, looked for in widening circles.
  out.inside = false;
  if (!out.neighbour_grids.empty()) {
    out.boundary_distance_m = out.neighbour_grids.front().distance_m;
    return out;
  }
  std::vector<NeighbourGrid> found;
  for (double r = std::max(4 * within_m, 100.0);; r = std::min(4 * r, kBoundaryNearestGridMaxM)) {
    found.clear();
    grids_within(sources, p, r, std::nullopt, found);
    if (!found.empty()) {
      out.boundary_distance_m = found.front().distance_m;
      return out;
    }
    if (r >= kBoundaryNearestGridMaxM) return std::nullopt;
  }
}

}  // namespace query
}  // namespace poleloc
