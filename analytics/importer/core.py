"""One file in, one report out: read -> find header -> map columns -> clean -> validate -> commit
as one batch (all rows or none)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

import numpy as np
import pandas as pd

from .. import audit
from ..batches import create_batch, find_duplicate, finish_batch, holds_rows_outside, insert_frame, supersede
from ..classification import DEPRIVATION_COLUMNS, deprivation_count_sql, refresh_derived, status_sql
from ..reference import get_setting, read_csv, standard_years, vintage_for_year
from .clean import (blank, clean_text, is_empty, is_minority, parse_numbers, parse_ticks, parse_words,
                    resolve_units, spread)
from .header import Header, cell_text, find_header, read_title
from .read import ReadError, check_archive, check_size, read_workbook
from .report import ImportReport
from .text import fix_text, fold

Progress = Callable[[float, str], None]
TOTAL_WORDS = {"tongcong", "cong", "tong", "tongso", "congtong", "tongcongtoanxa", "tongcongtoanhuyen"}
_COLUMN_NUMBER = re.compile(r"^\(?([A-Za-z]|\d{1,2})\)?$")
_SECTION_HAMLET = re.compile(r"^(?:[IVXLC]+|\d+|[a-z])[\.\)]\s*(.+)$")
HAMLET_WORDS = ("ap", "thon", "khupho", "to", "ban", "buon", "soc", "phum", "khu")


@dataclass
class Grid:
    """The data rows of the sheet under the header: cells as read, indexed by the 0-based row."""
    frame: pd.DataFrame
    sheet: str
    header: Header
    section_hamlet: pd.Series | None = None  # hamlet named by the section row above ("I. Ấp 1")

    def col(self, field: str) -> pd.Series | None:
        column = self.header.fields().get(field)
        return None if column is None else self.frame[column.index]

    def label(self, field: str) -> str | None:
        column = self.header.fields().get(field)
        return None if column is None else column.label

    def index(self, field: str) -> int | None:
        column = self.header.fields().get(field)
        return None if column is None else column.index


def canonical_header(kind: str, field: str) -> str:
    """The first (canonical) Vietnamese header of a field, to name a missing column."""
    for row in read_csv("column_alias.csv"):
        if row["field"] == field and row["kind"] in (kind, "*"):
            return row["alias"]
    return field


# -- entry point ---------------------------------------------------------------------------
def import_file(db, content: bytes, file_name: str, *, kind: str | None = None, year: int | None = None,
                commune: str | None = None, dry_run: bool = False, user: str | None = None,
                lang: str = "vi", communes: set[tuple[int, str]] | None = None,
                illustrative: bool = False, progress: Progress | None = None) -> ImportReport:
    """Read, validate and (unless ``dry_run``) commit one file as one batch; the report.

    ``communes`` (vintage, code) limits what the import may touch (None: all); a file with rows
    outside them is rejected. Status: committed | valid (dry run) | rejected | duplicate.
    """
    step = progress or (lambda fraction, text: None)
    report = ImportReport(file_name=file_name, lang=lang, kind=kind)
    report.sha256 = hashlib.sha256(content or b"").hexdigest()
    try:
        check_size(content, float(get_setting(db, "upload_max_mb", "50")))
        check_archive(content, float(get_setting(db, "import_max_inflated_mb", "1000")),
                      float(get_setting(db, "import_max_compression_ratio", "200")))
    except ReadError as exc:
        report.error(exc.key, **exc.values)
        return report
    duplicate = find_duplicate(db, report.sha256)
    # Someone else's file (rows outside the user's communes) is not named as a duplicate: it
    # goes through the checks, which refuse it row by row as outside the user's communes.
    if duplicate is not None and (communes is None or not holds_rows_outside(db, duplicate[0], communes)):
        batch, report.kind = duplicate
        report.status, report.duplicate_of, report.batch_id = "duplicate", batch, batch
        report.warn("import_warn_duplicate", batch=batch)
        return report
    step(0.1, "read")
    try:
        workbook = read_workbook(content, file_name)
    except ReadError as exc:
        report.error(exc.key, **exc.values)
        return report
    report.text_encoding = workbook.text_encoding
    if not any(any(cell_text(v) for v in row) for s in workbook.sheets for row in s.rows):
        report.error("import_err_empty_file")
        return report
    step(0.25, "header")
    header = find_header(workbook.sheets, kind)
    if header is None:
        report.error("import_err_no_header")
        return report
    sheet = workbook.sheets[header.sheet]
    report.kind, report.sheet, report.header_row = header.kind, sheet.name, header.row + 1
    report.mapping = [{"column": c.label, "field": c.field, "col_index": c.index}
                      for c in header.columns if c.label or c.field]
    grid = _grid(sheet, header)
    title = read_title(sheet.rows, header.row)
    _classify_rows(grid, report)
    step(0.45, "clean")
    builder = BUILDERS[header.kind]
    tables = builder(db, grid, title, report, year=year, commune=commune, communes=communes)
    if report.errors:
        report.status = "rejected"
        return report
    report.rows_imported = int(sum(len(f) for _, f in tables))
    if dry_run:
        report.status = "valid"
        return report
    step(0.7, "commit")
    _commit(db, report, tables, user=user, illustrative=illustrative)
    step(1.0, "done")
    return report


def _grid(sheet, header: Header) -> Grid:
    rows = sheet.rows[header.first_data_row:]
    width = max([len(header.columns)] + [len(r) for r in rows[:1]])
    frame = pd.DataFrame(rows, dtype="object") if rows else pd.DataFrame(columns=range(width), dtype="object")
    frame.index = range(header.first_data_row, header.first_data_row + len(frame))
    for c in range(len(frame.columns), len(header.columns)):
        frame[c] = ""
    return Grid(frame, sheet.name, header)


def _excel_row(index) -> int:
    return int(index) + 1


# -- rows that are not data ----------------------------------------------------------------
# Folded, a total's words start with t or c: a cheap first look at a cell before folding it.
_TOTAL_START = re.compile(r"[\W_]*[tTcC]")


def _is_total_text(value) -> bool:
    """A cell reading "Tổng cộng", "Cộng", "(Tổng số)" ... (a total row, not data)."""
    if type(value) is not str or not _TOTAL_START.match(value):
        return False
    folded = fold(value)
    return folded in TOTAL_WORDS or folded.startswith("tongcong")


def _classify_rows(grid: Grid, report: ImportReport) -> None:
    """Mark blank rows, the column-number row, section rows ("I. Ấp 1"), the total row and what
    follows it as skipped (listed with their row numbers); keep the rest in ``grid.frame``."""
    frame = grid.frame
    report.rows_read = len(frame)
    if frame.empty:
        return
    # Each column's distinct values are judged once (blank? a total's words?), then spread.
    empty = np.empty(frame.shape, dtype=bool)
    is_total = np.zeros(len(frame), dtype=bool)
    for j, c in enumerate(frame.columns):
        codes, uniques = pd.factorize(frame[c].to_numpy())
        empty[:, j] = spread(codes, [blank(v) for v in uniques], True, frame.index).to_numpy(bool)
        if j < 4:  # total row ("Tổng cộng") in the first columns
            hits = [i for i, v in enumerate(uniques) if _is_total_text(v)]
            if hits:
                is_total |= np.isin(codes, hits)
    empties = pd.DataFrame(empty, index=frame.index, columns=frame.columns)
    filled = pd.Series((~empty).sum(axis=1), index=frame.index)
    is_total = pd.Series(is_total, index=frame.index)
    reason = pd.Series(None, index=frame.index, dtype="object")
    reason[filled == 0] = "blank"
    # Everything after the total row (signatures) goes too.
    if is_total.any():
        first = is_total.idxmax()
        reason[(frame.index > first) & reason.isna()] = "after_total"
        reason[first] = "total"
    # Column numbers (A, B, 1, 2 ...) right under the header.
    for idx in frame.index[:3]:
        cells = [cell_text(v) for v in frame.loc[idx] if cell_text(v)]
        if len(cells) >= 3 and all(_COLUMN_NUMBER.match(c) for c in cells):
            reason[idx] = "column_numbers"
    key_field = {"households": "household_id", "commune_totals": "commune", "indicators": "indicator",
                 "budget": "line"}[grid.header.kind]
    key = grid.col(key_field)
    hamlets = pd.Series(None, index=frame.index, dtype="object")
    if key is not None:
        key_empty = empties[key.name]
        section = key_empty & (filled > 0) & (filled <= 2) & reason.isna()
        if grid.header.kind == "budget":
            amount_cols = [c.index for c in grid.header.columns
                           if c.field and c.field.startswith(("plan_", "disbursed_"))]
            no_amounts = empties[amount_cols].all(axis=1) if amount_cols else True
            section = ~key_empty & no_amounts & reason.isna()
        reason[section] = "section"
        for idx in frame.index[section]:
            text = next((cell_text(v) for v in frame.loc[idx] if cell_text(v)), "")
            text = fix_text(text)[0]
            m = _SECTION_HAMLET.match(text)
            name = m.group(1) if m else text
            hamlets[idx] = name if fold(name).startswith(HAMLET_WORDS) else None
        # A section row starts a new hamlet (or ends the previous one).
        sections = frame.index[section]
        if len(sections):
            marker = pd.Series(np.nan, index=frame.index, dtype="object")
            marker[sections] = hamlets[sections].fillna("")
            hamlets = marker.ffill().replace("", None)
    skipped = reason.notna()
    report.skipped = [{"sheet": grid.sheet, "row": _excel_row(i), "reason": reason[i]} for i in frame.index[skipped]]
    report.rows_skipped = int(skipped.sum())
    grid.frame = frame[~skipped]
    grid.section_hamlet = hamlets[~skipped]


# -- shared resolution of year and commune ---------------------------------------------------
def _years(db, grid: Grid, title, report: ImportReport, year_option) -> pd.Series | None:
    """The year of every row: the Năm column, else the option (form field), else the title."""
    n = len(grid.frame)
    fallback, source = None, None
    if year_option:
        fallback, source = int(year_option), "option"
    elif title.year:
        fallback, source = title.year, "title"
    col = grid.col("year")
    if col is not None:
        values, bad = parse_numbers(col)
        _flag(report, grid, "year", bad, col, "import_err_not_number")
        if values.notna().any():
            report.year_source = "column" if values.notna().all() or fallback is None else f"column+{source}"
            values = values.fillna(fallback) if fallback else values
            years = values
        else:
            years = pd.Series(fallback, index=grid.frame.index, dtype="float64")
            report.year_source = source
    else:
        years = pd.Series(fallback, index=grid.frame.index, dtype="float64")
        report.year_source = source
    if n and years.isna().any():
        report.error("import_err_no_year", sheet=grid.sheet)
        return None
    distinct = sorted({int(y) for y in years.dropna()})
    report.year = distinct[0] if len(distinct) == 1 else distinct
    return years.astype("Int64") if n else years


def _check_standard_years(db, grid, report, years: pd.Series) -> None:
    covered = standard_years(db)
    lo, hi = covered[0], covered[-1]
    outside = years.notna() & ((years < lo) | (years > hi))
    col = grid.col("year")
    if outside.any():
        if col is not None:
            _flag(report, grid, "year", outside, years, "import_err_year_outside", lo=lo, hi=hi)
        else:
            report.error("import_err_year_outside", sheet=grid.sheet, value=int(years[outside].iloc[0]), lo=lo, hi=hi)


def _units_of(db, vintage: int, communes_only: bool = True) -> list[tuple[str, str]]:
    types = "('xa', 'phuong', 'thi_tran')" if communes_only else "('xa', 'phuong', 'thi_tran', 'district', 'province')"
    return db.query(f"SELECT code, name FROM org_unit WHERE vintage = ? AND unit_type IN {types} ORDER BY code", [vintage])


def _places(db, grid: Grid, title, report: ImportReport, years: pd.Series, commune_option,
            field: str = "commune", communes_only: bool = True) -> tuple[pd.Series, pd.Series] | None:
    """(vintage, code) of every row's unit: its column, else the option, else the title."""
    vintages = years.map({y: vintage_for_year(int(y)) for y in years.dropna().unique()})
    codes = pd.Series(None, index=grid.frame.index, dtype="object")
    col = grid.col(field)
    fallback_text, source = None, None
    if commune_option:
        fallback_text, source = str(commune_option), "option"
    elif title.commune_text and col is None:  # a column names each row's unit itself
        fallback_text, source = title.commune_text, "title"
    for vintage in sorted(set(vintages.dropna())):
        rows = vintages == vintage
        units = _units_of(db, int(vintage), communes_only)
        if col is not None:
            cleaned, repairs = clean_text(col[rows])
            report.encoding_repairs += repairs
            resolved = resolve_units(cleaned, units)
            codes[rows] = resolved
            unknown = resolved.isna() & cleaned.notna()
            _flag(report, grid, field, unknown.reindex(grid.frame.index, fill_value=False), col,
                  "import_err_unknown_commune", vintage=int(vintage))
        if fallback_text is not None:
            code = resolve_units(pd.Series([fallback_text]), units).iloc[0]
            if code is None:
                report.error("import_err_unknown_commune", sheet=grid.sheet, value=fallback_text, vintage=int(vintage))
                return None
            empty_rows = rows & codes.isna() & (col is None or is_empty(col))
            codes[empty_rows] = code
    report.commune_source = source if col is None else "column"
    missing = codes.isna() & (is_empty(col) if col is not None else True)
    if len(codes) and missing.any():
        if col is None:
            report.error("import_err_no_commune", sheet=grid.sheet)
            return None
        _flag(report, grid, field, missing, col, "import_err_required_value")
    distinct = sorted(set(codes.dropna()))
    if len(distinct) == 1:
        report.commune = distinct[0]
        report.commune_name = db.scalar("SELECT name FROM org_unit WHERE code = ? AND vintage = ?",
                                        [distinct[0], int(vintages.dropna().iloc[0])])
    return vintages, codes


