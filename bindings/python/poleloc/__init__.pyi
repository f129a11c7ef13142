# Type stubs of the poleloc package (the public API; poleloc._poleloc is private).
#
# Units and conventions everywhere:
#   - coordinates are lon, lat in degrees, WGS84 (EPSG:4326 axis order lon, lat);
#   - distances are geodesic metres on the WGS84 ellipsoid;
#   - pole numbers are accepted in any printed form ("TJH-0372", "tjh 0372") and
#     returned canonical ("TJH0372");
#   - "not there" answers of lookups are None (locate, grid_at, grid); calls that
#     need an existing thing raise NotFound (poles_in_grid, delete_pole, delete_grid).
#
# Batch input policy (grid_indexes_at, grid_ids_at, nearest_many): lons and lats
# are 1-D, of equal length and dtype float64. Other dtypes raise BadRequest
# (convert explicitly: numpy.asarray(x, dtype=numpy.float64)); lists and pandas
# Series are passed through numpy.asarray first. Non-contiguous float64 arrays
# (e.g. pts[:, 0]) are copied once; contiguous ones are read in place. NaN,
# infinite or out-of-range points are not errors: they get -1 / None / NaN.
# Batch calls release the GIL and use every core (threads=0) or `threads` threads.
#
# As of a time (docs/history.md): the one-at-a-time queries and snapshot() take
# as_of=, an aware datetime.datetime or an RFC 3339 str with an offset
# ('2026-03-01T08:00:00+08:00'); they answer as the data stood then. A naive
# datetime, a str without offset or another type -> BadRequest; a time
# whose history was compacted away -> NotFound; before the first write -> an
# empty registry. History times come back as aware datetimes in UTC.
#
# Thread-safety: every function and method may be called from any number of
# threads at once; queries never wait for writes.
from __future__ import annotations

import datetime
import os
from typing import Any, ClassVar, Iterable, Mapping, NamedTuple, Protocol, TypedDict, Union, overload

import numpy as np
import numpy.typing as npt

__version__: str

AsOf = Union[datetime.datetime, str]

class _RecordVersion(TypedDict):  # a dict at run time; typed for checkers only
    """One version of a pole or grid (Database.pole_history, grid_history)."""
    sequence: int
    valid_from: datetime.datetime | None  # UTC; None when not recorded (compacted, older poleloc)
    valid_to: datetime.datetime | None    # the next version's valid_from; None while current
    author: str                           # "" when not known
    deleted: bool
    record: dict[str, Any] | None         # {number, lon, lat, attributes} or {id, name, attributes, geometry}

class _FeedChange(TypedDict):
    """One change of the feed (Database.changes)."""
    seq: int
    time: datetime.datetime | None
    author: str
    kind: str                      # "pole", "grid", "alias" or "place"
    id: str                        # number, grid id, alias text or place name
    op: str                        # "put" or "delete"
    record: dict[str, Any] | None  # None for a delete; a put's record is accepted back by Database.apply

class _FeedPage(TypedDict):
    changes: list[_FeedChange]
    next_after: int
    next_skip: int
    sequence: int

# --- errors: one class per entry of the library's error catalogue -------------

class Error(Exception):
    """Base class of every poleloc error; str(e) is the library's message."""

class BadRequest(Error, ValueError):
    """A parameter is malformed or out of range (also: wrong array dtype/shape/length)."""
    code: ClassVar[str]  # "bad_request"
    http_status: ClassVar[int]  # 400

class InvalidInput(Error, ValueError):
    """An input file or record has bad rows or features; nothing was stored."""
    code: ClassVar[str]
    http_status: ClassVar[int]

class NotFound(Error, LookupError):
    """No such pole or grid."""
    code: ClassVar[str]
    http_status: ClassVar[int]

class Unauthorized(Error):
    code: ClassVar[str]
    http_status: ClassVar[int]

class PayloadTooLarge(Error):
    code: ClassVar[str]
    http_status: ClassVar[int]

class MethodNotAllowed(Error):
    code: ClassVar[str]
    http_status: ClassVar[int]

