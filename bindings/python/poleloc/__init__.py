"""poleloc: the number painted on a utility pole -> its location and its grid.

    import poleloc
    db = poleloc.open("var/tuanjiehu")                 # read-only by default
    pole = db.locate("tjh-0372")                       # Pole or None
    pole.position, pole.grid.id                        # (lon, lat) WGS84, 'CY-TJH-027'
    db.resolve("团结湖三七二", near=(116.47, 39.92))     # [Candidate, ...] best first
    ids = db.grid_ids_at(lons, lats)                   # numpy float64 in, object array out

Coordinates are lon, lat in degrees, WGS84, everywhere. Every answer comes
from the C++ facade, so it equals what the CLI and the HTTP server say.
Errors are poleloc.Error subclasses, one per entry of the library's error
catalogue (NotFound, BadRequest, InvalidInput, ...), carrying the
library's message. See __init__.pyi for the full, typed API.
"""
from __future__ import annotations

import os
import datetime as _datetime
from typing import Any, NamedTuple, Union

try:
    import numpy as np
except ImportError:  # numpy is needed by the batch (array) calls only; the rest works without it
    np = None  # type: ignore[assignment]

from . import _poleloc
from ._poleloc import (
    Boundary,
    Candidate,
    Error,
    Grid,
    ImportReport,
    NearbyPole,
    NeighbourGrid,
    Pole,
    Snapshot,
    canonical_number,
    geodesic_distance_m,
)
from ._changes import apply_changes
from ._geo import gcj02_to_wgs84, points_of, to_geopandas, wgs84_to_gcj02
from ._records import aliases_records, grid_records, is_path, pole_columns, write_aliases_csv

__version__ = "0.1.0"

# An as-of time: an aware datetime.datetime, or an RFC 3339 str with an offset ('2026-03-01T08:00:00+08:00').
AsOf = Union[_datetime.datetime, str]

# One exception class per catalogue entry (poleloc.NotFound, ...), all under poleloc.Error.
ERROR_CLASSES: dict[str, type[Error]] = {}
for _code, _http, _json_code, _name, _summary in _poleloc.ERROR_CATALOGUE:
    if _name:
        ERROR_CLASSES[_json_code] = getattr(_poleloc, _name)
        globals()[_name] = ERROR_CLASSES[_json_code]
del _code, _http, _json_code, _name, _summary
# The name this class had before it took the JSON code's name (bad_request); kept for one release.
InvalidArgument = ERROR_CLASSES["bad_request"]
IOError = ERROR_CLASSES["io_error"]  # noqa: A001 (now IoError; not in __all__, never shadows the builtin)
InternalError = ERROR_CLASSES["internal"]  # now Internal


class NearestMany(NamedTuple):
    """Result of Database.nearest_many: arrays of shape (n, k), nearest first.

    indexes: int32 pole indexes (-1 where fewer than k poles qualified or the
    point was invalid); numbers: object array of pole numbers (None there);
    distances_m: float64 geodesic metres (NaN there).
    """

    indexes: np.ndarray
    numbers: np.ndarray
    distances_m: np.ndarray


