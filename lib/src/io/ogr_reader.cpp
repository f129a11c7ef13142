#include "io/ogr_reader.hpp"

#include "io/csv_reader.hpp"
#include "io/gdal_api.hpp"
#include "io/recode.hpp"

#include <poleloc/utf8.hpp>

#include <poleloc/number.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <type_traits>
#include <unordered_map>

namespace poleloc::io {
namespace {

// GDAL's own messages go nowhere while we read: failures are reported as values.
struct QuietErrors {
  QuietErrors() { gdal().CPLPushErrorHandler(gdal().CPLQuietErrorHandler); }
  ~QuietErrors() { gdal().CPLPopErrorHandler(); }
};

// GDAL 3.6's XLSX driver takes these as configuration options only, read when
// a sheet is first used: the first row is the header even when every cell is text.
struct XlsxHeaders {
  bool on;
  explicit XlsxHeaders(bool xlsx) : on(xlsx) {
    if (!on) return;
    gdal().CPLSetThreadLocalConfigOption("OGR_XLSX_HEADERS", "FORCE");
    gdal().CPLSetThreadLocalConfigOption("OGR_XLSX_FIELD_TYPES", "AUTO");
  }
  ~XlsxHeaders() {
    if (!on) return;
    gdal().CPLSetThreadLocalConfigOption("OGR_XLSX_HEADERS", nullptr);
    gdal().CPLSetThreadLocalConfigOption("OGR_XLSX_FIELD_TYPES", nullptr);
  }
};

struct DatasetCloser {
  GDALDatasetH h = nullptr;
  ~DatasetCloser() {
    if (h) gdal().GDALClose(h);
  }
};

struct FeatureDeleter {
  void operator()(OGRFeatureH f) const { gdal().OGR_F_Destroy(f); }
};

std::string last_gdal_error() {
  const char* m = gdal().CPLGetLastErrorMsg();
  return m && *m ? std::string(m) : std::string("GDAL cannot open it");
}

std::string listed(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) {
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s.empty() ? "none" : s;
}

GDALDatasetH open_dataset(const std::string& path, InputFormat format, const std::string& encoding,
                          std::string& why) {
  std::vector<const char*> drivers;
  if (format == InputFormat::kml || format == InputFormat::kmz) {
    drivers = {"LIBKML", "KML"};
  } else {
    drivers = {gdal_driver(format)};
  }
  drivers.push_back(nullptr);
  char** oo = nullptr;
  // UTF-8 (or nothing) leaves the choice to the .cpg / DBF language id.
  if (format == InputFormat::shapefile && !is_utf8_name(encoding)) {
    oo = gdal().CSLSetNameValue(oo, "ENCODING", encoding.c_str());
  }
  gdal().CPLErrorReset();
  GDALDatasetH ds = gdal().GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers.data(), oo, nullptr);
  gdal().CSLDestroy(oo);
  if (!ds) why = std::string("cannot be read as ") + format_name(format) + ": " + last_gdal_error();
  return ds;
}

bool is_polygonal(OGRwkbGeometryType t) {
  const OGRwkbGeometryType f = gdal().OGR_GT_Flatten(t);
  return f == wkbPolygon || f == wkbMultiPolygon || f == wkbCurvePolygon || f == wkbMultiSurface;
}

OGRLayerH choose_layer(GDALDatasetH ds, const std::string& name, bool want_polygons, const char* flag,
                       std::string& why) {
  const int n = gdal().GDALDatasetGetLayerCount(ds);
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back(gdal().OGR_L_GetName(gdal().GDALDatasetGetLayer(ds, i)));
  if (!name.empty()) {
    OGRLayerH l = gdal().GDALDatasetGetLayerByName(ds, name.c_str());
    if (!l) why = "has no layer '" + name + "'; its layers are: " + listed(names);
    return l;
  }
  if (n == 1) return gdal().GDALDatasetGetLayer(ds, 0);
  if (n == 0) {
    why = "holds no layer";
    return nullptr;
  }
  std::vector<OGRLayerH> fitting;
  for (int i = 0; i < n; ++i) {
    OGRLayerH l = gdal().GDALDatasetGetLayer(ds, i);
    const OGRwkbGeometryType t = gdal().OGR_L_GetGeomType(l);
    if (want_polygons ? is_polygonal(t) : gdal().OGR_GT_Flatten(t) == wkbPoint) fitting.push_back(l);
  }
  if (fitting.size() == 1) return fitting[0];
  why = "holds " + std::to_string(n) + " layers (" + listed(names) + "); choose one with " + flag;
  return nullptr;
}

// The CRS a layer declares: "EPSG:4490" when PROJ's database knows it, else its WKT.
void declared_crs(OGRLayerH layer, std::string& declared, std::string& label) {
  OGRSpatialReferenceH srs = gdal().OGR_L_GetSpatialRef(layer);
  if (!srs) return;
  const char* auth = gdal().OSRGetAuthorityName(srs, nullptr);
  const char* code = gdal().OSRGetAuthorityCode(srs, nullptr);
  if (auth && code) {
    declared = label = std::string(auth) + ":" + code;
    return;
  }
  // An ESRI .prj carries no code: find the registered CRS it is.
  int count = 0;
  int* confidence = nullptr;
  OGRSpatialReferenceH* matches = gdal().OSRFindMatches(srs, nullptr, &count, &confidence);
  if (matches && count > 0 && confidence && confidence[0] >= 70) {
    const char* a = gdal().OSRGetAuthorityName(matches[0], nullptr);
    const char* c = gdal().OSRGetAuthorityCode(matches[0], nullptr);
    if (a && c) declared = label = std::string(a) + ":" + c;
  }
  if (matches) gdal().OSRFreeSRSArray(matches);
  gdal().VSIFree(confidence);
  if (!declared.empty()) return;
  char* wkt = nullptr;
  const char* options[] = {"FORMAT=WKT2_2019", nullptr};
  if (gdal().OSRExportToWktEx(srs, &wkt, options) == OGRERR_NONE && wkt) declared = wkt;
  gdal().VSIFree(wkt);
  const char* name = gdal().OSRGetName(srs);
  label = name ? std::string(name) : "the file's CRS";
}

std::vector<std::string> field_names(OGRFeatureDefnH defn) {
  std::vector<std::string> names;
  const int n = gdal().OGR_FD_GetFieldCount(defn);
  for (int i = 0; i < n; ++i) names.push_back(gdal().OGR_Fld_GetNameRef(gdal().OGR_FD_GetFieldDefn(defn, i)));
  return names;
}

int find_field(const std::vector<std::string>& names, const std::string& wanted) {
  const std::string key = column_key(wanted);
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (column_key(names[i]) == key) return static_cast<int>(i);
  }
  return -1;
}

