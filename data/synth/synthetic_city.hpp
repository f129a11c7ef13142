// synthetic_city.hpp: deterministic synthetic cities shaped like the real thing,
// for tests, benchmarks and `poleloc synth`.
//
// A city is a jittered lattice of streets around the centre point. Every block
// between four streets is one grid; every street piece between two crossings is
// a polyline of 11-35 vertices with a gentle bow and wiggles of a metre or two,
// so grid shells have 40-136 vertices and neighbouring grids share the very same
// vertices (in reverse order). The grids partition the city without gaps or
// overlaps. About 1 % of the grids (at least one in a city of 50 or more) host
// a walled compound that belongs to a neighbouring grid: the host gets a hole,
// the neighbour a MultiPolygon whose second part fills that hole exactly.
// Blocks are 250-380 m across, so a 20,000-grid city spans about 45 km x 45 km.
//
// Poles stand along both sides of every street and along inner lanes, 30-50 m
// apart, 3-8 m from the centreline of the street or lane they follow, hence
// always inside exactly one grid and at least 2 m from every grid boundary.
// A few stand inside the compounds. Blocks are grouped into districts of about
// 300 grids; each district has an area code (three letters from the pinyin of
// its invented Chinese name, e.g. 东直门 -> DZM) and numbers its poles from 1,
// so the same serial exists in every district: "0372" alone is ambiguous.
// Serials have 4 digits, or 5 (more) when a district has 10,000 poles or more.
//
//   poleloc::synth::CityOptions options{.grids = 200, .poles = 20000, .seed = 7};
//   poleloc::Dataset city = poleloc::synth::make_city(options);
//   // city.grids: 200 grids "G00001".., name "东直门第12街区网格", attributes
//   //             manager, phone, department, parent (the area code)
//   // city.poles: exactly 20,000 poles "DZM0001".., attributes kind
//   //             (路灯/电力杆/通信杆), manager, phone
//   // city.aliases: {"东直门","DZM"}, {"东直门街道","DZM"}, {"dongzhimen","DZM"}, ...
//   auto queries = poleloc::synth::random_points(city, 1'000'000, /*seed=*/42);
//   poleloc::Status s = poleloc::synth::write_city(options, "var/synth");
//
// Coordinates are lon, lat in degrees, WGS84, rounded to 7 decimals (about
// 1 cm), so writing and reading the files gives back the same values.
// Deterministic: the same options give the same city, bit for bit (an own
// splitmix64 PRNG rather than std distributions, which differ between standard
// libraries; only + - * / and sqrt on coordinates, and one cosine for the scale).
// Cost: 20,000 grids and 2,000,000 poles take about 3 s and 610 MB on a 2-core
// machine, most of it allocating the pole attributes (pole_attributes = false:
// about 1 s and 210 MB).
//
// Community names (options.community_names = true) name the grids the way
// Beijing names its community grids, "<place><suffix>社区网格" (水碓子东里社区网格,
// 红庙社区网格), unique in the city; a few grids are named after another
// district ("<that district's name>北里社区网格" lying in a different district: a
// community whose name contains another area's name). Aliases then also carry the
// official long form "北京市朝阳区<district>街道", and make_places() gives compounds,
// schools and markets that write_city() writes to places.csv (name,kind,lon,lat).
// Everything else (geometry, numbers, attributes) is the same city as without them.
//
//   auto city = make_city({.grids = 200, .poles = 20000, .seed = 11, .community_names = true});
//   auto places = make_places({.grids = 200, .poles = 20000, .seed = 11, .community_names = true});
//
// Thread-safety: pure functions; safe to call from several threads.
#pragma once

#include <poleloc/import.hpp>
#include <poleloc/status.hpp>
#include <poleloc/types.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace poleloc::synth {

struct CityOptions {
  std::size_t grids = 200;     // exact number of grids
  std::size_t poles = 20000;   // exact number of poles
  std::uint64_t seed = 1;
  double center_lon = 116.40;  // degrees, WGS84
  double center_lat = 39.90;
  bool pole_attributes = true;  // kind, manager, phone on every pole
  // Grids named like real community grids, long official aliases, and places
  // (see above). false keeps the output byte-identical to earlier versions.
  bool community_names = false;

