"""In-memory inputs of poleloc.build(): DataFrames, GeoDataFrames and records -> the
plain columns and tuples that _poleloc.Service.import_records takes.

Only the shape is handled here; the values are validated by the C++ facade
exactly as rows of the input files are (same checks, same messages).
pandas and geopandas are used when the caller passes their objects; neither is
imported otherwise.
"""
from __future__ import annotations

import csv
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

try:
    import numpy as np
except ImportError:  # numpy is needed by the batch (array) calls only; the rest works without it
    np = None  # type: ignore[assignment]

from . import _poleloc

_POLE_KEYS = ("number", "lon", "lat")


def is_path(value: Any) -> bool:
    return isinstance(value, (str, bytes, os.PathLike))


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:  # pandas.NA, NaT, numpy.nan of other types
        import pandas as pd

        result = pd.isna(value)
        return bool(result) if np.ndim(result) == 0 else False
    except ImportError:
        return False


def _text(value: Any) -> str | None:
    """A cell as the string attribute the core stores; None when missing."""
    if _missing(value):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value if isinstance(value, str) else str(value)


def _value(value: Any) -> Any:
    """A cell as an attribute value, keeping its type: str, int, float, bool (numpy scalars as
    their Python value); None when missing (docs/import.md, "Attribute types")."""
    if _missing(value):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def _column_values(column: Any) -> list[Any]:
    if hasattr(column, "isna") and hasattr(column, "tolist"):  # pandas Series: vectorised NA test
        mask = np.asarray(column.isna())
        return [None if m else _value(v) for v, m in zip(column.tolist(), mask)]
    return [_value(v) for v in column]


def _column_texts(column: Any) -> list[str | None]:
    if hasattr(column, "isna") and hasattr(column, "tolist"):  # pandas Series: vectorised NA test
        mask = np.asarray(column.isna())
        return [None if m else (v if isinstance(v, str) else _text(v)) for v, m in zip(column.tolist(), mask)]
    return [_text(v) for v in column]


def _floats(column: Any, name: str) -> np.ndarray:
    try:
        return np.ascontiguousarray(np.asarray(column, dtype=np.float64))
    except (TypeError, ValueError) as e:
        raise _poleloc.InvalidInput(f"poles: column {name}: not numbers ({e})") from None


def _is_frame(obj: Any) -> bool:
    return hasattr(obj, "columns") and hasattr(obj, "iloc")


def _is_geoframe(obj: Any) -> bool:
    return _is_frame(obj) and hasattr(obj, "geometry") and hasattr(obj, "crs") and hasattr(obj, "to_crs")


def _to_wgs84(frame: Any) -> Any:
    """A GeoDataFrame in EPSG:4326; frames without a CRS are taken as lon/lat already."""
    crs = frame.crs
    if crs is None:
        return frame
    if crs.to_epsg() == 4326:
        return frame
    return frame.to_crs(4326)


def pole_columns(poles: Any) -> tuple[list[str], np.ndarray, np.ndarray, list[tuple[str, list[Any]]]]:
    """(numbers, lons, lats, [(attribute name, values)]) from a DataFrame, a GeoDataFrame of
    points, a mapping of columns, or an iterable of records (mappings or Pole objects)."""
    if _is_frame(poles):
        frame = poles
        names = [str(c) for c in frame.columns]
        skip: set[str] = set()
        lons = lats = None
        if _is_geoframe(frame) and not {"lon", "lat"} <= set(names):
            frame = _to_wgs84(frame)
            geometry = frame.geometry
            if len(geometry) and not all(t == "Point" for t in geometry.geom_type):
                raise _poleloc.InvalidInput("poles: every geometry of a poles GeoDataFrame must be a Point")
            lons, lats = _floats(geometry.x, "lon"), _floats(geometry.y, "lat")
            skip.add(geometry.name)
        elif not {"lon", "lat"} <= set(names):
            raise _poleloc.BadRequest(f"poles needs the columns number, lon, lat; it has {names}")
        if "number" not in names:
            raise _poleloc.BadRequest(f"poles needs the columns number, lon, lat; it has {names}")
        if lons is None:
            lons, lats = _floats(frame["lon"], "lon"), _floats(frame["lat"], "lat")
        numbers = [t or "" for t in _column_texts(frame["number"])]
        columns = [(str(c), _column_values(frame[c])) for c in frame.columns
                   if str(c) not in _POLE_KEYS and str(c) not in skip]
        return numbers, lons, lats, columns

    if isinstance(poles, Mapping):  # columns: {"number": [...], "lon": [...], ...}
        missing = [k for k in _POLE_KEYS if k not in poles]
        if missing:
            raise _poleloc.BadRequest(f"poles needs the columns number, lon, lat; missing {missing}")
        numbers = [t or "" for t in _column_texts(poles["number"])]
        columns = [(str(k), _column_values(v)) for k, v in poles.items() if k not in _POLE_KEYS]
        return numbers, _floats(poles["lon"], "lon"), _floats(poles["lat"], "lat"), columns

    if isinstance(poles, Iterable):  # records
        numbers, lons_l, lats_l = [], [], []
        attrs: dict[str, list[str | None]] = {}
        for i, rec in enumerate(poles):
            if isinstance(rec, _poleloc.Pole):
                number, lon, lat, extra = rec.number, rec.lon, rec.lat, rec.attributes
            elif isinstance(rec, Mapping):
                try:
                    number, lon, lat = rec["number"], rec["lon"], rec["lat"]
                except KeyError as e:
                    raise _poleloc.BadRequest(f"poles: record {i} has no {e.args[0]!r}") from None
                extra = {k: v for k, v in rec.items() if k not in _POLE_KEYS}
            else:
                raise _poleloc.BadRequest(f"poles: record {i} is a {type(rec).__name__}, not a mapping or Pole")
            for k, v in extra.items():
                attrs.setdefault(str(k), [None] * i).append(_value(v))
            for values in attrs.values():
                if len(values) < i + 1:
                    values.append(None)
            numbers.append(_text(number) or "")
            lons_l.append(lon)
            lats_l.append(lat)
        return numbers, _floats(lons_l, "lon"), _floats(lats_l, "lat"), list(attrs.items())

    raise _poleloc.BadRequest(
        f"poles must be a path, a DataFrame, a mapping of columns or records, not {type(poles).__name__}")


