"""The data rows under a sheet's header (``Grid``) and the helpers every kind builds with: a
field's column, one error per bad cell (``flag``), required columns (``require``) and the
canonical header that names a missing column."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..reference import read_csv
from .header import Header
from .report import ImportReport


# Rows of the k-th data sheet of a workbook are indexed k * SHEET_STRIDE + their 0-based row, so
# the rows of several sheets of one layout share one frame and each still names its sheet and row.
SHEET_STRIDE = 1 << 21


@dataclass
class Grid:
    """The data rows under the header (of one sheet, or of several sheets of one layout): cells
    as read, indexed by the 0-based row (plus ``SHEET_STRIDE`` per further sheet)."""
    frame: pd.DataFrame
    sheet: str
    header: Header
    section_hamlet: pd.Series | None = None  # hamlet named by the section row above ("I. Ấp 1")
    sheets: tuple[str, ...] = ()             # every sheet read, the header's first
    totals: pd.Series | None = None          # a total row ("Tổng cộng", "Toàn tỉnh"), where kept
    column_numbers: dict | None = None       # {column: "4=3/1*100"} of the column-number row

    def sheet_of(self, index) -> str:
        k = int(index) // SHEET_STRIDE
        return self.sheets[k] if k < len(self.sheets) else self.sheet

    def col(self, field: str) -> pd.Series | None:
        column = self.header.fields().get(field)
        return None if column is None else self.frame[column.index]

    def label(self, field: str) -> str | None:
        column = self.header.fields().get(field)
        return None if column is None else column.label

    def index(self, field: str) -> int | None:
        column = self.header.fields().get(field)
        return None if column is None else column.index


def excel_row(index):
    """The row number Excel shows for a row index of a ``Grid`` (for an array of them, an array)."""
    if isinstance(index, np.ndarray):
        return index % SHEET_STRIDE + 1
    return int(index) % SHEET_STRIDE + 1


def canonical_header(kind: str, field: str) -> str:
    """The first (canonical) Vietnamese header of a field, to name a missing column."""
    for row in read_csv("column_alias.csv"):
        if row["field"] == field and row["kind"] in (kind, "*"):
            return row["alias"]
    return field


def flag(report: ImportReport, grid: Grid, field: str, mask: pd.Series, values: pd.Series,
         key: str, warning: bool = False, **extra) -> None:
    """One error (or warning) per row where ``mask`` holds, on the column of ``field``; an
    ``extra`` value given as a Series fills the message with that row's value."""
    if mask is None or not bool(mask.any()):
        return
    label, index = grid.label(field), grid.index(field)
    add = report.warn if warning else report.error
    for i in mask.index[mask.to_numpy(dtype=bool)]:
        value = values.get(i) if values is not None else None
        add(key, sheet=grid.sheet_of(i), row=excel_row(i), column=label, value=value, col_index=index,
            **{k: v[i] if isinstance(v, pd.Series) else v for k, v in extra.items()})


def require(report: ImportReport, grid: Grid, kind: str, fields) -> bool:
    """An error for each of ``fields`` without a column; True when none is missing."""
    missing = [f for f in fields if grid.col(f) is None]
    for f in missing:
        report.error("import_err_missing_column", sheet=grid.sheet, column=canonical_header(kind, f),
                     header=canonical_header(kind, f))
    return not missing
