"""The key charts of a year for meetings — trend, commune gaps, deprivations, budget execution —
each with its one-line takeaway, and their PNG images at presentation resolution (kaleido driving
Debian's Chromium through ``charts.to_png``).

One Chromium serves all the images of a report (``png_session``): starting it costs seconds,
rendering a chart then a fraction of one.
"""

from __future__ import annotations

import io
import os
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import plotly.graph_objects as go

from .. import budget, charts, deprivations, poverty, takeaways, targets
from ..db import Database
from ..i18n import DEFAULT_LANGUAGE, t

# Presentation resolution: the picture area of a 16:9 slide under its title and above its
# takeaway (11.5 × 4.6 in) at about 156 pixels per inch.
PNG_WIDTH, PNG_HEIGHT = 1800, 720
FONT_SIZE = 30  # base text size in the image: about 15 pt once the picture sits on the slide
CHART_KEYS = ("trend", "gaps", "deprivations", "budget")

# Kaleido warns that per-call options are ignored while its shared server runs: expected here.
warnings.filterwarnings("ignore", message="The kopts argument is ignored", category=UserWarning)
_server_lock = threading.Lock()
_server_users = 0


@dataclass(frozen=True)
class KeyChart:
    """One chart for the meeting: its key, title, Plotly figure and one-line takeaway."""
    key: str
    title: str
    figure: go.Figure
    takeaway: str | None


def key_charts(db: Database, year: int, *, units: int | None = None, lang: str = DEFAULT_LANGUAGE,
               as_of: date | None = None, within_units=None) -> list[KeyChart]:
    """The four key charts of ``year`` in meeting order (trend, commune gaps to the reduction
    target, deprivations, budget execution), built by ``analytics.charts`` with the takeaways of
    ``analytics.takeaways``; ``within_units``: only the figures of the communes among these
    (vintage, code) pairs (the budget is the plan's own)."""
    trend = poverty.trend(db, units=units, within_units=within_units)
    trend = trend[trend["year"] <= year]
    communes = poverty.commune_table(db, year, units, within_units=within_units)
    gaps = targets.target_gaps(db, year, units, within_units=within_units)
    gaps = gaps[(gaps["indicator"] == "poor_reduction")
                & gaps["org_unit"].astype(str).isin(communes["code"].astype(str))]
    table = deprivations.deprivation_table(db, year, units, within_units)
    district = deprivations.district_table(db, year, within_units)
    execution = budget.execution(db, year, as_of)
    figures = [
        ("trend", charts.trend_chart(trend, lang), takeaways.trend(trend, lang)),
        ("gaps", charts.target_gap_chart(gaps, lang), takeaways.target_gaps(gaps, lang)),
        ("deprivations", charts.deprivation_bars(district, lang), takeaways.deprivations(table, lang)),
        ("budget", charts.budget_lines_chart(execution, lang), takeaways.budget(execution, lang)),
    ]
    return [KeyChart(key, _title(fig), fig, text) for key, fig, text in figures]


def _title(fig: go.Figure) -> str:
    """A figure's title as plain text (the chart builders write it in <b>…</b>)."""
    text = fig.layout.title.text or ""
    return text.replace("<b>", "").replace("</b>", "")


@contextmanager
def png_session():
    """Keep one Chromium running while the block renders several images (shared, counted)."""
    import kaleido

    global _server_users
    if charts.CHROMIUM.exists():
        os.environ.setdefault("BROWSER_PATH", str(charts.CHROMIUM))
    with _server_lock:
        _server_users += 1
        if _server_users == 1:
            kaleido.start_sync_server(silence_warnings=True)
    try:
        yield
    finally:
        with _server_lock:
            _server_users -= 1
            if _server_users == 0:
                kaleido.stop_sync_server(silence_warnings=True)


def presentation_figure(fig: go.Figure, lang: str = DEFAULT_LANGUAGE, *, titled: bool = True) -> go.Figure:
    """A copy for the projector at the set size with meeting-size text. ``titled=False`` (for a
    slide, which carries the title and the source itself) drops the title and the source note."""
    big = charts.for_meeting(fig)
    big.update_layout(font={"size": FONT_SIZE}, legend={"font": {"size": FONT_SIZE}},
                      height=PNG_HEIGHT, width=PNG_WIDTH)
    source_prefix = t("charts_source", lang, source="")
    is_source = [str(a.text or "").startswith(source_prefix) for a in big.layout.annotations]
    if titled:  # room under the axis title for the source note (all its lines) at this text size
        lines = max([str(a.text).count("<br>") + 1 for a, src in zip(big.layout.annotations, is_source) if src]
                    or [0])
        big.update_layout(margin={"b": int(FONT_SIZE * 4.8 + FONT_SIZE * 0.7 * 1.3 * lines)})
        for a, src in zip(big.layout.annotations, is_source):
            if src:
                a.update(yshift=-int(FONT_SIZE * 4.6), font={"size": int(FONT_SIZE * 0.7)})
    else:
        big.layout.annotations = [a for a, src in zip(big.layout.annotations, is_source) if not src]
        big.update_layout(title={"text": ""}, margin={"t": 60, "b": 20})
    return big


def chart_png(fig: go.Figure, takeaway: str | None = None, *, lang: str = DEFAULT_LANGUAGE,
              titled: bool = True) -> bytes:
    """The figure as a PNG of exactly PNG_WIDTH × PNG_HEIGHT pixels: titled, with the takeaway
    as its subtitle, or bare for a slide (``titled=False``)."""
    out = presentation_figure(fig, lang, titled=titled)
    return _exact_size(charts.to_png(out, takeaway if titled else None, width=PNG_WIDTH, keep_height=True))


def _exact_size(png: bytes) -> bytes:
    """Plotly may grow a figure whose labels need more room than the set size: scale such an
    image back into the set size (on white), so every picture fits its slide the same way."""
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    if image.size == (PNG_WIDTH, PNG_HEIGHT):
        return png
    scale = min(PNG_WIDTH / image.width, PNG_HEIGHT / image.height)
    resized = image.convert("RGB").resize((round(image.width * scale), round(image.height * scale)),
                                          Image.LANCZOS)
    canvas = Image.new("RGB", (PNG_WIDTH, PNG_HEIGHT), "white")
    canvas.paste(resized, ((PNG_WIDTH - resized.width) // 2, (PNG_HEIGHT - resized.height) // 2))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return buffer.getvalue()


def chart_images(db: Database, year: int, *, units: int | None = None, lang: str = DEFAULT_LANGUAGE,
                 as_of: date | None = None) -> dict[str, bytes]:
    """The key charts of ``year`` as PNG bytes, keyed by file name (``01-trend.png`` …), each
    titled and with its takeaway."""
    items = key_charts(db, year, units=units, lang=lang, as_of=as_of)
    with png_session():
        return {f"{i:02d}-{c.key}.png": chart_png(c.figure, c.takeaway, lang=lang)
                for i, c in enumerate(items, 1)}


