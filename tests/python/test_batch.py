"""Batch calls on numpy arrays: the same answers as the one-at-a-time calls, and
clear refusals of bad arrays."""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

import poleloc


@pytest.fixture(scope="module")
def points(db):
    """Random points over the sample's extent (some outside every grid) plus every pole."""
    boxes = np.array([g.bbox for g in db.grids()])
    rng = np.random.default_rng(20240611)
    n = 20_000  # over the 4096 points at which the core starts splitting work between threads
    lons = rng.uniform(boxes[:, 0].min() - 0.002, boxes[:, 2].max() + 0.002, n)
    lats = rng.uniform(boxes[:, 1].min() - 0.002, boxes[:, 3].max() + 0.002, n)
    pole_lons, pole_lats = db.pole_positions()
    return np.concatenate([lons, pole_lons]), np.concatenate([lats, pole_lats])


def one_by_one_ids(db, lons, lats):
    out = []
    for lon, lat in zip(lons.tolist(), lats.tolist()):
        g = db.grid_at(lon, lat)
        out.append(g.id if g else None)
    return out


def test_grid_ids_at_equals_grid_at_one_by_one(db, points):
    lons, lats = points
    ids = db.grid_ids_at(lons, lats)
    assert ids.dtype == object and ids.shape == lons.shape
    expected = one_by_one_ids(db, lons, lats)
    assert ids.tolist() == expected
    assert any(e is None for e in expected) and any(e is not None for e in expected)


def test_grid_indexes_at_and_grid_ids_agree(db, points):
    lons, lats = points
    idx = db.grid_indexes_at(lons, lats)
    assert idx.dtype == np.int32 and idx.shape == lons.shape
    assert db.grid_ids(idx).tolist() == db.grid_ids_at(lons, lats).tolist()
    grids = db.grids()
    for i in np.flatnonzero(idx >= 0)[:500]:
        assert grids[idx[i]].id == db.grid_at(lons[i], lats[i]).id


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
def test_thread_count_does_not_change_answers(db, points, threads):
    lons, lats = points
    assert np.array_equal(db.grid_indexes_at(lons, lats, threads=threads), db.grid_indexes_at(lons, lats))


def test_pole_grid_indexes_are_the_poles_grids(db):
    idx = db.pole_grid_indexes()
    lons, lats = db.pole_positions()
    assert np.array_equal(idx, db.grid_indexes_at(lons, lats))
    snap = db.snapshot()
    for i in range(0, snap.pole_count, 97):
        pole = snap.pole_by_index(i)
        assert (pole.grid.index if pole.grid else -1) == idx[i]


def test_nearest_many_equals_nearest_one_by_one(db, points):
    lons, lats = points[0][:700], points[1][:700]
    for k, max_m in [(1, None), (4, None), (6, 40.0)]:
        res = db.nearest_many(lons, lats, k=k, max_m=max_m)
        assert res.indexes.shape == res.distances_m.shape == res.numbers.shape == (len(lons), k)
        assert res.indexes.dtype == np.int32 and res.distances_m.dtype == np.float64
        for i in range(len(lons)):
            one = db.nearest(lons[i], lats[i], k=k, max_m=max_m)
            m = len(one)
            assert res.numbers[i, :m].tolist() == [n.pole.number for n in one]
            assert res.indexes[i, :m].tolist() == [n.pole.index for n in one]
            assert res.distances_m[i, :m].tolist() == [n.distance_m for n in one]
            assert (res.indexes[i, m:] == -1).all() and np.isnan(res.distances_m[i, m:]).all()
            assert all(v is None for v in res.numbers[i, m:])


def test_nearest_many_in_parallel_equals_single_thread(db, points):
    lons, lats = points
    a = db.nearest_many(lons, lats, k=2, threads=1)
    b = db.nearest_many(lons, lats, k=2)
    assert np.array_equal(a.indexes, b.indexes)
    assert np.array_equal(a.distances_m, b.distances_m)


def test_nearest_many_rejects_bad_options(db):
    xs = np.array([116.47])
    with pytest.raises(poleloc.BadRequest, match="k must be between 1 and 1000"):
        db.nearest_many(xs, xs, k=0)
    with pytest.raises(poleloc.BadRequest, match="max_m"):
        db.nearest_many(xs, xs, max_m=-5.0)


