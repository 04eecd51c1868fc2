"""The Dữ liệu page in Debian's Chromium: files go through the real file input, the check is
shown before anything is written, and the confirmed import lands in the database."""

import shutil
from pathlib import Path

import pytest

from analytics.db import Database
from browser import error_elements, login, screenshot, start_server, wait_for_app

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_upload_through_the_file_input_check_and_confirm(demo_db_file, tmp_path, browser_page):
    path = tmp_path / "browser.duckdb"
    shutil.copy(demo_db_file, path)
    with Database(path) as db:
        batches = db.scalar("SELECT count(*) FROM import_batch")
    with start_server(path) as server:
        page = browser_page
        login(page, server.url + "/", "admin")
        page.get_by_role("link", name="Dữ liệu").click()
        wait_for_app(page)
        page.get_by_text("Nhập tệp").first.wait_for(timeout=30_000)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            [str(FIXTURES / "households_messy.xlsx"), str(FIXTURES / "bad_duplicate_id.xlsx")])
        page.get_by_text("Hợp lệ: sẵn sàng nhập.").wait_for(timeout=60_000)
        page.get_by_text("Bị từ chối").first.wait_for(timeout=30_000)
        wait_for_app(page)
        page.get_by_text("Xã Minh Đức").first.wait_for()
        assert page.get_by_text("1 lỗi: tệp chưa được nhập.").count() == 1
        screenshot(page, "data_check")
        page.get_by_role("button", name="Xác nhận nhập 1 tệp hợp lệ").click()
        page.get_by_text("Đã nhập households_messy.xlsx").wait_for(timeout=60_000)
        wait_for_app(page)
        screenshot(page, "data_committed")
        # The only error box left is the refused file's (its last line: the text after the icon).
        assert [e.splitlines()[-1] for e in error_elements(page)] == ["1 lỗi: tệp chưa được nhập."]
    with Database(path) as db:  # the server has stopped: the file is ours again
        assert db.scalar("SELECT count(*) FROM import_batch") == batches + 1
        assert db.query("SELECT file_name, rows, status FROM import_batch ORDER BY id DESC LIMIT 1") == \
            [("households_messy.xlsx", 8, "committed")]
