"""Pole, Grid, NearbyPole and Candidate speak __geo_interface__: shapely and
GeoPandas take them as they are; repr is readable."""
from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely.geometry as sg

import poleloc


def test_shapely_shape_of_a_pole_is_its_point(db):
    pole = db.locate("TJH0372")
    point = sg.shape(pole)
    assert point.geom_type == "Point"
    assert (point.x, point.y) == pole.position


def test_shapely_shape_of_a_grid_contains_its_poles(db):
    grid = db.locate("TJH0372").grid
    shape = sg.shape(grid)
    assert shape.geom_type in ("Polygon", "MultiPolygon")
    assert shape.is_valid
    assert shape.bounds == pytest.approx(grid.bbox, abs=1e-12)
    for pole in db.poles_in_grid(grid.id):
        assert shape.contains(sg.shape(pole))


def test_shapely_takes_candidates_and_nearby_poles(db):
    hit = db.resolve("团结湖三七二")[0]
    near = db.nearest(*hit.pole.position, k=1)[0]
    assert sg.shape(hit).equals(sg.shape(hit.pole))
    assert sg.shape(near).equals(sg.shape(hit.pole))


def test_geodataframe_from_grids(db, sample):
    gdf = gpd.GeoDataFrame.from_features(db.grids(), crs="EPSG:4326")
    assert len(gdf) == len(sample.grids["features"])
    assert set(gdf.geometry.geom_type) <= {"Polygon", "MultiPolygon"}
    first = sample.grids["features"][0]["properties"]
    row = gdf.set_index("id").loc[first["id"]]
    assert row["name"] == first["name"]
    assert row["manager"] == first["manager"]


def test_geodataframe_from_poles_nearby_and_candidates(db):
    grid = db.grids()[0]
    poles = gpd.GeoDataFrame.from_features(db.poles_in_grid(grid.id))
    assert list(poles.columns[:4]) == ["geometry", "number", "grid_id", "grid_name"]
    assert set(poles["grid_id"]) == {grid.id}
    near = gpd.GeoDataFrame.from_features(db.nearest(116.4712, 39.9251, k=5))
    assert list(near["distance_m"]) == sorted(near["distance_m"])
    hits = gpd.GeoDataFrame.from_features(db.resolve("团结湖三七二", near=(116.4712, 39.9251)))
    assert hits.iloc[0]["number"] == "TJH0372" and hits.iloc[0]["match"] == "exact"
    assert {"score", "reason", "read_back", "distance_m", "far_from_caller"} <= set(hits.columns)


def test_feature_and_feature_collection_are_strict_geojson(db):
    pole = db.locate("TJH0372")
    f = pole.feature
    assert f["type"] == "Feature" and f["id"] == "TJH0372"
    assert f["geometry"] == {"type": "Point", "coordinates": pole.position}
    assert set(f) == {"type", "id", "geometry", "properties"}
    fc = json.loads(json.dumps(poleloc.feature_collection([pole, pole.grid])))
    assert fc["type"] == "FeatureCollection"
    assert [x["geometry"]["type"] for x in fc["features"]] == ["Point", pole.grid.geometry["type"]]
    assert gpd.GeoDataFrame.from_features(fc).iloc[1]["id"] == pole.grid.id


def test_pole_without_grid_has_null_grid_properties(writable):
    writable.put_pole("ZZ0001", 116.0, 39.0)
    pole = writable.locate("ZZ0001")
    assert pole.grid is None
    assert pole.__geo_interface__["properties"]["grid_id"] is None
    assert repr(pole) == "Pole('ZZ0001', lon=116.0000000, lat=39.0000000)"


def test_reprs_are_readable(db):
    pole = db.locate("TJH0372")
    assert repr(pole) == (f"Pole('TJH0372', lon={pole.lon:.7f}, lat={pole.lat:.7f}, grid='{pole.grid.id}')")
    assert repr(pole.grid).startswith(f"Grid('{pole.grid.id}', name='{pole.grid.name}', bbox=(")
    assert repr(db.nearest(*pole.position, k=1)[0]).startswith("NearbyPole(Pole('TJH0372'")
    assert repr(db.resolve("团结湖三七二")[0]).startswith("Candidate(Pole('TJH0372'")
    assert "poles" in repr(db) and "read-only" in repr(db)
    assert repr(db.snapshot()).startswith("Snapshot(poles=")


def test_equality_and_hash(db):
    a, b = db.locate("TJH0372"), db.locate("tjh-0372")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != db.locate("TJH0001")
    assert a.grid == db.grid(a.grid.id)
    assert a != "TJH0372"
