"""The write side of the HTTP API over loopback: bearer token, JSON bodies,
write-then-read, refusals, and graceful shutdown."""
from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse

import pytest

from conftest import TOKEN, start_server

AUTH = {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"}

# A small square away from the sample's grids (Tuanjiehu is near 116.47, 39.92).
FAR_SQUARE = [[116.5000, 39.9500], [116.5010, 39.9500], [116.5010, 39.9510], [116.5000, 39.9510], [116.5000, 39.9500]]


def assert_error(answer, status: int, code: str, says: str | None = None):
    assert answer.status == status, answer.body
    body = answer.json()
    assert body["error"]["code"] == code, body
    if says:
        assert says in body["error"]["message"], body["error"]["message"]


# --- the token ------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-token"},
    {"Authorization": "Bearer " + TOKEN[:-1]},
    {"Authorization": "Bearer " + TOKEN + "x"},
    {"Authorization": "Basic " + TOKEN},
    {"Authorization": "Bearer"},
])
def test_writes_without_the_right_token_are_401(writable_server, headers):
    body = json.dumps({"lon": 116.47, "lat": 39.92})
    for method, path in [("PUT", "/v1/poles/TJH8001"), ("DELETE", "/v1/poles/TJH8001"),
                         ("PUT", "/v1/grids/T-401"), ("DELETE", "/v1/grids/T-401")]:
        a = writable_server.request(method, path, body=body if method == "PUT" else None, headers=headers)
        assert_error(a, 401, "unauthorized")
        assert a.headers["www-authenticate"].startswith("Bearer")
    assert writable_server.get("/v1/poles/TJH8001").status == 404


def test_server_without_token_file_refuses_every_write(read_only_server):
    for method, path in [("PUT", "/v1/poles/TJH8002"), ("DELETE", "/v1/poles/TJH0001"),
                         ("PUT", "/v1/grids/T-1"), ("DELETE", "/v1/grids/CY-TJH-001")]:
        a = read_only_server.request(method, path, body='{"lon":1,"lat":2}' if method == "PUT" else None, headers=AUTH)
        assert_error(a, 403, "read_only", "without --token-file")
    assert read_only_server.get("/healthz").json()["writable"] is False


# --- poles ------------------------------------------------------------------------------

def test_put_pole_then_read_it_everywhere(writable_server):
    s = writable_server
    body = {"lon": 116.4701, "lat": 39.9231, "attributes": {"kind": "路灯", "manager": "王芳"}}
    a = s.request("PUT", "/v1/poles/tjh-8003", body=json.dumps(body, ensure_ascii=False), headers=AUTH)
    assert a.status == 201, a.body
    created = a.json()
    assert created["number"] == "TJH8003"
    assert created["attributes"] == {"kind": "路灯", "manager": "王芳"}

    got = s.get("/v1/poles/TJH8003")
    assert got.status == 200 and got.json() == created
    grid = s.get("/v1/grids/at?lon=116.4701&lat=39.9231")
    assert created["grid"] == ({k: grid.json()[k] for k in ("id", "name", "attributes")} if grid.status == 200 else None)
    nearest = s.get("/v1/poles/nearest?lon=116.4701&lat=39.9231&k=1").json()["poles"][0]
    assert nearest["number"] == "TJH8003" and nearest["distance_m"] < 0.01
    resolved = s.get("/v1/resolve?q=" + urllib.parse.quote("团结湖八零零三")).json()["candidates"]
    assert resolved[0]["number"] == "TJH8003"

    moved = s.request("PUT", "/v1/poles/TJH8003", body='{"lon":116.4702,"lat":39.9232}', headers=AUTH)
    assert moved.status == 200, moved.body
    assert moved.json()["lon"] == pytest.approx(116.4702)
    assert moved.json()["attributes"] == {}

    deleted = s.request("DELETE", "/v1/poles/TJH-8003", headers=AUTH)
    assert deleted.status == 200 and deleted.json() == {"deleted": "TJH8003"}
    assert s.get("/v1/poles/TJH8003").status == 404
    assert_error(s.request("DELETE", "/v1/poles/TJH8003", headers=AUTH), 404, "not_found")