int find_any(const std::vector<std::string>& names, std::initializer_list<const char*> candidates) {
  for (const char* c : candidates) {
    if (int i = find_field(names, c); i >= 0) return i;
  }
  return -1;
}

std::string field_text(OGRFeatureH f, int i) {
  const char* s = gdal().OGR_F_GetFieldAsString(f, i);
  return s ? std::string(s) : std::string();
}

// A field's value with the type of its field: integer fields (32 and 64 bit)
// as integers, those of the boolean subtype as booleans, real fields as reals;
// dates, times and text as text. `text` is the field as GDAL prints it.
Attribute typed_field(OGRFeatureH f, int i, const std::string& name, std::string text) {
  OGRFieldDefnH defn = gdal().OGR_F_GetFieldDefnRef(f, i);
  switch (defn ? gdal().OGR_Fld_GetType(defn) : OFTString) {
    case OFTInteger:
      if (gdal().OGR_Fld_GetSubType(defn) == OFSTBoolean) return Attribute::boolean(name, gdal().OGR_F_GetFieldAsInteger(f, i) != 0);
      return Attribute::integer(name, gdal().OGR_F_GetFieldAsInteger64(f, i));
    case OFTInteger64:
      return Attribute::integer(name, gdal().OGR_F_GetFieldAsInteger64(f, i));
    case OFTReal: {
      const double v = gdal().OGR_F_GetFieldAsDouble(f, i);
      if (std::isfinite(v)) return Attribute::real(name, v);
      break;
    }
    default:
      break;
  }
  return Attribute{name, std::move(text)};
}

// Text that is not UTF-8 after GDAL's decoding: the file's encoding was not what its .cpg says (or it has none).
bool bad_text(const std::string& s) { return invalid_utf8_offset(s) != std::string_view::npos; }
const char* kEncodingHint = "is not valid UTF-8: name the file's encoding with --encoding (e.g. GBK)";

bool in_range(LonLat p) {
  return std::isfinite(p.lon) && std::isfinite(p.lat) && p.lon >= -180 && p.lon <= 180 && p.lat >= -90 && p.lat <= 90;
}

std::string pair_text(double x, double y) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "(%.10g, %.10g)", x, y);
  return buf;
}

}  // namespace

