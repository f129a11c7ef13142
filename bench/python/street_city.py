#!/usr/bin/python3
"""poleloc on a city it was not built or tuned on, checked against independent truth.

`poleloc synth` made every city the benchmarks and tests knew: poles scattered
over square-ish grids near Beijing, a few area codes, dense serials. This script
makes another one, the way a northern city's register looks, with nothing taken
from poleloc's generator:

  - poles stand every ~25 m along ~30,000 streets (bent polylines, mostly on two
    lattice directions, clustered around old town centres), near Harbin (45.7 N);
  - one area code per line of poles (a line is 1-3 streets): tens of thousands
    of codes of 2-4 letters, among them words (ONE, TEN, OH, SIX, ...), serials
    of 3, 4 or 6 digits, some sparse (steps of up to 97), some with gaps;
  - numbers printed the way registers print them: `HLJ0012`, `hlj-0012`;
  - grids are the Voronoi cells of seeds drawn where the poles are (scipy), every
    shared edge densified once and used by both neighbours (so the grids tile
    without gap or overlap), one edge in five wavy with up to 200 vertices;
  - query points: inside the poles' box, a little beyond it (up to 3 km), and a
    few anywhere on Earth.

Then, in this one process, poleloc's answers are compared with truth computed
without poleloc:

  - locate: every pole's number (canonical and as printed) gives its position;
  - grid_at: matplotlib's point-in-polygon on the same cells (a point within
    1 cm of an edge may go to either side: poleloc snaps to 1e-7 degree);
  - nearest: scipy's cKDTree on ECEF chords for candidates, pyproj's Karney
    geodesic (GeographicLib) for the distance; poleloc's pole must be at the
    least geodesic distance (ties within 1 mm either way) and its distance
    within 1 mm of Karney's;
  - resolve: the number as written and in lower case with a hyphen is `exact`
    and first; one serial digit changed, said with the caller's location
    (within 100 m), is never `exact`.

and timed beside scipy's cKDTree (C, exact in chords only) on the same points:
import, open -> first answer (a fresh `poleloc locate` process), cKDTree built
from the same CSV, k = 1 inside / just outside / far, and grid_at per point.

Exit status 1 when any answer disagrees with the truth. Small sizes run in CTest
(python.street_city); the default is the 2M-pole size of the issue's checks:

    PYTHONPATH=build/release/python /usr/bin/python3 bench/python/street_city.py \
        --cli build/release/poleloc --workdir var/bench/street-city
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from matplotlib.path import Path
from pyproj import Geod
from scipy.spatial import Voronoi, cKDTree

import poleloc

LON0, LAT0 = 126.63, 45.75  # Harbin
M_PER_DEG_LAT = 111_170.0
M_PER_DEG_LON = 111_320.0 * np.cos(np.radians(LAT0))
WORD_CODES = ["ONE", "TEN", "OH", "SIX", "TWO", "NINE", "FOUR", "NO", "TO", "FOR", "ATE", "EIGHT"]
WGS84_A, WGS84_F = 6378137.0, 1 / 298.257223563


# ---------------------------------------------------------------- the city

def make_streets(rng: np.random.Generator, n_poles: int, half_km: float) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """(lons, lats, street sizes): poles every ~25 m along bent streets until n_poles stand."""
    centres = rng.uniform(-0.7, 0.7, size=(40, 2)) * half_km * 1000
    sigmas = rng.uniform(1500, 6000, size=40)
    xs, ys, sizes = [], [], []
    total = 0
    while total < n_poles:
        if rng.random() < 0.7:
            c = rng.integers(40)
            x, y = rng.normal(centres[c], sigmas[c])
        else:
            x, y = rng.uniform(-half_km * 1000, half_km * 1000, size=2)
        heading = rng.choice([0.0, np.pi / 2, np.pi, 3 * np.pi / 2]) + rng.normal(0, 0.15)
        count = min(int(rng.uniform(20, 120)), n_poles - total)
        bends = set(rng.integers(1, max(count, 2), size=rng.integers(0, 4)).tolist())
        sx, sy = np.empty(count), np.empty(count)
        for i in range(count):
            if i in bends:
                heading += rng.normal(0, 0.6)
            step = rng.uniform(22, 28)
            x += step * np.cos(heading)
            y += step * np.sin(heading)
            side = rng.normal(0, 1.5)  # which side of the road, a little off the line
            sx[i] = x - side * np.sin(heading)
            sy[i] = y + side * np.cos(heading)
        xs.append(sx)
        ys.append(sy)
        sizes.append(count)
        total += count
    x, y = np.concatenate(xs), np.concatenate(ys)
    return LON0 + x / M_PER_DEG_LON, LAT0 + y / M_PER_DEG_LAT, sizes


def make_numbers(rng: np.random.Generator, sizes: list[int]) -> tuple[list[str], list[str], list[str]]:
    """(canonical numbers, as printed in the CSV, codes) for streets of `sizes` poles."""
    letters = np.array(list("ABCDEFGHJKLMNPQRSTWXYZ"))
    used: set[str] = set()
    canonical, printed, codes = [], [], []
    words = list(WORD_CODES)
    s = 0
    while s < len(sizes):
        line = sizes[s:s + int(rng.integers(1, 4))]  # 1-3 streets numbered as one line
        s += len(line)
        if words and rng.random() < 0.02:
            code = words.pop()
        else:
            while True:
                code = "".join(rng.choice(letters, size=int(rng.integers(2, 5))))
                if code not in used and code not in WORD_CODES:
                    break
        used.add(code)
        n = sum(line)
        kind = rng.random()
        if kind < 0.15:  # sparse: long serials, steps up to 97
            width, steps = 6, rng.integers(1, 98, size=n)
        elif kind < 0.3:  # gaps where poles were removed
            width, steps = 4, rng.choice([1, 1, 1, 1, 1, 1, 2, 3], size=n)
        else:
            width, steps = (3 if n < 900 else 4), np.ones(n, dtype=np.int64)
        serials = int(rng.integers(0, 50)) + np.cumsum(steps)
        if serials[-1] >= 10 ** width:
            width = len(str(int(serials[-1])))
        for v in serials.tolist():
            num = f"{code}{v:0{width}d}"
            canonical.append(num)
            printed.append(num if rng.random() < 0.8 else f"{code.lower()}-{v:0{width}d}")
            codes.append(code)
    return canonical, printed, codes


NAME_CHARS = list("中山人民和平解放建设胜利长江黄河西东南北新华文化光明红旗友谊工农兴安松花龙嫩阳珠星月春秋林园桥湾湖"
                  "海天金银玉石草树清水永宁泰康福寿吉祥丰收田家庄营屯堡")
NAME_ENDS = ["路", "街", "大街", "道", "巷", "胡同"]


def street_names(rng: np.random.Generator, codes: list[str]) -> dict[str, str]:
    """A Chinese street name per code (2-3 characters and a suffix), each name once; some
    names begin with another ("长江路", "长江路东" is not made, but "长江" and "长江西" are)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for code in sorted(set(codes)):
        while True:
            name = "".join(rng.choice(NAME_CHARS, size=int(rng.integers(2, 4)))) + str(rng.choice(NAME_ENDS))
            if name not in used:
                break
        used.add(name)
        names[code] = name
    return names


