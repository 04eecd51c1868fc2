"""The Dữ liệu page under AppTest: upload several files, see what was detected before anything is
written, confirm, roll back; templates and the household list; and the page's pure helpers."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from analytics.db import Database
from analytics.importer import import_file
from analytics.importer.annotate import annotated_workbook
from analytics.importer.listing import household_list
from analytics.importer.templates import template_workbook
from conftest import open_app
from dashboard import base

FIXTURES = Path(__file__).resolve().parent / "fixtures"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def open_data_page(monkeypatch, db_path, role="admin", lang="vi"):
    at = open_app(monkeypatch, db_path, role=role, lang=lang, page="data", timeout=90)
    assert not at.exception, at.exception
    return at


def test_upload_check_confirm_and_roll_back(monkeypatch, app_db):
    at = open_data_page(monkeypatch, app_db)
    with Database(app_db) as db:
        version, batches = db.data_version(), db.scalar("SELECT count(*) FROM import_batch")
    uploader = at.file_uploader(key="data_upload")
    uploader.set_value([
        ("households_messy.xlsx", (FIXTURES / "households_messy.xlsx").read_bytes(), XLSX),
        ("bad_tick.xlsx", (FIXTURES / "bad_tick.xlsx").read_bytes(), XLSX),
    ]).run()
    assert not at.exception, at.exception
    text = " ".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [h.value for h in at.subheader])
    # Detected before anything is written: kind, year and commune, and where they came from.
    assert base.as_text("households_messy.xlsx") in text and "tiêu đề của tệp" in text  # the name, as typed
    assert "Loại dữ liệu  \n**Danh sách hộ**" in text and "Đơn vị  \n**Xã Minh Đức**" in text
    shown = [(m.label, m.value) for m in at.metric]
    assert ("Ô sửa mã phông (TCVN3/VNI)", "3") in shown and ("Năm", "2024") in shown
    assert any("1 lỗi" in e.value for e in at.error)  # the bad file's error count
    assert any("Không đọc được dấu đánh" in str(df.value.to_dict()) for df in at.dataframe)
    with Database(app_db) as db:  # nothing written yet
        assert (db.data_version(), db.scalar("SELECT count(*) FROM import_batch")) == (version, batches)
    confirm = at.button(key="data_confirm")
    assert confirm.label == "Xác nhận nhập 1 tệp hợp lệ" and not confirm.disabled
    confirm.click().run()
    assert not at.exception, at.exception
    assert any(f"Đã nhập {base.as_text('households_messy.xlsx')}" in s.value for s in at.success)
    with Database(app_db) as db:
        new = db.scalar("SELECT max(id) FROM import_batch")
        assert db.query("SELECT file_name, status, user_name FROM import_batch WHERE id = ?", [new]) == \
            [("households_messy.xlsx", "committed", "admin")]
    at.selectbox(key="data_rollback_id").set_value(new)
    at.checkbox(key="data_rollback_sure").check()
    at.button(key="FormSubmitter:data_rollback_form-Hoàn tác lô").click().run()
    assert not at.exception, at.exception
    assert any("Đã hoàn tác lô" in s.value for s in at.success)
    with Database(app_db) as db:
        assert db.scalar("SELECT status FROM import_batch WHERE id = ?", [new]) == "rolled_back"


def test_the_household_list_shows_recorded_and_computed_status(monkeypatch, app_db):
    at = open_data_page(monkeypatch, app_db)
    year = at.selectbox(key="year").value
    at.text_input(key="data_search").set_value("MD-").run()
    at.toggle(key="data_f_disagree").set_value(False).run()
    assert not at.exception, at.exception
    frames = [d.value for d in at.dataframe if "computed_status" in d.value.columns]
    assert frames and frames[-1].empty  # the demo has no MD- households
    at.text_input(key="data_search").set_value("").run()
    frames = [d.value for d in at.dataframe if "computed_status" in d.value.columns]
    with Database(app_db) as db:
        expected = household_list(db, year)
    assert len(frames[-1]) == len(expected) > 0
    assert {"recorded_status", "computed_status", "agrees"} <= set(frames[-1].columns)


def test_the_household_search_is_literal_and_ignores_case_and_accents(demo_db):
    every = household_list(demo_db, 2023)
    assert len(every) > 100
    for wildcard in ("%", "_", "%%", "25327_0001", "Nguy%"):  # LIKE's wildcards match nothing here
        assert household_list(demo_db, 2023, search=wildcard).empty, wildcard
    named = household_list(demo_db, 2023, search="NGUYEN")
    assert len(named) > 0 and all(n.startswith("Nguyễn") for n in named.head_name)
    assert household_list(demo_db, 2023, search="nguyễn").household_id.tolist() == named.household_id.tolist()
    ids = household_list(demo_db, 2023, search="25327-001")
    assert sorted(ids.household_id) == [f"25327-{i:04d}" for i in range(10, 20)]
    # A % or _ that is part of a name is found as typed.
    with demo_db.transaction() as cur:
        cur.execute("UPDATE household SET head_name = 'Lê 50%_Hoa' WHERE household_id = '25327-0001'")
    assert household_list(demo_db, 2023, search="50%_h").household_id.tolist() == ["25327-0001"]


# -- the page's pure helpers -------------------------------------------------------------------
def test_the_annotated_file_marks_the_bad_cells_and_adds_an_error_column(hon_quan_db):
    content = (FIXTURES / "bad_unknown_commune.xlsx").read_bytes()
    report = import_file(hon_quan_db, content, "bad_unknown_commune.xlsx")
    wb = load_workbook(io.BytesIO(annotated_workbook(content, "bad_unknown_commune.xlsx", report)))
    ws = wb.active
    header = [c.value for c in ws[report.header_row]]
    assert header[-1] == "Lỗi (cần sửa)"
    error = report.errors[0]
    assert error.row == 4 and "Xã" in ws.cell(4, len(header)).value
    assert ws.cell(4, error.col_index + 1).fill.start_color.rgb.endswith("FFC7CE")
    assert ws.cell(3, error.col_index + 1).fill.fill_type is None  # the good row is untouched


def test_a_csv_comes_back_as_an_annotated_workbook(hon_quan_db):
    content = b"M\xc3\xa3 h\xe1\xbb\x99,X\xc3\xa3,Thu nh\xe1\xba\xadp b\xc3\xacnh qu\xc3\xa2n,N\xc4\x83m\nA,Xa Thanh An,abc,2024\n"
    report = import_file(hon_quan_db, content, "x.csv")
    assert report.status == "rejected"
    ws = load_workbook(io.BytesIO(annotated_workbook(content, "x.csv", report))).active
    assert ws.cell(2, 3).value == "abc" and ws.cell(2, 5).value.startswith("Thu nhập")


@pytest.mark.parametrize("kind", ["households", "commune_totals", "indicators", "budget"])
def test_templates_have_instructions_lists_and_import_back(kind, demo_db):
    content = template_workbook(demo_db, kind, 2024)
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["Hướng dẫn", "Dữ liệu", "Danh mục"]
    data = wb["Dữ liệu"]
    validations = {str(dv.sqref).split(":")[0][:-1]: dv.formula1 for dv in data.data_validations.dataValidation}
    lists = wb["Danh mục"]
    assert validations, "drop-down lists"
    # Fill the template's first row from its own lists and import it back.
    headers = [c.value for c in data[1]]
    row = []
    for i, h in enumerate(headers, start=1):
        letter = data.cell(1, i).column_letter
        if letter in validations:
            col = validations[letter].split("!$")[1].split("$")[0]
            values = [c.value for c in lists[col][1:] if c.value]
            row.append("Xã Minh Đức" if "Xã Minh Đức" in values else
                       ("2024" if "2024" in values else ("Hộ nghèo" if "Hộ nghèo" in values else values[0])))
        else:
            row.append({"Mã hộ": "T-1", "Thu nhập bình quân (đồng/người/tháng)": "1.000.000", "Số nhân khẩu": 3,
                        "Tổng số hộ": 2000, "Tổng số nhân khẩu": 7000, "Kế hoạch": 5, "Thực hiện": 4,
                        "Kế hoạch vốn": 100, "Giải ngân lũy kế": 50, "Đến ngày": "30/09/2024",
                        "Thôn/Ấp": "Ấp 1", "Họ và tên chủ hộ": "Lê Văn Tám", "Dân tộc": "Kinh",
                        "Cơ quan chủ trì": "Phòng LĐ-TB&XH"}.get(h))
    for i, v in enumerate(row, start=1):
        data.cell(2, i, v)
    out = io.BytesIO()
    wb.save(out)
    report = import_file(demo_db, out.getvalue(), f"{kind}.xlsx", dry_run=True)
    assert report.errors == [], [e.to_dict() for e in report.errors]
    # One row of the file; an indicator row holds a target and an actual, a budget row a plan and
    # a disbursement: two records each.
    assert report.kind == kind and report.rows_imported == {"indicators": 2, "budget": 2}.get(kind, 1)


def test_the_data_page_lists_where_a_review_table_differs_from_the_household_lists(monkeypatch, app_db):
    from analytics.i18n import t
    from analytics.poverty import review_differences
    with Database(app_db) as db:
        report = import_file(db, (FIXTURES / "review_summary.xlsx").read_bytes(), "bieu1.xlsx")
        assert report.status == "committed", [e.to_dict() for e in report.errors]
        differing = review_differences(db, 2024)
    assert differing.code.nunique() > 0  # the demo's lists of these communes give other figures
    at = open_data_page(monkeypatch, app_db)
    label = t("data_review_differences", n=differing.code.nunique(), year=2024)
    assert label in [e.label for e in at.expander]
    shown = next(e for e in at.expander if e.label == label).dataframe[0].value
    assert set(shown["form"]) == {t("data_figure_summary_count")}  # which form's figure, in words
