// ogr_reader.hpp: poles and grids from the files GIS departments hand over,
// read through GDAL/OGR: Shapefile, GeoPackage, FlatGeobuf, KML/KMZ, Esri File
// Geodatabase (grids) and Shapefile, GeoPackage, FlatGeobuf, XLSX (poles).
//
//   io::CrsUsed used;
//   io::read_grids_ogr("grids.shp", InputFormat::shapefile, {.crs = "EPSG:4490"}, errors,
//                      [&](GridRecord&& g, std::size_t feature) { ... }, {}, {}, {.encoding = "GBK"}, used);
//   io::read_poles_ogr("poles.xlsx", InputFormat::xlsx, {}, errors, sink, {}, {}, used);
//
// The layer's CRS (.prj, GeoPackage SRS; KML is always WGS84) is used when it
// has one, chosen against the flag by choose_crs(). Text fields come as UTF-8:
// a Shapefile's .cpg (or its DBF language id) says the encoding, and
// `encoding` (--encoding GBK) overrides both. Features are numbered from 0 in
// messages, as in GeoJSON. Attribute values keep their text as GDAL prints
// them (integers without a decimal point).
//
// Poles: a point geometry gives the position; a table without geometry (XLSX,
// a GeoPackage attribute table) needs number/lon/lat columns (pole_columns.hpp).
//
// Thread-safety: one read per thread; GDAL is registered once per process.
#pragma once

#include "io/input_format.hpp"
#include "io/readers.hpp"

#include <string>

namespace poleloc::io {

void read_poles_ogr(const std::string& path, InputFormat format, const CrsChoice& crs, ErrorSink& errors,
                    const PoleSink& sink, const Progress& progress, const PoleFileOptions& options, CrsUsed& used);

void read_grids_ogr(const std::string& path, InputFormat format, const CrsChoice& crs, ErrorSink& errors,
                    const GridSink& sink, const Progress& progress, const GridLimits& limits,
                    const GridFileOptions& options, CrsUsed& used);

}  // namespace poleloc::io