def _check_scope(report, grid, field, vintages, codes, communes) -> None:
    """Refuse rows outside the communes the user may touch."""
    if communes is None:
        return
    allowed = {(int(v), str(c)) for v, c in communes}
    outside = pd.Series([(int(v), c) not in allowed if c is not None and pd.notna(v) else False
                         for v, c in zip(vintages, codes)], index=codes.index)
    col = grid.col(field)
    if outside.any():
        if col is not None:
            _flag(report, grid, field, outside, col, "import_err_outside_scope")
        else:
            report.error("import_err_outside_scope", sheet=grid.sheet, value=codes[outside].iloc[0])


def _flag(report: ImportReport, grid: Grid, field: str, mask: pd.Series, values: pd.Series,
          key: str, warning: bool = False, **extra) -> None:
    """One error (or warning) per row where ``mask`` holds, on the column of ``field``."""
    if mask is None or not bool(mask.any()):
        return
    label, index = grid.label(field), grid.index(field)
    add = report.warn if warning else report.error
    for i in mask.index[mask.to_numpy(dtype=bool)]:
        value = values.get(i) if values is not None else None
        add(key, sheet=grid.sheet, row=_excel_row(i), column=label, value=value, col_index=index,
            **extra)


def _require(report: ImportReport, grid: Grid, kind: str, fields: list[str]) -> bool:
    missing = [f for f in fields if grid.col(f) is None]
    for f in missing:
        report.error("import_err_missing_column", sheet=grid.sheet, column=canonical_header(kind, f),
                     header=canonical_header(kind, f))
    return not missing


