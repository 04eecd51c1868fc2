"""Budget: the plan and the cumulative disbursement of each project line by funding source, as
the district's execution report writes them (wide: one column per source under "Kế hoạch vốn" and
"Giải ngân lũy kế"; long: one row per line and source), written to ``budget_plan`` and
``disbursement`` (a dated snapshot)."""

from __future__ import annotations

import re
from dataclasses import dataclass
import pandas as pd

from ...reference import vintage_for_year
from ..clean import clean_text, parse_dates, parse_numbers
from ..grid import Grid, canonical_header, excel_row, flag
from ..report import ImportReport
from ... import levels
from ..resolve import unit_codes, years_of
from ...text import fold
from ..importkind import ImportKind

SOURCES = ("total", "central", "province", "district", "other")
AMOUNT_FIELDS = tuple(f"{group}_{source}" for group in ("plan", "disbursed") for source in SOURCES)
_PROJECT = re.compile(r"^(?:duan|da)(\d+)")
_SUB = re.compile(r"^(?:tieuduan|tda)(\d+)")
_BOTH = re.compile(r"^(?:duan|da)(\d+)(?:tieuduan|tda)(\d+)")
_ROMAN = re.compile(r"^\s*([IVX]{1,4})\s*[\.\):-]?\s+", re.IGNORECASE)
CAPITAL_WORDS = {"dautu": "dau_tu", "sunghiep": "su_nghiep"}  # vốn đầu tư phát triển / vốn sự nghiệp


@dataclass
class Lines:
    """What each row of an execution report is: its project and sub-project, its role
    (project | sub | capital | breakdown | unknown | orphan | empty), the row of its
    parent line (a sub-project's project row) and its capital type (from the I/II section)."""
    project: pd.Series
    sub: pd.Series
    role: pd.Series
    parent: pd.Series
    capital: pd.Series

    @property
    def is_parent(self) -> pd.Series:
        return self.role.index.to_series().isin(set(self.parent.dropna()))


def _sub_names(catalogue: dict[str, str]) -> dict[str, dict[str, str]]:
    """{project: {folded sub-project name without its number: sub code}} of the catalogue."""
    out: dict[str, dict[str, str]] = {}
    for code, name in catalogue.items():
        if "." in code:
            project, sub = code.split(".")
            words = re.split(r"\s[–-]\s", name or "", maxsplit=1)
            out.setdefault(project, {})[fold(words[-1])] = sub
    return out


def _project_lines(texts: pd.Series, seqs: pd.Series | None, catalogue: dict[str, str]) -> Lines:
    """Read the report's lines in order: "Dự án 3" (numbered 2) is the project of the
    "Tiểu dự án 1" (or 2.1 named as in the catalogue) rows under it; "I. Vốn đầu tư phát triển" and
    "II. Vốn sự nghiệp" set the capital type of what follows; rows under "Trong đó:" break the line
    above down and are not lines of their own."""
    subs_by_name = _sub_names(catalogue)
    project, sub, role, parent, capital = [], [], [], [], []
    current = current_row = current_seq = None
    section = "su_nghiep"
    breakdown = False
    for idx, text in texts.items():
        seq = "" if seqs is None or seqs[idx] is None else str(seqs[idx]).strip().rstrip(".")
        folded = fold(text or "")
        key = re.sub(r"^(\d+|[ivx]+|[a-z])(?=(duan|tieuduan|da|tda)\d)", "", folded)
        p = s = par = None
        if m := _BOTH.match(key):  # "Dự án 3 - Tiểu dự án 1" on one line
            kind, p, s = "sub", f"DA{int(m.group(1))}", f"TDA{int(m.group(2))}"
            breakdown = False
        elif m := _SUB.match(key):
            kind, p, s, par = ("sub" if current else "orphan"), current, f"TDA{int(m.group(1))}", current_row
            breakdown = False
        elif m := _PROJECT.match(key):
            kind, p = "project", f"DA{int(m.group(1))}"
            current, current_row, current_seq, breakdown = p, idx, seq, False
        elif folded.startswith("trongdo"):
            kind, breakdown = "breakdown", True
        elif (_ROMAN.match(text or "") or re.fullmatch(r"[IVX]{1,4}", seq, re.IGNORECASE)) and \
                any(w in folded for w in CAPITAL_WORDS):
            kind = "capital"
            section = next(c for w, c in CAPITAL_WORDS.items() if w in folded)
            current = current_row = current_seq = None
            breakdown = False
        elif current and current_seq and seq.startswith(current_seq + ".") and \
                (found := _sub_by_name(folded, subs_by_name.get(current, {}))):
            kind, p, s, par = "sub", current, found, current_row  # 2.1 under 2, named as in the catalogue
            breakdown = False
        elif breakdown:
            kind = "breakdown"
        elif not folded:
            kind = "empty"
        else:
            kind = "unknown"
        project.append(p)
        sub.append(s)
        role.append(kind)
        parent.append(par)
        capital.append(section)
    index = texts.index
    return Lines(pd.Series(project, index=index, dtype="object"), pd.Series(sub, index=index, dtype="object"),
                 pd.Series(role, index=index, dtype="object"), pd.Series(parent, index=index, dtype="object"),
                 pd.Series(capital, index=index, dtype="object"))


