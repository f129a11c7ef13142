#!/usr/bin/python3
"""Do the bulk calls scale with cores? nearest_many and grid_indexes_at on 1
thread and on every core, same points, same run (issue 10: 2 threads >= 1.8x one).

Uses the 2,000,000-pole database bench/open_database.sh leaves in var/bench
(or --db), draws N points over the poles' box, and prints points/s per thread
count and the speed-up; the answers of every thread count must agree.

    PYTHONPATH=build/release/python /usr/bin/python3 bench/python/threads_bench.py --db var/bench/db-20k-2m
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import poleloc


def best_wall(repeats: int, fn, *args, **kwargs):
    fn(*args, **kwargs)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        # The previous answer is freed before the clock starts: freeing a
        # million Python strings is the caller's cost, not the call's.
        result = None
        t = time.perf_counter()
        result = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="var/bench/db-20k-2m")
    parser.add_argument("--points", type=int, default=400_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not os.path.exists(os.path.join(args.db, "CURRENT")):
        print(f"no database at {args.db}: run bench/open_database.sh first", file=sys.stderr)
        return 2
    db = poleloc.open(args.db, read_only=True)
    lons_all, lats_all = db.pole_positions()
    ok = ~np.isnan(lons_all)
    rng = np.random.default_rng(7)
    lons = rng.uniform(lons_all[ok].min(), lons_all[ok].max(), args.points)
    lats = rng.uniform(lats_all[ok].min(), lats_all[ok].max(), args.points)
    cores = os.cpu_count() or 1
    print(f"{args.points:,} points over {int(ok.sum()):,} poles; {cores} cores")
    print("| call | 1 thread | %d threads | speed-up |" % cores)
    print("| --- | --- | --- | --- |")
    for name, call in (
        ("nearest_many k=5", lambda t: db.nearest_many(lons, lats, k=5, threads=t)),
        ("nearest_many k=1", lambda t: db.nearest_many(lons, lats, k=1, threads=t)),
        ("grid_indexes_at", lambda t: db.grid_indexes_at(lons, lats, threads=t)),
    ):
        one, r1 = best_wall(args.repeats, call, 1)
        all_, rn = best_wall(args.repeats, call, cores)
        pairs = zip(r1, rn) if isinstance(r1, tuple) else [(r1, rn)]
        same = all(np.array_equal(a, b, equal_nan=a.dtype.kind == "f") for a, b in pairs)
        if not same:
            print(f"{name}: answers differ between 1 and {cores} threads", file=sys.stderr)
            return 1
        print(f"| {name} | {args.points / one / 1e6:.2f} M/s | {args.points / all_ / 1e6:.2f} M/s | {one / all_:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