# -- households ------------------------------------------------------------------------------
HOUSEHOLD_COLUMNS = ["year", "household_id", "commune_vintage", "commune_code", "hamlet", "head_name",
                     "ethnicity", "is_ethnic_minority", "members", "income_per_capita",
                     *DEPRIVATION_COLUMNS, "recorded_status", "no_labour_capacity", "has_merit"]


def build_households(db, grid: Grid, title, report: ImportReport, *, year=None, commune=None,
                     communes=None) -> list[tuple[str, pd.DataFrame]]:
    """The household rows of a review list, validated; [('household', frame)]."""
    if not _require(report, grid, "households", ["household_id", "income_per_capita"]):
        return []
    f = grid.frame
    years = _years(db, grid, title, report, year)
    if years is None:
        return []
    _check_standard_years(db, grid, report, years)
    places = _places(db, grid, title, report, years, commune)
    if places is None:
        return []
    vintages, codes = places
    _check_scope(report, grid, "commune", vintages, codes, communes)
    out = pd.DataFrame(index=f.index)
    out["year"] = years
    out["commune_vintage"] = vintages.astype("Int64")
    out["commune_code"] = codes
    for field in ("household_id", "head_name", "hamlet", "ethnicity"):
        col = grid.col(field)
        if col is None:
            out[field] = None
            continue
        cleaned, repairs = clean_text(col)
        report.encoding_repairs += repairs
        out[field] = cleaned
    if grid.col("hamlet") is None or out["hamlet"].isna().any():
        out["hamlet"] = out["hamlet"].where(out["hamlet"].notna(), grid.section_hamlet)
    hid = grid.col("household_id")
    _flag(report, grid, "household_id", out.household_id.isna(), hid, "import_err_required_value")
    dup = out.household_id.notna() & out.duplicated(["year", "household_id"], keep="first")
    _flag(report, grid, "household_id", dup, hid, "import_err_duplicate_household")
    # Numbers.
    income, bad = parse_numbers(grid.col("income_per_capita"))
    col = grid.col("income_per_capita")
    _flag(report, grid, "income_per_capita", bad, col, "import_err_not_number")
    _flag(report, grid, "income_per_capita", income.isna() & ~bad, col, "import_err_required_value")
    _flag(report, grid, "income_per_capita", income < 0, col, "import_err_negative")
    low = float(get_setting(db, "import_income_thousands_below", "50000"))
    _flag(report, grid, "income_per_capita", (income > 0) & (income < low), col,
          "import_warn_income_thousands", warning=True)
    out["income_per_capita"] = income.round().astype("Int64")
    col = grid.col("members")
    if col is not None:
        members, bad = parse_numbers(col)
        _flag(report, grid, "members", bad, col, "import_err_not_number")
        top = int(get_setting(db, "import_max_members", "50"))
        impossible = members.notna() & ((members < 1) | (members > top) | (members % 1 != 0))
        _flag(report, grid, "members", impossible, col, "import_err_impossible", low=1, high=top)
        out["members"] = members.round().astype("Int64")
    else:
        out["members"] = pd.array([pd.NA] * len(out), dtype="Int64")
    # Ticks.
    for field in [*DEPRIVATION_COLUMNS, "no_labour_capacity", "has_merit", "is_ethnic_minority"]:
        col = grid.col(field)
        if col is None:
            out[field] = pd.array([pd.NA] * len(out), dtype="boolean")
            continue
        flags, bad = parse_ticks(col)
        _flag(report, grid, field, bad, col, "import_err_bad_tick")
        out[field] = flags.astype("boolean")
    if grid.col("is_ethnic_minority") is None:
        out["is_ethnic_minority"] = is_minority(out["ethnicity"])
    col = grid.col("recorded_status")
    if col is not None:
        cleaned, repairs = clean_text(col)
        report.encoding_repairs += repairs
        status, bad = parse_words(cleaned, "status")
        _flag(report, grid, "recorded_status", bad, col, "import_err_bad_status")
        out["recorded_status"] = status
    else:
        out["recorded_status"] = None
    frame = out[HOUSEHOLD_COLUMNS].copy()
    frame["excel_row"] = [_excel_row(i) for i in frame.index]
    report.preview = frame
    if not report.errors:
        _status_warnings(db, grid, report, frame)
    return [("household", frame.drop(columns="excel_row").reset_index(drop=True))]


