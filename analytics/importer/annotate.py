"""The officer's own file back, with an error column and the bad cells highlighted, so the
errors can be fixed where they are (openpyxl)."""

from __future__ import annotations

import io
from collections import defaultdict

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from ..i18n import t
from .read import ReadError, read_workbook
from .report import ImportReport

BAD_FILL = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
ERROR_FONT = Font(color="9C0006", bold=True)


def annotated_workbook(content: bytes, file_name: str, report: ImportReport) -> bytes:
    """An .xlsx of the uploaded file with an added error column on the header row, every error
    message on its row, and the bad cells filled red (with the message as a comment)."""
    wb = _open_as_workbook(content, file_name)
    ws = wb[report.sheet] if report.sheet in wb.sheetnames else wb.worksheets[0]
    column = ws.max_column + 1
    header_row = report.header_row or 1
    head = ws.cell(header_row, column, t("import_error_column", report.lang))
    head.font = ERROR_FONT
    by_row: dict[int, list[str]] = defaultdict(list)
    general = []
    for issue in report.errors:
        if issue.row is None:
            general.append(issue.message)
            continue
        by_row[issue.row].append(f"{issue.column}: {issue.message}" if issue.column else issue.message)
        if issue.col_index is not None:
            cell = ws.cell(issue.row, issue.col_index + 1)
            cell.fill = BAD_FILL
            cell.comment = Comment(issue.message, "Kiểm tra dữ liệu")
    for row, messages in by_row.items():
        cell = ws.cell(row, column, "; ".join(messages))
        cell.font = ERROR_FONT
    if general:
        note = ws.cell(max(1, header_row - 1) if header_row > 1 else 1, column, "; ".join(general))
        note.font = ERROR_FONT
    ws.column_dimensions[head.column_letter].width = 60
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _open_as_workbook(content: bytes, file_name: str) -> Workbook:
    """The file as an openpyxl workbook: loaded as is when it is .xlsx/.xlsm, else rebuilt from
    its cells (csv, xls, ods) so the same row numbers hold."""
    if content.startswith(b"PK") and not file_name.lower().endswith(".ods"):
        try:
            return load_workbook(io.BytesIO(content))
        except Exception:  # an xlsx openpyxl cannot load: rebuild it from the cells instead
            pass
    wb = Workbook()
    wb.remove(wb.active)
    try:
        sheets = read_workbook(content, file_name).sheets
    except ReadError:
        sheets = []
    for sheet in sheets or []:
        ws = wb.create_sheet(sheet.name[:31])
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value not in ("", None):
                    ws.cell(r, c, value)
    if not wb.worksheets:
        wb.create_sheet("Sheet1")
    return wb
