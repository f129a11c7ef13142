"""Boundary-aware answers over HTTP (docs/boundary.md): every pole answer and the
grid-at answer carry boundary_distance_m and, when another grid's edge is within
boundary_m (default 15 m), neighbour_grids. Distances are checked against an
independent computation: pyproj's azimuthal equidistant projection centred on
the point (exact geodesic distances from its centre) and shapely."""
from __future__ import annotations

import csv
import json
import math
import urllib.parse

import pytest
import shapely.geometry as sg
from pyproj import Transformer
from shapely.ops import transform

from conftest import SAMPLE, TOKEN, start_server

AUTH = {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"}


def sample_features() -> list[dict]:
    with open(SAMPLE / "grids.geojson", encoding="utf-8") as f:
        return json.load(f)["features"]


def sample_poles() -> list[tuple[str, float, float]]:
    with open(SAMPLE / "poles.csv", encoding="utf-8") as f:
        return [(r["number"], float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f)]


GRIDS = {ft["properties"]["id"]: sg.shape(ft["geometry"]) for ft in sample_features()}
GRID_NAMES = {ft["properties"]["id"]: ft["properties"].get("name", "") for ft in sample_features()}
POLES = sample_poles()


def reference(lon: float, lat: float, grids=None) -> tuple[str | None, dict[str, float]]:
    """The grid containing the point and the distance (m) to every grid's edge."""
    grids = GRIDS if grids is None else grids
    aeqd = Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84 +units=m",
                                always_xy=True)
    origin = sg.Point(0, 0)
    distances, inside = {}, None
    for gid, g in grids.items():
        local = transform(aeqd.transform, g)
        distances[gid] = local.boundary.distance(origin)
        if local.contains(origin):
            inside = gid
    return inside, distances


def close(got: float, want: float) -> bool:
    return abs(got - want) <= want * 0.005 + 0.02  # 0.5 %, and the 1 cm rounding of the answer


def check_boundary(answer: dict, lon: float, lat: float, within: float = 15.0):
    inside, distances = reference(lon, lat)
    if "number" in answer:  # a pole: its grid, or null
        own = answer["grid"]["id"] if answer["grid"] else None
    else:  # a grid-at answer
        own = answer["id"]
    assert own == inside
    if inside:
        assert close(answer["boundary_distance_m"], distances[inside]), (answer["boundary_distance_m"], distances)
    else:
        assert close(answer["boundary_distance_m"], min(distances.values()))
    want = sorted((d, gid) for gid, d in distances.items() if gid != inside and d <= within)
    got = answer.get("neighbour_grids", [])
    assert "neighbour_grids" in answer or not want  # present exactly when not empty
    assert [n["id"] for n in got] == [gid for _, gid in want], (got, want)
    for n, (d, gid) in zip(got, want):
        assert close(n["distance_m"], d)
        assert n["name"] == GRID_NAMES[gid]


def poles_near_boundaries(count: int) -> list[tuple[str, float, float]]:
    """Poles with another grid's edge well within 15 m (not within 0.5 m of the threshold)."""
    out = []
    for number, lon, lat in POLES:
        inside, distances = reference_fast(lon, lat)
        near = [d for gid, d in distances.items() if gid != inside and d <= 16]
        if near and all(abs(d - 15) > 0.5 for d in near):
            out.append((number, lon, lat))
            if len(out) == count:
                break
    return out


# One projection for the search (UTM 50N: under 0.1 % off at these distances); the checks use reference().
_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32650", always_xy=True)
_UTM_GRIDS = {gid: transform(_UTM.transform, g) for gid, g in GRIDS.items()}


def reference_fast(lon, lat):
    p = sg.Point(*_UTM.transform(lon, lat))
    inside = next((gid for gid, g in _UTM_GRIDS.items() if g.contains(p)), None)
    return inside, {gid: g.boundary.distance(p) for gid, g in _UTM_GRIDS.items()}


NEAR = poles_near_boundaries(12)


def test_the_sample_has_poles_near_grid_boundaries():
    assert len(NEAR) >= 5  # else the tests below would prove little


@pytest.mark.parametrize("number,lon,lat", NEAR[:8] + [p for p in POLES[::300]])
def test_pole_answer_carries_boundary_distance_and_neighbours(read_only_server, number, lon, lat):
    a = read_only_server.get("/v1/poles/" + number)
    assert a.status == 200, a.body
    check_boundary(a.json(), lon, lat)


def test_neighbours_name_the_grid_and_come_nearest_first(read_only_server):
    number, lon, lat = NEAR[0]
    p = read_only_server.get("/v1/poles/" + number).json()
    assert p["neighbour_grids"]
    for n in p["neighbour_grids"]:
        assert set(n) == {"id", "name", "distance_m"} and n["name"] == GRID_NAMES[n["id"]]
    distances = [n["distance_m"] for n in p["neighbour_grids"]]
    assert distances == sorted(distances)


@pytest.mark.parametrize("number,lon,lat", NEAR[:4])
def test_grid_at_carries_the_boundary_of_the_point(read_only_server, number, lon, lat):
    a = read_only_server.get("/v1/grids/at?lon=%r&lat=%r" % (lon, lat))
    assert a.status == 200, a.body
    check_boundary(a.json(), lon, lat)


