"""Shared fixtures: temporary DuckDB files, empty or seeded with the demo data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics.db import Database  # noqa: E402
from analytics.demo import load_demo  # noqa: E402


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory) -> Path:
    """A demo database built once per session; tests copy it rather than write to it."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with Database(path) as db:
        load_demo(db)
        db.checkpoint()
    return path


@pytest.fixture
def demo_db(demo_db_file, tmp_path) -> Database:
    """A private, writable copy of the demo database."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_file, path)
    db = Database(path)
    yield db
    db.close()


@pytest.fixture
def empty_db(tmp_path) -> Database:
    db = Database(tmp_path / "empty.duckdb")
    yield db
    db.close()


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m analytics ARGS`` in a subprocess, as a user would call it."""
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=300)


# The browser harness's fixtures, available to every test file.
from browser import browser_page, chromium, live_server  # noqa: E402,F401
