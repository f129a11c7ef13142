"""A server without a token file follows its database: an import by another
process shows within a couple of seconds, without a restart, and /healthz
reports the sequence it serves (it used to serve the old data while saying ok)."""
from __future__ import annotations

import shutil
import subprocess
import time

from conftest import CLI, SAMPLE, import_sample, start_server


def test_a_read_only_server_sees_a_reimport_without_a_restart(workdir):
    db = workdir / "db-follow"
    shutil.rmtree(db, ignore_errors=True)
    import_sample(db)
    server = start_server(db, workdir)
    try:
        before = server.get("/healthz").json()
        assert server.get("/v1/poles/TJH9001").status == 404
        # Another process imports the sample plus one new pole.
        poles = workdir / "poles-follow.csv"
        text = (SAMPLE / "poles.csv").read_text(encoding="utf-8")
        poles.write_text(text + "TJH9001,116.4712,39.9251,路灯,王芳,010-00000000\n", encoding="utf-8")
        subprocess.run([CLI, "import", "--db", str(db), "--poles", str(poles), "--grids", str(SAMPLE / "grids.geojson")],
                       check=True, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and server.get("/v1/poles/TJH9001").status != 200:
            time.sleep(0.1)
        assert server.get("/v1/poles/TJH9001").status == 200
        after = server.get("/healthz").json()
        assert after["sequence"] > before["sequence"]
        assert after["poles"] == before["poles"] + 1
        assert any('"event":"reloaded"' in line for line in server.log_lines())
    finally:
        assert server.stop() == 0
