"""Households: the review list of a commune (one row per household: id, hamlet, head, ethnicity,
members, income, the deprivation ticks, the recorded status), written to ``household``."""

from __future__ import annotations

import pandas as pd

from ...classification import (DEPRIVATION_COLUMNS, deprivation_count_sql, refresh_derived, standard_sql,
                               status_sql)
from ...reference import get_setting, read_csv
from ..clean import clean_text, is_minority, parse_numbers, parse_ticks, parse_words
from ..grid import Grid, excel_row, flag
from ..report import ImportReport
from ..resolve import check_scope, check_standard_years, places_of, years_of
from ..importkind import ImportKind

HOUSEHOLD_COLUMNS = ["year", "household_id", "commune_vintage", "commune_code", "hamlet", "head_name",
                     "ethnicity", "is_ethnic_minority", "members", "income_per_capita",
                     *DEPRIVATION_COLUMNS, "recorded_status", "no_labour_capacity", "has_merit"]


def build_households(db, grid: Grid, title, report: ImportReport, *, year=None, commune=None,
                     communes=None) -> list[tuple[str, pd.DataFrame]]:
    """The household rows of a review list, validated; [('household', frame)]."""
    f = grid.frame
    years = years_of(db, grid, title, report, year)
    if years is None:
        return []
    check_standard_years(db, grid, report, years)
    places = places_of(db, grid, title, report, years, commune)
    if places is None:
        return []
    vintages, codes = places
    check_scope(report, grid, "commune", vintages, codes, communes)
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
    flag(report, grid, "household_id", out.household_id.isna(), hid, "import_err_required_value")
    dup = out.household_id.notna() & out.duplicated(["year", "household_id"], keep="first")
    flag(report, grid, "household_id", dup, hid, "import_err_duplicate_household")
    # Numbers.
    income, bad = parse_numbers(grid.col("income_per_capita"))
    col = grid.col("income_per_capita")
    flag(report, grid, "income_per_capita", bad, col, "import_err_not_number")
    flag(report, grid, "income_per_capita", income.isna() & ~bad, col, "import_err_required_value")
    flag(report, grid, "income_per_capita", income < 0, col, "import_err_negative")
    low = float(get_setting(db, "import_income_thousands_below", "50000"))
    flag(report, grid, "income_per_capita", (income > 0) & (income < low), col,
         "import_warn_income_thousands", warning=True)
    out["income_per_capita"] = income.round().astype("Int64")
    col = grid.col("members")
    if col is not None:
        members, bad = parse_numbers(col)
        flag(report, grid, "members", bad, col, "import_err_not_number")
        top = int(get_setting(db, "import_max_members", "50"))
        impossible = members.notna() & ((members < 1) | (members > top) | (members % 1 != 0))
        flag(report, grid, "members", impossible, col, "import_err_impossible", low=1, high=top)
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
        flag(report, grid, field, bad, col, "import_err_bad_tick")
        out[field] = flags.astype("boolean")
    if grid.col("is_ethnic_minority") is None:
        out["is_ethnic_minority"] = is_minority(out["ethnicity"])
    col = grid.col("recorded_status")
    if col is not None:
        cleaned, repairs = clean_text(col)
        report.encoding_repairs += repairs
        status, bad = parse_words(cleaned, "status")
        flag(report, grid, "recorded_status", bad, col, "import_err_bad_status")
        out["recorded_status"] = status
    else:
        out["recorded_status"] = None
    frame = out[HOUSEHOLD_COLUMNS].copy()
    frame["excel_row"] = [excel_row(i) for i in frame.index]
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
                JOIN LATERAL ({standard_sql('h')}) s ON true
                WHERE h.recorded_status IS NOT NULL AND rule IS NOT NULL AND rule <> h.recorded_status
                ORDER BY h.excel_row""").fetchall()
    finally:
        cur.close()
    label, index = grid.label("recorded_status"), grid.index("recorded_status")
    written = grid.col("recorded_status")
    for row, recorded, rule in rows:
        report.warn("import_warn_status_disagrees", sheet=grid.sheet, row=int(row), column=label,
                    value=written.get(int(row) - 1, recorded), col_index=index,
                    recorded=report.msg(f"import_status_{recorded}"), rule=report.msg(f"import_status_{rule}"))


def _derive(cur, batch_id: int) -> None:
    # Looked up at call time, so that a test can make the commit fail here.
    refresh_derived(cur, batch_id)


def _official_names() -> list[dict]:
    """The official deprivation indicator names (with or without their number) as headers."""
    rows = []
    for row in read_csv("deprivation_indicator.csv"):
        rows.append({"field": row["code"], "alias": row["name_vi"]})
        rows.append({"field": row["code"], "alias": row["name_en"]})
    return rows


def _standard_for(db, year: int) -> tuple[str, int] | None:
    row = db.query("SELECT DISTINCT standard, indicator_count FROM poverty_standard "
                   "WHERE ? BETWEEN valid_from_year AND valid_to_year", [year])
    return row[0] if row else None


def _template(db, year: int) -> list[tuple[str, str]]:
    standard = _standard_for(db, year)
    names = [r[0] for r in db.query("SELECT name_vi FROM deprivation_indicator WHERE standard = ? "
                                    "ORDER BY number", [standard[0]])] if standard else []
    return ([("Mã hộ", ""), ("Xã", "commune"), ("Thôn/Ấp", ""), ("Họ và tên chủ hộ", ""), ("Dân tộc", ""),
             ("Số nhân khẩu", ""), ("Thu nhập bình quân (đồng/người/tháng)", "")]
            + [(f"{i}. {n}", "tick") for i, n in enumerate(names, start=1)]
            + [("Phân loại hộ", "status"), ("Hộ không có khả năng lao động", "tick"), ("Hộ có công", "tick"),
               ("Năm", "year")])


HOUSEHOLDS = ImportKind(
    name="households",
    required=("household_id", "income_per_capita"),
    optional=("year", "commune", "province", "district", "hamlet", "head_name", "ethnicity",
              "is_ethnic_minority", "members",
              *DEPRIVATION_COLUMNS, "recorded_status", "no_labour_capacity", "has_merit"),
    key_field="household_id",
    recognise=lambda f: "household_id" in f and ("income_per_capita" in f or "d01" in f or "members" in f),
    build=build_households,
    tables=("household",),
    template=_template,
    extra_aliases=_official_names,
    derive=_derive,
)
