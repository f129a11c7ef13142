// pole_columns.hpp: which columns of a pole register hold the number, lon and lat.
//
//   auto spec = io::parse_column_spec("number=杆号,lon=经度,lat=纬度");   // Result<ColumnSpec>
//   PoleColumns cols;
//   if (auto why = io::find_pole_columns(header, *spec, cols)) fail(*why);
//   use(row[cols.number], row[cols.lon], row[cols.lat]);
//
// Without a spec, these header names are recognised (ignoring case and
// surrounding spaces), the earlier in each list winning when a file has two:
//   number: number, 杆号, 编号, 杆塔编号, 杆塔号, pole_number, pole_no, no
//   lon:    lon, lng, long, longitude, 经度, x, easting, 东坐标
//   lat:    lat, latitude, 纬度, y, northing, 北坐标
// A spec names the column for a role outright; a role it leaves out is found
// by the defaults. lon/lat may be absent when the layer has point geometry
// (`lon_lat_optional`).
//
// Thread-safety: pure functions.
#pragma once

#include <poleloc/status.hpp>

#include <optional>
#include <string>
#include <vector>

namespace poleloc::io {

struct ColumnSpec {
  std::string number, lon, lat;  // header names; empty: use the defaults
};

struct PoleColumns {
  int number = -1, lon = -1, lat = -1;
};

// "number=杆号,lon=经度,lat=纬度" (roles number, lon, lat; any order; x and y are
// accepted for lon and lat).
Result<ColumnSpec> parse_column_spec(const std::string& text);

// Fills `out`; returns why not (a missing or unknown column, naming the
// header's columns and the accepted names).
std::optional<std::string> find_pole_columns(const std::vector<std::string>& header, const ColumnSpec& spec,
                                             PoleColumns& out, bool lon_lat_optional = false);

}  // namespace poleloc::io
