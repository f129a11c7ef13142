"""Roads over HTTP: GET /v1/roads, and the where phrase on every pole answer."""
from __future__ import annotations

import subprocess
import urllib.parse

import pytest

from conftest import CLI, SAMPLE, start_server

KEYS = {"zh", "en", "road", "side", "road_distance_m", "crossing", "direction", "distance_m"}


@pytest.fixture(scope="module")
def roads_server(workdir):
    db = workdir / "db-roads"
    subprocess.run([CLI, "import", "--db", str(db), "--poles", str(SAMPLE / "poles.csv"), "--grids",
                    str(SAMPLE / "grids.geojson"), "--aliases", str(SAMPLE / "aliases.csv"),
                    "--roads", str(SAMPLE / "roads.geojson")], check=True, stdout=subprocess.DEVNULL)
    server = start_server(db, workdir)
    yield server
    assert server.stop() == 0


def test_roads_are_served_as_geojson_with_names(roads_server):
    a = roads_server.get("/v1/roads")
    assert a.status == 200, a.body
    roads = a.json()
    assert roads["type"] == "FeatureCollection"
    names = {f["properties"]["name"] for f in roads["features"]}
    assert {"团结湖路", "团结湖北路", "东三环北路", "农展馆南路", "水碓子东路", "白家庄路", "团结湖北一条"} <= names
    assert all(f["geometry"]["type"] == "MultiLineString" for f in roads["features"])


def test_every_pole_answer_carries_the_where_phrase(roads_server):
    pole = roads_server.get("/v1/poles/TJH0372").json()
    where = pole["where"]
    assert set(where) == KEYS
    assert where["zh"].startswith(where["road"]) and where["road"] in where["en"]
    hits = roads_server.get("/v1/resolve?q=" + urllib.parse.quote("团结湖三七二")).json()["candidates"]
    assert hits[0]["where"] == where
    near = roads_server.get("/v1/poles/nearest?lon=%r&lat=%r&k=3" % (pole["lon"], pole["lat"])).json()["poles"]
    assert near[0]["where"] == where
    assert all("where" in p for p in near)


def test_without_roads_no_where_and_no_roads(read_only_server):
    assert "where" not in read_only_server.get("/v1/poles/TJH0372").json()
    assert read_only_server.get("/v1/roads").json() == {"type": "FeatureCollection", "features": []}
