"""Boundary-aware answers in Python (docs/boundary.md): Pole.boundary_distance_m,
Pole.neighbour_grids, Pole.boundary(boundary_m=) and Database.boundary(), checked
against pyproj's azimuthal equidistant projection centred on the point (exact
geodesic distances from its centre) and shapely, on the bundled sample."""
from __future__ import annotations

import math
import threading

import pytest
import shapely.geometry as sg
from pyproj import Transformer
from shapely.ops import transform

import poleloc


def grids_of(sample) -> dict:
    return {f["properties"]["id"]: sg.shape(f["geometry"]) for f in sample.grids["features"]}


def reference(lon: float, lat: float, grids: dict) -> tuple[str | None, dict[str, float]]:
    aeqd = Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84 +units=m",
                                always_xy=True)
    origin = sg.Point(0, 0)
    inside, distances = None, {}
    for gid, g in grids.items():
        local = transform(aeqd.transform, g)
        distances[gid] = local.boundary.distance(origin)
        if local.contains(origin):
            inside = gid
    return inside, distances


def close(got: float, want: float) -> bool:
    return abs(got - want) <= want * 0.005 + 0.01


@pytest.fixture(scope="module")
def near_poles(sample):
    """Poles with another grid's edge within 15 m (and not within 0.5 m of 15 m)."""
    utm = Transformer.from_crs("EPSG:4326", "EPSG:32650", always_xy=True)
    grids = {gid: transform(utm.transform, g) for gid, g in grids_of(sample).items()}
    out = []
    for row in sample.poles:
        p = sg.Point(*utm.transform(float(row["lon"]), float(row["lat"])))
        inside = next((gid for gid, g in grids.items() if g.contains(p)), None)
        near = [g.boundary.distance(p) for gid, g in grids.items() if gid != inside]
        near = [d for d in near if d <= 16]
        if near and all(abs(d - 15) > 0.5 for d in near):
            out.append(row["number"])
        if len(out) == 6:
            break
    assert len(out) >= 3
    return out


def test_pole_near_a_boundary_names_the_neighbour_grids(db, sample, near_poles):
    grids = grids_of(sample)
    for number in near_poles:
        pole = db.locate(number)
        inside, distances = reference(pole.lon, pole.lat, grids)
        assert (pole.grid.id if pole.grid else None) == inside
        want = sorted((d, gid) for gid, d in distances.items() if gid != inside and d <= 15)
        assert [n.grid.id for n in pole.neighbour_grids] == [gid for _, gid in want]
        for n, (d, _) in zip(pole.neighbour_grids, want):
            assert isinstance(n.grid, poleloc.Grid)
            assert close(n.distance_m, d)
        assert close(pole.boundary_distance_m, distances[inside])


def test_boundary_m_widens_the_neighbours(db, sample, near_poles):
    pole = db.locate(near_poles[0])
    assert pole.boundary(boundary_m=0).neighbour_grids == []
    wide = pole.boundary(boundary_m=400)
    inside, distances = reference(pole.lon, pole.lat, grids_of(sample))
    assert [n.grid.id for n in wide.neighbour_grids] == sorted(
        (gid for gid, d in distances.items() if gid != inside and d <= 400), key=distances.get)
    assert wide.inside and close(wide.boundary_distance_m, distances[inside])
    assert "NeighbourGrid(" in repr(wide) and "Boundary(inside=True" in repr(wide)


def test_point_deep_inside_has_no_neighbours(db, sample):
    gid, shape = next(iter(grids_of(sample).items()))
    c = shape.representative_point()
    b = db.boundary(c.x, c.y)
    inside, distances = reference(c.x, c.y, grids_of(sample))
    if distances[inside] > 20:
        assert b.neighbour_grids == []
    assert b.inside and close(b.boundary_distance_m, distances[inside])


def test_point_outside_every_grid_measures_to_the_nearest(db, sample):
    grids = grids_of(sample)
    west = min((x, y) for g in grids.values() for x, y in g.exterior.coords)
    lon, lat = west[0] - 10 / (111320 * math.cos(math.radians(west[1]))), west[1]
    b = db.boundary(lon, lat)
    inside, distances = reference(lon, lat, grids)
    assert inside is None and not b.inside
    assert close(b.boundary_distance_m, min(distances.values()))
    assert [n.grid.id for n in b.neighbour_grids] == [min(distances, key=distances.get)]
    assert db.boundary(0, 0) is None  # no grid within 10 km
    assert db.boundary(200, 0) is None  # not a point


@pytest.mark.parametrize("bad", [-1, 1000.5, float("nan"), float("inf")])
def test_bad_boundary_m_raises_bad_request_naming_it(db, near_poles, bad):
    with pytest.raises(poleloc.BadRequest, match="boundary_m"):
        db.locate(near_poles[0]).boundary(boundary_m=bad)
    with pytest.raises(poleloc.BadRequest, match="boundary_m"):
        db.boundary(116.47, 39.92, boundary_m=bad)


def test_grid_written_is_a_neighbour_at_once_and_gone_when_deleted(writable):
    lon, lat = 116.5205, 39.9705  # far from the sample's grids
    writable.put_pole("TJH8201", lon, lat)
    assert writable.locate("TJH8201").neighbour_grids == []
    edge = lon + 5 / (111320 * math.cos(math.radians(lat)))
    square = {"type": "Polygon", "coordinates": [[[edge, lat - 0.001], [edge + 0.002, lat - 0.001],
                                                  [edge + 0.002, lat + 0.001], [edge, lat + 0.001],
                                                  [edge, lat - 0.001]]]}
    writable.put_grid("T-BND-2", square, name="边界试验网格")
    pole = writable.locate("TJH8201")
    want = reference(lon, lat, {"T-BND-2": sg.shape(square)})[1]["T-BND-2"]
    assert [(n.grid.id, n.grid.name) for n in pole.neighbour_grids] == [("T-BND-2", "边界试验网格")]
    assert close(pole.neighbour_grids[0].distance_m, want)
    writable.delete_grid("T-BND-2")
    assert writable.locate("TJH8201").neighbour_grids == []


def test_boundary_from_many_threads_agrees(db, near_poles):
    poles = [db.locate(n) for n in near_poles]
    want = [[(n.grid.id, n.distance_m) for n in p.neighbour_grids] for p in poles]
    errors = []

    def work():
        for _ in range(50):
            got = [[(n.grid.id, n.distance_m) for n in p.neighbour_grids] for p in poles]
            if got != want:
                errors.append(got)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
