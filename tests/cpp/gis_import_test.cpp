// Data as GIS departments hand it over: files written at test time with GDAL's
// own API (Shapefile, GeoPackage, FlatGeobuf, KML, XLSX), CRSs per file,
// column names, encodings, repair, and the wrong-CRS and wrong-format checks.
#include "test_support.hpp"

#include <poleloc/geo.hpp>
#include <poleloc/import.hpp>
#include <poleloc/service.hpp>
#include <poleloc/snapshot.hpp>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_string.h>

#include <gtest/gtest.h>

#include <fstream>
#include <iconv.h>

using namespace poleloc;
using poleloc::fixtures::TempDir;

namespace {

// A square grid in WGS84 lon/lat.
struct Square {
  std::string id, name;
  double lon0, lat0, lon1, lat1;
};

// A polygon drawn as a ring of lon/lat points (first == last unless testing).
struct Shape {
  std::string id, name;
  std::vector<LonLat> ring;
};

Shape square(const Square& s) {
  return {s.id, s.name, {{s.lon0, s.lat0}, {s.lon1, s.lat0}, {s.lon1, s.lat1}, {s.lon0, s.lat1}, {s.lon0, s.lat0}}};
}

// Two grids side by side, split at lon 116.47, and a bow-tie east of them.
const Shape kWest = square({"G1", "团结湖一", 116.46, 39.92, 116.47, 39.93});
const Shape kEast = square({"G2", "团结湖二", 116.47, 39.92, 116.48, 39.93});
const Shape kBowTie{"G3", "蝴蝶", {{116.48, 39.92}, {116.49, 39.93}, {116.49, 39.92}, {116.48, 39.93}, {116.48, 39.92}}};

// Writes `shapes` with OGR: driver, EPSG code (0: none), layer options; x, y
// converted from WGS84 to the EPSG CRS by OGR itself.
void write_layer(const std::string& path, const char* driver, int epsg, const std::vector<Shape>& shapes,
                 std::vector<const char*> layer_options = {}, const char* layer_name = "grids") {
  GDALAllRegister();
  GDALDriverH d = GDALGetDriverByName(driver);
  ASSERT_NE(d, nullptr) << driver;
  GDALDatasetH ds = GDALCreate(d, path.c_str(), 0, 0, 0, GDT_Unknown, nullptr);
  ASSERT_NE(ds, nullptr) << CPLGetLastErrorMsg();
  OGRSpatialReferenceH srs = nullptr, wgs = nullptr;
  OGRCoordinateTransformationH to = nullptr;
  if (epsg) {
    srs = OSRNewSpatialReference(nullptr);
    OSRImportFromEPSG(srs, epsg);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    wgs = OSRNewSpatialReference(nullptr);
    OSRImportFromEPSG(wgs, 4326);
    OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
    to = OCTNewCoordinateTransformation(wgs, srs);
  }
  layer_options.push_back(nullptr);
  OGRLayerH layer = GDALDatasetCreateLayer(ds, layer_name, srs, wkbPolygon, const_cast<char**>(layer_options.data()));
  ASSERT_NE(layer, nullptr) << CPLGetLastErrorMsg();
  OGRFieldDefnH id = OGR_Fld_Create("网格编号", OFTString);
  OGRFieldDefnH name = OGR_Fld_Create("网格名称", OFTString);
  OGRFieldDefnH people = OGR_Fld_Create("人数", OFTInteger);
  OGR_L_CreateField(layer, id, TRUE);
  OGR_L_CreateField(layer, name, TRUE);
  OGR_L_CreateField(layer, people, TRUE);
  OGR_Fld_Destroy(id);
  OGR_Fld_Destroy(name);
  OGR_Fld_Destroy(people);
  for (const Shape& s : shapes) {
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(layer));
    // By name: the KML writer puts fields of its own (Name, Description) first.
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "网格编号"), s.id.c_str());
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "网格名称"), s.name.c_str());
    OGR_F_SetFieldInteger(f, OGR_F_GetFieldIndex(f, "人数"), 12);
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    for (const LonLat& p : s.ring) {
      double x = p.lon, y = p.lat;
      if (to) OCTTransform(to, 1, &x, &y, nullptr);
      OGR_G_AddPoint_2D(ring, x, y);
    }
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    OGR_G_AddGeometryDirectly(poly, ring);
    OGR_F_SetGeometryDirectly(f, poly);
    EXPECT_EQ(OGR_L_CreateFeature(layer, f), OGRERR_NONE) << CPLGetLastErrorMsg();
    OGR_F_Destroy(f);
  }
  GDALClose(ds);
  if (to) OCTDestroyCoordinateTransformation(to);
  if (srs) OSRDestroySpatialReference(srs);
  if (wgs) OSRDestroySpatialReference(wgs);
}

