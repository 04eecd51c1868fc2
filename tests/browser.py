"""Browser-test harness: the real server (``streamlit run`` on a free port) driven by Playwright
through Debian's Chromium (never a downloaded browser). Screenshots go to ``tests/artifacts/``.

Use the fixtures ``live_server`` (a running server on a copy of the demo database) and
``browser_page`` (a fresh Playwright page), or ``start_server(db_path)`` for another database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def start_server(db_path: Path, extra_env: dict | None = None, timeout: float = 60):
    """Run ``streamlit run app.py`` on a free loopback port against ``db_path``."""
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / f"server-{port}.log"
    env = dict(os.environ, POVERTY_DB=str(db_path), **(extra_env or {}))
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    server = Server(url, proc, log_path)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{server.log()}")
            time.sleep(0.3)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def live_server(demo_db_file, tmp_path_factory):
    import shutil
    path = tmp_path_factory.mktemp("live") / "live.duckdb"
    shutil.copy(demo_db_file, path)
    with start_server(path) as server:
        yield server


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


# The app once its run has ended: the script state the app element carries (the status widget
# shows only for runs longer than 0.5 s). A script that does not compile ends its run too.
RUN_ENDED = ('[data-testid="stApp"]:is([data-test-script-state="notRunning"], '
             '[data-test-script-state="compilationError"])')
# Exception and error boxes drawn by the current run (not stale ones of the run before).
ERRORS = ", ".join(f'[data-testid="stElementContainer"]:not([data-stale="true"]) [data-testid="{box}"]'
                   for box in ("stException", "stAlertContentError"))


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished running the script (run ended, no running indicator)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        "ended => document.querySelector(ended)"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && document.querySelector('[data-testid=\"stMain\"]')", arg=RUN_ENDED, timeout=timeout)
    page.wait_for_timeout(300)


def open_in_sidebar(page, path: str, timeout: float = 60_000) -> None:
    """Click the page at ``path`` (e.g. "communes"; "" for the overview) in the sidebar and wait
    until the address shows it. Through the sidebar: a new URL would start a new session."""
    page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]').first.click()
    # Told by the browser's navigation events (a poll in the page lags while the page is busy).
    page.wait_for_url(lambda url: urlparse(url).path.strip("/") == path, timeout=timeout)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def error_elements(page) -> list[str]:
    """Texts of the Streamlit exception and error boxes on the page (see ERRORS)."""
    return [e.inner_text() for e in page.query_selector_all(ERRORS)]


def demo_password(role: str) -> tuple[str, str]:
    """The demo account (username, demo-only password) of ``role``."""
    import csv
    with open(ROOT / "data" / "demo" / "accounts.csv", newline="", encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["role"] == role)
    return row["username"], row["password"]


# The dashboard's pages: (name, path in the address).
PAGES = [("overview", ""), ("communes", "communes"), ("deprivations", "deprivations"),
         ("targets", "targets"), ("budget", "budget")]


def fill_login(page, url: str, role: str = "viewer", username: str | None = None,
               password: str | None = None, timeout: float = 30_000):
    """Open ``url`` and fill in the login form (the demo account of ``role`` by default); the
    button that logs in, not yet clicked."""
    if username is None:
        username, password = demo_password(role)
    page.goto(url)
    wait_for_app(page, timeout=timeout)
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    return page.get_by_role("button", name="Đăng nhập")


def login(page, url: str, role: str = "viewer", username: str | None = None,
          password: str | None = None) -> None:
    """Open ``url`` and log in (the demo account of ``role`` by default)."""
    fill_login(page, url, role, username, password).click()
    # attached, not visible: the sidebar that holds it is hidden in meeting mode
    page.get_by_role("button", name="Đăng xuất").wait_for(state="attached", timeout=60_000)
    wait_for_app(page)
