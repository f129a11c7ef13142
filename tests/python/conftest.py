"""Fixtures of the Python binding tests.

The sample comes from POLELOC_SAMPLE_DIR (set by CTest; defaults to the repo's
data/tuanjiehu). Expectations are read from the sample files with csv/json
directly, never through poleloc, so a test compares the binding with the data.
"""
from __future__ import annotations

import csv
import json
import os
import pathlib
from dataclasses import dataclass

import pytest

import poleloc

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLE_DIR = pathlib.Path(os.environ.get("POLELOC_SAMPLE_DIR", REPO / "data" / "tuanjiehu"))
CLI = os.environ.get("POLELOC_CLI", "")


@dataclass
class Sample:
    dir: pathlib.Path
    poles: list[dict[str, str]]  # poles.csv rows
    grids: dict  # grids.geojson
    aliases: list[tuple[str, str]]

    @property
    def poles_csv(self) -> str:
        return str(self.dir / "poles.csv")

    @property
    def grids_geojson(self) -> str:
        return str(self.dir / "grids.geojson")

    @property
    def aliases_csv(self) -> str:
        return str(self.dir / "aliases.csv")


@pytest.fixture(scope="session")
def sample() -> Sample:
    with open(SAMPLE_DIR / "poles.csv", newline="", encoding="utf-8") as f:
        poles = list(csv.DictReader(f))
    with open(SAMPLE_DIR / "grids.geojson", encoding="utf-8") as f:
        grids = json.load(f)
    with open(SAMPLE_DIR / "aliases.csv", newline="", encoding="utf-8") as f:
        aliases = [(r["alias"], r["code"]) for r in csv.DictReader(f)]
    return Sample(SAMPLE_DIR, poles, grids, aliases)


@pytest.fixture(scope="session")
def db_path(sample: Sample, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("sample") / "db"
    with poleloc.build(path, poles=sample.poles_csv, grids=sample.grids_geojson, aliases=sample.aliases_csv):
        pass
    return str(path)


@pytest.fixture(scope="session")
def db(db_path: str) -> poleloc.Database:
    """The sample, opened read-only (shared by every read test of the session)."""
    return poleloc.open(db_path)


@pytest.fixture
def writable(sample: Sample, tmp_path: pathlib.Path) -> poleloc.Database:
    """A fresh read-write copy of the sample for tests that write."""
    db = poleloc.build(tmp_path / "db", poles=sample.poles_csv, grids=sample.grids_geojson,
                       aliases=sample.aliases_csv)
    yield db
    db.close()