def test_metrics_of_a_writable_server_show_the_overlay_and_the_merges(writable_server):
    s = writable_server
    before = s.get("/metrics").body.decode()
    assert "# TYPE poleloc_merges_total counter" in before
    assert "poleloc_merge_running " in before
    a = s.request("PUT", "/v1/poles/TJH8011", body=json.dumps({"lon": 116.4702, "lat": 39.9232}), headers=AUTH)
    assert a.status in (200, 201), a.body
    lines = dict(l.rsplit(" ", 1) for l in s.get("/metrics").body.decode().splitlines() if not l.startswith("#"))
    # The write is in the overlay until the background merge folds it in (a second after writes pause).
    assert float(lines["poleloc_overlay_poles"]) >= 1 or float(lines["poleloc_merges_total"]) >= 1
    assert float(lines["poleloc_overlay_grids"]) >= 0
    assert "# TYPE poleloc_overlay_folds_total counter" in before
    # A grid write is folded into the overlay's delta in the background within
    # milliseconds (unless a merge took the whole overlay into a new base first).
    square = [[116.5100, 39.9500], [116.5110, 39.9500], [116.5110, 39.9510], [116.5100, 39.9510], [116.5100, 39.9500]]
    g = s.request("PUT", "/v1/grids/T-FOLD-1", body=json.dumps({"geometry": {"type": "Polygon", "coordinates": [square]}}),
                  headers=AUTH)
    assert g.status == 201, g.body
    deadline = time.monotonic() + 5
    while True:
        now = dict(l.rsplit(" ", 1) for l in s.get("/metrics").body.decode().splitlines() if not l.startswith("#"))
        if float(now["poleloc_overlay_folds_total"]) >= 1 or float(now["poleloc_merges_total"]) > float(lines["poleloc_merges_total"]):
            break
        assert time.monotonic() < deadline, "the grid write was neither folded nor merged"
        time.sleep(0.02)
    assert s.get("/v1/grids/at?lon=116.5105&lat=39.9505").json()["id"] == "T-FOLD-1"


@pytest.mark.parametrize("body,says", [
    ("", "empty"),
    ("{", "not valid JSON"),
    ('{"lon":116.47,"lat":39.92,}', "not valid JSON"),
    ("[1,2]", "must be a JSON object"),
    ('{"lat":39.92}', "'lon' is required"),
    ('{"lon":"116.47","lat":39.92}', "lon must be a number"),
    ('{"lon":116.47,"lat":99}', "lat must be in"),
    ('{"lon":116.47,"lat":39.92,"attributes":{"height":[12]}}', "attributes.height must be a string, number, boolean or null"),
    ('{"lon":116.47,"lat":39.92,"colour":"red"}', "unknown member 'colour'"),
    ('{"number":"TJH0001","lon":116.47,"lat":39.92}', "must match"),
    ('{"lon":1,"lat":2,"attributes":' + "[" * 100 + "]" * 100 + "}", "deeper than"),
    ('{"lon":1e999,"lat":39.92}', "1e999"),
])
def test_malformed_pole_bodies_are_400(writable_server, body, says):
    a = writable_server.request("PUT", "/v1/poles/TJH8004", body=body, headers=AUTH)
    assert_error(a, 400, "bad_request", says)
    assert writable_server.get("/v1/poles/TJH8004").status == 404


def test_invalid_utf8_body_is_400(writable_server):
    a = writable_server.request("PUT", "/v1/poles/TJH8005", body=b'{"lon":1,"lat":2,"attributes":{"a":"\xff"}}',
                                headers=AUTH)
    assert_error(a, 400, "bad_request", "not valid JSON")


def test_path_that_is_not_a_number_is_400(writable_server):
    a = writable_server.request("PUT", "/v1/poles/" + urllib.parse.quote("团结湖"), body='{"lon":1,"lat":2}',
                                headers=AUTH)
    assert_error(a, 400, "bad_request", "not a pole number")


def test_oversized_body_is_413_and_the_server_keeps_serving(writable_server):
    big = b'{"lon":1,"lat":2,"attributes":{"a":"' + b"x" * (9 << 20) + b'"}}'
    a = writable_server.request("PUT", "/v1/poles/TJH8006", body=big, headers=AUTH, timeout=30)
    assert_error(a, 413, "payload_too_large")
    assert a.headers.get("connection", "").lower() == "close"
    assert writable_server.get("/healthz").status == 200


