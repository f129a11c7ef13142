"""`pip wheel . --no-build-isolation` with a CPython that is not Debian's
(the first python3 on PATH outside /usr/bin and /bin, or $POLELOC_OTHER_PYTHON),
then the wheel installed into a scratch directory and used by that interpreter:
the module imports, opens a database made by the CLI, answers a lookup,
pickles a pole, and `from poleloc import *` leaves `open` and `IOError` alone;
the batch calls answer where numpy is installed and raise ImportError where it
is not. With --debian-too, the same with Debian's /usr/bin/python3 (numpy there).
Exit 77 (CTest: skipped) when there is no such interpreter or it has no pip.

    pip_wheel_check.py --source REPO --cli build/release/poleloc --sample data/tuanjiehu --work DIR
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

SKIP = 77
DEBIAN = {os.path.realpath(p) for p in ("/usr/bin/python3", "/bin/python3")}


def other_python() -> str | None:
    given = os.environ.get("POLELOC_OTHER_PYTHON")
    if given:
        return given
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(entry) / "python3"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            if os.path.realpath(candidate) in DEBIAN or entry in ("/usr/bin", "/bin"):
                continue
            # A pyenv shim resolves to the real interpreter when asked.
            real = subprocess.run([str(candidate), "-c", "import sys; print(sys.executable)"],
                                  capture_output=True, text=True)
            if real.returncode == 0 and os.path.realpath(real.stdout.strip()) not in DEBIAN:
                return real.stdout.strip()
    return None


CHECK = r'''
import pickle, sys, builtins
import poleloc
assert poleloc.__file__.startswith(sys.argv[2]), poleloc.__file__
db = poleloc.open(sys.argv[1])
pole = db.locate("tjh-0372")
assert pole is not None and pole.number == "TJH0372" and pole.grid is not None, pole
back = pickle.loads(pickle.dumps(pole))
assert back.position == pole.position and back.grid.id == pole.grid.id
ns = {}
exec("from poleloc import *", ns)
assert "open" not in ns and "IOError" not in ns and "Database" in ns
lon, lat = poleloc.wgs84_to_gcj02(116.4712, 39.9251)
assert abs(lon - 116.4712) < 0.01
try:
    import numpy
except ImportError:
    try:
        db.grid_ids_at([pole.lon], [pole.lat])
    except ImportError as e:
        print("numpy not installed here: the batch calls say so:", e)
    else:
        raise AssertionError("a batch call without numpy did not raise ImportError")
else:
    ids = db.grid_ids_at(numpy.array([pole.lon]), numpy.array([pole.lat]))
    assert list(ids) == [pole.grid.id], ids
    glon, glat = poleloc.wgs84_to_gcj02(numpy.array([116.4712]), numpy.array([39.9251]))
    assert (glon[0], glat[0]) == (lon, lat)
print("ok", sys.version.split()[0], poleloc.__file__)
'''


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--sample", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--debian-too", action="store_true", help="also pip wheel with /usr/bin/python3 (numpy there)")
    a = ap.parse_args()
    python = other_python()
    if not python:
        print("skipped: no CPython other than Debian's on PATH (set POLELOC_OTHER_PYTHON)")
        return SKIP
    version = subprocess.run([python, "-c", "import sys; print(sys.version_info >= (3, 9))"],
                             capture_output=True, text=True).stdout.strip()
    if version != "True":
        print(f"skipped: {python} is older than 3.9")
        return SKIP
    if subprocess.run([python, "-m", "pip", "--version"], capture_output=True).returncode != 0:
        print(f"skipped: {python} has no pip")
        return SKIP
    work = Path(a.work)
    shutil.rmtree(work, ignore_errors=True)
    (work / "wheels").mkdir(parents=True)
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    subprocess.run([python, "-m", "pip", "wheel", a.source, "--no-build-isolation", "--no-deps",
                    "-w", str(work / "wheels")], check=True, env=env)
    wheels = list((work / "wheels").glob("poleloc-*.whl"))
    assert len(wheels) == 1, wheels
    tag = subprocess.run([python, "-c", "import sys; print(f'cp{sys.version_info[0]}{sys.version_info[1]}')"],
                         capture_output=True, text=True).stdout.strip()
    assert f"-{tag}-" in wheels[0].name, (wheels[0].name, tag)
    with zipfile.ZipFile(wheels[0]) as z:
        names = z.namelist()
    assert any(n.startswith("poleloc/_poleloc") and n.endswith(".so") for n in names), names
    assert "poleloc/__init__.py" in names and "poleloc/py.typed" in names
    site = work / "site"
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(site),
                    str(wheels[0])], check=True, env=env)
    db = work / "db"
    subprocess.run([a.cli, "import", "--db", str(db), "--poles", f"{a.sample}/poles.csv", "--grids",
                    f"{a.sample}/grids.geojson", "--aliases", f"{a.sample}/aliases.csv"], check=True,
                   stdout=subprocess.DEVNULL)
    run_env = dict(env, PYTHONPATH=str(site))
    subprocess.run([python, "-c", CHECK, str(db), str(site)], check=True, env=run_env, cwd=str(work))
    # The same with Debian's interpreter, which has numpy: the batch calls through the wheel.
    if a.debian_too and os.path.exists("/usr/bin/python3"):
        (work / "wheels-debian").mkdir()
        subprocess.run(["/usr/bin/python3", "-m", "pip", "wheel", a.source, "--no-build-isolation", "--no-deps",
                        "-w", str(work / "wheels-debian")], check=True, env=env)
        wheel = next((work / "wheels-debian").glob("poleloc-*.whl"))
        with zipfile.ZipFile(wheel) as z:
            z.extractall(work / "site-debian")
        subprocess.run(["/usr/bin/python3", "-c", CHECK, str(db), str(work / "site-debian")], check=True,
                       env=dict(env, PYTHONPATH=str(work / "site-debian")), cwd=str(work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
