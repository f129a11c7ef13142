"""History over HTTP: as_of on the read endpoints, pole and grid history with
the writer's token name, and the change feed with its long-poll."""
from __future__ import annotations

import datetime
import json
import shutil
import threading
import time
import urllib.parse

import pytest

from conftest import import_sample, start_server, write_token_file

TOKEN = "history-test-token-9d41a7"
AUTH = {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"}
SQUARE = [[116.5000, 39.9500], [116.5010, 39.9500], [116.5010, 39.9510], [116.5000, 39.9510], [116.5000, 39.9500]]
WIDER = [[116.5000, 39.9500], [116.5020, 39.9500], [116.5020, 39.9510], [116.5000, 39.9510], [116.5000, 39.9500]]


@pytest.fixture(scope="module")
def server(workdir):
    db = workdir / "db-history"
    shutil.rmtree(db, ignore_errors=True)
    import_sample(db)
    token_file = write_token_file(workdir / "history-tokens", "dispatch-centre:" + TOKEN + "\n")
    s = start_server(db, workdir, token_file=token_file)
    yield s
    assert s.stop() == 0


def now_rfc3339() -> str:
    time.sleep(0.005)
    t = datetime.datetime.now(datetime.timezone.utc).isoformat()
    time.sleep(0.005)
    return t


def put_grid(s, gid, ring):
    body = {"name": gid, "geometry": {"type": "Polygon", "coordinates": [ring]}}
    a = s.request("PUT", "/v1/grids/" + gid, body=json.dumps(body), headers=AUTH)
    assert a.status in (200, 201), a.body


def test_as_of_answers_before_and_after_a_grid_is_redrawn_and_a_pole_renumbered(server):
    s = server
    put_grid(s, "H-1", SQUARE)
    a = s.request("PUT", "/v1/poles/HST0001", body=json.dumps({"lon": 116.5015, "lat": 39.9505}), headers=AUTH)
    assert a.status == 201, a.body
    before = now_rfc3339()
    put_grid(s, "H-1", WIDER)
    assert s.request("DELETE", "/v1/poles/HST0001", headers=AUTH).status == 200
    a = s.request("PUT", "/v1/poles/HST0002", body=json.dumps({"lon": 116.5015, "lat": 39.9505}), headers=AUTH)
    assert a.status == 201

    q = "as_of=" + urllib.parse.quote(before)
    then = s.get("/v1/poles/HST0001?" + q)
    assert then.status == 200, then.body
    assert then.json()["grid"] is None  # outside the square then
    assert s.get("/v1/poles/HST0002?" + q).status == 404
    assert s.get("/v1/grids/at?lon=116.5015&lat=39.9505&" + q).status == 404
    assert s.get("/v1/grids/at?lon=116.5015&lat=39.9505").json()["id"] == "H-1"
    assert s.get("/v1/poles/HST0002").json()["grid"]["id"] == "H-1"
    assert s.get("/v1/poles/HST0001").status == 404
    near = s.get("/v1/poles/nearest?lon=116.5015&lat=39.9505&k=1&" + q).json()["poles"][0]
    assert near["number"] == "HST0001"
    assert s.get("/v1/grids/H-1/poles?" + q).json()["poles"] == []
    assert [p["number"] for p in s.get("/v1/grids/H-1/poles").json()["poles"]] == ["HST0002"]
    assert s.get("/v1/resolve?q=HST0001&" + q).json()["candidates"][0]["number"] == "HST0001"
    # The same instant written with an offset.
    east = datetime.datetime.fromisoformat(before).astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    assert s.get("/v1/poles/HST0001?as_of=" + urllib.parse.quote(east.isoformat())).status == 200


@pytest.mark.parametrize("value", ["yesterday", "2026-03-01T08:00:00", "2026-13-01T00:00:00Z"])
def test_a_bad_as_of_is_400_naming_the_parameter(server, value):
    a = server.get("/v1/poles/TJH0372?as_of=" + urllib.parse.quote(value))
    assert a.status == 400
    assert a.json()["error"]["code"] == "bad_request"
    assert "as_of" in a.json()["error"]["message"] and "RFC 3339" in a.json()["error"]["message"]


def test_pole_and_grid_history_name_the_token_and_the_times(server):
    s = server
    a = s.request("PUT", "/v1/poles/HST0100", body=json.dumps({"lon": 116.5005, "lat": 39.9505}), headers=AUTH)
    assert a.status == 201
    a = s.request("PUT", "/v1/poles/HST0100", body=json.dumps({"lon": 116.5006, "lat": 39.9505}), headers=AUTH)
    assert a.status == 200
    h = s.get("/v1/poles/hst-0100/history")
    assert h.status == 200, h.body
    body = h.json()
    assert body["number"] == "HST0100"
    versions = body["versions"]
    assert len(versions) == 2
    assert [v["author"] for v in versions] == ["dispatch-centre", "dispatch-centre"]
    assert versions[0]["valid_to"] == versions[1]["valid_from"]
    assert versions[1]["valid_to"] is None
    assert versions[1]["record"]["lon"] == 116.5006
    assert versions[0]["valid_from"].endswith("Z")
    put_grid(s, "H-2", [[116.51, 39.95], [116.511, 39.95], [116.511, 39.951], [116.51, 39.951], [116.51, 39.95]])
    assert s.request("DELETE", "/v1/grids/H-2", headers=AUTH).status == 200
    g = s.get("/v1/grids/H-2/history").json()["versions"]
    assert [v["deleted"] for v in g] == [False, True]
    assert g[0]["record"]["geometry"]["type"] == "Polygon"
    assert s.get("/v1/poles/ZZZ9999/history").status == 404


def test_change_feed_pages_in_order_and_ends_at_the_current_sequence(server):
    s = server
    seen = []
    after, skip = 0, 0
    while True:
        page = s.get("/v1/changes?after=%d&skip=%d&limit=50" % (after, skip)).json()
        seen += page["changes"]
        if not page["changes"]:
            break
        after, skip = page["next_after"], page["next_skip"]
    assert after == s.get("/healthz").json()["sequence"]
    seqs = [c["seq"] for c in seen]
    assert seqs == sorted(seqs)
    kinds = {c["kind"] for c in seen}
    assert {"pole", "grid", "alias"} <= kinds
    put = next(c for c in seen if c["kind"] == "pole" and c["op"] == "put" and c["author"] == "dispatch-centre")
    assert set(put["record"]) == {"number", "lon", "lat", "gcj02", "attributes"}
    deleted = [c for c in seen if c["op"] == "delete"]
    assert deleted and all(c["record"] is None for c in deleted)


def test_long_poll_returns_when_a_write_happens(server):
    s = server
    seq = s.get("/healthz").json()["sequence"]
    answer = {}

    def poll():
        answer["a"] = s.get("/v1/changes?after=%d&wait=60s" % seq, timeout=90)

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(0.3)
    # Other requests are answered while the long-poll waits (on both I/O threads).
    for _ in range(4):
        assert s.get("/healthz").status == 200
    a = s.request("PUT", "/v1/poles/HST0200", body=json.dumps({"lon": 116.5007, "lat": 39.9505}), headers=AUTH)
    assert a.status == 201
    t.join(timeout=60)
    assert not t.is_alive(), "the long-poll did not return after the write"
    page = answer["a"].json()
    assert [c["id"] for c in page["changes"]] == ["HST0200"]
    assert page["next_after"] == seq + 1


def test_long_poll_without_changes_answers_empty_after_the_wait(server):
    seq = server.get("/healthz").json()["sequence"]
    page = server.get("/v1/changes?after=%d&wait=200ms" % seq).json()
    assert page["changes"] == [] and page["next_after"] == seq


@pytest.mark.parametrize("query", ["wait=2h", "wait=soon", "limit=0", "after=x", "limit=20000"])
def test_bad_change_feed_parameters_are_400(server, query):
    assert server.get("/v1/changes?" + query).status == 400
