// input_format.hpp: which reader a file needs, decided in one place from its
// name and its first bytes.
//
//   auto f = io::detect_format("grids.shp", io::InputRole::grids);   // Result<InputFormat>
//   if (!f) fail(path, f.status().message());   // "is a part of a Shapefile; name the .shp file; grids are read from ..."
//   if (*f == InputFormat::geojson) read_grids_geojson(...); else read_grids_ogr(...);
//
// Poles: CSV (own streaming reader), Shapefile, GeoPackage, FlatGeobuf, XLSX (GDAL).
// Grids: GeoJSON (own streaming reader), Shapefile, GeoPackage, FlatGeobuf, KML,
// KMZ, Esri File Geodatabase (GDAL). The own readers stay for plain CSV and
// GeoJSON because they are faster than going through OGR (docs/import.md).
//
// Thread-safety: pure function (reads the file's first bytes).
#pragma once

#include <poleloc/status.hpp>

#include <string>

namespace poleloc::io {

enum class InputFormat { csv, geojson, shapefile, geopackage, flatgeobuf, kml, kmz, xlsx, filegdb };
enum class InputRole { poles, grids };

Result<InputFormat> detect_format(const std::string& path, InputRole role);

// "Shapefile", "GeoPackage", ...: for messages.
const char* format_name(InputFormat f);
// The GDAL driver that reads it ("ESRI Shapefile", "GPKG", ...); nullptr for the own readers.
const char* gdal_driver(InputFormat f);

}  // namespace poleloc::io
