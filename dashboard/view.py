"""The view a page shows: the sidebar settings (kept in the URL and carried from page to page),
the page's name, title and illustrative-data notice, and the start every dashboard page shares
(:func:`dashboard_page`)."""

from __future__ import annotations

import streamlit as st

from analytics import filters
from analytics.i18n import DEFAULT_LANGUAGE, LANGUAGES, has_label, t
from analytics.reference import read_csv, vintage_for_year

from dashboard import base, reads, session

# Card labels, values and deltas wrap rather than end in "…" (the whole text says what a figure is).
WRAP_CSS = """
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *,
[data-testid="stMetricValue"], [data-testid="stMetricValue"] *,
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] *,
[data-testid="stMetricDeltaDescription"], [data-testid="stMetricDeltaDescription"] *,
[data-testid="stMetric"] .stMarkdownEllipsis {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: break-word; height: auto !important; max-height: none !important; }
"""
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
""" + WRAP_CSS + """
</style>
"""
BASE_CSS = """
<style>
[data-testid="stMetricValue"] { font-size: 2.6rem; }
[data-testid="stMetricLabel"] p { font-size: 1.05rem; }
""" + WRAP_CSS + """
</style>
"""


def _vintage_labels() -> dict[int, str]:
    """Short labels of the unit vintages (the data file's own label where no short one exists)."""
    rows = read_csv("org_unit_vintage.csv")
    column = "label_vi" if base.lang() == "vi" else "label_en"
    return {int(r["vintage"]): base.tr(f"dash_units_{r['vintage']}") if has_label(f"dash_units_{r['vintage']}")
            else (r[column] or r["vintage"]) for r in rows}


def sidebar(home_only: bool = False) -> dict:
    """Draw the sidebar controls and return the view settings (a plain dict): lang, year, area,
    ethnic, measure (households | persons: what the counts and rates count), commune (a code or None), units (the vintage shown), own_units (the data's own
    vintage), meeting (bool), version. Every setting is kept in the URL's query parameters, so a
    shared link opens the same view, and carried from page to page. A page never draws without a
    session: the login gate runs first. ``home_only``: the commune picker offers only the home
    area's communes (for a page counting the home area only)."""
    session.page_scope()
    version = base.data_version()
    years = reads.cached_years(version)
    first_run = not st.session_state.get("_view_restored")
    st.session_state["_view_restored"] = True
    _init("lang", LANGUAGES, DEFAULT_LANGUAGE, str, first_run)
    _init("year", years or [None], years[-1] if years else None, int, first_run)
    _init("area", filters.AREAS, "all", str, first_run)
    _init("ethnic", filters.ETHNIC_GROUPS, "all", str, first_run)
    _init("measure", filters.MEASURES, "households", str, first_run)
    _init("meeting", (True, False), False, lambda v: v.lower() in ("1", "true", "yes"), first_run)
    labels = _vintage_labels()
    year = st.session_state["year"]
    own = vintage_for_year(year) if year else max(labels)
    _init("units", list(labels), own, int, first_run)
    if st.session_state["units"] < own:  # data of 2025 on exists only in the 2025 units
        st.session_state["units"] = own
    with st.sidebar:
        # Labels are looked up now: a format_func must not depend on the session when called later.
        no_data, all_communes = base.tr("no_data"), base.tr("dash_all_communes")
        area_labels = {a: base.tr(f"dash_area_{a}") for a in filters.AREAS}
        ethnic_labels = {e: base.tr(f"dash_ethnic_{e}") for e in filters.ETHNIC_GROUPS}
        measure_labels = {m: base.tr(f"dash_measure_{m}") for m in filters.MEASURES}
        st.segmented_control(t("language", base.lang()), list(LANGUAGES), key="lang", required=True,
                             format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code])
        year = st.selectbox(base.tr("year"), years or [None], key="year",
                            format_func=lambda y: str(y) if y else no_data)
        area = st.segmented_control(base.tr("dash_area"), list(filters.AREAS), key="area", required=True,
                                    format_func=area_labels.get)
        ethnic = st.segmented_control(base.tr("dash_ethnic"), list(filters.ETHNIC_GROUPS), key="ethnic",
                                      required=True, format_func=ethnic_labels.get)
        measure = st.segmented_control(base.tr("dash_measure"), list(filters.MEASURES), key="measure",
                                       required=True, format_func=measure_labels.get,
                                       help=base.tr("dash_measure_help"))
        own = vintage_for_year(year) if year else max(labels)
        chosen = st.segmented_control(base.tr("dash_units"), sorted(labels), key="units", required=True,
                                      format_func=labels.get, disabled=own == max(labels),
                                      help=base.tr("dash_units_help"))
        units = max(int(chosen or own), own)  # data cannot be split into older, smaller units
        # A page counting only the home area (the overview) offers only its communes.
        names = reads.commune_names(units, within_units=reads.home_units() if home_only else None)
        _init("commune", ["all", *names], "all", str, first_run)
        commune = st.selectbox(base.tr("commune"), ["all", *names], key="commune",
                               format_func=lambda c: all_communes if c == "all" else names.get(c, c))
        meeting = st.toggle(base.tr("dash_meeting_mode"), key="meeting", help=base.tr("dash_meeting_help"))
    st.html(MEETING_CSS if meeting else BASE_CSS)
    # The view lives in the URL (codes, not labels: a link opens the same view in any language).
    defaults = {"lang": DEFAULT_LANGUAGE, "year": years[-1] if years else None, "area": "all",
                "ethnic": "all", "measure": "households", "units": own, "commune": "all", "meeting": False}
    for key, default in defaults.items():
        value = st.session_state.get(key)
        st.session_state[f"_view_{key}"] = value
        _keep_in_url(key, None if value == default else value)
    return {"lang": base.lang(), "year": year, "area": area or "all", "ethnic": ethnic or "all",
            "measure": measure or "households",
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


def _keep_in_url(param: str, value) -> None:
    """Show ``value`` as the URL's ``param`` (None: leave it out)."""
    if value is None:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = str(value).lower() if isinstance(value, bool) else str(value)


def page_link(params: tuple[str, ...]) -> dict[str, str]:
    """The URL's values of the running page's own settings (``params``, beyond the sidebar's) on
    the page's first run in the session, so a shared link opens on them; {} on later runs, where
    the widgets keep their own values."""
    flag = f"_link_read_{st.session_state.get('_page_key')}"
    if st.session_state.get(flag):
        return {}
    st.session_state[flag] = True
    return {p: st.query_params[p] for p in params if p in st.query_params}


def keep_page_settings(values: dict) -> None:
    """Keep the running page's own settings in the URL like the sidebar's ({param: value}; None
    leaves the parameter out): codes, not labels."""
    for param, value in values.items():
        _keep_in_url(param, value)


def units_arg(settings: dict) -> int | None:
    """The ``units`` argument for analytics calls: None when the data's own units are shown."""
    return None if settings["units"] == settings["own_units"] else settings["units"]


# -- page furniture -------------------------------------------------------------------------------

def set_page(key: str) -> None:
    """Name the running page (its meeting deck remembers its own slide)."""
    st.session_state["_page_key"] = key


def page_header(title_key: str, settings: dict) -> None:
    """The page title (with the year) and the illustrative-data notice."""
    year = settings.get("year")
    st.title(base.tr(title_key) + (f" · {year}" if year else ""))
    if not settings.get("meeting"):
        illustrative_notice(settings["version"])


def illustrative_notice(version: int) -> None:
    """Say so when the figures are illustrative (demo batches)."""
    if reads.cached_is_illustrative(version):
        st.info(base.tr("illustrative_notice"), icon=":material/info:")


def require_year(settings: dict) -> None:
    """Stop the page with a helpful message when there is no data at all."""
    if settings.get("year") is None:
        st.warning(base.tr("empty_database"), icon=":material/database:")
        if session.current_scope().may_open("data"):  # the Data page exists only for roles that may import
            st.page_link("pages/data.py", label=base.tr("dash_go_to_data"), icon=":material/upload_file:")
        st.stop()


def dashboard_page(key: str, follows_ethnic_group: bool = True, households_only: bool = False,
                   home_only: bool = False) -> dict:
    """The start every dashboard page shares: name the page, draw the sidebar, the title and the
    notice, stop helpfully when there is no data; the settings, with ``analytics_units`` (the
    ``units`` argument for analytics calls). A page whose figures do not follow the sidebar's
    ethnic group, or that counts households only (``households_only``), says so when the group or
    persons are chosen. ``home_only``: as in :func:`sidebar`."""
    set_page(key)
    settings = sidebar(home_only)
    page_header(f"page_{key}", settings)
    if not follows_ethnic_group and settings["ethnic"] != "all":
        st.caption(base.tr("dash_ethnic_not_here", group=base.tr(f"dash_ethnic_{settings['ethnic']}")))
    if households_only and settings["measure"] == "persons" and not settings["meeting"]:
        st.caption(base.tr("dash_measure_not_here"))
    require_year(settings)
    units = units_arg(settings)
    if units is not None:
        divided = reads.divided_communes(settings["own_units"], units)
        for row in (divided.itertuples() if divided is not None else ()):  # None: the read failed, said
            st.caption(base.tr("dash_divided_commune", old=row.old_name, default=row.default_name,
                               others=row.other_names))
    return {**settings, "analytics_units": units}
