#include "query/twins.hpp"

#include "geo/geodesic.hpp"
#include "spoken/confusion.hpp"

#include <poleloc/number.hpp>

#include <algorithm>
#include <unordered_map>

namespace poleloc::query {
namespace {

struct PairKey {
  std::uint32_t a, b;
  bool operator==(const PairKey&) const = default;
};
struct PairHash {
  std::size_t operator()(const PairKey& k) const { return (std::uint64_t{k.a} << 32 | k.b) * 0x9E3779B97F4A7C15ull; }
};

// Whether a and b are surely within `m` metres (a plane approximation with a
// 1 % margin; pairs it passes get the exact geodesic later).
bool near(LonLat a, LonLat b, double m) {
  const geo::DegreeScale s = geo::degree_scale(0.5 * (a.lat + b.lat));
  const double dx = (a.lon - b.lon) * s.m_per_deg_lon, dy = (a.lat - b.lat) * s.m_per_deg_lat;
  return dx * dx + dy * dy < 0.98 * m * m;
}

}  // namespace

TwinAudit find_dangerous_twins(const SnapshotData& d, const TwinOptions& options) {
  // Only pairs that may be dangerous are kept: a dense numbering has millions
  // of harmless ones (neighbours in the same grid).
  std::unordered_map<PairKey, Twin, PairHash> pairs;
  std::unordered_map<PairKey, spoken::Edit, PairHash> edits;
  std::vector<spoken::Variant> variants;
  std::string forms[2];
  const spoken::ConfusionOptions likely{.language = spoken::Language::neutral, .likely_only = true};
  for (std::uint32_t p = 0; p < d.pole_count(); ++p) {
    const NumberParts parts = split_number(d.number(p));
    if (parts.serial.empty() || parts.serial.size() > spoken::Digits::kMax ||
        !std::all_of(parts.serial.begin(), parts.serial.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    variants.clear();
    spoken::one_edit_variants(parts.serial, likely, variants);
    for (const spoken::Variant& v : variants) {
      // The stored form of what may have been meant: as heard, and at this serial's width.
      const std::string_view stripped = v.digits.stripped();
      forms[0].assign(parts.area).append(v.digits.view());
      std::size_t count = 1;
      if (stripped.size() < parts.serial.size()) {
        forms[1].assign(parts.area).append(parts.serial.size() - stripped.size(), '0').append(stripped);
        if (forms[1] != forms[0]) count = 2;
      }
      for (std::size_t f = 0; f < count; ++f) {
        const std::string& candidate = forms[f];
        const auto q = d.numbers.find(candidate);
        if (!q || *q == p) continue;
        const std::uint32_t a = std::min(p, *q), b = std::max(p, *q);
        const bool other_grid = d.pole_grid[a] != d.pole_grid[b];
        if (!other_grid && near(d.positions[a], d.positions[b], options.min_distance_m)) continue;
        Twin& t = pairs[{a, b}];
        if (v.edit.weight > t.weight) {
          t.a = a, t.b = b, t.other_grid = other_grid;
          t.weight = v.edit.weight;
          edits[{a, b}] = v.edit;
        }
      }
    }
  }

  TwinAudit out;
  std::vector<Twin> dangerous;
  std::unordered_map<std::uint32_t, std::uint32_t> twins_of;
  for (auto& [key, t] : pairs) {
    t.distance_m = geo::geodesic_m(d.positions[t.a], d.positions[t.b]);
    if (!t.other_grid && t.distance_m <= options.min_distance_m) continue;
    t.explanation = spoken::explain(edits[key]);
    const double factor = std::min(20.0, std::max(1.0, t.distance_m / 500.0));
    t.risk = t.weight * factor * (t.other_grid ? 2.0 : 1.0);
    ++twins_of[t.a], ++twins_of[t.b];
    dangerous.push_back(std::move(t));
  }
  for (Twin& t : dangerous) t.renumber = twins_of[t.a] > twins_of[t.b] ? t.a : t.b;
  out.dangerous_pairs = dangerous.size();
  out.poles_with_twin = twins_of.size();
  std::sort(dangerous.begin(), dangerous.end(), [](const Twin& x, const Twin& y) {
    if (x.risk != y.risk) return x.risk > y.risk;
    return std::pair(x.a, x.b) < std::pair(y.a, y.b);
  });
  if (dangerous.size() > options.max_listed) dangerous.resize(options.max_listed);
  out.twins = std::move(dangerous);
  return out;
}

}  // namespace poleloc::query
