#include "io/csv_reader.hpp"
#include "io/readers.hpp"

#include <poleloc/geo.hpp>
#include <poleloc/number.hpp>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <optional>

namespace poleloc::io {
namespace {

std::string quoted(std::string_view s) {
  std::string out = "'";
  out.append(s.substr(0, 64));
  if (s.size() > 64) out += "…";
  return out + "'";
}

}  // namespace

void read_poles_csv(const std::string& path, const geo::CrsTransform& crs, ErrorSink& errors, const PoleSink& sink,
                    const Progress& progress, const PoleFileOptions& options) {
  const LineErrors report{errors, path};
  CsvReader csv;
  if (auto st = csv.open(path, options.encoding); !st) {
    report.fatal(0, "", st.message());
    return;
  }
  std::vector<std::string> row;
  if (!csv.next(row)) {
    report.fatal(csv.line() ? csv.line() : 1, "", csv.error().empty() ? "file is empty; expected a header row number,lon,lat"
                                                              : csv.error());
    return;
  }
  if (!csv.error_in_row().empty()) {
    report.fatal(csv.line(), "", csv.error_in_row());
    return;
  }
  std::vector<std::string> header = row;
  for (std::size_t i = 0; i < header.size(); ++i) {
    std::string& h = header[i];
    while (!h.empty() && h.back() == ' ') h.pop_back();
    while (!h.empty() && h.front() == ' ') h.erase(h.begin());
    // A column without a name (a spreadsheet's blank header cell) keeps its
    // values under its position, as GDAL names an XLSX sheet's: two such
    // columns would otherwise be one attribute name, and an export would keep
    // only one of their values.
    if (h.empty()) h = "Field" + std::to_string(i + 1);
  }
  if (auto dup = duplicate_column(header)) {
    report.fatal(csv.line(), dup->name, dup->to_string());
    return;
  }
  PoleColumns cols;
  if (auto why = find_pole_columns(header, options.columns, cols)) {
    const std::size_t q = why->find('\'');
    const std::string field = q == std::string::npos ? "" : why->substr(q + 1, why->find('\'', q + 1) - q - 1);
    report.fatal(csv.line(), field, *why);
    return;
  }
  const int col_number = cols.number, col_lon = cols.lon, col_lat = cols.lat;

  std::size_t rows = 0;
  while (csv.next(row)) {
    const std::size_t line = csv.line();
    if (progress && ++rows % 65536 == 0) progress(rows);
    if (!csv.error_in_row().empty()) {
      report.fail(line, "", csv.error_in_row());
      continue;
    }
    if (row.size() != header.size()) {
      report.fail(line, "", "row has " + std::to_string(row.size()) + " fields; the header has " +
                         std::to_string(header.size()));
      continue;
    }
    auto number = canonical_number(row[col_number]);
    if (!number) {
      report.fail(line, "number",
           "bad number " + quoted(row[col_number]) +
               ": a number is letters and digits (e.g. TJH0372 or TJH-0372), at most " +
               std::to_string(kMaxNumberLength) + " characters");
      continue;
    }
    const ParsedNumber x = parse_double(row[col_lon]);
    const ParsedNumber y = parse_double(row[col_lat]);
    if (x.problem) {
      report.fail(line, "lon", "lon " + quoted(row[col_lon]) + " " + x.problem);
      continue;
    }
    if (y.problem) {
      report.fail(line, "lat", "lat " + quoted(row[col_lat]) + " " + y.problem);
      continue;
    }
    const LonLat p = crs.to_wgs84({x.value, y.value});
    if (!std::isfinite(p.lon) || !std::isfinite(p.lat)) {
      report.fail(line, "lon", "coordinates " + row[col_lon] + "," + row[col_lat] + " cannot be converted to WGS84");
      continue;
    }
    if (p.lon < -180 || p.lon > 180) {
      report.fail(line, "lon", "lon " + std::to_string(p.lon) + " is out of range [-180, 180]" +
                            (crs.is_identity() ? "" : " after CRS conversion") +
                            (crs.is_identity() && std::fabs(p.lon) > 1000
                                 ? " (projected metres? name the file's CRS, e.g. --poles-crs EPSG:4548)"
                                 : ""));
      continue;
    }
    if (p.lat < -90 || p.lat > 90) {
      report.fail(line, "lat", "lat " + std::to_string(p.lat) + " is out of range [-90, 90]" +
                            (crs.is_identity() ? "" : " after CRS conversion") +
                            (std::fabs(p.lon) <= 90 && std::fabs(p.lat) <= 180 ? " (are lon and lat swapped?)" : ""));
      continue;
    }
    PoleRecord pole{std::move(*number), p, {}};
    pole.attributes.reserve(header.size() - 3);
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (static_cast<int>(i) == col_number || static_cast<int>(i) == col_lon || static_cast<int>(i) == col_lat) continue;
      if (row[i].empty()) continue;
      pole.attributes.emplace_back(header[i], std::move(row[i]));
    }
    sink(std::move(pole), line);
  }
  if (!csv.error().empty()) report.fatal(csv.line(), "", csv.error());
}

}  // namespace poleloc::io
