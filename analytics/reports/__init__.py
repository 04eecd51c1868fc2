"""Reports for meetings and the reporting calendar: the Excel report pack in the layout of the
official tables (``workbook``), the slide deck (``deck``) and the key charts as PNG images
(``images``). Aggregates only: no household name or id is ever written."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

from ..db import Database
from ..i18n import DEFAULT_LANGUAGE

REPORT_SUFFIXES = (".xlsx", ".pptx", ".zip")


def write_images_zip(db: Database, year: int, out, **options) -> None:
    """The key charts of ``year`` as PNG files in one zip archive (a path or a binary stream)."""
    from .images import chart_images
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, png in chart_images(db, year, **options).items():
            archive.writestr(name, png)


def write_report(db: Database, year: int, out: Path | str | io.BytesIO, *, kind: str | None = None,
                 units: int | None = None, lang: str = DEFAULT_LANGUAGE, as_of: date | None = None) -> None:
    """Write the report of ``year`` whose type is ``kind`` ('.xlsx', '.pptx', '.zip') or the
    suffix of ``out``; ValueError for another type."""
    kind = (kind or Path(str(out)).suffix).lower()
    if not kind.startswith("."):
        kind = "." + kind
    options = {"units": units, "lang": lang, "as_of": as_of}
    if kind == ".xlsx":
        from .workbook import write_workbook
        write_workbook(db, year, Path(out) if isinstance(out, str) else out, **options)
    elif kind == ".pptx":
        from .deck import write_deck
        write_deck(db, year, Path(out) if isinstance(out, str) else out, **options)
    elif kind == ".zip":
        write_images_zip(db, year, out, **options)
    else:
        raise ValueError(f"unknown report type {kind!r}; use one of {', '.join(REPORT_SUFFIXES)}")
