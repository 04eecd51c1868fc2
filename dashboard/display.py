"""What a page shows: charts (built from cached inputs) with their Excel and PNG downloads,
blocks, the page's items laid out in rows or, in meeting mode, one per screen (the deck), and the
headline's container."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import streamlit as st

from analytics import charts, local_standards

from dashboard import base, reads, session


@st.cache_data(max_entries=256, show_spinner=False)
def _cached_figure(name: str, _build: Callable, args: tuple, kwargs: tuple):
    """``_build(*args, **kwargs)``, cached on ``name`` (the builder's own qualified name: a
    function is not hashed, the leading underscore keeps it out of the key) and the inputs."""
    return _build(*args, **dict(kwargs))


def figure(build: Callable, *args, **kwargs) -> Callable[[], Any]:
    """The chart ``build(*args, **kwargs)`` (a function of ``analytics.charts``), built when the
    chart is drawn (so what comes before it, the headline first, reaches the browser without
    waiting for it) and cached on its inputs (the frames themselves: a chart reads nothing
    else): building a Plotly figure costs far more than drawing a cached copy. Each call returns
    a fresh copy."""
    name = f"{build.__module__}.{build.__qualname__}"
    return lambda: _cached_figure(name, build, tuple(args), tuple(sorted(kwargs.items())))


@dataclass
class Chart:
    """A chart on a page: its figure (or what builds it, see :func:`figure`), the data behind it
    (offered as Excel), its takeaway."""
    key: str
    figure: Any
    data: Any = None
    takeaway: str | None = None


@dataclass
class Block:
    """Anything else a page shows as one unit (headline cards, a table): a drawing function."""
    key: str
    draw: Callable[[], None]
    in_meeting: bool = True


def show_chart(chart: Chart, meeting: bool = False) -> None:
    """The chart's title and takeaway, the figure, and its Excel and PNG downloads (built only
    when clicked, and audited). The PNG carries the title and the takeaway inside the image."""
    figure = chart.figure() if callable(chart.figure) else chart.figure
    title = charts.title_of(figure)
    if title:
        st.markdown(f"### {title}" if meeting else f"#### {title}")
    if chart.takeaway:
        st.markdown(f":material/lightbulb: **{chart.takeaway}**")
    shown = charts.for_meeting(figure) if meeting else figure
    # The toolbar shows only while the pointer is over the chart, in a band of its own above the
    # legend (``charts.untitled``); none on a projector.
    # theme=None: the figure keeps its own fonts, sizes and colours (the same as in the PNG). The
    # figure drawn is a copy without its title (written above it): ``figure`` keeps it for the PNG.
    st.plotly_chart(charts.untitled(shown, copy=not meeting), key=f"chart_{chart.key}", theme=None,
                    config={"displaylogo": False, "displayModeBar": False if meeting else "hover"})
    if meeting:
        return
    with st.container(horizontal=True, key=f"downloads_{chart.key}"):
        if chart.data is not None:
            data, lang, sheet = chart.data, base.lang(), base.tr("dash_sheet_data")
            st.download_button(base.tr("dash_download_excel"),
                               data=session.audited(lambda: charts.to_xlsx(charts.export_frame(data, lang), sheet),
                                                    f"{chart.key}.xlsx"),
                               file_name=f"{chart.key}.xlsx", key=f"xlsx_{chart.key}", on_click="ignore",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                               icon=":material/table_view:", type="tertiary")
        takeaway = chart.takeaway
        st.download_button(base.tr("dash_download_png"),
                           data=session.audited(lambda: charts.to_png(figure, takeaway), f"{chart.key}.png"),
                           file_name=f"{chart.key}.png", mime="image/png", key=f"png_{chart.key}",
                           on_click="ignore", icon=":material/image:", type="tertiary")


def show(rows: list, settings: dict) -> None:
    """Draw a page's items (Chart or Block); an entry that is a list is one row of side-by-side
    items. In meeting mode: one item per screen with previous / next buttons."""
    rows = [r for r in rows if r is not None and r != []]
    if settings.get("meeting"):
        flat = [i for r in rows for i in (r if isinstance(r, list) else [r]) if i is not None]
        deck([i for i in flat if not isinstance(i, Block) or i.in_meeting])
        return
    for row in rows:
        row = [i for i in row if i is not None] if isinstance(row, list) else [row]
        if len(row) == 1:
            _draw(row[0], meeting=False)
            continue
        for col, item in zip(st.columns(len(row), gap="large"), row):
            with col:
                _draw(item, meeting=False)


def _draw(item, meeting: bool) -> None:
    if isinstance(item, Chart):
        show_chart(item, meeting=meeting)
    else:
        item.draw()


def deck(items: list) -> None:
    """The meeting mode: one item per screen, with previous / next and a way out of it."""
    if not items:
        return
    page = st.session_state.get("_page_key", "page")
    key = f"slide_{page}"
    index = min(st.session_state.get(key, 0), len(items) - 1)
    st.session_state[key] = index

    def step(delta: int) -> None:
        st.session_state[key] = (st.session_state.get(key, 0) + delta) % len(items)

    _draw(items[index], meeting=True)
    cols = st.columns([1, 1, 1, 2, 1.5], vertical_alignment="center")
    cols[0].button(base.tr("dash_previous"), key="meeting_prev", on_click=step, args=(-1,),
                   icon=":material/arrow_back:", width="stretch")
    cols[1].button(base.tr("dash_next"), key="meeting_next", on_click=step, args=(1,), type="primary",
                   icon=":material/arrow_forward:", width="stretch")
    cols[2].markdown(f"**{index + 1} / {len(items)}**")
    with cols[3]:
        _meeting_pages(page)
    cols[4].button(base.tr("dash_exit_meeting"), key="meeting_exit", on_click=_exit_meeting,
                   icon=":material/close_fullscreen:", width="stretch")


# The pages a meeting walks through (the dashboard's; every role may open them).
MEETING_PAGES = ("overview", "communes", "deprivations", "targets", "budget")


def _meeting_pages(current: str) -> None:
    """Another page without leaving meeting mode (the sidebar is hidden): the meeting setting
    lives in the session and the address, so the next page opens as a deck too."""
    if current not in MEETING_PAGES:
        return
    labels = {key: base.tr(f"page_{key}") for key in MEETING_PAGES}
    # Keyed on the page shown: each page's picker starts at that page.
    chosen = st.selectbox(base.tr("dash_meeting_page"), MEETING_PAGES, index=MEETING_PAGES.index(current),
                          format_func=labels.get, key=f"meeting_page_{current}", label_visibility="collapsed")
    if chosen != current:
        st.switch_page(f"pages/{chosen}.py")


def _exit_meeting() -> None:
    st.session_state["meeting"] = False


def review_note(names: list[str]) -> None:
    """Say which units' figures come from the review tables (no household list), under a chart
    or table showing them."""
    if names:
        st.caption(base.tr("dash_from_review", communes=", ".join(names)))


def standard_caption(year: int, within_units=None) -> None:
    """Which poverty standard(s) classify the households behind a page's figures of ``year``
    (only those of ``within_units``): the national one, and a unit's own where one applies."""
    text = local_standards.caption(reads.standards_used(year, within_units=within_units, quiet=True) or [],
                                   base.lang())
    if text:
        st.caption(text)


def headline_container():
    """The container of a page's headline cards; its key names the page (``headline_<page>``),
    so a browser can tell this page's headline from the one of the page it came from."""
    return st.container(key=f"headline_{st.session_state.get('_page_key', 'page')}")
