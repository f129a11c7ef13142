#include "io/input_format.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace poleloc::io {
namespace {

std::string extension(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  return e;
}

const char* accepted(InputRole role) {
  return role == InputRole::poles
             ? "poles are read from CSV (.csv, UTF-8 or --encoding), Excel XLSX (.xlsx), Shapefile (.shp with its "
               ".dbf), GeoPackage (.gpkg, --poles-layer) and FlatGeobuf (.fgb)"
             : "grids are read from GeoJSON (.geojson), Shapefile (.shp with its .dbf, .prj and .cpg), GeoPackage "
               "(.gpkg, --layer), FlatGeobuf (.fgb), KML (.kml, .kmz) and Esri File Geodatabase (.gdb)";
}

Status refuse(const std::string& path, InputRole role, const std::string& what) {
  (void)path;  // the caller names the file
  return {ErrorCode::invalid_input, what + "; " + accepted(role)};
}

}  // namespace

const char* format_name(InputFormat f) {
  switch (f) {
    case InputFormat::csv: return "CSV";
    case InputFormat::geojson: return "GeoJSON";
    case InputFormat::shapefile: return "Shapefile";
    case InputFormat::geopackage: return "GeoPackage";
    case InputFormat::flatgeobuf: return "FlatGeobuf";
    case InputFormat::kml: return "KML";
    case InputFormat::kmz: return "KMZ";
    case InputFormat::xlsx: return "XLSX";
    case InputFormat::filegdb: return "File Geodatabase";
  }
  return "?";
}

const char* gdal_driver(InputFormat f) {
  switch (f) {
    case InputFormat::shapefile: return "ESRI Shapefile";
    case InputFormat::geopackage: return "GPKG";
    case InputFormat::flatgeobuf: return "FlatGeobuf";
    case InputFormat::kml: return "KML";
    case InputFormat::kmz: return "LIBKML";
    case InputFormat::xlsx: return "XLSX";
    case InputFormat::filegdb: return "OpenFileGDB";
    default: return nullptr;
  }
}

Result<InputFormat> detect_format(const std::string& path, InputRole role) {
  const std::string ext = extension(path);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    if (ext == ".gdb" && role == InputRole::grids) return InputFormat::filegdb;
    return refuse(path, role, "is a directory, not a file poleloc reads");
  }
  std::ifstream in(path, std::ios::binary);
  // A missing file is reported by the reader of the format its name says (the old messages).
  if (!in) return role == InputRole::poles ? InputFormat::csv : InputFormat::geojson;
  char head[512] = {};
  in.read(head, sizeof head);
  const std::size_t n = static_cast<std::size_t>(in.gcount());
  auto starts = [&](const char* magic, std::size_t len) { return n >= len && std::memcmp(head, magic, len) == 0; };

  std::optional<InputFormat> found;
  std::string what;  // the format found when it is not one read for this role
  if (starts("\x00\x00\x27\x0a", 4)) found = InputFormat::shapefile;
  else if (starts("SQLite format 3\0", 16)) found = InputFormat::geopackage;
  else if (starts("fgb\x03", 4)) found = InputFormat::flatgeobuf;
  else if (starts("PK\x03\x04", 4)) {
    if (ext == ".xlsx") found = InputFormat::xlsx;
    else if (ext == ".kmz") found = InputFormat::kmz;
    else what = "a ZIP archive (" + (ext.empty() ? std::string("no extension") : ext) + ")";
  } else if (starts("\xD0\xCF\x11\xE0", 4)) {
    what = "an old Excel .xls (or other OLE) file; save it as .xlsx or CSV";
  } else if (ext == ".dbf" || ext == ".shx" || ext == ".prj" || ext == ".cpg") {
    what = "a part of a Shapefile; name the .shp file";
  } else {
    // Text: skip a byte order mark and white space.
    std::size_t i = starts("\xEF\xBB\xBF", 3) ? 3 : 0;
    while (i < n && std::isspace(static_cast<unsigned char>(head[i]))) ++i;
    const std::string text(head + i, n - i);
    if (i < n && head[i] == '<') {
      if (text.find("<kml") != std::string::npos || ext == ".kml") found = InputFormat::kml;
      else what = "an XML file that is not KML";
    } else if (ext == ".geojson" || ext == ".json" || (i < n && (head[i] == '{' || head[i] == '['))) {
      found = InputFormat::geojson;
    } else if (role == InputRole::poles) {
      found = InputFormat::csv;  // any other text: the CSV reader says what is wrong with it
    } else if (n == 0) {
      found = InputFormat::geojson;  // "empty file" from the GeoJSON reader
    } else {
      what = "not GeoJSON and no other format poleloc reads (text starting with '" +
             text.substr(0, std::min<std::size_t>(text.size(), 20)) + "')";
    }
  }
  if (!found) {
    if (what.empty()) what = "a format poleloc does not read";
    return refuse(path, role, "is " + what);
  }
  const bool ok = role == InputRole::poles
                      ? (*found == InputFormat::csv || *found == InputFormat::shapefile ||
                         *found == InputFormat::geopackage || *found == InputFormat::flatgeobuf ||
                         *found == InputFormat::xlsx)
                      : (*found != InputFormat::csv && *found != InputFormat::xlsx);
  if (!ok) {
    return refuse(path, role, std::string("is ") + format_name(*found) + ", which is not read for " +
                                  (role == InputRole::poles ? "poles" : "grids"));
  }
  return *found;
}

}  // namespace poleloc::io