// An XLSX pole register with Chinese headers.
void write_xlsx(const std::string& path, const std::vector<std::tuple<std::string, double, double>>& rows) {
  GDALAllRegister();
  GDALDatasetH ds = GDALCreate(GDALGetDriverByName("XLSX"), path.c_str(), 0, 0, 0, GDT_Unknown, nullptr);
  ASSERT_NE(ds, nullptr);
  OGRLayerH layer = GDALDatasetCreateLayer(ds, "杆塔台账", nullptr, wkbNone, nullptr);
  for (auto [n, t] : {std::pair{"杆号", OFTString}, std::pair{"经度", OFTReal}, std::pair{"纬度", OFTReal},
                      std::pair{"高度", OFTReal}}) {
    OGRFieldDefnH fd = OGR_Fld_Create(n, t);
    OGR_L_CreateField(layer, fd, TRUE);
    OGR_Fld_Destroy(fd);
  }
  for (const auto& [number, lon, lat] : rows) {
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(layer));
    OGR_F_SetFieldString(f, 0, number.c_str());
    OGR_F_SetFieldDouble(f, 1, lon);
    OGR_F_SetFieldDouble(f, 2, lat);
    OGR_F_SetFieldDouble(f, 3, 12.5);
    OGR_L_CreateFeature(layer, f);
    OGR_F_Destroy(f);
  }
  GDALClose(ds);
}

std::string to_gbk(const std::string& utf8) {
  iconv_t cd = iconv_open("GBK", "UTF-8");
  std::string in = utf8, out(utf8.size() * 2 + 4, '\0');
  char* src = in.data();
  char* dst = out.data();
  std::size_t left = in.size(), room = out.size();
  iconv(cd, &src, &left, &dst, &room);
  iconv_close(cd);
  out.resize(out.size() - room);
  return out;
}

std::string all_errors(const ParsedInput& in) {
  std::string s;
  for (const InputError& e : in.errors) s += e.to_string() + "\n";
  return s;
}

const GridRecord* grid(const ParsedInput& in, const std::string& id) {
  for (const GridRecord& g : in.dataset.grids) {
    if (g.id == id) return &g;
  }
  return nullptr;
}

void expect_has(const std::string& text, std::initializer_list<const char*> parts) {
  for (const char* p : parts) EXPECT_NE(text.find(p), std::string::npos) << "'" << p << "' not in: " << text;
}

// The grid a pole of a fresh import lands in.
std::string grid_of(const std::string& db, const ImportSources& src, const ImportOptions& options,
                    const std::string& number) {
  auto svc = Service::open(db);
  EXPECT_TRUE(svc) << svc.status().message();
  auto report = (*svc)->import(src, options);
  EXPECT_TRUE(report) << report.status().message();
  if (!report) return "(import failed)";
  auto snap = (*svc)->snapshot();
  auto pole = snap->locate(number);
  if (!pole) return "(no pole)";
  auto g = pole->grid();
  return g ? std::string(g->id()) : "(no grid)";
}

}  // namespace

