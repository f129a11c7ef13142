"""Batch jobs on Dask: grids and nearest poles for hundreds of millions of points.

    import dask.dataframe as dd
    import poleloc.dask
    cases = dd.read_parquet("cases/*.parquet")                     # columns lon, lat (WGS84)
    with_grid = poleloc.dask.assign_grids(cases, "/data/poleloc/db", lon="lon", lat="lat")
    with_pole = poleloc.dask.nearest_poles(cases, "/data/poleloc/db", lon="lon", lat="lat", k=1)
    with_grid.to_parquet("cases-with-grids/")

Each function maps the partitions of a dask DataFrame (map_partitions): every
worker process opens the database read-only once, the first time one of its
partitions needs it, and keeps it open for the partitions that follow (a cache
per process, keyed by the path). The database path must be readable on every
worker (a shared file system, or a copy at the same path). Within a
partition the work is the numpy batch call (Database.grid_ids_at,
Database.nearest_many) on all the worker's cores.

docs/python.md shows pointing these at a real Dask scheduler.
"""
from __future__ import annotations

import os
import threading
from typing import Any

try:
    import numpy as np
except ImportError:  # numpy is needed by the batch (array) calls only; the rest works without it
    np = None  # type: ignore[assignment]

_databases: dict[str, Any] = {}
_lock = threading.Lock()


def database(path: str | os.PathLike[str]):
    """The database at `path`, opened read-only once per process (and per path)."""
    key = os.path.abspath(os.fspath(path))
    with _lock:
        db = _databases.get(key)
        if db is None or db.closed:
            import poleloc
            db = poleloc.open(key, read_only=True)
            _databases[key] = db
        return db


def _coordinates(frame: Any, lon: str, lat: str) -> tuple[np.ndarray, np.ndarray]:
    return (np.ascontiguousarray(frame[lon].to_numpy(dtype=np.float64, na_value=np.nan)),
            np.ascontiguousarray(frame[lat].to_numpy(dtype=np.float64, na_value=np.nan)))


def grids_of_partition(frame: Any, db_path: str, lon: str, lat: str, column: str) -> Any:
    """One partition of assign_grids (also usable on a pandas DataFrame)."""
    out = frame.copy()
    lons, lats = _coordinates(frame, lon, lat)
    out[column] = database(db_path).grid_ids_at(lons, lats) if len(frame) else np.empty(0, dtype=object)
    return out


def nearest_of_partition(frame: Any, db_path: str, lon: str, lat: str, k: int, max_m: float | None,
                         prefix: str) -> Any:
    """One partition of nearest_poles (also usable on a pandas DataFrame)."""
    out = frame.copy()
    lons, lats = _coordinates(frame, lon, lat)
    if len(frame):
        found = database(db_path).nearest_many(lons, lats, k=k, max_m=max_m)
        numbers, distances = found.numbers, found.distances_m
    else:
        numbers, distances = np.empty((0, k), dtype=object), np.empty((0, k), dtype=np.float64)
    for i, (number_col, distance_col) in enumerate(_nearest_columns(k, prefix)):
        out[number_col] = numbers[:, i]
        out[distance_col] = distances[:, i]
    return out


def _nearest_columns(k: int, prefix: str) -> list[tuple[str, str]]:
    if k == 1:
        return [(f"{prefix}_number", f"{prefix}_distance_m")]
    return [(f"{prefix}_number_{i + 1}", f"{prefix}_distance_m_{i + 1}") for i in range(k)]


def assign_grids(ddf: Any, db_path: str | os.PathLike[str], lon: str = "lon", lat: str = "lat",
                 column: str = "grid_id") -> Any:
    """`ddf` with a column `column`: the id of the grid containing each (lon, lat) point (WGS84
    degrees), None outside every grid or for a missing/invalid point. Lazy, like every dask call."""
    import pandas as pd
    path = os.path.abspath(os.fspath(db_path))
    meta = ddf._meta.copy()
    meta[column] = pd.Series([], dtype=object)
    return ddf.map_partitions(grids_of_partition, path, lon, lat, column, meta=meta)


def nearest_poles(ddf: Any, db_path: str | os.PathLike[str], lon: str = "lon", lat: str = "lat", k: int = 1,
                  max_m: float | None = None, prefix: str = "pole") -> Any:
    """`ddf` with the k nearest poles (geodesic, nearest first) of each point: columns
    pole_number and pole_distance_m for k=1, pole_number_1..k and pole_distance_m_1..k otherwise
    (None and NaN where fewer than k poles are within max_m metres, or the point is invalid)."""
    import pandas as pd
    if not isinstance(k, int) or k < 1:
        import poleloc
        raise poleloc.BadRequest(f"k must be a whole number of at least 1, got {k!r}")
    path = os.path.abspath(os.fspath(db_path))
    meta = ddf._meta.copy()
    for number_col, distance_col in _nearest_columns(k, prefix):
        meta[number_col] = pd.Series([], dtype=object)
        meta[distance_col] = pd.Series([], dtype=np.float64)
    return ddf.map_partitions(nearest_of_partition, path, lon, lat, k, max_m, prefix, meta=meta)


__all__ = ["assign_grids", "database", "nearest_poles"]
