"""History from Python (docs/history.md): as_of= on the queries and on snapshot(),
pole_history / grid_history, and the change feed db.changes() that a follower
applies with db.apply to reach the primary's state.

As-of times are taken from the history itself (valid_from of each version), so
no test depends on the clock; a short sleep between writes only keeps two
writes from sharing one millisecond."""
from __future__ import annotations

import datetime
import threading
import time

import pytest

import poleloc

UTC = datetime.timezone.utc
FIRST_SQUARE = [[116.5000, 39.9500], [116.5010, 39.9500], [116.5010, 39.9510], [116.5000, 39.9510], [116.5000, 39.9500]]
REDRAWN_SQUARE = [[116.5100, 39.9500], [116.5110, 39.9500], [116.5110, 39.9510], [116.5100, 39.9510], [116.5100, 39.9500]]


def polygon(ring):
    return {"type": "Polygon", "coordinates": [ring]}


def lists(value):
    """GeoJSON coordinates with tuples (as the module returns them) as lists, to compare with literals."""
    if isinstance(value, dict):
        return {k: lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [lists(v) for v in value]
    return value


def next_millisecond():
    time.sleep(0.005)


def exported(db, tmp_path, tag):
    poles, grids = tmp_path / f"{tag}.csv", tmp_path / f"{tag}.geojson"
    db.export(poles, grids)
    return poles.read_bytes() + grids.read_bytes()


def follow(primary, follower, after):
    """Applies the primary's changes after `after`, one batch per sequence, page by page (limit 2)."""
    skip = 0
    pending: dict[int, list] = {}
    while True:
        page = primary.changes(after=after, limit=2, skip=skip)
        for c in page["changes"]:
            item = {"op": c["op"], c["kind"]: c["record"] if c["op"] == "put" else c["id"]}
            pending.setdefault(c["seq"], []).append(item)
        # A sequence is complete once the page ends past it.
        for seq in sorted(s for s in pending if s <= page["next_after"]):
            follower.apply(pending.pop(seq), allow_overlap=True)
        if (page["next_after"], page["next_skip"]) == (after, skip):
            break
        after, skip = page["next_after"], page["next_skip"]
    assert not pending
    return after


def test_as_of_answers_with_the_pole_where_it_stood_before_it_was_moved(writable, sample):
    before = writable.locate("TJH0372")
    next_millisecond()
    writable.put_pole("TJH0372", 116.5005, 39.9505, before.attributes, author="field-crew")
    versions = writable.pole_history("TJH0372")
    built_at, moved_at = versions[-2]["valid_from"], versions[-1]["valid_from"]
    assert built_at < moved_at

    old = writable.locate("tjh-0372", as_of=built_at)
    assert old.position == pytest.approx(before.position)
    assert writable.locate("TJH0372", as_of=moved_at).position == pytest.approx((116.5005, 39.9505))
    assert writable.locate("TJH0372").position == pytest.approx((116.5005, 39.9505))
    # The other queries see the same moment.
    near_new = writable.nearest(116.5005, 39.9505, k=1, max_m=5.0, as_of=built_at)
    assert near_new == []
    assert [n.pole.number for n in writable.nearest(116.5005, 39.9505, k=1, max_m=5.0, as_of=moved_at)] == ["TJH0372"]
    found = writable.resolve("TJH0372", as_of=built_at)
    assert found[0].pole.position == pytest.approx(before.position)
    # An RFC 3339 str in another zone names the same instant.
    text = built_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))).isoformat()
    assert writable.locate("TJH0372", as_of=text).position == pytest.approx(before.position)


