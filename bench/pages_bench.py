"""Time until each page's headline figure is visible in the browser (the real server, Debian's
Chromium), on synthetic data, and the peak resident memory of the server process meanwhile.
Prints a table; writes the Pages and Memory sections of bench/results.md.

    .venv/bin/python bench/pages_bench.py [ROWS[:COMMUNES] ...]      (default: 1000000)
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time

from _results import OUT, ROOT, PeakMemory, synthetic_db, table, write_section

sys.path.insert(0, str(ROOT / "tests"))
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from browser import (CHROMIUM, CHROMIUM_ARGS, ERRORS, PAGES, RUN_ENDED, demo_password,  # noqa: E402
                     error_elements, fill_login, open_in_sidebar, start_server)

from analytics import auth  # noqa: E402
from analytics.db import Database  # noqa: E402

YEAR = 2024
GOAL_SECONDS = 2.0
REPEATS = 3  # this machine's timings wander from run to run: the median of three passes
# A page's headline figure drawn by the current run (not a stale one from the page before).
HEADLINE = ('.st-key-headline_{page} [data-testid="stElementContainer"]:not([data-stale="true"]) '
            '[data-testid="stMetricValue"]')
# In the page: note when an element matching a selector is first shown. A MutationObserver sees
# the element the moment it enters the page, and the next animation frame is the paint that
# shows it; Playwright's own polling runs later when the browser is busy (e.g. compiling a
# chart library just after the headline), so its moment would count that work too. The watch of
# the page before is stopped first (it may still run when that page showed an error instead), and
# only the current watch may note its paint.
PAINT_WATCH = """(selector) => {
    if (window.__paintObserver) window.__paintObserver.disconnect();
    window.__painted = null;
    const check = () => {
        const el = document.querySelector(selector);
        if (el && el.getBoundingClientRect().height > 0) {
            observer.disconnect();
            requestAnimationFrame(() => {
                if (window.__paintObserver === observer) window.__painted = Date.now() / 1000;
            });
        }
    };
    const observer = new MutationObserver(check);
    window.__paintObserver = observer;
    observer.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
    check();
}"""


def prepare(rows: int, communes: int | None):
    """A copy of the synthetic database with the viewer's demo account."""
    src = synthetic_db(rows, communes)
    path = OUT / f"pages-{src.stem}.duckdb"
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.copy(src, path)
    username, password = demo_password("viewer")
    with Database(path) as db:
        if auth.account(db, username) is None:
            auth.create_account(db, username, "viewer", password, actor="bench")
        count = db.scalar("SELECT count(*) FROM household")
    return path, count


def login(page, url: str) -> float:
    """Log the demo viewer in (with patience for big data); the moment of the click (epoch s)."""
    button = fill_login(page, url, timeout=120_000)
    page.evaluate(PAINT_WATCH, HEADLINE.format(page="overview"))
    start = time.time()
    button.click()
    return start


def painted(page) -> float:
    """When the watched element was first painted (epoch seconds; see PAINT_WATCH)."""
    return page.wait_for_function("window.__painted", timeout=180_000).json_value()


def await_page(page, name: str, start: float) -> tuple[float | str, float | str]:
    """Once page ``name`` was asked for at ``start`` (epoch s, its headline watched): seconds until
    its headline figure is painted, and until the whole page has been drawn (the run has ended);
    or what went wrong: 'error' when the page shows an exception or error box, 'timeout'."""
    try:
        # The headline, or an error box instead (a broken page is not a slow one); both drawn
        # by the new run.
        page.locator(f"{HEADLINE.format(page=name)}, {ERRORS}").first.wait_for(state="visible", timeout=180_000)
        page.wait_for_selector(RUN_ENDED, timeout=180_000)
        whole = time.time() - start
        if error_elements(page):
            return "error", "error"
        return painted(page) - start, whole
    except PlaywrightTimeout:
        return "timeout", "timeout"


def open_page(page, name: str, path: str) -> tuple[float | str, float | str]:
    """Click the page in the sidebar; as ``await_page``, from the click."""
    page.evaluate(PAINT_WATCH, HEADLINE.format(page=name))
    start = time.time()
    try:
        open_in_sidebar(page, path)
    except PlaywrightTimeout:
        return "timeout", "timeout"
    return await_page(page, name, start)


