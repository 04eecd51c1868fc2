"""Exported chart images: every chart rendered to PNG (kaleido) with its takeaway, and laid out so
that title, takeaway, legend, plot and source note each have their own space. The boxes are
measured on the figure as Plotly draws it (plotly.js in Debian's Chromium), not computed."""

import io
import json
from pathlib import Path

import plotly
import pytest
from PIL import Image

from analytics import charts
from analytics.reports import images
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.test_charts import all_figures, demo  # noqa: F401  (the demo frames fixture)

pytestmark = pytest.mark.browser
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
TAKEAWAY = {
    "vi": "4/13 xã chậm so với chỉ tiêu giảm hộ nghèo năm 2024; xa nhất là Tân Hưng, còn thiếu 7 hộ, "
          "trong khi 5 xã đã đạt và 4 xã đúng tiến độ theo quy tắc trạng thái hiện hành",
    "en": "4/13 communes are behind their 2024 poor-household reduction target; the furthest is Tân Hưng, "
          "7 households short, while 5 have met it and 4 are on track under the current status rule",
}

# Each box as Plotly draws it: title, takeaway and source note (annotations, by their index in
# the layout), legend, and the plot (subplots with their ticks, axis titles, colour bars).
MEASURE = """([layout, source]) => {
  const gd = document.getElementById('fig');
  const box = el => { if (!el) return null; const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 ? [r.left, r.top, r.right, r.bottom] : null; };
  const union = els => { const bs = els.map(box).filter(b => b);
    if (!bs.length) return null;
    return [Math.min(...bs.map(b => b[0])), Math.min(...bs.map(b => b[1])),
            Math.max(...bs.map(b => b[2])), Math.max(...bs.map(b => b[3]))]; };
  const notes = gd.querySelectorAll('.annotation');
  return {
    title: box(gd.querySelector('.g-gtitle text.gtitle')),
    takeaway: box(gd.querySelector('.g-gtitle-subtitle text, text.gtitle-subtitle')),
    source: source === null ? null : box(notes[source]),
    legend: box(gd.querySelector('.legend')),
    plot: union([...gd.querySelectorAll('.bglayer .bg, .xaxislayer-above, .yaxislayer-above, .cartesianlayer .plot, .g-xtitle, .g-ytitle, .colorbar, .geolayer')]),
  };
}"""


def _overlap(a, b, slack=1.0):
    return a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and b[1] < a[3] - slack


@pytest.fixture(scope="module")
def plotly_page():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1900, "height": 1200})
        page.set_content(f"<html><body style='margin:0'><script>{PLOTLY_JS.read_text()}</script>"
                         "<div id='fig'></div></body></html>")
        yield page
        browser.close()


def boxes(page, fig, width):
    spec = json.loads(fig.to_json())
    layout = dict(spec.get("layout", {}), width=width)
    page.evaluate("([data, layout]) => Plotly.newPlot('fig', data, layout, {staticPlot: true})",
                  [spec.get("data", []), layout])
    texts = [str(a.text or "") for a in fig.layout.annotations]
    source = next((i for i, s in enumerate(texts) if s.startswith(("Nguồn", "Source"))), None)
    return page.evaluate(MEASURE, [layout, source])


def assert_apart(found, width, height, name):
    present = {k: v for k, v in found.items() if v is not None}
    assert {"title", "plot", "source"} <= set(present), f"{name}: {found}"
    keys = list(present)
    for i, a in enumerate(keys):
        left, top, right, bottom = present[a]
        assert left >= -1 and top >= -1 and right <= width + 1 and bottom <= height + 1, \
            f"{name}: the {a} is cut off at the edge: {present[a]} in {width}×{height}"
        for b in keys[i + 1:]:
            assert not _overlap(present[a], present[b]), f"{name}: {a} {present[a]} overlaps {b} {present[b]}"
    order = [present[k] for k in ("title", "takeaway", "legend") if k in present]
    assert all(upper[3] <= lower[1] + 1 for upper, lower in zip(order, order[1:])), f"{name}: bands out of order"
    assert order[-1][3] <= present["plot"][1] + 1 and present["plot"][3] <= present["source"][1] + 1, name


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_chart_image_gives_title_takeaway_legend_plot_and_source_their_own_space(demo, plotly_page, lang):
    for name, fig in all_figures(demo, lang).items():
        laid = charts.png_figure(fig, TAKEAWAY[lang], width=1400)
        found = boxes(plotly_page, laid, 1400)
        assert found["takeaway"] is not None, name
        if len([tr for tr in fig.data if tr.name and tr.showlegend is not False]) > 1 and fig.layout.showlegend is not False:
            assert found["legend"] is not None, name
        assert_apart(found, 1400, int(laid.layout.height), name)


def test_the_report_images_keep_their_size_and_their_bands_apart(demo, plotly_page):
    figures = all_figures(demo, "vi")
    for name in ("trend", "gaps", "deprivation_bars", "lines"):  # the charts of images.key_charts
        fig = figures[name]
        big = images.presentation_figure(fig, "vi")
        laid = charts.png_figure(big, TAKEAWAY["vi"], width=images.PNG_WIDTH, keep_height=True)
        assert int(laid.layout.height) == images.PNG_HEIGHT
        assert_apart(boxes(plotly_page, laid, images.PNG_WIDTH), images.PNG_WIDTH, images.PNG_HEIGHT, name)


def test_every_chart_renders_to_png_at_its_laid_out_size(demo):
    with images.png_session():
        for lang in ("vi", "en"):
            for name, fig in all_figures(demo, lang).items():
                png = charts.to_png(fig, TAKEAWAY[lang], width=1400)
                image = Image.open(io.BytesIO(png))
                assert image.size == (1400, int(charts.png_figure(fig, TAKEAWAY[lang]).layout.height)), name
