"""Support received: one row per household, year and support type (a catalogue in data,
``support_type.csv``), with the amount in million đồng, the date and the budget line (a project
of the Decision 90 catalogue) where known, written to ``support``."""

from __future__ import annotations

import re
import pandas as pd

from ..clean import clean_text, is_empty, parse_dates, parse_numbers
from ..grid import Grid, flag
from ..importkind import ImportKind
from ..report import ImportReport
from ..resolve import year_and_place
from ...text import fold
from .households import SUPPORT_COLUMNS, _coded_words

_LINE = re.compile(r"^(?:duan|da)(\d+)(?:(?:tieuduan|tda)(\d+))?")


def line_codes(texts: pd.Series, catalogue: set[str]) -> tuple[pd.Series, pd.Series]:
    """(project code such as 'DA3.TDA1', mask of texts naming no project of ``catalogue``) of
    budget-line cells written 'DA2', 'Dự án 2', 'DA3.TDA1' or 'Dự án 3 - Tiểu dự án 1'."""
    def one(text):
        if text is None:
            return None
        m = _LINE.match(fold(text))
        if not m:
            return None
        code = f"DA{int(m.group(1))}" + (f".TDA{int(m.group(2))}" if m.group(2) else "")
        return code if code in catalogue else None
    codes = pd.Series([one(t) for t in texts], index=texts.index, dtype="object")
    return codes, codes.isna() & texts.notna()


def build_support(db, grid: Grid, title, report: ImportReport, *, year=None, commune=None,
                  communes=None) -> list[tuple[str, pd.DataFrame]]:
    """Support records; [('support', frame)]."""
    placed = year_and_place(db, grid, title, report, year=year, commune=commune, communes=communes)
    if placed is None:
        return []
    years, vintages, codes = placed
    out = pd.DataFrame({"year": years, "commune_vintage": vintages.astype("Int64"), "commune_code": codes})
    ids, repairs = clean_text(grid.col("household_id"))
    report.encoding_repairs += repairs
    out["household_id"] = ids
    flag(report, grid, "household_id", ids.isna(), grid.col("household_id"), "import_err_required_value")
    col = grid.col("support_type")
    out["support_type"] = _coded_words(grid, report, "support_type", "support_type",
                                       "import_err_unknown_support_type")
    flag(report, grid, "support_type", is_empty(col), col, "import_err_required_value")
    col = grid.col("amount_mvnd")
    if col is not None:
        amount, bad = parse_numbers(col)
        flag(report, grid, "amount_mvnd", bad, col, "import_err_not_number")
        flag(report, grid, "amount_mvnd", amount < 0, col, "import_err_negative")
        out["amount_mvnd"] = amount.round(3).astype("Float64")
    else:
        out["amount_mvnd"] = pd.Series(pd.NA, index=out.index, dtype="Float64")
    col = grid.col("support_date")
    if col is not None:
        when, bad = parse_dates(col)
        flag(report, grid, "support_date", bad, col, "import_err_bad_date")
        out["support_date"] = pd.to_datetime(when).astype("datetime64[us]")
    else:
        out["support_date"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[us]")
    col = grid.col("budget_line")
    if col is not None:
        texts, _ = clean_text(col)
        lines, bad = line_codes(texts, {r[0] for r in db.query("SELECT code FROM project")})
        flag(report, grid, "budget_line", bad, col, "import_err_unknown_project", code=texts)
        out["budget_line"] = lines
    else:
        out["budget_line"] = None
    out["origin"] = "support"
    frame = out[SUPPORT_COLUMNS]
    report.preview = frame
    return [("support", frame.reset_index(drop=True))]


def _template(db, year: int) -> list[tuple[str, str]]:
    return [("Mã hộ", ""), ("Xã", "commune"), ("Năm", "year"), ("Loại hỗ trợ", "support_type"),
            ("Số tiền (triệu đồng)", ""), ("Ngày hỗ trợ", ""), ("Dự án", "project")]


SUPPORT = ImportKind(
    name="support",
    required=("household_id", "support_type"),
    optional=("year", "commune", "head_name", "amount_mvnd", "support_date", "budget_line"),
    key_field="household_id",
    recognise=lambda f: "household_id" in f and "support_type" in f,
    build=build_support,
    tables=("support",),
    template=_template,
)