def _sub_by_name(folded: str, names: dict[str, str]) -> str | None:
    text = re.sub(r"^\d+", "", folded)
    return next((code for name, code in names.items() if name and (text.startswith(name) or name.startswith(text))
                 and len(text) >= 8), None)


def build_budget(db, grid: Grid, title, report: ImportReport, *, year=None, commune=None,
                 communes=None) -> list[tuple[str, pd.DataFrame]]:
    """Plan and/or cumulative disbursement per project line and source (wide or long layout);
    [('budget_plan', frame), ('disbursement', frame)]."""
    years = years_of(db, grid, title, report, year)
    if years is None:
        return []
    vintage = vintage_for_year(int(years.dropna().iloc[0])) if years.notna().any() else None
    org_code, source = commune, ("option" if commune else "district")
    if org_code is None and vintage is not None:
        named = [t for t in (title.unit_text, title.commune_text) if t]
        found = unit_codes(db, vintage, pd.Series(named, dtype="object"), communes_only=False)[0].dropna()
        home = levels.home_area(db)
        if len(found):  # "UBND HUYỆN HỚN QUẢN" above the table
            org_code, source = found.iloc[0], "title"
        elif home and home[0] == vintage:  # the home area's plan
            org_code, source = home[1], "home_area"
        else:
            districts = db.query("SELECT code FROM org_unit WHERE vintage = ? AND unit_type = 'district'", [vintage])
            org_code = districts[0][0] if len(districts) == 1 else None
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
    report.commune, report.commune_source = org_code, source
    if org_code is not None and vintage is not None:
        report.commune_name = db.scalar("SELECT name FROM org_unit WHERE vintage = ? AND code = ?", [vintage, org_code])
    catalogue = dict(db.query("SELECT code, name_vi FROM project"))
    texts, repairs = clean_text(grid.col("line"))
    report.encoding_repairs += repairs
    seqs = clean_text(grid.col("seq"))[0] if grid.col("seq") is not None else None
    lines = _project_lines(texts, seqs, catalogue)
    project, sub, is_parent = lines.project, lines.sub, lines.is_parent
    codes = project.where(sub.isna(), project + "." + sub.fillna(""))
    is_line = lines.role.isin(["project", "sub"])
    unknown = ~is_line | ~codes.isin(set(catalogue))
    line_col = grid.col("line")
    outside = is_line & ~codes.isin(set(catalogue))
    flag(report, grid, "line", outside, line_col, "import_err_unknown_project",
         code=codes[outside].map(_code_words))
    flag(report, grid, "line", lines.role.eq("orphan"), line_col, "import_err_sub_without_project")
    skipped = lines.role.isin(["breakdown", "capital"])
    report.skipped += [{"sheet": grid.sheet_of(i), "row": excel_row(i), "reason": lines.role[i]}
                       for i in texts.index[skipped]]
    report.rows_skipped += int(skipped.sum())
    agency = clean_text(grid.col("agency"))[0] if grid.col("agency") is not None else pd.Series(None, index=texts.index)
    # As of: a column (long layout), else the option/title date.
    as_of = pd.Series(title.as_of, index=texts.index, dtype="object")
    report.as_of_source = "title" if title.as_of else None
    if grid.col("as_of") is not None:
        col = grid.col("as_of")
        parsed, bad = parse_dates(col)
        flag(report, grid, "as_of", bad, col, "import_err_bad_date")
        as_of = parsed.where(parsed.notna(), as_of)
        report.as_of_source = "column"
    plan_rows, disb_rows = [], []
    leaf = ~is_parent & ~unknown
    parsed = {f: parse_numbers(grid.col(f)) for f in AMOUNT_FIELDS if grid.col(f) is not None}
    amounts = {f: values for f, (values, _) in parsed.items()}
    figures = pd.concat(list(amounts.values()), axis=1).notna().any(axis=1) if amounts else False
    flag(report, grid, "line", lines.role.eq("unknown") | (lines.role.eq("empty") & figures), line_col,
         "import_err_not_a_project")
    _check_parents(report, grid, lines, leaf, amounts)
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
        values, bad = parsed[field]
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
        plan = plan.assign(year=years[plan.index].astype("int64"), capital_type=lines.capital[plan.index],
                           org_vintage=vintage, org_code=org_code)
        tables.append(("budget_plan", plan[["year", "project", "sub_project", "source", "capital_type", "agency",
                                            "org_vintage", "org_code", "amount_mvnd"]].reset_index(drop=True)))
    if disb_rows:
        disb = pd.concat(disb_rows)
        disb = disb[disb.source != "total"] if row_source is None else disb
        if disb.as_of.isna().any():
            if not report.errors:  # an unreadable date cell has already said why
                report.error("import_err_no_as_of", sheet=grid.sheet)
            return []
        disb = disb.assign(year=years[disb.index].astype("int64"), capital_type=lines.capital[disb.index],
                           org_vintage=vintage, org_code=org_code)
        report.as_of = str(sorted(set(disb.as_of))[-1]) if len(disb) else None
        tables.append(("disbursement", disb[["year", "as_of", "project", "sub_project", "source", "capital_type",
                                             "org_vintage", "org_code", "amount_mvnd"]].reset_index(drop=True)))
    if not tables:
        report.error("import_err_missing_column", sheet=grid.sheet, column=canonical_header("budget", "group_plan"),
                     header=canonical_header("budget", "group_plan"))
    report.preview = pd.concat([f.assign(table=name) for name, f in tables]) if tables else None
    report.year = y
    return tables


