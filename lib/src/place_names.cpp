// The gazetteer of a snapshot: the areas' Chinese names, the communities the
// grids' names give, and the places of places.csv, each tied to where it is
// and to the area codes of the poles there.
#include "snapshot_data.hpp"
#include "spoken/spoken_text.hpp"
#include "two_halves.hpp"

#include <poleloc/number.hpp>

#include <algorithm>
#include <iterator>
#include <map>

namespace poleloc {
namespace {

// How far a place given by a point reaches, by kind (metres).
double radius_for(spoken::PlaceKind kind) {
  switch (kind) {
    case spoken::PlaceKind::building: return 80;
    case spoken::PlaceKind::school:
    case spoken::PlaceKind::market: return 200;
    case spoken::PlaceKind::compound:
    case spoken::PlaceKind::community: return 300;
    case spoken::PlaceKind::road: return 600;
    case spoken::PlaceKind::area:
    case spoken::PlaceKind::other: return 250;
  }
  return 250;
}

// The codes of the poles given, most poles first; codes with under 5 % of them are dropped.
template <typename Poles>
std::vector<std::uint32_t> codes_of(const SnapshotData& d, const Poles& poles) {
  std::map<std::uint32_t, std::size_t> count;
  std::size_t total = 0;
  for (std::uint32_t p : poles) {
    if (auto c = d.alias_table.find_code(split_number(d.number(p)).area)) {
      ++count[*c];
      ++total;
    }
  }
  std::vector<std::pair<std::size_t, std::uint32_t>> ranked;
  for (auto [c, k] : count) {
    if (k * 20 >= total) ranked.emplace_back(k, c);
  }
  std::sort(ranked.begin(), ranked.end(), [](auto a, auto b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < ranked.size() && i < 4; ++i) out.push_back(ranked[i].second);
  return out;
}

// Up to 16 poles of a grid, spread over its list (enough to name its area codes).
std::vector<std::uint32_t> sample_grid_poles(const SnapshotData& d, std::size_t g) {
  const std::uint32_t a = d.grid_pole_offsets[g], b = d.grid_pole_offsets[g + 1];
  std::vector<std::uint32_t> out;
  const std::uint32_t n = b - a, step = std::max<std::uint32_t>(1, n / 16);
  for (std::uint32_t i = a; i < b; i += step) out.push_back(d.grid_poles[i]);
  return out;
}

}  // namespace

void build_gazetteer(SnapshotData& d) {
  std::vector<spoken::Place> places;
  std::vector<std::string> area_names;
  for (const AliasRecord& a : d.aliases) {
    if (!spoken::has_cjk(a.alias)) continue;
    auto code = d.alias_table.find_code(a.code);
    if (!code) continue;
    area_names.push_back(a.alias);
    spoken::Place p;
    p.name = a.alias;
    p.kind = spoken::PlaceKind::area;
    p.code = static_cast<std::int32_t>(*code);
    p.codes = {*code};
    places.push_back(std::move(p));
  }
  // The longest area name a grid's name starts with is stripped: 团结湖街道 before 团结湖.
  const spoken::AreaPrefixes areas(area_names);
  std::vector<std::vector<std::uint32_t>> grid_codes(d.grids.size());
  auto codes_of_grid = [&](std::size_t g) -> const std::vector<std::uint32_t>& {
    if (grid_codes[g].empty()) grid_codes[g] = codes_of(d, sample_grid_poles(d, g));
    return grid_codes[g];
  };
  // The places the names of grids [begin, end) give, in grid order.
  auto grid_places = [&](std::size_t begin, std::size_t end, std::vector<spoken::Place>& out) {
    for (std::size_t g = begin; g < end; ++g) {
      for (auto& [name, strength] : spoken::Gazetteer::names_from_grid_name(d.grids[g].name, areas)) {
        spoken::Place p;
        p.name = name;
        p.kind = spoken::PlaceKind::community;
        p.grids = {static_cast<std::int32_t>(g)};
        p.codes = codes_of_grid(g);
        p.strength = strength;
        out.push_back(std::move(p));
      }
    }
  };
  // A city of named communities: 0.19 s for 20,000 grids on one core. Each
  // half writes only its own grids' codes, and the halves are joined in order.
  std::vector<spoken::Place> halves[2];
  in_two_halves(d.grids.size(), 4096, [&](std::size_t begin, std::size_t end) {
    grid_places(begin, end, halves[begin == 0 ? 0 : 1]);
  });
  for (auto& part : halves) std::move(part.begin(), part.end(), std::back_inserter(places));
  for (const PlaceRecord& r : d.places) {
    spoken::Place p;
    p.name = r.name;
    p.kind = spoken::parse_place_kind(r.kind);
    if (p.kind == spoken::PlaceKind::area) p.kind = spoken::PlaceKind::other;
    if (!r.grid.empty()) {
      auto it = d.grid_by_id.find(r.grid);
      if (it == d.grid_by_id.end()) continue;
      p.grids = {static_cast<std::int32_t>(it->second)};
      p.codes = codes_of_grid(it->second);
    } else if (r.position) {
      p.point = r.position;
      p.radius_m = radius_for(p.kind);
      std::vector<std::uint32_t> near;
      for (auto [pole, _] : d.pole_positions.nearest(*r.position, 24, p.radius_m + 300)) near.push_back(pole);
      p.codes = codes_of(d, near);
    } else {
      continue;
    }
    places.push_back(std::move(p));
  }
  d.gazetteer.build(std::move(places));
}

}  // namespace poleloc