def test_as_of_answers_with_the_grid_as_it_was_drawn_then(writable):
    writable.put_grid("FAR-1", polygon(FIRST_SQUARE), name="远处")
    writable.put_pole("TJH9101", 116.5002, 39.9502)
    next_millisecond()
    writable.put_grid("FAR-1", polygon(REDRAWN_SQUARE), name="远处", author="gis-sync")
    first_at, redrawn_at = (v["valid_from"] for v in writable.grid_history("FAR-1"))
    pole_at = writable.pole_history("TJH9101")[0]["valid_from"]

    assert writable.grid_at(116.5005, 39.9505, as_of=pole_at).id == "FAR-1"
    assert writable.grid_at(116.5005, 39.9505, as_of=redrawn_at) is None
    assert writable.grid_at(116.5105, 39.9505, as_of=redrawn_at).id == "FAR-1"
    assert writable.grid_at(116.5105, 39.9505, as_of=first_at) is None
    assert [p.number for p in writable.poles_in_grid("FAR-1", as_of=pole_at)] == ["TJH9101"]
    assert writable.poles_in_grid("FAR-1") == []
    assert lists(writable.snapshot(as_of=pole_at).grid("FAR-1").geometry) == polygon(FIRST_SQUARE)


def test_as_of_before_the_first_write_is_an_empty_registry(writable):
    empty = writable.snapshot(as_of="2000-01-01T00:00:00Z")
    assert empty.pole_count == 0 and empty.grid_count == 0
    assert writable.locate("TJH0372", as_of=datetime.datetime(2000, 1, 1, tzinfo=UTC)) is None


def test_as_of_now_or_later_is_the_current_snapshot(writable):
    later = datetime.datetime.now(UTC) + datetime.timedelta(days=1)
    assert writable.snapshot(as_of=later) is writable.snapshot()
    # Beyond the C++ clock's range (year 2262) still means "now", and year 1 "before everything".
    assert writable.snapshot(as_of=datetime.datetime(9999, 12, 31, tzinfo=UTC)) is writable.snapshot()
    assert writable.snapshot(as_of=datetime.datetime(1, 1, 1, tzinfo=UTC)).pole_count == 0
    # The same as text (HTTP and the CLI read it so too): not wrapped around to a date before the data.
    assert writable.snapshot(as_of="9999-12-31T23:59:59Z") is writable.snapshot()
    assert writable.locate("TJH0372", as_of="9999-12-31T23:59:59+08:00") is not None
    assert writable.snapshot(as_of="0001-01-01T00:00:00Z").pole_count == 0


def test_a_naive_datetime_or_a_time_without_offset_is_refused(writable):
    with pytest.raises(poleloc.BadRequest, match="naive"):
        writable.locate("TJH0372", as_of=datetime.datetime(2026, 3, 1, 8, 0))
    with pytest.raises(poleloc.BadRequest, match="as_of"):
        writable.locate("TJH0372", as_of="2026-03-01T08:00:00")
    with pytest.raises(poleloc.BadRequest, match="as_of"):
        writable.grid_at(116.47, 39.92, as_of=1234)


def test_history_lists_every_version_with_its_author_oldest_first(writable):
    writable.put_pole("TJH0372", 116.5005, 39.9505, {"kind": "路灯"}, author="field-crew")
    writable.delete_pole("TJH0372", author="dispatch-centre")
    versions = writable.pole_history("tjh 0372")
    assert [v["author"] for v in versions] == ["", "field-crew", "dispatch-centre"]
    assert [v["deleted"] for v in versions] == [False, False, True]
    assert versions[1]["record"] == {"number": "TJH0372", "lon": 116.5005, "lat": 39.9505,
                                     "attributes": {"kind": "路灯"}}
    assert versions[2]["record"] is None
    assert versions[0]["sequence"] < versions[1]["sequence"] < versions[2]["sequence"]
    for older, newer in zip(versions, versions[1:]):
        assert older["valid_to"] == newer["valid_from"]
        assert older["valid_from"].tzinfo is not None and older["valid_from"].utcoffset() == datetime.timedelta(0)
    assert versions[-1]["valid_to"] is None


def test_grid_history_carries_the_geometry(writable):
    writable.put_grid("FAR-1", polygon(FIRST_SQUARE), attributes={"manager": "王"}, author="gis-sync")
    [version] = writable.grid_history("FAR-1")
    assert version["author"] == "gis-sync"
    assert lists(version["record"]) == {"id": "FAR-1", "name": "", "attributes": {"manager": "王"},
                                 "geometry": polygon(FIRST_SQUARE)}