def test_oversized_body_announced_with_expect_continue_is_refused_before_sending(writable_server):
    with socket.create_connection((writable_server.host, writable_server.port), timeout=10) as s:
        s.sendall(b"PUT /v1/poles/TJH8007 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN.encode() +
                  b"\r\nContent-Length: 99999999\r\nExpect: 100-continue\r\n\r\n")
        reply = s.recv(65536)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:100]


def test_small_body_with_expect_continue_gets_100_then_the_answer(writable_server):
    body = b'{"lon":116.4705,"lat":39.9235}'
    with socket.create_connection((writable_server.host, writable_server.port), timeout=10) as s:
        s.sendall(b"PUT /v1/poles/TJH8008 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN.encode() +
                  b"\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n" % len(body))
        interim = s.recv(65536)
        assert interim.startswith(b"HTTP/1.1 100 Continue"), interim
        s.sendall(body)
        reply = s.recv(65536)
    assert reply.startswith(b"HTTP/1.1 201"), reply[:100]
    assert writable_server.get("/v1/poles/TJH8008").status == 200


# --- grids ------------------------------------------------------------------------------

def test_put_grid_then_read_it_and_its_poles(writable_server):
    s = writable_server
    grid = {"name": "试验网格", "attributes": {"manager": "王芳", "phone": "010-00000000"},
            "geometry": {"type": "Polygon", "coordinates": [FAR_SQUARE]}}
    a = s.request("PUT", "/v1/grids/T-GRID-1", body=json.dumps(grid, ensure_ascii=False), headers=AUTH)
    assert a.status == 201, a.body
    g = a.json()
    assert g["id"] == "T-GRID-1" and g["name"] == "试验网格" and g["geometry"]["type"] == "Polygon"
    assert s.get("/v1/grids/T-GRID-1").json() == g
    at = s.get("/v1/grids/at?lon=116.5005&lat=39.9505")
    assert at.status == 200 and at.json()["id"] == "T-GRID-1"

    pole = s.request("PUT", "/v1/poles/TJH8010", body='{"lon":116.5005,"lat":39.9505}', headers=AUTH)
    assert pole.status == 201
    assert pole.json()["grid"]["id"] == "T-GRID-1"
    page = s.get("/v1/grids/T-GRID-1/poles").json()
    assert [p["number"] for p in page["poles"]] == ["TJH8010"] and page["next_cursor"] is None

    renamed = dict(grid, name="改名网格")
    r = s.request("PUT", "/v1/grids/T-GRID-1", body=json.dumps(renamed, ensure_ascii=False), headers=AUTH)
    assert r.status == 200 and r.json()["name"] == "改名网格"
    assert s.get("/v1/poles/TJH8010").json()["grid"]["name"] == "改名网格"

    d = s.request("DELETE", "/v1/grids/T-GRID-1", headers=AUTH)
    assert d.status == 200 and d.json() == {"deleted": "T-GRID-1"}
    assert s.get("/v1/grids/T-GRID-1").status == 404
    assert s.get("/v1/poles/TJH8010").json()["grid"] is None
    assert_error(s.request("DELETE", "/v1/grids/T-GRID-1", headers=AUTH), 404, "not_found")


@pytest.mark.parametrize("body,status,code,says", [
    ('{"name":"x"}', 400, "bad_request", "'geometry' is required"),
    ('{"geometry":{"type":"Point","coordinates":[1,2]}}', 400, "bad_request", "Polygon"),
    ('{"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],"x",[0,0]]]}}', 400, "bad_request",
     "geometry.coordinates[0][2]"),
    # A bow-tie: well-formed JSON, but not a valid polygon; the facade refuses it.
    ('{"geometry":{"type":"Polygon","coordinates":[[[116.50,39.95],[116.51,39.96],[116.51,39.95],[116.50,39.96],[116.50,39.95]]]}}',
     400, "invalid_input", None),
])
def test_bad_grid_bodies_are_400(writable_server, body, status, code, says):
    a = writable_server.request("PUT", "/v1/grids/T-BAD", body=body, headers=AUTH)
    assert_error(a, status, code, says)
    assert writable_server.get("/v1/grids/T-BAD").status == 404


# --- readers and writers ---------------------------------------------------------------

