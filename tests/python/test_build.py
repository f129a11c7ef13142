"""poleloc.build from files, DataFrames, GeoDataFrames and records; poleloc.open;
writes; the errors each of them raises."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap

import geopandas as gpd
import pandas as pd
import pytest
import shapely.geometry as sg
from shapely.ops import transform as shapely_transform
from pyproj import Transformer

import poleloc


def dataset_of(db):
    """Everything a database holds, as plain values."""
    snap = db.snapshot()
    poles = {}
    for i in range(snap.pole_count):
        p = snap.pole_by_index(i)
        poles[p.number] = (p.position, p.attributes, p.grid.id if p.grid else None)
    grids = {g.id: (g.name, g.attributes, g.geometry) for g in snap.grids()}
    return poles, grids, snap.aliases()


@pytest.fixture(scope="module")
def file_dataset(db):
    return dataset_of(db)


def sample_frames(sample):
    poles = pd.read_csv(sample.poles_csv, dtype=str, keep_default_na=False)
    poles["lon"] = poles["lon"].astype(float)
    poles["lat"] = poles["lat"].astype(float)
    grids = gpd.GeoDataFrame.from_features(sample.grids["features"], crs="EPSG:4326")
    return poles, grids


# --- build from memory gives what build from files gives ---------------------

def test_build_from_dataframe_and_geodataframe_equals_build_from_files(sample, tmp_path, file_dataset):
    poles, grids = sample_frames(sample)
    with poleloc.build(tmp_path / "db", poles=poles, grids=grids, aliases=dict(sample.aliases)) as db:
        assert db.import_report.poles == len(sample.poles)
        assert db.import_report.grids == len(sample.grids["features"])
        assert dataset_of(db) == file_dataset


def test_build_from_records_and_objects_round_trips(db, tmp_path, file_dataset):
    snap = db.snapshot()
    poles = [snap.pole_by_index(i) for i in range(snap.pole_count)]
    with poleloc.build(tmp_path / "db", poles=poles, grids=db.grids(), aliases=db.aliases()) as copy:
        assert dataset_of(copy) == file_dataset
    records = [{"number": p.number, "lon": p.lon, "lat": p.lat, **p.attributes} for p in poles]
    fc = poleloc.feature_collection(db.grids())
    with poleloc.build(tmp_path / "db2", poles=records, grids=fc, aliases=list(db.aliases().items())) as copy:
        assert dataset_of(copy) == file_dataset


def test_files_with_aliases_from_memory_and_aliases_kept_when_not_given(sample, tmp_path):
    with poleloc.build(tmp_path / "db", poles=sample.poles_csv, grids=sample.grids_geojson,
                       aliases={"团结湖": "tjh", "工体": "GT"}) as db:
        assert db.aliases() == {"团结湖": "TJH", "工体": "GT"}
        assert db.resolve("团结湖三七二")[0].pole.number == "TJH0372"
    with poleloc.build(tmp_path / "db", poles=sample.poles_csv, grids=sample.grids_geojson) as db:
        assert db.aliases() == {"团结湖": "TJH", "工体": "GT"}  # aliases=None keeps the stored ones


def test_geodataframes_with_a_crs_are_converted_to_wgs84(sample, tmp_path, file_dataset):
    poles, grids = sample_frames(sample)
    points = gpd.GeoDataFrame(poles.drop(columns=["lon", "lat"]),
                              geometry=gpd.points_from_xy(poles["lon"], poles["lat"]), crs="EPSG:4326")
    with poleloc.build(tmp_path / "db", poles=points.to_crs(3857), grids=grids.to_crs(3857),
                       aliases=sample.aliases_csv) as db:
        got_poles, got_grids, _ = dataset_of(db)
    want_poles, want_grids, _ = file_dataset
    assert got_poles.keys() == want_poles.keys()
    for number, (pos, attrs, grid) in want_poles.items():
        assert got_poles[number][0] == pytest.approx(pos, abs=1e-9)
        assert got_poles[number][1] == attrs
    assert got_grids.keys() == want_grids.keys()


def test_crs_applies_to_files(sample, tmp_path, file_dataset):
    to_3857 = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    with open(tmp_path / "poles.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["number", "lon", "lat"])
        for r in sample.poles:
            x, y = to_3857.transform(float(r["lon"]), float(r["lat"]))
            w.writerow([r["number"], repr(x), repr(y)])
    fc = json.loads(json.dumps(sample.grids))
    for feature in fc["features"]:
        g = sg.shape(feature["geometry"])
        feature["geometry"] = sg.mapping(shapely_transform(to_3857.transform, g))
    with open(tmp_path / "grids.geojson", "w", encoding="utf-8") as f:
        json.dump(fc, f)
    with poleloc.build(tmp_path / "db", poles=tmp_path / "poles.csv", grids=tmp_path / "grids.geojson",
                       crs="EPSG:3857") as db:
        want = file_dataset[0]
        for number, (pos, _, grid) in want.items():
            pole = db.locate(number)
            assert pole.position == pytest.approx(pos, abs=1e-8)


# --- what build refuses ---------------------------------------------------------

def test_bad_file_rows_name_file_line_and_field_and_store_nothing(sample, tmp_path):
    bad = tmp_path / "poles.csv"
    bad.write_text("number,lon,lat\nTJH0001,116.47,39.92\nTJH0002,abc,39.92\n", encoding="utf-8")
    with pytest.raises(poleloc.InvalidInput, match=r"poles\.csv:3: lon") as e:
        poleloc.build(tmp_path / "db", poles=bad, grids=sample.grids_geojson)
    assert "nothing was stored" in str(e.value)
    with poleloc.open(tmp_path / "db") as db:
        assert db.stats()["poles"] == 0


def test_skip_invalid_stores_the_valid_rows_and_reports_the_rest(sample, tmp_path):
    poles, grids = sample_frames(sample)
    poles.loc[3, "number"] = "电线杆"
    poles.loc[5, "lat"] = 123.0
    with pytest.raises(poleloc.InvalidInput, match="2 errors in the input; nothing was stored"):
        poleloc.build(tmp_path / "db", poles=poles, grids=grids)
    with poleloc.build(tmp_path / "db", poles=poles, grids=grids, skip_invalid=True) as db:
        assert db.import_report.poles == len(poles) - 2
        assert len(db.import_report.rejects) == 2
        assert "bad number" in db.import_report.rejects[0]
        assert "lon/lat" in db.import_report.rejects[1]


@pytest.mark.parametrize("make,error,message", [
    (lambda p, g: (p, g.assign(geometry=g.geometry.boundary)), poleloc.InvalidInput,
     "is not Polygon or MultiPolygon"),
    (lambda p, g: (p.drop(columns=["lat"]), g), poleloc.BadRequest, "columns number, lon, lat"),
    (lambda p, g: (p, g.drop(columns=["id"])), poleloc.BadRequest, "'id' column"),
    (lambda p, g: (p.assign(lon=["x"] * len(p)), g), poleloc.InvalidInput, "column lon"),
    (lambda p, g: (42, g), poleloc.BadRequest, "poles must be"),
])
def test_malformed_frames_are_refused(sample, tmp_path, make, error, message):
    poles, grids = make(*sample_frames(sample))
    with pytest.raises(error, match=message):
        poleloc.build(tmp_path / "db", poles=poles, grids=grids)


def test_mixing_files_and_frames_or_crs_with_frames_is_refused(sample, tmp_path):
    poles, grids = sample_frames(sample)
    with pytest.raises(poleloc.BadRequest, match="both be file paths or both be in memory"):
        poleloc.build(tmp_path / "db", poles=poles, grids=sample.grids_geojson)
    with pytest.raises(poleloc.BadRequest, match="applies to file inputs"):
        poleloc.build(tmp_path / "db", poles=poles, grids=grids, crs="EPSG:32650")


def test_unknown_crs_is_refused(sample, tmp_path):
    with pytest.raises(poleloc.Error, match="NOT-A-CRS"):
        poleloc.build(tmp_path / "db", poles=sample.poles_csv, grids=sample.grids_geojson, crs="NOT-A-CRS")


# --- imports that must not wipe or crash (issue 11) ---------------------------------

def test_header_only_csv_does_not_wipe_the_poles_without_replace(sample, tmp_path):
    path = tmp_path / "db"
    poleloc.build(path, poles=sample.poles_csv, grids=sample.grids_geojson).close()
    header_only = tmp_path / "poles.csv"
    header_only.write_text("number,lon,lat\n", encoding="utf-8")
    with pytest.raises(poleloc.InvalidInput, match=r"poles\.csv holds 0 poles; the database has 1,529: refusing"):
        poleloc.build(path, poles=header_only, grids=sample.grids_geojson)
    with poleloc.open(path) as db:
        assert db.stats()["poles"] == len(sample.poles)
    with poleloc.build(path, poles=header_only, grids=sample.grids_geojson, replace=True) as db:
        assert db.import_report.removed_poles == len(sample.poles)
        assert db.stats()["poles"] == 0


def test_removing_most_records_from_memory_needs_replace(sample, tmp_path):
    path = tmp_path / "db"
    poles, grids = sample_frames(sample)
    poleloc.build(path, poles=poles, grids=grids).close()
    with pytest.raises(poleloc.InvalidInput, match="more than the 10 % allowed"):
        poleloc.build(path, poles=poles.head(100), grids=grids)
    with poleloc.build(path, poles=poles.head(100), grids=grids, max_remove_share=0.95) as db:
        assert db.stats()["poles"] == 100


def test_identical_rebuild_stores_nothing_new(sample, tmp_path):
    path = tmp_path / "db"
    with poleloc.build(path, poles=sample.poles_csv, grids=sample.grids_geojson, aliases=sample.aliases_csv) as db:
        first = db.stats()
    with poleloc.build(path, poles=sample.poles_csv, grids=sample.grids_geojson, aliases=sample.aliases_csv) as db:
        assert db.import_report.changed_records == 0
        assert db.stats()["sequence"] == first["sequence"]


def test_deeply_nested_properties_raise_instead_of_crashing_the_interpreter(sample, tmp_path):
    grids = json.loads(json.dumps(sample.grids))
    grids["features"][0]["properties"]["deep"] = "@DEEP@"
    text = json.dumps(grids).replace('"@DEEP@"', "[" * 100000 + "]" * 100000)
    (tmp_path / "grids.geojson").write_text(text, encoding="utf-8")
    # In a child interpreter: before the fix this was a segfault that would take pytest down with it.
    script = textwrap.dedent(f"""
        import poleloc
        try:
            poleloc.build({str(tmp_path / "db")!r}, poles={sample.poles_csv!r},
                          grids={str(tmp_path / "grids.geojson")!r})
        except poleloc.InvalidInput as e:
            print("InvalidInput:", e)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=os.environ)
    assert out.returncode == 0, out.stderr
    assert "feature 0: properties.deep" in out.stdout and "nested deeper than 32 levels" in out.stdout, out.stdout