TEST(GisImport, GbkShapefileIn4490ReadsChineseNamesAndRefusesBowTieAndDuplicateId) {
  TempDir dir;
  const std::string shp = dir.file("grids.shp");
  Shape dup = square({"G1", "重复", 116.50, 39.92, 116.51, 39.93});
  write_layer(shp, "ESRI Shapefile", 4490, {kWest, kEast, kBowTie, dup}, {"ENCODING=GBK"});
  const std::string poles = dir.write("poles.csv", "number,lon,lat\nA1,116.465,39.925\n");
  auto r = read_input({poles, shp, ""}, {});
  ASSERT_TRUE(r) << r.status().message();
  const std::string errors = all_errors(*r);
  EXPECT_EQ(r->error_count, 2u) << errors;
  expect_has(errors, {"grids.shp: feature 2", "grid 'G3'", "Self-intersection at 116.485", "--repair",
                      "grids.shp: feature 3", "duplicate grid id 'G1' (first in feature 0)"});
  ASSERT_NE(grid(*r, "G1"), nullptr);
  EXPECT_EQ(grid(*r, "G1")->name, "团结湖一");  // decoded from GBK through the .cpg
  ASSERT_FALSE(grid(*r, "G1")->attributes.empty());
  EXPECT_EQ(grid(*r, "G1")->attributes[0], Attribute::integer("人数", 12));
}

TEST(GisImport, RepairTurnsTheBowTieIntoTwoTrianglesAndReportsWhereAndArea) {
  TempDir dir;
  const std::string shp = dir.file("grids.shp");
  write_layer(shp, "ESRI Shapefile", 4490, {kWest, kBowTie}, {"ENCODING=GBK"});
  const std::string poles = dir.write("poles.csv", "number,lon,lat\nA1,116.465,39.925\n");
  auto r = read_input({poles, shp, ""}, {.repair = true});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error_count, 0u) << all_errors(*r);
  ASSERT_EQ(r->repairs.size(), 1u);
  expect_has(r->repairs[0], {"grids.shp: feature 1", "grid 'G3'", "Self-intersection at 116.4850000 39.9250000",
                             "m² ->", "m²)"});
  const GridRecord* g = grid(*r, "G3");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->geometry.size(), 2u);  // both lobes kept
}

TEST(GisImport, ShapefileWithoutCpgReadsGbkWithEncodingFlag) {
  TempDir dir;
  const std::string shp = dir.file("grids.shp");
  write_layer(shp, "ESRI Shapefile", 4490, {kWest}, {"ENCODING=GBK"});
  std::filesystem::remove(dir.file("grids.cpg"));
  const std::string poles = dir.write("poles.csv", "number,lon,lat\nA1,116.465,39.925\n");
  auto r = read_input({poles, shp, ""}, {.encoding = "GBK"});
  ASSERT_TRUE(r);
  ASSERT_NE(grid(*r, "G1"), nullptr) << all_errors(*r);
  EXPECT_EQ(grid(*r, "G1")->name, "团结湖一");
}

TEST(GisImport, GeoPackageIn4548PutsPolesInTheRightGrids) {
  TempDir dir;
  const std::string gpkg = dir.file("grids.gpkg");
  write_layer(gpkg, "GPKG", 4548, {kWest, kEast}, {}, "zones");
  const std::string poles = dir.write("poles.csv", "number,lon,lat\nW1,116.469,39.925\nE1,116.471,39.925\n");
  EXPECT_EQ(grid_of(dir.file("db"), {poles, gpkg, ""}, {}, "W1"), "G1");
  auto svc = Service::open(dir.file("db"));
  ASSERT_TRUE(svc);
  auto pole = (*svc)->snapshot()->locate("E1");
  ASSERT_TRUE(pole && pole->grid());
  EXPECT_EQ(pole->grid()->id(), "G2");
}