class Database:
    """An open poleloc database. Make one with poleloc.open() or poleloc.build().

    Each query runs on the database's current snapshot (immutable, lock-free);
    Pole and Grid objects stay valid after the database changes or closes.
    Grid and pole *indexes* (grid_indexes_at, nearest_many) are per snapshot:
    pin one with snapshot() when the database may be written meanwhile.
    Thread-safety: every method may be called from any number of threads.
    """

    def __init__(self, service: _poleloc.Service, import_report: ImportReport | None = None):
        self._service = service
        self.import_report = import_report

    # --- lifetime ---------------------------------------------------------
    @property
    def path(self) -> str:
        return self._service.path

    @property
    def read_only(self) -> bool:
        return self._service.read_only

    @property
    def closed(self) -> bool:
        return self._service.closed

    def close(self) -> None:
        """Closes the database (releases its lock). Poles and grids already returned stay usable."""
        self._service.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self):
        # Pickles by path: unpickled (in another process, a Dask worker) it is the same
        # database opened read-only there. Writes stay with the process that opened it.
        return (open, (self.path, True))

    def __repr__(self) -> str:
        if self.closed:
            return f"<poleloc.Database {self.path!r} closed>"
        s = self.snapshot()
        mode = "read-only" if self.read_only else "read-write"
        return f"<poleloc.Database {self.path!r} {mode}: {s.pole_count} poles, {s.grid_count} grids>"

    def snapshot(self, as_of: AsOf | None = None) -> Snapshot:
        """The current snapshot: the same object until the database is written.

        as_of: the data as it stood at that time (an aware datetime.datetime or an RFC 3339
        str with an offset; docs/history.md). NotFound when the history of that time is not kept."""
        if as_of is None:
            return self._service.snapshot()
        return self._service.snapshot_at(as_of)

    def _snap(self, as_of: AsOf | None) -> Snapshot:
        return self._service.snapshot() if as_of is None else self._service.snapshot_at(as_of)

    # --- one at a time ----------------------------------------------------
    def locate(self, number: str, as_of: AsOf | None = None) -> Pole | None:
        """The pole carrying `number` in any printed form ('TJH-0372', 'tjh 0372'); None if none does."""
        return self._snap(as_of).locate(number)

    def resolve(self, text: str, near: tuple[float, float] | None = None, limit: int = 5,
                far_m: float = 2000.0, near_accuracy_m: float | None = None,
                near_crs: str = "wgs84", as_of: AsOf | None = None) -> list[Candidate]:
        """Candidates for a spoken or typed text, best first.

        near: the caller's (lon, lat) in near_crs ('wgs84', 'gcj02' as AMap/Tencent report it,
        'bd09' as Baidu does); near_accuracy_m: how far off that position may be (GPS ~10, cell ~1000)."""
        return self._snap(as_of).resolve(text, near, limit, far_m, near_accuracy_m, near_crs)

    def grid_at(self, lon: float, lat: float, as_of: AsOf | None = None) -> Grid | None:
        """The grid containing the point (shared edges: the east / north grid); None outside every grid."""
        return self._snap(as_of).grid_at(lon, lat)

    def boundary(self, lon: float, lat: float, boundary_m: float = 15.0,
                 as_of: AsOf | None = None) -> Boundary | None:
        """How far the point is from the edge of its grid (boundary_distance_m, metres) and the other
        grids whose edge is within boundary_m metres (neighbour_grids, nearest first); outside every
        grid, boundary_distance_m is the distance to the nearest grid. None for an invalid point or
        with no grid within 10 km. BadRequest for boundary_m outside 0..1000. See docs/boundary.md."""
        return self._snap(as_of).boundary(lon, lat, boundary_m)

    def grid(self, id: str, as_of: AsOf | None = None) -> Grid | None:
        """The grid with this id, or None."""
        return self._snap(as_of).grid(id)

    def grids(self, as_of: AsOf | None = None) -> list[Grid]:
        """Every grid, in index order (Grid.index == position)."""
        return self._snap(as_of).grids()

    def nearest(self, lon: float, lat: float, k: int = 5, max_m: float | None = None,
                as_of: AsOf | None = None) -> list[NearbyPole]:
        """The k poles nearest by geodesic distance, nearest first, optionally within max_m metres."""
        return self._snap(as_of).nearest(lon, lat, k, max_m)

    def poles_in_grid(self, id: str, limit: int | None = None, as_of: AsOf | None = None) -> list[Pole]:
        """The poles inside grid `id` in number order (all, or the first `limit`). NotFound if no such grid."""
        return self._snap(as_of).poles_in_grid(id, limit)

    def within(self, bbox: tuple[float, float, float, float], limit: int = 10000,
               as_of: AsOf | None = None) -> list[Pole]:
        """Poles inside (min_lon, min_lat, max_lon, max_lat), edges included, in number order."""
        return self._snap(as_of).within(bbox, limit)

    def aliases(self, as_of: AsOf | None = None) -> dict[str, str]:
        """Spoken or written area names -> area code ({'团结湖': 'TJH', ...})."""
        return self._snap(as_of).aliases()

    def stats(self, as_of: AsOf | None = None) -> dict[str, int]:
        return self._snap(as_of).stats()

    # --- batch (numpy) ----------------------------------------------------
    # lons, lats: array-likes of WGS84 degrees, or lons a GeoSeries (or GeoDataFrame) of points
    # and lats None: it is converted to WGS84 from its CRS (EPSG:3857 included); one without a
    # CRS whose coordinates are not degrees is refused (BadRequest), never read as degrees.
    def grid_indexes_at(self, lons: Any, lats: Any = None, threads: int = 0) -> np.ndarray:
        """int32 grid index per point, -1 outside every grid or for an invalid point; all cores."""
        lons, lats = points_of(lons, lats)
        return self._service.snapshot().grid_indexes_at(lons, lats, threads)

    def grid_ids_at(self, lons: Any, lats: Any = None, threads: int = 0) -> np.ndarray:
        """Object array of grid ids (str) per point, None outside every grid or for an invalid point."""
        lons, lats = points_of(lons, lats)
        return self._service.snapshot().grid_ids_at(lons, lats, threads)

    def grid_ids(self, indexes: Any) -> np.ndarray:
        """Object array of grid ids for grid indexes (-1 -> None), same shape."""
        return self._service.snapshot().grid_ids(indexes)

    def nearest_many(self, lons: Any, lats: Any = None, k: int = 1, max_m: float | None = None,
                     threads: int = 0) -> NearestMany:
        """The k nearest poles of every point: arrays of shape (n, k); see NearestMany."""
        lons, lats = points_of(lons, lats)
        snap = self._service.snapshot()
        indexes, distances = snap.nearest_many(lons, lats, k, max_m, threads)
        return NearestMany(indexes, snap.pole_numbers(indexes, threads), distances)

    def pole_numbers(self, indexes: Any) -> np.ndarray:
        """Object array of pole numbers for pole indexes (-1 -> None), same shape."""
        return self._service.snapshot().pole_numbers(indexes)

    def pole_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """(lons, lats) of every pole, float64, in pole index order."""
        return self._service.snapshot().pole_positions()

    def pole_grid_indexes(self) -> np.ndarray:
        """int32 grid index of every pole (-1: in no grid), in pole index order."""
        return self._service.snapshot().pole_grid_indexes()

    def to_geopandas(self, what: str = "grids"):
        """The database as a GeoDataFrame (EPSG:4326): what="grids" (id, name, attributes,
        polygons) or "poles" (number, grid_id, points; built from arrays, so fast for millions
        of poles: for their attributes use poleloc.to_geopandas(poles)). Needs geopandas."""
        if what == "grids":
            return to_geopandas(self.grids())
        if what == "poles":
            import geopandas  # noqa: F401 (the ImportError names the package)
            snap = self._service.snapshot()
            lons, lats = snap.pole_positions()
            indexes = np.arange(len(lons), dtype=np.int64)
            numbers = snap.pole_numbers(indexes)
            live = np.array([n is not None for n in numbers], dtype=bool)
            grid_ids = snap.grid_ids(snap.pole_grid_indexes())
            return geopandas.GeoDataFrame(
                {"number": numbers[live], "grid_id": grid_ids[live]},
                geometry=geopandas.points_from_xy(lons[live], lats[live]), crs="EPSG:4326")
        raise BadRequest(f"what must be 'grids' or 'poles', not {what!r}")  # noqa: F821 (from the catalogue)

    # --- writes (durable before they return) ------------------------------
    # author: the writer's name, kept in the history with every version written ("" = not known).
    def put_pole(self, number: str, lon: float, lat: float, attributes: dict[str, Any] | None = None,
                 author: str = "") -> None:
        self._service.put_pole(number, lon, lat, attributes, author)

    def delete_pole(self, number: str, author: str = "") -> None:
        self._service.delete_pole(number, author)

    def put_grid(self, id: str, geometry: Any, name: str = "", attributes: dict[str, Any] | None = None,
                 author: str = "") -> None:
        self._service.put_grid(id, geometry, name, attributes, author)

    def delete_grid(self, id: str, author: str = "") -> None:
        self._service.delete_grid(id, author)

    def apply(self, changes: Any, allow_overlap: bool = False, author: str = "") -> dict[str, Any]:
        """Applies a batch of pole and grid puts and deletes as one atomic, durable change:
        every item or none, one new sequence. Items have the shapes of POST /v1/changes
        (docs/changes.md). Returns {"sequence": int, "written": int, "overlaps": [str]}.
        A bad item raises InvalidInput naming every bad item as changes[i]; nothing is stored."""
        return apply_changes(self._service, changes, allow_overlap, author)

    # --- history and the change feed (docs/history.md) -------------------
    def pole_history(self, number: str) -> list[dict[str, Any]]:
        """Every stored version of a pole (any printed number), oldest first, deletions included:
        [{"sequence", "valid_from", "valid_to", "author", "deleted", "record"}]; times are aware
        UTC datetimes (valid_to None while current), record a {number, lon, lat, attributes} dict
        (None for a deletion). NotFound when the pole was never stored."""
        return self._service.pole_history(number)

    def grid_history(self, id: str) -> list[dict[str, Any]]:
        """Every stored version of a grid, like pole_history; record is {id, name, attributes, geometry}."""
        return self._service.grid_history(id)

    def changes(self, after: int = 0, limit: int = 1000, skip: int = 0,
                wait: float | None = None) -> dict[str, Any]:
        """A page of the change feed: {"changes": [{"seq", "time", "author", "kind", "id", "op", "record"}],
        "next_after", "next_skip", "sequence"}. Ask again with after=next_after, skip=next_skip.
        wait: seconds to wait (GIL released) for a write when nothing after `after` is there yet.
        NotFound when the log no longer reaches back to `after` (start again from an export)."""
        return self._service.changes(after, limit, skip, wait)

    def export(self, poles: str | os.PathLike[str], grids: str | os.PathLike[str],
               aliases: str | os.PathLike[str] | None = None,
               places: str | os.PathLike[str] | None = None) -> None:
        """Writes the dataset as poles.csv / grids.geojson (/ aliases.csv / places.csv), WGS84."""
        self._service.export(os.fspath(poles), os.fspath(grids), os.fspath(aliases) if aliases else "",
                             os.fspath(places) if places else "")


