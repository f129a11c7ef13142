// ring_stretch.hpp: where an edit changed an outline, when an editor made it
// (a vertex moved, inserted or removed here and there).
//
//   if (auto stretches = geo::ring_stretches(before, after)) {
//     for (const geo::RingStretch& s : *stretches) ... // s.box holds every changed edge of the ring
//   }  // else: the rings do not line up, or differ too widely to say
//
// An edit lines up when it keeps the polygons and the rings in each, and each
// ring is its old vertices but for one stretch: vertices [0, prefix) are the
// same in both, and so are the last `suffix`. Edge k of a ring joins vertex k
// to vertex k + 1 (mod size), so an edge with both vertices in the common
// prefix, or both in the common suffix, is an edge of both rings, and every
// edge in one ring only has a vertex in the stretch or next to it.
//
// Thread-safety: reentrant.
#pragma once

#include <poleloc/types.hpp>

#include <cstddef>
#include <optional>
#include <vector>

namespace poleloc::geo {

// Vertices in the changed stretches, old and new, all rings together, beyond
// which an edit is not taken apart (a ring given from another start or the
// other way round differs nearly everywhere).
inline constexpr std::size_t kMaxStretchPoints = 256;

// A changed ring: its place and its stretch.
struct RingStretch {
  std::size_t polygon = 0, ring = 0;
  std::size_t prefix = 0, suffix = 0;
  // Of the old and the new vertices from prefix - 1 to size - suffix (the
  // stretch and the unchanged vertex on each side), and of the first and the
  // last vertex when the stretch reaches either end: every edge in one ring only.
  BBox box;
};

// The changed rings' stretches (none when nothing changed); nullopt when the
// rings do not line up, the stretches hold more than kMaxStretchPoints
// vertices or one holds more than a quarter of its ring's.
std::optional<std::vector<RingStretch>> ring_stretches(const MultiPolygon& before, const MultiPolygon& after);

}  // namespace poleloc::geo
