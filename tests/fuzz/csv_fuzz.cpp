// csv_fuzz: any bytes as poles.csv, aliases.csv and places.csv.
//
// The input is written to a file and read by io::read_poles_csv,
// io::read_aliases_csv and io::read_places_csv (WGS84 and GCJ-02 input), and
// row by row by io::CsvReader. Nothing may crash, and what the readers hand
// over must be what an import stores: pole and place positions finite and
// inside lon [-180, 180], lat [-90, 90]; CSV lines counted forwards; and the
// poles read back from write_poles_csv (an export) are the poles that were
// written, coordinates to the bit.
#include "fuzz_file.hpp"
#include "io/csv_reader.hpp"
#include "io/readers.hpp"

#include <poleloc/import.hpp>

#include <cmath>
#include <cstring>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

void check_position(poleloc::LonLat p, const char* what) {
  if (!std::isfinite(p.lon) || !std::isfinite(p.lat) || p.lon < -180 || p.lon > 180 || p.lat < -90 || p.lat > 90) {
    std::fprintf(stderr, "%s handed over at %.17g, %.17g\n", what, p.lon, p.lat);
    std::abort();
  }
}

bool same_poles(const std::vector<poleloc::PoleRecord>& a, const std::vector<poleloc::PoleRecord>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].number != b[i].number || std::memcmp(&a[i].position, &b[i].position, sizeof(poleloc::LonLat)) != 0 ||
        a[i].attributes != b[i].attributes) {
      std::fprintf(stderr, "pole %zu: '%s' read back as '%s' (position or attributes differ: %zu and %zu attributes)\n", i,
                   a[i].number.c_str(), b[i].number.c_str(), a[i].attributes.size(), b[i].attributes.size());
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace poleloc;
  static const fuzz::FuzzFile file("csv");
  static const geo::CrsTransform wgs84 = std::move(*geo::CrsTransform::create("EPSG:4326"));
  static const geo::CrsTransform gcj02 = std::move(*geo::CrsTransform::create("gcj02"));
  const std::string& path = file.write(data, size);

  static const fuzz::FuzzFile exported("export.csv");
  std::vector<PoleRecord> poles;
  {
    io::ErrorSink errors(8);
    io::read_poles_csv(path, wgs84, errors, [&](PoleRecord&& p, std::size_t) { poles.push_back(std::move(p)); });
  }
  if (!poles.empty()) {
    if (!write_poles_csv(exported.path(), poles)) std::abort();
    std::vector<PoleRecord> again;
    io::ErrorSink errors(8);
    io::read_poles_csv(exported.path(), wgs84, errors, [&](PoleRecord&& p, std::size_t) { again.push_back(std::move(p)); });
    if (errors.count() != 0) {
      std::fprintf(stderr, "an export is not read back: %s\n", errors.errors()[0].to_string().c_str());
      std::abort();
    }
    if (!same_poles(poles, again)) std::abort();
  }

  for (const geo::CrsTransform* crs : {&wgs84, &gcj02}) {
    io::ErrorSink errors(8);
    io::read_poles_csv(path, *crs, errors, [](PoleRecord&& p, std::size_t) { check_position(p.position, "pole"); });
    io::read_places_csv(path, *crs, errors, [](PlaceRecord&& p, std::size_t) {
      if (p.position) check_position(*p.position, "place");
    });
  }
  io::ErrorSink errors(8);
  io::read_aliases_csv(path, errors, [](AliasRecord&&, std::size_t) {});

  io::CsvReader csv;
  if (!csv.open(path)) std::abort();
  std::vector<std::string> row;
  std::size_t last_line = 0;
  while (csv.next(row)) {
    if (csv.line() < last_line || csv.bytes_read() > size) std::abort();
    last_line = csv.line();
    (void)io::duplicate_column(row);
    for (const std::string& field : row) (void)io::parse_double(field);
  }
  return 0;
}
