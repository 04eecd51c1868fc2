"""What a year still lacks, for a person starting from an empty database: the plan targets, the
budget plan, the latest review (household lists or commune summary tables) and the disbursement
reports, each with its count, or what is missing and the template (import kind) to fill in.

Targets and the budget plan can also be typed into a table: ``table_file`` writes the rows as the
kind's template would hold them, so they pass the importer's checks and are stored as one batch
that rolls back like any import (``importer.import_file``)."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook

from .db import Database

# item -> (the import kind of its template, SQL counting the year's rows)
ITEMS = {
    "targets": ("indicators", "SELECT count(*) FROM indicator_value_current WHERE year = ? AND kind = 'target'"),
    "budget_plan": ("budget", "SELECT count(*) FROM budget_plan_current WHERE year = ?"),
    "review": ("households", "SELECT (SELECT count(*) FROM household_current WHERE year = $1) "
                             "+ (SELECT count(*) FROM commune_total_current WHERE year = $1)"),
    "disbursement": ("budget", "SELECT count(*) FROM disbursement_current WHERE year = ?"),
}
# The columns of a typed table, as the templates head them (``kinds/*.template``), with the
# field each holds and the template's drop-down list (``templates.choice_lists``) if any.
TABLE_COLUMNS = {
    "targets": ("indicators", [("Đơn vị", "commune", "unit"), ("Chỉ tiêu", "indicator", "indicator"),
                               ("Kế hoạch", "target", None)]),
    "budget_plan": ("budget", [("Dự án", "line", "project"), ("Nguồn vốn", "source", "source"),
                               ("Cơ quan chủ trì", "agency", None), ("Kế hoạch vốn", "plan_total", None)]),
}


def checklist(db: Database, year: int) -> list[dict]:
    """One entry per item of ``ITEMS``: item, kind (of the template to download), count (rows of
    the year), done; the review also says which year's review is the latest (``latest_year``)."""
    out = []
    for item, (kind, sql) in ITEMS.items():
        params = [int(year)]
        count = int(db.scalar(sql, params) or 0)
        entry = {"item": item, "kind": kind, "count": count, "done": count > 0}
        if item == "review":
            entry["latest_year"] = db.scalar("SELECT max(year) FROM (SELECT year FROM household_current "
                                             "UNION SELECT year FROM commune_total_current)")
        out.append(entry)
    return out


def blank_table(item: str) -> pd.DataFrame:
    """An empty table to type ``item`` (targets or budget_plan) into, headed as its template."""
    return pd.DataFrame({c: pd.Series(dtype="float64" if lst is None and f != "agency" else "object")
                         for c, f, lst in TABLE_COLUMNS[item][1]})


def table_file(item: str, frame: pd.DataFrame, year: int) -> tuple[str, bytes]:
    """(kind, .xlsx bytes) of a typed table, headed as the kind's template, each row with the year;
    blank rows left out. Numbers stay numbers (as text, "0,015" would read as fifteen thousandths
    or fifteen, as offices write either)."""
    kind, columns = TABLE_COLUMNS[item][0], [c for c, _, _ in TABLE_COLUMNS[item][1]]
    rows = frame.reindex(columns=columns)
    filled = rows.map(lambda v: not _blank(v))
    rows = rows[filled.any(axis=1)]
    book = Workbook()
    sheet = book.active
    sheet.append([*columns, "Năm"])
    for values in rows.itertuples(index=False):
        sheet.append([None if _blank(v) else _plain(v) for v in values] + [int(year)])
    out = io.BytesIO()
    book.save(out)
    return kind, out.getvalue()


def _blank(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value) or str(value).strip() == ""


def _plain(value):
    return value.item() if hasattr(value, "item") else value
