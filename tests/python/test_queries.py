"""One-at-a-time queries on the bundled Tuanjiehu sample, checked against the sample
files (csv/json read directly), shapely geometry and pyproj geodesics, and against
the CLI (the same facade through another face)."""
from __future__ import annotations

import json
import math
import subprocess

import pytest
import shapely.geometry as sg
from pyproj import Geod

import poleloc
from conftest import CLI

GEOD = Geod(ellps="WGS84")
# The core measures short ranges (< 3 km) with a local ellipsoidal approximation
# good to about a millimetre per kilometre, longer ones with Karney's geodesic.
DISTANCE_TOLERANCE_M = 0.01


def geodesic_m(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


@pytest.fixture(scope="module")
def shapes(sample):
    """grid id -> shapely geometry, straight from grids.geojson."""
    return {f["properties"]["id"]: sg.shape(f["geometry"]) for f in sample.grids["features"]}


def containing_grid(shapes, lon, lat):
    hits = [gid for gid, shape in shapes.items() if shape.contains(sg.Point(lon, lat))]
    assert len(hits) <= 1
    return hits[0] if hits else None


# --- locate -----------------------------------------------------------------

def test_locate_finds_every_sample_pole_with_its_position_and_attributes(db, sample):
    for row in sample.poles:
        pole = db.locate(row["number"])
        assert pole is not None, row["number"]
        assert pole.number == row["number"]
        assert pole.position == (float(row["lon"]), float(row["lat"]))
        expected = {k: v for k, v in row.items() if k not in ("number", "lon", "lat") and v != ""}
        assert pole.attributes == expected


@pytest.mark.parametrize("printed", ["TJH0372", "tjh-0372", "TJH 0372", "ＴＪＨ０３７２", "#TJH0372", "TJH0372号"])
def test_locate_accepts_printed_forms(db, printed):
    assert db.locate(printed).number == "TJH0372"


@pytest.mark.parametrize("text", ["TJH9999", "ZZZ0001", "电线杆", "", "TJH-0372-XYZ-!!"])
def test_locate_returns_none_when_no_pole_carries_the_number(db, text):
    assert db.locate(text) is None


def test_pole_grid_and_gcj02(db, shapes):
    pole = db.locate("TJH0372")
    assert pole.grid.id == containing_grid(shapes, pole.lon, pole.lat)
    assert pole.gcj02 == poleloc.wgs84_to_gcj02(pole.lon, pole.lat)
    # GCJ-02 is offset by a few hundred metres around Beijing.
    assert 100 < geodesic_m(*pole.position, *pole.gcj02) < 1000


# --- grid_at / grid ---------------------------------------------------------

def test_grid_at_agrees_with_shapely_at_every_pole(db, sample, shapes):
    for row in sample.poles:
        lon, lat = float(row["lon"]), float(row["lat"])
        grid = db.grid_at(lon, lat)
        assert (grid.id if grid else None) == containing_grid(shapes, lon, lat), row["number"]


@pytest.mark.parametrize("lon,lat", [(0.0, 0.0), (116.0, 39.0), (float("nan"), 39.92), (116.47, float("inf")),
                                     (200.0, 39.92), (116.47, -91.0)])
def test_grid_at_outside_or_invalid_is_none(db, lon, lat):
    assert db.grid_at(lon, lat) is None


def test_grid_by_id_has_the_geojson_properties_and_geometry(db, sample):
    for feature in sample.grids["features"]:
        props = feature["properties"]
        grid = db.grid(props["id"])
        assert grid.id == props["id"]
        assert grid.name == props.get("name", "")
        assert grid.attributes == {k: str(v) for k, v in props.items() if k not in ("id", "name")}
        assert sg.shape(grid.geometry).equals(sg.shape(feature["geometry"]))
        assert grid.bbox == pytest.approx(sg.shape(feature["geometry"]).bounds, abs=1e-12)
    assert db.grid("CY-NOPE-000") is None


def test_grids_are_in_index_order(db, sample):
    grids = db.grids()
    assert [g.index for g in grids] == list(range(len(grids)))
    assert sorted(g.id for g in grids) == sorted(f["properties"]["id"] for f in sample.grids["features"])


# --- nearest ----------------------------------------------------------------

@pytest.mark.parametrize("lon,lat", [(116.4712, 39.9251), (116.4650, 39.9200), (116.4800, 39.9300)])
def test_nearest_matches_brute_force_geodesic(db, sample, lon, lat):
    got = db.nearest(lon, lat, k=5)
    brute = sorted((geodesic_m(lon, lat, float(r["lon"]), float(r["lat"])), r["number"]) for r in sample.poles)
    assert [n.pole.number for n in got] == [number for _, number in brute[:5]]
    for n, (d, _) in zip(got, brute):
        assert n.distance_m == pytest.approx(d, abs=DISTANCE_TOLERANCE_M)
    assert [n.distance_m for n in got] == sorted(n.distance_m for n in got)


def test_nearest_max_m_keeps_only_poles_within(db, sample):
    lon, lat = 116.4712, 39.9251
    near = db.nearest(lon, lat, k=1000, max_m=150)
    got = {n.pole.number for n in near}
    dist = {r["number"]: geodesic_m(lon, lat, float(r["lon"]), float(r["lat"])) for r in sample.poles}
    clear = {number for number, d in dist.items() if abs(d - 150) > DISTANCE_TOLERANCE_M}
    assert got & clear == {number for number in clear if dist[number] < 150}
    assert len(got) > 3
    assert all(n.distance_m <= 150 for n in near)


@pytest.mark.parametrize("kwargs,message", [
    ({"k": 0}, "k must be between 1 and 1000"),
    ({"k": 1001}, "k must be between 1 and 1000"),
    ({"k": -1}, "k must not be negative"),
    ({"max_m": 0}, "max_m must be a positive"),
])
def test_nearest_rejects_bad_options(db, kwargs, message):
    with pytest.raises(poleloc.BadRequest, match=message):
        db.nearest(116.47, 39.92, **kwargs)


def test_nearest_rejects_invalid_point(db):
    with pytest.raises(poleloc.BadRequest, match=r"lon must be in \[-180, 180\]"):
        db.nearest(float("nan"), 39.92)


# --- poles_in_grid / within -------------------------------------------------

def test_poles_in_grid_are_the_poles_inside_in_number_order(db, sample, shapes):
    for gid, shape in shapes.items():
        expected = sorted(r["number"] for r in sample.poles
                          if shape.contains(sg.Point(float(r["lon"]), float(r["lat"]))))
        got = db.poles_in_grid(gid)
        assert [p.number for p in got] == expected
        assert all(p.grid.id == gid for p in got)
        assert [p.number for p in db.poles_in_grid(gid, limit=3)] == expected[:3]


def test_poles_in_grid_of_unknown_grid_raises_not_found(db):
    with pytest.raises(poleloc.NotFound, match="no grid with id 'CY-NOPE'"):
        db.poles_in_grid("CY-NOPE")
    with pytest.raises(LookupError):  # NotFound is a LookupError too
        db.poles_in_grid("CY-NOPE")


def test_within_returns_the_poles_in_the_box_in_number_order(db, sample):
    box = (116.468, 39.921, 116.474, 39.926)
    expected = sorted(r["number"] for r in sample.poles
                      if box[0] <= float(r["lon"]) <= box[2] and box[1] <= float(r["lat"]) <= box[3])
    assert len(expected) > 10
    assert [p.number for p in db.within(box)] == expected
    assert [p.number for p in db.within(box, limit=4)] == expected[:4]
    assert [p.number for p in db.within(list(box))] == expected


@pytest.mark.parametrize("box", [(116.48, 39.92, 116.47, 39.93), (0, 0, 0, float("nan")), (1, 2, 3)])
def test_within_rejects_bad_boxes(db, box):
    with pytest.raises(poleloc.BadRequest, match="bbox"):
        db.within(box)


# --- resolve ----------------------------------------------------------------

def test_resolve_reads_spoken_chinese(db):
    hits = db.resolve("团结湖三七二")
    assert hits[0].pole.number == "TJH0372"
    assert hits[0].match == "exact"
    assert 0 < hits[0].score <= 1
    assert hits[0].read_back
    assert hits[0].distance_m is None and not hits[0].far_from_caller
    assert len(hits) <= 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_resolve_with_near_gives_distances(db):
    pole = db.locate("TJH0372")
    hits = db.resolve("团结湖三七二", near=pole.position, limit=3)
    assert len(hits) <= 3
    assert hits[0].pole.number == "TJH0372"
    assert hits[0].distance_m == pytest.approx(0.0, abs=1e-6)
    for h in hits:
        assert h.distance_m == pytest.approx(geodesic_m(*pole.position, *h.pole.position), abs=DISTANCE_TOLERANCE_M)


@pytest.mark.parametrize("text,kwargs,error", [
    ("", {}, "empty"),
    ("x" * 600, {}, "at most 512"),
    ("团结湖三七二", {"limit": 0}, "limit"),
    ("团结湖三七二", {"limit": 51}, "limit"),
    ("团结湖三七二", {"near": (500.0, 1.0)}, "near"),
    ("团结湖三七二", {"near": (1.0,)}, "near"),
])
def test_resolve_rejects_bad_input(db, text, kwargs, error):
    with pytest.raises(poleloc.BadRequest, match=error):
        db.resolve(text, **kwargs)


def test_resolve_of_unrelated_text_is_empty_or_fuzzy(db):
    assert all(h.match == "fuzzy" for h in db.resolve("hello world"))


# --- the rest -----------------------------------------------------------------

def test_aliases_and_stats(db, sample):
    assert db.aliases() == {a: c for a, c in sample.aliases}
    stats = db.stats()
    assert stats["poles"] == len(sample.poles)
    assert stats["grids"] == len(sample.grids["features"])
    assert stats["aliases"] == len(sample.aliases)


def test_canonical_number():
    assert poleloc.canonical_number("tjh-0372号") == "TJH0372"
    assert poleloc.canonical_number("电线杆") is None


def test_geodesic_distance_matches_pyproj():
    assert poleloc.geodesic_distance_m(116.47, 39.92, 116.48, 39.93) == pytest.approx(
        geodesic_m(116.47, 39.92, 116.48, 39.93), abs=DISTANCE_TOLERANCE_M)
    assert poleloc.geodesic_distance_m(116.47, 39.92, 117.47, 40.92) == pytest.approx(
        geodesic_m(116.47, 39.92, 117.47, 40.92), abs=1e-6)  # Karney beyond 3 km
    lon, lat = poleloc.gcj02_to_wgs84(*poleloc.wgs84_to_gcj02(116.47, 39.92))
    assert geodesic_m(lon, lat, 116.47, 39.92) < 0.5


# --- the same answers as another face of the facade (the CLI) -----------------

def cli_json(*args):
    out = subprocess.run([CLI, *args, "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


@pytest.mark.skipif(not CLI, reason="POLELOC_CLI not set")
def test_same_answers_as_the_cli(db, db_path):
    hits = db.resolve("团结湖三七二", near=(116.4712, 39.9251), limit=5)
    cli = cli_json("resolve", "--db", db_path, "--near", "116.4712,39.9251", "--limit", "5", "团结湖三七二")
    assert [(h.pole.number, h.match, h.reason) for h in hits] == [
        (c["number"], c["match"], c["reason"]) for c in cli["candidates"]]
    assert [h.score for h in hits] == pytest.approx([c["score"] for c in cli["candidates"]], abs=5e-4)  # JSON keeps 3 decimals

    near = db.nearest(116.4712, 39.9251, k=7)
    cli = cli_json("nearest", "--db", db_path, "-k", "7", "116.4712", "39.9251")
    assert [n.pole.number for n in near] == [p["number"] for p in cli["poles"]]

    grid = db.grid_at(116.4712, 39.9251)
    cli = cli_json("grid-at", "--db", db_path, "116.4712", "39.9251")
    assert (grid.id, grid.name, grid.attributes) == (cli["id"], cli["name"], cli["attributes"])

    pole = db.locate("tjh-0372")
    cli = cli_json("locate", "--db", db_path, "tjh-0372")
    assert (pole.number, pole.lon, pole.lat, pole.attributes) == (cli["number"], cli["lon"], cli["lat"],
                                                                  cli["attributes"])
    assert math.isclose(pole.gcj02[0], cli["gcj02"]["lon"], abs_tol=1e-7)
