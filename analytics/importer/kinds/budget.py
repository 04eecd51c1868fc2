"""Budget: the plan and the cumulative disbursement of each project line by funding source, as
the district's execution report writes them (wide: one column per source under "Kế hoạch vốn" and
"Giải ngân lũy kế"; long: one row per line and source), written to ``budget_plan`` and
``disbursement`` (a dated snapshot)."""

from __future__ import annotations

import re
from datetime import date, datetime

import pandas as pd

from ...reference import vintage_for_year
from ..clean import clean_text, is_empty, parse_numbers
from ..grid import Grid, canonical_header, flag
from ..report import ImportReport
from ... import levels
from ..resolve import unit_codes, years_of
from ..text import fold
from ..importkind import ImportKind

SOURCES = ("total", "central", "province", "district", "other")
AMOUNT_FIELDS = tuple(f"{group}_{source}" for group in ("plan", "disbursed") for source in SOURCES)
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
    years = years_of(db, grid, title, report, year)
    if years is None:
        return []
    vintage = vintage_for_year(int(years.dropna().iloc[0])) if years.notna().any() else None
    org_code = commune
    if org_code is None and vintage is not None:  # the home area's plan, else the only district's
        home = levels.home_area(db)
        districts = db.query("SELECT code FROM org_unit WHERE vintage = ? AND unit_type = 'district'", [vintage])
        org_code = home[1] if home and home[0] == vintage else districts[0][0] if len(districts) == 1 else None
    elif org_code is not None:
        found, shared = unit_codes(db, vintage, pd.Series([str(org_code)], dtype="object"), communes_only=False)
        resolved = found.iloc[0]
        if resolved is None:
            if shared:
                report.error("import_err_ambiguous_unit", sheet=grid.sheet, value=org_code,
                             candidates=next(iter(shared.values())).candidates_text())
            else:
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
    flag(report, grid, "line", unknown, grid.col("line"), "import_err_unknown_project")
    agency = clean_text(grid.col("agency"))[0] if grid.col("agency") is not None else pd.Series(None, index=texts.index)
    # As of: a column (long layout), else the option/title date.
    as_of = pd.Series(title.as_of, index=texts.index, dtype="object")
    report.as_of_source = "title" if title.as_of else None
    if grid.col("as_of") is not None:
        col = grid.col("as_of")
        parsed = pd.to_datetime(col.map(lambda v: v if isinstance(v, (date, datetime)) else (str(v) if v else None)),
                                errors="coerce", dayfirst=True)
        flag(report, grid, "as_of", parsed.isna() & ~is_empty(col), col, "import_err_bad_date")
        as_of = parsed.dt.date.where(parsed.notna(), as_of)
        report.as_of_source = "column"
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
        flag(report, grid, "source", row_source.isna(), source_col, "import_err_unknown_source")
        amount_fields = [("plan_total", plan_rows), ("disbursed_total", disb_rows)]
    else:
        row_source = None
        amount_fields = [(field, plan_rows if field.startswith("plan_") else disb_rows) for field in AMOUNT_FIELDS]
    totals = {}
    for field, target in amount_fields:
        col = grid.col(field)
        if col is None:
            continue
        values, bad = parse_numbers(col)
        flag(report, grid, field, bad, col, "import_err_not_number")
        flag(report, grid, field, values < 0, col, "import_err_negative")
        source = row_source if row_source is not None else pd.Series(field.split("_", 1)[1], index=texts.index)
        part = pd.DataFrame({"project": project, "sub_project": sub, "source": source, "agency": agency,
                             "amount_mvnd": values, "as_of": as_of})[leaf & values.notna()]
        target.append(part)
        totals[field] = values
    # The Tổng số column should equal the sum of the sources: a warning when it does not.
    for group in ("plan", "disbursed"):
        if f"{group}_total" in totals and row_source is None:
            parts = [totals[f"{group}_{s}"] for s in SOURCES[1:] if f"{group}_{s}" in totals]
            if parts:
                diff = (sum(p.fillna(0) for p in parts) - totals[f"{group}_total"].fillna(0)).abs() > 0.5
                flag(report, grid, f"{group}_total", diff & leaf, totals[f"{group}_total"],
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


# -- reading the header: amounts per source under a group ("Kế hoạch vốn / NSTW") --------------
def _lone_field(field: str | None) -> str | None:
    if field and field.startswith("src_"):
        return f"plan_{field[4:]}"  # a plan-only table: one amount column per source
    return {"group_plan": "plan_total", "group_disbursed": "disbursed_total"}.get(field, field)


def _group_field(group: str | None, field: str) -> str | None:
    if field.startswith("src_"):
        return f"{'disbursed' if group == 'group_disbursed' else 'plan'}_{field[4:]}"
    return field


def _section_rows(header, empties: pd.DataFrame, filled: pd.Series, key_empty: pd.Series) -> pd.Series:
    """A heading line: a line text with no amount in any column."""
    amount_cols = [c.index for c in header.columns if c.field and c.field.startswith(("plan_", "disbursed_"))]
    no_amounts = empties[amount_cols].all(axis=1) if amount_cols else True
    return ~key_empty & no_amounts


BUDGET = ImportKind(
    name="budget",
    required=("line",),
    optional=("year", "agency", "source", "as_of", *AMOUNT_FIELDS),
    key_field="line",
    recognise=lambda f: "line" in f and any(k.startswith(("plan_", "disbursed_")) for k in f),
    build=build_budget,
    tables=("budget_plan", "disbursement"),
    template=lambda db, year: [("Dự án", "project"), ("Cơ quan chủ trì", ""), ("Nguồn vốn", "source"),
                               ("Kế hoạch vốn", ""), ("Giải ngân lũy kế", ""), ("Đến ngày", ""), ("Năm", "year")],
    lone_field=_lone_field,
    group_field=_group_field,
    section_rows=_section_rows,
)
