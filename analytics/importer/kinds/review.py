"""The official review tables (Circular 07/2021/TT-BLĐTBXH) as provinces and districts fill them:
form 1 (households and persons: total, poor, near-poor, average-income farm households, with
rates), forms 2-3 (diễn biến of poor / near-poor households, a "Hộ" and a "Nhân khẩu" row per
unit) and forms 4-5 (deprivations of poor households per indicator, counts or rates).

Rows come at several levels: total rows ("Tổng cộng", "Toàn tỉnh"), district rows (numbered 1, 2
or I, II) and their communes (1.1, 1.2 or a, b). Only the communes' figures are written (to
``review_figure``); a district or total row is compared with the sum of its communes, and every
formula of the column-number row (4=3/1*100, 9=1-2-3-4+5+6+7+8) is recomputed from the counts: a
difference is a warning on that row and column. The meaning of each numbered column is reference
data (``review_form_column.csv``)."""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from ...levels import levels
from ...reference import read_csv, vintage_for_year
from ..clean import clean_text, parse_numbers
from ..grid import Grid, excel_row, flag
from ..importkind import ImportKind
from ..report import ImportReport
from ..resolve import check_scope, flag_shared, keep_adopted, row_areas, unit_codes, years_of
from ...unit_names import registry_names
from ...text import fold

# Names of units above the commune (a district, town or province row is a parent row).
PARENT_WORDS = ("huyen", "thixa", "thanhpho", "quan", "tinh", "tp")
TOTAL_START = ("tongcong", "toantinh", "toanhuyen", "toanxa")
TOTAL_WORDS = ("cong", "tongso", "tong")
_FORMULA = re.compile(r"^(\d{1,2})\s*=\s*([\d\s+\-*/x×().]+)$")
_TOKEN = re.compile(r"\d+|[+\-*/()]")


@lru_cache(maxsize=1)
def _layouts() -> tuple[dict, ...]:
    return tuple(read_csv("review_form_column.csv"))


def form_columns(form: str, status: str) -> dict[int, dict]:
    """{column number: {status, unit, measure}} of an official layout; a row naming a status
    holds for that form's status only (form 3 lists its decreases in the other order)."""
    rows = [r for r in _layouts() if r["form"] == form]
    general = {int(r["number"]): r for r in rows if form != "change" or not r["status"]}
    own = {int(r["number"]): r for r in rows if form == "change" and r["status"] == status}
    return general | own


def form_of(fields) -> tuple[str, str] | None:
    """(form, status) a header's fields name: summary/all, change/poor|near_poor, deprivation/..."""
    if any(f.startswith("summary_") for f in fields):
        return "summary", "all"
    if any(f.startswith("change_near_poor") for f in fields):
        return "change", "near_poor"
    if any(f.startswith("change_poor") for f in fields):
        return "change", "poor"
    if "deprivation_near_poor" in fields or any(f.startswith("near_poor_d") for f in fields):
        return "deprivation", "near_poor"
    if "deprivation_poor" in fields or any(re.fullmatch(r"d\d\d", f) for f in fields):
        return "deprivation", "poor"
    return None


def _formula(text: str) -> tuple[int, str, list[int]] | None:
    """(column, python expression over c<N>, the columns it reads) of "4=3/1*100"; a number after
    "*" or "/" that is no column of the form (100) is a constant."""
    m = _FORMULA.match(text.replace("x", "*").replace("×", "*").replace(" ", ""))
    if not m:
        return None
    parts, used, previous = [], [], ""
    for token in _TOKEN.findall(m.group(2)):
        if token.isdigit() and not (previous == "*" and int(token) >= 100):
            parts.append(f"c{int(token)}")
            used.append(int(token))
        else:
            parts.append(token)
        previous = token
    return int(m.group(1)), "".join(parts), used


def _levels(names: pd.Series, seqs: pd.Series | None, totals: pd.Series) -> pd.Series:
    """total | parent | commune | none of every row, from its name and numbering."""
    out = []
    for idx, name in names.items():
        key = fold(name or "")
        seq = "" if seqs is None or seqs[idx] is None else str(seqs[idx]).strip()
        if totals[idx] or key.startswith(TOTAL_START) or key in TOTAL_WORDS:
            out.append("total")
        elif not key:
            out.append("none")
        elif key.startswith(PARENT_WORDS) or re.fullmatch(r"[IVX]+\.?", seq):
            out.append("parent")
        else:
            out.append("commune")
    return pd.Series(out, index=names.index, dtype="object")


