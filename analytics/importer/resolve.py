"""The year and the unit (commune, district ...) of every data row: its column, else the option
given with the file, else the sheet's title; and the refusal of rows outside the communes the
user may touch."""

from __future__ import annotations

import pandas as pd

from ..reference import standard_years, vintage_for_year
from ..unit_names import Resolution, UnitNames
from .clean import clean_text, is_empty, parse_years, per_distinct
from .grid import Grid, flag
from .report import ImportReport


def years_of(db, grid: Grid, title, report: ImportReport, year_option) -> pd.Series | None:
    """The year of every row: the Năm column, else the option (form field), else the title."""
    n = len(grid.frame)
    fallback, source = None, None
    if year_option:
        fallback, source = int(year_option), "option"
    elif title.year:
        fallback, source = title.year, "title"
    col = grid.col("year")
    if col is not None:
        values, bad = parse_years(col)
        flag(report, grid, "year", bad, col, "import_err_not_number")
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
    without_units = [y for y in distinct if not _has_units(y)]
    if without_units:  # e.g. 1890: no unit list covers it, so no row of it can be placed
        bad = years.isin(without_units)
        if col is not None and report.year_source.startswith("column"):
            flag(report, grid, "year", bad, years, "import_err_year_no_units")
        else:
            report.error("import_err_year_no_units", sheet=grid.sheet, value=without_units[0])
        return None
    return years.astype("Int64") if n else years


def _has_units(year: int) -> bool:
    try:
        vintage_for_year(year)
    except ValueError:
        return False
    return True


def check_standard_years(db, grid: Grid, report: ImportReport, years: pd.Series) -> None:
    """Refuse years outside those a poverty standard covers."""
    covered = standard_years(db)
    lo, hi = covered[0], covered[-1]
    outside = years.notna() & ((years < lo) | (years > hi))
    col = grid.col("year")
    if outside.any():
        if col is not None:
            flag(report, grid, "year", outside, years, "import_err_year_outside", lo=lo, hi=hi)
        else:
            report.error("import_err_year_outside", sheet=grid.sheet, value=int(years[outside].iloc[0]), lo=lo, hi=hi)


def unit_codes(db, vintage: int, values: pd.Series, communes_only: bool = True
               ) -> tuple[pd.Series, dict[object, Resolution]]:
    """Codes of the units the database works with named or coded in ``values`` (names as offices
    type them: ``analytics.unit_names``; each distinct value resolved once), None where unknown
    or shared; and {value: Resolution} of the values naming several units (never guessed).
    Without ``communes_only`` a district or province may be named too."""
    names = UnitNames(db, int(vintage), working=True)
    levels = ("commune",) if communes_only else ("commune", "district", "province")

    def one(value) -> Resolution:
        for level in levels:
            found = names.resolve(value, level)
            if found.ok or found.reason == "ambiguous":
                break
        return found

    found = {v: one(v) for v in pd.unique(values.dropna())}
    codes = per_distinct(values, lambda v: found[v].unit.code if found[v].ok else None)
    return codes, {v: r for v, r in found.items() if r.reason == "ambiguous"}


def flag_shared(report: ImportReport, grid: Grid, field: str, values: pd.Series, col,
                shared: dict[object, Resolution]) -> None:
    """An error on each row whose unit name several units share, listing them."""
    for value, found in shared.items():
        flag(report, grid, field, values == value, col, "import_err_ambiguous_unit",
             candidates=found.candidates_text())


def year_and_place(db, grid: Grid, title, report: ImportReport, *, year=None, commune=None, communes=None,
                   communes_only: bool = True) -> tuple[pd.Series, pd.Series, pd.Series] | None:
    """(years, vintages, codes) of every row, the user's scope checked on them — what every kind
    of rows placed in a year and a unit starts with; None (errors reported) when either is missing."""
    years = years_of(db, grid, title, report, year)
    if years is None:
        return None
    places = places_of(db, grid, title, report, years, commune, communes_only=communes_only)
    if places is None:
        return None
    vintages, codes = places
    check_scope(report, grid, "commune", vintages, codes, communes)
    return years, vintages, codes


def places_of(db, grid: Grid, title, report: ImportReport, years: pd.Series, commune_option,
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
        if col is not None:
            cleaned, repairs = clean_text(col[rows])
            report.encoding_repairs += repairs
            resolved, shared = unit_codes(db, int(vintage), cleaned, communes_only)
            codes[rows] = resolved
            unknown = resolved.isna() & cleaned.notna() & ~cleaned.isin(list(shared))
            flag(report, grid, field, unknown.reindex(grid.frame.index, fill_value=False), col,
                 "import_err_unknown_commune", vintage=int(vintage))
            flag_shared(report, grid, field, cleaned.reindex(grid.frame.index), col, shared)
        if fallback_text is not None:
            found, shared = unit_codes(db, int(vintage), pd.Series([fallback_text], dtype="object"), communes_only)
            code = found.iloc[0]
            if code is None:
                if shared:
                    report.error("import_err_ambiguous_unit", sheet=grid.sheet, value=fallback_text,
                                 candidates=next(iter(shared.values())).candidates_text())
                else:
                    report.error("import_err_unknown_commune", sheet=grid.sheet, value=fallback_text,
                                 vintage=int(vintage))
                return None
            empty_rows = rows & codes.isna() & (col is None or is_empty(col))
            codes[empty_rows] = code
    report.commune_source = source if col is None else "column"
    missing = codes.isna() & (is_empty(col) if col is not None else True)
    if len(codes) and missing.any():
        if col is None:
            report.error("import_err_no_commune", sheet=grid.sheet)
            return None
        flag(report, grid, field, missing, col, "import_err_required_value")
    distinct = sorted(set(codes.dropna()))
    if len(distinct) == 1:
        report.commune = distinct[0]
        report.commune_name = db.scalar("SELECT name FROM org_unit WHERE code = ? AND vintage = ?",
                                        [distinct[0], int(vintages.dropna().iloc[0])])
    return vintages, codes


def check_scope(report: ImportReport, grid: Grid, field: str, vintages, codes, communes) -> None:
    """Refuse rows outside the communes the user may touch."""
    if communes is None:
        return
    allowed = {(int(v), str(c)) for v, c in communes}
    outside = pd.Series([(int(v), c) not in allowed if c is not None and pd.notna(v) else False
                         for v, c in zip(vintages, codes)], index=codes.index)
    col = grid.col(field)
    if outside.any():
        if col is not None:
            flag(report, grid, field, outside, col, "import_err_outside_scope")
        else:
            report.error("import_err_outside_scope", sheet=grid.sheet, value=codes[outside].iloc[0])
