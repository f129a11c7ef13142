// poleloc/import.hpp: reading the input files (poles.csv, grids.geojson,
// aliases.csv) with validation that names file, line or feature, field and reason.
//
// ```cpp
// #include <poleloc/poleloc.hpp>
// #include <iostream>
//
// int main() {
//   auto service = poleloc::Service::open("var/db");
//   if (!service) return 1;
//   poleloc::ImportSources src{.poles = "poles.csv", .grids = "grids.geojson", .aliases = "aliases.csv"};
//   poleloc::ImportOptions opt;
//   opt.crs = "EPSG:4490";
//   auto report = (*service)->import(src, opt);
//   if (!report) {  // invalid_input: nothing was stored
//     std::cerr << report.status().message() << '\n';  // a summary: the count and the first errors
//     for (const poleloc::InputError& e : report.status().input_errors()) {
//       std::cerr << e.file << ':' << e.line << ' ' << e.field << ": " << e.reason << '\n';
//     }
//     return 1;
//   }
//   std::cout << report->poles << " poles\n";
// }
// ```
//
// The errors of a refused import are in Status::input_errors() (at most
// ImportOptions::max_listed_errors of them); with skip_invalid, the rows left
// out are in ImportReport::rejects.
//
// Input CRS: any CRS PROJ knows ("EPSG:32650", a PROJ string, WKT) or "gcj02".
// Coordinates are converted to WGS84 before validation and storage.
#pragma once

#include <poleloc/status.hpp>
#include <poleloc/types.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace poleloc {

struct ImportSources {
  std::string poles;    // path to poles.csv
  std::string grids;    // path to grids.geojson
  std::string aliases;  // path to aliases.csv; empty keeps the stored aliases
  std::string places;   // path to places.csv (docs/resolve.md); empty keeps the stored places
  std::string roads;    // path to roads.geojson (docs/import.md); empty keeps the stored roads
};

// One rejected row or feature: poleloc::InputError (status.hpp).

struct ImportProgress {
  std::string stage;     // "poles", "grids", "aliases", "store", "index"
  std::size_t done = 0;  // rows or features so far
};

// Limits on what one grid feature may hold; beyond them the feature is
// refused with an error naming file, feature index, property and limit.
inline constexpr std::size_t kDefaultMaxGridVertices = 250'000;        // per grid, all rings of all polygons
inline constexpr std::size_t kDefaultMaxPropertyDepth = 32;            // nested arrays/objects in a property value
inline constexpr std::size_t kDefaultMaxAttributeBytes = 64 * 1024;     // one property value, as stored
inline constexpr std::size_t kDefaultMaxPropertiesBytes = 1024 * 1024;  // all property names and values of a feature

// What an import changes, record by record: computed before anything is
// stored (ImportReport::diff, ImportOptions::on_diff). "changed" is a record
// whose stored value differs (position, attributes; name, geometry);
// "unchanged" a record of the import identical to the stored one. With
// ImportOptions::merge nothing is removed and stored records absent from the
// import are not counted.
struct ImportDiff {
  static constexpr std::size_t kListedIds = 20;  // ids listed per list, for display
  struct Counts {
    std::size_t added = 0, changed = 0, removed = 0, unchanged = 0;
    // The first kListedIds numbers (poles) or ids (grids) of each, in sorted order.
    std::vector<std::string> added_ids, changed_ids, removed_ids;
  };
  Counts poles, grids;
  // True when nothing would be added, changed or removed.
  bool empty() const;
  // "will add 12, change 3, remove 1 poles; add 0, change 1, remove 0 grids (2,040 poles and 31 grids unchanged)"
  std::string summary() const;
};

struct ImportOptions {
  std::string crs = "EPSG:4326";  // CRS of the input coordinates, or "gcj02"/"bd09"; the default for both files
  // Per file (docs/import.md, "CRS rules"): empty means `crs`. A CRS the file
  // declares (.prj, GeoPackage SRS, GeoJSON `crs`) is used when the flag is not
  // given, and a flag that disagrees with it is an error.
  std::string poles_crs, grids_crs;
  // The pole register's columns: "number=杆号,lon=经度,lat=纬度"; empty: the
  // header names recognised by default (docs/import.md).
  std::string columns;
  std::string id_field, name_field;  // grid properties holding id and name; empty: "id", "name" (and Chinese names)
  std::string encoding;              // CSV and Shapefile DBF text, e.g. "GBK"; empty: UTF-8 (or the .cpg)
  std::string grids_layer, poles_layer;  // GeoPackage / File Geodatabase layer; empty: the only one
  // Fix invalid polygons with GEOS MakeValid and report each fix
  // (ImportReport::repairs) instead of refusing them.
  bool repair = false;
  // Import grids that overlap each other; without it an overlap refuses the
  // import (invalid_input, naming the pair, area and a point inside).
  bool allow_overlap = false;
  bool skip_invalid = false;      // store valid rows, report the rest
  std::size_t max_listed_errors = 50;
  std::function<void(const ImportProgress&)> progress;  // called now and then; may be empty

