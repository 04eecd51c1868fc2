"""From an empty database to a populated overview, in Debian's Chromium: the first administrator
(with the set-up code the server prints), the home area, the year's checklist, targets and the
budget plan from the templates, a household list, and the overview's figures."""

import io
import re
import shutil

import pytest
from openpyxl import load_workbook

from analytics.db import Database
from analytics.importer.templates import choice_lists, template_workbook
from browser import error_elements, open_in_sidebar, screenshot, start_server, wait_for_app

pytestmark = pytest.mark.browser
PASSWORD = "mot-mat-khau-dai-du-2025"
YEAR = 2025


def filled(db, kind: str, rows: list[dict]) -> bytes:
    """The template of ``kind`` for the year with ``rows`` ({header: value}, other columns left
    blank; a tick column by its number: {"ticks": 3} ticks indicators 1–3) typed into its data
    sheet."""
    book = load_workbook(io.BytesIO(template_workbook(db, kind, YEAR)))
    sheet = book.worksheets[1]
    headers = [c.value for c in sheet[1]]
    for r, row in enumerate(rows, start=2):
        values = {**row, "Năm": YEAR}
        for n in range(1, row.get("ticks", 0) + 1):
            values[next(h for h in headers if h.startswith(f"{n}. "))] = "x"
        for header, value in values.items():
            if header != "ticks":
                sheet.cell(r, headers.index(header) + 1, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_empty_database_to_a_populated_overview(empty_db_file, tmp_path, browser_page):
    path = tmp_path / "start.duckdb"
    shutil.copy(empty_db_file, path)
    scratch = tmp_path / "scratch.duckdb"
    shutil.copy(empty_db_file, scratch)
    with Database(scratch) as db:
        project = choice_lists(db, YEAR)["project"][1]
        files = {
            "chi_tieu.xlsx": filled(db, "indicators", [
                {"Đơn vị": "Tỉnh Khánh Hòa", "Chỉ tiêu": "Tỷ lệ hộ nghèo", "Kế hoạch": 0.015},
                {"Đơn vị": "Phường Nha Trang", "Chỉ tiêu": "Giảm số hộ nghèo", "Kế hoạch": 2}]),
            "ke_hoach_von.xlsx": filled(db, "budget", [
                {"Dự án": project, "Cơ quan chủ trì": "Sở Nông nghiệp và Môi trường", "Nguồn vốn": "NSTW",
                 "Kế hoạch vốn": 1200, "Giải ngân lũy kế": 300, "Đến ngày": "30/09/2025"}]),
            "ho_ngheo.xlsx": filled(db, "households", [
                {"Mã hộ": hid, "Xã": "Phường Nha Trang", "Thôn/Ấp": hamlet, "Họ và tên chủ hộ": head,
                 "Dân tộc": ethnicity, "Số nhân khẩu": members, "Thu nhập bình quân (đồng/người/tháng)": income,
                 "ticks": ticks}
                for hid, hamlet, head, ethnicity, members, income, ticks in [
                    ("KH-01", "Tổ 1", "Nguyễn Văn A", "Kinh", 4, 1_500_000, 3),
                    ("KH-02", "Tổ 2", "Trần Thị B", "Ê Đê", 3, 1_200_000, 4),
                    ("KH-03", "Tổ 2", "Lê Văn C", "Kinh", 5, 1_800_000, 1)]]),
        }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)

    with start_server(path) as server:
        page = browser_page
        page.goto(server.url + "/")
        wait_for_app(page)
        page.get_by_text("tài khoản quản trị đầu tiên").wait_for(timeout=30_000)
        code = re.search(r"([2-9A-Z]{5}-[2-9A-Z]{5})", server.log()).group(1)  # printed on the terminal
        page.get_by_role("textbox", name="Mã thiết lập").fill(code)
        page.get_by_role("textbox", name="Tên đăng nhập").fill("quantri")
        page.get_by_role("textbox", name="Mật khẩu", exact=True).fill(PASSWORD)
        page.get_by_role("textbox", name="Nhập lại mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Tạo tài khoản quản trị").click()
        page.get_by_role("button", name="Đăng xuất").wait_for(state="attached", timeout=60_000)
        wait_for_app(page)

        # The home area: Khánh Hòa (units from 1 July 2025), picked from the national registry.
        open_in_sidebar(page, "admin")
        wait_for_app(page)
        page.get_by_role("tab", name="Địa bàn").click()
        page.get_by_label("Tỉnh / thành phố").click()
        page.keyboard.type("Khánh Hòa")
        page.keyboard.press("Enter")
        wait_for_app(page)
        page.get_by_role("button", name="Lưu địa bàn").click()
        page.get_by_text("Đã đặt địa bàn: Tỉnh Khánh Hòa.").wait_for(timeout=60_000)

        # The year's checklist: everything missing, each with its template.
        open_in_sidebar(page, "data")
        wait_for_app(page)
        page.get_by_role("tab", name="Bắt đầu năm").click()
        page.locator(".st-key-data_setup_year").click()
        page.keyboard.type(str(YEAR))
        page.keyboard.press("Enter")
        wait_for_app(page)
        page.get_by_text(f"Những gì năm {YEAR} cần").wait_for(timeout=30_000)
        page.get_by_text("Chưa có: tải mẫu và nhập tệp.").first.wait_for(timeout=30_000)
        assert page.get_by_text("Chưa có: tải mẫu và nhập tệp.").count() == 4
        assert page.get_by_role("button", name="Tải mẫu").count() == 4
        screenshot(page, "empty_start_checklist")

        page.get_by_role("tab", name="Nhập tệp").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            [str(tmp_path / name) for name in files])
        page.get_by_role("button", name="Xác nhận nhập 3 tệp hợp lệ").wait_for(timeout=90_000)
        wait_for_app(page)
        page.get_by_role("button", name="Xác nhận nhập 3 tệp hợp lệ").click()
        page.get_by_text("Đã nhập ho_ngheo.xlsx").wait_for(timeout=90_000)
        wait_for_app(page)
        page.get_by_role("tab", name="Bắt đầu năm").click()
        page.get_by_text("Rà soát gần nhất: năm 2025").wait_for(timeout=30_000)
        assert page.get_by_text("Chưa có: tải mẫu và nhập tệp.").count() == 0
        screenshot(page, "empty_start_checklist_done")

        open_in_sidebar(page, "")
        wait_for_app(page, timeout=60_000)
        page.get_by_text("Địa bàn: Tỉnh Khánh Hòa").wait_for(timeout=30_000)
        metrics = page.locator('[data-testid="stMetric"]')
        poor = metrics.filter(has_text="Hộ nghèo").first.locator('[data-testid="stMetricValue"]').inner_text()
        near = metrics.filter(has_text="Hộ cận nghèo").first.locator('[data-testid="stMetricValue"]').inner_text()
        screenshot(page, "empty_start_overview")
        assert error_elements(page) == []
    with Database(path) as db:
        official = dict(db.query("SELECT coalesce(recorded_status, computed_status), count(*) FROM household "
                                 "GROUP BY ALL"))
        assert (poor, near) == (str(official["poor"]), str(official["near_poor"]))
        assert official["poor"] == 2  # 1.5 and 1.2 million a month with three deprivations, under the urban line
        assert db.scalar("SELECT count(*) FROM indicator_value_current WHERE kind = 'target'") == 2
        assert db.scalar("SELECT org_code FROM budget_plan_current LIMIT 1") == "56"
        assert db.scalar("SELECT value FROM setting WHERE key = 'home_area'") == "2025:56"
