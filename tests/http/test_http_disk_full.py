"""A full disk under `poleloc serve` and `poleloc import`: writes answer 507
storage_full with a JSON body, reads keep answering, the process lives, writes
resume when space returns, and every acknowledged write is stored.

The database lives on a small tmpfs mounted for the test; that needs root (CI
runs as root). Elsewhere the tests skip and say why.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import CLI, SAMPLE, TOKEN, import_sample, start_server, write_token_file

AUTH = {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"}
SAMPLE_POLES = 1529


@pytest.fixture
def tmpfs(workdir, request):
    """A 16 MB tmpfs mounted on a fresh directory; always unmounted afterwards."""
    mountpoint = workdir / ("tmpfs-" + request.node.name)
    mountpoint.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(mountpoint)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        mountpoint.rmdir()
        pytest.skip("cannot mount a tmpfs (needs root, as in CI): " + (done.stderr.strip() or "mount failed"))
    try:
        yield mountpoint
    finally:
        if subprocess.run(["umount", str(mountpoint)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True)
        shutil.rmtree(mountpoint, ignore_errors=True)


def fill(disk: Path) -> None:
    """Appends zeros to disk/filler until not one more byte fits."""
    st = os.statvfs(disk)
    assert st.f_blocks * st.f_frsize <= 64 << 20, "refusing to fill %s: not the test's small tmpfs" % disk
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for chunk in (1 << 16, 4096, 1):
            zeros = bytes(chunk)
            while True:
                try:
                    if os.write(fd, zeros) < chunk:
                        break
                except OSError as e:
                    assert e.errno == errno.ENOSPC, e
                    break
    finally:
        os.close(fd)


def free_space(disk: Path) -> None:
    (disk / "filler").unlink()


def put_pole(server, number: str, note: str = ""):
    body = {"lon": 116.4712, "lat": 39.9251}
    if note:
        body["attributes"] = {"note": note}
    return server.request("PUT", "/v1/poles/" + number, body=json.dumps(body), headers=AUTH)


def assert_storage_full(answer):
    assert answer.status == 507, answer.body
    assert answer.headers["content-type"].startswith("application/json")
    error = answer.json()["error"]
    assert error["code"] == "storage_full", error
    # The body says what happened, never the path (that goes to the server log).
    assert "no space left" in error["message"] and "/" not in error["message"], error


def stored_numbers(db: Path, workdir: Path, numbers) -> set[str]:
    """Which of `numbers` a fresh read-only server over `db` finds."""
    server = start_server(db, workdir)
    try:
        assert server.get("/healthz").json()["status"] == "ok"
        return {n for n in numbers if server.get("/v1/poles/" + n).status == 200}
    finally:
        assert server.stop() == 0


def test_full_disk_writes_get_507_reads_answer_and_writes_resume(tmpfs, workdir):
    db = tmpfs / "db"
    import_sample(db)
    token_file = workdir / "token-disk-full"
    write_token_file(token_file, TOKEN + "\n")
    server = start_server(db, workdir, token_file=token_file)
    acknowledged, refused = [], []
    try:
        for i in range(3):
            assert put_pole(server, "DF%d" % i).status == 201
            acknowledged.append("DF%d" % i)

        fill(tmpfs)
        # The log may still hold room it reserved before: write until the disk says no.
        note = "x" * 4000
        for i in range(100, 5000):
            a = put_pole(server, "DF%d" % i, note)
            if a.status == 201:
                acknowledged.append("DF%d" % i)
                continue
            assert_storage_full(a)
            refused.append("DF%d" % i)
            break
        assert refused, "the disk never filled up"

        # While the disk stays full: every write is refused, reads answer, the server lives.
        for i in range(5000, 5004):
            fill(tmpfs)  # closing the failed log gave back the room it had reserved
            a = put_pole(server, "DF%d" % i, note)
            assert_storage_full(a)
            refused.append("DF%d" % i)
        assert_storage_full(server.request("DELETE", "/v1/poles/DF0", headers=AUTH))
        assert server.get("/v1/poles/DF0").status == 200
        assert all(server.get("/v1/poles/" + n).status == 200 for n in acknowledged)
        assert server.get("/v1/resolve?q=TJH0372").status == 200
        health = server.get("/healthz").json()
        assert health["status"] == "degraded" and health["writable"] is False
        assert health["degraded"]["code"] == "storage_full"
        assert "no space left on device" in health["degraded"]["reason"]
        assert health["poles"] == SAMPLE_POLES + len(acknowledged)
        assert server.process.poll() is None

        # Space returns: the next write succeeds by itself.
        free_space(tmpfs)
        assert put_pole(server, "DF9999").status == 201
        acknowledged.append("DF9999")
        health = server.get("/healthz").json()
        assert health["status"] == "ok" and health["writable"] is True and "degraded" not in health
    finally:
        assert server.stop() == 0

    assert stored_numbers(db, workdir, acknowledged + refused) == set(acknowledged)


def test_server_and_import_started_on_a_full_disk(tmpfs, workdir):
    db = tmpfs / "db"
    import_sample(db)
    token_file = workdir / "token-disk-full"
    write_token_file(token_file, TOKEN + "\n")
    fill(tmpfs)

    # import: a clear refusal, exit 4, and the database stays as it was.
    done = subprocess.run([CLI, "import", "--db", str(db), "--poles", str(SAMPLE / "poles.csv"),
                           "--grids", str(SAMPLE / "grids.geojson")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 4, done
    assert "no space left on device at " + str(db) in done.stderr, done.stderr
    assert "database is unchanged" in done.stderr

    # serve with a token: starts read-only, says so, and answers reads.
    server = start_server(db, workdir, token_file=token_file)
    try:
        events = [json.loads(line) for line in server.log_lines() if line.startswith("{")]
        read_only = [e for e in events if e.get("event") == "read_only"]
        assert read_only and "no space left on device" in read_only[0]["message"], events
        health = server.get("/healthz").json()
        assert health["status"] == "degraded" and health["writable"] is False
        assert health["degraded"]["code"] == "storage_full"
        assert server.get("/v1/poles/TJH0372").status == 200
        assert_storage_full(put_pole(server, "DF1"))

        free_space(tmpfs)
        assert put_pole(server, "DF2").status == 201
        assert server.get("/healthz").json()["status"] == "ok"
    finally:
        assert server.stop() == 0

    server = start_server(db, workdir)
    try:
        assert server.get("/healthz").json()["poles"] == SAMPLE_POLES + 1
        assert server.get("/v1/poles/DF2").status == 200
        assert server.get("/v1/poles/DF1").status == 404
    finally:
        assert server.stop() == 0
