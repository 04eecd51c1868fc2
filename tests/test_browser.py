"""The real server in Debian's Chromium: every dashboard page opens on the demo data with its
headline figure and no error, the meeting mode hides the controls and steps through the charts,
and each page leaves a screenshot under tests/artifacts/ (docs/overview.png too, with REFRESH_DOCS=1)."""

import os
import shutil

import pytest

from browser import ARTIFACTS, PAGES, ROOT, error_elements, login, open_in_sidebar, screenshot, wait_for_app

pytestmark = pytest.mark.browser


def full_screenshot(page, name: str):
    """A screenshot of the whole page: the viewport grown to the main area's scroll height."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1440, "height": min(max(900, height + 40), 8000)})
    page.wait_for_timeout(600)  # plotly re-lays out on resize
    path = screenshot(page, name)
    page.set_viewport_size({"width": 1440, "height": 900})
    return path


def headline(page, name: str = "overview") -> str:
    """The text of page ``name``'s headline cards, once shown."""
    box = page.locator(f".st-key-headline_{name}")
    box.wait_for(timeout=60_000)
    box.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=60_000)
    return box.inner_text()


def test_overview_opens_in_the_browser_with_the_plan_figures(live_server, browser_page):
    page = browser_page
    login(page, live_server.url + "/?year=2023", "viewer")  # the view is in the URL
    page.get_by_text("Tổng quan").first.wait_for()
    page.locator(".st-key-headline_overview").get_by_text("0,44 %").first.wait_for(timeout=60_000)
    cards = page.locator('.st-key-headline_overview [data-testid="stMetricValue"]').all_inner_texts()
    assert cards[:2] == ["125", "0,44 %"]  # the end-2023 figures of the plan
    assert error_elements(page) == []
    screenshot(page, "overview")


def test_every_page_opens_with_its_headline_and_no_error(live_server, browser_page):
    page = browser_page
    login(page, live_server.url + "/?year=2024", "viewer")
    for name, path in PAGES:
        open_in_sidebar(page, path)
        wait_for_app(page)
        text = headline(page, name)
        assert text.strip(), name
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        assert error_elements(page) == [], name
        full_screenshot(page, f"page-{name}")
        if name == "overview":
            assert "73" in text and "0,25 %" in text  # the demo's 2024 figures
            if os.environ.get("REFRESH_DOCS"):  # `REFRESH_DOCS=1 make test` refreshes the README picture
                shutil.copy(ARTIFACTS / "page-overview.png", ROOT / "docs" / "overview.png")


def test_meeting_mode_hides_the_controls_and_steps_through_the_charts(live_server, browser_page):
    page = browser_page
    login(page, live_server.url + "/?year=2024", "viewer")
    headline(page)
    page.get_by_text("Chế độ trình chiếu").click()
    page.get_by_role("button", name="Tiếp").wait_for(timeout=60_000)
    wait_for_app(page)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    page.get_by_text("1 / 4").first.wait_for(timeout=60_000)
    big = page.locator('[data-testid="stMetricValue"] p').first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")
    assert big >= 48  # readable from the back of the room
    screenshot(page, "meeting-1")
    page.get_by_role("button", name="Tiếp").click()
    page.get_by_text("2 / 4").wait_for(timeout=60_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    assert error_elements(page) == []
    screenshot(page, "meeting-2")
    page.get_by_role("button", name="Thoát trình chiếu").click()
    page.locator('[data-testid="stSidebar"]').wait_for(state="visible", timeout=60_000)
