"""POST /v1/changes (atomic batches) and POST /v1/import (re-import from
--import-dir without downtime) over loopback."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading

import pytest

from conftest import CLI, SAMPLE, TOKEN, import_sample, start_server, write_token_file

AUTH = {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"}
NDJSON = {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/x-ndjson"}

FAR_SQUARE = [[116.5000, 39.9500], [116.5010, 39.9500], [116.5010, 39.9510], [116.5000, 39.9510], [116.5000, 39.9500]]


@pytest.fixture(scope="module")
def setup(workdir):
    db = workdir / "db-changes-import"
    shutil.rmtree(db, ignore_errors=True)
    import_sample(db)
    imports = workdir / "import-dir"
    shutil.rmtree(imports, ignore_errors=True)
    imports.mkdir()
    for name in ("poles.csv", "grids.geojson", "aliases.csv"):
        shutil.copy(SAMPLE / name, imports / name)
    token_file = write_token_file(workdir / "named-token", "gis-sync:" + TOKEN + "\n")
    server = start_server(db, workdir, token_file=token_file, extra=["--import-dir", str(imports)])
    yield server, db, imports, workdir
    assert server.stop() == 0


def post(server, path, body, headers=AUTH):
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    return server.request("POST", path, body=body, headers=headers)


def export(db, workdir, tag):
    """`poleloc export` of the served database (opened read-only beside the server)."""
    poles, grids = workdir / ("export-%s.csv" % tag), workdir / ("export-%s.geojson" % tag)
    subprocess.run([CLI, "export", "--db", str(db), "--poles", str(poles), "--grids", str(grids)], check=True)
    return poles.read_bytes() + grids.read_bytes()


def sequence(server):
    return server.get("/healthz").json()["sequence"]


def test_a_batch_is_applied_at_once_with_one_new_sequence(setup):
    server, _, _, _ = setup
    before = sequence(server)
    items = [
        {"op": "put", "pole": {"number": "TJH-9101", "lon": 116.4701, "lat": 39.9201, "attributes": {"kind": "路灯"}}},
        {"op": "put", "pole": {"number": "TJH9102", "lon": 116.4702, "lat": 39.9202}},
        {"op": "put", "grid": {"type": "Feature", "properties": {"id": "FAR-1", "name": "远处", "manager": "王"},
                               "geometry": {"type": "Polygon", "coordinates": [FAR_SQUARE]}}},
    ]
    r = post(server, "/v1/changes", items)
    assert r.status == 200, r.body
    body = r.json()
    assert body["sequence"] == before + 1
    assert body["written"] == 3
    assert body["overlaps"] == []
    assert sequence(server) == before + 1
    assert server.get("/v1/poles/TJH9101").json()["attributes"] == {"kind": "路灯"}
    grid = server.get("/v1/grids/FAR-1").json()
    assert grid["name"] == "远处"
    assert grid["attributes"] == {"manager": "王"}
    # NDJSON: deletes of what was just put.
    r = post(server, "/v1/changes", '{"op":"delete","pole":"TJH9101"}\n\n{"op":"delete","pole":"TJH9102"}\n'
             '{"op":"delete","grid":"FAR-1"}\n', headers=NDJSON)
    assert r.status == 200, r.body
    assert r.json()["sequence"] == before + 2
    assert server.get("/v1/poles/TJH9101").status == 404
    assert server.get("/v1/grids/FAR-1").status == 404


def test_a_batch_with_one_bad_item_leaves_everything_unchanged(setup):
    server, db, _, workdir = setup
    before = sequence(server)
    exported = export(db, workdir, "before")
    items = [
        {"op": "put", "pole": {"number": "TJH9201", "lon": 116.4701, "lat": 39.9201}},
        {"op": "delete", "pole": "TJH0001"},
        {"op": "put", "pole": {"number": "TJH9202", "lon": 116.4702, "lat": 95}},
        {"op": "delete", "grid": "NO-SUCH-GRID"},
    ]
    r = post(server, "/v1/changes", items)
    assert r.status == 400, r.body
    error = r.json()["error"]
    assert error["code"] == "invalid_input"
    assert "nothing was stored" in error["message"]
    by_index = {e.get("index"): e for e in error["items"]}
    assert set(by_index) == {2}, error  # the shape error is found first: only item 2 is named
    assert "lat" in by_index[2]["message"]
    # Shapes fine, but the facade refuses two items: both are named, by their index in the body.
    items[2] = {"op": "put", "pole": {"number": "TJH9202", "lon": 116.4702, "lat": 39.9202}}
    r = post(server, "/v1/changes", items)
    assert r.status == 400, r.body
    error = r.json()["error"]
    assert [e["index"] for e in error["items"]] == [3], error
    assert "NO-SUCH-GRID" in error["items"][0]["message"]
    items.append({"op": "put", "pole": {"number": "TJH9201", "lon": 116.4701, "lat": 39.9201}})
    r = post(server, "/v1/changes", items)
    error = r.json()["error"]
    assert sorted(e["index"] for e in error["items"]) == [3, 4], error
    # Nothing of it is stored: same sequence, same export.
    assert sequence(server) == before
    assert server.get("/v1/poles/TJH9201").status == 404
    assert server.get("/v1/poles/TJH0001").status == 200
    assert export(db, workdir, "after") == exported


def test_overlapping_grids_need_allow_overlap(setup):
    server, _, _, _ = setup
    sample_grid = server.get("/v1/grids/CY-TJH-001").json()
    item = {"op": "put", "grid": {"id": "OVER-1", "geometry": sample_grid["geometry"]}}
    r = post(server, "/v1/changes", [item])
    assert r.status == 400 and r.json()["error"]["code"] == "invalid_input", r.body
    assert "overlaps" in r.json()["error"]["items"][0]["message"]
    r = post(server, "/v1/changes?allow_overlap=true", [item])
    assert r.status == 200, r.body
    assert any("OVER-1" in o for o in r.json()["overlaps"])
    assert post(server, "/v1/changes", [{"op": "delete", "grid": "OVER-1"}]).status == 200


@pytest.mark.parametrize("body, says", [
    ("", "empty"),
    ("[", "not valid JSON"),
    ('{"op":"put"', "not valid JSON"),
    ("[]", "no change"),
    ('{"changes":[]}', "items"),
])
def test_malformed_batches_are_refused(setup, body, says):
    server, _, _, _ = setup
    r = post(server, "/v1/changes", body)
    assert r.status == 400, r.body
    text = json.dumps(r.json())
    assert says in text, text


def test_batches_need_the_token(setup):
    server, _, _, _ = setup
    r = server.request("POST", "/v1/changes", body="[]", headers={"Content-Type": "application/json"})
    assert r.status == 401


def test_the_writer_of_a_batch_is_in_the_access_log(setup):
    server, _, _, _ = setup
    r = post(server, "/v1/changes", [{"op": "put", "pole": {"number": "TJH9301", "lon": 116.47, "lat": 39.92}}])
    assert r.status == 200, r.body
    lines = [json.loads(l) for l in server.log_lines() if l.startswith("{") and '"POST"' in l]
    assert any(l.get("writer") == "gis-sync" and l.get("route") == "/v1/changes" for l in lines), lines[-3:]
    assert post(server, "/v1/changes", [{"op": "delete", "pole": "TJH9301"}]).status == 200


# --- POST /v1/import -----------------------------------------------------------------

def test_import_dry_run_reports_the_diff_and_stores_nothing(setup):
    server, _, imports, _ = setup
    before = sequence(server)
    lines = (SAMPLE / "poles.csv").read_text(encoding="utf-8").splitlines()
    (imports / "edited.csv").write_text("\n".join(lines[:1] + lines[2:] + ["TJH9401,116.4700,39.9200,路灯,,"]) + "\n",
                                        encoding="utf-8")
    r = post(server, "/v1/import", {"poles": "edited.csv", "grids": "grids.geojson", "dry_run": True})
    assert r.status == 200, r.body
    body = r.json()
    assert body["dry_run"] is True
    assert body["diff"]["poles"]["added"] == 1 and body["diff"]["poles"]["removed"] == 1
    assert body["diff"]["poles"]["removed_ids"] == ["TJH0001"]
    assert body["summary"].startswith("will add 1, change 0, remove 1 poles")
    assert sequence(server) == before
    assert server.get("/v1/poles/TJH0001").status == 200
    # The real import: readers see the new data, the sequence moves on.
    r = post(server, "/v1/import", {"poles": "edited.csv", "grids": "grids.geojson"})
    assert r.status == 200, r.body
    assert r.json()["dry_run"] is False
    assert r.json()["sequence"] == sequence(server) > before
    assert server.get("/v1/poles/TJH0001").status == 404
    assert server.get("/v1/poles/TJH9401").status == 200
    # And back.
    r = post(server, "/v1/import", {"poles": "poles.csv", "grids": "grids.geojson", "merge": False})
    assert r.status == 200, r.body
    assert server.get("/v1/poles/TJH0001").status == 200


def test_import_removing_most_poles_is_refused_without_replace(setup):
    server, _, imports, _ = setup
    before = sequence(server)
    lines = (SAMPLE / "poles.csv").read_text(encoding="utf-8").splitlines()
    (imports / "few.csv").write_text("\n".join(lines[:11]) + "\n", encoding="utf-8")
    r = post(server, "/v1/import", {"poles": "few.csv", "grids": "grids.geojson"})
    assert r.status == 400, r.body
    error = r.json()["error"]
    assert error["code"] == "invalid_input"
    assert "few.csv holds 10 poles" in error["message"] and "--replace" in error["message"], error
    assert str(imports) not in error["message"]  # files are named as the client named them
    assert sequence(server) == before
    assert server.get("/healthz").json()["poles"] >= 1529


def test_import_merge_removes_nothing(setup):
    server, _, imports, _ = setup
    (imports / "one.csv").write_text("number,lon,lat\nTJH9501,116.4700,39.9200\n", encoding="utf-8")
    (imports / "none.geojson").write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    poles_before = server.get("/healthz").json()["poles"]
    r = post(server, "/v1/import", {"poles": "one.csv", "grids": "none.geojson", "merge": True})
    assert r.status == 200, r.body
    assert r.json()["diff"]["poles"]["removed"] == 0
    assert r.json()["poles"] == poles_before + 1
    assert server.get("/healthz").json()["poles"] == poles_before + 1
    assert post(server, "/v1/changes", [{"op": "delete", "pole": "TJH9501"}]).status == 200


def test_import_merge_refuses_a_grid_over_a_stored_grid_unless_allow_overlap(setup):
    server, _, imports, _ = setup
    stored = server.get("/v1/grids/CY-TJH-001").json()
    (imports / "none.csv").write_text("number,lon,lat\n", encoding="utf-8")
    (imports / "over.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "OVER-M"}, "geometry": stored["geometry"]}]}), encoding="utf-8")
    before = sequence(server)
    body = {"poles": "none.csv", "grids": "over.geojson", "merge": True}
    r = post(server, "/v1/import", body)
    assert r.status == 400, r.body
    error = r.json()["error"]
    assert error["code"] == "invalid_input"
    assert "grid 'OVER-M' overlaps stored grid 'CY-TJH-001'" in error["message"], error
    assert error["input_errors"][0]["file"] == "over.geojson" and error["input_errors"][0]["field"] == "geometry"
    assert sequence(server) == before
    r = post(server, "/v1/import", dict(body, allow_overlap=True))
    assert r.status == 200, r.body
    assert any("OVER-M" in o and "CY-TJH-001" in o for o in r.json()["overlaps"]), r.body
    assert post(server, "/v1/changes", [{"op": "delete", "grid": "OVER-M"}]).status == 200


def test_attributes_keep_their_types_through_put_get_and_the_feed(setup):
    server, _, _, _ = setup
    before = sequence(server)
    item = {"op": "put", "pole": {"number": "TJH9601", "lon": 116.4701, "lat": 39.9201,
                                  "attributes": {"voltage_kv": 10, "height_m": 12.5, "lit": True, "code": "0372",
                                                 "gone": None}}}
    assert post(server, "/v1/changes", [item]).status == 200
    pole = server.get("/v1/poles/TJH9601").json()
    assert pole["attributes"] == {"code": "0372", "height_m": 12.5, "lit": True, "voltage_kv": 10}
    assert type(pole["attributes"]["voltage_kv"]) is int and pole["attributes"]["lit"] is True
    feed = server.get("/v1/changes?after=%d" % before).json()["changes"]
    assert any(c["id"] == "TJH9601" and c["record"]["attributes"]["voltage_kv"] == 10 for c in feed), feed
    assert post(server, "/v1/changes", [{"op": "delete", "pole": "TJH9601"}]).status == 200


@pytest.mark.parametrize("name", ["../poles.csv", "/etc/passwd", "sub/../../x.csv", "link-out.csv"])
def test_import_paths_outside_the_import_dir_are_refused(setup, name):
    server, _, imports, workdir = setup
    outside = workdir / "outside.csv"
    shutil.copy(SAMPLE / "poles.csv", outside)
    link = imports / "link-out.csv"
    if not link.is_symlink():
        os.symlink(outside, link)
    before = sequence(server)
    r = post(server, "/v1/import", {"poles": name, "grids": "grids.geojson"})
    assert r.status == 400, r.body
    assert r.json()["error"]["code"] == "bad_request"
    assert "import directory" in r.json()["error"]["message"]
    assert sequence(server) == before


def test_import_bad_requests(setup):
    server, _, _, _ = setup
    assert post(server, "/v1/import", {"poles": "poles.csv"}).status == 400
    assert post(server, "/v1/import", {"poles": "poles.csv", "grids": "grids.geojson", "wipe": True}).status == 400
    assert post(server, "/v1/import", {"poles": "poles.csv", "grids": "grids.geojson",
                                       "max_remove_share": 2}).status == 400
    assert post(server, "/v1/import", {"poles": "nope.csv", "grids": "grids.geojson"}).status == 400
    assert post(server, "/v1/import", {"poles": "poles.csv", "grids": "grids.geojson", "replace": True,
                                       "merge": True}).status == 400
    r = server.request("POST", "/v1/import", body='{"poles":"poles.csv","grids":"grids.geojson"}',
                       headers={"Content-Type": "application/json"})
    assert r.status == 401


def test_import_reads_a_shapefile_with_the_gis_members(setup):
    """The flags of issue 12 are members of POST /v1/import; a Shapefile (made
    here with gdal-bin's ogr2ogr) is read with its .prj and .cpg."""
    server, _, imports, _ = setup
    if shutil.which("ogr2ogr") is None:
        pytest.skip("ogr2ogr (gdal-bin, cmake/install-deps.sh) is not installed")
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", "-a_srs", "EPSG:4490", "-lco", "ENCODING=GBK",
                    str(imports / "grids-gbk.shp"), str(imports / "grids.geojson")], check=True)
    before = sequence(server)
    r = post(server, "/v1/import", {"poles": "poles.csv", "grids": "grids-gbk.shp", "dry_run": True,
                                    "repair": True, "allow_overlap": False, "encoding": "UTF-8",
                                    "columns": "number=number,lon=lon,lat=lat"})
    assert r.status == 200, r.body
    body = r.json()
    assert body["dry_run"] is True and body["repairs"] == [] and body["overlaps"] == []
    assert body["diff"]["grids"]["removed"] == 0
    # The .prj says CGCS2000: a different CRS given for the grids is refused, naming the file as the client did.
    r = post(server, "/v1/import", {"poles": "poles.csv", "grids": "grids-gbk.shp", "grids_crs": "EPSG:32650"})
    assert r.status == 400, r.body
    message = r.json()["error"]["message"]
    assert "grids-gbk.shp" in message and "declares its CRS as EPSG:4490" in message, message
    assert str(imports) not in message
    assert post(server, "/v1/import", {"poles": "poles.csv", "grids": "grids.geojson", "repair": "yes"}).status == 400
    assert sequence(server) == before