def shown(value) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def median(values: list) -> float | str:
    """The median of a cell's runs; a failure ('error', 'timeout') if any run failed."""
    failed = [v for v in values if not isinstance(v, float)]
    return failed[0] if failed else statistics.median(values)


def one_pass(path, browser) -> tuple[dict, float, float]:
    """Log in, visit every page, then every page again, on a freshly started server: the
    seconds per (page, 'first' | 'again', 'headline' | 'whole'); the server's RSS after start
    and its peak (MiB)."""
    times = {}
    with start_server(path) as server, PeakMemory(server.process.pid) as memory:
        idle = memory.now_mib()
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="vi-VN")
        page = context.new_page()
        start = login(page, server.url + f"/?year={YEAR}")
        times[("login", "first", "headline")], times[("login", "first", "whole")] = \
            await_page(page, "overview", start)
        for visit in ("first", "again"):  # again: cached on data_version
            for name, url_path in PAGES[1:] + PAGES[:1]:
                times[(name, visit, "headline")], times[(name, visit, "whole")] = open_page(page, name, url_path)
        context.close()
    return times, idle, memory.mib()


def bench(rows: int, communes: int | None, browser) -> tuple[list[list], list]:
    path, count = prepare(rows, communes)
    where = f"{count:,}" + (f" in {communes} communes" if communes else "")
    passes = []
    for i in range(REPEATS):
        passes.append(one_pass(path, browser))
        print(f"pass {i + 1}: " + ", ".join(f"{'/'.join(k)} {shown(v)}" for k, v in passes[-1][0].items()),
              flush=True)
    cell = {key: median([p[0][key] for p in passes]) for key in passes[0][0]}
    landing = cell[("login", "first", "headline")]
    out = [["overview (from the login click)", where, shown(landing), shown(cell[("login", "first", "whole")]),
            "", "", "yes" if isinstance(landing, float) and landing <= GOAL_SECONDS else "no"]]
    for name, _ in PAGES[1:] + PAGES[:1]:
        cold = cell[(name, "first", "headline")]
        ok = isinstance(cold, float) and cold <= GOAL_SECONDS
        out.append([name, where, shown(cold), shown(cell[(name, "first", "whole")]),
                    shown(cell[(name, "again", "headline")]), shown(cell[(name, "again", "whole")]),
                    "yes" if ok else "no"])
    idle = statistics.median(p[1] for p in passes)
    peak = max(p[2] for p in passes)
    return out, [where, f"{idle:.0f}", f"{peak:.0f}"]


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright
    # ROWS or ROWS:COMMUNES
    sizes = [(int(a.split(":")[0]), int(a.split(":")[1]) if ":" in a else None) for a in argv] \
        or [(1_000_000, None)]
    rows, mem = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for size, communes in sizes:
            r, m = bench(size, communes, browser)
            rows += r
            mem.append(m)
        browser.close()
    pages = table(["page", "household rows", "first visit: headline (s)", "first visit: whole page (s)",
                   "again: headline (s)", "again: whole page (s)", f"headline within {GOAL_SECONDS:g} s"], rows)
    memory = table(["household rows", "server RSS after start (MiB)", "server peak RSS (MiB)"], mem)
    print(pages, memory, sep="\n\n")
    write_section("Pages", f"Year {YEAR}; from the click (in the sidebar, or on the login button) until "
                  f"the page's headline figure, drawn by the new run, is painted (the browser's next "
                  f"frame after it enters the page); and until the page's run has ended (every chart "
                  f"drawn). First visit: the server's caches are cold (except what the login form "
                  f"computes ahead for the landing page); again: cached on `data_version`. The login "
                  f"form is filled and sent at once, as a password manager would. Each figure is the "
                  f"median of {REPEATS} passes, each on a freshly started server.\n\n{pages}")
    write_section("Memory", "Peak resident memory of the `streamlit run` process (and its children) "
                  f"while the pages above were opened.\n\n{memory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
