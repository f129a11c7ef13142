"""poleloc.build with the GIS options of issue 12: a GeoPackage written by
geopandas (GDAL) in EPSG:4548, GCJ-02 poles, overlap refusal and repair."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely.geometry as sg

import poleloc

WEST = sg.box(116.46, 39.92, 116.47, 39.93)
EAST = sg.box(116.47, 39.92, 116.48, 39.93)


def write_grids(path, shapes, crs=4326, driver=None):
    frame = gpd.GeoDataFrame({"网格编号": [s[0] for s in shapes], "网格名称": [s[1] for s in shapes]},
                             geometry=[s[2] for s in shapes], crs=4326).to_crs(crs)
    frame.to_file(path, driver=driver) if driver else frame.to_file(path)


def test_geopackage_in_gauss_krueger_and_gcj02_poles_land_in_the_right_grids(tmp_path):
    grids = tmp_path / "grids.gpkg"
    write_grids(grids, [("G1", "团结湖一", WEST), ("G2", "团结湖二", EAST)], crs=4548, driver="GPKG")
    mars = poleloc.wgs84_to_gcj02(116.4688, 39.925)  # 100 m west of the boundary, in GCJ-02
    poles = tmp_path / "poles.csv"
    poles.write_text("杆号,经度,纬度\nTJH-0001,%.7f,%.7f\n" % tuple(mars), encoding="utf-8")
    db = poleloc.build(tmp_path / "db", str(poles), str(grids), poles_crs="gcj02")
    assert db.snapshot().locate("TJH0001").grid.id == "G1"
    assert db.import_report.repairs == [] and db.import_report.overlaps == []


def test_overlapping_grids_need_allow_overlap_and_bow_ties_need_repair(tmp_path):
    grids = tmp_path / "grids.geojson"
    over = sg.box(116.468, 39.92, 116.48, 39.93)
    write_grids(grids, [("G1", "一", WEST), ("G2", "二", over)])
    poles = tmp_path / "poles.csv"
    poles.write_text("number,lon,lat\nA1,116.465,39.925\n", encoding="utf-8")
    with pytest.raises(poleloc.InvalidInput, match="grid 'G1' overlaps grid 'G2'"):
        poleloc.build(tmp_path / "db1", str(poles), str(grids))
    db = poleloc.build(tmp_path / "db2", str(poles), str(grids), allow_overlap=True)
    assert len(db.import_report.overlaps) == 1
    bow_tie = sg.Polygon([(116.48, 39.92), (116.49, 39.93), (116.49, 39.92), (116.48, 39.93)])
    grids2 = tmp_path / "bowtie.geojson"
    write_grids(grids2, [("G1", "一", WEST), ("G3", "蝴蝶", bow_tie)])
    with pytest.raises(poleloc.InvalidInput, match="Self-intersection"):
        poleloc.build(tmp_path / "db3", str(poles), str(grids2))
    db = poleloc.build(tmp_path / "db4", str(poles), str(grids2), repair=True)
    assert len(db.import_report.repairs) == 1 and "Self-intersection" in db.import_report.repairs[0]
