// places.csv: the places callers name (compounds, buildings, schools, markets,
// roads), each a point (name,kind,lon,lat) or a grid (name,kind,grid).
#include "io/csv_reader.hpp"
#include "io/readers.hpp"

#include <poleloc/geo.hpp>

#include <cmath>
#include <unordered_map>

namespace poleloc::io {

void read_places_csv(const std::string& path, const geo::CrsTransform& crs, ErrorSink& errors, const PlaceSink& sink) {
  const LineErrors report{errors, path};
  constexpr const char* kHeader = "the header must be name,kind,lon,lat or name,kind,grid";
  CsvReader csv;
  if (auto st = csv.open(path); !st) {
    report.fatal(0, "", st.message());
    return;
  }
  std::vector<std::string> row;
  if (!csv.next(row)) {
    report.fatal(csv.line() ? csv.line() : 1, "", csv.error().empty() ? std::string("file is empty; ") + kHeader : csv.error());
    return;
  }
  if (auto dup = duplicate_column(row)) {
    report.fatal(csv.line(), dup->name, dup->to_string());
    return;
  }
  int col_name = -1, col_kind = -1, col_lon = -1, col_lat = -1, col_grid = -1;
  for (std::size_t i = 0; i < row.size(); ++i) {
    const std::string key = column_key(row[i]);
    if (key == "name") col_name = static_cast<int>(i);
    else if (key == "kind") col_kind = static_cast<int>(i);
    else if (key == "lon") col_lon = static_cast<int>(i);
    else if (key == "lat") col_lat = static_cast<int>(i);
    else if (key == "grid") col_grid = static_cast<int>(i);
  }
  const bool by_point = col_lon >= 0 && col_lat >= 0;
  if (col_name < 0 || col_kind < 0 || (!by_point && col_grid < 0) || (col_lon >= 0) != (col_lat >= 0)) {
    report.fatal(1, "", kHeader);
    return;
  }
  const std::size_t columns = row.size();
  std::unordered_map<std::string, std::size_t> seen;  // name -> line
  while (csv.next(row)) {
    const std::size_t line = csv.line();
    if (!csv.error_in_row().empty()) {
      report.fail(line, "", csv.error_in_row());
      continue;
    }
    if (row.size() != columns) {
      report.fail(line, "", "row has " + std::to_string(row.size()) + " fields; the header has " + std::to_string(columns));
      continue;
    }
    PlaceRecord p;
    p.name = row[col_name];
    while (!p.name.empty() && p.name.back() == ' ') p.name.pop_back();
    while (!p.name.empty() && p.name.front() == ' ') p.name.erase(p.name.begin());
    if (p.name.empty()) {
      report.fail(line, "name", "name is empty");
      continue;
    }
    if (static_cast<unsigned char>(p.name[0]) < 0x20) {
      report.fail(line, "name", "name starts with a control character");
      continue;
    }
    p.kind = row[col_kind];
    const bool has_grid = col_grid >= 0 && !row[col_grid].empty();
    const bool has_point = by_point && !(row[col_lon].empty() && row[col_lat].empty());
    if (has_grid == has_point) {
      report.fail(line, has_grid ? "grid" : "lon", "give either lon,lat or grid for a place, not " +
                                                std::string(has_grid ? "both" : "neither"));
      continue;
    }
    if (has_grid) {
      p.grid = row[col_grid];
    } else {
      const ParsedNumber x = parse_double(row[col_lon]), y = parse_double(row[col_lat]);
      if (x.problem || y.problem) {
        report.fail(line, x.problem ? "lon" : "lat",
             std::string(x.problem ? "lon '" + row[col_lon] + "' " + x.problem : "lat '" + row[col_lat] + "' " + y.problem));
        continue;
      }
      const LonLat at = crs.to_wgs84({x.value, y.value});
      if (!is_valid_lonlat(at)) {
        report.fail(line, "lon", "coordinates " + row[col_lon] + "," + row[col_lat] + " are not a position on Earth" +
                              (crs.is_identity() ? "" : " after CRS conversion"));
        continue;
      }
      p.position = at;
    }
    auto [it, fresh] = seen.try_emplace(p.name, line);
    if (!fresh) {
      report.fail(line, "name", "place '" + p.name + "' is already on line " + std::to_string(it->second));
      continue;
    }
    sink(std::move(p), line);
  }
  if (!csv.error().empty()) report.fatal(csv.line(), "", csv.error());
}

}  // namespace poleloc::io
