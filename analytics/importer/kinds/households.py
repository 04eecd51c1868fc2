"""Households: the review list of a commune (one row per household: id, hamlet, head, ethnicity,
members, income and/or Phiếu B1 points, the deprivation ticks and/or Phiếu B2 points, the Phiếu A
result, the recorded status, causes of poverty, the officer in charge), written to ``household``;
support ticks in the list become ``support`` rows of the household's year."""

from __future__ import annotations

import pandas as pd

from ...classification import DEPRIVATION_COLUMNS, disagrees_sql, household_status_sql, standard_joins_sql
from ...reference import get_setting, read_csv
from ..clean import clean_text, is_minority, parse_numbers, parse_ticks, parse_words
from ..grid import Grid, excel_row, flag, require
from ..report import ImportReport
from ..resolve import check_standard_years, year_and_place
from ..importkind import ImportKind

HOUSEHOLD_COLUMNS = ["year", "household_id", "commune_vintage", "commune_code", "hamlet", "head_name",
                     "ethnicity", "is_ethnic_minority", "members", "income_per_capita",
                     *DEPRIVATION_COLUMNS, "recorded_status", "no_labour_capacity", "has_merit",
                     "b1_points", "b2_points", "quick_review", "quick_review_reason", "causes", "officer"]
# Causes of poverty and support types are catalogues in data; each has a tick column field.
CAUSES = tuple(r["code"] for r in read_csv("poverty_cause.csv"))
SUPPORT_TYPES = tuple(r["code"] for r in read_csv("support_type.csv"))
CAUSE_FIELDS = tuple(f"cause_{c}" for c in CAUSES)
SUPPORT_FIELDS = tuple(f"support_{c}" for c in SUPPORT_TYPES)
SUPPORT_COLUMNS = ["year", "household_id", "commune_vintage", "commune_code", "support_type", "amount_mvnd",
                   "support_date", "budget_line", "origin"]


def _coded_words(grid: Grid, report: ImportReport, field: str, vocabulary: str, error_key: str):
    """A column of words from a vocabulary (value_alias.csv) as their codes, each unknown word an
    error on its cell; None where the file has no such column."""
    col = grid.col(field)
    if col is None:
        return None
    codes, bad, repairs = parse_words(col, vocabulary)
    report.encoding_repairs += repairs
    flag(report, grid, field, bad, col, error_key)
    return codes


