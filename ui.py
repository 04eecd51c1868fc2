"""Shared Streamlit plumbing for the pages: the database resource, cached reads keyed on
``data_version``, the sidebar settings and labels. Pages stay thin: settings -> analytics -> show."""

from __future__ import annotations

import streamlit as st

from analytics import demo, poverty
from analytics.db import Database, DatabaseError, default_db_path
from analytics.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from analytics.summary import summary


@st.cache_resource
def get_db() -> Database:
    """The process's single read-write connection (DuckDB allows one writer per file)."""
    return Database(default_db_path())


def data_version() -> int:
    return get_db().data_version()


@st.cache_data(max_entries=64, show_spinner=False)
def cached_summary(year: int, _version: int) -> dict:
    """``summary`` for a year, recomputed only when committed data changes."""
    return summary(get_db(), year)


@st.cache_data(max_entries=8, show_spinner=False)
def cached_years(_version: int) -> list[int]:
    return poverty.years_with_data(get_db())


@st.cache_data(max_entries=8, show_spinner=False)
def cached_is_illustrative(_version: int) -> bool:
    return demo.is_illustrative(get_db())


def lang() -> str:
    return st.session_state.get("lang", DEFAULT_LANGUAGE)


def tr(key: str, **values) -> str:
    """The label ``key`` in the session's language."""
    return t(key, lang(), **values)


def sidebar() -> dict:
    """Draw the sidebar controls; the settings every page reads (a plain dict)."""
    version = data_version()
    years = cached_years(version)
    _restore_from_url(years)
    with st.sidebar:
        st.segmented_control(t("language", lang()), LANGUAGES, key="lang",
                             format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code],
                             default=DEFAULT_LANGUAGE)
        if st.session_state.get("lang") is None:  # a segmented control can be cleared
            st.session_state["lang"] = DEFAULT_LANGUAGE
        if st.session_state.get("year") not in years:
            st.session_state["year"] = years[-1] if years else None
        year = st.selectbox(tr("year"), years or [None], key="year",
                            format_func=lambda y: str(y) if y else tr("no_data"))
    # The view lives in the URL so that a shared link opens the same view.
    st.query_params["lang"] = lang()
    if year is not None:
        st.query_params["year"] = str(year)
    return {"lang": lang(), "year": year, "version": version}


def _restore_from_url(years: list[int]) -> None:
    """On a session's first run, take the settings from the URL's query parameters."""
    if st.session_state.get("_url_restored"):
        return
    st.session_state["_url_restored"] = True
    params = st.query_params
    if params.get("lang") in LANGUAGES:
        st.session_state["lang"] = params["lang"]
    if params.get("year", "").isdigit() and int(params["year"]) in years:
        st.session_state["year"] = int(params["year"])


def illustrative_notice(version: int) -> None:
    if cached_is_illustrative(version):
        st.info(tr("illustrative_notice"), icon=":material/info:")


def show_database_error(exc: DatabaseError) -> None:
    st.error(str(exc), icon=":material/error:")
