// geojson_fuzz: any bytes as grids.geojson.
//
// The input is written to a file and read by io::read_grids_geojson with the
// default limits and with small ones (a few vertices, shallow properties).
// Nothing may crash; a grid handed over must be what an import stores: every
// vertex finite and inside lon [-180, 180], lat [-90, 90], and the record must
// survive the store's encoding (decode_grid(encode_grid(g)) succeeds). The
// grids read back from write_grids_geojson (an export) are the grids written.
#include "fuzz_file.hpp"
#include "io/readers.hpp"
#include "store/record_encoding.hpp"

#include <poleloc/import.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

void check_grid(const poleloc::GridRecord& g) {
  for (const auto& polygon : g.geometry) {
    for (const auto& ring : polygon.rings) {
      for (const poleloc::LonLat& p : ring) {
        if (!std::isfinite(p.lon) || !std::isfinite(p.lat) || p.lon < -180 || p.lon > 180 || p.lat < -90 ||
            p.lat > 90) {
          std::fprintf(stderr, "grid '%s' handed over with a vertex at %.17g, %.17g\n", g.id.c_str(), p.lon, p.lat);
          std::abort();
        }
      }
    }
  }
  if (!poleloc::store::decode_grid(g.id, poleloc::store::encode_grid(g))) {
    std::fprintf(stderr, "grid '%s' does not survive encode_grid/decode_grid\n", g.id.c_str());
    std::abort();
  }
}

bool same_grid(const poleloc::GridRecord& a, const poleloc::GridRecord& b) {
  return a.id == b.id && a.name == b.name && a.attributes == b.attributes && a.geometry == b.geometry;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace poleloc;
  static const fuzz::FuzzFile file("geojson");
  static const geo::CrsTransform wgs84 = *geo::CrsTransform::create("EPSG:4326");
  const std::string& path = file.write(data, size);

  std::vector<GridRecord> grids;
  io::ErrorSink errors(8);
  io::read_grids_geojson(path, wgs84, errors, [&](GridRecord&& g, std::size_t) {
    check_grid(g);
    grids.push_back(std::move(g));
  });
  if (!grids.empty()) {
    static const fuzz::FuzzFile exported("export.geojson");
    if (!write_grids_geojson(exported.path(), grids)) std::abort();
    std::vector<GridRecord> again;
    io::ErrorSink again_errors(8);
    io::read_grids_geojson(exported.path(), wgs84, again_errors,
                           [&](GridRecord&& g, std::size_t) { again.push_back(std::move(g)); });
    if (again_errors.count() != 0) {
      std::fprintf(stderr, "an export is not read back: %s\n", again_errors.errors()[0].to_string().c_str());
      std::abort();
    }
    if (again.size() != grids.size()) std::abort();
    for (std::size_t i = 0; i < grids.size(); ++i) {
      if (!same_grid(grids[i], again[i])) {
        std::fprintf(stderr, "grid '%s' is read back differently from an export\n", grids[i].id.c_str());
        std::abort();
      }
    }
  }
  io::ErrorSink small_errors(8);
  const io::GridLimits small{.max_vertices = 16, .max_property_depth = 2, .max_attribute_bytes = 16,
                             .max_properties_bytes = 64};
  io::read_grids_geojson(path, wgs84, small_errors, [](GridRecord&& g, std::size_t) { check_grid(g); }, {}, small);
  return 0;
}
