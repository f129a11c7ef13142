#!/usr/bin/python3
"""Soak: a server on the Tuanjiehu sample under mixed reads and steady writes.

Starts `poleloc serve` (token file, loopback, a free port) over a fresh import
of the sample, then for --duration seconds:
  * --readers threads, each on its own keep-alive connection, send locate
    (GET /v1/poles/N), resolve (GET /v1/resolve?q=… with callers' Chinese and
    English phrasings, sometimes with near=), grid-at (GET /v1/grids/at) and
    nearest (GET /v1/poles/nearest) requests back to back;
  * one writer PUTs and DELETEs poles (TJH5000..TJH5199, numbers the sample
    does not carry) at --write-rate per second, and remembers what it wrote.
At the end: every pole the writer wrote is read back (the server must hold
the acknowledged value), the server is stopped with SIGTERM, and the report
gives requests by kind, answers by status, errors, p50/p99 latency per kind,
RSS at start (after a warm-up) and at the end (VmRSS from /proc/PID/status),
the largest RSS seen and the growth per hour.

usage: soak.py --poleloc BIN --sample DIR --workdir DIR [--duration 600] [--readers 4] [--write-rate 5]
               [--seed N] [--report FILE.json]
Exit 0 when there was no error (no 5xx, no unexpected 4xx, no broken
connection, every acknowledged write read back, a clean stop); 1 otherwise.
No latency or memory figure makes it fail: they are reported.
"""
from __future__ import annotations

import argparse
import collections
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
import urllib.parse
from pathlib import Path

TOKEN = "soak-harness-token-8d41c0b7"

DIGITS_PLAIN = "零一二三四五六七八九"
DIGITS_RADIO = "洞幺两三四五六拐八勾"
ENGLISH = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def chinese_number(n: int) -> str:
    """三百七十二, 一千零五: how a caller reads a serial as a number."""
    units = [(1000, "千"), (100, "百"), (10, "十")]
    out, zero = "", False
    for value, unit in units:
        d = n // value % 10
        if d:
            if zero and out:
                out += "零"
            out += DIGITS_PLAIN[d] + unit
            zero = False
        elif out:
            zero = True
    if n % 10:
        if zero and out:
            out += "零"
        out += DIGITS_PLAIN[n % 10]
    if out.startswith("一十"):
        out = out[1:]
    return out or "零"


def caller_text(rng: random.Random, serial: int) -> str:
    digits = "%04d" % serial
    plain = "".join(DIGITS_PLAIN[int(c)] for c in digits)
    radio = "".join(DIGITS_RADIO[int(c)] for c in digits)
    short = "".join(DIGITS_PLAIN[int(c)] for c in digits.lstrip("0") or "0")
    forms = [
        "团结湖" + short,
        "团结湖" + plain + "号",
        "团结湖" + radio,
        "团结湖" + chinese_number(serial),
        "我在团结湖这边，电线杆上写着" + plain,
        "喂，你好，团结湖路灯杆，号码是" + radio + "，灯不亮了",
        "团结湖街道" + short + "号杆子倒了",
        "TJH-" + digits,
        "tjh" + digits,
        "TJH " + " ".join(digits),
        "tango juliett hotel " + " ".join(ENGLISH[int(c)] for c in digits),
        "杆号是团结湖" + chinese_number(serial) + "，我再说一遍，" + short,
    ]
    return rng.choice(forms)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = collections.defaultdict(list)        # kind -> seconds
        self.status = collections.defaultdict(collections.Counter)  # kind -> status -> count
        self.errors = collections.Counter()                 # description -> count
        self.examples: list[str] = []

    def add(self, kind: str, status, seconds: float | None, error: str | None = None):
        with self.lock:
            self.status[kind][status] += 1
            if seconds is not None:
                self.latency[kind].append(seconds)
            if error:
                self.errors[error] += 1
                if len(self.examples) < 20:
                    self.examples.append(error)


class Client:
    """One keep-alive connection; reconnects after a broken one (which counts as an error)."""

    def __init__(self, port: int):
        self.port = port
        self.conn = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            r = self.conn.getresponse()
            data = r.read()
            if r.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return r.status, data
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise


def rss_kb(pid: int) -> int | None:
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--poleloc", required=True)
    ap.add_argument("--sample", required=True, help="data/tuanjiehu")
    ap.add_argument("--workdir", required=True, help="a temporary directory is made (and removed) inside it")
    ap.add_argument("--duration", type=float, default=600)
    ap.add_argument("--readers", type=int, default=4)
    ap.add_argument("--write-rate", type=float, default=5.0, help="writes per second")
    ap.add_argument("--warmup", type=float, default=None, help="seconds before the start RSS (default 5 %% of duration, 2..30)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--report", help="also write the report as JSON here")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    sample = Path(args.sample)
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="poleloc-soak-", dir=args.workdir))
    server = None
    ok = False
    try:
        db = work / "db"
        subprocess.run([args.poleloc, "import", "--db", str(db), "--poles", str(sample / "poles.csv"), "--grids",
                        str(sample / "grids.geojson"), "--aliases", str(sample / "aliases.csv")],
                       check=True, stdout=subprocess.DEVNULL)
        token_file = work / "token"
        token_file.write_text("soak:%s\n" % TOKEN)
        token_file.chmod(0o600)
        with open(work / "server.log", "wb") as log:
            server = subprocess.Popen([args.poleloc, "serve", "--db", str(db), "--listen", "127.0.0.1:0",
                                       "--token-file", str(token_file), "--no-access-log"],
                                      stdout=subprocess.PIPE, stderr=log)
        port = read_port(server, work / "server.log")
        ok = soak(args, seed, sample, server, port)
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.wait()
        if ok:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("server log and database kept in %s" % work)
    return 0 if ok else 1


def read_port(server: subprocess.Popen, log: Path) -> int:
    line = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not line.endswith(b"\n"):
        ready, _, _ = select.select([server.stdout], [], [], 0.2)
        if ready:
            chunk = os.read(server.stdout.fileno(), 1)
            if not chunk:
                break
            line += chunk
        elif server.poll() is not None:
            break
    text = line.decode(errors="replace").strip()
    if not text.startswith("listening on http://127.0.0.1:"):
        raise RuntimeError("server did not start: %r\n%s" % (text, log.read_text(errors="replace")))
    return int(text.rsplit(":", 1)[1])


