"""What analysts need from the module around the queries: objects that pickle
(multiprocessing, Dask), star-imports that leave the built-ins alone,
vectorised GCJ-02 conversions, GeoPandas in and out with the CRS respected."""
from __future__ import annotations

import builtins
import multiprocessing
import pickle

import numpy as np
import pytest

import poleloc


@pytest.fixture(scope="module")
def sdb(db_path):
    with poleloc.open(db_path) as db:
        yield db


def test_a_pole_pickles_with_its_position_attributes_and_grid(sdb):
    pole = sdb.locate("TJH0372")
    back = pickle.loads(pickle.dumps(pole))
    assert type(back) is poleloc.Pole
    assert back.number == pole.number and back.position == pole.position
    assert back.attributes == pole.attributes
    assert back.grid is not None and pole.grid is not None
    assert back.grid.id == pole.grid.id and back.grid.name == pole.grid.name
    assert back.grid.geometry == pole.grid.geometry
    assert back.__geo_interface__["properties"] == pole.__geo_interface__["properties"]


def test_a_grid_pickles_with_its_geometry(sdb):
    grid = sdb.grids()[0]
    back = pickle.loads(pickle.dumps(grid))
    assert type(back) is poleloc.Grid
    assert (back.id, back.name, back.attributes, back.geometry, back.bbox) == \
        (grid.id, grid.name, grid.attributes, grid.geometry, grid.bbox)


def test_the_database_pickles_by_path_and_reopens_read_only(sdb, tmp_path):
    back = pickle.loads(pickle.dumps(sdb))
    assert isinstance(back, poleloc.Database)
    assert back.path == sdb.path and back.read_only
    assert back.locate("TJH0372").position == sdb.locate("TJH0372").position
    back.close()


def _grid_of_pole(args):
    db, pole = args
    return db.locate(pole.number).grid.id, pole.grid.id


def test_objects_cross_process_boundaries(sdb):
    pole = sdb.locate("TJH0372")
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.map(_grid_of_pole, [(sdb, pole)]) == [(pole.grid.id, pole.grid.id)]


def test_star_import_does_not_shadow_builtins():
    namespace: dict = {}
    exec("from poleloc import *", namespace)
    for name in ("open", "IOError"):
        assert namespace.get(name, getattr(builtins, name)) is getattr(builtins, name)
    assert "Database" in namespace and "NotFound" in namespace
    # They are still there under the package's name.
    assert poleloc.open is not builtins.open and issubclass(poleloc.IOError, poleloc.Error)


def test_gcj02_conversions_are_vectorised_and_match_the_scalar_ones():
    lons = np.array([[116.4712, 116.40], [121.47, 113.26]])
    lats = np.array([[39.9251, 39.90], [31.23, 23.13]])
    glon, glat = poleloc.wgs84_to_gcj02(lons, lats)
    assert glon.shape == lons.shape and glon.dtype == np.float64
    for i in np.ndindex(lons.shape):
        assert (glon[i], glat[i]) == poleloc.wgs84_to_gcj02(float(lons[i]), float(lats[i]))
    wlon, wlat = poleloc.gcj02_to_wgs84(glon, glat)
    assert np.allclose(wlon, lons, atol=1e-6) and np.allclose(wlat, lats, atol=1e-6)
    # Lists broadcast against a scalar; scalars still give a tuple.
    blon, blat = poleloc.wgs84_to_gcj02([116.4712, 116.40], 39.9251)
    assert blon.shape == (2,) and blat.shape == (2,)
    assert isinstance(poleloc.gcj02_to_wgs84(116.47, 39.92), tuple)


geopandas = pytest.importorskip("geopandas")


def test_a_geoseries_in_web_mercator_is_converted_not_read_as_degrees(sdb):
    pole = sdb.locate("TJH0372")
    points = geopandas.GeoSeries(geopandas.points_from_xy([pole.lon], [pole.lat]), crs="EPSG:4326")
    mercator = points.to_crs(3857)
    assert list(sdb.grid_ids_at(mercator)) == [pole.grid.id]
    assert list(sdb.grid_ids_at(points)) == [pole.grid.id]
    near = sdb.nearest_many(mercator, k=1)
    assert near.numbers[0, 0] == "TJH0372"
    # Without a CRS, projected metres are refused instead of answering None everywhere.
    with pytest.raises(poleloc.BadRequest, match="CRS"):
        sdb.grid_ids_at(geopandas.GeoSeries(geopandas.points_from_xy(mercator.x, mercator.y)))
    frame = geopandas.GeoDataFrame({"case": [1]}, geometry=mercator)
    assert list(sdb.grid_indexes_at(frame)) == [pole.grid.index]


def test_to_geopandas_of_poles_and_grids(sdb):
    grids = sdb.to_geopandas("grids")
    assert grids.crs.to_epsg() == 4326 and len(grids) == len(sdb.grids())
    assert set(grids["id"]) == {g.id for g in sdb.grids()}
    poles = sdb.to_geopandas("poles")
    assert len(poles) == sdb.stats()["poles"]
    row = poles[poles["number"] == "TJH0372"].iloc[0]
    pole = sdb.locate("TJH0372")
    assert (row.geometry.x, row.geometry.y) == pole.position and row["grid_id"] == pole.grid.id
    some = poleloc.to_geopandas([pole, sdb.locate("TJH0001") or pole])
    assert some.crs.to_epsg() == 4326 and some.iloc[0]["number"] == "TJH0372"
    assert some.iloc[0]["grid_id"] == pole.grid.id
