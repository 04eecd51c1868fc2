"""What the overview (the page everyone lands on after logging in) reads, through the shared
caches: used by the page itself, and computed ahead in the background once the login form is
drawn, so that the first page after logging in finds its figures ready instead of computing them
while the user waits (the caches are cold after a server start and after every import)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from types import SimpleNamespace

import streamlit as st

from analytics import filters, transitions
from analytics.reference import vintage_for_year

from dashboard import base, reads


def overview_reads(settings: dict, quiet: bool = False) -> SimpleNamespace:
    """The overview's figures for the view ``settings`` (as ``view.dashboard_page`` returns them),
    of the home area when an administrator set one:
    filtered (an area, group or commune chosen), home (the home area's units, None: all),
    communes_now, now and before (the headline
    counts), gaps, district (the district's target rows), execution, plan_years (the years with a
    budget plan, when this year has none), trend, persons_unknown (in persons: the names of the
    units whose data give no persons); None where a read
    failed (with a message on the page unless ``quiet``)."""
    year, units = settings["year"], settings["analytics_units"]
    measure = settings.get("measure", "households")
    view = dict(area=settings["area"], ethnic=settings["ethnic"], commune=settings["commune"])
    filtered = filters.is_filtered(**view)
    # The home area's units (None: no home area set, the data's own area: everything).
    home = reads.home_units(quiet=quiet)
    home_code = (reads.home_info(quiet=quiet) or {}).get("code") if home is not None else None
    communes_now = reads.commune_table(year, units=units, within_units=home, quiet=quiet)
    previous = year - 1 if year - 1 in reads.cached_years(settings["version"]) else None
    communes_before = (reads.commune_table(previous, units=settings["units"], within_units=home, quiet=quiet)
                       if previous else None)
    # The headline: the district's own counts and changes for the whole area (light reads, shared
    # with the Xã page, rather than the whole summary), the filtered communes' otherwise; in the
    # measure chosen (households or persons).
    if filtered and communes_now is not None:
        now = filters.totals(filters.communes(filters.in_measure(communes_now, measure), **view))
    else:
        counts = reads.household_counts(year, units=units, within_units=home, quiet=quiet)
        now = filters.counts_in_measure(counts, measure) if counts is not None else None
    before = None
    if communes_before is not None:
        before = filters.totals(filters.communes(filters.in_measure(communes_before, measure), **view))
        changes = None if filtered or measure != "households" else reads.transition_tables(
            year, units=units, within_units=home, quiet=quiet)
        if changes is not None and len(changes["poor"]):
            before["poor"] = transitions.totals(changes["poor"])["start"]
    # Units with figures but no persons (a review table giving households only), named in persons.
    unknown = (filters.persons_unknown(filters.communes(communes_now, area=settings["area"],
                                                         commune=settings["commune"]))
               if measure == "persons" and communes_now is not None else None)
    gaps = reads.target_gaps(year, units=units, within_units=home, quiet=quiet)
    codes = communes_now["code"].tolist() if communes_now is not None else []
    commune = settings["commune"]
    execution = reads.execution(year, quiet=quiet)
    # Where the budget plan is, for a year without one.
    plan_years = reads.plan_years(quiet=quiet) if execution is not None and execution.empty else None
    return SimpleNamespace(
        filtered=filtered, home=home, communes_now=communes_now, now=now, before=before, gaps=gaps,
        district=filters.district_rows(gaps, codes, own=home_code), execution=execution, plan_years=plan_years,
        persons_unknown=[] if unknown is None else unknown["name"].tolist(),
        trend=reads.trend(commune_code=commune, units=settings["units"] if commune else None, within_units=home,
                          quiet=quiet))


_THREAD_NAME = "warm-overview"
warming: threading.Thread | None = None  # the last thread started (tests wait for it)


def warm_up() -> threading.Thread | None:
    """Compute, in a background thread, the overview of the default view (the whole district, the
    year of the URL or the latest); the thread doing it, started once per data version and year
    (None without data)."""
    version = base.data_version()
    years = reads.cached_years(version)
    if not years:
        return None
    asked = st.query_params.get("year", "")
    return _warm_thread(version, int(asked) if asked.isdigit() and int(asked) in years else years[-1])


@st.cache_resource(max_entries=8, show_spinner=False)
def _warm_thread(version: int, year: int) -> threading.Thread:
    """Start the thread for (version, year): Streamlit's cache runs this once per key."""
    global warming
    own = vintage_for_year(year)
    settings = {"year": year, "units": own, "own_units": own, "analytics_units": None, "area": "all",
                "ethnic": "all", "commune": None, "version": version}
    # Not attached to the session: the thread only fills the app-wide caches, and must never send
    # anything to the page (or be stopped with the login form's run when the user logs in).
    warming = threading.Thread(target=_warm, args=(settings,), name=_THREAD_NAME, daemon=True)
    warming.start()
    return warming


class _NoSessionNotice(logging.Filter):
    """Streamlit notes each cache call of a thread without a session; the warm-up has none on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != _THREAD_NAME


logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_NoSessionNotice())


def _warm(settings: dict) -> None:
    # What the overview's report buttons build on: a slow first import, done here rather than
    # when the overview is first drawn.
    import analytics.reports.deck  # noqa: F401
    import analytics.reports.workbook  # noqa: F401

    reads.commune_names(settings["units"])  # the sidebar's commune list
    overview_reads(settings, quiet=True)


# The browser code of the headline's figures (st.metric): a module of Streamlit's loaded only when
# the first metric arrives. Loading it then suspends the headline while the module comes, and
# the charts' far larger module (Plotly's) can arrive meanwhile and hold the browser's main
# thread for a second or more before the headline is shown. Imported with the login form, it is
# there when the first page comes.
_METRIC_MODULE = next((Path(st.__file__).parent / "static" / "static" / "js").glob("Metric.*.js"), None)


def preload_headline_code() -> None:
    """Have the browser import the metric's module now (nothing if this Streamlit version keeps
    it elsewhere); resolved beside Streamlit's own scripts, wherever the app is served from."""
    if _METRIC_MODULE is None:
        return
    st.html(f"""<script>
      (() => {{
        const base = document.querySelector('script[src*="/static/js/"]');
        if (base) import(new URL("{_METRIC_MODULE.name}", base.src).href).catch(() => {{}});
      }})();
    </script>""", unsafe_allow_javascript=True)