TEST(GisImport, GeoPackageLayerIsChosenByName) {
  TempDir dir;
  const std::string gpkg = dir.file("grids.gpkg");
  write_layer(gpkg, "GPKG", 4548, {kWest}, {}, "zones");
  {
    GDALDatasetH ds = GDALOpenEx(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, nullptr, nullptr, nullptr);
    ASSERT_NE(ds, nullptr);
    GDALDatasetCreateLayer(ds, "other", nullptr, wkbPolygon, nullptr);
    GDALClose(ds);
  }
  const std::string poles = dir.write("poles.csv", "number,lon,lat\nW1,116.469,39.925\n");
  auto without = read_input({poles, gpkg, ""}, {});
  ASSERT_TRUE(without);
  expect_has(all_errors(*without), {"holds 2 layers (zones, other)", "--layer"});
  auto with = read_input({poles, gpkg, ""}, {.grids_layer = "zones"});
  ASSERT_TRUE(with);
  EXPECT_EQ(with->error_count, 0u) << all_errors(*with);
  EXPECT_EQ(with->dataset.grids.size(), 1u);
}

TEST(GisImport, Gcj02PolesBesideWgs84GridsLandInTheRightGrids) {
  TempDir dir;
  const std::string grids = dir.file("grids.geojson");
  write_layer(grids, "GeoJSON", 0, {kWest, kEast});
  // 100 m west of the boundary in WGS84; as GCJ-02 about 500 m further east.
  const LonLat truth{116.4688, 39.925};
  const LonLat mars = wgs84_to_gcj02(truth);
  char row[128];
  std::snprintf(row, sizeof row, "number,lon,lat\nW1,%.7f,%.7f\n", mars.lon, mars.lat);
  const std::string poles = dir.write("poles.csv", row);
  EXPECT_EQ(grid_of(dir.file("wrong"), {poles, grids, ""}, {}, "W1"), "G2");  // what happened before --poles-crs
  EXPECT_EQ(grid_of(dir.file("right"), {poles, grids, ""}, {.poles_crs = "gcj02"}, "W1"), "G1");
}

TEST(GisImport, Bd09PolesAreAcceptedToo) {
  TempDir dir;
  const std::string grids = dir.file("grids.geojson");
  write_layer(grids, "GeoJSON", 0, {kWest, kEast});
  const LonLat baidu = gcj02_to_bd09(wgs84_to_gcj02({116.4688, 39.925}));
  char row[128];
  std::snprintf(row, sizeof row, "number,lon,lat\nW1,%.7f,%.7f\n", baidu.lon, baidu.lat);
  const std::string poles = dir.write("poles.csv", row);
  EXPECT_EQ(grid_of(dir.file("db"), {poles, grids, ""}, {.poles_crs = "bd09"}, "W1"), "G1");
}

TEST(GisImport, XlsxRegisterWithChineseHeaders) {
  TempDir dir;
  const std::string xlsx = dir.file("poles.xlsx");
  write_xlsx(xlsx, {{"TJH-0001", 116.465, 39.925}, {"TJH-0002", 116.475, 39.925}});
  const std::string grids = dir.file("grids.geojson");
  write_layer(grids, "GeoJSON", 0, {kWest, kEast});
  auto r = read_input({xlsx, grids, ""}, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error_count, 0u) << all_errors(*r);
  ASSERT_EQ(r->dataset.poles.size(), 2u);
  EXPECT_EQ(r->dataset.poles[0].number, "TJH0001");
  EXPECT_NEAR(r->dataset.poles[0].position.lon, 116.465, 1e-9);
  ASSERT_EQ(r->dataset.poles[0].attributes.size(), 1u);
  EXPECT_EQ(r->dataset.poles[0].attributes[0].first, "高度");
  EXPECT_EQ(r->dataset.poles[0].attributes[0], Attribute::real("高度", 12.5));  // a real field stays a number
}