class Conflict(Error):
    """The database is locked by another process (open it read_only=True)."""
    code: ClassVar[str]
    http_status: ClassVar[int]

class SchemaMismatch(Error):
    code: ClassVar[str]
    http_status: ClassVar[int]

class IoError(Error):
    code: ClassVar[str]
    http_status: ClassVar[int]

class Corruption(Error):
    code: ClassVar[str]
    http_status: ClassVar[int]

class Internal(Error):
    code: ClassVar[str]
    http_status: ClassVar[int]

class ReadOnly(Error):
    """A write on a database opened read-only."""
    code: ClassVar[str]
    http_status: ClassVar[int]

class Overloaded(Error):
    """A server limit is reached (connections, buffered bytes, write queue); retry later (HTTP 503)."""
    code: ClassVar[str]
    http_status: ClassVar[int]

class HostNotAllowed(Error):
    """The HTTP Host header is not in the server's allow-list (HTTP 421)."""
    code: ClassVar[str]
    http_status: ClassVar[int]

class StorageFull(Error):
    """A write refused: no space left on the database's disk. Nothing of it was
    stored; reads go on, and a later write succeeds once space is freed."""
    code: ClassVar[str]
    http_status: ClassVar[int]

class StorageUnavailable(Error):
    """A write refused: the database's storage failed (an I/O error). Nothing of
    it was stored; reads go on, and each later write tries the storage again."""
    code: ClassVar[str]
    http_status: ClassVar[int]

class ReadOnlyReplica(Error):
    """A write sent to a read replica (`poleloc serve --follow`); send it to the primary (HTTP 409)."""
    code: ClassVar[str]
    http_status: ClassVar[int]

# JSON error code ("not_found", "bad_request", ...) -> exception class.
ERROR_CLASSES: dict[str, type[Error]]

# --- geo interface ---------------------------------------------------------------

class GeoInterface(Protocol):
    # A GeoJSON geometry ("type", "coordinates") that also carries the Feature
    # members "geometry" and "properties": shapely.geometry.shape() and
    # geopandas.GeoDataFrame.from_features() both accept it.
    @property
    def __geo_interface__(self) -> dict[str, Any]: ...

class Grid:
    """A grid (responsibility zone) of one snapshot."""
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def attributes(self) -> dict[str, str | int | float | bool]: ...
    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat)."""
    @property
    def index(self) -> int:
        """Dense index in its snapshot: what grid_indexes_at returns for points inside."""
    @property
    def geometry(self) -> dict[str, Any]:
        """GeoJSON Polygon (one polygon) or MultiPolygon."""
    @property
    def __geo_interface__(self) -> dict[str, Any]:
        """Polygon/MultiPolygon with properties {id, name, **attributes}."""
    @property
    def feature(self) -> dict[str, Any]:
        """A strict RFC 7946 Feature (for json.dumps)."""
    def __eq__(self, other: object) -> bool: ...  # same grid of the same snapshot
    def __hash__(self) -> int: ...

class Pole:
    """A numbered pole of one snapshot."""
    @property
    def number(self) -> str:
        """Canonical number, e.g. 'TJH0372'."""
    @property
    def lon(self) -> float: ...
    @property
    def lat(self) -> float: ...
    @property
    def position(self) -> tuple[float, float]:
        """(lon, lat), WGS84."""
    @property
    def gcj02(self) -> tuple[float, float]:
        """(lon, lat) as shown on Chinese web maps."""
    @property
    def grid(self) -> Grid | None:
        """The grid containing the pole, or None."""
    @property
    def attributes(self) -> dict[str, str | int | float | bool]: ...
    @property
    def where(self) -> dict[str, Any] | None:
        """Where the pole stands, in words a crew can drive to (roads imported), else None:
        {"zh", "en", "road", "side", "road_distance_m", "crossing", "direction", "distance_m"}."""
    @property
    def index(self) -> int:
        """Dense index in its snapshot: what nearest_many returns."""
    def boundary(self, boundary_m: float = 15.0) -> Boundary | None:
        """How far the pole is from the edge of its grid and the other grids within boundary_m
        metres (docs/boundary.md); None outside every grid with none within 10 km.
        BadRequest for boundary_m outside 0..1000."""
    @property
    def boundary_distance_m(self) -> float | None:
        """Metres to the nearest edge of the pole's grid (outside every grid: to the nearest grid)."""
    @property
    def neighbour_grids(self) -> list[NeighbourGrid]:
        """The other grids whose edge is within 15 m, nearest first (boundary() for another distance)."""
    @property
    def __geo_interface__(self) -> dict[str, Any]:
        """Point with properties {number, grid_id, grid_name, **attributes}."""
    @property
    def feature(self) -> dict[str, Any]: ...
    def __eq__(self, other: object) -> bool: ...  # same pole of the same snapshot
    def __hash__(self) -> int: ...

