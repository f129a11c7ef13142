#!/usr/bin/python3
"""How soon a read-only `poleloc serve` shows what another process stored.

A server started without a token file follows its database (docs/operations.md,
"A read-only server follows its database"). This measures, on a city you give
(poles.csv + grids.geojson, e.g. var/bench/city-20k-2m or the street city):

  - re-import: `poleloc import --merge` of the poles with 10 % of them moved,
    then of the original file, three times each, while the read-only server
    answers; the time from the import command's end until the server gives a
    moved pole's new position;
  - single writes: a writing server (token file) on the same database takes 20
    PUTs; the time from sending each PUT until the read-only server gives the pole;
  - on the writing server itself, end to end over HTTP: a PUT and the GET after it
    showing the write, for 20 poles and for 20 grids (fewer if the city has
    fewer) given a new manager, each grid's stored outline sent back as a
    dispatcher's console does.

    /usr/bin/python3 bench/http/follow_latency.py --cli build/release/poleloc \\
        --city var/bench/city-20k-2m --workdir var/bench/follow

Everything listens on 127.0.0.1 and is stopped at the end.
"""
from __future__ import annotations

import argparse
import csv
import json
import pathlib
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request

TOKEN = "follow-latency-0123456789"


def start(cmd: list[str]) -> tuple[subprocess.Popen, str]:
    """Starts `poleloc serve ... --listen 127.0.0.1:0` and returns it with its base URL."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in p.stdout:
        m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if m:
            return p, m.group(1)
    raise SystemExit(f"{' '.join(cmd)} did not start")


def lon_of(url: str, number: str) -> float | None:
    try:
        with urllib.request.urlopen(f"{url}/v1/poles/{number}") as r:
            return json.load(r)["lon"]
    except urllib.error.HTTPError:
        return None


def wait_for(url: str, number: str, lon: float, since: float, limit_s: float = 30) -> float:
    while True:
        got = lon_of(url, number)
        if got is not None and abs(got - lon) < 1e-8:
            return time.perf_counter() - since
        if time.perf_counter() - since > limit_s:
            raise SystemExit(f"{number} not at {lon} after {limit_s} s")
        time.sleep(0.002)


def call(method: str, url: str, body: dict | None = None) -> dict:
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        text = r.read()
    return json.loads(text) if text else {}


def print_writer_round_trips(url: str, grids: pathlib.Path) -> None:
    """PUT then GET on the writing server: the time until the GET shows the write."""
    poles, managers = [], []
    for k in range(20):
        lon = 126.5 + k * 1e-4
        t = time.perf_counter()
        call("PUT", f"{url}/v1/poles/ROUNDTRIP{k:03d}", {"lon": lon, "lat": 40.0})
        got = call("GET", f"{url}/v1/poles/ROUNDTRIP{k:03d}")
        poles.append(time.perf_counter() - t)
        if abs(got["lon"] - lon) > 1e-8:
            raise SystemExit(f"ROUNDTRIP{k:03d}: the GET after the PUT gave lon {got['lon']}")
        time.sleep(0.1)
    with open(grids, encoding="utf-8") as f:
        ids = [feature["properties"]["id"] for feature in json.load(f)["features"][:20]]
    for k, gid in enumerate(ids):
        grid = call("GET", f"{url}/v1/grids/{gid}")
        attributes = dict(grid.get("attributes") or {})
        attributes["manager"] = f"值班员{k:02d}"
        body = {"geometry": grid["geometry"], "name": grid.get("name", ""), "attributes": attributes}
        t = time.perf_counter()
        call("PUT", f"{url}/v1/grids/{gid}", body)
        got = call("GET", f"{url}/v1/grids/{gid}")
        managers.append(time.perf_counter() - t)
        if (got.get("attributes") or {}).get("manager") != attributes["manager"]:
            raise SystemExit(f"grid {gid}: the GET after the PUT does not show the new manager")
        time.sleep(0.1)
    for what, times in (("pole", poles), ("grid, new manager", managers)):
        times.sort()
        print(f"PUT then GET on the writing server, {what} ({len(times)} writes, 100 ms apart): "
              f"p50 {times[len(times) // 2] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--city", required=True, type=pathlib.Path, help="a directory with poles.csv and grids.geojson")
    ap.add_argument("--workdir", required=True, type=pathlib.Path)
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    db = args.workdir / "db"
    poles, grids, moved = args.city / "poles.csv", args.city / "grids.geojson", args.workdir / "poles_moved.csv"
    shutil.rmtree(db, ignore_errors=True)
    subprocess.run([args.cli, "import", "--db", str(db), "--poles", str(poles), "--grids", str(grids)],
                   check=True, capture_output=True)
    with open(poles, newline="", encoding="utf-8") as f, open(moved, "w", newline="", encoding="utf-8") as g:
        r, w = csv.reader(f), csv.writer(g)
        header = next(r)
        w.writerow(header)
        for i, row in enumerate(r):
            if i == 0:
                number, lon0 = row[0], float(row[1])
            if i % 10 == 0:
                row[1] = f"{float(row[1]) + 0.0002:.7f}"
            w.writerow(row)
    number = re.sub(r"[^0-9A-Za-z]", "", number).upper()

    ro, ro_url = start([args.cli, "serve", "--db", str(db), "--listen", "127.0.0.1:0", "--no-access-log"])
    try:
        seen = []
        for _ in range(3):
            for file, lon in ((moved, lon0 + 0.0002), (poles, lon0)):
                subprocess.run([args.cli, "import", "--db", str(db), "--poles", str(file), "--grids", str(grids), "--merge"],
                               check=True, capture_output=True)
                seen.append(wait_for(ro_url, number, round(lon, 7), time.perf_counter()))
        print(f"re-import of 10 % moved poles -> read-only server answers with it: "
              + ", ".join(f"{s:.2f}" for s in seen) + " s after the import ended")

        token = args.workdir / "tokens"
        token.write_text(f"bench:{TOKEN}\n")
        token.chmod(0o600)
        rw, rw_url = start([args.cli, "serve", "--db", str(db), "--listen", "127.0.0.1:0", "--no-access-log",
                            "--token-file", str(token)])
        try:
            lat = []
            for k in range(20):
                lon = 126.0 + k * 1e-4
                t = time.perf_counter()
                call("PUT", f"{rw_url}/v1/poles/FOLLOW{k:03d}", {"lon": lon, "lat": 40.0})
                lat.append(wait_for(ro_url, f"FOLLOW{k:03d}", lon, t))
                time.sleep(0.3)
            lat.sort()
            print(f"PUT on the writing server -> read-only server answers with it (20 writes): "
                  f"p50 {lat[10] * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms")
            print_writer_round_trips(rw_url, grids)
        finally:
            rw.terminate()
            rw.wait()
    finally:
        ro.terminate()
        ro.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