void read_grids_ogr(const std::string& path, InputFormat format, const CrsChoice& choice, ErrorSink& errors,
                    const GridSink& sink, const Progress& progress, const GridLimits& limits,
                    const GridFileOptions& options, CrsUsed& used) {
  auto fatal = [&](std::string reason, std::string field = "") {
    errors.add_fatal({shown(path), 0, std::nullopt, std::move(field), std::move(reason)});
  };
  if (std::string why; !load_gdal(why)) return fatal(std::string("cannot be read as ") + format_name(format) + ": " + why);
  QuietErrors quiet;
  auto fail = [&](std::size_t feature, std::string field, std::string reason) {
    errors.add({shown(path), 0, feature, std::move(field), std::move(reason)});
  };
  std::string why;
  DatasetCloser ds{open_dataset(path, format, options.encoding, why)};
  if (!ds.h) return fatal(why);
  OGRLayerH layer = choose_layer(ds.h, options.layer, true, "--layer", why);
  if (!layer) return fatal(why);
  std::string declared, label;
  declared_crs(layer, declared, label);
  auto crs = choose_crs(choice, declared, label, shown(path), used);
  if (!crs) return fatal(crs.status().message());

  const std::vector<std::string> names = field_names(gdal().OGR_L_GetLayerDefn(layer));
  const int id_col = options.id_field_given ? find_field(names, options.id_field)
                                            : find_any(names, {"id", "grid_id", "gridid", "网格编号", "网格id", "编号", "code"});
  if (id_col < 0) {
    return fatal(options.id_field_given
                     ? "--id-field names '" + options.id_field + "', but the layer has no such field (it has: " +
                           listed(names) + ")"
                     : "no id field (id, grid_id, 网格编号, 编号 or code); name it with --id-field (the layer has: " +
                           listed(names) + ")",
                 options.id_field);
  }
  // The name: the --name-field, else the first of the usual fields that holds
  // a value in the feature (KML has an empty Name beside the real one).
  std::vector<int> name_cols;
  if (options.name_field_given) {
    name_cols.push_back(find_field(names, options.name_field));
    if (name_cols[0] < 0) {
      return fatal("--name-field names '" + options.name_field + "', but the layer has no such field (it has: " +
                       listed(names) + ")",
                   options.name_field);
    }
  } else {
    for (const char* c : {"name", "grid_name", "网格名称", "名称", "名字"}) {
      if (int i = find_field(names, c); i >= 0) name_cols.push_back(i);
    }
  }
  // LIBKML's display settings are not attributes of a grid.
  std::vector<char> skip(names.size(), 0);
  if (format == InputFormat::kml || format == InputFormat::kmz) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      for (const char* k : {"tessellate", "extrude", "visibility", "drawOrder", "icon", "altitudeMode", "begin", "end",
                            "timestamp", "snippet"}) {
        if (names[i] == k) skip[i] = 1;
      }
    }
  }
  std::unordered_map<std::string, std::size_t> first_of;
  std::size_t index = 0;
  gdal().OGR_L_ResetReading(layer);
  for (;; ++index) {
    OGRFeatureH raw = gdal().OGR_L_GetNextFeature(layer);
    if (!raw) break;
    std::unique_ptr<std::remove_pointer_t<OGRFeatureH>, FeatureDeleter> f(raw);
    if (progress && (index + 1) % 1024 == 0) progress(index + 1);
    GridRecord grid;
    grid.id = gdal().OGR_F_IsFieldSetAndNotNull(f.get(), id_col) ? field_text(f.get(), id_col) : std::string();
    while (!grid.id.empty() && grid.id.back() == ' ') grid.id.pop_back();
    if (grid.id.empty()) {
      fail(index, names[id_col], names[id_col] + " is empty; every grid needs an id");
      continue;
    }
    if (bad_text(grid.id)) {
      fail(index, names[id_col], std::string("the id ") + kEncodingHint);
      continue;
    }
    if (grid.id.size() > 256) {
      fail(index, names[id_col], names[id_col] + " is longer than 256 bytes");
      continue;
    }
    if (auto it = first_of.find(grid.id); it != first_of.end()) {
      fail(index, names[id_col], "duplicate grid id '" + grid.id + "' (first in feature " + std::to_string(it->second) + ")");
      continue;
    }
    int name_col = -1;
    for (int c : name_cols) {
      if (gdal().OGR_F_IsFieldSetAndNotNull(f.get(), c) && !field_text(f.get(), c).empty()) {
        name_col = c;
        break;
      }
    }
    bool refused = false;
    for (int i = 0; i < static_cast<int>(names.size()) && !refused; ++i) {
      if (i == id_col || skip[static_cast<std::size_t>(i)] || !gdal().OGR_F_IsFieldSetAndNotNull(f.get(), i)) continue;
      std::string text = field_text(f.get(), i);
      if (bad_text(text) || bad_text(names[i])) {
        fail(index, "", "grid '" + grid.id + "': a field " + kEncodingHint);
        refused = true;
      } else if (text.size() > limits.max_attribute_bytes) {
        fail(index, names[i], "grid '" + grid.id + "': the value has " + with_commas(text.size()) +
                                  " bytes; the limit is " + with_commas(limits.max_attribute_bytes) + " bytes per attribute");
        refused = true;
      } else if (i == name_col) {
        grid.name = std::move(text);
      } else {
        grid.attributes.push_back(typed_field(f.get(), i, names[i], std::move(text)));
      }
    }
    if (refused) continue;
    OGRGeometryH g = gdal().OGR_F_GetGeometryRef(f.get());
    if (!g || gdal().OGR_G_IsEmpty(g)) {
      fail(index, "geometry", "grid '" + grid.id + "': no geometry; expected a Polygon or MultiPolygon");
      continue;
    }
    if (!is_polygonal(gdal().OGR_G_GetGeometryType(g))) {
      fail(index, "geometry", "grid '" + grid.id + "': wrong geometry type '" + gdal().OGR_G_GetGeometryName(g) +
                                  "'; expected Polygon or MultiPolygon");
      continue;
    }
    OGRGeometryH mp = gdal().OGR_G_ForceToMultiPolygon(gdal().OGR_G_Clone(g));
    std::size_t vertices = 0;
    std::string problem;
    for (int p = 0; p < gdal().OGR_G_GetGeometryCount(mp) && problem.empty(); ++p) {
      OGRGeometryH poly = gdal().OGR_G_GetGeometryRef(mp, p);
      Polygon out;
      for (int r = 0; r < gdal().OGR_G_GetGeometryCount(poly) && problem.empty(); ++r) {
        OGRGeometryH ring = gdal().OGR_G_GetGeometryRef(poly, r);
        const int n = gdal().OGR_G_GetPointCount(ring);
        vertices += static_cast<std::size_t>(n);
        if (vertices > limits.max_vertices) {
          problem = "more than " + with_commas(limits.max_vertices) + " vertices; the limit per grid is " +
                    with_commas(limits.max_vertices) + " (--max-vertices)";
          break;
        }
        Ring pts;
        pts.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
          const double x = gdal().OGR_G_GetX(ring, i), y = gdal().OGR_G_GetY(ring, i);
          const LonLat q = crs->to_wgs84({x, y});
          if (!in_range(q)) {
            problem = "ring " + std::to_string(r) + " position " + std::to_string(i) + " " + pair_text(x, y) +
                      " is out of range for lon/lat" + (crs->is_identity() ? "" : " after conversion from " + used.name);
            break;
          }
          pts.push_back(q);
        }
        out.rings.push_back(std::move(pts));
      }
      grid.geometry.push_back(std::move(out));
    }
    gdal().OGR_G_DestroyGeometry(mp);
    if (!problem.empty()) {
      fail(index, "geometry", "grid '" + grid.id + "': " + problem);
      continue;
    }
    if (auto bad = check_grid_geometry(grid, options, false, shown(path) + ": feature " + std::to_string(index), errors)) {
      fail(index, "geometry", "grid '" + grid.id + "': " + *bad);
      continue;
    }
    first_of.emplace(grid.id, index);
    sink(std::move(grid), index);
  }
}

