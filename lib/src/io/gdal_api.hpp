// gdal_api.hpp: GDAL, loaded when a GIS file is first read, not when poleloc starts.
//
//   std::string why;
//   if (!io::load_gdal(why)) return fail("cannot read it: " + why);   // libgdal missing
//   GDALDatasetH ds = io::gdal().GDALOpenEx(path, ...);
//
// libgdal and the hundred libraries it needs take ~45 ms to map and relocate
// (measured: an empty program linked with RocksDB, GEOS and PROJ starts in
// 35 ms, 79 ms with GDAL too), which every `poleloc` command, every server
// start and every `import poleloc` paid, though only imports of Shapefile,
// GeoPackage, FlatGeobuf, KML, XLSX and File Geodatabase use it. So libpoleloc
// does not link GDAL: it compiles against GDAL's headers and dlopen()s the
// library it was built with (POLELOC_GDAL_SONAME, e.g. libgdal.so.32) on first
// use, taking the functions below from it. The Debian package depends on that
// library by name (cmake/packaging.cmake).
//
// Thread-safety: load_gdal() may be called from any thread; gdal() only after
// a load_gdal() that returned true.
#pragma once

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <string>

// Every GDAL function poleloc calls (CPLFree is a macro for VSIFree, wkbFlatten for
// OGR_GT_Flatten: both are named as the functions).
#define POLELOC_GDAL_FUNCTIONS(X)                                                                                  \
  X(GDALAllRegister) X(GDALOpenEx) X(GDALClose) X(GDALDatasetGetLayerCount) X(GDALDatasetGetLayer)                  \
  X(GDALDatasetGetLayerByName) X(CPLPushErrorHandler) X(CPLPopErrorHandler) X(CPLQuietErrorHandler)                \
  X(CPLGetLastErrorMsg) X(CPLErrorReset) X(CPLSetThreadLocalConfigOption) X(CSLSetNameValue) X(CSLDestroy)         \
  X(VSIFree) X(OGR_L_GetName) X(OGR_L_GetGeomType) X(OGR_L_GetSpatialRef) X(OGR_L_GetLayerDefn)                    \
  X(OGR_L_ResetReading) X(OGR_L_GetNextFeature) X(OGR_FD_GetFieldCount) X(OGR_FD_GetFieldDefn)                     \
  X(OGR_Fld_GetNameRef) X(OGR_Fld_GetType) X(OGR_Fld_GetSubType) X(OGR_F_Destroy) X(OGR_F_GetGeometryRef)         \
  X(OGR_F_IsFieldSetAndNotNull) X(OGR_F_GetFieldDefnRef) X(OGR_F_GetFieldAsString) X(OGR_F_GetFieldAsInteger)      \
  X(OGR_F_GetFieldAsDouble) X(OGR_G_IsEmpty) X(OGR_G_GetX) X(OGR_G_GetY) X(OGR_G_GetGeometryRef)                  \
  X(OGR_G_GetGeometryCount) X(OGR_G_GetPointCount) X(OGR_G_GetGeometryType) X(OGR_G_GetGeometryName)              \
  X(OGR_G_ForceToMultiPolygon) X(OGR_G_DestroyGeometry) X(OGR_G_Clone) X(OSRGetAuthorityName)                     \
  X(OSRGetAuthorityCode) X(OSRGetName) X(OSRFreeSRSArray) X(OSRFindMatches) X(OSRExportToWktEx)                  \
  X(OGR_F_GetFieldAsInteger64) X(OGR_GT_Flatten)

namespace poleloc::io {

struct GdalApi {
#define POLELOC_GDAL_MEMBER(name) decltype(&::name) name = nullptr;
  POLELOC_GDAL_FUNCTIONS(POLELOC_GDAL_MEMBER)
#undef POLELOC_GDAL_MEMBER
};

// Loads GDAL once per process and registers its drivers. False, with `why`
// naming the library and the loader's message, when it cannot be loaded.
bool load_gdal(std::string& why);

// The loaded functions (after load_gdal() returned true).
const GdalApi& gdal();

}  // namespace poleloc::io
