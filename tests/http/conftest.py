"""Fixtures for the HTTP integration tests: `poleloc serve` on a free loopback
port over a temporary database imported from the Tuanjiehu sample.

Environment (set by tests/http/CMakeLists.txt):
  POLELOC_CLI          the poleloc binary
  POLELOC_SAMPLE_DIR   data/tuanjiehu
  POLELOC_TEST_TMP     where temporary databases go (the build directory)
"""
from __future__ import annotations

import http.client
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CLI = os.environ.get("POLELOC_CLI", "")
SAMPLE = Path(os.environ.get("POLELOC_SAMPLE_DIR", Path(__file__).resolve().parents[2] / "data" / "tuanjiehu"))
TOKEN = "integration-test-token-5f2c"


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def error_code(self) -> str:
        return self.json()["error"]["code"]


@dataclass
class Server:
    """A running `poleloc serve`; stop() sends SIGTERM and waits."""

    process: subprocess.Popen
    host: str
    port: int
    stderr_path: Path
    stopped: bool = field(default=False)

    def request(self, method: str, path: str, body: bytes | str | None = None, headers: dict | None = None,
                timeout: float = 10) -> Answer:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode("utf-8")
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        finally:
            conn.close()

    def get(self, path: str, **kw) -> Answer:
        return self.request("GET", path, **kw)

    def log_lines(self) -> list[str]:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace").splitlines()

    def stop(self, timeout: float = 15) -> int:
        if self.stopped:
            return self.process.returncode
        self.stopped = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("poleloc serve did not stop within %ss of SIGTERM" % timeout)
        return self.process.returncode


def tmp_root() -> Path:
    base = os.environ.get("POLELOC_TEST_TMP")
    if base:
        Path(base).mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="poleloc-http-", dir=base or None))


def import_sample(db: Path) -> None:
    subprocess.run([CLI, "import", "--db", str(db), "--poles", str(SAMPLE / "poles.csv"),
                    "--grids", str(SAMPLE / "grids.geojson"), "--aliases", str(SAMPLE / "aliases.csv")],
                   check=True, stdout=subprocess.DEVNULL)


def start_server(db: Path, workdir: Path, token_file: Path | None = None, threads: int = 2,
                 extra: list[str] | None = None, descriptor_limit: int | None = None,
                 listen: str = "127.0.0.1:0", env: dict[str, str] | None = None) -> Server:
    args = [CLI, "serve", "--db", str(db), "--listen", listen, "--threads", str(threads)]
    if token_file:
        args += ["--token-file", str(token_file)]
    args += extra or []
    if descriptor_limit:
        # Soft and hard limit, as `ulimit -n N` in a shell would set them.
        args = ["sh", "-c", 'ulimit -n %d && exec "$0" "$@"' % descriptor_limit] + args
    stderr_path = workdir / ("server-%d.log" % time.monotonic_ns())
    with open(stderr_path, "wb") as err:
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err,
                                   env=None if env is None else {**os.environ, **env})
    # The first stdout line is "listening on http://127.0.0.1:PORT".
    deadline = time.monotonic() + 20
    line = b""
    while time.monotonic() < deadline and not line.endswith(b"\n"):
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            chunk = os.read(process.stdout.fileno(), 1)
            if not chunk:
                break
            line += chunk
        elif process.poll() is not None:
            break
    text = line.decode().strip()
    if not text.startswith("listening on http://127.0.0.1:"):
        process.kill()
        process.wait()
        raise AssertionError("server did not start: %r\n%s" % (text, stderr_path.read_text(errors="replace")))
    port = int(text.rsplit(":", 1)[1])
    return Server(process, "127.0.0.1", port, stderr_path)


def write_token_file(path: Path, text: str | bytes, mode: int = 0o600) -> Path:
    """The server refuses a token file that group or others may read."""
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    path.chmod(mode)
    return path


@pytest.fixture(scope="session")
def workdir():
    if not CLI or not Path(CLI).exists():
        pytest.fail("POLELOC_CLI must name the poleloc binary (got %r)" % CLI)
    d = tmp_root()
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def read_only_server(workdir):
    """A server without a token file: reads only, over its own database."""
    db = workdir / "db-read-only"
    import_sample(db)
    server = start_server(db, workdir)
    yield server
    assert server.stop() == 0


@pytest.fixture(scope="module")
def writable_server(workdir, request):
    """A server with a token file over a fresh database, one per test module."""
    db = workdir / ("db-writable-" + request.module.__name__)
    shutil.rmtree(db, ignore_errors=True)
    import_sample(db)
    token_file = workdir / "token"
    write_token_file(token_file, TOKEN + "\n")
    server = start_server(db, workdir, token_file=token_file)
    yield server
    assert server.stop() == 0
