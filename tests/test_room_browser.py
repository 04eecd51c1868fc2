"""What the room sees in Chromium: card labels and project-line names whole (wrapped, never cut
with "…"), also in meeting mode at 1920 px; the chart toolbar never over a legend, and none on a
projector."""

import pytest

from browser import error_elements, login, open_in_sidebar, wait_for_app

pytestmark = pytest.mark.browser

# Elements whose text is clipped: hidden overflow with more text than room.
CUT = """sel => [...document.querySelectorAll(sel)].flatMap(e => [e, ...e.querySelectorAll('*')])
  .filter(e => { const s = getComputedStyle(e);
    return (['hidden', 'clip'].includes(s.overflowX) || s.textOverflow === 'ellipsis')
           && e.scrollWidth > e.clientWidth + 1; })
  .map(e => e.innerText)"""
TICKS = "() => [...document.querySelectorAll('.js-plotly-plot .ytick text, .js-plotly-plot .xtick text')].map(e => e.textContent)"


def wait_for_charts(page):
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    page.wait_for_timeout(800)


def test_card_labels_wrap_rather_than_being_cut(live_server, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server.url + "/?year=2024&commune=25327", "viewer")
    box = page.locator(".st-key-headline_overview")
    box.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=60_000)
    labels = box.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    assert any("Huyện Hớn Quản" in label for label in labels)  # the longest labels are on screen
    for part in ("stMetricLabel", "stMetricValue", "stMetricDelta"):
        assert page.evaluate(CUT, f'[data-testid="{part}"]') == [], part
    assert page.evaluate(CUT, '[data-testid="stMetric"]') == []  # the delta's description too
    assert error_elements(page) == []


def test_project_lines_are_named_whole_in_meeting_mode_at_1920(live_server, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1920, "height": 1080})
    login(page, live_server.url + "/?year=2024", "viewer")
    open_in_sidebar(page, "budget")
    wait_for_app(page)
    page.get_by_text("Chế độ trình chiếu").click()
    page.get_by_role("button", name="Tiếp").wait_for(timeout=60_000)
    wait_for_app(page)
    page.get_by_role("button", name="Tiếp").click()  # from the cards to the first chart: lines
    wait_for_app(page)
    wait_for_charts(page)
    ticks = page.evaluate(TICKS)
    assert any(t.startswith("DA4 TDA1") for t in ticks), ticks
    assert not [t for t in ticks if "…" in t]
    assert page.locator(".modebar").count() == 0  # no toolbar on a projector


def test_the_chart_toolbar_never_covers_a_legend(live_server, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page, live_server.url + "/?year=2024", "viewer")
    for path in ("", "budget"):
        if path:
            open_in_sidebar(page, path)
            wait_for_app(page)
        wait_for_charts(page)
        plots = page.locator(".js-plotly-plot")
        checked = 0
        for i in range(plots.count()):
            plot = plots.nth(i)
            plot.scroll_into_view_if_needed()
            legend = plot.locator(".legend")
            if legend.count() == 0:
                continue
            bar = plot.locator(".modebar")
            page.mouse.move(0, 0)
            page.wait_for_timeout(400)
            assert _toolbar_opacity(bar) == 0  # hidden until the pointer is over the chart
            plot.hover()
            page.wait_for_timeout(600)
            assert _toolbar_opacity(bar) == 1
            a, b = bar.bounding_box(), legend.bounding_box()
            apart = (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                     or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])
            assert apart, (path, i, a, b)
            checked += 1
        assert checked, path


def _toolbar_opacity(bar) -> float:
    """How visible the toolbar's buttons are (Plotly fades its groups in on hover)."""
    return bar.evaluate("e => Math.max(...[...e.querySelectorAll('.modebar-group')]"
                        ".map(g => parseFloat(getComputedStyle(g).opacity)))")