class NeighbourGrid:
    """Another grid whose edge is near the point."""
    grid: Grid
    distance_m: float  # metres, WGS84, to the grid's nearest edge

class Boundary:
    """How far a point is from the edge of its grid, and the other grids near it (docs/boundary.md)."""
    inside: bool  # the point lies in a grid
    boundary_distance_m: float  # to the nearest edge of its grid (0 on it); outside every grid: to the nearest grid
    neighbour_grids: list[NeighbourGrid]  # other grids within boundary_m, nearest first

class NearbyPole:
    pole: Pole
    distance_m: float
    @property
    def __geo_interface__(self) -> dict[str, Any]:
        """The pole's Point with distance_m added to its properties."""

class Candidate:
    """A pole a spoken or typed text may mean."""
    @property
    def pole(self) -> Pole: ...
    @property
    def score(self) -> float:
        """In [0, 1]; calibrated: of candidates scored s, about s are right."""
    @property
    def match(self) -> str:
        """'exact' (a pole carries the number as read) or 'fuzzy'."""
    @property
    def reason(self) -> str: ...
    @property
    def read_back(self) -> str:
        """The phrase a call-taker reads back to confirm."""
    @property
    def distance_m(self) -> float | None:
        """Geodesic metres from `near`; None when resolve() had no `near`."""
    @property
    def far_from_caller(self) -> bool: ...
    @property
    def __geo_interface__(self) -> dict[str, Any]: ...

class ImportReport:
    poles: int
    grids: int
    aliases: int
    places: int
    roads: int
    removed_poles: int
    removed_grids: int
    changed_records: int  # poles, grids and aliases written; 0 when the import held nothing new
    dry_run: bool  # True: nothing was stored; the report says what an import would do
    repairs: list[str]  # with repair=True: each repaired grid, what was wrong, where, area before/after in m²
    overlaps: list[str]  # with allow_overlap=True: each pair of overlapping grids
    @property
    def diff(self) -> dict[str, Any]:
        """{"poles": {"added", "changed", "removed", "unchanged": int, "added_ids", "changed_ids",
        "removed_ids": [first 20]}, "grids": {...}, "summary": "will add 12, change 3, remove 1 poles; ..."}"""
    @property
    def rejects(self) -> list[str]:
        """With skip_invalid: one line per rejected row or feature (file:line, field, reason)."""

class NearestMany(NamedTuple):
    indexes: npt.NDArray[np.int32]  # (n, k) pole indexes, -1 where none
    numbers: npt.NDArray[np.object_]  # (n, k) pole numbers, None where none
    distances_m: npt.NDArray[np.float64]  # (n, k) metres, NaN where none

_ArrayLike = npt.ArrayLike
_BBoxLike = tuple[float, float, float, float]

