"""The look of the official review tables, written with XlsxWriter: title block (unit on the left,
national motto on the right), title and period, merged multi-level headers, a row of column
numbers with their formulas, bold total rows, number formats, a frozen header, A4 landscape print
set-up one page wide, and a closing note with the data source and the date produced.

Every text is written with ``write_string`` (and the workbook refuses to turn strings into
formulas), so a name such as ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..i18n import t

FONT = "Times New Roman"  # the font of administrative documents (Decree 30/2020)
# LibreOffice takes the separators of a number format from its language tag, Excel from the
# reader's regional settings; the vi-VN tag (0x42A) makes both show 1.749 and 0,44.
NUMBER_LOCALE = {"vi": "[$-42A]", "en": ""}


@dataclass(frozen=True)
class Col:
    """One column: the frame key, its header path (outermost group first), its column-number
    label (``"9=1-2-3-4+5+6+7+8"``), the kind of value and the width in characters."""
    key: str
    path: tuple[str, ...]
    number: str
    kind: str = "int"
    width: float = 10.0
    merge_span: bool = False  # merged down over an entity's sub-rows (TT, name)


@dataclass
class Table:
    """A table of the official form: columns and rows (dicts keyed by ``Col.key``).

    A row may carry ``_style`` (``"total"`` bold, ``"group"`` bold italic), ``_span`` (the number
    of sub-rows its merged columns cover) and ``_kinds`` (per-key overrides of the column kind).
    """
    columns: list[Col]
    rows: list[dict]
    heading: str | None = None  # a sub-heading above the table (for sheets with several tables)
    unit_note: str | None = None  # "Đơn vị tính: hộ"


@dataclass
class Sheet:
    """One worksheet: its name, the issuing unit, title, period, tables and source note."""
    name: str
    unit_lines: tuple[str, ...]
    title: str
    period: str
    tables: list[Table]
    source_note: str
    notes: list[str] = field(default_factory=list)


def new_workbook(target) -> Workbook:
    """An XlsxWriter workbook on a path or a binary stream that never writes text as a formula."""
    return xlsxwriter.Workbook(target, {"strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False, "in_memory": True,
                                        "nan_inf_to_errors": True})


class Formats:
    """The cell formats of a workbook, created once (XlsxWriter caps their number)."""

    def __init__(self, wb: Workbook, lang: str):
        base = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}
        loc = NUMBER_LOCALE.get(lang, "")
        self.wb = wb
        self.numbers = {"int": f"{loc}#,##0", "dec": f"{loc}#,##0.00", "pct": f"{loc}0.00",
                        "money": f"{loc}#,##0.0", "text": "@", "center": "@"}
        cell = {**base, "border": 1}
        self.plain = wb.add_format(base)
        self.unit_left = wb.add_format({**base, "align": "center"})
        self.unit_left_bold = wb.add_format({**base, "align": "center", "bold": True})
        self.motto = wb.add_format({**base, "align": "center", "bold": True})
        self.motto_sub = wb.add_format({**base, "align": "center", "bold": True, "underline": 1})
        self.title = wb.add_format({**base, "align": "center", "bold": True, "font_size": 14,
                                    "text_wrap": True})
        self.period = wb.add_format({**base, "align": "center", "italic": True})
        self.heading = wb.add_format({**base, "bold": True})
        self.unit_note = wb.add_format({**base, "align": "right", "italic": True})
        self.header = wb.add_format({**cell, "bold": True, "align": "center", "text_wrap": True})
        self.colnum = wb.add_format({**cell, "italic": True, "align": "center", "text_wrap": True,
                                     "font_size": 10})
        self.note = wb.add_format({**base, "italic": True, "font_size": 10})
        self.sign = wb.add_format({**base, "align": "center", "bold": True})
        self.sign_sub = wb.add_format({**base, "align": "center", "italic": True})
        self._cells: dict[tuple[str, str], object] = {}
        for style, extra in (("", {}), ("total", {"bold": True}), ("group", {"bold": True, "italic": True})):
            for kind, num in self.numbers.items():
                fmt = {**cell, **extra, "num_format": num}
                if kind == "text":
                    fmt.update(text_wrap=True, align="left")
                elif kind == "center":
                    fmt.update(align="center")
                self._cells[(style, kind)] = wb.add_format(fmt)

    def cell(self, style: str | None, kind: str):
        """The bordered format for a value of ``kind`` in a row of ``style``."""
        return self._cells[(style or "", kind)]


def _is_blank(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (
        isinstance(value, float) and (math.isnan(value) or math.isinf(value)))


def write_value(ws: Worksheet, row: int, col: int, value, fmt) -> None:
    """Write one value: text always as a string, numbers as numbers, missing as a blank."""
    if _is_blank(value):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        ws.write_string(row, col, value, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "x" if value else "", fmt)
    elif hasattr(value, "item"):  # numpy scalar
        write_value(ws, row, col, value.item(), fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _merge_text(ws: Worksheet, r0: int, c0: int, r1: int, c1: int, text: str, fmt) -> None:
    """A merged range holding ``text`` as a string (never a formula)."""
    if (r0, c0) != (r1, c1):
        ws.merge_range(r0, c0, r1, c1, "", fmt)
    ws.write_string(r0, c0, text, fmt)


def _header_levels(columns: list[Col]) -> int:
    return max(len(c.path) for c in columns)


def _lines(text: str, width_chars: float) -> int:
    """About how many wrapped lines ``text`` takes in a cell ``width_chars`` wide (bold 11 pt)."""
    words, lines, used = text.split(), 1, 0.0
    room = max(width_chars * 1.05 - 1, 4)
    for w in words:
        need = len(w) + (1 if used else 0)
        if used and used + need > room:
            lines, used = lines + 1, len(w)
        else:
            used += need
    return lines


def write_header(ws: Worksheet, fmts: Formats, top: int, columns: list[Col]) -> int:
    """Merged multi-level header rows then the column-number row (if any column has a number);
    the next free row. Row heights
    follow the wrapped text (Excel does not size rows under merged cells by itself)."""
    levels = _header_levels(columns)
    need = [1.0] * levels  # lines each header row must hold
    for level in range(levels):
        c = 0
        while c < len(columns):
            path = columns[c].path
            if level < len(path) - 1:  # a group label: spans the following columns sharing it
                end = c
                while (end + 1 < len(columns) and len(columns[end + 1].path) > level + 1
                       and columns[end + 1].path[:level + 1] == path[:level + 1]):
                    end += 1
                _merge_text(ws, top + level, c, top + level, end, path[level], fmts.header)
                need[level] = max(need[level], _lines(path[level], sum(x.width for x in columns[c:end + 1])))
                c = end + 1
            elif level == len(path) - 1:  # the leaf: merged down to the last header row
                _merge_text(ws, top + level, c, top + levels - 1, c, path[level], fmts.header)
                rows = levels - level
                lines = _lines(path[level], columns[c].width) / rows
                for r in range(level, levels):
                    need[r] = max(need[r], lines)
                c += 1
            else:
                c += 1
    for level, lines in enumerate(need):
        ws.set_row(top + level, 15 * max(1, math.ceil(lines)) + 3)
    if not any(col.number for col in columns):  # a form without a column-number row (forms 4, 5)
        return top + levels
    for c, col in enumerate(columns):
        ws.write_string(top + levels, c, col.number, fmts.colnum)
    numbers = max(_lines(col.number.replace("=", " = "), col.width) for col in columns)
    ws.set_row(top + levels, 14 * numbers + 2)
    return top + levels + 1


def write_rows(ws: Worksheet, fmts: Formats, top: int, table: Table) -> int:
    """The body of a table; the next free row."""
    r = top
    for row in table.rows:
        style = row.get("_style")
        kinds = row.get("_kinds", {})
        span = int(row.get("_span", 1))
        for c, col in enumerate(table.columns):
            if col.key not in row:
                if not (col.merge_span and row.get("_sub")):  # sub-rows leave merged cells alone
                    ws.write_blank(r, c, None, fmts.cell(style, col.kind))
                continue
            kind = kinds.get(col.key, col.kind)
            fmt = fmts.cell(style, kind)
            if col.merge_span and span > 1:
                ws.merge_range(r, c, r + span - 1, c, "", fmt)
            write_value(ws, r, c, row[col.key], fmt)
        r += 1
    return r


def write_sheet(wb: Workbook, fmts: Formats, sheet: Sheet, lang: str, produced: date | None) -> Worksheet:
    """Write one official-looking sheet; the worksheet. Without ``produced`` (a template to fill
    in later) no production date is written."""
    ws = wb.add_worksheet(sheet.name)
    ncols = max(len(tb.columns) for tb in sheet.tables)
    widths = [0.0] * ncols
    for tb in sheet.tables:
        for c, col in enumerate(tb.columns):
            widths[c] = max(widths[c], col.width)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)

    # Title block: the issuing unit on the left, the national motto on the right.
    left_end = max(1, min(2, ncols // 2 - 1))
    right_start = max(left_end + 1, ncols - max(4, ncols // 2))
    for i, line in enumerate(sheet.unit_lines[:2]):
        _merge_text(ws, i, 0, i, left_end, line, fmts.unit_left_bold if i == len(sheet.unit_lines[:2]) - 1
                    else fmts.unit_left)
    _merge_text(ws, 0, right_start, 0, ncols - 1, t("report_motto", lang), fmts.motto)
    _merge_text(ws, 1, right_start, 1, ncols - 1, t("report_motto_sub", lang), fmts.motto_sub)
    _merge_text(ws, 3, 0, 3, ncols - 1, sheet.title, fmts.title)
    ws.set_row(3, 24)
    _merge_text(ws, 4, 0, 4, ncols - 1, sheet.period, fmts.period)

    r = 5
    header_rows = None
    freeze_at = None
    for tb in sheet.tables:
        if tb.heading:
            r += 1
            ws.write_string(r, 0, tb.heading, fmts.heading)
            r += 1
        if tb.unit_note:
            _merge_text(ws, r, max(0, len(tb.columns) - 3), r, len(tb.columns) - 1, tb.unit_note,
                        fmts.unit_note)
        r += 1
        head_top = r
        r = write_header(ws, fmts, r, tb.columns)
        if freeze_at is None:
            freeze_at = r
            header_rows = (head_top, r - 1)
        r = write_rows(ws, fmts, r, tb)

    # Closing notes: the data source, the date produced, then the signature block.
    r += 1
    dated = [t("report_produced_on", lang, date=produced.strftime("%d/%m/%Y"))] if produced else []
    for line in [sheet.source_note, *sheet.notes, *dated]:
        ws.write_string(r, 0, line, fmts.note)
        r += 1
    r += 1
    _merge_text(ws, r, 0, r, left_end, t("report_sign_preparer", lang), fmts.sign)
    _merge_text(ws, r, right_start, r, ncols - 1, t("report_sign_head", lang), fmts.sign)
    _merge_text(ws, r + 1, 0, r + 1, left_end, t("report_sign_hint", lang), fmts.sign_sub)
    _merge_text(ws, r + 1, right_start, r + 1, ncols - 1, t("report_sign_hint", lang), fmts.sign_sub)

    # Frozen header (and the TT/name columns); A4 landscape, one page wide, header on every page.
    if freeze_at is not None:
        ws.freeze_panes(freeze_at, min(2, ncols))
        ws.repeat_rows(*header_rows)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.set_footer(f"&C&\"{FONT}\"&9{t('report_page', lang)} &P/&N")
    return ws