  // Safety against wiping the database by mistake (a truncated or wrong file).
  // Without `replace`, an import is refused (invalid_input, nothing stored) when
  // it would leave zero poles or zero grids, or remove more than
  // `max_remove_share` of the stored poles or of the stored grids. An import
  // into an empty database removes nothing, so only the zero rule applies.
  bool replace = false;
  double max_remove_share = 0.10;  // 0..1; a share of the stored poles (and of the stored grids)

  // Compute and return the diff (and run the removal checks), store nothing.
  // Allowed on a database opened read-only.
  bool dry_run = false;
  // Upsert the import's poles and grids (and aliases and places when given),
  // remove nothing. Not together with `replace`.
  bool merge = false;
  // Called once the diff is known, before the removal checks and before
  // anything is stored (the CLI prints it). May be empty.
  std::function<void(const ImportDiff&)> on_diff;

  std::size_t max_grid_vertices = kDefaultMaxGridVertices;
  std::size_t max_property_depth = kDefaultMaxPropertyDepth;
  std::size_t max_attribute_bytes = kDefaultMaxAttributeBytes;
  std::size_t max_properties_bytes = kDefaultMaxPropertiesBytes;
};

struct ImportReport {
  std::size_t poles = 0;      // in the database after the import (with merge: kept ones too)
  std::size_t grids = 0;
  std::size_t aliases = 0;
  std::size_t places = 0;
  std::size_t roads = 0;
  std::size_t removed_poles = 0;  // present before, absent from the new files
  std::size_t removed_grids = 0;
  std::size_t changed_records = 0;  // poles, grids and aliases written (new or different); 0: nothing stored
                                    // (dry_run: poles and grids that would be added, changed or removed)
  bool dry_run = false;             // nothing was stored: the report says what an import would do
  ImportDiff diff;                  // what the import changed (or, dry_run, would change)
  std::vector<InputError> rejects;  // with skip_invalid: every rejected row
  // With repair: one line per repaired grid, "grids.shp: feature 3: grid 'A': Self-intersection at
  // 116.47 39.92; area 1,234.5 m² -> 1,230.0 m² (-4.5 m²)".
  std::vector<std::string> repairs;
  // With allow_overlap: the overlaps accepted ("grid 'A' overlaps grid 'B' by 12.5 m² near 116.47 39.92").
  std::vector<std::string> overlaps;
};

// The parsed content of the input files, already in WGS84.
struct Dataset {
  std::vector<PoleRecord> poles;
  std::vector<GridRecord> grids;
  std::vector<AliasRecord> aliases;
  bool has_aliases = false;
  std::vector<PlaceRecord> places;
  bool has_places = false;  // replace the stored places (even by none)
  std::vector<RoadRecord> roads;
  bool has_roads = false;   // replace the stored roads (even by none)
};

// Reads and validates the files. Errors are collected (all of them, not only
// the first); the caller decides whether any error aborts.
struct ParsedInput {
  Dataset dataset;
  std::vector<InputError> errors;
  std::size_t error_count = 0;  // may exceed errors.size() when capped
  std::size_t fatal_errors = 0;  // errors that ended the read of a file (never skippable)
  std::vector<std::string> repairs;   // see ImportReport::repairs
  std::vector<std::string> overlaps;  // see ImportReport::overlaps
};
Result<ParsedInput> read_input(const ImportSources& sources, const ImportOptions& options);

// Writers (export): the same formats, WGS84; reading them back gives the same records.
Status write_poles_csv(const std::string& path, const std::vector<PoleRecord>& poles);
Status write_grids_geojson(const std::string& path, const std::vector<GridRecord>& grids);
Status write_aliases_csv(const std::string& path, const std::vector<AliasRecord>& aliases);
Status write_places_csv(const std::string& path, const std::vector<PlaceRecord>& places);

}  // namespace poleloc
