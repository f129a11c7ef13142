#include "io/pole_columns.hpp"

#include "io/csv_reader.hpp"

#include <array>

namespace poleloc::io {
namespace {

const std::array<std::vector<std::string>, 3> kDefaults = {{
    {"number", "杆号", "编号", "杆塔编号", "杆塔号", "pole_number", "pole_no", "no"},
    {"lon", "lng", "long", "longitude", "经度", "x", "easting", "东坐标"},
    {"lat", "latitude", "纬度", "y", "northing", "北坐标"},
}};
constexpr std::array<const char*, 3> kRoles = {"number", "lon", "lat"};

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

std::string listed(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) {
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s;
}

}  // namespace

Result<ColumnSpec> parse_column_spec(const std::string& text) {
  ColumnSpec spec;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    start = end + 1;
    if (trimmed(item).empty()) continue;
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos) {
      return Status(ErrorCode::bad_request,
                    "--columns: '" + item + "' is not ROLE=COLUMN; e.g. --columns number=杆号,lon=经度,lat=纬度");
    }
    const std::string role = column_key(trimmed(item.substr(0, eq)));
    const std::string column = trimmed(item.substr(eq + 1));
    if (column.empty()) return Status(ErrorCode::bad_request, "--columns: no column named for '" + role + "'");
    if (role == "number") spec.number = column;
    else if (role == "lon" || role == "x") spec.lon = column;
    else if (role == "lat" || role == "y") spec.lat = column;
    else {
      return Status(ErrorCode::bad_request,
                    "--columns: unknown role '" + role + "'; the roles are number, lon (or x) and lat (or y)");
    }
  }
  return spec;
}

std::optional<std::string> find_pole_columns(const std::vector<std::string>& header, const ColumnSpec& spec,
                                             PoleColumns& out, bool lon_lat_optional) {
  std::vector<std::string> keys;
  keys.reserve(header.size());
  for (const std::string& h : header) keys.push_back(column_key(trimmed(h)));
  const std::array<const std::string*, 3> given = {&spec.number, &spec.lon, &spec.lat};
  std::array<int*, 3> slots = {&out.number, &out.lon, &out.lat};
  for (std::size_t role = 0; role < 3; ++role) {
    *slots[role] = -1;
    if (!given[role]->empty()) {
      const std::string want = column_key(*given[role]);
      for (std::size_t i = 0; i < keys.size(); ++i) {
        if (keys[i] == want) {
          *slots[role] = static_cast<int>(i);
          break;
        }
      }
      if (*slots[role] < 0) {
        return "--columns names '" + *given[role] + "' for " + kRoles[role] + ", but the header has no such column (it has: " +
               listed(header) + ")";
      }
      continue;
    }
    for (const std::string& name : kDefaults[role]) {
      for (std::size_t i = 0; i < keys.size() && *slots[role] < 0; ++i) {
        if (keys[i] == name) *slots[role] = static_cast<int>(i);
      }
      if (*slots[role] >= 0) break;
    }
  }
  for (std::size_t role = 0; role < 3; ++role) {
    if (*slots[role] >= 0 || (role > 0 && lon_lat_optional)) continue;
    return std::string("missing column '") + kRoles[role] + "' in the header; required columns are number,lon,lat (also recognised: " +
           listed(kDefaults[role]) + "; or name it with --columns " + kRoles[role] + "=COLUMN). The header has: " +
           listed(header);
  }
  return std::nullopt;
}

}  // namespace poleloc::io