def _status_warnings(db, grid: Grid, report: ImportReport, frame: pd.DataFrame) -> None:
    """Warn where the recorded status disagrees with the rule of the standard in force
    (computed in SQL by ``classification``, as for stored households)."""
    if frame["recorded_status"].isna().all():
        return
    count = deprivation_count_sql("h", "s")
    cur = db.cursor()
    try:
        cur.register("_staged_households", frame)
        rows = cur.execute(
            f"""SELECT h.excel_row, h.recorded_status, {status_sql('h.income_per_capita', count)} AS rule
                FROM _staged_households h
                JOIN org_unit o ON o.vintage = h.commune_vintage AND o.code = h.commune_code
                JOIN poverty_standard s ON s.area = CASE WHEN o.is_urban THEN 'urban' ELSE 'rural' END
                 AND h.year BETWEEN s.valid_from_year AND s.valid_to_year
                WHERE h.recorded_status IS NOT NULL AND rule IS NOT NULL AND rule <> h.recorded_status
                ORDER BY h.excel_row""").fetchall()
    finally:
        cur.close()
    label, index = grid.label("recorded_status"), grid.index("recorded_status")
    written = grid.col("recorded_status")
    for excel_row, recorded, rule in rows:
        report.warn("import_warn_status_disagrees", sheet=grid.sheet, row=int(excel_row), column=label,
                    value=written.get(int(excel_row) - 1, recorded), col_index=index,
                    recorded=report.msg(f"import_status_{recorded}"), rule=report.msg(f"import_status_{rule}"))