def test_readers_keep_answering_while_writes_run(writable_server):
    s = writable_server
    stop = threading.Event()
    slowest = [0.0]
    failures = []

    def read():
        while not stop.is_set():
            t = time.perf_counter()
            a = s.get("/v1/poles/TJH0001")
            slowest[0] = max(slowest[0], time.perf_counter() - t)
            if a.status not in (200, 404):
                failures.append(a.status)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(10):
            a = s.request("PUT", "/v1/poles/TJH81%02d" % i, body='{"lon":116.47,"lat":39.92}', headers=AUTH)
            assert a.status == 201, a.body
    finally:
        stop.set()
        reader.join()
    assert not failures
    assert slowest[0] < 1.0
    for i in range(10):
        assert s.get("/v1/poles/TJH81%02d" % i).status == 200


# --- shutdown ------------------------------------------------------------------------------

def test_sigterm_stops_gracefully_even_with_idle_connections(workdir, writable_server):
    # A second server on a database of its own, so the module's server is untouched.
    from conftest import import_sample
    db = workdir / "db-shutdown"
    import_sample(db)
    server = start_server(db, workdir)
    idle = socket.create_connection((server.host, server.port), timeout=10)
    try:
        idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert idle.recv(65536).startswith(b"HTTP/1.1 200")
        start = time.monotonic()
        assert server.stop() == 0
        assert time.monotonic() - start < 5, "idle keep-alive connections must not delay shutdown"
        assert idle.recv(65536) == b""  # closed by the server
    finally:
        idle.close()
    events = [json.loads(line).get("event") for line in server.log_lines() if line.startswith("{")]
    assert "shutdown" in events and "stopped" in events


# --- the token file -----------------------------------------------------------------------

def serve_expecting_refusal(workdir, token_file) -> tuple[int, str]:
    import subprocess
    from conftest import CLI
    db = workdir / "db-token-refusal"
    if not db.exists():
        from conftest import import_sample
        import_sample(db)
    p = subprocess.run([CLI, "serve", "--db", str(db), "--listen", "127.0.0.1:0", "--token-file", str(token_file)],
                       capture_output=True, timeout=30)
    return p.returncode, p.stderr.decode("utf-8", errors="replace")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_server_refuses_a_token_file_others_may_read(workdir, mode):
    from conftest import write_token_file
    f = write_token_file(workdir / "token-open", "ops:" + TOKEN + "\n", mode=mode)
    status, err = serve_expecting_refusal(workdir, f)
    assert status == 2, err
    assert "chmod 600" in err


@pytest.mark.parametrize("text,says", [
    ("short-token\n", "at least 16"),
    ("ops:abc\n", "at least 16"),
    ("\n# nothing\n", "holds no token"),
    ("bad name:" + TOKEN + "\n", "a name may hold only"),
    ("a:" + TOKEN + "\nb:" + TOKEN + "\n", "the same token"),
])
def test_server_refuses_a_malformed_token_file_without_printing_tokens(workdir, text, says):
    from conftest import write_token_file
    f = write_token_file(workdir / "token-bad", text)
    status, err = serve_expecting_refusal(workdir, f)
    assert status == 2, err
    assert says in err
    assert TOKEN not in err


def test_bom_and_crlf_in_the_token_file_are_not_part_of_the_token(workdir):
    from conftest import import_sample, write_token_file
    db = workdir / "db-token-bom"
    import_sample(db)
    f = write_token_file(workdir / "token-bom", b"\xef\xbb\xbf" + TOKEN.encode() + b"\r\n")
    server = start_server(db, workdir, token_file=f)
    try:
        a = server.request("PUT", "/v1/poles/TJH8201", body='{"lon":116.47,"lat":39.92}', headers=AUTH)
        assert a.status == 201, a.body
    finally:
        assert server.stop() == 0