def test_grid_at_outside_every_grid_says_how_far_the_nearest_grid_is(read_only_server):
    # 8 m west of the westernmost vertex of all grids.
    west = min((x, y) for g in GRIDS.values() for x, y in g.exterior.coords)
    lon, lat = west[0] - 8 / (111320 * math.cos(math.radians(west[1]))), west[1]
    a = read_only_server.get("/v1/grids/at?lon=%r&lat=%r" % (lon, lat))
    assert a.status == 404 and a.json()["error"]["code"] == "not_found"
    body = a.json()
    inside, distances = reference(lon, lat)
    assert inside is None
    nearest = min(distances.values())
    assert 5 < nearest < 15
    assert close(body["boundary_distance_m"], nearest)
    assert body["neighbour_grids"][0]["id"] == min(distances, key=distances.get)
    far = read_only_server.get("/v1/grids/at?lon=0&lat=0")
    assert far.status == 404 and far.json()["boundary_distance_m"] is None


def test_boundary_m_decides_which_grids_are_named(read_only_server):
    number, lon, lat = NEAR[0]
    none = read_only_server.get("/v1/poles/%s?boundary_m=0" % number).json()
    assert "neighbour_grids" not in none
    wide = read_only_server.get("/v1/poles/%s?boundary_m=300" % number).json()
    check_boundary(wide, lon, lat, within=300)
    assert len(wide["neighbour_grids"]) >= 1


def test_every_answer_with_poles_carries_the_fields(read_only_server):
    number, lon, lat = NEAR[0]
    near = read_only_server.get("/v1/poles/nearest?lon=%r&lat=%r&k=3&boundary_m=20" % (lon, lat)).json()["poles"]
    assert near[0]["number"] == number
    check_boundary(near[0], lon, lat, within=20)
    assert all("boundary_distance_m" in p for p in near)
    spoken = "团结湖" + number[3:]
    cands = read_only_server.get("/v1/resolve?q=" + urllib.parse.quote(spoken)).json()["candidates"]
    assert cands and all("boundary_distance_m" in c for c in cands)
    mine = [c for c in cands if c["number"] == number]
    assert mine, [c["number"] for c in cands]
    check_boundary(mine[0], lon, lat)
    grid = read_only_server.get("/v1/poles/" + number).json()["grid"]["id"]
    page = read_only_server.get("/v1/grids/%s/poles?limit=5" % urllib.parse.quote(grid)).json()["poles"]
    assert page and all("boundary_distance_m" in p for p in page)
    missing = read_only_server.get("/v1/poles/TJH99999")
    assert missing.status == 404
    assert all("boundary_distance_m" in s for s in missing.json()["suggestions"])


@pytest.mark.parametrize("route", ["/v1/poles/TJH0001?", "/v1/grids/at?lon=116.47&lat=39.92&",
                                   "/v1/poles/nearest?lon=116.47&lat=39.92&", "/v1/resolve?q=TJH0001&",
                                   "/v1/grids/CY-TJH-001/poles?"])
@pytest.mark.parametrize("value", ["-1", "1001", "abc", "nan", "inf", ""])
def test_bad_boundary_m_is_400_naming_the_parameter(read_only_server, route, value):
    a = read_only_server.get(route + "boundary_m=" + value)
    assert a.status == 400, a.body
    assert a.json()["error"]["code"] == "bad_request"
    assert "boundary_m" in a.json()["error"]["message"]


def test_server_flag_sets_the_default_distance(workdir, read_only_server):
    number, lon, lat = NEAR[0]
    server = start_server(workdir / "db-read-only", workdir, extra=["--boundary-m", "300"])
    try:
        p = server.get("/v1/poles/" + number).json()
        check_boundary(p, lon, lat, within=300)
        narrow = server.get("/v1/poles/%s?boundary_m=15" % number).json()
        check_boundary(narrow, lon, lat, within=15)
    finally:
        assert server.stop() == 0


def test_a_grid_written_is_a_neighbour_at_once_and_gone_when_deleted(writable_server):
    s = writable_server
    # A fresh pole far from the sample's grids, then a grid whose west edge is 6 m east of it.
    plon, plat = 116.5205, 39.9705
    assert s.request("PUT", "/v1/poles/TJH8101", body=json.dumps({"lon": plon, "lat": plat}), headers=AUTH).status == 201
    before = s.get("/v1/poles/TJH8101").json()
    assert before["grid"] is None and "neighbour_grids" not in before
    edge = plon + 6 / (111320 * math.cos(math.radians(plat)))
    square = [[edge, plat - 0.001], [edge + 0.002, plat - 0.001], [edge + 0.002, plat + 0.001],
              [edge, plat + 0.001], [edge, plat - 0.001]]
    grid = {"name": "边界试验网格", "geometry": {"type": "Polygon", "coordinates": [square]}}
    assert s.request("PUT", "/v1/grids/T-BND-1", body=json.dumps(grid, ensure_ascii=False), headers=AUTH).status == 201
    after = s.get("/v1/poles/TJH8101").json()
    assert after["grid"] is None
    assert [n["id"] for n in after["neighbour_grids"]] == ["T-BND-1"]
    assert after["neighbour_grids"][0]["name"] == "边界试验网格"
    want = reference(plon, plat, {"T-BND-1": sg.shape(grid["geometry"])})[1]["T-BND-1"]
    assert close(after["neighbour_grids"][0]["distance_m"], want) and close(after["boundary_distance_m"], want)
    assert s.request("DELETE", "/v1/grids/T-BND-1", headers=AUTH).status == 200
    gone = s.get("/v1/poles/TJH8101").json()
    assert "neighbour_grids" not in gone
    assert s.request("DELETE", "/v1/poles/TJH8101", headers=AUTH).status == 200