  // City shapes (benchmarks of other numberings). The defaults keep the output
  // byte-identical to earlier versions.
  // area_codes = 0: one code per district (above). N > 0: about N distinct codes,
  // one per street side or lane (consecutive pole lines of a district share a
  // code when N is below the number of lines, about 14 per grid): the district's
  // code followed by four letters, e.g. DZMAAKB, each numbering its poles from 1.
  // N below the number of districts (about grids / 300): a code spans several
  // districts and takes the first one's name (N = 1: one code for the whole city).
  std::size_t area_codes = 0;
  // serial_width = 0: 4 digits (more when needed). N: at least N digits.
  std::size_t serial_width = 0;
  // serial_gap = 0: serials 1, 2, 3, ... G > 0: sparse, each serial is the
  // previous one plus 1 to 2G + 1 (uniform), and the width grows to hold them.
  std::size_t serial_gap = 0;
  // vertices_per_grid = 0: street pieces of 11-35 vertices, grid shells of 40-136.
  // N > 0: every street piece has N / 4 + 1 vertices (at least 2), so a grid's
  // shell has about N vertices, at least 4 (a walled compound adds 20 more);
  // wiggles shrink with the vertex spacing so the streets stay smooth.
  std::size_t vertices_per_grid = 0;
  // clusters = 0: poles evenly along every street and lane (uniform density).
  // N > 0: poles crowd around N hot spots: a block's share of the poles is its
  // length times 0.02 + sum over the spots of 1 / (1 + (d / 800 m)^2)^2. With 20
  // spots on 20,000 grids a spot's centre is about 25 times as dense as the city's
  // average and the outskirts half of it (poles ~2 m to ~80 m apart along a line).
  // The grids are the same as without clusters; only the poles move.
  std::size_t clusters = 0;

  // Finite centre with |lon| <= 170 and |lat| <= 75, at most 1,000,000 grids
  // and 100,000,000 poles (a city must stay clear of the poles and the antimeridian),
  // at most 100,000 clusters, and grids x vertices_per_grid at most 100,000,000.
  bool is_valid() const;
};

// The city for `options`. Pole spacing stays within 30-50 m (about 40 m) while
// poles/grids is between about 30 and 200; with fewer poles they stand farther
// apart, with more closer together. grids == 0 gives an empty dataset. Returns an empty dataset
// if !options.is_valid().
poleloc::Dataset make_city(const CityOptions& options);

// A named place of a community city: a residential compound, school or market.
struct Place {
  std::string name;  // e.g. "金台里嘉园", "红庙小学", "八里庄菜市场"; unique in the city
  std::string kind;  // "compound", "school" or "market"
  poleloc::LonLat position;  // WGS84, inside the grid whose community it is named after
};

// The places of the city for `options`: empty unless options.community_names.
// Deterministic like make_city. Every place lies inside the grid it is named after.
std::vector<Place> make_places(const CityOptions& options);

// Writes places.csv (header name,kind,lon,lat; WGS84). Errors: io_error.
poleloc::Status write_places_csv(const std::string& path, const std::vector<Place>& places);

// Writes poles.csv, grids.geojson and aliases.csv (and places.csv when
// options.community_names) into `out_dir` (created if missing).
// Errors: bad_request for invalid options, io_error when the
// directory or a file cannot be written.
poleloc::Status write_city(const CityOptions& options, const std::string& out_dir);

// `n` points drawn uniformly from the bounding box of the dataset's grids (of its
// poles when it has no grids); some fall outside every grid. Deterministic for a
// given dataset, n and seed. Empty if the dataset has neither grids nor poles.
std::vector<poleloc::LonLat> random_points(const poleloc::Dataset& dataset, std::size_t n, std::uint64_t seed);

// As above, but a share `outside` (0..1) of the points, spread through the run,
// lies outside that bounding box: uniformly in the box grown by half its size on
// every side (callers at the edge of the data and a few kilometres beyond it).
// outside = 0 gives exactly the points of the overload above.
std::vector<poleloc::LonLat> random_points(const poleloc::Dataset& dataset, std::size_t n, std::uint64_t seed,
                                           double outside);

}  // namespace poleloc::synth