def test_pole_numbers(db):
    snap = db.snapshot()
    idx = np.array([[0, -1], [snap.pole_count - 1, 5]], dtype=np.int64)
    got = db.pole_numbers(idx)
    assert got.shape == (2, 2)
    assert got.tolist() == [[snap.pole_by_index(0).number, None],
                            [snap.pole_by_index(snap.pole_count - 1).number, snap.pole_by_index(5).number]]
    with pytest.raises(poleloc.BadRequest, match="out of range"):
        db.pole_numbers(np.array([snap.pole_count]))


def test_pole_numbers_of_many_indexes_share_one_str_per_pole(db):
    """Past a sixteenth of the poles the numbers are made once per distinct pole
    (k-nearest answers name the same poles many times) and shared."""
    snap = db.snapshot()
    n = snap.pole_count
    idx = np.tile(np.arange(-1, n, dtype=np.int64), 3).reshape(3, n + 1)
    got = db.pole_numbers(idx)
    assert got.shape == idx.shape
    expected = [None] + [snap.pole_by_index(i).number for i in range(n)]
    assert got.tolist() == [expected] * 3
    assert got[0, 1] is got[1, 1] is got[2, 1], "one str per pole"
    number = got[0, 1]
    # Three positions, the snapshot's own reference, `number`, the call's argument.
    assert sys.getrefcount(number) == 3 + 3
    del got
    assert sys.getrefcount(number) == 3, "the array held its references and let them go"
    with pytest.raises(poleloc.BadRequest, match=f"pole index {n} at position {n} is out of range"):
        db.pole_numbers(np.concatenate([np.arange(n), [n]]).astype(np.int32))


def test_pole_number_strs_are_made_once_per_snapshot(writable):
    """A snapshot keeps the str of each pole number it handed out: later answers
    (nearest_many over other points, pole_numbers of a few indexes) share it,
    and the references of every answer go when the answer goes."""
    snap = writable.snapshot()
    n = snap.pole_count
    few = snap.pole_numbers(np.array([3, 4], dtype=np.int64))  # a few indexes, before any table
    assert few.tolist() == [snap.pole_by_index(3).number, snap.pole_by_index(4).number]
    first = snap.pole_numbers(np.arange(n, dtype=np.int64))
    second = snap.pole_numbers(np.arange(n - 1, -1, -1, dtype=np.int64))
    assert second.tolist() == first.tolist()[::-1]
    assert all(a is b for a, b in zip(first.tolist(), second.tolist()[::-1])), "no str made twice"
    again = snap.pole_numbers(np.array([3], dtype=np.int64))
    assert again[0] is first[3], "a few indexes share the snapshot's strs too"
    number = first[3]
    base = sys.getrefcount(number)
    third = snap.pole_numbers(np.full(n, 3, dtype=np.int64))
    assert sys.getrefcount(number) == base + n
    del first, second, again, third
    assert sys.getrefcount(number) == base - 3
    # The strs made before the snapshot kept any (`few`) stay the caller's own.
    assert few[0] == number and few[0] is not number

    # An index out of range leaves nothing behind: the next answer counts right.
    with pytest.raises(poleloc.BadRequest, match=f"pole index {n} at position 2 is out of range"):
        snap.pole_numbers(np.array([3, 3, n] + [3] * n, dtype=np.int64))
    again = snap.pole_numbers(np.full(n, 3, dtype=np.int64))
    assert sys.getrefcount(number) == base - 3 + n
    del again
    assert sys.getrefcount(number) == base - 3

    lons, lats = snap.pole_positions()
    hits = writable.nearest_many(lons, lats, k=2)
    assert hits.numbers.tolist() == [[snap.pole_by_index(int(i)).number for i in row] for row in hits.indexes]
    # A write publishes a new snapshot: it names poles by its own strs.
    moved = snap.pole_by_index(0)
    writable.put_pole(moved.number, moved.lon + 0.0001, moved.lat)
    after = writable.snapshot()
    assert after is not snap
    hits_after = writable.nearest_many(lons, lats, k=1)
    assert hits_after.numbers[n - 1, 0] == hits.numbers[n - 1, 0]
    assert hits_after.numbers[n - 1, 0] is not hits.numbers[n - 1, 0]


