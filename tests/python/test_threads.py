"""The module called from 8 threads at once gives the answers it gives from one."""
from __future__ import annotations

import threading

import numpy as np

THREADS = 8


def run_together(target, n=THREADS):
    """Runs target(i) on n threads released together; re-raises the first failure."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []
    results: list[object] = [None] * n

    def body(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except BaseException as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def test_eight_threads_get_the_single_thread_answers(db, sample):
    numbers = [r["number"] for r in sample.poles]
    rng = np.random.default_rng(8)
    lons = rng.uniform(116.460, 116.485, 30_000)
    lats = rng.uniform(39.915, 39.935, 30_000)

    def answers():
        return {
            "locate": [(p.number, p.position) for p in (db.locate(n) for n in numbers[::7])],
            "grid_at": [(g.id if g else None) for g in (db.grid_at(x, y) for x, y in zip(lons[:300], lats[:300]))],
            "nearest": [[n.pole.number for n in db.nearest(x, y, k=3)] for x, y in zip(lons[:50], lats[:50])],
            "resolve": [h.pole.number for h in db.resolve("团结湖三七二", near=(116.4712, 39.9251))],
            "poles_in_grid": [p.number for p in db.poles_in_grid(db.grids()[0].id)],
            "within": [p.number for p in db.within((116.468, 39.921, 116.474, 39.926))],
            "grid_ids_at": db.grid_ids_at(lons, lats).tolist(),
            "grid_indexes_at": db.grid_indexes_at(lons, lats).tolist(),
            "nearest_many": db.nearest_many(lons[:2000], lats[:2000], k=2).indexes.tolist(),
        }

    expected = answers()
    results = run_together(lambda i: [answers() for _ in range(3)])
    for per_thread in results:
        for got in per_thread:
            assert got == expected


def test_readers_keep_answering_while_another_thread_writes(writable):
    db = writable
    pole = db.locate("TJH0372")
    grid_id = pole.grid.id

    def work(i):
        if i == 0:  # the writer: new poles, each durable before put_pole returns
            for j in range(40):
                db.put_pole(f"ZZ{j:04d}", 116.47 + j * 1e-5, 39.92, {"batch": "threads"})
            return 40
        seen = 0
        for _ in range(200):
            p = db.locate("TJH0372")
            assert p.position == pole.position and p.grid.id == grid_id
            assert db.grid_ids_at(np.array([pole.lon]), np.array([pole.lat]))[0] == grid_id
            seen += 1
        return seen

    assert run_together(work) == [40] + [200] * (THREADS - 1)
    assert db.locate("ZZ0039").attributes == {"batch": "threads"}
