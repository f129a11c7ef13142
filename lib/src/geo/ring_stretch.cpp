// ring_stretch.cpp: the changed stretches of an edited outline (ring_stretch.hpp).
#include "geo/ring_stretch.hpp"

#include "geo/predicates.hpp"

#include <algorithm>

namespace poleloc::geo {

std::optional<std::vector<RingStretch>> ring_stretches(const MultiPolygon& before, const MultiPolygon& after) {
  if (before.size() != after.size()) return std::nullopt;
  std::vector<RingStretch> stretches;
  std::size_t points = 0;
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (before[i].rings.size() != after[i].rings.size()) return std::nullopt;
    for (std::size_t r = 0; r < before[i].rings.size(); ++r) {
      const Ring& a = before[i].rings[r];
      const Ring& b = after[i].rings[r];
      const std::size_t common = std::min(a.size(), b.size());
      RingStretch s{i, r};
      while (s.prefix < common && a[s.prefix] == b[s.prefix]) ++s.prefix;
      if (s.prefix == a.size() && s.prefix == b.size()) continue;  // the same ring
      while (s.suffix < common - s.prefix && a[a.size() - 1 - s.suffix] == b[b.size() - 1 - s.suffix]) ++s.suffix;
      std::optional<BBox> box;
      auto add = [&](LonLat p) {
        const BBox point{p.lon, p.lat, p.lon, p.lat};
        box = box ? united(*box, point) : point;
      };
      for (const Ring* ring : {&a, &b}) {
        const std::size_t n = ring->size();
        if (n == 0) continue;
        const std::size_t first = s.prefix == 0 ? 0 : s.prefix - 1, last = std::min(n - s.suffix, n - 1);
        points += last - first + 1;
        if (points > kMaxStretchPoints || (last - first + 1) * 4 > n) return std::nullopt;
        for (std::size_t k = first; k <= last; ++k) add((*ring)[k]);
        // The edge from the last vertex to the first, unless both are common.
        if (s.prefix == 0 || s.suffix == 0) {
          add(ring->front());
          add(ring->back());
        }
      }
      s.box = *box;  // the rings differ, so one has a vertex
      stretches.push_back(s);
    }
  }
  return stretches;
}

}  // namespace poleloc::geo