# --- open, close, read-only, lock -------------------------------------------------

def test_open_missing_database_is_not_found(tmp_path):
    with pytest.raises(poleloc.NotFound, match="no poleloc database"):
        poleloc.open(tmp_path / "nothing-here")


def test_read_only_database_refuses_writes(db):
    assert db.read_only
    with pytest.raises(poleloc.ReadOnly, match="read-only"):
        db.put_pole("ZZ0001", 116.47, 39.92)


def test_closed_database_refuses_queries_but_old_objects_live_on(db_path):
    db = poleloc.open(db_path)
    pole = db.locate("TJH0372")
    with db:
        pass
    assert db.closed
    with pytest.raises(poleloc.BadRequest, match="closed"):
        db.locate("TJH0372")
    assert pole.number == "TJH0372" and pole.grid.id and sg.shape(pole.grid).is_valid


def test_second_writer_process_gets_conflict(writable):
    script = textwrap.dedent(f"""
        import poleloc
        try:
            poleloc.open({writable.path!r}, read_only=False)
        except poleloc.Conflict as e:
            print("Conflict:", e)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=os.environ, check=True)
    assert out.stdout.startswith("Conflict:"), out.stdout + out.stderr


# --- writes ----------------------------------------------------------------------

def test_put_and_delete_pole_and_snapshots_stay_as_they_were(writable):
    db = writable
    before = db.snapshot()
    db.put_pole("tjh-9999", 116.4712, 39.9251, {"kind": "lamp", "height": 9})
    pole = db.locate("TJH9999")
    assert pole.attributes == {"kind": "lamp", "height": 9}  # an int stays an int
    assert pole.grid == db.grid_at(116.4712, 39.9251)
    assert before.locate("TJH9999") is None  # a pinned snapshot never changes
    assert db.snapshot() is db.snapshot()
    db.delete_pole("TJH9999")
    assert db.locate("TJH9999") is None
    with pytest.raises(poleloc.NotFound):
        db.delete_pole("TJH9999")
    with pytest.raises(poleloc.InvalidInput, match="bad number"):
        db.put_pole("电线杆", 116.47, 39.92)


def test_put_and_delete_grid(writable):
    db = writable
    square = sg.box(117.0, 40.0, 117.01, 40.01)
    db.put_grid("NEW-1", square, name="新网格", attributes={"manager": "王芳"})
    grid = db.grid_at(117.005, 40.005)
    assert (grid.id, grid.name, grid.attributes) == ("NEW-1", "新网格", {"manager": "王芳"})
    assert sg.shape(grid).equals(square)
    db.delete_grid("NEW-1")
    assert db.grid_at(117.005, 40.005) is None
    with pytest.raises(poleloc.NotFound):
        db.delete_grid("NEW-1")
    bowtie = {"type": "Polygon", "coordinates": [[(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)]]}
    with pytest.raises(poleloc.InvalidInput, match="invalid polygon"):
        db.put_grid("BAD", bowtie)


def test_export_then_build_gives_the_same_dataset(writable, tmp_path, file_dataset):
    writable.export(tmp_path / "p.csv", tmp_path / "g.geojson", tmp_path / "a.csv")
    with poleloc.build(tmp_path / "copy", poles=tmp_path / "p.csv", grids=tmp_path / "g.geojson",
                       aliases=tmp_path / "a.csv") as db:
        assert dataset_of(db) == file_dataset