# -- commune totals ----------------------------------------------------------------------------
def build_commune_totals(db, grid: Grid, title, report: ImportReport, *, year=None, commune=None,
                         communes=None) -> list[tuple[str, pd.DataFrame]]:
    """Total households (and persons) per commune and year; [('commune_total', frame)]."""
    if not _require(report, grid, "commune_totals", ["households"]):
        return []
    years = _years(db, grid, title, report, year)
    if years is None:
        return []
    places = _places(db, grid, title, report, years, commune)
    if places is None:
        return []
    vintages, codes = places
    _check_scope(report, grid, "commune", vintages, codes, communes)
    out = pd.DataFrame({"year": years, "commune_vintage": vintages.astype("Int64"), "commune_code": codes})
    for field in ("households", "persons"):
        col = grid.col(field)
        if col is None:
            out[field] = pd.array([pd.NA] * len(out), dtype="Int64")
            continue
        values, bad = parse_numbers(col)
        _flag(report, grid, field, bad, col, "import_err_not_number")
        _flag(report, grid, field, values < 0, col, "import_err_negative")
        _flag(report, grid, field, values.notna() & (values % 1 != 0), col, "import_err_not_whole")
        out[field] = values.round().astype("Int64")
    _flag(report, grid, "households", is_empty(grid.col("households")), grid.col("households"),
          "import_err_required_value")
    fewer = out.persons.notna() & out.households.notna() & (out.persons < out.households)
    _flag(report, grid, "persons", fewer, grid.col("persons"), "import_warn_persons_fewer", warning=True)
    dup = out.duplicated(["year", "commune_vintage", "commune_code"])
    _flag(report, grid, "commune", dup, grid.col("commune"), "import_err_duplicate_commune")
    report.preview = out
    return [("commune_total", out.reset_index(drop=True))]


