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


def _private_copy(source: Path, tmp_path: Path):
    """A test's own writable copy of a database built once per session, open while the test runs."""
    path = tmp_path / source.name
    shutil.copy(source, path)
    db = Database(path)
    yield db
    db.close()


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
    yield from _private_copy(demo_db_file, tmp_path)


@pytest.fixture(scope="module")
def module_demo_file(demo_db_file, tmp_path_factory) -> Path:
    """One writable copy of the demo database for a whole test module (its tests share it, and
    whatever they write to it)."""
    path = tmp_path_factory.mktemp("module-demo") / "demo.duckdb"
    shutil.copy(demo_db_file, path)
    return path


@pytest.fixture(scope="module")
def module_demo_db(module_demo_file) -> Database:
    """The module's copy of the demo database, open."""
    db = Database(module_demo_file)
    yield db
    db.close()


HON_QUAN = (2024, "694")  # the demo's district: the home area of its office


def set_hon_quan_home(path) -> None:
    """Make the database at ``path`` (created if new) the Hớn Quản office's: its home area, inside
    which the office's own files name a commune bare ("Thanh An", a name seven communes share)."""
    from analytics import levels
    from analytics.auth import Scope

    with Database(path) as db:
        levels.set_home_area(db, Scope.system("admin"), *HON_QUAN)
        db.checkpoint()


@pytest.fixture(scope="session")
def hon_quan_db_file(tmp_path_factory) -> Path:
    """An empty database of the Hớn Quản office (home area set, no data), built once per session."""
    path = tmp_path_factory.mktemp("hon-quan") / "hon_quan.duckdb"
    set_hon_quan_home(path)
    return path


@pytest.fixture
def hon_quan_db(hon_quan_db_file, tmp_path) -> Database:
    """A private, writable copy of the empty Hớn Quản database."""
    yield from _private_copy(hon_quan_db_file, tmp_path)


@pytest.fixture(scope="session")
def empty_db_file(tmp_path_factory) -> Path:
    """An empty, migrated database built once per session; tests copy it (faster than migrating
    each time)."""
    path = tmp_path_factory.mktemp("empty") / "empty.duckdb"
    with Database(path) as db:
        db.checkpoint()
    return path


@pytest.fixture
def empty_db(empty_db_file, tmp_path) -> Database:
    """A private, writable copy of the empty (migrated) database."""
    yield from _private_copy(empty_db_file, tmp_path)


def wait_for_warm_up() -> None:
    """Let the login form's background computation (dashboard.landing.warm_up) finish: it reads through the
    cached connection, which must not outlive the test's database."""
    landing = sys.modules.get("dashboard.landing")
    if landing is not None and landing.warming is not None:
        landing.warming.join(timeout=120)
        assert not landing.warming.is_alive(), "the login form's warm-up is still running after 120 s"


def clear_streamlit_caches() -> None:
    """Once the login form's warm-up has finished, empty Streamlit's caches: the cached
    connection (``st.cache_resource``) and the cached figures (``st.cache_data``, keyed on the
    data version, not on the file, so they would leak to another database)."""
    import streamlit as st
    wait_for_warm_up()
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def fresh_streamlit_caches():
    """Streamlit's caches (and the cached connection) belong to one database file: clear them
    around a test that runs the app under AppTest."""
    clear_streamlit_caches()
    yield
    clear_streamlit_caches()


@pytest.fixture
def app_db(demo_db_file, tmp_path, monkeypatch):
    """A writable copy of the demo database that the app under AppTest opens (POVERTY_DB)."""
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db_file, path)
    monkeypatch.setenv("POVERTY_DB", str(path))
    monkeypatch.chdir(ROOT)
    yield path
    wait_for_warm_up()


