"""The five official review forms for a province with two districts (Hớn Quản: Thanh An, An
Khương, Tân Khai; Bình Long: An Lộc, Thanh Lương), as ``make_fixtures.py`` writes them: every
commune's figures kept, district and total rows checked, nothing else stored. The expected
figures are written here, counted by hand from the fixtures' rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.i18n import t
from analytics.importer import import_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"
THANH_AN, AN_KHUONG, TAN_KHAI, AN_LOC, THANH_LUONG = "25327", "25330", "25357", "25324", "25333"
COMMUNES = {THANH_AN, AN_KHUONG, TAN_KHAI, AN_LOC, THANH_LUONG}


def imported(db, n: int):
    name = f"review_province_form_{n}.xlsx"
    report = import_file(db, (FIXTURES / name).read_bytes(), name)
    assert report.status == "committed", [e.to_dict() for e in report.errors]
    assert report.kind == "review" and report.year == 2024
    return report


def figures(db, form: str) -> dict:
    rows = db.query("SELECT commune_code, status, unit, measure, value FROM review_figure_current WHERE form = ?",
                    [form])
    return {(c, s, u, m): v for c, s, u, m, v in rows}


def test_form_1_keeps_households_persons_and_the_average_income_households(empty_db):
    report = imported(empty_db, 1)
    got = figures(empty_db, "summary")
    assert report.rows_imported == 40  # 5 communes x 8 counts; the rates are recomputed, not stored
    assert {c for c, *_ in got} == COMMUNES  # no district or "Toàn tỉnh" row stored
    expect = {  # (households, persons) of: all, poor, near-poor, average-income farm households
        THANH_AN: {"all": (2000, 8000), "poor": (60, 240), "near_poor": (80, 300), "average": (40, 160)},
        AN_KHUONG: {"all": (1500, 6000), "poor": (45, 180), "near_poor": (30, 120), "average": (30, 120)},
        TAN_KHAI: {"all": (4000, 15000), "poor": (20, 75), "near_poor": (50, 150), "average": (80, 300)},
        AN_LOC: {"all": (3000, 12000), "poor": (30, 120), "near_poor": (45, 180), "average": (60, 240)},
        THANH_LUONG: {"all": (1000, 4000), "poor": (50, 200), "near_poor": (40, 160), "average": (10, 40)},
    }
    for code, statuses in expect.items():
        for status, (households, persons) in statuses.items():
            assert got[(code, status, "households", "count")] == households, (code, status)
            assert got[(code, status, "persons", "count")] == persons, (code, status)
    # Bình Long (row 14) writes 90 poor households; its two communes have 30 + 50 = 80. Hớn Quản
    # and "Toàn tỉnh" add up, and every rate written is right: that is the only warning.
    assert [(w.row, w.value) for w in report.warnings] == [(14, 90)]
    assert report.warnings[0].column.endswith("(3)")
    assert report.warnings[0].message == t("import_warn_parent_sum", figure=90, total=80)
    # The two Bình Long units, not yet worked with, are adopted from the registry.
    assert empty_db.query("SELECT code, parent_code FROM org_unit WHERE vintage = 2024 AND code IN ('25324', '25333') "
                          "ORDER BY code") == [("25324", "690"), ("25333", "690")]


def test_summary_gives_each_commune_of_form_1(empty_db):
    from analytics.summary import summary
    imported(empty_db, 1)
    units = {str(u["code"]): u for u in summary(empty_db, 2024)["communes"]}
    keys = ("total", "persons", "poor", "poor_persons", "near_poor", "near_poor_persons")
    assert {c: tuple(units[c][k] for k in keys) for c in COMMUNES} == {
        THANH_AN: (2000, 8000, 60, 240, 80, 300), AN_KHUONG: (1500, 6000, 45, 180, 30, 120),
        TAN_KHAI: (4000, 15000, 20, 75, 50, 150), AN_LOC: (3000, 12000, 30, 120, 45, 180),
        THANH_LUONG: (1000, 4000, 50, 200, 40, 160)}
    assert {units[c]["source"] for c in COMMUNES} == {"review"}
    assert units[THANH_LUONG]["poor_rate"] == pytest.approx(0.05)  # 50 of 1,000


@pytest.mark.parametrize("n, status, expect", [
    # (Hộ, Nhân khẩu) of: start, columns 2 to 8, end — per commune, as written in the fixture.
    (2, "poor", {THANH_AN: ([70, 8, 3, 1, 1, 0, 1, 0, 60], [280, 30, 12, 3, 4, 0, 1, 0, 240]),
                 TAN_KHAI: ([25, 3, 2, 0, 0, 0, 0, 0, 20], [88, 10, 8, 0, 0, 0, 5, 0, 75]),
                 THANH_LUONG: ([48, 2, 0, 1, 3, 0, 2, 0, 50], [190, 8, 0, 4, 12, 0, 10, 0, 200])}),
    (3, "near_poor", {AN_KHUONG: ([30, 5, 0, 1, 4, 0, 2, 0, 30], [115, 20, 0, 4, 16, 0, 13, 0, 120]),
                      AN_LOC: ([42, 2, 0, 0, 5, 0, 0, 0, 45], [170, 8, 0, 0, 18, 0, 0, 0, 180]),
                      THANH_LUONG: ([38, 0, 3, 0, 2, 0, 3, 0, 40], [150, 0, 12, 0, 8, 0, 14, 0, 160])}),
])
def test_forms_2_and_3_keep_each_communes_households_and_persons_rows(empty_db, n, status, expect):
    report = imported(empty_db, n)
    got = figures(empty_db, "change")
    assert report.rows_imported == 90  # 5 communes x 9 columns x (Hộ, Nhân khẩu)
    assert {c for c, *_ in got} == COMMUNES
    # Column 2 of form 2 is "became near-poor", of form 3 "escaped near-poverty" (above it);
    # column 3 the other way round.
    second, third = ("to_other", "above") if status == "poor" else ("above", "to_other")
    measures = ["start", second, third, "other_decrease", "from_other", "fallen_back", "newly", "other_increase", "end"]
    for code, (households, persons) in expect.items():
        assert [got[(code, status, "households", m)] for m in measures] == households, code
        assert [got[(code, status, "persons", m)] for m in measures] == persons, code
    # Every row balances and every district (and form 2's "Tổng cộng") adds up.
    assert report.warnings == []


def test_form_2_headed_by_a_total_over_two_rows_reads_every_unit_under_it(empty_db):
    """"Tổng cộng" merged over its Hộ and Nhân khẩu rows at the top: both are the total's rows,
    and the units under them are read, not skipped as lines after a total."""
    report = imported(empty_db, 2)
    assert [s["reason"] for s in report.skipped] == ["header", "header", "column_numbers"]


def test_form_4_keeps_each_indicators_households(empty_db):
    report = imported(empty_db, 4)
    got = figures(empty_db, "deprivation")
    assert report.rows_imported == 65  # 5 communes x (poor households + 12 indicators)
    assert {c for c, *_ in got} == COMMUNES
    assert {c: got[(c, "poor", "households", "count")] for c in COMMUNES} == \
        {THANH_AN: 60, AN_KHUONG: 45, TAN_KHAI: 20, AN_LOC: 30, THANH_LUONG: 50}
    assert [got[(AN_LOC, "poor", "households", f"d{i:02d}")] for i in range(1, 13)] == \
        [6, 9, 3, 2, 5, 1, 4, 2, 12, 10, 3, 7]
    assert {c: got[(c, "poor", "households", "d09")] for c in COMMUNES} == \
        {THANH_AN: 30, AN_KHUONG: 20, TAN_KHAI: 5, AN_LOC: 12, THANH_LUONG: 30}
    assert report.warnings == []


def test_form_5_keeps_each_indicators_rate_and_checks_a_district_rate_against_its_communes(empty_db):
    report = imported(empty_db, 5)
    got = figures(empty_db, "deprivation")
    assert report.rows_imported == 65
    assert {c for c, *_ in got} == COMMUNES  # the "Tổng cộng" row last, not stored either
    assert {c: got[(c, "poor", "households", "count")] for c in COMMUNES} == \
        {THANH_AN: 60, AN_KHUONG: 45, TAN_KHAI: 20, AN_LOC: 30, THANH_LUONG: 50}
    # 10 of Thanh An's 60 poor households lack indicator 1: 16.67 %; 5 of An Khương's 45: 11.11 %.
    assert [got[(THANH_AN, "poor", "percent", f"d{i:02d}")] for i in range(1, 13)] == \
        [16.67, 33.33, 8.33, 13.33, 20, 5, 25, 15, 50, 41.67, 10, 18.33]
    assert got[(AN_KHUONG, "poor", "percent", "d01")] == 11.11
    assert got[(AN_LOC, "poor", "percent", "d04")] == 6.67  # 2 of 30
    assert not any(u == "households" and m.startswith("d") for (_, _, u, m) in got)
    # Bình Long (row 11) writes 55.5 % for indicator 9; its communes' rates weighted by their poor
    # households give (40 x 30 + 60 x 50) / 80 = 52.5. District rates are not summed: Hớn Quản's
    # and the total's agree with their communes, so nothing else is warned.
    assert [(w.row, w.value) for w in report.warnings] == [(11, 55.5)]
    assert report.warnings[0].message == t("import_warn_parent_rate", figure=55.5, total=52.5)


# -- the templates of the five forms --------------------------------------------------------------
def template(db, form: int, year: int = 2024, communes=None):
    import io

    from openpyxl import load_workbook

    from analytics.importer.templates import template_workbook
    return load_workbook(io.BytesIO(template_workbook(db, f"review_form_{form}", year, communes=communes))).active


def rows_of(ws) -> list[tuple]:
    return [tuple(c.value for c in row) for row in ws.iter_rows()]


def saved(ws) -> bytes:
    import io
    out = io.BytesIO()
    ws.parent.save(out)
    return out.getvalue()


@pytest.mark.parametrize("form, title, numbers", [
    (1, "TỔNG HỢP KẾT QUẢ CHÍNH THỨC RÀ SOÁT HỘ NGHÈO; HỘ CẬN NGHÈO; HỘ LÀM NÔNG, LÂM, NGƯ NGHIỆP CÓ MỨC SỐNG TRUNG BÌNH",
     ["A", "B", "1", "2", "3", "4=3/1*100", "5", "6=5/1*100", "7", "8=7/1*100", "9", "10=9/2*100", "11",
      "12=11/2*100", "13", "14=13/2*100"]),
    (2, "TỔNG HỢP DIỄN BIẾN HỘ NGHÈO", ["A", "B", "C", "1", "2", "3", "4", "5", "6", "7", "8", "9=1-2-3-4+5+6+7+8"]),
    (3, "TỔNG HỢP DIỄN BIẾN HỘ CẬN NGHÈO", ["A", "B", "C", "1", "2", "3", "4", "5", "6", "7", "8", "9=1-2-3-4+5+6+7+8"]),
    (4, "PHÂN TÍCH CÁC CHỈ SỐ THIẾU HỤT DỊCH VỤ XÃ HỘI CƠ BẢN CỦA HỘ NGHÈO", None),
    (5, "PHÂN TÍCH TỶ LỆ CÁC CHỈ SỐ THIẾU HỤT DỊCH VỤ XÃ HỘI CƠ BẢN CỦA HỘ NGHÈO", None),
])
def test_each_forms_template_has_the_official_layout(empty_db, form, title, numbers):
    ws = template(empty_db, form)
    rows = rows_of(ws)
    assert ws.title == f"Biểu {form}" and len(ws.parent.worksheets) == 1
    assert rows[0][0] == "ỦY BAN NHÂN DÂN" and rows[1][0] == "HUYỆN HỚN QUẢN"
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in rows[0] and "Độc lập - Tự do - Hạnh phúc" in rows[1]
    assert (rows[3][0], rows[4][0]) == (title, "Năm 2024")
    head = next(i for i, r in enumerate(rows) if r[0] == "TT")
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert "A7:A9" in merged if form <= 3 else "A7:A8" in merged  # TT merged down the header
    if numbers:  # the column-number row under a three-row header
        assert [str(v) for v in rows[head + 3]] == numbers
        first = head + 4
    else:  # forms 4 and 5: the 12 indicators numbered under one group, no column-number row
        assert [str(v) for v in rows[head + 1][-12:]] == [str(n) for n in range(1, 13)]
        first = head + 2
    step = 2 if form in (2, 3) else 1
    body = rows[first:first + 15 * step:step]
    assert [r[:2] for r in body[:4]] == [("", "Tổng cộng"), ("1", "Huyện Hớn Quản"), ("1.1", "Xã Thanh An"),
                                         ("1.2", "Xã An Khương")]
    assert body[14][:2] == ("1.13", "Xã Tân Quan")  # the district's 13 communes
    assert ws.cell(first + 1 + step, 2).font.b and not ws.cell(first + 1 + 2 * step, 2).font.b  # district bold
    if step == 2:  # each unit a "Hộ" and a "Nhân khẩu" row, its TT and name merged over both
        assert [r[2] for r in rows[first:first + 4]] == ["Hộ", "Nhân khẩu"] * 2
        assert f"B{first + 1}:B{first + 2}" in merged
    assert all(v is None for r in body for v in r[2 + (step == 2):])  # figures left to fill


def test_the_template_lists_an_officers_communes_and_the_2025_units_without_districts(empty_db):
    ws = template(empty_db, 4, communes={(2024, "25330")})
    assert [r[:2] for r in rows_of(ws)[8:11]] == [("", "Tổng cộng"), ("1", "Huyện Hớn Quản"), ("1.1", "Xã An Khương")]
    ws = template(empty_db, 1, year=2025)
    body = rows_of(ws)[10:16]
    assert body[0][:2] == ("", "Tổng cộng") and [r[0] for r in body[1:]] == ["1", "2", "3", "4", "5"]
    assert rows_of(ws)[1][0] == "TỈNH ĐỒNG NAI" and rows_of(ws)[4][0] == "Năm 2025"


# Per form: the figures written in the template for Thanh An and An Khương, and their sum on the
# district and total rows (counted by hand), from the first figure column on.
FILLED = {
    1: {"Xã Thanh An": [2000, 8000, 60, 3, 80, 4, 40, 2, 240, 3, 300, 3.75, 160, 2],
        "Xã An Khương": [1500, 6000, 45, 3, 30, 2, 30, 2, 180, 3, 120, 2, 120, 2],
        "sum": [3500, 14000, 105, 3, 110, 3.14, 70, 2, 420, 3, 420, 3, 280, 2]},
    2: {"Xã Thanh An": ([70, 8, 3, 1, 1, 0, 1, 0, 60], [280, 30, 12, 3, 4, 0, 1, 0, 240]),
        "Xã An Khương": ([50, 4, 2, 0, 0, 0, 1, 0, 45], [200, 16, 8, 0, 0, 0, 4, 0, 180]),
        "sum": ([120, 12, 5, 1, 1, 0, 2, 0, 105], [480, 46, 20, 3, 4, 0, 5, 0, 420])},
    3: {"Xã Thanh An": ([85, 12, 1, 0, 8, 0, 0, 0, 80], [320, 50, 4, 0, 30, 0, 4, 0, 300]),
        "Xã An Khương": ([30, 5, 0, 1, 4, 0, 2, 0, 30], [115, 20, 0, 4, 16, 0, 13, 0, 120]),
        "sum": ([115, 17, 1, 1, 12, 0, 2, 0, 110], [435, 70, 4, 4, 46, 0, 17, 0, 420])},
    4: {"Xã Thanh An": [60, 154, 10, 20, 5, 8, 12, 3, 15, 9, 30, 25, 6, 11],
        "Xã An Khương": [45, 77, 5, 10, 2, 4, 6, 1, 7, 3, 20, 12, 2, 5],
        "sum": [105, 231, 15, 30, 7, 12, 18, 4, 22, 12, 50, 37, 8, 16]},
    5: {"Xã Thanh An": [60, 16.67, 33.33, 8.33, 13.33, 20, 5, 25, 15, 50, 41.67, 10, 18.33],
        "Xã An Khương": [45, 11.11, 22.22, 4.44, 8.89, 13.33, 2.22, 15.56, 6.67, 44.44, 26.67, 4.44, 11.11],
        "sum": [105, 14.29, 28.57, 6.67, 11.43, 17.14, 3.81, 20.95, 11.43, 47.62, 35.24, 7.62, 15.24]},
}
# What each filled template must store: (form, rows imported, {(commune, status, unit, measure): value}).
STORED = {
    1: ("summary", 16, {(THANH_AN, "all", "households", "count"): 2000, (THANH_AN, "all", "persons", "count"): 8000,
                        (THANH_AN, "average", "households", "count"): 40, (THANH_AN, "average", "persons", "count"): 160,
                        (AN_KHUONG, "near_poor", "persons", "count"): 120, (AN_KHUONG, "poor", "households", "count"): 45}),
    2: ("change", 36, {(THANH_AN, "poor", "households", "start"): 70, (THANH_AN, "poor", "persons", "end"): 240,
                       (AN_KHUONG, "poor", "households", "above"): 2, (AN_KHUONG, "poor", "persons", "newly"): 4}),
    3: ("change", 36, {(THANH_AN, "near_poor", "households", "above"): 12, (THANH_AN, "near_poor", "persons", "from_other"): 30,
                       (AN_KHUONG, "near_poor", "households", "end"): 30, (AN_KHUONG, "near_poor", "persons", "newly"): 13}),
    4: ("deprivation", 26, {(THANH_AN, "poor", "households", "count"): 60, (THANH_AN, "poor", "households", "d09"): 30,
                            (AN_KHUONG, "poor", "households", "d12"): 5}),
    5: ("deprivation", 26, {(THANH_AN, "poor", "households", "count"): 60, (THANH_AN, "poor", "percent", "d09"): 50,
                            (AN_KHUONG, "poor", "percent", "d01"): 11.11}),
}


@pytest.mark.parametrize("form", [1, 2, 3, 4, 5])
def test_each_forms_template_filled_imports_the_figures_written(empty_db, form):
    ws = template(empty_db, form)
    start = 4 if form in (2, 3) else 3  # the first figure column (after TT, name and Phân tổ)
    names = {r: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    for r, name in names.items():
        key = "sum" if name in ("Tổng cộng", "Huyện Hớn Quản") else name
        if key not in FILLED[form]:
            continue
        figures_ = FILLED[form][key]
        for offset, line in enumerate(figures_ if form in (2, 3) else [figures_]):
            for c, value in enumerate(line, start=start):
                ws.cell(r + offset, c, value)
    report = import_file(empty_db, saved(ws), f"bieu{form}.xlsx")
    assert report.status == "committed", [e.to_dict() for e in report.errors]
    assert report.kind == "review" and report.year == 2024
    table, rows, expect = STORED[form]
    assert report.rows_imported == rows
    got = figures(empty_db, table)
    assert {c for c, *_ in got} == {THANH_AN, AN_KHUONG}  # the eleven communes left empty: nothing
    assert {k: got[k] for k in expect} == expect
    assert report.warnings == []  # the district and total rows add up, the rates are right


def test_a_blank_template_is_refused_as_having_no_data_rows(empty_db):
    report = import_file(empty_db, saved(template(empty_db, 2)), "bieu2.xlsx")
    assert report.status == "rejected" and report.kind == "review"
    assert [e.message for e in report.errors] == [t("import_err_no_data_rows")]
    assert empty_db.scalar("SELECT count(*) FROM import_batch") == 0


def test_a_table_of_district_rows_only_is_refused_saying_communes_are_read(empty_db):
    # A district's figures sent without its communes: nothing to import per commune, and said so.
    lines = ["TỔNG HỢP DIỄN BIẾN HỘ CẬN NGHÈO NĂM 2024",
             "TT,Đơn vị,Phân tổ,Tổng số hộ cận nghèo đầu kỳ,Diễn biến giảm số hộ cận nghèo,,,"
             "Diễn biến tăng số hộ cận nghèo,,,,Tổng số hộ cận nghèo cuối kỳ",
             ",,,,Số hộ thoát cận nghèo,Số hộ cận nghèo trở thành hộ nghèo,Số hộ khác,"
             "Số hộ nghèo trở thành hộ cận nghèo,Tái cận nghèo,Phát sinh mới,Số hộ khác,",
             ",,,1,2,3,4,5,6,7,8,9=1-2-3-4+5+6+7+8",
             "I,Huyện Hớn Quản,Hộ,80,10,2,0,5,0,7,0,80",
             "II,Thị xã Bình Long,Hộ,40,5,0,0,5,0,0,0,40",
             ",Tổng cộng,Hộ,120,15,2,0,10,0,7,0,120"]
    report = import_file(empty_db, "\n".join(lines).encode(), "huyen.csv", kind="review")
    assert report.status == "rejected"
    assert [e.message for e in report.errors] == [t("import_err_review_no_communes")]
    assert empty_db.scalar("SELECT count(*) FROM import_batch") == 0