def _code_words(code: str) -> str:
    """DA3.TDA1 as the report writes it: "Dự án 3 – Tiểu dự án 1"."""
    words = re.sub(r"TDA(\d+)", r"Tiểu dự án \1", re.sub(r"^DA(\d+)", r"Dự án \1", code))
    return words.replace(".", " – ")


def _figure(value) -> int | float:
    value = round(float(value), 3)
    return int(value) if value.is_integer() else value


def _check_parents(report: ImportReport, grid: Grid, lines: Lines, leaf: pd.Series, amounts: dict) -> None:
    """A project row above its sub-projects, and a capital section's row, are not counted: where
    they carry figures, each is compared with the sum of the lines under it (a warning naming the
    row, the column, the file's figure and the sum)."""
    groups: dict = {}
    for idx, parent in lines.parent.dropna().items():
        groups.setdefault(parent, []).append(idx)
    heading = None
    for idx, role in lines.role.items():
        if role == "capital":
            heading = idx
            groups[heading] = []
        elif heading is not None and leaf[idx]:
            groups[heading].append(idx)
    for parent, children in groups.items():
        if not children:
            continue
        for field, values in amounts.items():
            written = values[parent]
            total = values[children].sum()
            if pd.notna(written) and abs(written - total) > 0.5:
                report.warn("import_warn_parent_sum", sheet=grid.sheet_of(parent), row=excel_row(parent),
                            column=grid.label(field), value=written, col_index=grid.index(field),
                            total=_figure(total), figure=_figure(written))


# -- reading the header: amounts per source under a group ("Kế hoạch vốn / NSTW") --------------
def _lone_field(field: str | None) -> str | None:
    if field and field.startswith("src_"):
        return f"plan_{field[4:]}"  # a plan-only table: one amount column per source
    return {"group_plan": "plan_total", "group_disbursed": "disbursed_total"}.get(field, field)


def _group_field(group: str | None, field: str) -> str | None:
    if field.startswith("src_"):
        return f"{'disbursed' if group == 'group_disbursed' else 'plan'}_{field[4:]}"
    return field


def _section_rows(header, filled: pd.Series, key_empty: pd.Series) -> pd.Series:
    """None here: project rows without figures, capital sections and "Trong đó:" rows are read
    by ``_project_lines``, which needs them in order."""
    return pd.Series(False, index=filled.index)


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
