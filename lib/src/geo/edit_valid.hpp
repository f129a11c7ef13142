// edit_valid.hpp: a fast proof that an edit of a valid outline is valid,
// looking only at what the edit changed.
//
//   // before: an outline GEOS finds valid (a grid as stored); after: the
//   // same rings with a vertex moved, added or removed here and there
//   if (geo::edit_surely_valid(before, after)) ... // no need to validate `after` whole
//
// An editor moving a boundary changes a few vertices of a grid of tens of
// thousands: validating the whole outline again costs milliseconds
// (polygon_surely_valid, 2-3 ms at 50,000 vertices), this about a tenth.
//
// Guarantee: true only when `after` is valid by GEOS's rules, given that
// `before` is. false means "not proven". The rings must line up (the same
// polygons, the same rings in each, every ring closed, of 4 points or more)
// and each changed ring may differ from its old self only in one stretch that
// spares its first vertex, short as ring_stretches() takes it (at most a
// quarter of the ring, 256 vertices all together); anything else gives false.
//
// Why true is safe. Call the edges of a changed ring that have a vertex in its
// stretch its new edges; every other edge of `after` is an edge of `before`.
// The proof asks that (1) at each vertex of a stretch, and at the unchanged
// vertex on either side of it, the two edges meet only at that vertex
// (meet_only_at), (2) each new edge is apart from every edge of every ring
// that does not follow it along its ring (segments_apart: one lies strictly
// on one side of the other's line; predicates.hpp, every such sign exact),
// and (3) every other ring keeps its side of each changed ring: a ring with a
// vertex outside the box of the changed ring's old and new stretches keeps it
// (a ray from that vertex missing the box crosses the same edges of the old
// ring and the new one), and any other is tested at its first vertex against
// the old ring and the new one (an exact crossing count, else unsure).
// In `before` no two edges cross and rings meet at most at points (GEOS
// validity). By (1) and (2) the same holds in `after`, and no new contact
// appears: a changed ring is a simple closed curve, and every point where two
// rings meet is one where they met before. By (3) each ring lies on the same
// side of every other ring as before. GEOS's conditions for a valid polygon
// or multipolygon (simple rings, holes inside their shell and outside each
// other, parts apart, a connected interior) depend only on those sides and
// contacts, so they hold in `after` as they held in `before`.
//
// Thread-safety: reentrant.
#pragma once

#include <poleloc/types.hpp>

namespace poleloc::geo {

bool edit_surely_valid(const MultiPolygon& before, const MultiPolygon& after);

}  // namespace poleloc::geo