void read_poles_ogr(const std::string& path, InputFormat format, const CrsChoice& choice, ErrorSink& errors,
                    const PoleSink& sink, const Progress& progress, const PoleFileOptions& options, CrsUsed& used) {
  const LineErrors report{errors, path};
  if (std::string why; !load_gdal(why)) {
    return report.fatal(0, "", std::string("cannot be read as ") + format_name(format) + ": " + why);
  }
  QuietErrors quiet;
  XlsxHeaders headers(format == InputFormat::xlsx);
  std::string why;
  DatasetCloser ds{open_dataset(path, format, options.encoding, why)};
  if (!ds.h) return report.fatal(0, "", why);
  OGRLayerH layer = choose_layer(ds.h, options.layer, false, "--poles-layer", why);
  if (!layer) return report.fatal(0, "", why);
  std::string declared, label;
  declared_crs(layer, declared, label);
  auto crs = choose_crs(choice, declared, label, shown(path), used);
  if (!crs) return report.fatal(0, "", crs.status().message());

  const std::vector<std::string> names = field_names(gdal().OGR_L_GetLayerDefn(layer));
  const bool has_points = gdal().OGR_GT_Flatten(gdal().OGR_L_GetGeomType(layer)) == wkbPoint;
  PoleColumns cols;
  if (auto bad = find_pole_columns(names, options.columns, cols, has_points)) return report.fatal(1, "", *bad);
  // A point layer gives the position, unless --columns names lon/lat explicitly.
  const bool from_columns = cols.lon >= 0 && cols.lat >= 0 && (!has_points || !options.columns.lon.empty());
  // Messages count lines as a spreadsheet shows rows (header on row 1); other formats count features from 1.
  const std::size_t first_line = format == InputFormat::xlsx ? 2 : 1;

  std::size_t index = 0;
  gdal().OGR_L_ResetReading(layer);
  for (;; ++index) {
    OGRFeatureH raw = gdal().OGR_L_GetNextFeature(layer);
    if (!raw) break;
    std::unique_ptr<std::remove_pointer_t<OGRFeatureH>, FeatureDeleter> f(raw);
    const std::size_t line = first_line + index;
    if (progress && (index + 1) % 65536 == 0) progress(index + 1);
    const std::string number_text = gdal().OGR_F_IsFieldSetAndNotNull(f.get(), cols.number) ? field_text(f.get(), cols.number) : "";
    if (number_text.empty() && format == InputFormat::xlsx) {
      bool blank = true;  // spreadsheets end with empty rows
      for (int i = 0; i < static_cast<int>(names.size()) && blank; ++i) blank = !gdal().OGR_F_IsFieldSetAndNotNull(f.get(), i);
      if (blank) continue;
    }
    bool garbled = false;
    for (int i = 0; i < static_cast<int>(names.size()) && !garbled; ++i) {
      garbled = bad_text(names[i]) || (gdal().OGR_F_IsFieldSetAndNotNull(f.get(), i) && bad_text(field_text(f.get(), i)));
    }
    if (garbled) {
      report.fail(line, "", std::string("a field ") + kEncodingHint);
      continue;
    }
    auto number = canonical_number(number_text);
    if (!number) {
      report.fail(line, names[cols.number],
                  "bad number '" + number_text.substr(0, 64) +
                      "': a number is letters and digits (e.g. TJH0372 or TJH-0372), at most " +
                      std::to_string(kMaxNumberLength) + " characters");
      continue;
    }
    double x = 0, y = 0;
    if (from_columns) {
      bool ok = true;
      for (auto [col, out] : {std::pair{cols.lon, &x}, std::pair{cols.lat, &y}}) {
        const std::string text = gdal().OGR_F_IsFieldSetAndNotNull(f.get(), col) ? field_text(f.get(), col) : "";
        const ParsedNumber v = parse_double(text);
        if (v.problem) {
          report.fail(line, names[col], names[col] + " '" + text.substr(0, 64) + "' " + v.problem);
          ok = false;
          break;
        }
        *out = v.value;
      }
      if (!ok) continue;
    } else {
      OGRGeometryH g = gdal().OGR_F_GetGeometryRef(f.get());
      if (!g || gdal().OGR_G_IsEmpty(g)) {
        report.fail(line, "geometry", "pole " + *number + " has no point");
        continue;
      }
      x = gdal().OGR_G_GetX(g, 0);
      y = gdal().OGR_G_GetY(g, 0);
    }
    const LonLat p = crs->to_wgs84({x, y});
    if (!in_range(p)) {
      report.fail(line, "lon", "coordinates " + pair_text(x, y) + " are out of range for lon/lat" +
                                   (crs->is_identity() ? "" : " after conversion from " + used.name));
      continue;
    }
    PoleRecord pole{std::move(*number), p, {}};
    for (int i = 0; i < static_cast<int>(names.size()); ++i) {
      if (i == cols.number || (from_columns && (i == cols.lon || i == cols.lat))) continue;
      if (!gdal().OGR_F_IsFieldSetAndNotNull(f.get(), i)) continue;
      std::string text = field_text(f.get(), i);
      if (!text.empty()) pole.attributes.push_back(typed_field(f.get(), i, names[i], std::move(text)));
    }
    sink(std::move(pole), line);
  }
}

}  // namespace poleloc::io