def homophones(chars: set[str]) -> dict[str, list[str]]:
    """For each of `chars`, common characters (CJK Unified, first block) read the same in
    Mandarin, tones ignored (Unihan kMandarin from Debian's unicode-data): what a speech
    recogniser writes for a street name it does not know."""
    import bz2
    import unicodedata
    reading: dict[str, str] = {}
    with bz2.open("/usr/share/unicode/Unihan_Readings.txt.bz2", "rt", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[1] == "kMandarin":
                cp = int(parts[0][2:], 16)
                if 0x4E00 <= cp <= 0x9FFF:
                    toneless = "".join(c for c in unicodedata.normalize("NFD", parts[2].split()[0]) if c.isalpha())
                    reading[chr(cp)] = toneless
    by_sound: dict[str, list[str]] = {}
    for ch, r in reading.items():
        by_sound.setdefault(r, []).append(ch)
    return {c: [h for h in by_sound.get(reading.get(c, ""), []) if h != c and h not in chars] for c in chars}


def cardinal(n: int) -> str:
    """Chinese cardinal of 1..9999 as callers say it: 372 三百七十二, 305 三百零五, 12 十二."""
    digits = "零一二三四五六七八九"
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d:
            if zero and out:
                out += "零"
            out += ("" if (unit == "十" and d == 1 and not out) else digits[d]) + unit
            zero = False
        elif out:
            zero = True
    return out


def wavy(a: np.ndarray, b: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points strictly between a and b, bent by up to 1.5 % of the edge's length (a river, a wall)."""
    t = np.arange(1, n + 1) / (n + 1)
    d = b - a
    normal = np.array([-d[1], d[0]])
    amp = rng.uniform(-0.015, 0.015) * np.sin(np.pi * t * rng.integers(1, 4))
    return a + np.outer(t, d) + np.outer(amp, normal)


def make_grids(rng: np.random.Generator, lons: np.ndarray, lats: np.ndarray, n_grids: int) -> list[np.ndarray]:
    """Rings (closed, counter-clockwise, degrees rounded to 1e-7) of the Voronoi cells of n_grids
    seeds drawn among the poles; cells that reach the guard ring are left out."""
    pick = rng.choice(len(lons), size=n_grids, replace=False)
    seeds = np.column_stack([(lons[pick] - LON0) * M_PER_DEG_LON, (lats[pick] - LAT0) * M_PER_DEG_LAT])
    seeds += rng.normal(0, 5, size=seeds.shape)
    lo, hi = seeds.min(axis=0), seeds.max(axis=0)
    span = (hi - lo).max()
    ring = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    guard = (lo + hi) / 2 + 1.5 * span * np.column_stack([np.cos(ring), np.sin(ring)])
    vor = Voronoi(np.vstack([seeds, guard]))
    edges: dict[tuple[int, int], np.ndarray] = {}
    rings = []
    for p in range(n_grids):
        region = vor.regions[vor.point_region[p]]
        if not region or -1 in region:
            continue
        centre = vor.vertices[region].mean(axis=0)
        ang = np.arctan2(vor.vertices[region, 1] - centre[1], vor.vertices[region, 0] - centre[0])
        region = [region[i] for i in np.argsort(ang)]  # convex: counter-clockwise by angle
        parts = []
        for i, a in enumerate(region):
            b = region[(i + 1) % len(region)]
            key = (min(a, b), max(a, b))
            if key not in edges:
                length = np.linalg.norm(vor.vertices[b] - vor.vertices[a])
                n = int(rng.integers(20, 200)) if rng.random() < 0.2 and length > 50 else int(rng.integers(0, 4))
                edges[key] = wavy(vor.vertices[key[0]], vor.vertices[key[1]], n, rng)
            inner = edges[key] if a == key[0] else edges[key][::-1]
            parts.append(vor.vertices[a][None, :])
            parts.append(inner)
        xy = np.vstack(parts + [vor.vertices[region[0]][None, :]])
        ll = np.column_stack([LON0 + xy[:, 0] / M_PER_DEG_LON, LAT0 + xy[:, 1] / M_PER_DEG_LAT])
        rings.append(np.round(ll, 7))
    return rings


def write_city(out: pathlib.Path, n_poles: int, n_grids: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    half_km = 30.0 * np.sqrt(n_poles / 2_000_000)
    lons, lats, sizes = make_streets(rng, n_poles, max(half_km, 3.0))
    canonical, printed, codes = make_numbers(rng, sizes)
    lons, lats = np.round(lons, 7), np.round(lats, 7)
    rings = make_grids(rng, lons, lats, n_grids)
    out.mkdir(parents=True, exist_ok=True)
    order = rng.permutation(len(canonical))  # a register is not sorted by street
    with open(out / "poles.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["杆号", "经度", "纬度", "line"])
        for i in order.tolist():
            w.writerow([printed[i], f"{lons[i]:.7f}", f"{lats[i]:.7f}", codes[i]])
    with open(out / "grids.geojson", "w", encoding="utf-8") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        for g, ring in enumerate(rings):
            coords = ",".join(f"[{x:.7f},{y:.7f}]" for x, y in ring.tolist())
            sep = ",\n" if g + 1 < len(rings) else "\n"
            f.write(f'{{"type":"Feature","properties":{{"id":"HRB-{g:05d}","name":"网格{g}"}},'
                    f'"geometry":{{"type":"Polygon","coordinates":[[{coords}]]}}}}{sep}')
        f.write("]}\n")
    names = street_names(rng, codes)
    with open(out / "aliases.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["alias", "code"])
        for code, name in sorted(names.items()):
            w.writerow([name, code])
    np.savez(out / "truth.npz", lons=lons, lats=lats, numbers=np.array(canonical), printed=np.array(printed))


# ---------------------------------------------------------------- truth and checks

def ecef(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    e2 = WGS84_F * (2 - WGS84_F)
    lam, phi = np.radians(lons), np.radians(lats)
    n = WGS84_A / np.sqrt(1 - e2 * np.sin(phi) ** 2)
    return np.column_stack([n * np.cos(phi) * np.cos(lam), n * np.cos(phi) * np.sin(lam), n * (1 - e2) * np.sin(phi)])


def true_nearest(tree: cKDTree, lons: np.ndarray, lats: np.ndarray, qlon: np.ndarray, qlat: np.ndarray,
                 candidates: int) -> tuple[np.ndarray, np.ndarray]:
    """(least Karney distance, its pole) among the `candidates` nearest poles by chord."""
    _, idx = tree.query(ecef(qlon, qlat), k=candidates)
    geod = Geod(ellps="WGS84")
    _, _, dist = geod.inv(np.repeat(qlon, candidates), np.repeat(qlat, candidates), lons[idx.ravel()], lats[idx.ravel()])
    dist = dist.reshape(idx.shape)
    best = dist.argmin(axis=1)
    rows = np.arange(len(qlon))
    return dist[rows, best], idx[rows, best]


def grid_truth(rings: list[np.ndarray], qlon: np.ndarray, qlat: np.ndarray) -> np.ndarray:
    """Index of the ring holding each point (-1 for none), by matplotlib's point-in-polygon."""
    out = np.full(len(qlon), -1, dtype=np.int64)
    pts = np.column_stack([qlon, qlat])
    order = np.argsort(qlon)
    sorted_lon = qlon[order]
    for g, ring in enumerate(rings):
        lo, hi = ring.min(axis=0), ring.max(axis=0)
        a, b = np.searchsorted(sorted_lon, [lo[0], hi[0]])
        cand = order[a:b]
        cand = cand[(qlat[cand] >= lo[1]) & (qlat[cand] <= hi[1])]
        if len(cand):
            inside = Path(ring).contains_points(pts[cand])
            out[cand[inside]] = g
    return out


def edge_distance_deg(ring: np.ndarray, x: float, y: float) -> float:
    a, b = ring[:-1], ring[1:]
    d = b - a
    t = np.clip(((x - a[:, 0]) * d[:, 0] + (y - a[:, 1]) * d[:, 1]) / np.maximum((d ** 2).sum(axis=1), 1e-30), 0, 1)
    px, py = a[:, 0] + t * d[:, 0], a[:, 1] + t * d[:, 1]
    return float(np.sqrt((px - x) ** 2 + (py - y) ** 2).min())


def timed(fn, repeats: int = 3):
    """(best seconds, result) over `repeats` runs after a warm-up run."""
    result = fn()
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def run_timed(cmd: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, stdout) via /usr/bin/time."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return wall, int(p.stderr.strip().splitlines()[-1]) / 1024, p.stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True, help="the poleloc command")
    ap.add_argument("--workdir", required=True, type=pathlib.Path, help="city and database (reused when present)")
    ap.add_argument("--poles", type=int, default=2_000_000)
    ap.add_argument("--grids", type=int, default=20_000)
    ap.add_argument("--queries", type=int, default=200_000, help="points for grid_at and nearest")
    ap.add_argument("--resolves", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--fresh", action="store_true", help="import again even when the database exists")
    args = ap.parse_args()

    city = args.workdir / f"city-{args.poles}-{args.grids}-{args.seed}"
    db_path = args.workdir / f"db-{args.poles}-{args.grids}-{args.seed}"
    if not (city / "truth.npz").exists() or not (city / "aliases.csv").exists():
        t = time.perf_counter()
        write_city(city, args.poles, args.grids, args.seed)
        shutil.rmtree(db_path, ignore_errors=True)  # imported from another version of the city
        print(f"city written to {city} in {time.perf_counter() - t:.1f} s", flush=True)
    truth = np.load(city / "truth.npz")
    lons, lats, numbers, printed = truth["lons"], truth["lats"], truth["numbers"], truth["printed"]
    with open(city / "grids.geojson", encoding="utf-8") as f:
        features = json.load(f)["features"]
    rings = [np.array(ft["geometry"]["coordinates"][0]) for ft in features]
    grid_ids = [ft["properties"]["id"] for ft in features]
    vertices = sum(len(r) for r in rings)
    failures: list[str] = []
    rows: list[tuple[str, str, str]] = []

    # Import and open, each in its own process.
    if args.fresh and db_path.exists():
        shutil.rmtree(db_path)
    if not (db_path / "CURRENT").exists():
        wall, rss, _ = run_timed([args.cli, "import", "--db", str(db_path), "--poles", str(city / "poles.csv"),
                                  "--grids", str(city / "grids.geojson"), "--aliases", str(city / "aliases.csv")])
        rows.append(("import (poleloc import, CSV + GeoJSON)", f"{wall:.2f} s, peak RSS {rss:.0f} MB", "—"))
    opens = [run_timed([args.cli, "locate", "--db", str(db_path), str(numbers[0])]) for _ in range(3)]
    t = time.perf_counter()
    table = pd.read_csv(city / "poles.csv", usecols=[1, 2], dtype=np.float64, engine="c").to_numpy()
    tree = cKDTree(ecef(table[:, 0], table[:, 1]))
    kd_build = time.perf_counter() - t
    rows.append(("open → first answer (fresh `poleloc locate`)",
                 f"{min(o[0] for o in opens):.2f}-{max(o[0] for o in opens):.2f} s, peak RSS {max(o[1] for o in opens):.0f} MB",
                 f"cKDTree, CSV read by pandas, built: {kd_build:.2f} s"))
    tree = cKDTree(ecef(lons, lats))  # in truth order (table is in file order)

    db = poleloc.open(db_path)
    stats = db.stats()
    if stats["poles"] != len(lons) or stats["grids"] != len(rings):
        failures.append(f"counts: poleloc {stats['poles']} poles / {stats['grids']} grids, city {len(lons)} / {len(rings)}")

    # locate: every pole, canonical and as printed.
    bad = 0
    for num, pr, lo, la in zip(numbers.tolist(), printed.tolist(), lons.tolist(), lats.tolist()):
        p = db.locate(num)
        q = db.locate(pr) if pr != num else p
        if p is None or q is None or p != q or abs(p.lon - lo) > 5e-8 or abs(p.lat - la) > 5e-8:
            bad += 1
            if bad <= 5:
                failures.append(f"locate {num} / {pr}: {p and p.position}, expected ({lo}, {la})")
    rows.append(("locate, every pole (canonical and as printed)", f"{len(numbers) - bad:,} of {len(numbers):,} right", "—"))

    # Query points: inside the poles' box, up to 3 km beyond it, anywhere on Earth.
    rng = np.random.default_rng(args.seed + 1)
    lo_lon, hi_lon, lo_lat, hi_lat = lons.min(), lons.max(), lats.min(), lats.max()
    n = args.queries
    q_in = np.column_stack([rng.uniform(lo_lon, hi_lon, n), rng.uniform(lo_lat, hi_lat, n)])
    side = rng.integers(0, 4, n // 10)
    beyond = rng.uniform(0, 3000, n // 10)
    along = rng.uniform(0, 1, n // 10)
    ox = np.where(side == 0, lo_lon - beyond / M_PER_DEG_LON, np.where(side == 1, hi_lon + beyond / M_PER_DEG_LON,
                                                                        lo_lon + along * (hi_lon - lo_lon)))
    oy = np.where(side == 2, lo_lat - beyond / M_PER_DEG_LAT, np.where(side == 3, hi_lat + beyond / M_PER_DEG_LAT,
                                                                        lo_lat + along * (hi_lat - lo_lat)))
    q_out = np.column_stack([ox, oy])
    m = max(n // 100, 100)
    q_far = np.column_stack([rng.uniform(-180, 180, m), np.degrees(np.arcsin(rng.uniform(-1, 1, m)))])

    # grid_at against matplotlib.
    gx, gy = q_in[:, 0], q_in[:, 1]
    want = grid_truth(rings, gx, gy)
    got = db.grid_indexes_at(gx, gy, threads=1)
    ids = np.array([x or "" for x in db.grid_ids(got)], dtype=object)
    want_ids = np.array([grid_ids[i] if i >= 0 else "" for i in want], dtype=object)
    differ = np.nonzero(ids != want_ids)[0]
    near_edge = 0
    for i in differ.tolist():
        d = min(edge_distance_deg(rings[want[i]], gx[i], gy[i]) if want[i] >= 0 else 1.0,
                edge_distance_deg(rings[grid_ids.index(ids[i])], gx[i], gy[i]) if ids[i] else 1.0)
        if d <= 1e-7:
            near_edge += 1
        elif len(failures) < 20:
            failures.append(f"grid_at({gx[i]:.7f}, {gy[i]:.7f}): poleloc {ids[i] or None}, truth {want_ids[i] or None}")
    if len(differ) > near_edge:
        failures.append(f"grid_at: {len(differ) - near_edge} points disagree away from every edge")
    t_grid, _ = timed(lambda: db.grid_indexes_at(gx, gy, threads=1))
    rows.append((f"grid_at, {n:,} points ({vertices:,} vertices in {len(rings):,} grids)",
                 f"{len(gx) - len(differ) + near_edge:,} agree ({near_edge} within 1 cm of an edge); "
                 f"{t_grid / n * 1e9:.0f} ns/point", "—"))

    # nearest k = 1 against Karney, and beside cKDTree.
    for name, q, cands in (("inside the box", q_in, 8), ("up to 3 km beyond the box", q_out, 8),
                           ("anywhere on Earth", q_far, 256)):
        res = db.nearest_many(q[:, 0], q[:, 1], k=1, threads=1)
        dist, pole = true_nearest(tree, lons, lats, q[:, 0], q[:, 1], cands)
        got_num = res.numbers[:, 0]
        got_d = res.distances_m[:, 0]
        wrong_pole = (got_num != numbers[pole]) & (np.abs(got_d - dist) > 1e-3)
        wrong_dist = np.abs(got_d - dist) > 1e-3 + 1e-9 * dist
        for i in np.nonzero(wrong_pole | wrong_dist)[0][:5].tolist():
            failures.append(f"nearest({q[i, 0]:.7f}, {q[i, 1]:.7f}): poleloc {got_num[i]} {got_d[i]:.4f} m, "
                            f"Karney {numbers[pole[i]]} {dist[i]:.4f} m")
        if (wrong_pole | wrong_dist).any():
            failures.append(f"nearest {name}: {int((wrong_pole | wrong_dist).sum())} of {len(q)} wrong")
        t_pl, _ = timed(lambda: db.nearest_many(q[:, 0], q[:, 1], k=1, threads=1))
        xyz = ecef(q[:, 0], q[:, 1])
        t_kd, _ = timed(lambda: tree.query(xyz, k=1, workers=1))
        rows.append((f"nearest k=1, {name} ({len(q):,} points)",
                     f"{len(q) - int((wrong_pole | wrong_dist).sum()):,} exact; {t_pl / len(q) * 1e9:.0f} ns/point",
                     f"cKDTree (chord, ECEF given): {t_kd / len(q) * 1e9:.0f} ns/point"))

    # resolve: as written, as printed, and one serial digit misheard with the caller's location.
    pick = rng.choice(len(numbers), size=min(args.resolves, len(numbers)), replace=False)
    ok_exact = ok_printed = ok_misheard = in_three = never_exact = misheard = 0
    lat_all: list[float] = []
    for i in pick.tolist():
        num, code = str(numbers[i]), str(numbers[i]).rstrip("0123456789")
        serial = num[len(code):]
        t = time.perf_counter()
        c = db.resolve(num, limit=3)
        lat_all.append(time.perf_counter() - t)
        ok_exact += bool(c) and c[0].pole.number == num and c[0].match == "exact"
        c = db.resolve(f"{code.lower()}-{serial}", limit=3)
        ok_printed += bool(c) and c[0].pole.number == num and c[0].match == "exact"
        pos = int(rng.integers(len(serial)))
        wrong = serial[:pos] + str((int(serial[pos]) + int(rng.integers(1, 10))) % 10) + serial[pos + 1:]
        # The caller stands at the pole; the phone's fix is ~10 m off (poles stand ~25 m apart).
        near = (float(lons[i]) + rng.normal(0, 10) / M_PER_DEG_LON, float(lats[i]) + rng.normal(0, 10) / M_PER_DEG_LAT)
        t = time.perf_counter()
        c = db.resolve(code + wrong, near=near, limit=3)
        lat_all.append(time.perf_counter() - t)
        if db.locate(code + wrong) is None:  # no pole carries what was heard: never exact
            misheard += 1
            never_exact += not any(x.match == "exact" for x in c)
            if any(x.match == "exact" for x in c) and len(failures) < 20:
                failures.append(f"resolve({code + wrong!r}, near={near}): " +
                                "; ".join(f"{x.pole.number} {x.match} {x.score:.3f} ({x.reason})" for x in c))
            ok_misheard += bool(c) and c[0].pole.number == num
            in_three += any(x.pole.number == num for x in c)
    k = len(pick)
    if ok_exact < k or ok_printed < k:
        failures.append(f"resolve: {k - ok_exact} numbers as written and {k - ok_printed} as printed not exact and first")
    if never_exact < misheard:
        failures.append(f"resolve: {misheard - never_exact} misheard numbers no pole carries came back exact")
    p99 = np.percentile(np.array(lat_all) * 1e6, 99)
    rows.append((f"resolve, {k:,} numbers", f"as written {ok_exact:,}, printed {ok_printed:,} exact and first; misheard + location: "
                 f"{misheard:,} no pole carries, of them the caller's pole first {ok_misheard:,}, in the first three {in_three:,}, "
                 f"exact none of them: {never_exact == misheard}; p99 {p99:.0f} µs (Python call)", "—"))

    # How callers say it (no location): each form must come back with the pole first, or at
    # least never another pole marked exact with a score over 0.5 (a confident wrong answer).
    nato = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "alfa bravo charlie delta echo foxtrot golf hotel india juliett "
                    "kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray "
                    "yankee zulu".split()))
    words = "zero one two three four five six seven eight nine".split()
    hanzi = "零一二三四五六七八九"
    with open(city / "aliases.csv", newline="", encoding="utf-8") as f:
        name_of = {r["code"]: r["alias"] for r in csv.DictReader(f)}
    sound = homophones(set("".join(name_of.values())))

    def misheard(name: str) -> str:
        """The name with one character (not the first, not the suffix) written as a homophone."""
        body = name.rstrip("路街大道巷胡同")
        spots = [k for k in range(1, len(body)) if sound.get(body[k])]
        if not spots:
            return name
        k = spots[int(rng.integers(len(spots)))]
        return name[:k] + str(rng.choice(sound[name[k]])) + name[k + 1:]

    forms = {
        "street name, cardinal (三百七十二)": lambda c, d: name_of[c] + (cardinal(int(d)) if 0 < int(d) < 10000 else
                                                                   "".join(hanzi[int(x)] for x in d)) + "号",
        "street name misheard by sound, Chinese digits": lambda c, d: misheard(name_of[c]) + "".join(hanzi[int(x)] for x in d),
        "street name, Chinese digits": lambda c, d: name_of[c] + "".join(hanzi[int(x)] for x in d),
        "street name in a sentence": lambda c, d: f"我在{name_of[c]}这边，电线杆上写着{''.join(hanzi[int(x)] for x in d)}，灯不亮了",
        "street name and code": lambda c, d: f"{name_of[c]}的杆子，{c}{d}",
        "letters, digit words": lambda c, d: " ".join(c.lower()) + " " + " ".join(words[int(x)] for x in d),
        "NATO, digit words": lambda c, d: " ".join(nato[x] for x in c) + " " + " ".join(words[int(x)] for x in d),
        "code, Chinese digits": lambda c, d: c + "".join(hanzi[int(x)] for x in d),
        "in a sentence": lambda c, d: f"hi, the pole number is {c} {d}, the light is out",
        "code said as a word": lambda c, d: c.lower() + " " + " ".join(words[int(x)] for x in d),
    }
    spoken_rows = []
    pick = rng.choice(len(numbers), size=min(args.resolves, len(numbers)), replace=False)
    word_poles = [i for i, n in enumerate(numbers.tolist()) if n.rstrip("0123456789") in WORD_CODES]
    for form, say in forms.items():
        chosen = rng.choice(word_poles, size=min(len(word_poles), 300), replace=False).tolist() \
            if form == "code said as a word" else pick.tolist()
        first = exact_first = confident = 0
        lat_form: list[float] = []
        for i in chosen:
            num = str(numbers[i])
            code = num.rstrip("0123456789")
            text = say(code, num[len(code):])
            t = time.perf_counter()
            c = db.resolve(text, limit=3)
            lat_form.append(time.perf_counter() - t)
            first += bool(c) and c[0].pole.number == num
            exact_first += bool(c) and c[0].pole.number == num and c[0].match == "exact"
            confident += bool(c) and c[0].pole.number == num and c[0].score >= 0.5
            if c and c[0].pole.number != num and c[0].match == "exact" and c[0].score > 0.5 and len(failures) < 30:
                failures.append(f"resolve({text!r}): {c[0].pole.number} exact {c[0].score:.2f} ({c[0].reason}); truth {num}")
        if chosen:
            spoken_rows.append((form, len(chosen), first, exact_first, confident,
                                np.percentile(np.array(lat_form) * 1e6, 99)))
    for form, k2, first, exact_first, confident, p99f in spoken_rows:
        rows.append((f"resolve said as callers say it: {form}", f"{first:,} of {k2:,} first ({exact_first:,} of them exact, "
                     f"{confident:,} with a score of 0.5 or more); p99 {p99f:.0f} µs", "—"))

    print(f"\n## Street city: {len(lons):,} poles on {len(set(s.rstrip('0123456789') for s in numbers.tolist())):,} codes, "
          f"{len(rings):,} grids, {vertices:,} vertices ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)\n")
    print("| check | poleloc | beside it |\n| --- | --- | --- |")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")
    if failures:
        print("\nDISAGREEMENTS:\n" + "\n".join(failures))
        return 1
    print("\nevery answer agrees with the truth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
