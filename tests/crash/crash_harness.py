#!/usr/bin/python3
"""Crash harness: SIGKILL `poleloc serve` during acknowledged writes and
`poleloc import` midway, then reopen the database and check it.

Each round is one of (and, in some rounds, `poleloc compact --keep-history 0s`
killed midway, after which every record must still hold its value):
  * writes: a server with a token file; several client threads PUT and DELETE
    poles and grids over HTTP (each thread owns its keys, so every key has at
    most one write in flight); the server is SIGKILLed after a random delay.
  * import: `poleloc import --replace` of the other of two datasets (A and B,
    which differ in moved, removed, added poles and renamed grids), SIGKILLed
    after a random delay between 0 and a little more than a full import takes.
  * new database: the first import of A into a new database (bulk loaded as
    table files), SIGKILLed after such a delay: the database must then hold
    nothing (or not exist) or the whole of A.
  * merge: `poleloc import --merge` of M (A with moved and added poles,
    nothing removed: ingested as table files into the database that holds
    records), SIGKILLed after such a delay: the database must hold what it
    held or all of M over it.
After each kill the database is exported (`poleloc export`, which opens it
anew) and checked against a model of what was acknowledged:
  * every acknowledged write is there, with the acknowledged value;
  * a write without an answer (in flight at the kill) is either wholly there or
    wholly absent: the key holds its old value or the new one, nothing else;
  * a write refused with an error status left nothing;
  * an import killed midway left the whole old dataset or the whole new one
    (into a new database: nothing or the whole dataset).
Keys whose write was in flight take the value found, and the next round goes on
from there. The next round's server opens the database for writing, so the
recovery of a writable open is checked too; the last check runs after a server
started and stopped gracefully.

usage: crash_harness.py --poleloc BIN --workdir DIR [--rounds 20] [--seed N] [--keep]
Exit 0 when every round checked out; 1 with the differences otherwise.
"""
from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TOKEN = "crash-harness-token-2f9c7d1e"
WRITERS = 3
OWN_POLES = 40         # numbers CRA0000.. per writer thread, new to the datasets
SHARED_POLES = 120     # dataset poles per writer thread that it may replace or delete
OWN_GRIDS = 6          # grid ids per writer thread, each in its own far cell


# --- canonical forms: what the export gives, made comparable ------------------------------

def coord(v) -> float:
    return round(float(v), 7)


def canonical_ring(ring):
    pts = [(coord(x), coord(y)) for x, y in ring]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]
    area = sum(pts[i][0] * pts[(i + 1) % len(pts)][1] - pts[(i + 1) % len(pts)][0] * pts[i][1]
               for i in range(len(pts)))
    if area < 0:
        pts.reverse()
    start = pts.index(min(pts))
    return tuple(pts[start:] + pts[:start])


def canonical_geometry(g):
    polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
    return tuple(sorted(tuple(canonical_ring(r) for r in poly) for poly in polys))


def read_poles_csv(path: Path) -> dict:
    poles = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            number = row.pop("number")
            lon, lat = coord(row.pop("lon")), coord(row.pop("lat"))
            poles[number] = (lon, lat, tuple(sorted((k, v) for k, v in row.items() if v)))
    return poles


def grid_value(name, attributes: dict, geometry) -> tuple:
    return (name or "", tuple(sorted((k, str(v)) for k, v in attributes.items())), canonical_geometry(geometry))


def read_grids_geojson(path: Path) -> dict:
    grids = {}
    with open(path, encoding="utf-8") as f:
        for feature in json.load(f)["features"]:
            props = dict(feature["properties"])
            gid = props.pop("id")
            name = props.pop("name", "")
            grids[gid] = grid_value(name, props, feature["geometry"])
    return grids


# --- running poleloc ------------------------------------------------------------------------