def test_readers_keep_answering_during_an_import(setup):
    server, _, _, _ = setup
    failures = []
    stop = threading.Event()

    def read():
        while not stop.is_set():
            r = server.get("/v1/poles/TJH0372")
            if r.status != 200:
                failures.append(r.status)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(3):
            r = post(server, "/v1/import", {"poles": "poles.csv", "grids": "grids.geojson", "replace": True})
            assert r.status == 200, r.body
    finally:
        stop.set()
        reader.join()
    assert failures == []


def test_import_without_import_dir_is_403(workdir):
    db = workdir / "db-no-import-dir"
    shutil.rmtree(db, ignore_errors=True)
    import_sample(db)
    token_file = write_token_file(workdir / "token-no-import-dir", TOKEN + "\n")
    server = start_server(db, workdir, token_file=token_file)
    try:
        r = post(server, "/v1/import", {"poles": "poles.csv", "grids": "grids.geojson"})
        assert r.status == 403, r.body
        assert r.json()["error"]["code"] == "read_only"
        assert "--import-dir" in r.json()["error"]["message"]
    finally:
        assert server.stop() == 0


def test_a_refused_import_lists_its_input_errors_named_as_the_client_named_the_files(setup):
    server, _, imports, _ = setup
    before = sequence(server)
    lines = (SAMPLE / "poles.csv").read_text(encoding="utf-8").splitlines()
    (imports / "broken.csv").write_text("\n".join(lines[:3] + ["TJH9501,not-a-number,39.92,路灯,,"]) + "\n",
                                        encoding="utf-8")
    r = post(server, "/v1/import", {"poles": "broken.csv", "grids": "grids.geojson"})
    assert r.status == 400, r.body
    error = r.json()["error"]
    assert error["code"] == "invalid_input"
    rows = error["input_errors"]
    assert len(rows) == 1, rows
    assert rows[0]["file"] == "broken.csv" and rows[0]["line"] == 4 and rows[0]["field"] == "lon", rows
    assert rows[0]["feature"] is None and rows[0]["reason"]
    assert str(imports) not in json.dumps(error)
    assert sequence(server) == before


