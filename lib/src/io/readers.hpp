// readers.hpp: the three input files -> records, with an error per bad row.
//
//   io::ErrorSink errors(50);                       // keeps the first 50, counts all
//   io::read_poles_csv("poles.csv", crs, errors, [&](PoleRecord&& p, std::size_t line) { ... });
//   io::read_grids_geojson("grids.geojson", crs, errors, [&](GridRecord&& g, std::size_t feature) { ... });
//   io::read_aliases_csv("aliases.csv", errors, [&](AliasRecord&& a, std::size_t line) { ... });
//
// Each reader streams: a record is handed over as soon as it is read and
// checked, so memory does not grow with the file beyond what the caller keeps.
// A bad row or feature is reported to the sink and skipped; a fatal problem
// (missing file, bad header, JSON syntax error) is reported with add_fatal()
// and ends the read.
// Coordinates are converted to WGS84 by `crs` before the range check.
#pragma once

#include "geo/crs.hpp"
#include "io/pole_columns.hpp"

#include <poleloc/import.hpp>

#include <functional>
#include <string>
#include <vector>

namespace poleloc::io {

class ErrorSink {
 public:
  explicit ErrorSink(std::size_t keep) : keep_(keep) {}
  void add(InputError e) {
    ++count_;
    if (errors_.size() < keep_) errors_.push_back(std::move(e));
  }
  // An error that ends the read of a file (cannot open it, bad header, syntax
  // error): what was read before it is not the file's content, so an import
  // must fail even with skip_invalid.
  void add_fatal(InputError e) {
    ++fatal_;
    add(std::move(e));
  }
  // Something the import did that the user must know of (a repaired polygon).
  void note(std::string text) { notes_.push_back(std::move(text)); }
  std::vector<std::string>& notes() { return notes_; }
  std::size_t count() const { return count_; }
  std::size_t fatal_count() const { return fatal_; }
  std::vector<InputError>& errors() { return errors_; }

