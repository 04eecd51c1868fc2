"""The year and the unit (commune, district ...) of every data row: its column, else the option
given with the file, else the sheet's title; and the refusal of rows outside the communes the
user may touch."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..reference import standard_years, vintage_for_year
from .. import levels as levels_mod
from ..unit_names import Resolution, UnitNames, registry_names, split_name
from .clean import blank, clean_text, is_empty, parse_years
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
    distinct = sorted({int(y) for y in years.dropna().unique()})
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


# The level a typed prefix names (its folded canonical form, ``unit_name_prefix.csv``).
PREFIX_LEVEL = {"tinh": "province", "huyen": "district", "quan": "district", "thixa": "district",
                "xa": "commune", "phuong": "commune", "thitran": "commune", "dackhu": "commune"}


class UnitFinder:
    """Names of one vintage's units as an import reads them: among the whole national registry,
    narrowed by the row's province or district (column, ``--province`` option or title); a name
    several units share is narrowed to the home area (the one set, else the smallest unit holding
    the data: ``levels.home_area``), and otherwise refused with every candidate. No other unit is
    preferred: the units the database works with narrow only as (or inside) the home area, so a
    bare shared name in a file from elsewhere is refused, never read as one of them. A unit found
    outside the working units is collected in ``adopt`` (the commit adopts it, ``registry.adopt``);
    without ``adopt`` names are looked up among the working units only."""

    def __init__(self, db, vintage: int, levels=("commune",), adopt: set | None = None):
        self.vintage, self.levels, self.adopt = int(vintage), tuple(levels), adopt
        # Without adopting, only the working units are looked at (their own index, as before).
        self.names = registry_names(db, self.vintage) if adopt is not None else UnitNames(db, self.vintage, True)
        self.working = {r[0] for r in db.query("SELECT code FROM org_unit WHERE vintage = ?", [self.vintage])}
        home = levels_mod.home_area(db)
        self.home = (levels_mod.codes_within(db, *home, in_vintage=self.vintage, registry_units=True)
                     | ({home[1]} if home[0] == self.vintage else set())) if home else set()
        self._found: dict[tuple, Resolution] = {}

    def find(self, value, province=None, district=None) -> Resolution:
        key = (value, province, district)
        if key not in self._found:
            self._found[key] = self._find(value, province, district)
        return self._found[key]

    def _find(self, value, province, district) -> Resolution:
        found = Resolution(None, reason="empty")
        # A typed prefix names the level: "Tỉnh Khánh Hòa" is the province, not a commune Khánh Hòa.
        first = PREFIX_LEVEL.get(split_name(value)[0]) if isinstance(value, str) else None
        for level in sorted(self.levels, key=lambda lv: lv != first):
            found = self.names.resolve(value, level, province=province, district=district)
            if found.ok or found.reason in ("ambiguous", "unknown_area"):
                break
        if found.reason == "ambiguous" and self.home:
            inside = tuple(c for c in found.candidates if c.code in self.home)
            if len(inside) == 1:
                found = Resolution(found.text, unit=inside[0], vintage=self.vintage)
            elif inside:
                found = replace(found, candidates=inside)
        if found.ok and found.unit.code not in self.working:
            if self.adopt is None:
                return Resolution(found.text, reason="unknown", vintage=self.vintage)
            self.adopt.add((self.vintage, found.unit.code))
        return found


def unit_codes(db, vintage: int, values: pd.Series, communes_only: bool = True,
               provinces: pd.Series | None = None, districts: pd.Series | None = None,
               adopt: set | None = None) -> tuple[pd.Series, dict[object, Resolution]]:
    """Codes of the units named or coded in ``values`` (names as offices type them:
    ``analytics.unit_names``; each distinct value resolved once; see ``UnitFinder``), None where
    unknown or shared; and {value: Resolution} of the values naming several units (never
    guessed). ``provinces`` / ``districts``: each row's narrowing area. With ``adopt`` (a set
    collecting (vintage, code)) any unit of the registry; else only working units. Without
    ``communes_only`` a district or province may be named too."""
    finder = UnitFinder(db, int(vintage), ("commune",) if communes_only else ("commune", "district", "province"),
                        adopt)
    rows, keys = _distinct_keys([values, provinces, districts])
    found = {k: finder.find(*k) for k in keys if not (k[0] is None or blank(k[0]))}
    table = np.array([found[k].unit.code if k in found and found[k].ok else None for k in keys] + [None],
                     dtype=object)
    codes = pd.Series(table[rows], index=values.index, dtype="object")
    return codes, {k[0]: r for k, r in found.items() if r.reason == "ambiguous"}


def _distinct_keys(columns: list[pd.Series | None]) -> tuple[np.ndarray, list[tuple]]:
    """(each row's position in the list, the distinct tuples of the columns' values per row):
    a column of 100,000 rows repeats a few names, each to be resolved once. None stands for a
    missing column or an empty cell."""
    combined = None
    levels = []
    for column in columns:
        if column is None:
            codes, uniques = np.zeros(len(columns[0]), dtype=np.int64), np.array([None], dtype=object)
        else:
            codes, uniques = pd.factorize(column.to_numpy(dtype=object))
            uniques = np.append(uniques.astype(object), None)
            codes = np.where(codes < 0, len(uniques) - 1, codes)
        combined = codes if combined is None else combined * len(uniques) + codes
        levels.append(uniques)
    rows, distinct = pd.factorize(combined)
    keys = []
    for code in distinct:
        key = []
        for uniques in reversed(levels):
            code, k = divmod(int(code), len(uniques))
            key.append(uniques[k])
        keys.append(tuple(reversed(key)))
    return rows, keys


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
    """(vintage, code) of every row's unit: its column, else the option, else the title; any unit
    of the country, narrowed by the row's province and district (columns, else the ``--province``
    option or the title); a unit not yet worked with is adopted when the batch commits
    (``report.adopt``)."""
    # Per distinct year (a list has one or two), not per row.
    year_values = years.to_numpy(dtype="float64", na_value=np.nan)
    vintage_values = np.full(len(year_values), np.nan)
    for y in years.dropna().unique():
        vintage_values[year_values == y] = vintage_for_year(int(y))
    vintages = pd.Series(vintage_values, index=years.index).astype("Int64")
    codes = pd.Series(None, index=grid.frame.index, dtype="object")
    col = grid.col(field)
    fallback_text, source = None, None
    if commune_option:
        fallback_text, source = str(commune_option), "option"
    elif title.commune_text and col is None:  # a column names each row's unit itself
        fallback_text, source = title.commune_text, "title"
    adopt: set = set()
    empty = is_empty(col) if col is not None else None
    for vintage in sorted(vintages.dropna().unique()):
        rows = vintages == vintage
        area = {level: row_areas(db, grid, report, int(vintage), level, title) for level in ("province", "district")}
        if col is not None:
            cleaned, repairs = clean_text(col[rows])
            report.encoding_repairs += repairs
            resolved, shared = unit_codes(db, int(vintage), cleaned, communes_only,
                                          area["province"][rows], area["district"][rows], adopt)
            codes[rows] = resolved
            unknown = resolved.isna() & cleaned.notna() & ~cleaned.isin(list(shared))
            flag(report, grid, field, unknown.reindex(grid.frame.index, fill_value=False), col,
                 "import_err_unknown_commune", vintage=int(vintage))
            flag_shared(report, grid, field, cleaned.reindex(grid.frame.index), col, shared)
        if fallback_text is not None:
            first = rows.idxmax() if rows.any() else None  # the option's unit lies in the rows' area
            found, shared = unit_codes(
                db, int(vintage), pd.Series([fallback_text], dtype="object"), communes_only,
                *(pd.Series([area[lv][first] if first is not None else None], dtype="object")
                  for lv in ("province", "district")), adopt)
            code = found.iloc[0]
            if code is None:
                if shared:
                    report.error("import_err_ambiguous_unit", sheet=grid.sheet, value=fallback_text,
                                 candidates=next(iter(shared.values())).candidates_text())
                else:
                    report.error("import_err_unknown_commune", sheet=grid.sheet, value=fallback_text,
                                 vintage=int(vintage))
                return None
            empty_rows = rows & codes.isna() & (col is None or empty)
            codes[empty_rows] = code
    report.commune_source = source if col is None else "column"
    missing = codes.isna() & (empty if col is not None else True)
    if len(codes) and missing.any():
        if col is None:
            report.error("import_err_no_commune", sheet=grid.sheet)
            return None
        flag(report, grid, field, missing, col, "import_err_required_value")
    pairs = pd.DataFrame({"v": vintages.astype("Int64"), "c": codes}).drop_duplicates()
    keep_adopted(report, adopt, set(zip(pairs.v, pairs.c)))
    distinct = sorted(set(codes.dropna()))
    if len(distinct) == 1:
        report.commune = distinct[0]
        report.commune_name = db.scalar("SELECT name FROM unit_registry WHERE code = ? AND vintage = ?",
                                        [distinct[0], int(vintages.dropna().iloc[0])])
    return vintages, codes


def keep_adopted(report: ImportReport, adopt: set, used: set) -> None:
    """Add to ``report.adopt`` the units of the registry found (``adopt``) that rows use (``used``,
    (vintage, code)): the commit adopts them."""
    report.adopt = sorted({(int(v), c) for v, c in adopt if (v, c) in used} | set(map(tuple, report.adopt)))


def row_areas(db, grid: Grid, report: ImportReport, vintage: int, level: str, title) -> pd.Series:
    """Each row's province (or district) text: its column, else the ``--province`` option, else
    the title's if it names a unit of the vintage (a 2025 list titled with its former district)."""
    fallback = getattr(title, f"{level}_option", None)
    if fallback is None:
        fallback = getattr(title, f"{level}_text", None)
        if fallback is not None and not registry_names(db, vintage).resolve(fallback, level).ok:
            fallback = None
    col = grid.col(level)
    out = pd.Series(fallback, index=grid.frame.index, dtype="object")
    if col is not None:
        cleaned, repairs = clean_text(col)
        report.encoding_repairs += repairs
        out = cleaned.where(cleaned.notna(), fallback).astype(object)
    return out


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