TEST(GisImport, FlatGeobufAndKmlGrids) {
  TempDir dir;
  const std::string poles = dir.write("poles.csv", "number,lon,lat\nA1,116.465,39.925\n");
  for (auto [file, driver] : {std::pair{"grids.fgb", "FlatGeobuf"}, std::pair{"grids.kml", "KML"}}) {
    const std::string path = dir.file(file);
    write_layer(path, driver, 0, {kWest, kEast});
    auto r = read_input({poles, path, ""}, {});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error_count, 0u) << file << ": " << all_errors(*r);
    ASSERT_NE(grid(*r, "G1"), nullptr) << file;
    EXPECT_EQ(grid(*r, "G1")->name, "团结湖一") << file;
    EXPECT_NE(grid(*r, "G2"), nullptr) << file;
  }
}

TEST(GisImport, GeoJsonCrsMemberIsUsed) {
  TempDir dir;
  const std::string grids = dir.file("grids.geojson");
  write_layer(grids, "GeoJSON", 4548, {kWest}, {"RFC7946=NO"});
  const std::string poles = dir.write("poles.csv", "number,lon,lat\nW1,116.469,39.925\n");
  auto r = read_input({poles, grids, ""}, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error_count, 0u) << all_errors(*r);
  ASSERT_NE(grid(*r, "G1"), nullptr);
  EXPECT_NEAR(grid(*r, "G1")->geometry[0].rings[0][0].lon, 116.46, 1e-7);
}

