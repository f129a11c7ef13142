"""Coordinates in and out of numpy and GeoPandas (internal to the package).

- gcj02_to_wgs84 / wgs84_to_gcj02: a pair of scalars gives a (lon, lat) tuple,
  arrays (any shape, broadcast against each other) give a pair of float64 arrays.
- points_of: the (lons, lats) float64 arrays of the batch calls, from two
  array-likes or from one GeoSeries / GeoDataFrame of points, converted to
  WGS84 from its CRS (never read in another CRS as if it were degrees).
- to_geopandas: a GeoDataFrame (EPSG:4326) of poles, grids or query answers.
"""
from __future__ import annotations

from typing import Any

try:
    import numpy as np
except ImportError:  # numpy is needed by the batch (array) calls only; the rest works without it
    np = None  # type: ignore[assignment]

from . import _poleloc


def _is_scalar(v: Any) -> bool:
    if np is None:
        return isinstance(v, (int, float))
    return np.ndim(v) == 0


def _convert(many, scalar, lon: Any, lat: Any):
    if _is_scalar(lon) and _is_scalar(lat):
        return scalar(float(lon), float(lat))
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    ox, oy = many(np.ascontiguousarray(x).ravel(), np.ascontiguousarray(y).ravel())
    return ox.reshape(x.shape), oy.reshape(x.shape)


def gcj02_to_wgs84(lon: Any, lat: Any):
    """GCJ-02 -> WGS84 (iterated to < 1e-7 degrees). Scalars: a (lon, lat) tuple;
    arrays (numpy, lists, pandas; broadcast): a (lons, lats) pair of float64 arrays."""
    return _convert(_poleloc._gcj02_to_wgs84_many, _poleloc.gcj02_to_wgs84, lon, lat)


def wgs84_to_gcj02(lon: Any, lat: Any):
    """WGS84 -> GCJ-02 (what Chinese web maps show; identity outside China). Scalars: a
    (lon, lat) tuple; arrays (broadcast): a (lons, lats) pair of float64 arrays."""
    return _convert(_poleloc._wgs84_to_gcj02_many, _poleloc.wgs84_to_gcj02, lon, lat)


def _is_geo(obj: Any) -> bool:
    return hasattr(obj, "crs") and hasattr(obj, "to_crs") and (hasattr(obj, "geom_type") or hasattr(obj, "geometry"))


def points_of(lons: Any, lats: Any) -> tuple[Any, Any]:
    """The (lons, lats) of a batch call. A GeoSeries or GeoDataFrame of points is given
    alone (lats=None); it is converted to EPSG:4326 from its CRS. One without a CRS is taken
    as lon/lat degrees, and refused when its coordinates cannot be (|x| > 180 or |y| > 90)."""
    if not _is_geo(lons):
        if lats is None:
            raise _poleloc.BadRequest("give lons and lats, or one GeoSeries of points")
        return lons, lats
    if lats is not None:
        raise _poleloc.BadRequest("a GeoSeries carries both coordinates: pass it alone, without lats")
    geo = lons
    series = geo.geometry if hasattr(geo, "columns") else geo  # a GeoDataFrame: its active geometry
    if len(series) and not bool((series.geom_type.dropna() == "Point").all()):
        raise _poleloc.BadRequest("a GeoSeries given as points must hold only Point geometries")
    crs = series.crs
    if crs is not None and crs.to_epsg() != 4326:
        if not crs.is_geographic and not crs.is_projected:
            raise _poleloc.BadRequest(f"cannot convert points from the CRS {crs.to_string()!r} to EPSG:4326")
        series = series.to_crs(4326)
    x = np.asarray(series.x, dtype=np.float64)
    y = np.asarray(series.y, dtype=np.float64)
    if crs is None:
        finite = np.isfinite(x) & np.isfinite(y)
        if bool((np.abs(x[finite]) > 180).any() or (np.abs(y[finite]) > 90).any()):
            raise _poleloc.BadRequest(
                "the GeoSeries has no CRS and its coordinates are not lon/lat degrees (projected, e.g. "
                "EPSG:3857?): set it with .set_crs(...) so that poleloc can convert them")
    return x, y


def to_geopandas(items: Any):
    """A GeoDataFrame (CRS EPSG:4326) of Pole, Grid, NearbyPole or Candidate objects: one row
    each, the properties of their __geo_interface__ as columns. Needs geopandas (Debian:
    python3-geopandas); ImportError naming it otherwise."""
    try:
        import geopandas
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise ImportError("poleloc.to_geopandas needs geopandas (Debian: python3-geopandas; pip: geopandas)") from e
    features = []
    for item in items:
        gi = item.__geo_interface__
        features.append({"type": "Feature", "geometry": gi["geometry"], "properties": gi["properties"]})
    if not features:
        return geopandas.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
    return geopandas.GeoDataFrame.from_features(features, crs="EPSG:4326")
