"""db.apply(): batches of puts and deletes, atomic (all or nothing), with every
bad item named by its index; and the import diff, dry runs and merges of build()."""
from __future__ import annotations

import pytest

import poleloc

FAR_SQUARE = [[116.5000, 39.9500], [116.5010, 39.9500], [116.5010, 39.9510], [116.5000, 39.9510], [116.5000, 39.9500]]


def exported(db, tmp_path, tag):
    poles, grids = tmp_path / f"{tag}.csv", tmp_path / f"{tag}.geojson"
    db.export(poles, grids)
    return poles.read_bytes() + grids.read_bytes()


def test_a_batch_is_applied_at_once_with_one_new_sequence(writable):
    before = writable.stats()["sequence"]
    report = writable.apply([
        {"op": "put", "pole": {"number": "tjh-9101", "lon": 116.4701, "lat": 39.9201, "attributes": {"kind": "路灯"}}},
        {"op": "put", "grid": {"type": "Feature", "properties": {"id": "FAR-1", "name": "远处", "manager": "王"},
                               "geometry": {"type": "Polygon", "coordinates": [FAR_SQUARE]}}},
        {"op": "delete", "pole": "TJH0001"},
    ], author="notebook")
    assert report == {"sequence": before + 1, "written": 3, "overlaps": []}
    assert writable.stats()["sequence"] == before + 1
    assert writable.locate("TJH9101").attributes == {"kind": "路灯"}
    assert writable.grid("FAR-1").attributes == {"manager": "王"}
    assert writable.locate("TJH0001") is None
    # Records read from a database are accepted as puts.
    pole = writable.locate("TJH0002")
    assert writable.apply([{"op": "put", "pole": pole}])["written"] == 0  # identical: nothing written


def test_a_batch_with_one_bad_item_leaves_everything_unchanged(writable, tmp_path):
    before = writable.stats()["sequence"]
    snapshot = exported(writable, tmp_path, "before")
    with pytest.raises(poleloc.InvalidInput) as e:
        writable.apply([
            {"op": "put", "pole": {"number": "TJH9201", "lon": 116.47, "lat": 39.92}},
            {"op": "delete", "pole": "TJH0001"},
            {"op": "put", "pole": {"number": "TJH9202", "lon": 116.47, "lat": 95.0}},
            {"op": "delete", "grid": "NO-SUCH-GRID"},
        ])
    message = str(e.value)
    assert "nothing was stored" in message
    assert "changes[2]" in message and "changes[3]" in message, message
    assert "changes[0]" not in message and "changes[1]" not in message, message
    assert writable.stats()["sequence"] == before
    assert writable.locate("TJH9201") is None
    assert exported(writable, tmp_path, "after") == snapshot


@pytest.mark.parametrize("item, says", [
    ({"op": "upsert", "pole": "X"}, "op must be"),
    ({"op": "put"}, "either a 'pole' or a 'grid'"),
    ({"op": "put", "pole": {"number": "TJH1"}}, "pole.lon is required"),
    ({"op": "put", "pole": {"number": "TJH1", "lon": 1, "lat": 2, "colour": "red"}}, "unknown member"),
    ({"op": "delete", "grid": 7}, "names the grid by its id"),
    ("TJH1", "must be a dict"),
])
def test_malformed_items_are_named_by_index(writable, item, says):
    good = {"op": "put", "pole": {"number": "TJH9301", "lon": 116.47, "lat": 39.92}}
    with pytest.raises(poleloc.InvalidInput, match=r"changes\[1\]: .*" + says.replace("(", r"\(")):
        writable.apply([good, item])
    assert writable.locate("TJH9301") is None


def test_an_empty_batch_and_overlaps(writable):
    with pytest.raises(poleloc.BadRequest):
        writable.apply([])
    geometry = writable.grid("CY-TJH-001").geometry
    with pytest.raises(poleloc.InvalidInput, match="overlaps"):
        writable.apply([{"op": "put", "grid": {"id": "OVER-1", "geometry": geometry}}])
    report = writable.apply([{"op": "put", "grid": {"id": "OVER-1", "geometry": geometry}}], allow_overlap=True)
    assert any("OVER-1" in o for o in report["overlaps"])


def test_build_dry_run_reports_the_diff_and_stores_nothing(sample, tmp_path):
    path = tmp_path / "db"
    poleloc.build(path, poles=sample.poles_csv, grids=sample.grids_geojson).close()
    edited = tmp_path / "edited.csv"
    lines = (sample.dir / "poles.csv").read_text(encoding="utf-8").splitlines()
    edited.write_text("\n".join(lines[:1] + lines[2:]) + "\n", encoding="utf-8")
    with poleloc.build(path, poles=edited, grids=sample.grids_geojson, dry_run=True) as db:
        report = db.import_report
        assert report.dry_run
        assert report.diff["poles"]["removed"] == 1
        assert report.diff["poles"]["removed_ids"] == ["TJH0001"]
        assert report.diff["summary"].startswith("will add 0, change 0, remove 1 poles")
        assert db.locate("TJH0001") is not None
    with poleloc.build(path, poles=edited, grids=sample.grids_geojson, merge=True) as db:
        assert db.import_report.diff["poles"]["removed"] == 0
        assert db.locate("TJH0001") is not None
        assert db.stats()["poles"] == len(sample.poles)
