"""The where phrase on Python pole objects: nearest road, side, crossing, with roads imported."""
from __future__ import annotations

import pathlib

import pytest

import poleloc

from conftest import SAMPLE_DIR

KEYS = {"zh", "en", "road", "side", "road_distance_m", "crossing", "direction", "distance_m"}


@pytest.fixture(scope="module")
def with_roads(sample, tmp_path_factory: pytest.TempPathFactory) -> poleloc.Database:
    path = tmp_path_factory.mktemp("where") / "db"
    db = poleloc.build(path, poles=sample.poles_csv, grids=sample.grids_geojson, aliases=sample.aliases_csv,
                       roads=SAMPLE_DIR / "roads.geojson")
    yield db
    db.close()


def test_every_pole_answer_carries_where_with_roads(with_roads: poleloc.Database):
    snap = with_roads.snapshot()
    pole = snap.locate("TJH0372")
    where = pole.where
    assert set(where) == KEYS
    assert where["side"] in {"north", "south", "east", "west"}
    assert where["road"] in where["zh"] and where["road"] in where["en"]
    assert where["zh"].startswith(where["road"])
    assert where["en"].startswith(where["side"] + " side of " + where["road"])
    # Resolve candidates and nearest results are the same pole objects: they carry it too.
    assert snap.resolve("团结湖三七二")[0].pole.where == where
    assert snap.nearest(pole.lon, pole.lat, k=1)[0].pole.where == where


def test_without_roads_there_is_no_where(db: poleloc.Database):
    assert db.snapshot().locate("TJH0372").where is None


def test_import_report_counts_the_roads(sample, tmp_path: pathlib.Path):
    with poleloc.build(tmp_path / "db", poles=sample.poles_csv, grids=sample.grids_geojson,
                       roads=SAMPLE_DIR / "roads.geojson") as db:
        assert db.import_report.roads == 12