def soak(args, seed: int, sample: Path, server: subprocess.Popen, port: int) -> bool:
    with open(sample / "poles.csv", newline="", encoding="utf-8") as f:
        poles = [(row["number"], float(row["lon"]), float(row["lat"])) for row in csv.DictReader(f)]
    serials = [int(n[3:]) for n, _, _ in poles if n.startswith("TJH")]
    lons = [p[1] for p in poles]
    lats = [p[2] for p in poles]
    box = (min(lons), min(lats), max(lons), max(lats))
    stats = Stats()
    stop = threading.Event()

    def reader(index: int):
        rng = random.Random(seed * 100 + index)
        client = Client(port)
        while not stop.is_set():
            x = rng.random()
            lon = round(rng.uniform(box[0] - 0.001, box[2] + 0.001), 7)
            lat = round(rng.uniform(box[1] - 0.001, box[3] + 0.001), 7)
            if x < 0.35:
                kind, number, _, _ = ("locate",) + rng.choice(poles)
                path = "/v1/poles/" + rng.choice([number, number[:3] + "-" + number[3:], number.lower()])
                expected = {200}
            elif x < 0.65:
                kind = "resolve"
                q = caller_text(rng, rng.choice(serials))
                path = "/v1/resolve?q=" + urllib.parse.quote(q) + "&limit=%d" % rng.choice([1, 3, 5])
                if rng.random() < 0.4:
                    path += "&near=%.6f,%.6f" % (lon, lat)
                expected = {200}
            elif x < 0.85:
                kind = "grid-at"
                path = "/v1/grids/at?lon=%.7f&lat=%.7f" % (lon, lat)
                expected = {200, 404}  # 404: the point is in no grid
            else:
                kind = "nearest"
                path = "/v1/poles/nearest?lon=%.7f&lat=%.7f&k=%d" % (lon, lat, rng.choice([1, 3, 5, 10]))
                expected = {200}
            t0 = time.perf_counter()
            try:
                status, body = client.request("GET", path)
            except (OSError, http.client.HTTPException) as e:
                stats.add(kind, "connection error", None, "%s: connection error %s" % (kind, type(e).__name__))
                time.sleep(0.05)
                continue
            seconds = time.perf_counter() - t0
            stats.add(kind, status, seconds,
                      None if status in expected else "%s %d %s: %s" % (kind, status, path, body[:160]))

    written: dict[str, tuple[float, float] | None] = {}

    def writer():
        rng = random.Random(seed)
        client = Client(port)
        headers = {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"}
        period = 1.0 / args.write_rate
        next_at = time.monotonic()
        n = 0
        while not stop.is_set():
            now = time.monotonic()
            if now < next_at:
                stop.wait(next_at - now)
                continue
            next_at += period
            n += 1
            number = "TJH%04d" % rng.randrange(5000, 5200)
            if written.get(number) is not None and rng.random() < 0.4:
                kind, method, body, value = "delete", "DELETE", None, None
            else:
                value = (round(rng.uniform(box[0], box[2]), 7), round(rng.uniform(box[1], box[3]), 7))
                kind, method = "put", "PUT"
                body = json.dumps({"lon": value[0], "lat": value[1],
                                   "attributes": {"kind": "路灯", "soak": str(n)}}, ensure_ascii=False).encode()
            t0 = time.perf_counter()
            try:
                status, answer = client.request(method, "/v1/poles/" + number, body=body, headers=headers)
            except (OSError, http.client.HTTPException) as e:
                stats.add(kind, "connection error", None, "%s: connection error %s" % (kind, type(e).__name__))
                continue
            seconds = time.perf_counter() - t0
            if status in (200, 201):
                written[number] = value
                stats.add(kind, status, seconds)
            else:
                stats.add(kind, status, seconds, "%s %s %d: %s" % (kind, number, status, answer[:160]))

    warmup = args.warmup if args.warmup is not None else min(30.0, max(2.0, args.duration * 0.05))
    threads = [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(args.readers)]
    threads.append(threading.Thread(target=writer, daemon=True))
    print("soak: %.0f s (warm-up %.0f s), %d readers, %.1f writes/s, seed %d, server pid %d" % (
        args.duration, warmup, args.readers, args.write_rate, seed, server.pid), flush=True)
    t_start = time.monotonic()
    for t in threads:
        t.start()
    rss_samples: list[tuple[float, int]] = []
    rss_first = rss_kb(server.pid)
    end_at = t_start + args.duration
    next_sample = t_start + warmup
    next_progress = t_start + 60
    while time.monotonic() < end_at and server.poll() is None:
        time.sleep(min(1.0, max(0.0, end_at - time.monotonic())))
        now = time.monotonic()
        if now >= next_sample:
            r = rss_kb(server.pid)
            if r is not None:
                rss_samples.append((now - t_start, r))
            next_sample = now + 5
        if now >= next_progress:
            with stats.lock:
                done = sum(sum(c.values()) for c in stats.status.values())
                errs = sum(stats.errors.values())
            print("  %4.0f s: %d requests, %d errors, RSS %s kB" % (now - t_start, done, errs, rss_kb(server.pid)),
                  flush=True)
            next_progress = now + 60
    stop.set()
    for t in threads:
        t.join(timeout=60)
    elapsed = time.monotonic() - t_start
    rss_end = rss_kb(server.pid)
    alive = server.poll() is None

    # Every acknowledged write, read back.
    mismatches = 0
    if alive:
        client = Client(port)
        for number, value in sorted(written.items()):
            try:
                status, body = client.request("GET", "/v1/poles/" + number)
            except (OSError, http.client.HTTPException):
                mismatches += 1
                continue
            if value is None:
                good = status == 404
            else:
                good = status == 200 and (round(json.loads(body)["lon"], 7), round(json.loads(body)["lat"], 7)) == value
            if not good:
                mismatches += 1
                stats.add("read-back", status, None, "read-back %s: got %d, wrote %r" % (number, status, value))
    stop_code = None
    if alive:
        server.send_signal(signal.SIGTERM)
        try:
            stop_code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            stop_code = "no stop within 30 s of SIGTERM"

    report = build_report(stats, elapsed, warmup, rss_first, rss_samples, rss_end, alive, stop_code, mismatches,
                          len(written))
    print_report(report)
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return report["ok"]


def build_report(stats: Stats, elapsed, warmup, rss_first, rss_samples, rss_end, alive, stop_code, mismatches,
                 keys_written) -> dict:
    kinds = {}
    for kind in sorted(stats.status):
        lat = stats.latency.get(kind, [])
        kinds[kind] = {
            "requests": sum(stats.status[kind].values()),
            "by_status": {str(k): v for k, v in sorted(stats.status[kind].items(), key=lambda kv: str(kv[0]))},
            "p50_ms": round(percentile(lat, 50) * 1000, 3),
            "p99_ms": round(percentile(lat, 99) * 1000, 3),
            "max_ms": round(max(lat) * 1000, 3) if lat else None,
        }
    errors_by_status = collections.Counter()
    for kind, counter in stats.status.items():
        for status, n in counter.items():
            if status == "connection error" or (isinstance(status, int) and status >= 500):
                errors_by_status[str(status)] += n
    total_errors = sum(stats.errors.values())
    rss_start = rss_samples[0][1] if rss_samples else None
    growth_per_hour = None
    if len(rss_samples) >= 2 and rss_samples[-1][0] > rss_samples[0][0]:
        # Least-squares slope over the samples after the warm-up: less noisy than end minus start.
        n = len(rss_samples)
        mt = sum(t for t, _ in rss_samples) / n
        mr = sum(r for _, r in rss_samples) / n
        var = sum((t - mt) ** 2 for t, _ in rss_samples)
        slope = sum((t - mt) * (r - mr) for t, r in rss_samples) / var if var else 0.0
        growth_per_hour = round(slope * 3600)
    requests = sum(k["requests"] for k in kinds.values())
    ok = alive and total_errors == 0 and mismatches == 0 and stop_code == 0
    return {
        "ok": ok,
        "seconds": round(elapsed, 1),
        "requests": requests,
        "requests_per_s": round(requests / elapsed, 1) if elapsed else None,
        "kinds": kinds,
        "errors": total_errors,
        "errors_by_status": dict(errors_by_status),
        "error_examples": stats.examples,
        "acknowledged_writes_read_back_wrong": mismatches,
        "keys_written": keys_written,
        "rss_kb": {"at_launch": rss_first, "start_after_warmup": rss_start, "end": rss_end,
                   "max": max((r for _, r in rss_samples), default=None), "warmup_s": round(warmup, 1),
                   "growth_kb_per_hour": growth_per_hour,
                   "end_minus_start_kb_per_hour": round((rss_end - rss_start) * 3600 / (rss_samples[-1][0] - rss_samples[0][0]))
                   if rss_end and rss_start and len(rss_samples) >= 2 and rss_samples[-1][0] > rss_samples[0][0] else None},
        "server_alive_at_end": alive,
        "server_exit_on_sigterm": stop_code,
    }


def print_report(r: dict):
    print("soak report: %.0f s, %d requests (%.0f/s)" % (r["seconds"], r["requests"], r["requests_per_s"] or 0))
    print("  %-10s %9s %9s %9s %9s  %s" % ("kind", "requests", "p50 ms", "p99 ms", "max ms", "answers by status"))
    for kind, k in r["kinds"].items():
        print("  %-10s %9d %9.2f %9.2f %9s  %s" % (kind, k["requests"], k["p50_ms"], k["p99_ms"],
                                                    "%.1f" % k["max_ms"] if k["max_ms"] is not None else "-",
                                                    ", ".join("%s: %d" % kv for kv in k["by_status"].items())))
    print("  errors: %d (5xx and broken connections by status: %s)" % (r["errors"], r["errors_by_status"] or "none"))
    for e in r["error_examples"][:10]:
        print("    " + e)
    print("  acknowledged writes read back wrong: %d of %d keys" % (r["acknowledged_writes_read_back_wrong"],
                                                                    r["keys_written"]))
    rss = r["rss_kb"]
    print("  RSS: %s kB at launch, %s kB after %.0f s warm-up, %s kB at the end, max %s kB; growth %s kB/h "
          "(fit), %s kB/h (end - start)" % (rss["at_launch"], rss["start_after_warmup"], rss["warmup_s"], rss["end"],
                                            rss["max"], rss["growth_kb_per_hour"], rss["end_minus_start_kb_per_hour"]))
    print("  server: %s; exit on SIGTERM: %s" % ("alive at the end" if r["server_alive_at_end"] else "DIED",
                                                 r["server_exit_on_sigterm"]))
    print("OK" if r["ok"] else "FAILED")


if __name__ == "__main__":
    sys.exit(main())