def build_households(db, grid: Grid, title, report: ImportReport, *, year=None, commune=None,
                     communes=None) -> list[tuple[str, pd.DataFrame]]:
    """The household rows of a review list, validated; [('household', frame)]."""
    f = grid.frame
    # Without a year or a unit the rows are still checked, so that every error shows at once.
    places = year_and_place(db, grid, title, report, year=year, commune=commune, communes=communes)
    if places is not None:
        years, vintages, codes = places
        check_standard_years(db, grid, report, years)
    else:
        years = vintages = codes = pd.Series(None, index=f.index, dtype="object")
    out = pd.DataFrame(index=f.index)
    out["year"] = years
    out["commune_vintage"] = vintages.astype("Int64")
    out["commune_code"] = codes
    for field in ("household_id", "head_name", "hamlet", "ethnicity", "quick_review_reason", "officer"):
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
    # Income and/or the review's points (Phiếu B1 estimates income, B2 scores deprivations).
    if grid.col("income_per_capita") is None and grid.col("b1_points") is None:
        require(report, grid, "households", ["income_per_capita"])
        return []
    for field in ("b1_points", "b2_points"):
        col = grid.col(field)
        points, bad = parse_numbers(col) if col is not None else (pd.Series(float("nan"), index=f.index), None)
        flag(report, grid, field, bad, col, "import_err_not_number")
        flag(report, grid, field, points < 0, col, "import_err_negative")
        out[field] = points.astype("Float64")
    out["quick_review"] = _coded_words(grid, report, "quick_review", "quick_review", "import_err_bad_quick_review")
    col = grid.col("income_per_capita")
    income, bad = parse_numbers(col) if col is not None else (pd.Series(float("nan"), index=f.index), None)
    flag(report, grid, "income_per_capita", bad, col, "import_err_not_number")
    # A household screened out by Phiếu A has neither income nor points.
    unmeasured = income.isna() & out["b1_points"].isna() & out["quick_review"].ne("screened_out")
    if bad is not None:
        unmeasured &= ~bad
    missing_in = "income_per_capita" if col is not None else "b1_points"
    flag(report, grid, missing_in, unmeasured, grid.col(missing_in), "import_err_required_value")
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
        out["members"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    # Ticks.
    for field in [*DEPRIVATION_COLUMNS, "no_labour_capacity", "has_merit", "is_ethnic_minority"]:
        col = grid.col(field)
        if col is None:
            out[field] = pd.Series(pd.NA, index=out.index, dtype="boolean")
            continue
        flags, bad = parse_ticks(col)
        flag(report, grid, field, bad, col, "import_err_bad_tick")
        out[field] = flags.astype("boolean")
    if grid.col("is_ethnic_minority") is None:
        out["is_ethnic_minority"] = is_minority(out["ethnicity"])
    out["recorded_status"] = _coded_words(grid, report, "recorded_status", "status", "import_err_bad_status")
    out["causes"] = _ticked_codes(grid, report, CAUSES, "cause_")
    support = _support_rows(grid, report, out)
    if places is None:
        return []
    frame = out[HOUSEHOLD_COLUMNS]
    staged = frame.assign(excel_row=excel_row(frame.index.to_numpy()))  # not a copy of the rows (copy on write)
    report.preview = staged
    if not report.errors:
        _status_warnings(db, grid, report, staged)
        _cutoff_warnings(db, report, staged)
    tables = [("household", frame.reset_index(drop=True))]
    if support is not None:
        tables.append(("support", support))
    return tables


def _ticks_of(grid: Grid, report: ImportReport, codes, prefix: str) -> dict[str, pd.Series]:
    """{code: ticks} of the tick columns the file has for a catalogue (causes, support types)."""
    found = {}
    for code in codes:
        col = grid.col(prefix + code)
        if col is not None:
            flags, bad = parse_ticks(col)
            flag(report, grid, prefix + code, bad, col, "import_err_bad_tick")
            found[code] = flags
    return found


def _ticked_codes(grid: Grid, report: ImportReport, codes, prefix: str) -> pd.Series:
    """Per row, the list of catalogue codes ticked (None where none is)."""
    ticks = _ticks_of(grid, report, codes, prefix)
    if not ticks:
        return pd.Series(None, index=grid.frame.index, dtype="object")
    names = list(ticks)
    matrix = pd.DataFrame(ticks).to_numpy(dtype=bool)
    return pd.Series([[names[j] for j in row.nonzero()[0]] or None for row in matrix],
                     index=grid.frame.index, dtype="object")


def _support_rows(grid: Grid, report: ImportReport, out: pd.DataFrame) -> pd.DataFrame | None:
    """Support received, ticked in the list: one ``support`` row per household and type ticked,
    in the household's year (None without support columns)."""
    ticks = _ticks_of(grid, report, SUPPORT_TYPES, "support_")
    if not ticks:
        return None
    parts = []
    for code, flags in ticks.items():
        rows = out.loc[flags.to_numpy(dtype=bool) & out.household_id.notna().to_numpy(),
                       ["year", "household_id", "commune_vintage", "commune_code"]].copy()
        rows["support_type"] = code
        parts.append(rows)
    rows = pd.concat(parts, ignore_index=True)
    rows["amount_mvnd"] = pd.Series(pd.NA, index=rows.index, dtype="Float64")
    rows["support_date"] = pd.Series(pd.NaT, index=rows.index, dtype="datetime64[us]")
    rows["budget_line"] = None
    rows["origin"] = "households"
    return rows[SUPPORT_COLUMNS]


def _cutoff_warnings(db, report: ImportReport, frame: pd.DataFrame) -> None:
    """Say so where points are given for a standard whose B1/B2 cut-offs are not published (or
    not yet in ``review_cutoff``): those households are not classified by the rule."""
    if frame["b1_points"].isna().all() and frame["b2_points"].isna().all():
        return
    cur = db.cursor()
    try:
        cur.register("_staged_points", frame[["year", "commune_vintage", "commune_code", "b1_points",
                                              "b2_points", "income_per_capita"]])
        years = [r[0] for r in cur.execute(
            f"""SELECT DISTINCT h.year FROM _staged_points h {standard_joins_sql('h', 's', 'c')}
                WHERE (h.b1_points IS NOT NULL AND h.income_per_capita IS NULL AND c.b1_max_points IS NULL)
                   OR (h.b2_points IS NOT NULL AND c.b2_points_per_indicator IS NULL)
                ORDER BY 1""").fetchall()]
    finally:
        cur.close()
    if years:
        report.warn("import_warn_no_points_cutoff", years=", ".join(str(y) for y in years))


def _status_warnings(db, grid: Grid, report: ImportReport, frame: pd.DataFrame) -> None:
    """Warn where the recorded status disagrees with the rule of the standard in force
    (computed in SQL by ``classification``, as for stored households)."""
    if frame["recorded_status"].isna().all():
        return
    cur = db.cursor()
    try:
        cur.register("_staged_households", frame)
        rows = cur.execute(
            f"""SELECT h.excel_row, h.recorded_status, {household_status_sql('h', 's', 'c')} AS rule
                FROM (SELECT * FROM _staged_households WHERE recorded_status IS NOT NULL) h
                {standard_joins_sql('h', 's', 'c')}
                WHERE {disagrees_sql('h.recorded_status', 'rule', 'h.income_per_capita')}
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
    _replace_list_ticks(cur, batch_id)


def _replace_list_ticks(cur, batch_id: int) -> None:
    """A new list of a (year, commune) replaces the support ticks of the lists before it, even
    when it has no support columns itself (kept, as every replaced row, for a rollback)."""
    cur.execute(
        """UPDATE support AS s SET superseded_by = ?
           WHERE s.origin = 'households' AND s.superseded_by IS NULL AND s.batch_id <> ?
             AND EXISTS (SELECT 1 FROM household h WHERE h.batch_id = ? AND h.year = s.year
                         AND h.commune_vintage = s.commune_vintage AND h.commune_code = s.commune_code)""",
        [batch_id, batch_id, batch_id])


def _official_names() -> list[dict]:
    """The official deprivation indicator names (with or without their number) as headers."""
    rows = []
    for row in read_csv("deprivation_indicator.csv"):
        rows.append({"field": row["code"], "alias": row["name_vi"]})
        rows.append({"field": row["code"], "alias": row["name_en"]})
    # The catalogue names of causes and support types head their tick columns too.
    for prefix, name in (("cause_", "poverty_cause.csv"), ("support_", "support_type.csv")):
        rows += [{"field": prefix + r["code"], "alias": r["name_vi"]} for r in read_csv(name)]
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
             ("Số nhân khẩu", ""), ("Thu nhập bình quân (đồng/người/tháng)", ""), ("Điểm B1", ""), ("Điểm B2", "")]
            + [(f"{i}. {n}", "tick") for i, n in enumerate(names, start=1)]
            + [("Phân loại hộ", "status"), ("Hộ không có khả năng lao động", "tick"), ("Hộ có công", "tick"),
               ("Cán bộ phụ trách", ""), ("Năm", "year")])


HOUSEHOLDS = ImportKind(
    name="households",
    # Income or B1 points: one of them (checked when the rows are built).
    required=("household_id",),
    optional=("year", "commune", "province", "district", "hamlet", "head_name", "ethnicity",
              "is_ethnic_minority", "members", "income_per_capita", "b1_points", "b2_points", "quick_review", "quick_review_reason",
              *DEPRIVATION_COLUMNS, "recorded_status", "no_labour_capacity", "has_merit", "officer",
              *CAUSE_FIELDS, *SUPPORT_FIELDS),
    key_field="household_id",
    recognise=lambda f: "household_id" in f and any(
        x in f for x in ("income_per_capita", "b1_points", "d01", "members", "recorded_status")),
    build=build_households,
    tables=("household", "support"),
    template=_template,
    extra_aliases=_official_names,
    derive=_derive,
)
