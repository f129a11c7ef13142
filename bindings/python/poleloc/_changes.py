"""Database.apply(): a batch of changes in the shapes of POST /v1/changes
(docs/changes.md) -> the lists that _poleloc.Service.apply takes, and the
facade's item errors renamed after the caller's list ("changes[3]").

    {"op": "put", "pole": {"number": "TJH0372", "lon": 116.47, "lat": 39.92, "attributes": {...}}}
    {"op": "delete", "pole": "TJH0372"}
    {"op": "put", "grid": {"id": "G1", "name": "...", "attributes": {...}, "geometry": {...}}}  # or a GeoJSON Feature
    {"op": "delete", "grid": "G1"}

A pole put may also be a poleloc.Pole, a grid put a poleloc.Grid (a record
read from another database). Values are checked by the C++ facade.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from . import _poleloc

_LISTS = ("put_poles", "delete_poles", "put_grids", "delete_grids")
_LABEL = re.compile(r"^(\s*)(put_poles|delete_poles|put_grids|delete_grids)\[(\d+)\]", re.MULTILINE)


def _pole_put(value: Any) -> tuple[str, float, float, Any]:
    if isinstance(value, _poleloc.Pole):
        return (value.number, value.lon, value.lat, value.attributes)
    if not isinstance(value, Mapping):
        raise ValueError("pole: a put gives the pole as a dict {number, lon, lat, attributes}")
    unknown = set(value) - {"number", "lon", "lat", "attributes"}
    if unknown:
        raise ValueError("pole: unknown member %r; accepted: number, lon, lat, attributes" % sorted(unknown)[0])
    for key in ("number", "lon", "lat"):
        if key not in value:
            raise ValueError("pole.%s is required" % key)
    return (str(value["number"]), value["lon"], value["lat"], value.get("attributes"))


def _grid_put(value: Any) -> tuple[str, str, Any, Any]:
    if isinstance(value, _poleloc.Grid):
        return (value.id, value.name, value.attributes, value.geometry)
    if not isinstance(value, Mapping):
        raise ValueError("grid: a put gives the grid as a dict {id, name, attributes, geometry} or a GeoJSON Feature")
    if value.get("type") == "Feature":
        props = dict(value.get("properties") or {})
        gid = props.pop("id", value.get("id"))
        name = props.pop("name", "") or ""
        # Strings, numbers and booleans keep their type; objects and arrays become their JSON text.
        attributes = {k: (json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
                      for k, v in props.items() if v is not None}
        geometry = value.get("geometry")
    else:
        unknown = set(value) - {"id", "name", "attributes", "geometry"}
        if unknown:
            raise ValueError("grid: unknown member %r; accepted: id, name, attributes, geometry" % sorted(unknown)[0])
        gid, name, attributes, geometry = value.get("id"), value.get("name") or "", value.get("attributes"), \
            value.get("geometry")
    if isinstance(gid, int) and not isinstance(gid, bool):
        gid = str(gid)
    if not isinstance(gid, str) or not gid:
        raise ValueError("grid.id is required (a string)")
    if geometry is None:
        raise ValueError("grid.geometry is required (a GeoJSON Polygon or MultiPolygon)")
    return (gid, name, attributes, geometry)


def _item(item: Any) -> tuple[str, Any]:
    if not isinstance(item, Mapping):
        raise ValueError("an item must be a dict like {'op': 'put', 'pole': {...}}")
    unknown = set(item) - {"op", "pole", "grid"}
    if unknown:
        raise ValueError("unknown member %r; accepted: op, pole, grid" % sorted(unknown)[0])
    op = item.get("op")
    if op not in ("put", "delete"):
        raise ValueError("op must be 'put' or 'delete'")
    if ("pole" in item) == ("grid" in item):
        raise ValueError("an item names either a 'pole' or a 'grid'")
    if "pole" in item:
        value = item["pole"]
        if op == "delete":
            if not isinstance(value, str):
                raise ValueError("pole: a delete names the pole by its number (a str)")
            return "delete_poles", value
        return "put_poles", _pole_put(value)
    value = item["grid"]
    if op == "delete":
        if not isinstance(value, str):
            raise ValueError("grid: a delete names the grid by its id (a str)")
        return "delete_grids", value
    return "put_grids", _grid_put(value)


def apply_changes(service: Any, changes: Iterable[Any], allow_overlap: bool, author: str) -> dict[str, Any]:
    if isinstance(changes, (str, bytes, Mapping)):
        raise _poleloc.BadRequest("changes must be a list of items like {'op': 'put', 'pole': {...}}")
    lists: dict[str, list[Any]] = {name: [] for name in _LISTS}
    where: dict[str, list[int]] = {name: [] for name in _LISTS}
    bad = []
    count = 0
    for index, item in enumerate(changes):
        count += 1
        try:
            kind, value = _item(item)
        except (TypeError, ValueError) as e:
            bad.append("changes[%d]: %s" % (index, e))
            continue
        lists[kind].append(value)
        where[kind].append(index)
    if bad:
        raise _poleloc.InvalidInput("%d bad item%s in the batch; nothing was stored\n  %s"
                                    % (len(bad), "" if len(bad) == 1 else "s", "\n  ".join(bad)))
    if count == 0:
        raise _poleloc.BadRequest("the batch holds no change")
    try:
        return service.apply(lists["put_poles"], lists["delete_poles"], lists["put_grids"], lists["delete_grids"],
                             allow_overlap, author)
    except _poleloc.Error as e:
        def rename(m: re.Match[str]) -> str:
            positions = where[m.group(2)]
            i = int(m.group(3))
            return "%schanges[%d]" % (m.group(1), positions[i]) if i < len(positions) else m.group(0)
        message = _LABEL.sub(rename, str(e))
        if count == 1 and not message.startswith("changes["):
            message = "changes[0]: " + message
        raise type(e)(message) from None
