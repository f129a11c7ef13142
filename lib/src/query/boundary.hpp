// boundary.hpp: the GridBoundary of a point (poleloc/boundary.hpp) from the
// grid indexes of a base and its overlay (internal).
//
//   auto b = query::boundary(base, overlay, p, snap.grid_at(p), 15);
//
// Candidates come from the grid index's boxes, widened by the distance looked
// for; each is measured with GridIndex::nearest_boundary_point, then on the
// ellipsoid (geo::distance_m). Base grids the overlay hid are skipped; the
// delta's grids are asked too.
//
// Thread-safety: pure function of its arguments.
#pragma once

#include "overlay.hpp"
#include "snapshot_data.hpp"

#include <poleloc/boundary.hpp>

#include <optional>

namespace poleloc::query {

// `containing`: the grid the answer names for p (grid_at(p), or a pole's grid());
// nullopt when p is in none. `within_m` must already be in [0, kBoundaryNeighbourMaxM].
std::optional<GridBoundary> boundary(const SnapshotData& base, const OverlayData* overlay, LonLat p,
                                     const std::optional<GridView>& containing, double within_m);

}  // namespace poleloc::query