class Poleloc:
    def __init__(self, binary: str, work: Path):
        self.binary = binary
        self.work = work

    def run(self, *args, check=True) -> subprocess.CompletedProcess:
        r = subprocess.run([self.binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if check and r.returncode != 0:
            raise RuntimeError("poleloc %s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr.decode()))
        return r

    def export(self, db: Path) -> tuple[dict, dict]:
        poles, grids = self.work / "export-poles.csv", self.work / "export-grids.geojson"
        self.run("export", "--db", str(db), "--poles", str(poles), "--grids", str(grids))
        return read_poles_csv(poles), read_grids_geojson(grids)

    def start_server(self, db: Path, token_file: Path) -> tuple[subprocess.Popen, int]:
        log = open(self.work / "server.log", "ab")
        p = subprocess.Popen([self.binary, "serve", "--db", str(db), "--listen", "127.0.0.1:0", "--token-file",
                              str(token_file), "--no-access-log"], stdout=subprocess.PIPE, stderr=log)
        log.close()
        line = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not line.endswith(b"\n"):
            ready, _, _ = select.select([p.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(p.stdout.fileno(), 1)
                if not chunk:
                    break
                line += chunk
            elif p.poll() is not None:
                break
        text = line.decode(errors="replace").strip()
        if not text.startswith("listening on http://127.0.0.1:"):
            p.kill()
            p.wait()
            raise RuntimeError("server did not start: %r; see %s" % (text, self.work / "server.log"))
        return p, int(text.rsplit(":", 1)[1])


# --- the model ------------------------------------------------------------------------------

ABSENT = None


class Outcome:
    """One write: the key, the value it would leave, and how it ended."""

    def __init__(self, kind: str, key: str, new):
        self.kind, self.key, self.new = kind, key, new  # kind: pole or grid; new: value or ABSENT
        self.state = "unsent"  # acked, refused (error status), unknown (no answer: in flight at the kill)
        self.detail = ""


def grid_cell(thread: int, slot: int) -> tuple[float, float]:
    return 116.70 + 0.004 * slot, 40.10 + 0.004 * thread


def grid_geometry(thread: int, slot: int, shrink: int) -> dict:
    x0, y0 = grid_cell(thread, slot)
    s = 0.003 - 0.0002 * shrink
    ring = [[x0, y0], [x0 + s, y0], [x0 + s, y0 + s], [x0, y0 + s], [x0, y0]]
    return {"type": "Polygon", "coordinates": [[[round(x, 7), round(y, 7)] for x, y in ring]]}


class Writer(threading.Thread):
    """Writes one thread's keys in order until the server dies or `stop` is set."""

    def __init__(self, index: int, port: int, rng: random.Random, poles: list[str], grids: list[str],
                 model_poles: dict, model_grids: dict, round_no: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.index, self.port, self.rng = index, port, rng
        self.poles, self.grids = poles, grids
        self.model_poles, self.model_grids = model_poles, model_grids  # read only here
        self.round_no, self.stop = round_no, stop
        self.outcomes: list[Outcome] = []
        self.acked = 0

    def request(self, conn, method: str, path: str, body: dict | None):
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        headers = {"Authorization": "Bearer " + TOKEN}
        if data is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        return r.status, r.read()

    def next_write(self, n: int):
        """(outcome, method, path, body); values as the export will show them."""
        r = self.rng.random()
        marker = "r%d-t%d-%d" % (self.round_no, self.index, n)
        current_poles = {k: v for k, v in self.pending_poles.items()}
        if r < 0.5:
            number = self.rng.choice(self.poles)
            lon, lat = round(116.455 + self.rng.random() * 0.03, 7), round(39.915 + self.rng.random() * 0.02, 7)
            attrs = {"kind": self.rng.choice(["路灯", "电力杆", "通信杆"]), "w": marker}
            value = (lon, lat, tuple(sorted(attrs.items())))
            return Outcome("pole", number, value), "PUT", "/v1/poles/" + number, {
                "lon": lon, "lat": lat, "attributes": attrs}
        if r < 0.7:
            present = [k for k in self.poles if current_poles.get(k) is not ABSENT]
            number = self.rng.choice(present or self.poles)
            return Outcome("pole", number, ABSENT), "DELETE", "/v1/poles/" + number, None
        slot = self.rng.randrange(len(self.grids))
        gid = self.grids[slot]
        if r < 0.88:
            geometry = grid_geometry(self.index, slot, self.rng.randrange(5))
            attrs = {"manager": self.rng.choice(["王芳", "李强", "张伟"]), "w": marker}
            name = "崩溃测试网格 " + marker
            value = grid_value(name, attrs, geometry)
            return Outcome("grid", gid, value), "PUT", "/v1/grids/" + gid, {
                "name": name, "attributes": attrs, "geometry": geometry}
        return Outcome("grid", gid, ABSENT), "DELETE", "/v1/grids/" + gid, None

    def run(self):
        # What this thread believes each of its keys holds (its writes are the only ones on them).
        self.pending_poles = {k: self.model_poles.get(k) for k in self.poles}
        self.pending_grids = {k: self.model_grids.get(k) for k in self.grids}
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        n = 0
        while not self.stop.is_set():
            outcome, method, path, body = self.next_write(n)
            n += 1
            self.outcomes.append(outcome)
            outcome.state = "unknown"
            try:
                status, answer = self.request(conn, method, path, body)
            except (OSError, http.client.HTTPException):
                return  # the server is gone: this write stays unknown
            pending = self.pending_poles if outcome.kind == "pole" else self.pending_grids
            if status in (200, 201):
                outcome.state = "acked"
                pending[outcome.key] = outcome.new
                self.acked += 1
            elif status == 404 and method == "DELETE" and pending[outcome.key] is ABSENT:
                outcome.state = "acked"  # deleting what is not there: nothing changes
                outcome.new = ABSENT
            else:
                outcome.state = "refused"
                outcome.detail = "%s %s -> %d %s" % (method, path, status, answer[:200].decode(errors="replace"))


def check_round(found: dict, model: dict, unknown: dict, what: str, errors: list[str]):
    """found/model: key -> value; unknown: key -> the value an unanswered write would have left."""
    for key in set(found) | set(model) | set(unknown):
        got, want = found.get(key), model.get(key)
        if key in unknown:
            if got != want and got != unknown[key]:
                errors.append("%s %s: in-flight write left neither the old nor the new value: got %r, old %r, new %r"
                              % (what, key, got, want, unknown[key]))
        elif got != want:
            errors.append("%s %s: got %r, acknowledged %r" % (what, key, got, want))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--poleloc", required=True)
    ap.add_argument("--workdir", required=True, help="a temporary directory is made (and removed) inside it")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--poles", type=int, default=12000, help="poles in the imported datasets")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    print("crash harness: %d rounds, seed %d (rerun with --seed %d)" % (args.rounds, seed, seed), flush=True)

    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="poleloc-crash-", dir=args.workdir))
    pl = Poleloc(args.poleloc, work)
    ok = False
    try:
        ok = run_rounds(pl, work, rng, args)
    finally:
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("databases and logs kept in %s" % work)
    return 0 if ok else 1


def make_merge_dataset(a: Path, work: Path) -> Path:
    """Dataset M = A with 10 % of the poles moved and 2 % added, nothing removed (imported with --merge)."""
    m = work / "dataset-m"
    m.mkdir()
    shutil.copy(a / "aliases.csv", m / "aliases.csv")
    shutil.copy(a / "grids.geojson", m / "grids.geojson")
    r = random.Random(7)
    with open(a / "poles.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    out = [rows[0]]
    for row in rows[1:]:
        if r.random() < 0.10:
            row = list(row)
            row[1] = "%.7f" % (float(row[1]) + 0.00003)
        out.append(row)
    for i in range((len(rows) - 1) * 2 // 100):
        src = rows[1 + i]
        out.append(["XM%05d" % i, "%.7f" % (float(src[1]) + 0.00004), src[2]] + src[3:])
    with open(m / "poles.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(out)
    return m


def make_datasets(pl: Poleloc, work: Path, poles: int) -> tuple[Path, Path]:
    """Dataset A from the synthetic city generator; B = A with 8 % moved, 4 % removed, 4 % added, grids renamed."""
    a = work / "dataset-a"
    pl.run("synth", "--grids", "30", "--poles", str(poles), "--seed", "11", "--out", str(a))
    b = work / "dataset-b"
    b.mkdir()
    shutil.copy(a / "aliases.csv", b / "aliases.csv")
    r = random.Random(5)
    with open(a / "poles.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    out = [header]
    for row in body:
        x = r.random()
        if x < 0.04:
            continue
        if x < 0.12:
            row = list(row)
            row[1] = "%.7f" % (float(row[1]) + 0.00001)
        out.append(row)
    for i in range(len(body) * 4 // 100):
        src = body[i]
        out.append(["XB%05d" % i, "%.7f" % (float(src[1]) + 0.00002), src[2]] + src[3:])
    with open(b / "poles.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(out)
    with open(a / "grids.geojson", encoding="utf-8") as f:
        grids = json.load(f)
    for feature in grids["features"]:
        feature["properties"]["name"] = feature["properties"].get("name", "") + "（B）"
    with open(b / "grids.geojson", "w", encoding="utf-8") as f:
        json.dump(grids, f, ensure_ascii=False)
    return a, b


def import_args(db: Path, dataset: Path, mode: str = "--replace") -> list[str]:
    return ["import", "--db", str(db), "--poles", str(dataset / "poles.csv"), "--grids",
            str(dataset / "grids.geojson"), "--aliases", str(dataset / "aliases.csv"), mode]


def import_outcome(found: tuple, old: tuple, new: tuple, completed: bool, code: int, what: str,
                   errors: list[str]) -> str:
    """What an import killed (or not) left: "new", "old" (only when killed), else
    "mixed", with an error naming how far `found` is from either."""
    if found == new:
        return "new"
    if found == old and not completed:
        return "old"
    diff_old = sum(1 for k in set(found[0]) | set(old[0]) if found[0].get(k) != old[0].get(k))
    diff_new = sum(1 for k in set(found[0]) | set(new[0]) if found[0].get(k) != new[0].get(k))
    errors.append("%s %s (exit %d) left a dataset that is neither the old nor the new one: "
                  "%d poles differ from the old, %d from the new" % (
                      what, "completed" if completed else "killed", code, diff_old, diff_new))
    return "mixed"


def killed_after(pl: Poleloc, args: list[str], delay: float) -> tuple[int, str]:
    """Runs `poleloc ARGS`, SIGKILLed after `delay` seconds unless it ended
    before: (its return code, its stderr)."""
    p = subprocess.Popen([pl.binary, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        p.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL)
        p.wait()
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    return p.returncode, err


def import_killed_after(pl: Poleloc, db: Path, dataset: Path, delay: float) -> tuple[int, str]:
    """An import of `dataset` into `db`, SIGKILLed after `delay` seconds (see killed_after)."""
    return killed_after(pl, import_args(db, dataset), delay)


def run_rounds(pl: Poleloc, work: Path, rng: random.Random, args) -> bool:
    a, b = make_datasets(pl, work, args.poles)
    m = make_merge_dataset(a, work)
    # The canonical form of each dataset, and how long an import of one over the other takes.
    reference = {}
    scratch = work / "scratch"
    for name, ds in (("M", m), ("A", a), ("B", b)):
        pl.run(*import_args(scratch, ds))
        reference[name] = pl.export(scratch)
    t0 = time.monotonic()
    pl.run(*import_args(scratch, a))
    import_seconds = time.monotonic() - t0
    t0 = time.monotonic()
    pl.run(*import_args(scratch, m, "--merge"))
    merge_seconds = time.monotonic() - t0
    shutil.rmtree(scratch)
    print("datasets: A %d poles, B %d poles, M %d poles; an import takes %.2f s, a merge of M %.2f s" % (
        len(reference["A"][0]), len(reference["B"][0]), len(reference["M"][0]), import_seconds, merge_seconds),
        flush=True)

    db = work / "db"
    pl.run(*import_args(db, a))
    model_poles, model_grids = dict(reference["A"][0]), dict(reference["A"][1])
    current = "A"
    token_file = work / "token"
    token_file.write_text("crash:%s\n" % TOKEN)
    token_file.chmod(0o600)

    shared_a = sorted(reference["A"][0])[:WRITERS * SHARED_POLES]
    keys_poles = [["CR%s%04d" % ("ABCDEFGH"[t], i) for i in range(OWN_POLES)] + shared_a[t::WRITERS]
                  for t in range(WRITERS)]
    keys_grids = [["T-CRASH-%d-%d" % (t, s) for s in range(OWN_GRIDS)] for t in range(WRITERS)]

    totals = {"write rounds": 0, "import rounds": 0, "compact rounds": 0, "acked": 0, "unknown": 0, "refused": 0,
              "imports killed midway": 0, "imports completed": 0, "unknown applied": 0, "new database imports": 0,
              "merge imports killed midway": 0, "merge imports completed": 0}
    failures: list[str] = []
    for round_no in range(1, args.rounds + 1):
        errors: list[str] = []
        pick = rng.random()
        if pick < 0.15:
            # History compaction killed midway: no current record may change.
            totals["compact rounds"] += 1
            delay = rng.uniform(0.0, 0.4)
            code, err = killed_after(pl, ["compact", "--db", str(db), "--keep-history", "0s"], delay)
            if code not in (0, -signal.SIGKILL):
                errors.append("compact exited %d: %s" % (code, err))
            found_poles, found_grids = pl.export(db)
            check_round(found_poles, model_poles, {}, "pole", errors)
            check_round(found_grids, model_grids, {}, "grid", errors)
            kind = "compact %s after %.2f s" % ("completed" if code == 0 else "killed", delay)
        elif pick < 0.22:
            # The first import into a new database (bulk loaded as table files,
            # store/bulk_load.hpp) killed midway: nothing or all of it.
            totals["new database imports"] += 1
            fresh = work / "fresh"
            shutil.rmtree(fresh, ignore_errors=True)
            delay = rng.uniform(0.0, import_seconds * 1.3)
            code, err = import_killed_after(pl, fresh, a, delay)
            completed = code == 0
            if code not in (0, -signal.SIGKILL):
                errors.append("import into a new database exited %d: %s" % (code, err))
            state = "empty"
            if (fresh / "CURRENT").exists():
                r = pl.run("export", "--db", str(fresh), "--poles", str(work / "fresh-poles.csv"), "--grids",
                           str(work / "fresh-grids.geojson"), check=False)
                if r.returncode == 0:
                    found = (read_poles_csv(work / "fresh-poles.csv"), read_grids_geojson(work / "fresh-grids.geojson"))
                    if found == reference["A"]:
                        state = "complete"
                    elif found != ({}, {}):
                        state = "partial"
                        errors.append("an import into a new database %s left %d of %d poles and %d of %d grids" % (
                            "completed" if completed else "killed", len(found[0]), len(reference["A"][0]),
                            len(found[1]), len(reference["A"][1])))
                elif b"has no schema version" in r.stderr or b"but not a poleloc one" in r.stderr:
                    # Killed while RocksDB was still creating the directory (before the
                    # import's data): a known gap of database creation, not of the import,
                    # which holds nothing there. Such a directory must be removed by hand.
                    state = "creation interrupted"
                elif b"no poleloc database" not in r.stderr:
                    errors.append("a new database whose import was killed cannot be exported: %s" % r.stderr.decode())
            if completed and state != "complete":
                errors.append("an import into a new database completed but left an %s database" % state)
            if state == "empty":
                # Whatever the kill left, importing again gives the whole dataset.
                pl.run(*import_args(fresh, a))
                if pl.export(fresh) != reference["A"]:
                    errors.append("importing again into a new database whose import was killed gave another dataset")
            shutil.rmtree(fresh, ignore_errors=True)
            kind = "import into a new database %s after %.2f s: %s" % (
                "completed" if completed else "killed", delay, state)
        elif pick < 0.72:
            totals["write rounds"] += 1
            server, port = pl.start_server(db, token_file)
            stop = threading.Event()
            writers = [Writer(t, port, random.Random(rng.random()), keys_poles[t], keys_grids[t], model_poles,
                              model_grids, round_no, stop) for t in range(WRITERS)]
            for w in writers:
                w.start()
            time.sleep(rng.uniform(0.0, 1.5))
            server.send_signal(signal.SIGKILL)
            server.wait()
            stop.set()
            for w in writers:
                w.join(timeout=60)
            unknown_poles, unknown_grids = {}, {}
            for w in writers:
                for o in w.outcomes:
                    model, unknown = (model_poles, unknown_poles) if o.kind == "pole" else (model_grids, unknown_grids)
                    if o.state == "acked":
                        model[o.key] = o.new
                        if o.new is ABSENT:
                            model.pop(o.key, None)
                        totals["acked"] += 1
                    elif o.state == "unknown":
                        unknown[o.key] = o.new
                        totals["unknown"] += 1
                    elif o.state == "refused":
                        totals["refused"] += 1
                        errors.append("write refused: " + o.detail)
            found_poles, found_grids = pl.export(db)
            check_round(found_poles, model_poles, unknown_poles, "pole", errors)
            check_round(found_grids, model_grids, unknown_grids, "grid", errors)
            # In-flight writes resolve to what was found.
            for found, model, unknown in ((found_poles, model_poles, unknown_poles),
                                          (found_grids, model_grids, unknown_grids)):
                for key, new in unknown.items():
                    if found.get(key) == new and model.get(key) != new:
                        totals["unknown applied"] += 1
                    if key in found:
                        model[key] = found[key]
                    else:
                        model.pop(key, None)
            kind = "writes: %d acknowledged, %d in flight" % (
                sum(w.acked for w in writers), sum(1 for w in writers for o in w.outcomes if o.state == "unknown"))
        elif pick < 0.86:
            # A merge of M: no record removed, so ingested as table files beside
            # the records the database holds. What it held, or all of M over it.
            totals["import rounds"] += 1
            # (Half of them around the commit: the database grows with the rounds, so a merge takes longer here.)
            delay = rng.uniform(0.0, merge_seconds * 1.6) if rng.random() < 0.5 else \
                rng.uniform(merge_seconds * 0.8, merge_seconds * 1.6)
            code, err = killed_after(pl, import_args(db, m, "--merge"), delay)
            completed = code == 0
            if code not in (0, -signal.SIGKILL):
                errors.append("merge import exited %d: %s" % (code, err))
            merged = ({**model_poles, **reference["M"][0]}, {**model_grids, **reference["M"][1]})
            state = import_outcome(pl.export(db), (model_poles, model_grids), merged, completed, code,
                                   "merge import", errors)
            if state == "new":
                model_poles, model_grids = dict(merged[0]), dict(merged[1])
            totals["merge imports completed" if completed else "merge imports killed midway"] += 1
            kind = "merge import of M %s after %.2f s: %s dataset found" % (
                "completed" if completed else "killed", delay, state)
        else:
            totals["import rounds"] += 1
            target = "B" if current == "A" else "A"
            # Half the kills land near the end, where the import commits and flushes.
            delay = rng.uniform(0.0, import_seconds * 1.3) if rng.random() < 0.5 else \
                rng.uniform(import_seconds * 0.6, import_seconds * 1.1)
            code, err = import_killed_after(pl, db, b if target == "B" else a, delay)
            completed = code == 0
            if code not in (0, -signal.SIGKILL):
                errors.append("import exited %d: %s" % (code, err))
            new = reference[target]
            state = import_outcome(pl.export(db), (model_poles, model_grids), new, completed, code, "import", errors)
            if state == "new":
                model_poles, model_grids = dict(new[0]), dict(new[1])
                current = target
            totals["imports completed" if completed else "imports killed midway"] += 1
            kind = "import of %s %s after %.2f s: %s dataset found" % (
                target, "completed" if completed else "killed", delay, state)
        print("round %d: %s%s" % (round_no, kind, " -- FAILED" if errors else ""), flush=True)
        for e in errors[:20]:
            print("  " + e)
        if len(errors) > 20:
            print("  ... and %d more" % (len(errors) - 20))
        failures += ["round %d: %s" % (round_no, e) for e in errors]

    # A graceful start and stop (a writable open, a clean close) changes nothing.
    server, _ = pl.start_server(db, token_file)
    server.send_signal(signal.SIGTERM)
    if server.wait(timeout=60) != 0:
        failures.append("the final server did not stop cleanly")
    found_poles, found_grids = pl.export(db)
    final: list[str] = []
    check_round(found_poles, model_poles, {}, "pole", final)
    check_round(found_grids, model_grids, {}, "grid", final)
    failures += ["after a clean restart: " + e for e in final]

    print("summary: " + ", ".join("%s %d" % (k, v) for k, v in totals.items()))
    if failures:
        print("FAILED: %d problems" % len(failures))
        return False
    print("OK: every acknowledged write was there with its value; no half writes; imports whole or absent")
    return True


if __name__ == "__main__":
    sys.exit(main())