def build_review(db, grid: Grid, title, report: ImportReport, *, year=None, commune=None,
                 communes=None) -> list[tuple[str, pd.DataFrame]]:
    """The communes' figures of one review table; [('review_figure', frame)]."""
    form, status = form_of(grid.header.fields()) or ("summary", "all")
    frame = grid.frame
    years = years_of(db, grid, title, report, year)
    names, repairs = clean_text(grid.col("commune"))
    report.encoding_repairs += repairs
    seqs = clean_text(grid.col("seq"))[0] if grid.col("seq") is not None else None
    units = _row_units(grid)
    # "Hộ" and "Nhân khẩu" rows under one name (merged, or written once): the name runs down.
    if grid.col("unit_label") is not None:
        lone = names.isna() & units.notna()
        names = names.where(~lone, names.ffill())
        seqs = seqs.where(~lone, seqs.ffill()) if seqs is not None else None
    level = _levels(names, seqs, grid.totals)
    columns = _columns(grid, form, status, title)
    if not columns:
        report.error("import_err_review_columns", sheet=grid.sheet)
        return []
    values, bads = {}, {}
    for number, (col, _meaning) in columns.items():
        values[number], bads[number] = parse_numbers(frame[col])
    # A row without a single figure (a signature, a note) is no unit's row.
    no_figures = pd.concat(list(values.values()), axis=1).isna().all(axis=1)
    level = level.where(~(level.eq("commune") & no_figures), "none")
    if not level.eq("commune").any():
        # Only district, province or total rows carry figures: say so, the communes are what is read.
        above = level.isin(["parent", "total"]) & ~no_figures
        report.error("import_err_review_no_communes" if above.any() else "import_err_no_data_rows",
                     sheet=grid.sheet)
        return []
    for number, (col, _meaning) in columns.items():
        flag(report, grid, _field(grid, col), bads[number] & level.ne("none"), frame[col], "import_err_not_number")
        flag(report, grid, _field(grid, col), values[number] < 0, frame[col], "import_err_negative")
    vintage = None
    codes = pd.Series(None, index=frame.index, dtype="object")
    is_commune = level.eq("commune")
    if years is not None and years.notna().any():
        vintage = vintage_for_year(int(years.dropna().iloc[0]))
        provinces, districts = _areas(db, grid, report, vintage, title, names, level)
        adopt: set = set()
        resolved, shared = unit_codes(db, vintage, names[is_commune], provinces=provinces[is_commune],
                                      districts=districts[is_commune], adopt=adopt)
        codes[is_commune] = resolved
        keep_adopted(report, adopt, {(vintage, c) for c in codes.dropna()})
        col = grid.col("commune")
        unknown = is_commune & codes.isna() & ~names.isin(list(shared))
        flag(report, grid, "commune", unknown, col, "import_err_unknown_commune", vintage=vintage)
        flag_shared(report, grid, "commune", names.where(is_commune), col, shared)
        vintages = pd.Series(vintage, index=frame.index)
        check_scope(report, grid, "commune", vintages.where(is_commune), codes, communes)
    _check_parents(report, grid, level, units, columns, values)
    _check_formulas(report, grid, level, columns, values)
    if years is None or vintage is None:
        return []
    rows = []
    for number, (col, meaning) in columns.items():
        if meaning is None:  # a rate or a sum: recomputed, not stored
            continue
        keep = is_commune & codes.notna() & values[number].notna()
        part = pd.DataFrame({"year": years[keep].astype("int64"), "commune_vintage": vintage,
                             "commune_code": codes[keep], "form": form,
                             "status": meaning["status"] or status,
                             "unit": units[keep].fillna(meaning["unit"] or "households") if meaning["unit"] is None
                             else meaning["unit"],
                             "measure": meaning["measure"], "value": values[number][keep]})
        rows.append(part)
    out = pd.concat(rows) if rows else pd.DataFrame()
    if len(out):
        dup = out.duplicated(["year", "commune_code", "status", "unit", "measure"], keep="first")
        first_dup = dup.groupby(level=0).any()
        flag(report, grid, "commune", first_dup.reindex(frame.index, fill_value=False), grid.col("commune"),
             "import_err_duplicate_commune")
    report.preview = out
    distinct = sorted(set(out.commune_code)) if len(out) else []
    if len(distinct) == 1:
        report.commune = distinct[0]
    return [("review_figure", out.reset_index(drop=True))]


