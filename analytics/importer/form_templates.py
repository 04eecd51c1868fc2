"""The official review tables (forms 1 to 5) as templates to fill in, in their own layout: the
title block, the form's title and year, the merged multi-level header, the row of column numbers
with its formulas, and the rows of the area: a "Tổng cộng" row, each district in bold (1, 2, …)
above its communes (1.1, 1.2, …; from 1 July 2025 the communes straight under the total), each
unit in a "Hộ" and a "Nhân khẩu" row in forms 2 and 3. The figures are left empty; filled in,
the file imports as the ``review`` kind (district and total rows checked against their
communes, rates recomputed).

The headers and titles are reference data (``review_form_layout.csv``, ``review_form.csv``);
the look is the report's (``reports.layout``). The sheet stays in Vietnamese whatever the
interface language, as the official form is and as the importer reads it; only the guidance
under the table follows the language."""

from __future__ import annotations

import io
from functools import lru_cache

from .. import levels, units
from ..i18n import t
from ..reference import read_csv, vintage_for_year
from ..reports.layout import Col, Formats, Sheet, Table, new_workbook, write_sheet

FORMS = (1, 2, 3, 4, 5)
TEMPLATE_NAMES = tuple(f"review_form_{n}" for n in FORMS)
PAIRED_FORMS = (2, 3)  # a "Hộ" and a "Nhân khẩu" row per unit
SHEET_LANG = "vi"


def form_number(name: str) -> int | None:
    """The form a template name stands for ('review_form_2' -> 2), None for another name."""
    return TEMPLATE_NAMES.index(name) + 1 if name in TEMPLATE_NAMES else None


@lru_cache(maxsize=1)
def _titles() -> dict[int, str]:
    return {int(r["form"]): r["title"] for r in read_csv("review_form.csv")}


@lru_cache(maxsize=None)
def form_columns(form: int) -> tuple[Col, ...]:
    """The columns of an official form, outermost header first, with their column numbers."""
    rows = sorted((r for r in read_csv("review_form_layout.csv") if int(r["form"]) == form),
                  key=lambda r: int(r["column"]))
    out = []
    for r in rows:
        path = tuple(p.strip() for p in r["header"].split("|"))
        key, number = f"c{r['column']}", r["number"] or ""
        if path == ("TT",):
            out.append(Col(key, path, number, "center", 6, merge_span=True))
        elif path == ("Phường/ Xã",):
            out.append(Col(key, path, number, "text", 24, merge_span=True))
        elif path == ("Phân tổ",):
            out.append(Col(key, path, number, "text", 11))
        else:
            out.append(Col(key, path, number, "pct" if "=" in number or form == 5 and len(path) > 1 else "int",
                           11 if len(path) > 1 else 13))
    return tuple(out)


def area_units(db, year: int, communes: set[tuple[int, str]] | None = None) -> list[dict]:
    """The units a template lists, in order: {tt, code, name, level ('district' or 'commune')} for the
    working communes of ``year``'s units (inside the home area when one is known; only
    ``communes``, (vintage, code), when given), each district above its communes."""
    vintage = vintage_for_year(year)
    frame = units.communes(db, vintage)
    home = levels.home_area(db)
    if home is not None:
        within = levels.codes_within(db, home[0], home[1], in_vintage=vintage)
        frame = frame[frame["code"].isin(within)] if within else frame
    if communes is not None:
        frame = frame[[(vintage, str(c)) in communes for c in frame["code"]]]
    parents = {code: (parent, name, kind) for code, parent, name, kind in db.query(
        "SELECT c.code, p.code, p.name, p.unit_type FROM org_unit c "
        "LEFT JOIN org_unit p ON p.vintage = c.vintage AND p.code = c.parent_code WHERE c.vintage = ?", [vintage])}
    groups: dict[str | None, list[tuple[str, str]]] = {}
    names = {}
    for code, name in zip(frame["code"], frame["name"]):
        parent, parent_name, kind = parents.get(code, (None, None, None))
        key = parent if kind == "district" else None
        names[key] = parent_name
        groups.setdefault(key, []).append((code, name))
    out = []
    for i, (code, name) in enumerate(groups.pop(None, []), start=1):  # communes under no district
        out.append({"tt": str(i), "code": code, "name": name, "level": "commune"})
    for i, (district, members) in enumerate(sorted(groups.items()), start=len(out) + 1):
        out.append({"tt": str(i), "code": district, "name": names[district], "level": "district"})
        out += [{"tt": f"{i}.{j}", "code": code, "name": name, "level": "commune"}
                for j, (code, name) in enumerate(members, start=1)]
    return out


def _issuing_unit(db, year: int, area: list[dict]) -> str | None:
    """The unit the table is of: the home area (when of the year's units), else the one district
    listed, else the unit above the first unit listed (its province)."""
    vintage = vintage_for_year(year)
    home = levels.home_area(db)
    if home is not None and home[0] == vintage and (info := levels.unit_info(db, *home)):
        return info["name"]
    districts = [u["name"] for u in area if u["level"] == "district"]
    if len(districts) == 1:
        return districts[0]
    return db.scalar("SELECT p.name FROM org_unit u JOIN org_unit p ON p.vintage = u.vintage AND p.code = u.parent_code "
                     "WHERE u.vintage = ? AND u.code = ?", [vintage, area[0]["code"]]) if area else None


def _rows(form: int, columns: tuple[Col, ...], area: list[dict]) -> list[dict]:
    tt, name = columns[0].key, columns[1].key
    group = next((c.key for c in columns if c.path == ("Phân tổ",)), None)
    total = {"tt": "", "name": t("report_total", SHEET_LANG), "level": "total"}
    rows = []
    for unit in [total, *area]:
        style = None if unit["level"] == "commune" else "total"
        head = {"_style": style, tt: unit["tt"], name: unit["name"]}
        if form in PAIRED_FORMS:
            rows.append({**head, "_span": 2, group: t("report_row_households", SHEET_LANG)})
            rows.append({"_style": style, "_sub": True, group: t("report_row_persons", SHEET_LANG)})
        else:
            rows.append(head)
    return rows


def form_template(db, form: int, year: int, lang: str = "vi",
                  communes: set[tuple[int, str]] | None = None) -> bytes:
    """The .xlsx template of official form ``form`` for ``year``: one sheet in the form's layout
    listing the area's units (``area_units``) with empty figures, and how to fill it below."""
    columns = form_columns(form)
    area = area_units(db, year, communes)
    unit_line = (_issuing_unit(db, year, area) or "").upper()
    sheet = Sheet(name=t("template_form_sheet", SHEET_LANG, form=form),
                  unit_lines=(t("report_committee", SHEET_LANG), unit_line),
                  title=_titles()[form], period=t("report_period_year", SHEET_LANG, year=year),
                  tables=[Table(list(columns), _rows(form, columns, area))],
                  source_note=t(f"template_form_note_{'rates' if form == 5 else 'counts'}", lang),
                  notes=[t("template_form_note_parents", lang)])
    out = io.BytesIO()
    wb = new_workbook(out)
    write_sheet(wb, Formats(wb, SHEET_LANG), sheet, SHEET_LANG, produced=None)
    wb.close()
    return out.getvalue()
