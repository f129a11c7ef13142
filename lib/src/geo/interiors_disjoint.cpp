#include "geo/interiors_disjoint.hpp"

#include "geo/predicates.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace poleloc::geo {
namespace {

// How far (degrees) a midpoint must be from every edge of the other geometry
// to count as outside it: far above the rounding of the midpoint (~1e-14) and
// of the tests below, far below any real grid feature (1e-9° ≈ 0.1 mm).
constexpr double kClearanceDeg = 1e-9;

// +1: the ring turns counter-clockwise (positive signed area), -1: clockwise,
// 0: its area is too small against the rounding of the sum to tell.
int ring_turn(const Ring& ring) {
  const LonLat origin = ring[0];
  double twice_area = 0, magnitude = 0;
  for (std::size_t i = 1; i + 1 < ring.size(); ++i) {
    const double left = (ring[i].lon - origin.lon) * (ring[i + 1].lat - origin.lat);
    const double right = (ring[i].lat - origin.lat) * (ring[i + 1].lon - origin.lon);
    twice_area += left - right;
    magnitude += std::abs(left) + std::abs(right);
  }
  // The rounding of the sum stays below (size + 3) * 2^-53 of the magnitude.
  const double bound = 4e-16 * static_cast<double>(ring.size() + 4) * magnitude;
  if (twice_area > bound) return 1;
  if (twice_area < -bound) return -1;
  return 0;
}

// Per-edge marks, indexed by the edge's position in ring order over all rings.
enum EdgeMark : std::uint8_t {
  kShared = 1,       // the same segment is an edge of the other geometry
  kFromOnOther = 2,  // its first point is a vertex of the other geometry
  kToOnOther = 4,    // its last point is
};

struct Edge {
  LonLat from, to;
  BBox box;
  std::uint32_t index = 0;   // into Shape::marks
  std::int8_t interior = 0;  // +1: the geometry's interior is left of from->to, -1: right, 0: unknown
};

// One geometry as the check sees it; kept per thread so that its vectors
// keep their capacity from call to call.
struct Shape {
  const MultiPolygon* geometry = nullptr;
  BBox box;
  std::vector<Edge> near;  // non-degenerate edges whose box meets the other geometry's box
  // Boxes over runs of near edges: levels[0][k] holds near[kFan * k, kFan * (k + 1)),
  // levels[l][k] the boxes levels[l - 1][kFan * k, kFan * (k + 1)); the last level has one box.
  std::vector<std::vector<BBox>> levels;
  std::vector<std::uint8_t> marks;  // one per edge, all rings
};

// Edges follow each other along a ring, so runs of a few make small boxes,
// and runs of runs larger ones: a pair of boxes that miss skips every pair of
// edges below them. Two grids sharing a boundary of n edges then cost about
// n log n box tests, not (n / kFan)^2.
constexpr std::size_t kFan = 8;

// The bounding box; false if a coordinate is not finite or a ring is not
// closed (the parity argument needs closed rings).
bool measure(const MultiPolygon& geometry, BBox& box) {
  box = {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
         -std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  for (const Polygon& polygon : geometry) {
    for (const Ring& ring : polygon.rings) {
      if (ring.empty()) continue;
      if (!(ring.front() == ring.back())) return false;
      for (const LonLat& p : ring) {
        if (!std::isfinite(p.lon) || !std::isfinite(p.lat)) return false;
        box.min_lon = std::min(box.min_lon, p.lon);
        box.min_lat = std::min(box.min_lat, p.lat);
        box.max_lon = std::max(box.max_lon, p.lon);
        box.max_lat = std::max(box.max_lat, p.lat);
      }
    }
  }
  return true;
}

// Fills shape.near with the edges that can touch `other_box` and sizes the marks.
void collect_near_edges(Shape& shape, const BBox& other_box) {
  shape.near.clear();
  std::uint32_t index = 0;
  for (const Polygon& polygon : *shape.geometry) {
    for (std::size_t r = 0; r < polygon.rings.size(); ++r) {
      const Ring& ring = polygon.rings[r];
      const std::size_t first_near = shape.near.size();
      for (std::size_t i = 0; i + 1 < ring.size(); ++i, ++index) {
        if (ring[i] == ring[i + 1]) continue;
        const BBox box = segment_box(ring[i], ring[i + 1]);
        if (boxes_meet(box, other_box)) shape.near.push_back({ring[i], ring[i + 1], box, index, 0});
      }
      if (shape.near.size() == first_near) continue;
      // A shell's interior is inside the ring, a hole's outside it.
      const int turn = ring_turn(ring);
      const auto interior = static_cast<std::int8_t>(r == 0 ? turn : -turn);
      for (std::size_t e = first_near; e < shape.near.size(); ++e) shape.near[e].interior = interior;
    }
  }
  shape.marks.assign(index, 0);
  build_box_levels(shape.near.size(), kFan, [&shape](std::size_t e) { return shape.near[e].box; }, shape.levels);
}

// Whether edges `ea` and `eb` (boxes meeting) touch in an allowed way (see the
// header); marks shared edges and common vertices.
bool allowed_contact(const Edge& ea, const Edge& eb, Shape& a, Shape& b) {
  const bool from_from = ea.from == eb.from, from_to = ea.from == eb.to;
  const bool to_from = ea.to == eb.from, to_to = ea.to == eb.to;
  if ((from_from && to_to) || (from_to && to_from)) {
    a.marks[ea.index] |= kShared | kFromOnOther | kToOnOther;
    b.marks[eb.index] |= kShared | kFromOnOther | kToOnOther;
    if (ea.interior == 0 || eb.interior == 0) return false;
    // Interiors on opposite sides: seen along ea's direction, b's interior
    // side flips when eb runs the other way.
    const int b_side = from_from ? eb.interior : -eb.interior;
    return ea.interior == -b_side;
  }
  if (from_from || from_to || to_from || to_to) {
    // One common endpoint (edges have length, so only one of the four holds):
    // which end of each it is, and whether the far ends stay apart.
    const bool a_from = from_from || from_to, b_from = from_from || to_from;
    a.marks[ea.index] |= a_from ? kFromOnOther : kToOnOther;
    b.marks[eb.index] |= b_from ? kFromOnOther : kToOnOther;
    return meet_only_at(a_from ? ea.from : ea.to, a_from ? ea.to : ea.from, b_from ? eb.to : eb.from);
  }
  // No common point: apart when one segment lies strictly on one side of the other's line.
  return segments_apart(ea.from, ea.to, eb.from, eb.to);
}

// Step 1 and 2 of the header for the pairs of near edges under box `ia` of
// a's level `la` and box `ib` of b's level `lb`: both boxes are opened down to
// the edges where they meet, the one of the higher level first.
bool contacts_allowed(Shape& a, std::size_t la, std::size_t ia, Shape& b, std::size_t lb, std::size_t ib) {
  if (!boxes_meet(a.levels[la][ia], b.levels[lb][ib])) return true;
  if (la == 0 && lb == 0) {
    const std::size_t a_end = std::min(a.near.size(), kFan * (ia + 1));
    const std::size_t b_end = std::min(b.near.size(), kFan * (ib + 1));
    for (std::size_t i = kFan * ia; i < a_end; ++i) {
      for (std::size_t j = kFan * ib; j < b_end; ++j) {
        if (boxes_meet(a.near[i].box, b.near[j].box) && !allowed_contact(a.near[i], b.near[j], a, b)) return false;
      }
    }
    return true;
  }
  if (la >= lb) {
    const std::size_t end = std::min(a.levels[la - 1].size(), kFan * (ia + 1));
    for (std::size_t c = kFan * ia; c < end; ++c) {
      if (!contacts_allowed(a, la - 1, c, b, lb, ib)) return false;
    }
  } else {
    const std::size_t end = std::min(b.levels[lb - 1].size(), kFan * (ib + 1));
    for (std::size_t c = kFan * ib; c < end; ++c) {
      if (!contacts_allowed(a, la, ia, b, lb - 1, c)) return false;
    }
  }
  return true;
}

// Step 1 and 2 of the header over all pairs of near edges.
bool all_contacts_allowed(Shape& a, Shape& b) {
  if (a.near.empty() || b.near.empty()) return true;
  return contacts_allowed(a, a.levels.size() - 1, 0, b, b.levels.size() - 1, 0);
}

enum class Where { outside, inside, unsure };

// Where `p` is against `geometry` (even-odd over all rings): outside only when
// also at least kClearanceDeg from every edge.
Where locate(LonLat p, const MultiPolygon& geometry, const BBox& box) {
  if (p.lon < box.min_lon - kClearanceDeg || p.lon > box.max_lon + kClearanceDeg ||
      p.lat < box.min_lat - kClearanceDeg || p.lat > box.max_lat + kClearanceDeg) {
    return Where::outside;
  }
  bool inside = false;
  for (const Polygon& polygon : geometry) {
    for (const Ring& ring : polygon.rings) {
      for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        const LonLat q = ring[i], r = ring[i + 1];
        if (p.lat < std::min(q.lat, r.lat) - kClearanceDeg || p.lat > std::max(q.lat, r.lat) + kClearanceDeg) continue;
        if (p.lon > std::max(q.lon, r.lon) + kClearanceDeg) continue;
        // The horizontal ray from p eastwards crosses the edge (half-open in latitude).
        const bool straddles = (q.lat > p.lat) != (r.lat > p.lat);
        if (p.lon < std::min(q.lon, r.lon) - kClearanceDeg) {
          inside ^= straddles;
          continue;
        }
        if (q == r) continue;
        // Near the edge's box: p must be clear of its line (distance > |cross|
        // / (|dx| + |dy|)). The rounding of `cross` is below 1e-12 of
        // |dx| + |dy| here (p is within the box), far under the clearance.
        const double dx = r.lon - q.lon, dy = r.lat - q.lat;
        const double cross = dx * (p.lat - q.lat) - dy * (p.lon - q.lon);
        if (std::abs(cross) <= kClearanceDeg * (std::abs(dx) + std::abs(dy))) return Where::unsure;
        if (straddles && (cross > 0) == (dy > 0)) inside = !inside;
      }
    }
  }
  return inside ? Where::inside : Where::outside;
}

// Step 3 of the header for `shape`'s edges against `other`: every chain of
// edges that are not shared, cut at vertices of `other`, is shown outside it.
bool chains_outside(const Shape& shape, const Shape& other) {
  std::uint32_t offset = 0;
  for (const Polygon& polygon : *shape.geometry) {
    for (const Ring& ring : polygon.rings) {
      const std::size_t edges = ring.empty() ? 0 : ring.size() - 1;
      const std::uint8_t* marks = shape.marks.data() + offset;
      offset += static_cast<std::uint32_t>(edges);
      if (edges == 0) continue;
      const auto degenerate = [&](std::size_t i) { return ring[i] == ring[i + 1]; };
      const auto outside_box = [&](std::size_t i) { return !boxes_meet(segment_box(ring[i], ring[i + 1]), other.box); };
      // Start right after a cut, if the ring has one; else the ring is one chain.
      std::size_t start = 0;
      for (std::size_t i = 0; i < edges; ++i) {
        if (!degenerate(i) && (marks[i] & (kShared | kFromOnOther))) {
          start = i;
          break;
        }
      }
      // The chain being walked: its first and last edge (ring positions) and
      // whether it is already known to be outside.
      bool open = false, clear = false;
      std::size_t chain_first = 0, chain_last = 0;
      std::uint8_t previous = 0;
      const auto close_chain = [&]() {
        open = false;
        if (clear) return true;
        for (std::size_t i = chain_first;; i = (i + 1) % edges) {
          if (!degenerate(i)) {
            const LonLat mid{0.5 * (ring[i].lon + ring[i + 1].lon), 0.5 * (ring[i].lat + ring[i + 1].lat)};
            const Where w = locate(mid, *other.geometry, other.box);
            if (w == Where::outside) return true;
            if (w == Where::inside) return false;
          }
          if (i == chain_last) return false;
        }
      };
      for (std::size_t t = 0; t < edges; ++t) {
        const std::size_t i = (start + t) % edges;
        if (degenerate(i)) continue;
        const bool cut = (marks[i] & (kShared | kFromOnOther)) || (previous & (kShared | kToOnOther));
        previous = marks[i];
        if (cut && open && !close_chain()) return false;
        if (marks[i] & kShared) continue;
        if (!open) {
          open = true;
          clear = false;
          chain_first = i;
        }
        chain_last = i;
        clear = clear || outside_box(i);
      }
      if (open && !close_chain()) return false;
    }
  }
  return true;
}

}  // namespace

bool interiors_surely_disjoint(const MultiPolygon& a, const MultiPolygon& b) {
  thread_local Shape sa, sb;
  sa.geometry = &a;
  sb.geometry = &b;
  if (!measure(a, sa.box) || !measure(b, sb.box)) return false;
  if (!boxes_meet(sa.box, sb.box)) return true;
  collect_near_edges(sa, sb.box);
  collect_near_edges(sb, sa.box);
  return all_contacts_allowed(sa, sb) && chains_outside(sa, sb) && chains_outside(sb, sa);
}

}  // namespace poleloc::geo