def test_history_of_a_record_never_stored_is_not_found(writable):
    with pytest.raises(poleloc.NotFound):
        writable.pole_history("TJH9999")
    with pytest.raises(poleloc.NotFound):
        writable.grid_history("NO-SUCH-GRID")


def test_the_feed_pages_through_the_import_in_order(writable, sample):
    pages, after, skip = [], 0, 0
    while True:
        page = writable.changes(after=after, limit=100, skip=skip)
        if not page["changes"]:
            break
        pages.append(page)
        after, skip = page["next_after"], page["next_skip"]
    changes = [c for p in pages for c in p["changes"]]
    assert len(pages) > 1
    assert [c["seq"] for c in changes] == sorted(c["seq"] for c in changes)
    poles = [c for c in changes if c["kind"] == "pole"]
    assert sorted(c["id"] for c in poles) == sorted(r["number"] for r in sample.poles)
    assert len({c["id"] for c in changes if c["kind"] == "grid"}) == len(sample.grids["features"])
    assert all(c["op"] == "put" and c["time"].tzinfo is not None for c in changes)
    assert pages[-1]["sequence"] == writable.stats()["sequence"]

    writable.delete_pole("TJH0001", author="dispatch-centre")
    [change] = writable.changes(after=after, skip=skip)["changes"]
    assert (change["kind"], change["id"], change["op"], change["record"], change["author"]) == \
        ("pole", "TJH0001", "delete", None, "dispatch-centre")


def test_a_follower_applying_the_feed_reaches_the_primarys_export(writable, sample, tmp_path):
    follower = poleloc.build(tmp_path / "follower", poles=sample.poles_csv, grids=sample.grids_geojson,
                             aliases=sample.aliases_csv)
    try:
        after = writable.stats()["sequence"]
        writable.put_pole("TJH0372", 116.5005, 39.9505, {"kind": "路灯"})
        writable.delete_pole("TJH0001")
        writable.put_grid("FAR-1", polygon(FIRST_SQUARE), name="远处")
        writable.apply([{"op": "put", "grid": {"id": "FAR-1", "geometry": polygon(REDRAWN_SQUARE)}},
                        {"op": "put", "pole": {"number": "TJH9101", "lon": 116.5105, "lat": 39.9505}},
                        {"op": "delete", "pole": "TJH0002"}])
        writable.put_grid("FAR-2", polygon(FIRST_SQUARE))
        writable.delete_grid("FAR-2")
        assert exported(follower, tmp_path, "f0") != exported(writable, tmp_path, "p0")
        reached = follow(writable, follower, after)
        assert reached == writable.stats()["sequence"]
        assert exported(follower, tmp_path, "f1") == exported(writable, tmp_path, "p1")
    finally:
        follower.close()


def test_changes_with_wait_returns_a_write_made_while_waiting(writable):
    current = writable.stats()["sequence"]
    got = {}
    waiter = threading.Thread(target=lambda: got.update(writable.changes(after=current, wait=30)))
    waiter.start()
    writable.put_pole("TJH9102", 116.47, 39.92, author="dispatch-centre")  # the waiter must not hold the GIL
    waiter.join()
    assert [(c["id"], c["author"]) for c in got["changes"]] == [("TJH9102", "dispatch-centre")]
    assert got["next_after"] == current + 1


def test_changes_with_wait_and_nothing_new_returns_an_empty_page(writable):
    current = writable.stats()["sequence"]
    page = writable.changes(after=current, wait=0.05)
    assert page["changes"] == [] and page["next_after"] == current and page["sequence"] == current


def test_bad_feed_arguments_are_invalid(writable):
    with pytest.raises(poleloc.BadRequest):
        writable.changes(limit=0)
    with pytest.raises(poleloc.BadRequest):
        writable.changes(after=-1)
    with pytest.raises(poleloc.BadRequest):
        writable.changes(wait=-1)