# -- indicators --------------------------------------------------------------------------------
def build_indicators(db, grid: Grid, title, report: ImportReport, *, year=None, commune=None,
                     communes=None) -> list[tuple[str, pd.DataFrame]]:
    """Target and actual values per org unit, year and indicator; [('indicator_value', frame)]."""
    if not _require(report, grid, "indicators", ["indicator"]):
        return []
    years = _years(db, grid, title, report, year)
    if years is None:
        return []
    places = _places(db, grid, title, report, years, commune, communes_only=False)
    if places is None:
        return []
    vintages, codes = places
    _check_scope(report, grid, "commune", vintages, codes, communes)
    catalogue = db.query("SELECT code, name_vi, name_en, unit FROM indicator")
    by_key = {}
    for code, vi, en, _ in catalogue:
        for name in (code, vi, en):
            by_key.setdefault(fold(name), code)
    units = {code: unit for code, _, _, unit in catalogue}
    cleaned, repairs = clean_text(grid.col("indicator"))
    report.encoding_repairs += repairs
    indicator = cleaned.map(lambda v: by_key.get(fold(v)) if v else None)
    _flag(report, grid, "indicator", indicator.isna(), grid.col("indicator"), "import_err_unknown_indicator")
    frames = []
    for kind in ("target", "actual"):
        col = grid.col(kind)
        if col is None:
            continue
        values, bad = parse_numbers(col)
        _flag(report, grid, kind, bad, col, "import_err_not_number")
        # Shares are stored as fractions; a sheet writes 100 or 100 %.
        share = indicator.map(lambda c: units.get(c) == "share")
        values = values.where(~(share & (values > 1)), values / 100)
        frames.append(pd.DataFrame({"year": years, "org_vintage": vintages.astype("Int64"), "org_code": codes,
                                    "indicator_code": indicator, "kind": kind, "value": values})
                      .dropna(subset=["value"]))
    if not frames:
        _require(report, grid, "indicators", ["target"])
        return []
    out = pd.concat(frames)
    report.preview = out
    return [("indicator_value", out.reset_index(drop=True))]


