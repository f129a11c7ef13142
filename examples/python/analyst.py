#!/usr/bin/python3
"""An analyst's session with poleloc: which grids get the most cases?

Opens the bundled Tuanjiehu sample (imported into a temporary database), a city
directory (poles.csv + grids.geojson, e.g. from `poleloc synth`) or an existing
database; scatters N random case locations over the area; assigns all of them
to grids with ONE batch call; prints cases per grid; and saves a map of the
grids coloured by case count with the poles drawn.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/python/analyst.py
    ... analyst.py --cases 5000000 --city /tmp/city --out cases.png
    ... analyst.py --db var/tuanjiehu

Coordinates are lon, lat in degrees, WGS84.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile
import time

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402
from matplotlib.path import Path  # noqa: E402

import poleloc  # noqa: E402

SAMPLE = pathlib.Path(__file__).resolve().parents[2] / "data" / "tuanjiehu"


def open_database(args: argparse.Namespace, workdir: str) -> poleloc.Database:
    if args.db:
        return poleloc.open(args.db)
    city = pathlib.Path(args.city or SAMPLE)
    aliases = city / "aliases.csv"
    t = time.perf_counter()
    db = poleloc.build(pathlib.Path(workdir) / "db", poles=city / "poles.csv", grids=city / "grids.geojson",
                       aliases=aliases if aliases.exists() else None)
    r = db.import_report
    print(f"imported {city}: {r.poles:,} poles, {r.grids:,} grids in {time.perf_counter() - t:.2f} s")
    return db


def grid_patch(geometry: dict) -> PathPatch:
    """A GeoJSON Polygon/MultiPolygon as one matplotlib patch (holes included)."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    vertices, codes = [], []
    for polygon in polygons:
        for ring in polygon:
            vertices.extend(ring)
            codes.extend([Path.MOVETO] + [Path.LINETO] * (len(ring) - 2) + [Path.CLOSEPOLY])
    return PathPatch(Path(vertices, codes))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="random case points (default 1,000,000)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--city", help="directory with poles.csv, grids.geojson [, aliases.csv] (default: the sample)")
    source.add_argument("--db", help="an existing poleloc database")
    parser.add_argument("--out", default="cases_per_grid.png", help="map picture to write (PNG)")
    parser.add_argument("--top", type=int, default=15, help="grids to list (default 15)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="poleloc-analyst-") as workdir, open_database(args, workdir) as db:
        snap = db.snapshot()  # one snapshot: grid indexes below refer to it
        grids = snap.grids()
        boxes = np.array([g.bbox for g in grids])
        west, south = boxes[:, 0].min(), boxes[:, 1].min()
        east, north = boxes[:, 2].max(), boxes[:, 3].max()

        rng = np.random.default_rng(args.seed)
        lons = rng.uniform(west, east, args.cases)
        lats = rng.uniform(south, north, args.cases)

        t = time.perf_counter()
        grid_index = snap.grid_indexes_at(lons, lats)  # the one batch call: all cores, GIL released
        seconds = time.perf_counter() - t
        print(f"assigned {args.cases:,} cases to {len(grids):,} grids in {seconds * 1000:.1f} ms "
              f"({args.cases / max(seconds, 1e-9) / 1e6:.1f} M points/s)")

        inside = grid_index >= 0
        cases = np.bincount(grid_index[inside], minlength=len(grids))
        pole_grid = snap.pole_grid_indexes()
        poles = np.bincount(pole_grid[pole_grid >= 0], minlength=len(grids))
        print(f"{inside.sum():,} cases inside a grid, {(~inside).sum():,} outside every grid")

        order = np.argsort(-cases, kind="stable")
        print(f"\n{'grid':<16} {'cases':>9} {'poles':>6} {'cases/pole':>10}  name")
        for g in order[: args.top]:
            per_pole = cases[g] / poles[g] if poles[g] else float("nan")
            print(f"{grids[g].id:<16} {cases[g]:>9,} {poles[g]:>6,} {per_pole:>10.1f}  {grids[g].name}")
        if len(grids) > args.top:
            print(f"... and {len(grids) - args.top:,} more grids")

        fig, ax = plt.subplots(figsize=(9, 9))
        patches = PatchCollection([grid_patch(g.geometry) for g in grids], cmap="YlOrRd",
                                  edgecolor="#444444", linewidth=0.4 if len(grids) < 1000 else 0.05)
        patches.set_array(cases.astype(float))
        ax.add_collection(patches)
        pole_lons, pole_lats = snap.pole_positions()
        ax.scatter(pole_lons, pole_lats, s=0.5 if len(pole_lons) > 20_000 else 2, c="#1f3b73", linewidths=0,
                   label=f"{len(pole_lons):,} poles")
        ax.set_xlim(west, east)
        ax.set_ylim(south, north)
        ax.set_aspect(1 / np.cos(np.radians((south + north) / 2)))  # metres look square
        ax.ticklabel_format(useOffset=False)
        ax.set_xlabel("longitude (WGS84)")
        ax.set_ylabel("latitude (WGS84)")
        ax.set_title(f"{args.cases:,} cases per grid")
        ax.legend(loc="lower right", markerscale=4)
        fig.colorbar(patches, ax=ax, shrink=0.7, label="cases")
        fig.savefig(args.out, dpi=120, bbox_inches="tight")
        plt.close(fig)
        print(f"\nmap saved to {pathlib.Path(args.out).resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