def test_pole_numbers_say_none_for_a_pole_a_write_replaced(writable):
    first = writable.snapshot().pole_by_index(0)
    writable.put_pole(first.number, first.lon + 0.0001, first.lat)
    snap = writable.snapshot()  # the write in its overlay: base index 0 is the replaced version
    many = np.zeros(snap.pole_count, dtype=np.int64)  # index 0, many times: the table path
    assert set(snap.pole_numbers(many).tolist()) == {None}
    assert snap.pole_numbers(np.array([0])).tolist() == [None]
    moved = snap.locate(first.number)
    assert snap.pole_numbers(np.array([moved.index] * snap.pole_count)).tolist() == [first.number] * snap.pole_count


def test_bulk_arrays_follow_poles_in_both_layers_of_the_overlay(writable):
    # The first write builds the overlay's delta; the next ones go to its
    # recent layer, whose poles come after the delta's in the index space.
    snap = writable.snapshot()
    first, second = snap.pole_by_index(0), snap.pole_by_index(1)
    writable.put_pole(first.number, first.lon + 0.0001, first.lat)
    writable.put_pole(second.number, second.lon + 0.0001, second.lat)
    writable.put_pole(first.number, first.lon + 0.0002, first.lat)  # again: its delta version is replaced
    writable.put_pole("TJH9900", 116.4712, 39.9251)
    snap = writable.snapshot()  # held: a background merge later would not change it
    lons, lats = snap.pole_positions()
    grids = snap.pole_grid_indexes()
    live = ~np.isnan(lons)
    assert int(live.sum()) == snap.pole_count
    if len(lons) != snap.pole_count:  # not merged yet (only a pause of over a second merges)
        assert len(lons) == snap.pole_count + 3  # two base versions and one delta version replaced
    assert np.array_equal(grids[live], snap.grid_indexes_at(lons[live], lats[live]))
    numbers = snap.pole_numbers(np.arange(len(lons), dtype=np.int64)).tolist()
    assert sorted(n for n in numbers if n is not None) == sorted(p.number for p in (snap.pole_by_index(i) for i in np.flatnonzero(live)))
    for number, lon in [(first.number, first.lon + 0.0002), (second.number, second.lon + 0.0001), ("TJH9900", 116.4712)]:
        pole = snap.locate(number)
        assert numbers[pole.index] == number
        assert lons[pole.index] == pytest.approx(lon)
    near = writable.nearest_many(np.array([116.4712]), np.array([39.9251]), k=1)
    assert near.numbers[0, 0] == "TJH9900"


# --- bad and unusual inputs -------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.int32, np.float16, object, "U8", ">f8"])
@pytest.mark.parametrize("call", ["grid_indexes_at", "grid_ids_at", "nearest_many"])
def test_wrong_dtype_is_refused_with_the_fix(db, dtype, call):
    lons = np.array([116, 117], dtype=dtype)
    lats = np.array([39.9, 39.9])
    with pytest.raises(poleloc.BadRequest, match=r"lons must have dtype float64, got .*numpy.asarray"):
        getattr(db, call)(lons, lats)
    with pytest.raises(ValueError):  # BadRequest is a ValueError as well
        getattr(db, call)(lats, lons)


@pytest.mark.parametrize("call", ["grid_indexes_at", "grid_ids_at", "nearest_many"])
def test_mismatched_lengths_are_refused(db, call):
    with pytest.raises(poleloc.BadRequest, match="same length, got 3 and 2"):
        getattr(db, call)(np.zeros(3), np.zeros(2))


@pytest.mark.parametrize("call", ["grid_indexes_at", "grid_ids_at", "nearest_many"])
def test_two_dimensional_arrays_are_refused(db, call):
    with pytest.raises(poleloc.BadRequest, match=r"lats must be a 1-D array, got shape \(2, 2\)"):
        getattr(db, call)(np.zeros(4), np.zeros((2, 2)))


def test_nan_inf_and_out_of_range_points_get_no_grid(db):
    pole = db.locate("TJH0372")
    lons = np.array([np.nan, pole.lon, np.inf, 181.0, pole.lon, -np.inf])
    lats = np.array([pole.lat, np.nan, pole.lat, pole.lat, pole.lat, 0.0])
    idx = db.grid_indexes_at(lons, lats)
    assert idx.tolist() == [-1, -1, -1, -1, pole.grid.index, -1]
    assert db.grid_ids_at(lons, lats).tolist() == [None, None, None, None, pole.grid.id, None]
    near = db.nearest_many(lons, lats, k=2)
    assert (near.indexes[[0, 1, 2, 3, 5]] == -1).all()
    assert np.isnan(near.distances_m[[0, 1, 2, 3, 5]]).all()
    assert near.numbers[4, 0] == "TJH0372"


