"""poleloc.dask on a LocalCluster of 2 worker processes gives exactly the
single-process answers, each worker opening the database read-only once."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import poleloc

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import poleloc.dask  # noqa: E402


@pytest.fixture(scope="module")
def cases(db_path):
    rng = np.random.default_rng(7)
    with poleloc.open(db_path) as db:
        lons, lats = db.pole_positions()
    n = 4000
    frame = pd.DataFrame({
        "case": np.arange(n),
        "x": rng.uniform(lons.min() - 0.002, lons.max() + 0.002, n),
        "y": rng.uniform(lats.min() - 0.002, lats.max() + 0.002, n),
    })
    frame.loc[5, "x"] = np.nan  # a missing point is None, not an error
    return frame


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_assign_grids_on_two_workers_equals_one_process(db_path, cases, client):
    ddf = dd.from_pandas(cases, npartitions=8)
    got = poleloc.dask.assign_grids(ddf, db_path, lon="x", lat="y").compute(scheduler=client)
    with poleloc.open(db_path) as db:
        expected = db.grid_ids_at(cases["x"].to_numpy(), cases["y"].to_numpy())
    got = got.sort_values("case")
    assert list(got["grid_id"]) == list(expected)
    assert got["grid_id"].notna().sum() > 100 and got["grid_id"].iloc[5] is None


def test_nearest_poles_on_two_workers_equals_one_process(db_path, cases, client):
    ddf = dd.from_pandas(cases, npartitions=8)
    got = poleloc.dask.nearest_poles(ddf, db_path, lon="x", lat="y", k=2).compute(scheduler=client)
    got = got.sort_values("case")
    with poleloc.open(db_path) as db:
        expected = db.nearest_many(cases["x"].to_numpy(), cases["y"].to_numpy(), k=2)
    assert list(got["pole_number_1"]) == list(expected.numbers[:, 0])
    assert list(got["pole_number_2"]) == list(expected.numbers[:, 1])
    np.testing.assert_array_equal(got["pole_distance_m_1"].to_numpy(), expected.distances_m[:, 0])
    one = poleloc.dask.nearest_poles(ddf, db_path, lon="x", lat="y").compute(scheduler=client)
    assert {"pole_number", "pole_distance_m"} <= set(one.columns)


def test_each_worker_opens_the_database_once(db_path, cases, client):
    ddf = dd.from_pandas(cases, npartitions=8)
    poleloc.dask.assign_grids(ddf, db_path, lon="x", lat="y").compute(scheduler=client)

    def opened():
        import poleloc.dask as pd_
        return sorted(pd_._databases)

    per_worker = client.run(opened)
    assert len(per_worker) == 2
    for paths in per_worker.values():
        assert len(paths) <= 1  # one handle per process and path, kept for later partitions


def test_pole_grid_and_database_travel_to_workers(db_path, client):
    with poleloc.open(db_path) as db:
        pole = db.locate("TJH0372")
        future = client.submit(lambda d, p: (d.locate(p.number).grid.id, p.grid.id), db, pole)
        assert future.result() == (pole.grid.id, pole.grid.id)
