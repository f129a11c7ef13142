"""Attributes keep their types: a GeoJSON number comes back as an int or a float,
a boolean as a bool, a CSV cell as a str (docs/import.md, "Attribute types")."""
from __future__ import annotations

import json
import pickle

import poleloc

SQUARE = [[116.46, 39.92], [116.47, 39.92], [116.47, 39.93], [116.46, 39.93], [116.46, 39.92]]
FAR_SQUARE = [[116.5000, 39.9500], [116.5010, 39.9500], [116.5010, 39.9510], [116.5000, 39.9510], [116.5000, 39.9500]]


def typed_db(tmp_path):
    grids = tmp_path / "grids.geojson"
    grids.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": {"id": "G1", "name": "一", "voltage_kv": 10, "rated_kva": 0.1, "lit": True, "note": None},
        "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}]}), encoding="utf-8")
    poles = tmp_path / "poles.csv"
    poles.write_text("number,lon,lat,code\nTJH0001,116.465,39.925,0372\n", encoding="utf-8")
    return poleloc.build(tmp_path / "db", poles=poles, grids=grids)


def test_geojson_numbers_and_booleans_come_back_typed_and_csv_cells_as_text(tmp_path):
    db = typed_db(tmp_path)
    grid = db.grid("G1")
    assert grid.attributes == {"voltage_kv": 10, "rated_kva": 0.1, "lit": True}
    assert type(grid.attributes["voltage_kv"]) is int
    assert type(grid.attributes["rated_kva"]) is float
    assert type(grid.attributes["lit"]) is bool
    pole = db.locate("TJH0001")
    assert pole.attributes == {"code": "0372"}  # CSV has no types: never 372
    assert pole.grid.attributes["voltage_kv"] == 10
    db.close()


def test_put_pole_keeps_int_float_bool_and_drops_none(tmp_path):
    db = typed_db(tmp_path)
    db.put_pole("TJH0002", 116.466, 39.926, {"voltage_kv": 10, "height_m": 12.5, "lit": False, "kind": "路灯",
                                              "gone": None})
    pole = db.locate("TJH0002")
    assert pole.attributes == {"voltage_kv": 10, "height_m": 12.5, "lit": False, "kind": "路灯"}
    assert type(pole.attributes["voltage_kv"]) is int
    assert type(pole.attributes["lit"]) is bool
    # The geo interface and pickles keep them too.
    assert pole.__geo_interface__["properties"]["voltage_kv"] == 10
    again = pickle.loads(pickle.dumps(pole))
    assert again.attributes == pole.attributes
    assert type(again.attributes["height_m"]) is float
    # History records and the change feed.
    assert db.pole_history("TJH0002")[-1]["record"]["attributes"]["voltage_kv"] == 10
    db.close()


def test_a_geojson_feature_put_through_apply_keeps_number_properties(tmp_path):
    db = typed_db(tmp_path)
    db.apply([{"op": "put", "grid": {"type": "Feature", "properties": {"id": "FAR-1", "households": 120,
                                                                       "tags": ["a", "b"]},
                                     "geometry": {"type": "Polygon", "coordinates": [FAR_SQUARE]}}}])
    attributes = db.grid("FAR-1").attributes
    assert attributes["households"] == 120 and type(attributes["households"]) is int
    assert attributes["tags"] == '["a", "b"]'
    db.close()


def test_build_from_records_keeps_value_types(tmp_path):
    grids = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"id": "G1", "voltage_kv": 10, "lit": False},
        "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}]}
    poles = [{"number": "TJH0001", "lon": 116.465, "lat": 39.925, "height_m": 12.5, "count": 3, "code": "0372"}]
    with poleloc.build(tmp_path / "db", poles=poles, grids=grids) as db:
        assert db.locate("TJH0001").attributes == {"height_m": 12.5, "count": 3, "code": "0372"}
        assert type(db.locate("TJH0001").attributes["count"]) is int
        assert db.grid("G1").attributes == {"voltage_kv": 10, "lit": False}


def test_numpy_scalars_are_stored_as_their_python_values(tmp_path):
    np = __import__("numpy")
    db = typed_db(tmp_path)
    db.put_pole("TJH0003", 116.466, 39.926, {"n": np.int32(7), "x": np.float32(0.5), "b": np.bool_(True),
                                              "missing": float("nan")})
    attributes = db.locate("TJH0003").attributes
    assert attributes == {"n": 7, "x": 0.5, "b": True}
    assert type(attributes["n"]) is int and type(attributes["b"]) is bool
    db.close()
