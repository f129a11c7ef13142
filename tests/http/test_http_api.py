"""The read side of the HTTP API over loopback: every endpoint, every error,
the console files and the operational endpoints. Expected values come from the
sample's own files, so the tests follow the data."""
from __future__ import annotations

import csv
import json
import os
import time
import math
import socket
import urllib.parse

import pytest

from pathlib import Path

from conftest import SAMPLE, start_server


def sample_poles() -> dict[str, dict]:
    with open(SAMPLE / "poles.csv", encoding="utf-8") as f:
        return {row["number"]: row for row in csv.DictReader(f)}


POLES = sample_poles()
NUMBER = "TJH0372" if "TJH0372" in POLES else sorted(POLES)[len(POLES) // 2]
ROW = POLES[NUMBER]
LON, LAT = float(ROW["lon"]), float(ROW["lat"])
CHINESE_DIGITS = "零一二三四五六七八九"
SPOKEN = "团结湖" + "".join(CHINESE_DIGITS[int(d)] for d in str(int(NUMBER[3:])))


def q(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def assert_error(answer, status: int, code: str, says: str | None = None):
    assert answer.status == status, answer.body
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    if says:
        assert says in body["error"]["message"], body["error"]["message"]


def assert_pole_shape(p: dict):
    assert set(p) >= {"number", "lon", "lat", "gcj02", "grid", "attributes"}
    assert set(p["gcj02"]) == {"lon", "lat"}
    if p["grid"] is not None:
        assert set(p["grid"]) == {"id", "name", "attributes"}
    assert all(isinstance(v, str) for v in p["attributes"].values())


# --- GET /v1/poles/{number} ----------------------------------------------------

@pytest.mark.parametrize("printed", [NUMBER, NUMBER.lower(), NUMBER[:3] + "-" + NUMBER[3:],
                                     "".join(chr(ord(c) + 0xFEE0) for c in NUMBER)])
def test_pole_lookup_accepts_any_printed_form(read_only_server, printed):
    a = read_only_server.get("/v1/poles/" + q(printed))
    assert a.status == 200, a.body
    p = a.json()
    assert_pole_shape(p)
    assert p["number"] == NUMBER
    assert p["lon"] == pytest.approx(LON, abs=1e-7)
    assert p["lat"] == pytest.approx(LAT, abs=1e-7)
    for key in ROW:
        if key not in ("number", "lon", "lat"):
            assert p["attributes"][key] == ROW[key]


def test_pole_grid_is_the_grid_at_its_position(read_only_server):
    p = read_only_server.get("/v1/poles/" + NUMBER).json()
    g = read_only_server.get("/v1/grids/at?lon=%r&lat=%r" % (p["lon"], p["lat"]))
    assert g.status == 200
    grid = g.json()
    assert p["grid"] == {k: grid[k] for k in ("id", "name", "attributes")}
    # The point is the pole's: the same distance to the grid's edge (docs/boundary.md).
    assert grid["boundary_distance_m"] == p["boundary_distance_m"]


def test_missing_pole_is_404_with_fuzzy_suggestions(read_only_server):
    missing = NUMBER[:3] + "9" + NUMBER[4:] if NUMBER[3] != "9" else NUMBER[:3] + "8" + NUMBER[4:]
    assert missing not in POLES
    a = read_only_server.get("/v1/poles/" + missing)
    assert_error(a, 404, "not_found", missing)
    suggestions = a.json()["suggestions"]
    assert suggestions, "a near miss must come with suggestions"
    for s in suggestions:
        assert_pole_shape(s)
        assert s["match"] in ("exact", "fuzzy")
        assert 0 <= s["score"] <= 1
        assert s["number"] in POLES


def test_spoken_text_in_the_pole_path_suggests_the_pole(read_only_server):
    a = read_only_server.get("/v1/poles/" + q(SPOKEN))
    assert_error(a, 404, "not_found", "not a printed pole number")
    assert a.json()["suggestions"][0]["number"] == NUMBER


@pytest.mark.parametrize("path,says", [
    ("/v1/poles/%FF%FE", "UTF-8"),
    ("/v1/poles/%E5%9B", "UTF-8"),
    ("/v1/poles/TJH%2", "percent-encoding"),
    ("/v1/poles/", "empty"),
    ("/v1/poles/" + "A" * 600, "at most 512"),
    ("/v1/poles/%s?verbose=1" % NUMBER, "unknown query parameter"),
])
def test_bad_pole_paths_are_400(read_only_server, path, says):
    assert_error(read_only_server.get(path), 400, "bad_request", says)


# --- GET /v1/resolve -------------------------------------------------------------

def test_resolve_spoken_number_ranks_the_pole_first(read_only_server):
    a = read_only_server.get("/v1/resolve?q=" + q(SPOKEN))
    assert a.status == 200, a.body
    body = a.json()
    assert body["query"] == SPOKEN
    top = body["candidates"][0]
    assert_pole_shape(top)
    assert top["number"] == NUMBER
    assert top["match"] == "exact"
    assert top["reason"] and top["read_back"]
    assert "distance_m" not in top
    scores = [c["score"] for c in body["candidates"]]
    assert scores == sorted(scores, reverse=True)


def test_resolve_near_adds_distance_and_far_flag(read_only_server):
    a = read_only_server.get("/v1/resolve?q=%s&near=%r,%r&limit=3" % (q(SPOKEN), LON, LAT))
    assert a.status == 200, a.body
    cands = a.json()["candidates"]
    assert 1 <= len(cands) <= 3
    assert cands[0]["number"] == NUMBER
    assert cands[0]["distance_m"] < 1
    assert cands[0]["far_from_caller"] is False
    assert all("distance_m" in c and "far_from_caller" in c for c in cands)


def test_resolve_limit_caps_candidates(read_only_server):
    a = read_only_server.get("/v1/resolve?q=" + q(NUMBER[:3] + " " + NUMBER[3:]) + "&limit=1")
    assert a.status == 200
    assert len(a.json()["candidates"]) == 1


@pytest.mark.parametrize("query,says", [
    ("", "'q' is required"),
    ("q=", "empty"),
    ("q=%20%20%20", "empty"),
    ("q=" + "a" * 513, "513 bytes"),
    ("q=" + q("团" * 171), "513 bytes"),
    ("q=%FF%FE", "UTF-8"),
    ("q=%E5%9B%A2%E7", "UTF-8"),
    ("q=%zz", "percent-encoding"),
    ("q=x&limit=0", "limit must be between 1 and 50"),
    ("q=x&limit=51", "limit must be between 1 and 50"),
    ("q=x&limit=-1", "limit must be a whole number"),
    ("q=x&limit=ten", "limit must be a whole number"),
    ("q=x&near=116.4", "near must be LON,LAT"),
    ("q=x&near=nan,39.9", "near longitude"),
    ("q=x&near=116.4,91", "near latitude"),
    ("q=x&q=y", "more than once"),
    ("q=x&text=y", "unknown query parameter 'text'"),
])
def test_resolve_errors_are_400(read_only_server, query, says):
    assert_error(read_only_server.get("/v1/resolve?" + query), 400, "bad_request", says)


def test_resolve_accepts_exactly_512_bytes(read_only_server):
    assert read_only_server.get("/v1/resolve?q=" + "7" * 512).status == 200


# --- GET /v1/grids/at, /v1/poles/nearest -----------------------------------------

def test_grid_at_a_pole_and_nowhere(read_only_server):
    a = read_only_server.get("/v1/grids/at?lon=%r&lat=%r" % (LON, LAT))
    assert a.status == 200, a.body
    g = a.json()
    assert set(g) - {"neighbour_grids"} == {"id", "name", "attributes", "boundary_distance_m"}  # no geometry here
    assert_error(read_only_server.get("/v1/grids/at?lon=0&lat=0"), 404, "not_found", "no grid contains")


@pytest.mark.parametrize("route", ["/v1/grids/at", "/v1/poles/nearest"])
@pytest.mark.parametrize("query,says", [
    ("lon=abc&lat=39.9", "lon must be a decimal number"),
    ("lon=116.4&lat=", "'lat' is required"),
    ("lat=39.9", "'lon' is required"),
    ("lon=NaN&lat=39.9", "lon"),
    ("lon=116.4&lat=nan", "lat"),
    ("lon=inf&lat=39.9", "lon"),
    ("lon=181&lat=39.9", "[-180, 180]"),
    ("lon=116.4&lat=-90.01", "[-90, 90]"),
    ("lon=116.4&lat=39.9abc", "lat"),
    ("lon=116.4&lat=39.9&lng=1", "unknown query parameter"),
])
def test_bad_lon_lat_are_400(read_only_server, route, query, says):
    assert_error(read_only_server.get(route + "?" + query), 400, "bad_request", says)


def test_nearest_is_ordered_by_distance_and_honours_k_and_max_m(read_only_server):
    a = read_only_server.get("/v1/poles/nearest?lon=%r&lat=%r&k=7" % (LON, LAT))
    assert a.status == 200, a.body
    poles = a.json()["poles"]
    assert len(poles) == 7
    assert poles[0]["number"] == NUMBER
    assert poles[0]["distance_m"] < 0.01
    d = [p["distance_m"] for p in poles]
    assert d == sorted(d)
    for p in poles:
        assert_pole_shape(p)
    near = read_only_server.get("/v1/poles/nearest?lon=%r&lat=%r&k=50&max_m=%r" % (LON, LAT, d[2])).json()["poles"]
    assert all(p["distance_m"] <= d[2] + 0.01 for p in near)
    assert 3 <= len(near) < 50


@pytest.mark.parametrize("query,says", [
    ("k=0", "k must be between 1 and 1000"),
    ("k=1001", "k must be between 1 and 1000"),
    ("k=-1", "k must be a whole number"),
    ("k=2.5", "k must be a whole number"),
    ("max_m=0", "max_m must be a positive"),
    ("max_m=-5", "max_m must be a positive"),
    ("max_m=nan", "max_m must be a decimal number"),
])
def test_nearest_option_errors_are_400(read_only_server, query, says):
    a = read_only_server.get("/v1/poles/nearest?lon=%r&lat=%r&%s" % (LON, LAT, query))
    assert_error(a, 400, "bad_request", says)


# --- grids -------------------------------------------------------------------------

def grid_id(server) -> str:
    return server.get("/v1/poles/" + NUMBER).json()["grid"]["id"]


def test_grid_has_geojson_geometry(read_only_server):
    gid = grid_id(read_only_server)
    a = read_only_server.get("/v1/grids/" + q(gid))
    assert a.status == 200
    g = a.json()
    assert g["id"] == gid and g["name"]
    assert g["geometry"]["type"] in ("Polygon", "MultiPolygon")
    ring = g["geometry"]["coordinates"][0] if g["geometry"]["type"] == "Polygon" else g["geometry"]["coordinates"][0][0]
    assert ring[0] == ring[-1] and len(ring) >= 4


def test_unknown_grid_is_404(read_only_server):
    for path in ("/v1/grids/NO-SUCH-GRID", "/v1/grids/NO-SUCH-GRID/poles", "/v1/grids/NO-SUCH-GRID/neighbours"):
        assert_error(read_only_server.get(path), 404, "not_found", "NO-SUCH-GRID")


def test_grid_poles_pages_cover_the_grid_once(read_only_server):
    gid = grid_id(read_only_server)
    seen, cursor, pages = [], None, 0
    while True:
        path = "/v1/grids/%s/poles?limit=25" % q(gid) + ("&cursor=" + cursor if cursor else "")
        a = read_only_server.get(path)
        assert a.status == 200, a.body
        page = a.json()
        assert len(page["poles"]) <= 25
        for p in page["poles"]:
            assert p["grid"]["id"] == gid
        seen += [p["number"] for p in page["poles"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages > 1, "the sample grid should need more than one page of 25"
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen)
    assert NUMBER in seen


@pytest.mark.parametrize("query,says", [
    ("limit=0", "limit must be between 1 and 10000"),
    ("limit=10001", "limit must be between 1 and 10000"),
    ("cursor=abc", "cursor must be the next_cursor"),
    ("page=2", "unknown query parameter"),
])
def test_grid_poles_errors_are_400(read_only_server, query, says):
    a = read_only_server.get("/v1/grids/%s/poles?%s" % (q(grid_id(read_only_server)), query))
    assert_error(a, 400, "bad_request", says)


def test_neighbours_are_other_grids_with_geometry(read_only_server):
    gid = grid_id(read_only_server)
    a = read_only_server.get("/v1/grids/%s/neighbours" % q(gid))
    assert a.status == 200, a.body
    body = a.json()
    assert body["grid"] == gid
    assert body["grids"], "a sample grid has neighbours"
    assert all(g["id"] != gid and "geometry" in g for g in body["grids"])
    assert len(read_only_server.get("/v1/grids/%s/neighbours?limit=1" % q(gid)).json()["grids"]) == 1
    assert_error(read_only_server.get("/v1/grids/%s/neighbours?limit=0" % q(gid)), 400, "bad_request")


# --- routing, methods, limits, protocol --------------------------------------------

@pytest.mark.parametrize("path", ["/v1/nothing", "/v2/resolve", "/v1/poles/A/B", "/index.html", "/v1/resolve/"])
def test_unknown_path_is_json_404(read_only_server, path):
    assert_error(read_only_server.get(path), 404, "not_found", "no route")


@pytest.mark.parametrize("method,path,allow", [
    ("POST", "/v1/resolve?q=x", "GET, HEAD"),
    ("DELETE", "/healthz", "GET, HEAD"),
    ("PATCH", "/v1/poles/TJH0001", "GET, HEAD, PUT, DELETE"),
    ("POST", "/v1/grids/X", "GET, HEAD, PUT, DELETE"),
    ("PUT", "/v1/poles/nearest", "GET, HEAD"),
    ("OPTIONS", "/", "GET, HEAD"),
])
def test_wrong_method_is_405_with_allow(read_only_server, method, path, allow):
    a = read_only_server.request(method, path)
    assert_error(a, 405, "method_not_allowed")
    assert a.headers["allow"] == allow


def test_overlong_target_is_413(read_only_server):
    assert_error(read_only_server.get("/v1/resolve?q=" + "a" * 9000), 413, "payload_too_large")


def test_oversized_headers_are_413(read_only_server):
    a = read_only_server.get("/healthz", headers={"X-Padding": "p" * 20000})
    assert_error(a, 413, "payload_too_large")


def raw_exchange(server, data: bytes) -> bytes:
    with socket.create_connection((server.host, server.port), timeout=10) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def test_garbage_is_400_and_the_server_keeps_serving(read_only_server):
    reply = raw_exchange(read_only_server, b"\x16\x03\x01\x02\x00hello this is not http\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    assert b'"code":"bad_request"' in reply
    assert read_only_server.get("/healthz").status == 200


def test_keep_alive_serves_many_requests_on_one_connection(read_only_server):
    import http.client
    conn = http.client.HTTPConnection(read_only_server.host, read_only_server.port, timeout=10)
    try:
        for path in ["/healthz", "/v1/poles/" + NUMBER, "/v1/nothing", "/v1/resolve?q=" + q(SPOKEN)]:
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            assert r.status in (200, 404)
            assert r.getheader("Connection", "").lower() != "close"
    finally:
        conn.close()


def test_responses_have_no_nagle_delay(read_only_server):
    import http.client
    import time
    conn = http.client.HTTPConnection(read_only_server.host, read_only_server.port, timeout=10)
    try:
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        start = time.perf_counter()
        for _ in range(20):
            conn.request("GET", "/v1/poles/" + NUMBER)
            conn.getresponse().read()
        per_request = (time.perf_counter() - start) / 20
        assert per_request < 0.02, "%.1f ms per keep-alive request" % (per_request * 1000)
    finally:
        conn.close()


# --- operations ---------------------------------------------------------------------

def test_healthz(read_only_server):
    h = read_only_server.get("/healthz").json()
    assert h["status"] == "ok"
    assert h["poles"] == len(POLES)
    assert h["grids"] > 0
    assert h["writable"] is False
    assert h["snapshot_age_s"] >= 0


def test_metrics_in_prometheus_text(read_only_server):
    read_only_server.get("/v1/poles/" + NUMBER)
    read_only_server.get("/v1/grids/at?lon=x&lat=1")
    a = read_only_server.get("/metrics")
    assert a.status == 200
    assert a.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = a.body.decode()
    assert 'poleloc_http_requests_total{route="/v1/poles/{number}",status="200"}' in text
    assert 'poleloc_http_requests_total{route="/v1/grids/at",status="400"}' in text
    assert "# TYPE poleloc_http_request_duration_seconds histogram" in text
    assert 'poleloc_http_request_duration_seconds_bucket{route="/v1/poles/{number}",le="+Inf"}' in text
    assert "poleloc_snapshot_age_seconds " in text
    assert "poleloc_snapshot_poles %d\n" % len(POLES) in text
    assert "poleloc_poles_served_total " in text and "poleloc_grids_served_total " in text
    assert "poleloc_merges_total" not in text, "a read-only server never merges"
    for line in text.splitlines():
        assert line.startswith("#") or len(line.rsplit(" ", 1)) == 2, line


def test_openapi_describes_what_is_served(read_only_server):
    """Every described operation answers (no unmatched 404, no 405); the reverse
    direction (every served route is described) is checked on the route table
    in http_routes_test."""
    a = read_only_server.get("/v1/openapi.json")
    assert a.status == 200
    doc = a.json()
    assert doc["openapi"].startswith("3.")
    gid = grid_id(read_only_server)
    fill = {"{number}": NUMBER, "{id}": q(gid)}
    queries = {"/v1/resolve": "?q=" + q(SPOKEN), "/v1/grids/at": "?lon=%r&lat=%r" % (LON, LAT),
               "/v1/poles/nearest": "?lon=%r&lat=%r" % (LON, LAT)}
    for path, item in doc["paths"].items():
        concrete = path
        for k, v in fill.items():
            concrete = concrete.replace(k, v)
        for method in item:
            if method == "parameters":
                continue
            r = read_only_server.request(method.upper(), concrete + queries.get(path, ""),
                                         body=b"{}" if method == "put" else None)
            assert r.status != 405, (method, path)
            if r.status == 404:
                assert "no route" not in r.json()["error"]["message"], (method, path)
            if method == "get" and "security" in item[method]:
                assert r.status == 403, (path, r.body[:200])  # no token file: refused, but routed
            elif method == "get":
                assert r.status == 200, (path, r.body[:200])


def wait_for_log(server, predicate, seconds: float = 3):
    import time
    # Lines are written in batches at least every 100 ms.
    deadline = time.monotonic() + seconds
    while True:
        lines = [json.loads(line) for line in server.log_lines() if line.startswith("{")]
        hits = [e for e in lines if predicate(e)]
        if hits or time.monotonic() > deadline:
            return hits
        time.sleep(0.05)


def test_access_log_is_one_json_object_per_request(read_only_server):
    read_only_server.get("/v1/grids/ACCESSLOG-MARKER")
    hits = wait_for_log(read_only_server, lambda e: "ACCESSLOG-MARKER" in e.get("target", ""))
    assert hits, "the request is in the access log within a few hundred milliseconds"
    e = hits[-1]
    assert e["method"] == "GET" and e["status"] == 404 and e["route"] == "/v1/grids/{id}"
    assert e["remote"].startswith("127.0.0.1:")
    assert isinstance(e["us"], int) and isinstance(e["bytes"], int) and e["ts"].endswith("Z")


def test_access_log_leaves_out_caller_speech_and_location(read_only_server):
    s = read_only_server
    s.get("/v1/resolve?q=%s&near=116.4712345,39.9251234&limit=3" % q(SPOKEN))
    s.get("/v1/grids/at?lon=116.4712346&lat=39.9251235")
    s.get("/v1/poles/nearest?lon=116.4712347&lat=39.9251236&k=2")
    s.get("/v1/poles/" + q("团结湖三七二"))
    hits = wait_for_log(s, lambda e: e.get("route") == "/v1/poles/nearest")
    assert hits
    time.sleep(0.3)
    text = "\n".join(s.log_lines())
    for secret in ["116.471234", "39.925123", q(SPOKEN), q("团结湖三七二")]:
        assert secret not in text, secret
    targets = [e["target"] for e in wait_for_log(s, lambda e: "route" in e)]
    assert "/v1/resolve?q=~&near=~&limit=3" in targets
    assert "/v1/poles/nearest?lon=~&lat=~&k=2" in targets
    assert "/v1/poles/~" in targets


def glibc_tunables_of(server) -> str | None:
    """GLIBC_TUNABLES in the environment the server's program was executed with."""
    environ = Path("/proc/%d/environ" % server.process.pid).read_bytes().split(b"\0")
    found = [e[len(b"GLIBC_TUNABLES="):].decode() for e in environ if e.startswith(b"GLIBC_TUNABLES=")]
    return found[0] if found else None


def heap_mapping_bytes(server) -> int:
    """The size of the server's [heap] mapping (0 without one)."""
    for line in Path("/proc/%d/maps" % server.process.pid).read_text().splitlines():
        if line.endswith("[heap]"):
            start, end = (int(x, 16) for x in line.split()[0].split("-"))
            return end - start
    return 0


def transparent_huge_pages_on() -> bool:
    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    mode = thp.read_text() if thp.exists() else ""
    return "[always]" in mode or "[madvise]" in mode


def test_the_server_runs_with_malloc_asking_for_huge_pages(read_only_server):
    """poleloc executes itself once with glibc.malloc.hugetlb=1 (a faster open) where huge pages are on."""
    if "glibc.malloc.hugetlb" in os.environ.get("GLIBC_TUNABLES", ""):
        pytest.skip("the test's own environment sets glibc.malloc.hugetlb")
    tunables = glibc_tunables_of(read_only_server)
    if transparent_huge_pages_on():
        assert tunables is not None and "glibc.malloc.hugetlb=1" in tunables.split(":"), tunables
        # With it, glibc.malloc.top_pad (which /proc/PID/environ no longer shows): the heap grows
        # 128 MiB at a time, so its mapping is at least that (address space, not memory).
        assert heap_mapping_bytes(read_only_server) >= 128 << 20
    else:
        assert tunables is None or "glibc.malloc.hugetlb" not in tunables, tunables
    assert read_only_server.get("/healthz").status == 200


def test_a_glibc_malloc_hugetlb_setting_of_the_caller_is_kept(workdir):
    """GLIBC_TUNABLES=glibc.malloc.hugetlb=0 opts out; other tunables of the caller's are kept.
    (glibc rewrites the variable in place: /proc/PID/environ shows it up to its first tunable.)"""
    db = workdir / "db-read-only"
    server = start_server(db, workdir, env={"GLIBC_TUNABLES": "glibc.malloc.hugetlb=0:glibc.malloc.arena_max=4"})
    try:
        assert glibc_tunables_of(server).split(":")[0] == "glibc.malloc.hugetlb=0"
        assert server.get("/healthz").status == 200
    finally:
        assert server.stop() == 0
    server = start_server(db, workdir, env={"GLIBC_TUNABLES": "glibc.malloc.arena_max=4"})
    try:
        expected = "glibc.malloc.hugetlb=1" if transparent_huge_pages_on() else "glibc.malloc.arena_max=4"
        assert glibc_tunables_of(server).split(":")[0] == expected
        assert server.get("/healthz").status == 200
    finally:
        assert server.stop() == 0


# --- console ------------------------------------------------------------------------

def test_console_page_and_assets(read_only_server):
    page = read_only_server.get("/")
    assert page.status == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    html = page.body.decode("utf-8")
    assert 'src="console.js"' in html and 'href="console.css"' in html
    assert "网格" in html and "Grid" in html
    js = read_only_server.get("/console.js")
    assert js.status == 200 and js.headers["content-type"].startswith("text/javascript")
    css = read_only_server.get("/console.css")
    assert css.status == 200 and css.headers["content-type"].startswith("text/css")
    # A deep link keeps working: the console reads ?q= itself.
    assert read_only_server.get("/?q=" + q(SPOKEN)).status == 200


def test_server_survived_everything(read_only_server):
    assert read_only_server.process.poll() is None
    assert read_only_server.get("/healthz").status == 200