class Snapshot:
    """An immutable, fully indexed view of the dataset. Same query methods as Database
    (minus writes); indexes from one snapshot are meaningful only for that snapshot."""
    def locate(self, number: str) -> Pole | None: ...
    def resolve(self, text: str, near: tuple[float, float] | None = ..., limit: int = ...,
                far_m: float = ..., near_accuracy_m: float | None = ...,
                near_crs: str = ...) -> list[Candidate]: ...
    def grid_at(self, lon: float, lat: float) -> Grid | None: ...
    def boundary(self, lon: float, lat: float, boundary_m: float = ...) -> Boundary | None: ...
    def grid(self, id: str) -> Grid | None: ...
    def grids(self) -> list[Grid]: ...
    def nearest(self, lon: float, lat: float, k: int = ..., max_m: float | None = ...) -> list[NearbyPole]: ...
    def poles_in_grid(self, id: str, limit: int | None = ...) -> list[Pole]: ...
    def within(self, bbox: _BBoxLike, limit: int = ...) -> list[Pole]: ...
    def pole_by_index(self, index: int) -> Pole: ...
    def grid_by_index(self, index: int) -> Grid: ...
    def aliases(self) -> dict[str, str]: ...
    def stats(self) -> dict[str, int]: ...
    @property
    def pole_count(self) -> int: ...
    @property
    def grid_count(self) -> int: ...
    def grid_indexes_at(self, lons: _ArrayLike, lats: _ArrayLike, threads: int = ...) -> npt.NDArray[np.int32]: ...
    def grid_ids_at(self, lons: _ArrayLike, lats: _ArrayLike, threads: int = ...) -> npt.NDArray[np.object_]: ...
    def grid_ids(self, indexes: _ArrayLike) -> npt.NDArray[np.object_]: ...
    def nearest_many(self, lons: _ArrayLike, lats: _ArrayLike, k: int = ..., max_m: float | None = ...,
                     threads: int = ...) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]: ...
    def pole_numbers(self, indexes: _ArrayLike, threads: int = ...) -> npt.NDArray[np.object_]: ...
    def pole_positions(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
    def pole_grid_indexes(self) -> npt.NDArray[np.int32]: ...

class Database:
    """An open database; use as a context manager to close it."""
    import_report: ImportReport | None  # set by build()
    @property
    def path(self) -> str: ...
    @property
    def read_only(self) -> bool: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def __enter__(self) -> Database: ...
    def __exit__(self, *exc: object) -> None: ...
    def snapshot(self, as_of: AsOf | None = None) -> Snapshot:
        """The current snapshot (the same object until the database is written); with as_of,
        the data as it stood then (the current snapshot object for a time at or after the latest write)."""

    # One at a time.
    def locate(self, number: str, as_of: AsOf | None = None) -> Pole | None:
        """The pole carrying `number` in any printed form. Not found -> None (not an exception);
        text that is not a printed number ('电线杆') -> None as well: use resolve() for spoken text."""
    def resolve(self, text: str, near: tuple[float, float] | None = None, limit: int = 5,
                far_m: float = 2000.0, near_accuracy_m: float | None = None,
                near_crs: str = "wgs84", as_of: AsOf | None = None) -> list[Candidate]:
        """Candidates best first (limit 1..50). BadRequest on empty, oversized (> 512 bytes)
        or non-UTF-8 text or a bad limit/near/near_accuracy_m/near_crs. No candidate -> [].
        near is in near_crs ('wgs84', 'gcj02', 'bd09'); near_accuracy_m in metres."""
    def grid_at(self, lon: float, lat: float, as_of: AsOf | None = None) -> Grid | None:
        """The grid containing the point; on a shared edge the east (then north) grid.
        None outside every grid or for an invalid point."""
    def boundary(self, lon: float, lat: float, boundary_m: float = 15.0,
                 as_of: AsOf | None = None) -> Boundary | None:
        """How far the point is from the edge of its grid and the other grids within boundary_m
        metres, nearest first; outside every grid, the distance to the nearest grid. None for an
        invalid point or with no grid within 10 km. BadRequest for boundary_m outside 0..1000."""
    def grid(self, id: str, as_of: AsOf | None = None) -> Grid | None: ...
    def grids(self, as_of: AsOf | None = None) -> list[Grid]:
        """Every grid in index order."""
    def nearest(self, lon: float, lat: float, k: int = 5, max_m: float | None = None,
                as_of: AsOf | None = None) -> list[NearbyPole]:
        """Nearest first by geodesic distance. BadRequest for k outside 1..1000, max_m <= 0
        or an invalid point."""
    def poles_in_grid(self, id: str, limit: int | None = None, as_of: AsOf | None = None) -> list[Pole]:
        """Poles inside grid `id`, in number order. NotFound if there is no such grid."""
    def within(self, bbox: _BBoxLike, limit: int = 10000, as_of: AsOf | None = None) -> list[Pole]:
        """Poles inside (min_lon, min_lat, max_lon, max_lat), edges included, in number order.
        BadRequest for an unordered or out-of-range box."""
    def aliases(self, as_of: AsOf | None = None) -> dict[str, str]: ...
    def stats(self, as_of: AsOf | None = None) -> dict[str, int]: ...

    # Batch: numpy in, numpy out (see the input policy at the top).
    def grid_indexes_at(self, lons: _ArrayLike | Any, lats: _ArrayLike | None = None,
                        threads: int = 0) -> npt.NDArray[np.int32]:
        """Grid index per point (Grid.index), -1 outside every grid or for an invalid point.
        lons may be a GeoSeries/GeoDataFrame of points (lats None), converted to WGS84 from its CRS."""
    def grid_ids_at(self, lons: _ArrayLike | Any, lats: _ArrayLike | None = None,
                    threads: int = 0) -> npt.NDArray[np.object_]:
        """Grid id (str) per point, None outside every grid or for an invalid point."""
    def grid_ids(self, indexes: _ArrayLike) -> npt.NDArray[np.object_]:
        """Grid ids for grid indexes (any integer dtype, any shape); -1 -> None; others out of
        range -> BadRequest."""
    def nearest_many(self, lons: _ArrayLike | Any, lats: _ArrayLike | None = None, k: int = 1,
                     max_m: float | None = None, threads: int = 0) -> NearestMany:
        """The k nearest poles of every point, arrays of shape (n, k)."""
    def pole_numbers(self, indexes: _ArrayLike) -> npt.NDArray[np.object_]: ...
    def pole_positions(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """(lons, lats) of every pole in pole index order."""
    def pole_grid_indexes(self) -> npt.NDArray[np.int32]:
        """Grid index of every pole (-1: none); np.bincount of it counts poles per grid."""

    # Writes: durable before they return; ReadOnly on a read-only database.
    # author: the writer's name, kept in the history with every version ("" = not known).
    def put_pole(self, number: str, lon: float, lat: float, attributes: dict[str, Any] | None = None,
                 author: str = "") -> None: ...
    def delete_pole(self, number: str, author: str = "") -> None:
        """NotFound if absent."""
    def put_grid(self, id: str, geometry: Any, name: str = "", attributes: dict[str, Any] | None = None,
                 author: str = "") -> None:
        """`geometry`: a GeoJSON-like Polygon/MultiPolygon mapping or any object with __geo_interface__
        (shapely). InvalidInput for a bad polygon."""
    def delete_grid(self, id: str, author: str = "") -> None:
        """NotFound if absent."""
    def apply(self, changes: Iterable[Mapping[str, Any]], allow_overlap: bool = False,
              author: str = "") -> dict[str, Any]:
        """Applies a batch of puts and deletes as one atomic, durable change (all or nothing, one
        new sequence). Items: {"op": "put", "pole": {number, lon, lat, attributes}} (or a Pole),
        {"op": "delete", "pole": "TJH0372"}, {"op": "put", "grid": {id, name, attributes, geometry}}
        (or a GeoJSON Feature, or a Grid), {"op": "delete", "grid": "G1"}. Returns
        {"sequence": int, "written": int, "overlaps": [str]}. InvalidInput names every bad item
        as changes[i]; nothing is stored. author: kept in the history with every version."""
    def export(self, poles: str | os.PathLike[str], grids: str | os.PathLike[str],
               aliases: str | os.PathLike[str] | None = None,
               places: str | os.PathLike[str] | None = None) -> None: ...
    def to_geopandas(self, what: str = "grids") -> Any:
        """A geopandas.GeoDataFrame (EPSG:4326) of every grid (what="grids") or pole ("poles")."""
    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles by path; unpickled it is the database opened read-only."""

    # History and the change feed (docs/history.md). GIL released while the store is read.
    def pole_history(self, number: str) -> list[_RecordVersion]:
        """Every stored version of the pole (any printed number), oldest first, deletions included.
        NotFound when it was never stored (or all its versions were compacted); BadRequest
        for text that is not a pole number."""
    def grid_history(self, id: str) -> list[_RecordVersion]:
        """Every stored version of the grid, oldest first; records carry the geometry."""
    def changes(self, after: int = 0, limit: int = 1000, skip: int = 0, wait: float | None = None) -> _FeedPage:
        """The changes after sequence `after` (skipping `skip` of sequence after+1), at most `limit`
        (1..10000), oldest first. Follow with after=next_after, skip=next_skip. wait: seconds to wait
        (GIL released) for a write when the page would be empty; an empty page when none came.
        NotFound when the log no longer reaches back to `after`: start again from an export."""

def open(path: str | os.PathLike[str], read_only: bool = True) -> Database:
    """Opens the database at `path`. read_only=True: no lock, many processes may read; NotFound if
    there is no database. read_only=False: takes the write lock (Conflict if another process
    holds it) and creates an empty database if missing."""

def build(path: str | os.PathLike[str], poles: Any, grids: Any, aliases: Any = None,
          crs: str | None = None, skip_invalid: bool = False, replace: bool = False,
          max_remove_share: float = 0.10, places: str | os.PathLike[str] | None = None,
          dry_run: bool = False, merge: bool = False, roads: str | os.PathLike[str] | None = None, *, poles_crs: str | None = None,
          grids_crs: str | None = None, columns: str | None = None, encoding: str | None = None,
          id_field: str | None = None, name_field: str | None = None, layer: str | None = None,
          poles_layer: str | None = None, repair: bool = False, allow_overlap: bool = False) -> Database:
    """Creates the database at `path` (or replaces its content in one atomic commit) and returns
    it open read-write, with db.import_report set.

    poles: a path to poles.csv; or a pandas DataFrame with columns number, lon, lat (every other
      column becomes a string attribute; missing values are left out); or a GeoDataFrame of
      Points; or a mapping of columns; or an iterable of records (mappings or Pole objects).
    grids: a path to grids.geojson; or a GeoDataFrame with columns id, geometry (Polygon or
      MultiPolygon), optional name (other columns become attributes); or a FeatureCollection
      mapping / iterable of features or Grid objects (properties.id required).
    aliases: a path to aliases.csv, a {alias: code} mapping, a DataFrame (alias, code) or pairs;
      None keeps the aliases already stored.
    crs: CRS of file coordinates ("EPSG:4326" by default, any PROJ CRS, or "gcj02").
      In-memory inputs must be WGS84, except GeoDataFrames with .crs set, which are converted
      (to_crs(4326)); another crs with in-memory input raises BadRequest.
    poles and grids must both be paths or both be in memory.
    Bad rows raise InvalidInput (nothing stored) naming file:line / feature, field and reason,
    unless skip_invalid, which stores the valid rows and lists the rest in import_report.rejects.
    A file that cannot be read to its end (syntax error, bad header) always raises InvalidInput.
    Safety: into an existing database, an import that would leave zero poles or zero grids, or
    remove more than max_remove_share (default 0.10) of the stored poles or of the stored grids,
    raises InvalidInput and stores nothing, unless replace=True. Importing the same data again
    stores nothing new (import_report.changed_records == 0). dry_run=True computes
    import_report.diff and stores nothing; merge=True upserts and removes nothing. See docs/import.md.
    """

def feature_collection(items: Iterable[GeoInterface]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of poles, grids, candidates or nearby poles."""

def canonical_number(printed: str) -> str | None:
    """'tjh-0372号' -> 'TJH0372'; None if the text is not a printed pole number."""

@overload
def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_gcj02(lon: _ArrayLike, lat: _ArrayLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Arrays (any shape, broadcast against each other) give a pair of float64 arrays."""
@overload
def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_wgs84(lon: _ArrayLike, lat: _ArrayLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Arrays (any shape, broadcast against each other) give a pair of float64 arrays."""
def to_geopandas(items: Iterable[GeoInterface]) -> Any:
    """A geopandas.GeoDataFrame (EPSG:4326) of poles, grids, candidates or nearby poles; needs geopandas."""
def geodesic_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float: ...
