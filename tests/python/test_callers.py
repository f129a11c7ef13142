"""resolve as callers use it, from Python: places, the caller location's datum
and accuracy, no number heard, and places.csv through build/export."""
from __future__ import annotations

import pytest

import poleloc

# Where TJH0972 stands (水碓子社区网格), and the same point as a phone app reports it.
TJH0972 = (116.4684802, 39.9306371)


@pytest.fixture(scope="module")
def db(sample, tmp_path_factory):
    places = tmp_path_factory.mktemp("places") / "places.csv"
    places.write_text("name,kind,lon,lat,grid\n农光里小区,compound,116.4758,39.9237,\n", encoding="utf-8")
    path = tmp_path_factory.mktemp("callers") / "db"
    built = poleloc.build(path, poles=sample.poles_csv, grids=sample.grids_geojson, aliases=sample.aliases_csv,
                          places=places)
    assert built.import_report.places == 1
    return built


def test_a_community_name_and_a_sound_alike_of_it_find_the_pole(db):
    for text in ("水碓子那边，杆号九七二", "谁碓子那边，杆号九七二", "shuiduizi pole nine seven two"):
        top = db.resolve(text, limit=1)[0]
        assert top.pole.number == "TJH0972", text
        assert top.match == "exact", (text, top.reason)
    assert "heard 谁碓子, taken as 水碓子" in db.resolve("谁碓子那边，杆号九七二", limit=1)[0].reason


def test_a_place_from_places_csv_narrows_the_answer(db):
    top = db.resolve("农光里小区门口，杆号三七二", limit=1)[0]
    assert top.pole.number == "TJH0372" and top.match == "exact"
    assert "农光里小区 (compound)" in top.reason


def test_gcj02_and_bd09_locations_are_converted(db):
    wgs = db.resolve("团结湖九七一", near=TJH0972, near_accuracy_m=10)
    gcj = db.locate("TJH0972").gcj02
    by_gcj = db.resolve("团结湖九七一", near=gcj, near_crs="gcj02", near_accuracy_m=10)
    assert [c.pole.number for c in by_gcj] == [c.pole.number for c in wgs]
    assert abs(by_gcj[0].distance_m - wgs[0].distance_m) < 0.5
    with pytest.raises(poleloc.BadRequest):
        db.resolve("团结湖九七一", near=gcj, near_crs="mars")
    with pytest.raises(poleloc.BadRequest):
        db.resolve("团结湖九七一", near=gcj, near_accuracy_m=-1)


def test_no_number_heard_answers_the_poles_at_the_caller(db):
    found = db.resolve("路灯不亮了", near=TJH0972, near_accuracy_m=10)
    assert found and all(c.match == "nearby" for c in found)
    assert found[0].pole.grid.id == "CY-TJH-005"
    assert sum(c.score for c in found) <= 1.0


def test_scores_of_one_answer_sum_to_at_most_one(db):
    for text in ("三七二", "团结湖三七二", "四零六，不对，四零九", "我在团结湖8号楼下面，杆号六四二"):
        assert sum(c.score for c in db.resolve(text, limit=10)) <= 1.0 + 1e-9, text


def test_places_are_exported(db, tmp_path):
    db.export(tmp_path / "p.csv", tmp_path / "g.geojson", places=tmp_path / "places.csv")
    assert (tmp_path / "places.csv").read_text(encoding="utf-8").splitlines() == [
        "name,kind,lon,lat,grid", "农光里小区,compound,116.4758,39.9237,"]