# -- budget ----------------------------------------------------------------------------------
_PROJECT = re.compile(r"^(?:duan|da)(\d+)")
_SUB = re.compile(r"^(?:tieuduan|tda)(\d+)")
_BOTH = re.compile(r"^(?:duan|da)(\d+)(?:tieuduan|tda)(\d+)")


def _project_lines(texts: pd.Series, catalogue: set[str]) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(project, sub_project, is_parent) of each line text ("Dự án 3" then "Tiểu dự án 1 ...")."""
    project, sub = [], []
    current = None
    for text in texts:
        key = re.sub(r"^(\d+|[ivx]+|[a-z])(?=(duan|tieuduan|da|tda)\d)", "", fold(text or ""))
        if m := _BOTH.match(key):  # "Dự án 3 - Tiểu dự án 1" on one line
            current = f"DA{int(m.group(1))}"
            project.append(current)
            sub.append(f"TDA{int(m.group(2))}")
        elif m := _SUB.match(key):
            project.append(current)
            sub.append(f"TDA{int(m.group(1))}")
        elif m := _PROJECT.match(key):
            current = f"DA{int(m.group(1))}"
            project.append(current)
            sub.append(None)
        else:
            project.append(None)
            sub.append(None)
    project = pd.Series(project, index=texts.index, dtype="object")
    sub = pd.Series(sub, index=texts.index, dtype="object")
    has_children = {p for p, s in zip(project, sub) if s is not None}
    is_parent = sub.isna() & project.isin(has_children)
    return project, sub, is_parent


def build_budget(db, grid: Grid, title, report: ImportReport, *, year=None, commune=None,
                 communes=None) -> list[tuple[str, pd.DataFrame]]:
    """Plan and/or cumulative disbursement per project line and source (wide or long layout);
    [('budget_plan', frame), ('disbursement', frame)]."""
    if not _require(report, grid, "budget", ["line"]):
        return []
    years = _years(db, grid, title, report, year)
    if years is None:
        return []
    vintage = vintage_for_year(int(years.dropna().iloc[0])) if years.notna().any() else None
    org_code = commune
    if org_code is None and vintage is not None:
        districts = db.query("SELECT code FROM org_unit WHERE vintage = ? AND unit_type = 'district'", [vintage])
        org_code = districts[0][0] if len(districts) == 1 else None
    elif org_code is not None:
        resolved = resolve_units(pd.Series([str(org_code)]), _units_of(db, vintage, communes_only=False)).iloc[0]
        if resolved is None:
            report.error("import_err_unknown_commune", sheet=grid.sheet, value=org_code, vintage=vintage)
            return []
        org_code = resolved
    report.commune, report.commune_source = org_code, ("option" if commune else "district")
    catalogue = {r[0] for r in db.query("SELECT code FROM project")}
    texts, repairs = clean_text(grid.col("line"))
    report.encoding_repairs += repairs
    project, sub, is_parent = _project_lines(texts, catalogue)
    codes = project.where(sub.isna(), project + "." + sub.fillna(""))
    unknown = project.isna() | ~codes.isin(catalogue)
    _flag(report, grid, "line", unknown, grid.col("line"), "import_err_unknown_project")
    agency = clean_text(grid.col("agency"))[0] if grid.col("agency") is not None else pd.Series(None, index=texts.index)
    # As of: a column (long layout), else the option/title date.
    as_of = pd.Series(title.as_of, index=texts.index, dtype="object")
    report.as_of_source = "title" if title.as_of else None
    if grid.col("as_of") is not None:
        col = grid.col("as_of")
        parsed = pd.to_datetime(col.map(lambda v: v if isinstance(v, (date, datetime)) else (str(v) if v else None)),
                                errors="coerce", dayfirst=True)
        _flag(report, grid, "as_of", parsed.isna() & ~is_empty(col), col, "import_err_bad_date")
        as_of = parsed.dt.date.where(parsed.notna(), as_of)
        report.as_of_source = "column"
    sources = ("total", "central", "province", "district", "other")
    plan_rows, disb_rows = [], []
    leaf = ~is_parent & ~unknown
    source_col = grid.col("source")
    if source_col is not None:  # long layout: one row per line and source
        names = {}
        for code, short, name_vi, name_en in db.query("SELECT code, short_vi, name_vi, name_en FROM funding_source"):
            for n in (code, short, name_vi, name_en):
                names[fold(n)] = code
        cleaned, _ = clean_text(source_col)
        row_source = cleaned.map(lambda v: names.get(fold(v)) if v else None)
        _flag(report, grid, "source", row_source.isna(), source_col, "import_err_unknown_source")
        amount_fields = [("plan_total", plan_rows), ("disbursed_total", disb_rows)]
    else:
        row_source = None
        amount_fields = [(f"{g}_{s}", plan_rows if g == "plan" else disb_rows)
                         for g in ("plan", "disbursed") for s in sources]
    totals = {}
    for field, target in amount_fields:
        col = grid.col(field)
        if col is None:
            continue
        values, bad = parse_numbers(col)
        _flag(report, grid, field, bad, col, "import_err_not_number")
        _flag(report, grid, field, values < 0, col, "import_err_negative")
        source = row_source if row_source is not None else pd.Series(field.split("_", 1)[1], index=texts.index)
        part = pd.DataFrame({"project": project, "sub_project": sub, "source": source, "agency": agency,
                             "amount_mvnd": values, "as_of": as_of})[leaf & values.notna()]
        target.append(part)
        totals[field] = values
    # The Tổng số column should equal the sum of the sources: a warning when it does not.
    for group in ("plan", "disbursed"):
        if f"{group}_total" in totals and row_source is None:
            parts = [totals[f"{group}_{s}"] for s in sources[1:] if f"{group}_{s}" in totals]
            if parts:
                diff = (sum(p.fillna(0) for p in parts) - totals[f"{group}_total"].fillna(0)).abs() > 0.5
                _flag(report, grid, f"{group}_total", diff & leaf, totals[f"{group}_total"],
                      "import_warn_total_mismatch", warning=True)
    tables = []
    y = int(years.dropna().iloc[0]) if years.notna().any() else None
    if plan_rows:
        plan = pd.concat(plan_rows)
        plan = plan[plan.source != "total"] if row_source is None else plan
        plan = plan.assign(year=years[plan.index].astype("int64"), capital_type="su_nghiep",
                           org_vintage=vintage, org_code=org_code)
        tables.append(("budget_plan", plan[["year", "project", "sub_project", "source", "capital_type", "agency",
                                            "org_vintage", "org_code", "amount_mvnd"]].reset_index(drop=True)))
    if disb_rows:
        disb = pd.concat(disb_rows)
        disb = disb[disb.source != "total"] if row_source is None else disb
        if disb.as_of.isna().any():
            report.error("import_err_no_as_of", sheet=grid.sheet)
            return []
        disb = disb.assign(year=years[disb.index].astype("int64"), org_vintage=vintage, org_code=org_code)
        report.as_of = str(sorted(set(disb.as_of))[-1]) if len(disb) else None
        tables.append(("disbursement", disb[["year", "as_of", "project", "sub_project", "source", "org_vintage",
                                             "org_code", "amount_mvnd"]].reset_index(drop=True)))
    if not tables:
        report.error("import_err_missing_column", sheet=grid.sheet, column=canonical_header("budget", "group_plan"),
                     header=canonical_header("budget", "group_plan"))
    report.preview = pd.concat([f.assign(table=name) for name, f in tables]) if tables else None
    report.year = y
    return tables


BUILDERS = {"households": build_households, "commune_totals": build_commune_totals,
            "indicators": build_indicators, "budget": build_budget}


# -- committing --------------------------------------------------------------------------------
def _commit(db, report: ImportReport, tables, *, user, illustrative) -> None:
    """All rows of the file in one transaction, as one batch replacing what it covers."""
    year = report.year if isinstance(report.year, int) else None
    with db.transaction() as cur:
        batch = create_batch(cur, kind=report.kind, file_name=report.file_name, sha256=report.sha256,
                             user=user, illustrative=illustrative, year=year, commune_code=report.commune)
        replaced = 0
        for table, frame in tables:
            insert_frame(cur, table, frame, batch)
            replaced += supersede(cur, table, batch)
            if table == "household":
                refresh_derived(cur, batch)
        report.batch_id, report.superseded_rows, report.status = batch, replaced, "committed"
        finish_batch(cur, batch, rows=report.rows_imported, report=report.to_dict())
        audit.record(cur, "import", user, {"batch_id": batch, "kind": report.kind, "file_name": report.file_name,
                                           "rows": report.rows_imported, "replaced": replaced})