TEST(GisImport, DeclaredCrsThatDisagreesWithTheFlagIsAnError) {
  TempDir dir;
  const std::string gpkg = dir.file("grids.gpkg");
  write_layer(gpkg, "GPKG", 4548, {kWest});
  const std::string poles = dir.write("poles.csv", "number,lon,lat\nW1,116.469,39.925\n");
  auto r = read_input({poles, gpkg, ""}, {.grids_crs = "EPSG:4490"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->fatal_errors, 1u);
  expect_has(all_errors(*r), {"grids.gpkg", "declares its CRS as EPSG:4548", "--grids-crs says EPSG:4490"});
}

TEST(GisImport, LonLatReadAsGaussKruegerIsOutsideTheAreaOfUse) {
  TempDir dir;
  const std::string grids = dir.file("grids.geojson");
  write_layer(grids, "GeoJSON", 0, {kWest});
  const std::string poles = dir.write("poles.csv", "number,lon,lat\nW1,116.469,39.925\n");
  auto r = read_input({poles, grids, ""}, {.poles_crs = "EPSG:4548"});
  ASSERT_TRUE(r);
  EXPECT_GE(r->fatal_errors, 1u);
  expect_has(all_errors(*r), {"poles.csv", "outside the area of use of EPSG:4548", "probably in another CRS",
                              "--poles-crs"});
}

TEST(GisImport, PolesNowhereNearDeclaredGridsBlameThePolesFile) {
  TempDir dir;
  const std::string gpkg = dir.file("grids.gpkg");
  write_layer(gpkg, "GPKG", 4548, {kWest});
  // Shanghai: inside EPSG:4326's area, far from the Beijing grids.
  const std::string poles = dir.write("poles.csv", "number,lon,lat\nS1,121.47,31.23\n");
  auto r = read_input({poles, gpkg, ""}, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->fatal_errors, 1u);
  expect_has(all_errors(*r), {"lie nowhere near the grids", "the poles file", "poles.csv", "is probably in the wrong CRS"});
}

TEST(GisImport, UnknownFormatErrorNamesTheFormatsRead) {
  TempDir dir;
  const std::string poles = dir.write("poles.csv", "number,lon,lat\nW1,116.469,39.925\n");
  const std::string pdf = dir.write("grids.pdf", "%PDF-1.4 not a map");
  auto r = read_input({poles, pdf, ""}, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->fatal_errors, 1u);
  const std::string e = all_errors(*r);
  expect_has(e, {"grids.pdf", "GeoJSON", "Shapefile", "GeoPackage", "FlatGeobuf", "KML"});
  EXPECT_EQ(e.find("JSON parse error"), std::string::npos) << e;
  // The Shapefile's .dbf alone: name the .shp.
  write_layer(dir.file("g.shp"), "ESRI Shapefile", 4490, {kWest});
  auto dbf = read_input({poles, dir.file("g.dbf"), ""}, {});
  ASSERT_TRUE(dbf);
  expect_has(all_errors(*dbf), {"name the .shp file"});
}

TEST(GisImport, ChineseCsvHeadersAndGbkEncoding) {
  TempDir dir;
  const std::string grids = dir.file("grids.geojson");
  write_layer(grids, "GeoJSON", 0, {kWest});
  const std::string poles = dir.write("poles.csv", to_gbk("杆号,经度,纬度,类型\nTJH-0001,116.465,39.925,路灯\n"));
  auto plain = read_input({poles, grids, ""}, {});
  ASSERT_TRUE(plain);
  expect_has(all_errors(*plain), {"--encoding GBK"});
  auto r = read_input({poles, grids, ""}, {.encoding = "GBK"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error_count, 0u) << all_errors(*r);
  ASSERT_EQ(r->dataset.poles.size(), 1u);
  ASSERT_EQ(r->dataset.poles[0].attributes.size(), 1u);
  EXPECT_EQ(r->dataset.poles[0].attributes[0], (Attribute{"类型", "路灯"}));
}

TEST(GisImport, ColumnsFlagNamesTheColumns) {
  TempDir dir;
  const std::string grids = dir.file("grids.geojson");
  write_layer(grids, "GeoJSON", 0, {kWest});
  const std::string poles = dir.write("poles.csv", "资产号,东经,北纬\nTJH-0001,116.465,39.925\n");
  auto missing = read_input({poles, grids, ""}, {});
  ASSERT_TRUE(missing);
  expect_has(all_errors(*missing), {"missing column 'number'", "--columns", "资产号, 东经, 北纬"});
  auto r = read_input({poles, grids, ""}, {.columns = "number=资产号,lon=东经,lat=北纬"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error_count, 0u) << all_errors(*r);
  ASSERT_EQ(r->dataset.poles.size(), 1u);
  EXPECT_EQ(r->dataset.poles[0].position, (LonLat{116.465, 39.925}));
}

TEST(GisImport, IdAndNameFieldsAreChosenByFlag) {
  TempDir dir;
  const std::string shp = dir.file("grids.shp");
  write_layer(shp, "ESRI Shapefile", 4490, {kWest}, {"ENCODING=GBK"});  // DBF names: 10 bytes, enough in GBK
  const std::string poles = dir.write("poles.csv", "number,lon,lat\nA1,116.465,39.925\n");
  auto r = read_input({poles, shp, ""}, {.id_field = "网格名称", .name_field = "网格编号"});
  ASSERT_TRUE(r);
  ASSERT_NE(grid(*r, "团结湖一"), nullptr) << all_errors(*r);
  EXPECT_EQ(grid(*r, "团结湖一")->name, "G1");
  auto bad = read_input({poles, shp, ""}, {.id_field = "code"});
  ASSERT_TRUE(bad);
  expect_has(all_errors(*bad), {"--id-field names 'code'", "网格编号"});
}

TEST(GisImport, OverlappingGridsAreRefusedUnlessAllowed) {
  TempDir dir;
  const std::string grids = dir.file("grids.geojson");
  // G2 reaches 0.002 degrees into G1; G1 and G3 only share an edge.
  const Shape over = square({"G2", "二", 116.468, 39.92, 116.48, 39.93});
  const Shape touching = square({"G3", "三", 116.45, 39.92, 116.46, 39.93});
  write_layer(grids, "GeoJSON", 0, {kWest, over, touching});
  const std::string poles = dir.write("poles.csv", "number,lon,lat\nW1,116.465,39.925\n");
  auto refused = read_input({poles, grids, ""}, {});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->error_count, 1u) << all_errors(*refused);
  expect_has(all_errors(*refused), {"grid 'G1' overlaps grid 'G2' by", "m² near 116.46", "--allow-overlap"});
  auto allowed = read_input({poles, grids, ""}, {.allow_overlap = true});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->error_count, 0u) << all_errors(*allowed);
  ASSERT_EQ(allowed->overlaps.size(), 1u);
  EXPECT_EQ(allowed->dataset.grids.size(), 3u);
  // Through the service too: nothing stored without the flag.
  auto svc = Service::open(dir.file("db"));
  ASSERT_TRUE(svc);
  auto report = (*svc)->import({poles, grids, ""}, {});
  ASSERT_FALSE(report);
  EXPECT_NE(report.status().message().find("overlaps grid 'G2'"), std::string::npos) << report.status().message();
  auto ok = (*svc)->import({poles, grids, ""}, {.allow_overlap = true});
  ASSERT_TRUE(ok) << ok.status().message();
  EXPECT_EQ(ok->overlaps.size(), 1u);
}

// A GeoPackage grid layer with integer, 64-bit integer, real, boolean and date
// fields: numbers and booleans keep their type, a date stays text.
TEST(GisImport, GeoPackageFieldsKeepTheirTypes) {
  TempDir dir;
  const std::string gpkg = dir.file("grids.gpkg");
  {
    GDALAllRegister();
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GPKG"), gpkg.c_str(), 0, 0, 0, GDT_Unknown, nullptr);
    ASSERT_NE(ds, nullptr) << CPLGetLastErrorMsg();
    OGRSpatialReferenceH wgs = OSRNewSpatialReference(nullptr);
    OSRImportFromEPSG(wgs, 4326);
    OGRLayerH layer = GDALDatasetCreateLayer(ds, "grids", wgs, wkbPolygon, nullptr);
    ASSERT_NE(layer, nullptr) << CPLGetLastErrorMsg();
    auto field = [&](const char* name, OGRFieldType type, OGRFieldSubType sub = OFSTNone) {
      OGRFieldDefnH fd = OGR_Fld_Create(name, type);
      OGR_Fld_SetSubType(fd, sub);
      OGR_L_CreateField(layer, fd, TRUE);
      OGR_Fld_Destroy(fd);
    };
    field("id", OFTString);
    field("voltage_kv", OFTInteger);
    field("households", OFTInteger64);
    field("area_km2", OFTReal);
    field("lit", OFTInteger, OFSTBoolean);
    field("surveyed", OFTDate);
    field("code", OFTString);
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(layer));
    OGR_F_SetFieldString(f, 0, "G1");
    OGR_F_SetFieldInteger(f, 1, 10);
    OGR_F_SetFieldInteger64(f, 2, 5000000000LL);
    OGR_F_SetFieldDouble(f, 3, 0.1);
    OGR_F_SetFieldInteger(f, 4, 1);
    OGR_F_SetFieldDateTime(f, 5, 2026, 3, 1, 0, 0, 0, 0);
    OGR_F_SetFieldString(f, 6, "0372");
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    for (const LonLat& p : kWest.ring) OGR_G_AddPoint_2D(ring, p.lon, p.lat);
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    OGR_G_AddGeometryDirectly(poly, ring);
    OGR_F_SetGeometryDirectly(f, poly);
    ASSERT_EQ(OGR_L_CreateFeature(layer, f), OGRERR_NONE) << CPLGetLastErrorMsg();
    OGR_F_Destroy(f);
    OSRDestroySpatialReference(wgs);
    GDALClose(ds);
  }
  const std::string poles = dir.write("poles.csv", "number,lon,lat\nA1,116.465,39.925\n");
  auto r = read_input({poles, gpkg, ""}, {});
  ASSERT_TRUE(r) << r.status().message();
  ASSERT_EQ(r->error_count, 0u) << all_errors(*r);
  ASSERT_NE(grid(*r, "G1"), nullptr);
  EXPECT_EQ(grid(*r, "G1")->attributes,
            (Attributes{Attribute::integer("voltage_kv", 10), Attribute::integer("households", 5000000000LL),
                        Attribute::real("area_km2", 0.1), Attribute::boolean("lit", true),
                        Attribute{"surveyed", "2026/03/01"}, Attribute{"code", "0372"}}));
}