# --- POST /v1/backup --------------------------------------------------------------------

def test_backup_over_http_is_a_checkpoint_that_restores_with_every_acknowledged_write(workdir):
    db, backups, restored = workdir / "backup-db", workdir / "backups", workdir / "from-http-backup"
    for d in (db, backups, restored):
        shutil.rmtree(d, ignore_errors=True)
    import_sample(db)
    token_file = write_token_file(workdir / "backup-tokens", "ops:" + TOKEN + "\n")
    backups.mkdir()
    server = start_server(db, workdir, token_file=token_file, extra=["--backup-dir", str(backups)])
    try:
        headers = {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"}
        put = server.request("PUT", "/v1/poles/TJH9601", body=json.dumps({"lon": 116.47, "lat": 39.92}), headers=headers)
        assert put.status in (200, 201), put.body
        written = sequence(server)
        assert server.request("POST", "/v1/backup", body="{}").status == 401
        r = server.request("POST", "/v1/backup", body=json.dumps({"name": "nightly"}), headers=headers)
        assert r.status == 201, r.body
        body = r.json()
        assert body["name"] == "nightly" and body["method"] == "checkpoint" and body["sequence"] >= written
        again = server.request("POST", "/v1/backup", body=json.dumps({"name": "nightly"}), headers=headers)
        assert again.status == 400 and str(backups) not in again.body.decode("utf-8", "replace")
        bad = server.request("POST", "/v1/backup", body=json.dumps({"name": "../x"}), headers=headers)
        assert bad.status == 400
        unnamed = server.request("POST", "/v1/backup", body="", headers=headers)
        assert unnamed.status == 201 and unnamed.json()["name"].startswith("poleloc-"), unnamed.body
    finally:
        server.stop()
    subprocess.run([CLI, "restore", "--db", str(restored), "--from-backup", str(backups / "nightly")], check=True,
                   capture_output=True)
    out = subprocess.run([CLI, "locate", "--db", str(restored), "TJH9601"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("TJH9601"), out


def test_backup_without_backup_dir_is_403(setup):
    server, _, _, _ = setup
    r = server.request("POST", "/v1/backup", body="", headers={"Authorization": "Bearer " + TOKEN})
    assert r.status == 403 and r.json()["error"]["code"] == "read_only"