def open(path: str | os.PathLike[str], read_only: bool = True) -> Database:  # noqa: A001 (mirrors io.open)
    """Opens the database at `path`. Read-only by default (many readers, no lock)."""
    return Database(_poleloc.Service.open(os.fspath(path), read_only, not read_only))


_WGS84_NAMES = {"EPSG:4326", "WGS84", "OGC:CRS84"}


def build(path: str | os.PathLike[str], poles: Any, grids: Any, aliases: Any = None,
          crs: str | None = None, skip_invalid: bool = False, replace: bool = False,
          max_remove_share: float = 0.10, places: str | os.PathLike[str] | None = None,
          dry_run: bool = False, merge: bool = False, roads: str | os.PathLike[str] | None = None, *, poles_crs: str | None = None,
          grids_crs: str | None = None, columns: str | None = None, encoding: str | None = None,
          id_field: str | None = None, name_field: str | None = None, layer: str | None = None,
          poles_layer: str | None = None, repair: bool = False, allow_overlap: bool = False) -> Database:
    """Creates (or replaces the content of) the database at `path` and returns it open read-write.

    places: a places.csv (name,kind,lon,lat or name,kind,grid) of compounds, schools, markets,
    roads that callers name; read with file inputs (poles and grids given as paths).
    roads: a roads.geojson of named LineStrings (docs/import.md): poles then carry `where`;
    read with file inputs.
    dry_run: compute import_report.diff and store nothing; merge: upsert, remove nothing.
    File inputs may be Shapefile, GeoPackage, FlatGeobuf, KML, XLSX (docs/import.md); poles_crs,
    grids_crs, columns, encoding, id_field, name_field, layer, poles_layer, repair are the flags of
    `poleloc import`; allow_overlap imports grids that overlap each other (else InvalidInput)."""
    path = os.fspath(path)
    crs_name = "EPSG:4326" if crs is None else str(crs)
    poles_is_path, grids_is_path = is_path(poles), is_path(grids)
    if poles_is_path != grids_is_path:
        raise _poleloc.BadRequest(
            "poles and grids must both be file paths or both be in memory (DataFrame, GeoDataFrame, records); "
            "read the file with pandas/geopandas to mix them")
    service = _poleloc.Service.open(path, False, True)
    try:
        if poles_is_path:
            alias_path, tmp = "", None
            if aliases is not None and is_path(aliases):
                alias_path = os.fspath(aliases)
            elif aliases is not None:
                tmp = write_aliases_csv(aliases_records(aliases))
                alias_path = tmp
            try:
                report = service.import_files(os.fspath(poles), os.fspath(grids), alias_path, crs_name, skip_invalid,
                                              replace, max_remove_share, os.fspath(places) if places else "",
                                              dry_run, merge, os.fspath(roads) if roads else "", poles_crs or "", grids_crs or "", columns or "",
                                              encoding or "", id_field or "", name_field or "", layer or "",
                                              poles_layer or "", repair, allow_overlap)
            finally:
                if tmp:
                    os.unlink(tmp)
        else:
            if roads is not None:
                raise _poleloc.InvalidArgument("roads is read from a file with file inputs; give poles and grids "
                                               "as paths too, or import roads.geojson with `poleloc import --roads`")
            if places is not None:
                raise _poleloc.BadRequest("places is read from a file with file inputs; give poles and grids "
                                               "as paths too, or import places.csv with `poleloc import --places`")
            if crs is not None and crs_name.upper() not in _WGS84_NAMES:
                raise _poleloc.BadRequest(
                    f"crs={crs_name!r} applies to file inputs; in-memory poles and grids must be WGS84 lon/lat "
                    "(pass GeoDataFrames with their .crs set and they are converted, or convert with to_crs(4326))")
            numbers, lons, lats, columns = pole_columns(poles)
            report = service.import_records(numbers, lons, lats, columns, grid_records(grids),
                                            None if aliases is None else aliases_records(aliases), skip_invalid,
                                            replace, max_remove_share, dry_run, merge, allow_overlap)
    except BaseException:
        service.close()
        raise
    return Database(service, report)


def feature_collection(items: Any) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of poles, grids, candidates or nearby poles (for json.dumps)."""
    features = []
    for item in items:
        gi = item.__geo_interface__
        features.append({"type": "Feature", "geometry": gi["geometry"], "properties": gi["properties"]})
    return {"type": "FeatureCollection", "features": features}


# What `from poleloc import *` brings: never a name that would shadow a builtin (`open`,
# the old alias `IOError` of IoError); use poleloc.open for the first.
__all__ = [name for name in [
    "Boundary", "Candidate", "Database", "Error", "Grid", "ImportReport", "NearbyPole", "NearestMany",
    "NeighbourGrid", "Pole", "Snapshot",
    "build", "canonical_number", "feature_collection", "gcj02_to_wgs84", "geodesic_distance_m",
    "to_geopandas", "wgs84_to_gcj02", *sorted(cls.__name__ for cls in ERROR_CLASSES.values()),
] if not hasattr(__import__("builtins"), name)]
