"""Shared Streamlit plumbing for the pages: the database resource, cached reads keyed on
``data_version``, the sidebar settings (kept in the URL), labels, chart display with its
downloads, readable errors and the meeting mode. Pages stay thin: settings -> analytics -> show."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any, Callable

import streamlit as st

from analytics import charts, demo, filters, poverty
from analytics.db import Database, DatabaseError, default_db_path
from analytics.i18n import DEFAULT_LANGUAGE, LANGUAGES, has_label, t
from analytics.reference import read_csv, vintage_for_year

MEETING_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stSidebarNav"], [data-testid="stToolbar"] { display: none !important; }
.stMainBlockContainer { max-width: 100% !important; padding: 1rem 3rem !important; }
.stMainBlockContainer p, .stMainBlockContainer li { font-size: 1.6rem !important; line-height: 1.4; }
.stMainBlockContainer [data-testid="stMetricValue"] p { font-size: 4.4rem !important; line-height: 1.2; }
.stMainBlockContainer [data-testid="stMetricLabel"] p { font-size: 1.7rem !important; }
.stMainBlockContainer [data-testid="stMetricDelta"] p { font-size: 1.3rem !important; }
h1 { font-size: 3rem !important; }
</style>
"""
BASE_CSS = """
<style>
[data-testid="stMetricValue"] { font-size: 2.6rem; }
[data-testid="stMetricLabel"] p { font-size: 1.05rem; }
</style>
"""


@st.cache_resource
def get_db() -> Database:
    """The process's single read-write connection (DuckDB allows one writer per file)."""
    return Database(default_db_path())


def data_version() -> int:
    """The database's data version (changes on every committed write)."""
    return get_db().data_version()


@st.cache_data(max_entries=8, show_spinner=False)
def cached_years(version: int) -> list[int]:
    """Years with household data, oldest first."""
    return poverty.years_with_data(get_db())


@st.cache_data(max_entries=8, show_spinner=False)
def cached_is_illustrative(version: int) -> bool:
    """Whether the database holds illustrative (demo) batches."""
    return demo.is_illustrative(get_db())


@st.cache_data(max_entries=512, show_spinner=False)
def cached(name: str, version: int, args: tuple = (), kwargs: tuple = ()) -> Any:
    """``analytics.<module>.<function>(db, *args, **kwargs)`` for ``name`` 'module.function',
    recomputed only when committed data changes."""
    module_name, function_name = name.rsplit(".", 1)
    function = getattr(importlib.import_module(f"analytics.{module_name}"), function_name)
    return function(get_db(), *args, **dict(kwargs))


@st.cache_data(max_entries=256, show_spinner=False)
def _cached_figure(name: str, args: tuple, kwargs: tuple):
    return getattr(charts, name)(*args, **dict(kwargs))


def figure(name: str, *args, **kwargs) -> Callable[[], Any]:
    """``analytics.charts.<name>(*args, **kwargs)``, built when the chart is drawn (so what comes
    before it, the headline first, reaches the browser without waiting for it) and cached on its
    inputs (the frames themselves: a chart reads nothing else): building a Plotly figure costs
    far more than drawing a cached copy. Each call returns a fresh copy."""
    return lambda: _cached_figure(name, tuple(args), tuple(sorted(kwargs.items())))


def fetch(name: str, *args, quiet: bool = False, **kwargs) -> Any:
    """The cached result of an analytics function, or None after showing a readable message
    (never a traceback) when it fails. ``None`` keyword values are left out."""
    kwargs = tuple(sorted((k, v) for k, v in kwargs.items() if v is not None))
    try:
        return cached(name, data_version(), tuple(args), kwargs)
    except Exception as exc:  # a readable message for any failure of a query
        if not quiet:
            st.error(tr("dash_query_error", what=name, detail=_one_line(exc)), icon=":material/error:")
        return None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


# -- language ------------------------------------------------------------------------------------

def lang() -> str:
    """The session's language code ('vi' or 'en')."""
    value = st.session_state.get("lang")
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$])")


def as_text(value) -> str:
    """Text from a user (a file name, a name in a file) shown as typed where Streamlit reads
    markdown: its markup characters escaped ("a_b*c*" stays "a_b*c*", not italics)."""
    return _MARKUP.sub(r"\\\1", str(value))


def tr(key: str, **values) -> str:
    """The label ``key`` in the session's language."""
    return t(key, lang(), **values)


# -- the sidebar: every setting bound to the URL --------------------------------------------------

def _vintage_labels() -> dict[int, str]:
    """Short labels of the unit vintages (the data file's own label where no short one exists)."""
    rows = read_csv("org_unit_vintage.csv")
    column = "label_vi" if lang() == "vi" else "label_en"
    return {int(r["vintage"]): tr(f"dash_units_{r['vintage']}") if has_label(f"dash_units_{r['vintage']}")
            else (r[column] or r["vintage"]) for r in rows}


