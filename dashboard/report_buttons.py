"""Download buttons for the reports, one line in a page: ``report_buttons.report_buttons(settings)``.

The files are built only when a button is clicked (Streamlit runs the callable then) and cached
per year, units, language and data version, so a second download is immediate; each download is
audited.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from analytics.reports.deck import write_deck
from analytics.reports.workbook import write_workbook

from dashboard import base, session, view

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@st.cache_data(max_entries=8, show_spinner=False)
def cached_workbook(year: int, version: int, units: int | None, lang: str, produced: date,
                    within_units: tuple | None = None) -> bytes:
    """The Excel report pack of ``year`` (see ``analytics.reports.workbook``)."""
    return write_workbook(base.get_db(), year, units=units, lang=lang, produced=produced, within_units=within_units)


@st.cache_data(max_entries=4, show_spinner=False)
def cached_deck(year: int, version: int, units: int | None, lang: str, produced: date,
                within_units: tuple | None = None) -> bytes:
    """The meeting deck of ``year`` (see ``analytics.reports.deck``)."""
    return write_deck(base.get_db(), year, units=units, lang=lang, produced=produced, within_units=within_units)


def report_buttons(settings: dict, deck: bool = True, within_units=None) -> None:
    """Download buttons for the year of ``settings``: the Excel report pack and, with ``deck``,
    the slide deck for meetings, of the communes among the (vintage, code) pairs ``within_units``
    only when given (the figures of a page showing the home area). Nothing without a year."""
    year = settings.get("year")
    if year is None:
        return
    key = (year, settings["version"], view.units_arg(settings), settings["lang"], date.today(),
           tuple(within_units) if within_units is not None else None)
    stamp = f"{year}" + (f"-{key[2]}" if key[2] else "")
    row = st.container(horizontal=True, key=f"report_buttons_{year}")
    row.download_button(
        base.tr("report_download_xlsx", year=year),
        data=session.audited(lambda: cached_workbook(*key), f"bao-cao-giam-ngheo-{stamp}.xlsx"),
        file_name=f"bao-cao-giam-ngheo-{stamp}.xlsx", mime=XLSX_MIME, on_click="ignore",
        icon=":material/table_view:", help=base.tr("report_download_xlsx_help"), key=f"report_xlsx_{year}")
    if deck:
        row.download_button(
            base.tr("report_download_pptx", year=year),
            data=session.audited(lambda: cached_deck(*key), f"trinh-chieu-giam-ngheo-{stamp}.pptx"),
            file_name=f"trinh-chieu-giam-ngheo-{stamp}.pptx", mime=PPTX_MIME, on_click="ignore",
            icon=":material/slideshow:", help=base.tr("report_download_pptx_help"), key=f"report_pptx_{year}")
