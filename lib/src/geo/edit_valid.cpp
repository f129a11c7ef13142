#include "geo/edit_valid.hpp"

#include "geo/predicates.hpp"
#include "geo/ring_stretch.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace poleloc::geo {
namespace {

bool strictly_outside(LonLat p, const BBox& b) {
  return p.lon < b.min_lon || p.lon > b.max_lon || p.lat < b.min_lat || p.lat > b.max_lat;
}

}  // namespace

bool edit_surely_valid(const MultiPolygon& before, const MultiPolygon& after) {
  for (const MultiPolygon* outline : {&before, &after}) {
    for (const Polygon& polygon : *outline) {
      for (const Ring& ring : polygon.rings) {
        if (ring.size() < 4 || !(ring.front() == ring.back())) return false;
      }
    }
  }
  const std::optional<std::vector<RingStretch>> found = ring_stretches(before, after);
  if (!found) return false;
  const std::vector<RingStretch>& stretches = *found;
  for (const RingStretch& s : stretches) {
    if (s.prefix == 0 || s.suffix == 0) return false;  // the first vertex moved (and so the last)
  }
  for (const RingStretch& s : stretches) {
    const Ring& b = after[s.polygon].rings[s.ring];
    const std::size_t m = b.size() - 1;  // distinct positions: vertex m is vertex 0
    const std::size_t first = s.prefix - 1, last = b.size() - s.suffix;
    auto at = [&](std::size_t v) { return b[v % m]; };
    // (1) Each corner of the stretch and beside it.
    for (std::size_t v = first; v <= last; ++v) {
      if (!meet_only_at(at(v), at(v + m - 1), at(v + 1))) return false;
    }
    // (2) Each new edge apart from every edge that does not follow it.
    for (std::size_t k = first; k < last; ++k) {
      const LonLat p = b[k], q = b[k + 1];
      const BBox e = segment_box(p, q);
      for (std::size_t i = 0; i < after.size(); ++i) {
        for (std::size_t r = 0; r < after[i].rings.size(); ++r) {
          const Ring& other = after[i].rings[r];
          const bool same = i == s.polygon && r == s.ring;
          for (std::size_t j = 0; j + 1 < other.size(); ++j) {
            if (same && ((j + m - k) % m <= 1 || (k + m - j) % m <= 1)) continue;  // itself, or follows it
            if (!boxes_meet(e, segment_box(other[j], other[j + 1]))) continue;
            if (!segments_apart(p, q, other[j], other[j + 1])) return false;
          }
        }
      }
    }
    // (3) Every other ring on the side of this one it was on.
    const Ring& a = before[s.polygon].rings[s.ring];
    for (std::size_t i = 0; i < after.size(); ++i) {
      for (std::size_t r = 0; r < after[i].rings.size(); ++r) {
        if (i == s.polygon && r == s.ring) continue;
        const Ring& other = after[i].rings[r];
        // Its vertices the edit kept: all, or those outside its own stretch.
        std::size_t kept_prefix = other.size(), kept_suffix = 0;
        for (const RingStretch& t : stretches) {
          if (t.polygon == i && t.ring == r) kept_prefix = t.prefix, kept_suffix = t.suffix;
        }
        bool away = false;
        for (std::size_t k = 0; k < kept_prefix && !away; ++k) away = strictly_outside(other[k], s.box);
        for (std::size_t k = other.size() - kept_suffix; k < other.size() && !away; ++k) {
          away = strictly_outside(other[k], s.box);
        }
        if (away) continue;
        const int was = side_of_ring(other[0], a.size() - 1, [&](std::size_t k) { return a[k]; });
        const int is = side_of_ring(other[0], b.size() - 1, [&](std::size_t k) { return b[k]; });
        if (was == 0 || was != is) return false;
      }
    }
  }
  return true;
}

}  // namespace poleloc::geo