def sidebar() -> dict:
    """Draw the sidebar controls and return the view settings (a plain dict): lang, year, area,
    ethnic, commune (a code or None), units (the vintage shown), own_units (the data's own
    vintage), meeting (bool), version. Every setting is kept in the URL's query parameters, so a
    shared link opens the same view, and carried from page to page."""
    import auth_ui  # the login gate (imports this module); a page never draws without a session
    auth_ui.page_scope()
    version = data_version()
    years = cached_years(version)
    first_run = not st.session_state.get("_view_restored")
    st.session_state["_view_restored"] = True
    _init("lang", LANGUAGES, DEFAULT_LANGUAGE, str, first_run)
    _init("year", years or [None], years[-1] if years else None, int, first_run)
    _init("area", filters.AREAS, "all", str, first_run)
    _init("ethnic", filters.ETHNIC_GROUPS, "all", str, first_run)
    _init("meeting", (True, False), False, lambda v: v.lower() in ("1", "true", "yes"), first_run)
    labels = _vintage_labels()
    year = st.session_state["year"]
    own = vintage_for_year(year) if year else max(labels)
    _init("units", list(labels), own, int, first_run)
    if st.session_state["units"] < own:  # data of 2025 on exists only in the 2025 units
        st.session_state["units"] = own
    with st.sidebar:
        # Labels are looked up now: a format_func must not depend on the session when called later.
        no_data, all_communes = tr("no_data"), tr("dash_all_communes")
        area_labels = {a: tr(f"dash_area_{a}") for a in filters.AREAS}
        ethnic_labels = {e: tr(f"dash_ethnic_{e}") for e in filters.ETHNIC_GROUPS}
        st.segmented_control(t("language", lang()), list(LANGUAGES), key="lang", required=True,
                             format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code])
        year = st.selectbox(tr("year"), years or [None], key="year",
                            format_func=lambda y: str(y) if y else no_data)
        area = st.segmented_control(tr("dash_area"), list(filters.AREAS), key="area", required=True,
                                    format_func=area_labels.get)
        ethnic = st.segmented_control(tr("dash_ethnic"), list(filters.ETHNIC_GROUPS), key="ethnic",
                                      required=True, format_func=ethnic_labels.get)
        own = vintage_for_year(year) if year else max(labels)
        chosen = st.segmented_control(tr("dash_units"), sorted(labels), key="units", required=True,
                                      format_func=labels.get, disabled=own == max(labels),
                                      help=tr("dash_units_help"))
        units = max(int(chosen or own), own)  # data cannot be split into older, smaller units
        names = commune_names(units)
        _init("commune", ["all", *names], "all", str, first_run)
        commune = st.selectbox(tr("commune"), ["all", *names], key="commune",
                               format_func=lambda c: all_communes if c == "all" else names.get(c, c))
        meeting = st.toggle(tr("dash_meeting_mode"), key="meeting", help=tr("dash_meeting_help"))
    st.html(MEETING_CSS if meeting else BASE_CSS)
    # The view lives in the URL (codes, not labels: a link opens the same view in any language).
    defaults = {"lang": DEFAULT_LANGUAGE, "year": years[-1] if years else None, "area": "all",
                "ethnic": "all", "units": own, "commune": "all", "meeting": False}
    for key, default in defaults.items():
        value = st.session_state.get(key)
        st.session_state[f"_view_{key}"] = value
        if value == default or value is None:
            st.query_params.pop(key, None)
        else:
            st.query_params[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return {"lang": lang(), "year": year, "area": area or "all", "ethnic": ethnic or "all",
            "commune": None if commune in (None, "all") else commune, "units": units, "own_units": own,
            "meeting": bool(meeting), "version": version}


def _init(key: str, valid, default, parse, first_run: bool) -> None:
    """Give the widget ``key`` a valid value before it is drawn: its own, else (on the session's
    first run) the URL's, else the value it had on the previous page, else ``default``. The value
    is always assigned: a page switch creates new widgets that would otherwise start afresh."""
    valid = list(valid)
    candidates = []
    if first_run and key in st.query_params:
        try:
            candidates.append(parse(st.query_params[key]))
        except (TypeError, ValueError):
            pass
    candidates += [st.session_state.get(key), st.session_state.get(f"_view_{key}")]
    st.session_state[key] = next((c for c in candidates if c is not None and c in valid), default)


def commune_names(units: int) -> dict[str, str]:
    """Code: name of the communes of the vintage ``units`` (empty when they cannot be read)."""
    frame = fetch("units.communes", units, quiet=True)
    if frame is None or frame.empty:
        return {}
    return dict(zip(frame["code"].astype(str), frame["name"]))


def units_arg(settings: dict) -> int | None:
    """The ``units`` argument for analytics calls: None when the data's own units are shown."""
    return None if settings["units"] == settings["own_units"] else settings["units"]


# -- page furniture -------------------------------------------------------------------------------

def page_header(title_key: str, settings: dict) -> None:
    """The page title (with the year) and the illustrative-data notice."""
    year = settings.get("year")
    st.title(tr(title_key) + (f" · {year}" if year else ""))
    if not settings.get("meeting"):
        illustrative_notice(settings["version"])


def illustrative_notice(version: int) -> None:
    """Say so when the figures are illustrative (demo batches)."""
    if cached_is_illustrative(version):
        st.info(tr("illustrative_notice"), icon=":material/info:")


def require_year(settings: dict) -> None:
    """Stop the page with a helpful message when there is no data at all."""
    if settings.get("year") is None:
        st.warning(tr("empty_database"), icon=":material/database:")
        import auth_ui
        if auth_ui.current_scope().may_open("data"):  # the Data page exists only for roles that may import
            st.page_link("pages/data.py", label=tr("dash_go_to_data"), icon=":material/upload_file:")
        st.stop()


def dashboard_page(key: str, follows_ethnic_group: bool = True) -> dict:
    """The start every dashboard page shares: name the page, draw the sidebar, the title and the
    notice, stop helpfully when there is no data; the settings, with ``analytics_units`` (the
    ``units`` argument for analytics calls). A page whose figures do not follow the sidebar's
    ethnic group says so when one is chosen."""
    set_page(key)
    settings = sidebar()
    page_header(f"page_{key}", settings)
    if not follows_ethnic_group and settings["ethnic"] != "all":
        st.caption(tr("dash_ethnic_not_here", group=tr(f"dash_ethnic_{settings['ethnic']}")))
    require_year(settings)
    return {**settings, "analytics_units": units_arg(settings)}


def show_database_error(exc: DatabaseError) -> None:
    """A database problem (locked, read-only) as a readable message."""
    st.error(str(exc), icon=":material/error:")


# -- charts and the meeting deck ------------------------------------------------------------------

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
    when clicked). The PNG carries the title and the takeaway inside the image."""
    figure = chart.figure() if callable(chart.figure) else chart.figure
    title = charts.title_of(figure)
    if title:
        st.markdown(f"### {title}" if meeting else f"#### {title}")
    if chart.takeaway:
        st.markdown(f":material/lightbulb: **{chart.takeaway}**")
    shown = charts.for_meeting(figure) if meeting else figure
    # theme=None: the figure keeps its own fonts, sizes and colours (the same as in the PNG). The
    # figure drawn is a copy without its title (written above it): ``figure`` keeps it for the PNG.
    st.plotly_chart(charts.untitled(shown, copy=not meeting), key=f"chart_{chart.key}", theme=None,
                    config={"displaylogo": False, "displayModeBar": not meeting})
    if meeting:
        return
    with st.container(horizontal=True, key=f"downloads_{chart.key}"):
        import auth_ui  # exports are audited (auth_ui imports this module)
        if chart.data is not None:
            data = chart.data
            st.download_button(tr("dash_download_excel"),
                               data=auth_ui.audited(lambda: charts.to_xlsx(data, chart.key), f"{chart.key}.xlsx"),
                               file_name=f"{chart.key}.xlsx", key=f"xlsx_{chart.key}", on_click="ignore",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                               icon=":material/table_view:", type="tertiary")
        takeaway = chart.takeaway
        st.download_button(tr("dash_download_png"),
                           data=auth_ui.audited(lambda: charts.to_png(figure, takeaway), f"{chart.key}.png"),
                           file_name=f"{chart.key}.png", mime="image/png", key=f"png_{chart.key}",
                           on_click="ignore", icon=":material/image:", type="tertiary")


def show(rows: list, settings: dict) -> None:
    """Draw a page's items (Chart or Block); an entry that is a list is one row of side-by-side
    items. In meeting mode: one item per screen with previous / next buttons."""
    rows = [r for r in rows if r is not None and r != []]
    if settings.get("meeting"):
        flat = [i for r in rows for i in (r if isinstance(r, list) else [r]) if i is not None]
        _deck([i for i in flat if not isinstance(i, Block) or i.in_meeting])
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


def _deck(items: list) -> None:
    """One item per screen, with previous / next and a way out of the meeting mode."""
    if not items:
        return
    page = st.session_state.get("_page_key", "page")
    key = f"slide_{page}"
    index = min(st.session_state.get(key, 0), len(items) - 1)
    st.session_state[key] = index

    def step(delta: int) -> None:
        st.session_state[key] = (st.session_state.get(key, 0) + delta) % len(items)

    _draw(items[index], meeting=True)
    cols = st.columns([1, 1, 2, 1.5])
    cols[0].button(tr("dash_previous"), key="meeting_prev", on_click=step, args=(-1,),
                   icon=":material/arrow_back:", width="stretch")
    cols[1].button(tr("dash_next"), key="meeting_next", on_click=step, args=(1,), type="primary",
                   icon=":material/arrow_forward:", width="stretch")
    cols[2].markdown(f"**{index + 1} / {len(items)}**")
    cols[3].button(tr("dash_exit_meeting"), key="meeting_exit", on_click=_exit_meeting,
                   icon=":material/close_fullscreen:", width="stretch")


def _exit_meeting() -> None:
    st.session_state["meeting"] = False


def headline_container():
    """The container of a page's headline cards; its key names the page (``headline_<page>``),
    so a browser can tell this page's headline from the one of the page it came from."""
    return st.container(key=f"headline_{st.session_state.get('_page_key', 'page')}")


def set_page(key: str) -> None:
    """Name the running page (its meeting deck remembers its own slide)."""
    st.session_state["_page_key"] = key