def test_non_contiguous_arrays_give_the_same_answers(db, points):
    lons, lats = points
    pts = np.column_stack([lons, lats])  # lons = pts[:, 0] is a strided view
    assert not pts[:, 0].flags.c_contiguous
    assert np.array_equal(db.grid_indexes_at(pts[:, 0], pts[:, 1]), db.grid_indexes_at(lons, lats))
    assert db.grid_ids_at(lons[::-3], lats[::-3]).tolist() == db.grid_ids_at(lons[::-3].copy(),
                                                                           lats[::-3].copy()).tolist()
    a = db.nearest_many(pts[:50, 0], pts[:50, 1], k=2)
    b = db.nearest_many(lons[:50], lats[:50], k=2)
    assert np.array_equal(a.indexes, b.indexes)


def test_inputs_are_not_modified(db, points):
    lons, lats = points
    before = lons.copy(), lats.copy()
    lons.flags.writeable = False  # read-only arrays are accepted: the binding only reads
    try:
        db.grid_ids_at(lons, lats)
        db.nearest_many(lons[:100], lats[:100])
    finally:
        lons.flags.writeable = True
    assert np.array_equal(lons, before[0]) and np.array_equal(lats, before[1])


def test_lists_series_and_empty_arrays(db):
    pole = db.locate("TJH0372")
    assert db.grid_ids_at([pole.lon], [pole.lat]).tolist() == [pole.grid.id]
    s = pd.Series([pole.lon, 0.0])
    assert db.grid_ids_at(s, pd.Series([pole.lat, 0.0])).tolist() == [pole.grid.id, None]
    with pytest.raises(poleloc.BadRequest, match="got int64"):
        db.grid_ids_at([116, 117], [39.9, 39.9])
    empty = np.array([], dtype=np.float64)
    assert db.grid_ids_at(empty, empty).shape == (0,)
    assert db.grid_indexes_at(empty, empty).dtype == np.int32
    assert db.nearest_many(empty, empty, k=3).indexes.shape == (0, 3)


def test_grid_ids_refuses_bad_indexes(db):
    n = db.snapshot().grid_count
    assert db.grid_ids(np.array([-1, 0], dtype=np.int8)).tolist() == [None, db.grids()[0].id]
    with pytest.raises(poleloc.BadRequest, match="out of range"):
        db.grid_ids(np.array([n]))
    with pytest.raises(poleloc.BadRequest, match="out of range"):
        db.grid_ids(np.array([-2]))
    with pytest.raises(poleloc.BadRequest, match="integer array"):
        db.grid_ids(np.array([0.0]))


def test_bad_thread_counts_are_refused(db):
    with pytest.raises(poleloc.BadRequest, match="threads"):
        db.grid_indexes_at(np.zeros(1), np.zeros(1), threads=-1)


def test_grid_id_arrays_hold_exactly_one_reference_per_element(db):
    pole = db.locate("TJH0372")
    one = db.grid_ids_at(np.array([pole.lon]), np.array([pole.lat]))
    gid = one[0]
    base = sys.getrefcount(gid)
    ids = db.grid_ids_at(np.full(5000, pole.lon), np.full(5000, pole.lat))
    assert all(x is gid for x in ids)  # one shared str per grid, not one per point
    assert sys.getrefcount(gid) == base + 5000
    again = db.grid_ids(np.full(300, pole.grid.index, dtype=np.int32))
    assert sys.getrefcount(gid) == base + 5300
    del ids, again
    assert sys.getrefcount(gid) == base


def test_pole_numbers_from_several_python_threads_at_once(db):
    """Calls on one snapshot from several Python threads (each releases the GIL
    while it counts) give each its own right answer."""
    import threading
    snap = db.snapshot()
    n = snap.pole_count
    numbers = [snap.pole_by_index(i).number for i in range(n)]
    rng = np.random.default_rng(5)
    inputs = [rng.integers(-1, n, size=4 * n) for _ in range(8)]
    wrong = []

    def work(k):
        for _ in range(5):
            got = snap.pole_numbers(inputs[k], threads=2).tolist()
            if got != [numbers[i] if i >= 0 else None for i in inputs[k].tolist()]:
                wrong.append(k)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []
    # Pole 0's str, named by the answers above, now held by the snapshot and
    # this call only (the array it came in is gone): no answer kept a reference.
    held = sys.getrefcount(snap.pole_numbers(np.array([0] * n, dtype=np.int64))[0])
    assert held == 2