def test_named_tokens_put_the_writer_in_the_access_log(workdir):
    from conftest import import_sample, write_token_file
    db = workdir / "db-token-named"
    import_sample(db)
    other = "gis-sync-token-0123456789"
    f = write_token_file(workdir / "token-named", "# writers\ndispatch:%s\ngis:%s\n" % (TOKEN, other))
    server = start_server(db, workdir, token_file=f)
    try:
        assert server.request("PUT", "/v1/poles/TJH8202", body='{"lon":116.47,"lat":39.92}', headers=AUTH).status == 201
        gis = {"Authorization": "Bearer " + other}
        assert server.request("DELETE", "/v1/poles/TJH8202", headers=gis).status == 200
        assert server.request("DELETE", "/v1/poles/TJH8202", headers={"Authorization": "Bearer x" * 3}).status == 401
    finally:
        assert server.stop() == 0
    entries = [json.loads(line) for line in server.log_lines() if line.startswith("{")]
    writes = [(e["method"], e["status"], e.get("writer")) for e in entries if e.get("method") in ("PUT", "DELETE")]
    assert writes == [("PUT", 201, "dispatch"), ("DELETE", 200, "gis"), ("DELETE", 401, None)]
    text = "\n".join(server.log_lines())
    assert TOKEN not in text and other not in text


# --- limits given on the command line -----------------------------------------------------

def test_descriptor_limit_is_raised_to_the_hard_limit_at_start(workdir):
    import resource
    from conftest import import_sample
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard < 512:
        pytest.skip("needs a finite hard descriptor limit of at least 512 (have %r)" % hard)
    db = workdir / "db-rlimit"
    import_sample(db)
    import subprocess
    from conftest import CLI
    # Start the server with a low soft limit; it raises it itself.
    p = subprocess.Popen(["sh", "-c", 'ulimit -S -n 256 && exec "$0" "$@"', CLI, "serve", "--db", str(db),
                          "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = p.stdout.readline().decode()
        assert line.startswith("listening on http://127.0.0.1:"), line
    finally:
        p.send_signal(__import__("signal").SIGTERM)
        _, err = p.communicate(timeout=15)
    assert p.returncode == 0
    listening = [json.loads(l) for l in err.decode().splitlines() if '"listening"' in l][0]["message"]
    assert "descriptor limit %d" % hard in listening, listening


@pytest.mark.parametrize("flag,value", [
    ("--max-connections", "0"), ("--max-buffered-bytes", "12"), ("--max-pending-writes", "x"),
    ("--write-deadline", "0"), ("--idle-timeout", "-1"), ("--allowed-hosts", "http://x/"),
])
def test_bad_limit_flags_are_usage_errors(workdir, flag, value):
    import subprocess
    from conftest import CLI, import_sample
    db = workdir / "db-flags"
    if not db.exists():
        import_sample(db)
    p = subprocess.run([CLI, "serve", "--db", str(db), "--listen", "127.0.0.1:0", flag, value], capture_output=True,
                       timeout=30)
    assert p.returncode == 2, p.stderr
    assert flag.lstrip("-") in p.stderr.decode()


def test_serve_help_lists_every_limit_flag():
    import subprocess
    from conftest import CLI
    p = subprocess.run([CLI, "serve", "--help"], capture_output=True, timeout=30)
    assert p.returncode == 0
    text = p.stdout.decode()
    for flag in ["--max-connections", "--max-buffered-bytes", "--max-pending-writes", "--write-deadline",
                 "--idle-timeout", "--allowed-hosts", "--log-queries", "--token-file", "--max-body-bytes"]:
        assert flag in text, flag


# --- the validation report --------------------------------------------------------------

def test_report_needs_the_token_and_names_every_issue(writable_server):
    s = writable_server
    assert_error(s.get("/v1/report"), 401, "unauthorized")
    a = s.get("/v1/report", headers=AUTH)
    assert a.status == 200, a.body
    report = a.json()
    assert report["errors"] == 0 or report["ok"] is False
    kinds = {i["kind"] for i in report["issues"]}
    assert "hole" in kinds  # Tuanjiehu Park, cut out of one grid
    twins = [i for i in report["issues"] if i["kind"] == "dangerous_twin"]
    assert twins and all(i["severity"] == "warning" and i["suggestion"].startswith("renumber ") for i in twins)
    assert twins == sorted(twins, key=lambda i: -i["risk"])
    assert report["poles_with_dangerous_twin"] > 0
    g = s.get("/v1/report?format=geojson", headers=AUTH)
    assert g.status == 200
    assert g.headers["content-type"].startswith("application/geo+json")
    assert len(g.json()["features"]) == len(report["issues"])
    assert_error(s.get("/v1/report?format=shp", headers=AUTH), 400, "bad_request")


def test_report_on_a_server_without_tokens_is_refused(read_only_server):
    assert_error(read_only_server.get("/v1/report"), 403, "read_only", "without --token-file")