def _areas(db, grid: Grid, report, vintage: int, title, names: pd.Series, level: pd.Series
           ) -> tuple[pd.Series, pd.Series]:
    """Each row's province and district to read its commune's name in: the title's (or the
    option's), and for a commune under a district row, that district (before 1 July 2025)."""
    provinces = row_areas(db, grid, report, vintage, "province", title)
    districts = row_areas(db, grid, report, vintage, "district", title)
    if "district" not in levels(vintage):
        return provinces, districts
    marker = pd.Series(None, index=names.index, dtype="object")
    marker[level.eq("parent")] = names[level.eq("parent")]
    marker[level.eq("total")] = ""  # a total row ends the district above it
    above = marker.ffill()
    finder = registry_names(db, vintage)
    provinces = provinces.astype(object).where(provinces.notna(), None)
    known = {}
    for text, province in set(zip(above[level.eq("commune")], provinces[level.eq("commune")])):
        if isinstance(text, str) and text:
            known[(text, province)] = finder.resolve(text, "district", province=province).ok
    named = pd.Series([a if known.get((a, p)) else None for a, p in zip(above, provinces)],
                      index=names.index, dtype="object")
    return provinces, named.where(named.notna(), districts)


def _field(grid: Grid, col: int) -> str | None:
    return next((c.field for c in grid.header.columns if c.index == col), None)


def _row_units(grid: Grid) -> pd.Series:
    """households | persons of each row, from its "Phân tổ" cell ("Hộ", "Nhân khẩu"); None without."""
    col = grid.col("unit_label")
    if col is None:
        return pd.Series(None, index=grid.frame.index, dtype="object")

    def unit(v):
        key = fold(v)
        return "persons" if "khau" in key or "nguoi" in key else "households" if key.startswith("ho") else None
    return clean_text(col)[0].map(lambda v: unit(v) if v else None)


def _columns(grid: Grid, form: str, status: str, title) -> dict[int, tuple[int, dict | None]]:
    """{column number: (sheet column, meaning or None for a computed column)}: from the
    column-number row (forms 1-3), else from the header's indicator columns (forms 4-5)."""
    out: dict[int, tuple[int, dict | None]] = {}
    layout = form_columns(form, status)
    numbers = grid.column_numbers or {  # else the numbers the headers end with ("Số hộ nghèo (3)")
        c.index: m.group(1) for c in grid.header.columns if (m := re.search(r"\((\d{1,2})\)\s*$", c.label or ""))}
    if form in ("summary", "change") and numbers:
        for col, text in numbers.items():
            formula = _formula(text)
            number = formula[0] if formula else int(text) if text.isdigit() else None
            if number is None:
                continue
            out[number] = (col, layout.get(number))  # None: a rate, recomputed and not stored
        return out
    if form == "deprivation":
        unit = "percent" if any("tyle" in fold(t) for t in title.texts) else "households"
        fields = grid.header.fields()
        count = fields.get("poor_households") or fields.get("near_poor_households")
        if count is not None:
            out[0] = (count.index, {"status": None, "unit": "households", "measure": "count"})
        for f, c in fields.items():
            if re.fullmatch(r"(near_poor_)?d\d\d", f):
                out[100 + int(f[-2:])] = (c.index, {"status": None, "unit": unit, "measure": f[-3:]})
    return out