 private:
  std::size_t keep_;
  std::size_t count_ = 0;
  std::size_t fatal_ = 0;
  std::vector<InputError> errors_;
  std::vector<std::string> notes_;
};

// Limits on one grid feature (see ImportOptions).
struct GridLimits {
  std::size_t max_vertices = kDefaultMaxGridVertices;
  std::size_t max_property_depth = kDefaultMaxPropertyDepth;
  std::size_t max_attribute_bytes = kDefaultMaxAttributeBytes;
  std::size_t max_properties_bytes = kDefaultMaxPropertiesBytes;
  static GridLimits of(const ImportOptions& o) {
    return {o.max_grid_vertices, o.max_property_depth, o.max_attribute_bytes, o.max_properties_bytes};
  }
};

// How the CRS of one input file is chosen (docs/import.md, "CRS rules"): the
// CRS the file declares (.prj, GeoPackage SRS, GeoJSON `crs`) when it declares
// one, else the flag's. A declared CRS that differs from a flag the user gave is
// an error; gcj02/bd09 given for a file declared WGS84 is not (web-map
// coordinates are routinely labelled WGS84).
struct CrsChoice {
  std::string crs = "EPSG:4326";  // from --poles-crs / --grids-crs, else --crs
  bool given = false;             // the user chose it (not the default)
  std::string flag = "--crs";     // the flag that gave it, for messages
};
// The CRS a file was read in, for the area-of-use and extent checks.
struct CrsUsed {
  std::string name;       // as shown in messages
  bool declared = false;  // the file declared it
  std::optional<BBox> area;
};
// `declared` is what PROJ reads (EPSG code, WKT, URN; empty: nothing declared),
// `label` how it is shown. Fills `used`.
Result<geo::CrsTransform> choose_crs(const CrsChoice& choice, const std::string& declared, const std::string& label,
                                     const std::string& file, CrsUsed& used);

// Per-file options (ImportOptions).
struct PoleFileOptions {
  ColumnSpec columns;
  std::string encoding;  // CSV and DBF; "" = UTF-8 (or the Shapefile's .cpg)
  std::string layer;     // GeoPackage layer; "" = the only one
};
struct GridFileOptions {
  std::string id_field = "id";
  std::string name_field = "name";
  bool id_field_given = false;  // else OGR layers also try 网格编号, 编号, code, ...
  bool name_field_given = false;
  std::string encoding;
  std::string layer;
  bool repair = false;
};

// Checks a grid's geometry, or with options.repair fixes it (noting what was
// fixed in `errors`). Returns the reason the grid is refused.
std::optional<std::string> check_grid_geometry(GridRecord& grid, const GridFileOptions& options,
                                               bool report_orientation, const std::string& where, ErrorSink& errors);

using PoleSink = std::function<void(PoleRecord&&, std::size_t line)>;
using GridSink = std::function<void(GridRecord&&, std::size_t feature)>;
using AliasSink = std::function<void(AliasRecord&&, std::size_t line)>;
using PlaceSink = std::function<void(PlaceRecord&&, std::size_t line)>;
using Progress = std::function<void(std::size_t done)>;

void read_poles_csv(const std::string& path, const geo::CrsTransform& crs, ErrorSink& errors, const PoleSink& sink,
                    const Progress& progress = {}, const PoleFileOptions& options = {});
// `on_declared` is called when the file has a `crs` member (before its features,
// as GDAL writes it) and returns the transform to use from then on, or nullptr
// to stop the read (it reports why).
using DeclaredCrs = std::function<const geo::CrsTransform*(const std::string& declared)>;
void read_grids_geojson(const std::string& path, const geo::CrsTransform& crs, ErrorSink& errors,
                        const GridSink& sink, const Progress& progress = {}, const GridLimits& limits = {},
                        const GridFileOptions& options = {}, const DeclaredCrs& on_declared = {});
void read_aliases_csv(const std::string& path, ErrorSink& errors, const AliasSink& sink);
// places.csv: name,kind,lon,lat (lon, lat in `crs`) or name,kind,grid; a grid id
// is checked against the import's grids by the caller.
void read_places_csv(const std::string& path, const geo::CrsTransform& crs, ErrorSink& errors, const PlaceSink& sink);

// Reads all three files of an import, streaming each valid record to its sink
// (aliases only when sources.aliases is set). Duplicate numbers are left to the
// collector, which sees every number: see report_duplicates(). Fails only on an
// unknown CRS; everything else goes to `errors`.
// The grids are read first; `grids_done` (may be empty) is called once they
// are, before the poles are read.
Status read_files(const ImportSources& sources, const ImportOptions& options, ErrorSink& errors,
                  const PoleSink& poles, const GridSink& grids, const AliasSink& aliases, const PlaceSink& places = {},
                  const std::function<void()>& grids_done = {});

// Grids of the import that overlap each other (more than 0.01 m²): without
// allow_overlap each pair is an error (and, kept by skip_invalid, the later grid
// of the pair is dropped); with it they are listed in `allowed`.
void check_overlaps(std::vector<GridRecord>& grids, bool allow_overlap, const std::string& file, ErrorSink& errors,
                    std::vector<std::string>& allowed);
// The same in two steps, so that the search (the costly part) can run on
// another thread while the poles are read: pairs as indexes into `grids`.
std::vector<std::pair<std::size_t, std::string>> find_grid_overlaps(const std::vector<GridRecord>& grids);
void apply_grid_overlaps(std::vector<GridRecord>& grids, const std::vector<std::pair<std::size_t, std::string>>& found,
                         bool allow_overlap, const std::string& file, ErrorSink& errors, std::vector<std::string>& allowed);

// `order` lists pole indexes sorted by number, ties in file order. Reports every
// later occurrence of a number as an error naming the first one's line, and
// returns the indexes to keep, in number order.
std::vector<std::uint32_t> report_duplicates(const std::vector<std::uint32_t>& order,
                                             const std::function<std::string_view(std::uint32_t)>& number_of,
                                             const std::vector<std::uint32_t>& line_of, const std::string& file,
                                             ErrorSink& errors);

// Puts errors in file order: poles by line, grids by feature, then aliases.
void sort_errors(std::vector<InputError>& errors, const ImportSources& sources);

// The file name shown in messages (the path as given).
inline std::string shown(const std::string& path) { return path; }

// The errors of one line-based file: fail() rejects a row, fatal() ends the read.
struct LineErrors {
  ErrorSink& errors;
  const std::string& path;
  void fail(std::size_t line, std::string field, std::string reason) const {
    errors.add({shown(path), line, std::nullopt, std::move(field), std::move(reason)});
  }
  void fatal(std::size_t line, std::string field, std::string reason) const {
    errors.add_fatal({shown(path), line, std::nullopt, std::move(field), std::move(reason)});
  }
};

// 1529 -> "1,529", for counts in messages.
inline std::string with_commas(std::size_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace poleloc::io
