"""A PEP 517 build backend for `pip wheel .` / `pip install .` of the poleloc
Python package, with nothing to download: it needs only CMake, a C++20
compiler and the system libraries of cmake/install-deps.sh (pybind11 headers
from Debian's pybind11-dev), and no Python packages at all (not even
setuptools or wheel), so it works offline with --no-build-isolation.

The module is built for the interpreter that runs pip (sys.executable, its
own headers found by CMake through sysconfig) in build/pip-<tags>-<hash>/ of
the source tree: CMake configures the project with only the Python binding
(no tests, benchmarks or HTTP server), builds the `_poleloc` target with the
library linked in statically, and this file zips the package
(bindings/python/poleloc/*.py, *.pyi, py.typed and the module) into a wheel
tagged for that interpreter and platform.

Environment: CMAKE_BUILD_PARALLEL_LEVEL (default 2) and POLELOC_PIP_BUILD_DIR
(default <source>/build/pip-<tags>-<hash of the interpreter's path>); ccache is used when it is on PATH.
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE_SRC = ROOT / "bindings" / "python" / "poleloc"
NAME = "poleloc"


def _version() -> str:
    text = (ROOT / "CMakeLists.txt").read_text(encoding="utf-8")
    m = re.search(r"project\(poleloc VERSION ([0-9.]+)", text)
    return m.group(1) if m else "0.0.0"


def _tags() -> tuple[str, str, str]:
    impl = sys.implementation.name
    if impl != "cpython":
        raise RuntimeError(f"poleloc's module is built for CPython only, not {impl}")
    python = f"cp{sys.version_info.major}{sys.version_info.minor}"
    abi = python + ("d" if hasattr(sys, "gettotalrefcount") else "")
    platform = re.sub(r"[-.]", "_", sysconfig.get_platform())
    return python, abi, platform


def _metadata() -> str:
    readme = ROOT / "bindings" / "python" / "README.md"
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {NAME}",
        f"Version: {_version()}",
        "Summary: The number painted on a utility pole -> its location and its grid",
        "License: Apache-2.0",
        "Requires-Python: >=3.9",
        "Provides-Extra: numpy",
        "Requires-Dist: numpy; extra == \"numpy\"",
        "Provides-Extra: geo",
        "Requires-Dist: geopandas; extra == \"geo\"",
        "Provides-Extra: dask",
        "Requires-Dist: dask[dataframe]; extra == \"dask\"",
        "Requires-Dist: distributed; extra == \"dask\"",
        "Description-Content-Type: text/markdown",
    ]
    body = readme.read_text(encoding="utf-8") if readme.exists() else ""
    return "\n".join(lines) + "\n\n" + body


def _dist_info() -> str:
    return f"{NAME}-{_version()}.dist-info"


def _wheel_file(tags: tuple[str, str, str]) -> str:
    python, abi, platform = tags
    return ("Wheel-Version: 1.0\nGenerator: poleloc_backend\nRoot-Is-Purelib: false\n"
            f"Tag: {python}-{abi}-{platform}\n")


# ---- PEP 517 hooks ----

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = Path(metadata_directory) / _dist_info()
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(_metadata(), encoding="utf-8")
    (info / "WHEEL").write_text(_wheel_file(_tags()), encoding="utf-8")
    return info.name


def _build_module(tags: tuple[str, str, str]) -> Path:
    # One build directory per interpreter: two CPythons of one version (Debian's, pyenv's) differ in headers.
    which = hashlib.sha1(os.path.realpath(sys.executable).encode()).hexdigest()[:8]
    build = Path(os.environ.get("POLELOC_PIP_BUILD_DIR") or ROOT / "build" / f"pip-{tags[0]}-{tags[2]}-{which}")
    cmake = shutil.which("cmake")
    if not cmake:
        raise RuntimeError("building poleloc needs cmake (Debian: cmake; see cmake/install-deps.sh)")
    args = [cmake, "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
            f"-DPython3_EXECUTABLE={sys.executable}", "-DPOLELOC_BUILD_TESTS=OFF", "-DPOLELOC_BUILD_BENCH=OFF",
            "-DPOLELOC_BUILD_HTTP=OFF", "-DPOLELOC_BUILD_PYTHON=ON", "-DBUILD_SHARED_LIBS=OFF"]
    env = dict(os.environ)
    if shutil.which("ccache"):
        args.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        env.setdefault("CCACHE_BASEDIR", str(ROOT.parent))
    subprocess.run(args, check=True, env=env, stdout=sys.stderr)
    jobs = env.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")
    subprocess.run([cmake, "--build", str(build), "--target", "_poleloc", "-j", jobs], check=True, env=env,
                   stdout=sys.stderr)
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    module = build / "python" / "poleloc" / f"_poleloc{suffix}"
    if not module.exists():
        found = sorted((build / "python" / "poleloc").glob("_poleloc*.so"))
        if not found:
            raise RuntimeError(f"the build made no _poleloc module in {build / 'python' / 'poleloc'}")
        module = found[0]
    return module


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    tags = _tags()
    module = _build_module(tags)
    files: list[tuple[str, bytes]] = []
    for source in sorted(PACKAGE_SRC.iterdir()):
        if source.suffix in (".py", ".pyi") or source.name == "py.typed":
            files.append((f"poleloc/{source.name}", source.read_bytes()))
    files.append((f"poleloc/{module.name}", module.read_bytes()))
    info = _dist_info()
    files.append((f"{info}/METADATA", _metadata().encode("utf-8")))
    files.append((f"{info}/WHEEL", _wheel_file(tags).encode("utf-8")))
    record = [_record_line(name, data) for name, data in files] + [f"{info}/RECORD,,"]
    files.append((f"{info}/RECORD", ("\n".join(record) + "\n").encode("utf-8")))
    wheel_name = f"{NAME}-{_version()}-{tags[0]}-{tags[1]}-{tags[2]}.whl"
    path = Path(wheel_directory) / wheel_name
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            zi = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            zi.external_attr = (0o755 if name.endswith(".so") else 0o644) << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    return wheel_name


def build_sdist(sdist_directory, config_settings=None):
    """The tracked source files (git ls-files), or the tree without build/ and .git."""
    base = f"{NAME}-{_version()}"
    try:
        listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], check=True, capture_output=True).stdout
        names = [n for n in listed.decode().split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
                 if p.is_file() and not {"build", ".git", "node_modules"} & set(p.relative_to(ROOT).parts)]
    path = Path(sdist_directory) / f"{base}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name in names:
            if (ROOT / name).is_file():
                tar.add(ROOT / name, arcname=f"{base}/{name}")
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        data = _metadata().encode("utf-8")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path.name