def _check_parents(report, grid: Grid, level: pd.Series, units: pd.Series, columns, values) -> None:
    """A district row against the communes under it, a total row against every commune: per
    count column and unit, a warning naming the row, the column, the file's figure and the sum. A
    rate column (form 5) is compared with the communes' rates weighted by their poor households
    (the rate of the sums), not with their sum."""
    children: dict = {}
    current = None
    totals = [i for i in level.index if level[i] == "total"]
    for idx in level.index:
        if level[idx] == "parent":
            current = idx
            children[idx] = []
        elif level[idx] == "total":
            current = None
        elif level[idx] == "commune":
            if current is not None:
                children[current].append(idx)
            for t in totals:
                children.setdefault(t, []).append(idx)
    for parent, kids in children.items():
        if not kids:
            continue
        same = [k for k in kids if units[k] == units[parent] or (pd.isna(units[k]) and pd.isna(units[parent]))]
        for number, (col, meaning) in columns.items():
            if meaning is None:
                continue
            written = values[number][parent]
            if pd.isna(written):
                continue
            if meaning["unit"] == "percent":
                weights = values[0][same] if 0 in values else pd.Series(dtype="float64")
                if not weights.sum() > 0:
                    continue
                total = (values[number][same].fillna(0) * weights).sum() / weights.sum()
                key, tolerance = "import_warn_parent_rate", 0.05
            else:
                total, key, tolerance = values[number][same].sum(), "import_warn_parent_sum", 0.5
            if abs(written - total) > tolerance:
                report.warn(key, sheet=grid.sheet_of(parent), row=excel_row(parent),
                            column=_label(grid, col), value=written, col_index=col,
                            figure=_plain(written), total=_plain(total))


def _check_formulas(report, grid: Grid, level: pd.Series, columns, values) -> None:
    """Every formula of the column-number row, recomputed from the row's counts: a rate that
    differs beyond rounding, or a balance that does not balance, is a warning on its cell."""
    for col, text in (grid.column_numbers or {}).items():
        formula = _formula(text)
        if not formula or any(n not in values for n in formula[2]):
            continue
        number, expression, used = formula
        scope = {f"c{n}": values[n].fillna(0) for n in used}
        rate = "/" in expression
        computed = eval(expression, {"__builtins__": {}}, scope)  # only c<N>, digits and + - * / ( )
        file = parse_numbers(grid.frame[col])[0]
        tolerance = 0.05 if rate else 0.5
        differs = level.ne("none") & file.notna() & computed.notna() & computed.abs().ne(float("inf")) & \
            ((file - computed).abs() > tolerance)
        for i in differs.index[differs.to_numpy(dtype=bool)]:
            report.warn("import_warn_rate_differs" if rate else "import_warn_formula_differs",
                        sheet=grid.sheet_of(i), row=excel_row(i), column=_label(grid, col), value=file[i],
                        col_index=col, formula=text, computed=_plain(round(float(computed[i]), 2)))


def _label(grid: Grid, col: int) -> str:
    number = (grid.column_numbers or {}).get(col)
    label = next((c.label for c in grid.header.columns if c.index == col), "") or ""
    return f"{label} ({number})" if number and label else (label or f"({number})")


def _plain(value) -> int | float:
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def _lone(field: str | None) -> str | None:
    return None if field and field.startswith("indicator_") else field


def _group(group: str | None, field: str) -> str | None:
    if field.startswith("indicator_"):
        n = int(field.split("_")[1])
        if group == "deprivation_poor":
            return f"d{n:02d}"
        if group == "deprivation_near_poor":
            return f"near_poor_d{n:02d}"
        return None
    return field


def _recognise(fields) -> bool:
    return "commune" in fields and form_of(fields) is not None


def _template(db, year: int) -> list[tuple[str, str]]:
    """Form 1 on one header row, each figure's column number as the official form numbers it."""
    return [("TT", ""), ("Phường/Xã", "commune"), ("Tổng số hộ dân cư (1)", ""), ("Tổng số nhân khẩu (2)", ""),
            ("Kết quả rà soát về hộ: số hộ nghèo (3)", ""), ("Số hộ cận nghèo (5)", ""),
            ("Số hộ làm nông, lâm, ngư nghiệp có mức sống trung bình (7)", ""), ("Số khẩu nghèo (9)", ""),
            ("Số khẩu cận nghèo (11)", ""), ("Số khẩu hộ có mức sống trung bình (13)", ""), ("Năm", "year")]


REVIEW = ImportKind(
    name="review",
    required=("commune",),
    optional=("year", "seq", "unit_label", "summary_total", "summary_households", "summary_persons",
              "change_poor_start", "change_poor_down", "change_poor_up", "change_poor_end",
              "change_near_poor_start", "change_near_poor_down", "change_near_poor_up", "change_near_poor_end",
              "deprivation_poor", "deprivation_near_poor", "poor_households", "near_poor_households",
              "deprivations_total"),
    key_field="commune",
    recognise=_recognise,
    build=build_review,
    tables=("review_figure",),
    template=_template,
    lone_field=_lone,
    group_field=_group,
    keeps_totals=True,
)