def deferred_downloads(monkeypatch) -> dict:
    """{file name: the function producing it} of every download button a page offers from now
    on (Streamlit builds a deferred download only when it is clicked: the test calls it)."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    deferred = {}
    real_add = MediaFileManager.add_deferred

    def keeping(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        deferred[file_name] = data_callable
        return real_add(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keeping)
    return deferred


def open_app(monkeypatch, db_path, *, role: str | None = "viewer", lang: str = "vi",
             page: str | None = None, timeout: float = 60, query: dict | None = None):
    """The app under AppTest on ``db_path``, logged in as the demo account of ``role`` (with
    ``role=None`` not logged in: the app before login, i.e. its login form), run once with the URL
    query parameters ``query`` (e.g. ``{"year": "2023"}``), and switched to ``pages/<page>.py``
    when given."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("POVERTY_DB", str(db_path))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.session_state["lang"] = lang
    if role is not None:
        login_as(at, role)
    for name, value in (query or {}).items():
        at.query_params[name] = str(value)
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    return at


def assert_page_refused(at) -> None:
    """A page the session's role may not open, asked for directly: no exception, nothing of the
    page (title, figures, tables, downloads, uploads), only the refusal."""
    assert not at.exception, at.exception
    assert not at.title and not at.metric and not at.dataframe
    assert not at.download_button and not at.file_uploader
    assert [e.value for e in at.error] == ["Vai trò của bạn không được mở trang này."]


def shows_only_the_login_form(at) -> bool:
    """Whether the AppTest shows the login form and nothing else: no exception, no figure, table,
    tab or sidebar."""
    labels = [t.label for t in at.text_input]
    return (not at.exception and labels == ["Tên đăng nhập", "Mật khẩu"] and not at.metric
            and not at.dataframe and not at.sidebar.children and not at.tabs)


def refusal(db, user: str, password: str, clock=None) -> str:
    """Why ``auth.authenticate`` refuses ``user`` with ``password`` (the LoginRefused reason);
    fails the test if the login is let through."""
    from analytics import auth

    with pytest.raises(auth.LoginRefused) as e:
        auth.authenticate(db, user, password, **({"clock": clock} if clock else {}))
    return e.value.reason


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m analytics ARGS`` in a subprocess, as a user would call it."""
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=300)


def cli_in_process(*args, stdin: str = "") -> subprocess.CompletedProcess:
    """``python -m analytics ARGS`` in this process (the same ``main``; faster than ``run_cli``,
    and usable from a fixture of any scope): ``stdin`` as its standard input; the exit code and
    what it printed, as ``run_cli`` returns them."""
    import contextlib
    import io

    from analytics.cli import main

    out, err, saved = io.StringIO(), io.StringIO(), sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])
    finally:
        sys.stdin = saved
    return subprocess.CompletedProcess([str(a) for a in args], code, out.getvalue(), err.getvalue())


# The browser harness's fixtures, available to every test file.
from browser import browser_page, chromium, live_server  # noqa: E402,F401


# -- logging in (the dashboard shows only its login form without a session) -------------------
def login_as(at, role: str = "admin", username: str | None = None, db_path=None) -> str:
    """Log an AppTest session in as the demo account of ``role`` (or ``username``), as the login
    form does after a right password; the account is created if the database lacks it (e.g. an
    empty database). Call before ``at.run()``; returns the username."""
    import csv
    import os
    import secrets

    from analytics import auth

    if username is None:
        with open(ROOT / "data" / "demo" / "accounts.csv", newline="", encoding="utf-8") as f:
            username = next(r["username"] for r in csv.DictReader(f) if r["role"] == role)
    with Database(db_path or os.environ["POVERTY_DB"]) as db:
        if auth.account(db, username) is None:
            auth.create_account(db, username, role, secrets.token_urlsafe(16), actor="tests")
        elif auth.scope_for(db, username).role != role:
            raise ValueError(f"{username} is not a {role}")
    now = auth.utcnow()
    at.session_state["auth_session"] = auth.Session(username, now, now, "password")
    return username