def _grid_tuple(props: Mapping[str, Any], geometry: Any, where: str,
                fallback_id: Any = None) -> tuple[str, str, list[tuple[str, str]], Any]:
    gid = props.get("id", fallback_id)
    if _missing(gid):
        raise _poleloc.InvalidInput(f"grids: {where}: id: missing (properties.id is required)")
    name = _text(props.get("name")) or ""
    attrs = [(str(k), t) for k, v in props.items() if k not in ("id", "name") and (t := _value(v)) is not None]
    return _text(gid) or "", name, attrs, geometry


def grid_records(grids: Any) -> list[tuple[str, str, list[tuple[str, str]], Any]]:
    """[(id, name, attributes, geometry)] from a GeoDataFrame (id, name, geometry, other columns ->
    attributes), a GeoJSON FeatureCollection mapping, or an iterable of features / Grid objects."""
    if _is_geoframe(grids):
        frame = _to_wgs84(grids)
        geometry_name = frame.geometry.name
        names = [str(c) for c in frame.columns]
        if "id" not in names:
            raise _poleloc.BadRequest(f"grids needs an 'id' column (and geometry); it has {names}")
        ids = _column_texts(frame["id"])
        name_col = _column_texts(frame["name"]) if "name" in names else [None] * len(frame)
        others = [(str(c), _column_values(frame[c])) for c in frame.columns
                  if str(c) not in ("id", "name", geometry_name)]
        out = []
        for i, (gid, geom) in enumerate(zip(ids, frame.geometry)):
            if gid is None:
                raise _poleloc.InvalidInput(f"grids: feature {i}: id: missing")
            attrs = [(c, vals[i]) for c, vals in others if vals[i] is not None]
            out.append((gid, name_col[i] or "", attrs, geom))
        return out

    if isinstance(grids, Mapping) and grids.get("type") == "FeatureCollection":
        grids = grids.get("features") or []
    if isinstance(grids, Iterable) and not isinstance(grids, (str, bytes, Mapping)):
        out = []
        for i, item in enumerate(grids):
            gi = getattr(item, "__geo_interface__", item)
            if not isinstance(gi, Mapping):
                raise _poleloc.BadRequest(f"grids: feature {i} is a {type(item).__name__}, not a feature")
            props = gi.get("properties") or {}
            geometry = gi.get("geometry") if "geometry" in gi else gi
            out.append(_grid_tuple(props, geometry, f"feature {i}", gi.get("id")))
        return out

    raise _poleloc.BadRequest(
        f"grids must be a path, a GeoDataFrame, a FeatureCollection or features, not {type(grids).__name__}")


def aliases_records(aliases: Any) -> list[tuple[str, str]]:
    """[(alias, code)] from a path to aliases.csv, a {alias: code} mapping, a DataFrame with
    alias and code columns, or an iterable of pairs."""
    if is_path(aliases):
        path = os.fspath(aliases)
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
        if not rows or rows[0][:2] != ["alias", "code"]:
            raise _poleloc.InvalidInput(f"{path}:1: the header must be alias,code")
        out = []
        for line, row in enumerate(rows[1:], start=2):
            if len(row) != 2:
                raise _poleloc.InvalidInput(f"{path}:{line}: row has {len(row)} fields; expected alias,code")
            out.append((row[0].strip(" "), row[1]))
        return out
    if _is_frame(aliases):
        return [(str(a), str(c)) for a, c in zip(aliases["alias"], aliases["code"])]
    if isinstance(aliases, Mapping):
        return [(str(a), str(c)) for a, c in aliases.items()]
    return [(str(a), str(c)) for a, c in aliases]


def write_aliases_csv(records: list[tuple[str, str]]) -> str:
    """A temporary aliases.csv with `records`; the caller deletes it."""
    fd, path = tempfile.mkstemp(prefix="poleloc-aliases-", suffix=".csv")
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["alias", "code"])
        writer.writerows(records)
    return path
