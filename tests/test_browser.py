"""The real server in Debian's Chromium: the dashboard opens on the demo data with its figures."""

import pytest

from browser import error_elements, login, screenshot, wait_for_app

pytestmark = pytest.mark.browser


def test_overview_opens_in_the_browser_with_the_plan_figures(live_server, browser_page):
    page = browser_page
    login(page, live_server.url + "/?year=2023", "viewer")  # the view is in the URL
    page.get_by_text("Tổng quan").first.wait_for()
    page.get_by_text("0,44 %").first.wait_for(timeout=15_000)
    assert page.get_by_text("125", exact=True).count() >= 1
    assert error_elements(page) == []
    screenshot(page, "overview")
