"""Blank templates to fill in: an instructions sheet, the data sheet with the canonical headers,
and drop-down lists for ticks, communes, years and statuses (openpyxl data validation)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .. import units
from ..i18n import t
from ..reference import read_csv, standard_years, vintage_for_year
from .form_templates import TEMPLATE_NAMES as FORM_TEMPLATES, form_number, form_template
from .kinds import KINDS, get_kind

HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
ROWS_WITH_LISTS = 2000
# The templates the Data page offers: a kind's own, except the review tables, offered as each
# official form in its layout.
TEMPLATES = tuple(k for k in KINDS if k != "review") + FORM_TEMPLATES


def template_label_key(name: str) -> str:
    """The label key naming a template (a kind's, or an official form's)."""
    return f"template_{name}" if form_number(name) else f"import_kind_{name}"


def template_columns(db, kind: str, year: int) -> list[tuple[str, str]]:
    """(header, list) of a template's columns; list is '', 'tick', 'commune', 'year' or 'status'."""
    return get_kind(kind).template(db, year)


def choice_lists(db, year: int, communes: set[tuple[int, str]] | None = None) -> dict[str, list[str]]:
    """The drop-down lists of the templates (and of the tables typed on the Data page), by name;
    the communes limited to ``communes`` (vintage, code) when given."""
    aliases = read_csv("value_alias.csv")
    ticks = [r["value"] for r in aliases if r["field"] == "tick" and r["code"] == "true"][:1]
    statuses = []
    for r in aliases:
        if r["field"] == "status" and r["value"].startswith("Hộ") and r["code"] not in {s[1] for s in statuses}:
            statuses.append((r["value"], r["code"]))
    return {
        "tick": ticks,
        "commune": _commune_names(db, year, communes),
        "year": [str(y) for y in standard_years(db)],
        "status": [s[0] for s in statuses],
        "indicator": [r[0] for r in db.query("SELECT name_vi FROM indicator ORDER BY code")],
        "support_type": [r["name_vi"] for r in read_csv("support_type.csv")],
        "source": [r[0] for r in db.query("SELECT short_vi FROM funding_source ORDER BY code")],
        "project": [r[0].split(" – ")[0] if r[1] is None else f"{r[2].split(' – ')[0]} - {r[0].split(' – ')[0]}"
                    for r in db.query("SELECT p.name_vi, p.parent_code, q.name_vi FROM project p "
                                      "LEFT JOIN project q ON q.code = p.parent_code ORDER BY p.code")],
    }


def _commune_names(db, year: int, communes: set[tuple[int, str]] | None) -> list[str]:
    """The communes of ``year``'s units, only those in ``communes`` (vintage, code) when given:
    an officer's template offers the officer's own communes."""
    vintage = vintage_for_year(year)
    frame = units.communes(db, vintage)
    if communes is not None:
        frame = frame[[(vintage, str(c)) in communes for c in frame["code"]]]
    return frame["name"].tolist()


def template_workbook(db, kind: str, year: int, lang: str = "vi",
                      communes: set[tuple[int, str]] | None = None) -> bytes:
    """An .xlsx template for ``kind`` and ``year``: instructions, the data sheet, lists (the
    communes limited to ``communes``, (vintage, code), when given); for an official review form
    (``TEMPLATES``: 'review_form_1' …) the form in its own layout (``form_templates``)."""
    if form := form_number(kind):
        return form_template(db, form, year, lang, communes)
    columns = template_columns(db, kind, year)
    lists = choice_lists(db, year, communes)
    wb = Workbook()
    guide = wb.active
    guide.title = t("import_template_guide_sheet", lang)
    guide["A1"] = t("import_template_title", lang, kind=t(f"import_kind_{kind}", lang), year=year)
    guide["A1"].font = Font(bold=True, size=14)
    for i, line in enumerate(t(f"import_template_guide_{'households' if kind == 'households' else 'other'}",
                               lang).split(" | "), start=3):
        guide.cell(i, 1, line).alignment = Alignment(wrap_text=True)
    guide.column_dimensions["A"].width = 110
    data = wb.create_sheet(t("import_template_data_sheet", lang))
    catalogue = wb.create_sheet("Danh mục")
    used = [name for name in lists if any(kind_ == name for _, kind_ in columns)]
    for c, name in enumerate(used, start=1):
        catalogue.cell(1, c, name)
        for r, value in enumerate(lists[name], start=2):
            catalogue.cell(r, c, value)
    catalogue.sheet_state = "hidden"
    for c, (header, list_name) in enumerate(columns, start=1):
        cell = data.cell(1, c, header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        data.column_dimensions[cell.column_letter].width = max(10, min(30, len(header) + 2))
        if list_name:
            k = used.index(list_name) + 1
            letter = catalogue.cell(1, k).column_letter
            n = len(lists[list_name]) + 1
            dv = DataValidation(type="list", formula1=f"='Danh mục'!${letter}$2:${letter}${n}",
                                allow_blank=True, showErrorMessage=list_name not in ("tick",))
            dv.error = t("import_template_pick", lang)
            data.add_data_validation(dv)
            dv.add(f"{cell.column_letter}2:{cell.column_letter}{ROWS_WITH_LISTS}")
    data.freeze_panes = "A2"
    wb.active = 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
