"""Workbooks and text as offices send them: several sheets of one layout, dates as serials or
text, a year typed into a date cell, a commune merged down over its rows, a header with nothing
under it, a stray cell at the bottom of the sheet, and refusals that list every error."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

from analytics.i18n import t
from analytics.importer import import_file
from analytics.importer.read import compact_sparse_sheets, read_workbook

HEADER = ["Mã hộ", "Xã", "Họ và tên chủ hộ", "Số nhân khẩu", "Thu nhập bình quân", "Phân loại hộ"]


def xlsx(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet(wb: Workbook, name: str, rows: list[list], title: str = "DANH SÁCH HỘ NGHÈO NĂM 2024", first=False):
    ws = wb.active if first else wb.create_sheet(name)
    ws.title = name
    ws["A1"] = title
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    return ws


def messages(report) -> list[str]:
    return [e.message for e in report.errors]


def starts(key: str) -> str:
    return t(key).split("{")[0]


def test_every_sheet_of_one_layout_is_read_each_row_with_its_sheet_and_hamlet(hon_quan_db):
    wb = Workbook()
    sheet(wb, "Ấp 1", [["A-1", "Xã Thanh An", "Lê A", 4, 1_000_000, "Hộ nghèo"]], first=True)
    sheet(wb, "Ấp 2", [["A-2", "Xã Thanh An", "Lê B", 3, 1_200_000, "Hộ nghèo"],
                       ["A-3", "Xã Thanh An", "Lê C", 2, "một triệu", "Hộ nghèo"]])
    report = import_file(hon_quan_db, xlsx(wb), "ap.xlsx", dry_run=True)
    assert report.rows_read == 3
    # The error of the second sheet names that sheet and its own row.
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [("Ấp 2", 4, "Thu nhập bình quân")]
    wb["Ấp 2"]["E4"] = 900_000
    report = import_file(hon_quan_db, xlsx(wb), "ap.xlsx")
    assert report.status == "committed" and report.rows_imported == 3
    rows = hon_quan_db.query("SELECT household_id, hamlet FROM household_current ORDER BY household_id")
    assert rows == [("A-1", "Ấp 1"), ("A-2", "Ấp 2"), ("A-3", "Ấp 2")]


def test_sheets_of_one_layout_per_commune_take_the_commune_of_their_title(hon_quan_db):
    wb = Workbook()
    for i, (name, commune) in enumerate([("Thanh An", "XÃ THANH AN"), ("An Khương", "XÃ AN KHƯƠNG")]):
        ws = wb.active if i == 0 else wb.create_sheet(name)
        ws.title = name
        ws["A1"] = f"UBND {commune}"
        ws["A2"] = "DANH SÁCH HỘ NGHÈO NĂM 2024"
        ws.append(["Mã hộ", "Họ và tên chủ hộ", "Thu nhập bình quân"])
        ws.append([f"K-{i}", "Lê A", 1_000_000])
    report = import_file(hon_quan_db, xlsx(wb), "communes.xlsx")
    assert report.status == "committed", messages(report)
    rows = hon_quan_db.query("SELECT household_id, commune_code FROM household_current ORDER BY household_id")
    assert rows == [("K-0", "25327"), ("K-1", "25330")]


def test_a_data_sheet_laid_out_otherwise_is_named_and_the_file_refused(empty_db):
    wb = Workbook()
    sheet(wb, "Ấp 1", [["A-1", "Xã Thanh An", "Lê A", 4, 1_000_000, "Hộ nghèo"]], first=True)
    ws = wb.create_sheet("Ấp 2")
    ws.append(["Mã hộ", "Thu nhập bình quân", "Xã"])
    ws.append(["A-2", 1_200_000, "Xã Thanh An"])
    wb.create_sheet("Hướng dẫn")["A1"] = "Điền mỗi hộ một dòng"
    report = import_file(empty_db, xlsx(wb), "two.xlsx")
    assert report.status == "rejected"
    assert any(m.startswith(starts("import_err_sheets_other_layout")) and "Ấp 2" in m and "Hướng dẫn" not in m
               for m in messages(report))
    assert empty_db.scalar("SELECT count(*) FROM import_batch") == 0


def test_a_header_with_no_rows_under_it_is_refused(empty_db):
    wb = Workbook()
    sheet(wb, "DS", [], first=True)
    report = import_file(empty_db, xlsx(wb), "header_only.xlsx")
    assert report.status == "rejected"
    assert messages(report) == [t("import_err_no_data_rows")]
    assert t("import_err_no_data_rows", "vi").startswith("Không có dòng dữ liệu nào dưới dòng tiêu đề")
    text = ",".join(HEADER) + "\n"
    report = import_file(empty_db, text.encode(), "header_only.csv")
    assert messages(report) == [t("import_err_no_data_rows")]
    assert empty_db.scalar("SELECT count(*) FROM import_batch") == 0


def test_a_stray_cell_at_the_last_row_is_named_and_the_data_read(hon_quan_db):
    wb = Workbook()
    ws = sheet(wb, "DS", [["A-1", "Xã Thanh An", "Lê A", 4, 1_000_000, "Hộ nghèo"]], first=True)
    ws.cell(1_048_576, 12, "x")
    ws.cell(900_000, 3, " ")  # spaces only: blank, not data
    content = xlsx(wb)
    # Only the rows down to the data are kept: not the million blank rows above the stray cell.
    assert [len(s.rows) for s in read_workbook(content, "stray.xlsx").sheets] == [3]
    report = import_file(hon_quan_db, content, "stray.xlsx")
    assert report.status == "committed", messages(report)
    assert report.rows_imported == 1 and report.rows_skipped == 0
    assert [w.message for w in report.warnings if "1048576" in w.message] == [
        t("import_warn_stray_cells", rows="1048576")]


def test_cells_far_below_the_data_are_named_by_their_own_rows_and_nothing_else_moves():
    wb = Workbook()
    ws = sheet(wb, "DS", [["A-1", "Xã Thanh An", "Lê A", 4, 1_000_000, "Hộ nghèo"]], first=True)
    ws.cell(700_000, 2, "ghi chú")
    ws.cell(1_048_576, 12, "x")
    content = xlsx(wb)
    # The reader is given the rows below the run moved up (not a grid of a million rows) ...
    assert compact_sparse_sheets(content)[1] == {"DS": {5004: 700_000, 5005: 1_048_576}}
    # ... and names them by their rows in the file.
    assert [(s.name, len(s.rows), s.stray_rows) for s in read_workbook(content, "far.xlsx").sheets] == [
        ("DS", 3, [700_000, 1_048_576])]
    wb = Workbook()
    wb.active["A1"] = " "  # only a blank cell above: the far cell is the sheet's data, read where it is
    wb.active["A20000"] = "y"
    (only,) = read_workbook(xlsx(wb), "far.xlsx").sheets
    assert (len(only.rows), only.rows[-1][0], only.stray_rows) == (20_000, "y", [])


def test_a_commune_merged_down_over_its_rows_applies_to_each(hon_quan_db):
    wb = Workbook()
    ws = sheet(wb, "DS", [["M-1", "Xã An Khương", "Lê A", 4, 1_000_000, "Hộ nghèo"],
                          ["M-2", None, "Lê B", 3, 1_100_000, "Hộ nghèo"],
                          ["M-3", None, "Lê C", 2, 1_200_000, "Hộ nghèo"],
                          ["M-4", "Xã Thanh An", "Lê D", 2, 1_200_000, "Hộ nghèo"]], first=True)
    ws.merge_cells("B3:B5")
    report = import_file(hon_quan_db, xlsx(wb), "merged.xlsx")
    assert report.status == "committed", messages(report)
    rows = hon_quan_db.query("SELECT household_id, commune_code FROM household_current ORDER BY household_id")
    assert rows == [("M-1", "25330"), ("M-2", "25330"), ("M-3", "25330"), ("M-4", "25327")]


def test_a_year_typed_into_a_date_cell_or_as_a_date_reads_as_its_year(hon_quan_db):
    wb = Workbook()
    ws = wb.active
    ws.append([*HEADER, "Năm"])
    ws.append(["Y-1", "Xã Thanh An", "Lê A", 4, 1_000_000, "Hộ nghèo", 2024])
    ws.append(["Y-2", "Xã Thanh An", "Lê B", 4, 1_000_000, "Hộ nghèo", date(2024, 1, 1)])
    ws.append(["Y-3", "Xã Thanh An", "Lê C", 4, 1_000_000, "Hộ nghèo", "31/12/2024"])
    ws["G2"].number_format = "dd/mm/yyyy"  # 2024 shows as 16/07/1905
    report = import_file(hon_quan_db, xlsx(wb), "years.xlsx")
    assert report.status == "committed", messages(report)
    assert report.year == 2024


def test_dates_as_excel_serials_or_text_read_as_dates(empty_db):
    lines = ["Năm,Dự án,Nguồn vốn,Kế hoạch vốn,Giải ngân lũy kế,Đến ngày",
             "2024,Dự án 2,NSTW,100,40,45565",
             "2024,Dự án 6,NSTW,50,20,30.09.2024",
             "2024,Dự án 7,NSTW,50,20,2024-09-30"]
    report = import_file(empty_db, "\n".join(lines).encode(), "serial.csv")
    assert report.status == "committed", messages(report)
    assert empty_db.query("SELECT DISTINCT as_of FROM disbursement") == [(date(2024, 9, 30),)]
    bad = lines[:2] + ["2024,Dự án 6,NSTW,50,20,31/02/2024"]
    report = import_file(empty_db, "\n".join(bad).encode(), "bad_date.csv")
    assert [(e.row, e.column) for e in report.errors] == [(3, "Đến ngày")]


def test_a_refusal_lists_every_error_a_missing_year_does_not_hide_bad_incomes(empty_db):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["E-1", "Xã Thanh An", "Lê A", 4, "nhiều", "Hộ nghèo"])
    ws.append(["E-2", "Xã Thanh An", "Lê B", 4, -5, "Hộ nghèo"])
    report = import_file(empty_db, xlsx(wb), "no_year.xlsx")
    found = messages(report)
    assert t("import_err_no_year", sheet="Sheet") in found
    assert [(e.row, e.column) for e in report.errors if e.row] == [(2, "Thu nhập bình quân"), (3, "Thu nhập bình quân")]
