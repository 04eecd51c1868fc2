"""Hostile input is stored as text and shown as text: SQL fragments and HTML/script in file names,
sheet names, headers, commune names and cell values; path traversal in uploaded names; huge
passwords and usernames at the login form."""

from __future__ import annotations

import io
import re
import json
import shutil

import pytest
from openpyxl import Workbook

from analytics import auth
from analytics.db import Database
from analytics.importer import import_file
from analytics.importer.listing import household_list
from browser import demo_password
from conftest import ROOT, open_app, refusal, run_cli

SQL = "x'); DROP TABLE household; --"
HTML = "<img src=x onerror=alert(1)><script>alert(2)</script>"
FORMULA = '=HYPERLINK("http://evil.example","bấm")'
HEADER = ["Mã hộ", "Xã", "Thôn/Ấp", "Chủ hộ", "Dân tộc", "Số khẩu", "Thu nhập BQ/người/tháng",
          *[f"CS{i}" for i in range(1, 13)], "Kết quả rà soát", "Năm"]
HOSTILE_NAMES = [SQL, HTML, FORMULA, "Robert'; DELETE FROM app_user WHERE '1'='1", "{{7*7}} ${7*7}"]
HOSTILE_FILE_NAMES = ["../../../../etc/passwd.xlsx", "..\\..\\windows\\win.ini.xlsx",
                      "'; DROP TABLE import_batch; --.xlsx", "<script>alert('tệp')</script>.xlsx",
                      "/tmp/evil\x00.xlsx"]


def hostile_workbook(commune: str = "Xã Thanh An", extra_header: str = HTML,
                     sheet: str = "Hộ'; DROP TABLE x;--<b>") -> bytes:
    """A household list whose sheet name, an extra header and the names are hostile."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([f"{SQL} {HTML}"])  # a title row above the header
    ws.append([*HEADER, extra_header, "'; SELECT * FROM app_user; --"])
    for i, name in enumerate(HOSTILE_NAMES):
        poor = i % 2 == 0
        ws.append([f"H-{i}", commune, f"Ấp {HTML}" if i == 1 else "Ấp 1", name, "Kinh", 4,
                   1_000_000, *(["x"] * 3 + [""] * 9 if poor else ["x"] + [""] * 11),
                   "Hộ nghèo" if poor else "Hộ cận nghèo", 2023, HTML, SQL])
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # a text that looks like a formula, as a typed cell would be
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def intact(db) -> dict:
    return {t: db.scalar(f"SELECT count(*) FROM {t}") for t in
            ("app_user", "org_unit", "import_batch", "setting", "user_commune")}


def test_hostile_cells_headers_sheet_and_file_names_are_stored_as_plain_text(demo_db, tmp_path):
    before = intact(demo_db)
    report = import_file(demo_db, hostile_workbook(), HOSTILE_FILE_NAMES[0], user="admin")
    assert report.status == "committed", [e for e in report.errors]
    after = intact(demo_db)
    assert after["import_batch"] == before["import_batch"] + 1
    assert {k: v for k, v in after.items() if k != "import_batch"} == \
        {k: v for k, v in before.items() if k != "import_batch"}
    rows = household_list(demo_db, 2023, commune="25327")
    assert set(HOSTILE_NAMES) <= set(rows.head_name)  # verbatim: neither executed nor mangled
    assert demo_db.scalar("SELECT file_name FROM import_batch ORDER BY id DESC LIMIT 1") == HOSTILE_FILE_NAMES[0]
    # The name was only a label: nothing was written outside the database.
    assert not (tmp_path / "etc").exists() and not list(ROOT.glob("**/passwd.xlsx"))


@pytest.mark.parametrize("file_name", HOSTILE_FILE_NAMES[1:])
def test_hostile_file_names_are_only_labels(hon_quan_db, file_name):
    report = import_file(hon_quan_db, hostile_workbook(), file_name, user="admin", dry_run=True)
    assert report.status == "valid", [e.to_dict() for e in report.errors]
    assert report.file_name == file_name  # kept verbatim (a NUL too): a label, never a path
    assert hon_quan_db.scalar("SELECT count(*) FROM import_batch") == 0  # a dry run writes nothing


def test_a_hostile_commune_name_is_an_unknown_commune_and_changes_nothing(demo_db):
    before = intact(demo_db)
    for commune in ("Xã Thanh An'; DELETE FROM org_unit; --", f"25327{HTML}", "25327 OR 1=1"):
        report = import_file(demo_db, hostile_workbook(commune=commune), "c.xlsx", user="admin")
        assert report.status == "rejected"
    assert intact(demo_db) == before


def test_searching_the_household_list_with_sql_finds_nothing_and_breaks_nothing(demo_db):
    communes = {(2024, "25327")}
    before = demo_db.scalar("SELECT count(*) FROM household")
    assert len(household_list(demo_db, 2023, communes=communes)) > 0  # the scope has households to find
    for needle in ("' OR '1'='1", "%' OR 1=1 --", "'; DROP TABLE household; --", HTML, "%", "_"):
        rows = household_list(demo_db, 2023, search=needle, communes=communes)
        assert rows.empty, needle
    assert demo_db.scalar("SELECT count(*) FROM household") == before


def test_hostile_usernames_and_passwords_at_login(demo_db):
    before = intact(demo_db)
    for username in ("admin' --", "' OR '1'='1", "admin\x00", HTML, "a" * 100_000):
        assert refusal(demo_db, username, "' OR '1'='1") == "bad_credentials"
    assert intact(demo_db) == before
    # What the log keeps of a typed username is short, whatever was typed.
    assert demo_db.scalar("SELECT max(length(user_name)) FROM audit_log") <= 64
    # The admin account is not locked by strangers' attempts under other names.
    auth.authenticate(demo_db, *demo_password("admin"))


def accounts_and_settings(db) -> dict:
    return {"setting": db.query("SELECT * FROM setting ORDER BY key"),
            "app_user": db.query("SELECT * FROM app_user ORDER BY username"),
            "user_commune": db.query("SELECT * FROM user_commune ORDER BY ALL")}


def test_hostile_account_fields_are_refused_or_kept_as_text(demo_db):
    auth.update_setting(demo_db, "password_hash_rounds", "4")
    before = accounts_and_settings(demo_db)
    with pytest.raises(auth.AuthError) as e:
        auth.create_account(demo_db, "x'; DROP TABLE app_user; --", "viewer", "long enough password")
    assert e.value.reason == "bad_username"
    name = auth.create_account(demo_db, "ok.user", "viewer", "long enough password", display_name=HTML,
                               email="a@b.vn")
    assert auth.account(demo_db, name)["display_name"] == HTML
    with pytest.raises(auth.AuthError) as e:
        auth.assign_communes(demo_db, name, [(2024, "25327' OR '1'='1")])
    assert e.value.reason == "unknown_commune"
    with pytest.raises(auth.AuthError) as e:
        auth.update_setting(demo_db, "lockout_attempts", "1; DROP TABLE setting")
    assert e.value.reason == "bad_setting"
    with pytest.raises(auth.AuthError) as e:
        auth.update_setting(demo_db, "'; DROP TABLE setting; --", "1")
    assert e.value.reason == "unknown_setting"
    # Nothing changed but the one account created.
    after = accounts_and_settings(demo_db)
    assert [r[0] for r in after["app_user"] if r not in before["app_user"]] == [name]
    assert [r for r in after["app_user"] if r[0] != name] == before["app_user"]
    assert after["setting"] == before["setting"] and after["user_commune"] == before["user_commune"]


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def test_a_10000_character_password_through_the_login_form(app_db, monkeypatch):
    username = demo_password("viewer")[0]
    password = ("Mật-khẩu dài " * 800)[:10_000]
    with Database(app_db) as db:
        auth.set_password(db, username, password, actor="tests")
    at = open_app(monkeypatch, app_db, role=None)  # not logged in: the form
    at.text_input(key="auth_username").set_value(username)
    at.text_input(key="auth_password").set_value(password[:72])  # bcrypt's own limit: not enough
    at.button[0].click().run()
    assert at.error and not at.metric
    at.text_input(key="auth_password").set_value(password)
    at.button[0].click().run()
    assert not at.exception and at.metric


def test_hostile_uploads_render_as_text_on_the_data_page(app_db, monkeypatch):
    at = open_app(monkeypatch, app_db, role="admin", page="data", timeout=90)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    # The NUL name stays out: AppTest's uploader itself refuses it (a browser never sends one).
    names = [n for n in HOSTILE_FILE_NAMES if "\x00" not in n]
    communes = ["Xã Thanh An", "Xã An Khương", "Xã An Phú", "Xã Tân Lợi"]  # one file per commune
    at.file_uploader(key="data_upload").set_value(
        [(name, hostile_workbook(commune=c), xlsx) for name, c in zip(names, communes, strict=True)]).run()
    assert not at.exception, at.exception
    # Each file is shown under its own name, its markup escaped (shown as typed: see the browser
    # test), with its check result.
    from dashboard import base
    assert [h.value for h in at.subheader] == [base.as_text(name) for name in names]
    assert [c.value for c in at.caption if c.value.startswith("Hợp lệ")] == ["Hợp lệ: sẵn sàng nhập."] * 4
    assert [m.value for m in at.metric if m.label == "Số dòng nhập"] == [str(len(HOSTILE_NAMES))] * 4
    assert at.button(key="data_confirm").label == "Xác nhận nhập 4 tệp hợp lệ"
    # No element of the page lets HTML through: markdown elements that show user text are escaped.
    for m in at.markdown:
        assert "<script>" not in m.value or m.proto.allow_html is False


@pytest.mark.browser
def test_in_the_browser_hostile_names_show_as_text_and_run_nothing(demo_db_file, tmp_path, browser_page):
    from browser import login, screenshot, start_server, wait_for_app
    path = tmp_path / "hostile.duckdb"
    shutil.copy(demo_db_file, path)
    with Database(path) as db:
        auth.update_setting(db, "password_hash_rounds", "4")
        auth.create_account(db, "hostile", "viewer", "long enough password", display_name=HTML)
        assert import_file(db, hostile_workbook(), HOSTILE_FILE_NAMES[3], user="admin").status == "committed"
    page = browser_page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with start_server(path) as server:
        login(page, server.url, "admin")
        page.locator('[data-testid="stSidebarNav"] a[href$="/data"]').first.click()
        wait_for_app(page, timeout=120_000)
        upload = tmp_path / "upload"
        upload.mkdir()
        hostile = upload / "<img src=x onerror=alert(3)>.xlsx"
        hostile.write_bytes(hostile_workbook(commune="Xã An Khương"))
        marked = upload / "..\\..\\a_b_c*star*.xlsx"  # markdown would eat the backslashes and stars
        marked.write_bytes(hostile_workbook(commune="Xã An Phú"))
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files([str(hostile), str(marked)])
        page.get_by_text("<img src=x onerror=alert(3)>.xlsx", exact=False).first.wait_for(timeout=60_000)
        page.locator("h3").get_by_text(marked.name, exact=True).first.wait_for(timeout=60_000)  # as typed
        wait_for_app(page, timeout=120_000)
        screenshot(page, "hostile-upload")
        page.locator('[data-testid="stSidebarNav"] a[href$="/admin"]').first.click()
        wait_for_app(page, timeout=120_000)
        page.get_by_text("Nhật ký").first.click()
        wait_for_app(page, timeout=120_000)
        screenshot(page, "hostile-admin")
        assert dialogs == []
        assert page.locator("img[src='x']").count() == 0 and page.locator("main script").count() == 0


# -- init --demo never reaches a real deployment ---------------------------------------------------

def test_init_demo_refuses_a_database_with_a_real_account(empty_db_file, tmp_path):
    path = tmp_path / "office.duckdb"
    shutil.copy(empty_db_file, path)
    with Database(path) as db:
        auth.create_account(db, "chutich", "admin", "mat-khau-rat-dai-2025")
    result = run_cli("init", "--demo", "--db", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "đã có tài khoản" in result.stderr
    with Database(path) as db:
        assert [r[0] for r in db.query("SELECT username FROM app_user")] == ["chutich"]
        assert db.scalar("SELECT count(*) FROM import_batch") == 0
        with pytest.raises(auth.LoginRefused):
            auth.authenticate(db, "admin", "demo-admin-2024")


def test_init_demo_on_a_database_with_data_is_a_clear_refusal(demo_db_file, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_file, path)
    with Database(path) as db:
        before = intact(db)
    result = run_cli("init", "--demo", "--db", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "ValueError" not in result.stderr
    assert "minh họa" in result.stderr
    with Database(path) as db:
        assert intact(db) == before


# -- serving: this machine only unless chosen; no error details in the browser --------------------

def test_the_server_listens_on_this_machine_only_unless_told_otherwise():
    import subprocess
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    assert config["client"]["showErrorDetails"] == "none"
    dry_run = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True,
                             env={"PATH": "/usr/bin:/bin", "POVERTY_DB": "/nonexistent/x.duckdb"})
    assert "--server.address 127.0.0.1" in dry_run.stdout
    chosen = subprocess.run(["make", "-n", "run", "ADDRESS=0.0.0.0"], cwd=ROOT, capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin", "POVERTY_DB": "/nonexistent/x.duckdb"})
    assert "--server.address 0.0.0.0" in chosen.stdout


# -- an officer imports budget files and targets only for the units they are assigned ------------

def test_an_officer_cannot_overwrite_the_districts_budget(demo_db_file, tmp_path):
    from conftest import cli_in_process

    officer, password = demo_password("officer")  # assigned Xã Thanh An (2024:25327)
    path = tmp_path / "scope.duckdb"
    shutil.copy(demo_db_file, path)
    budget = ROOT / "tests" / "fixtures" / "budget_long.csv"
    with Database(path) as db:
        plan_before = db.frame("SELECT * FROM budget_plan ORDER BY ALL")
        batches_before = db.scalar("SELECT count(*) FROM import_batch")

    def officer_import(*extra):
        result = cli_in_process("import", str(budget), "--db", str(path), "--json", "--user", officer,
                                "--password-stdin", *extra, stdin=password + "\n")
        return result.returncode, result.stdout, result.stderr

    for extra in ((), ("--commune", "25330")):  # the district's plan (from the file), a commune not theirs
        code, out, err = officer_import(*extra)
        assert code == 1, (extra, out, err)
        assert "ngoài phạm vi bạn được giao" in out
        with Database(path) as db:
            assert db.frame("SELECT * FROM budget_plan ORDER BY ALL").equals(plan_before)
            assert db.scalar("SELECT count(*) FROM import_batch") == batches_before
    # Their own commune's budget: committed, in their history, and theirs to roll back.
    code, out, err = officer_import("--commune", "25327")
    assert code == 0, err
    batch = json.loads(out)["batch_id"]
    listed = cli_in_process("batches", "--db", str(path), "--json", "--user", officer, "--password-stdin",
                            stdin=password + "\n")
    assert batch in [b["id"] for b in json.loads(listed.stdout)]
    undone = cli_in_process("rollback", str(batch), "--db", str(path), "--user", officer, "--password-stdin",
                            stdin=password + "\n")
    assert undone.returncode == 0, undone.stderr
    with Database(path) as db:
        assert db.frame("SELECT * FROM budget_plan WHERE superseded_by IS NULL ORDER BY ALL").equals(
            plan_before[plan_before.superseded_by.isna()].reset_index(drop=True))


# -- odd files and years are refused or read, never a traceback -----------------------------------

@pytest.mark.parametrize("newline", ["\r", "\r\n", "mixed"])
def test_csv_line_endings_of_any_kind_read(demo_db, newline):
    lines = ["Mã hộ,Xã,Chủ hộ,Số khẩu,Thu nhập BQ/người/tháng,Kết quả rà soát,Năm",
             "H1,Xã Thanh An,Nguyễn Văn A,4,1000000,Hộ cận nghèo,2023",
             "H2,Xã Thanh An,Lê Thị B,3,900000,Hộ cận nghèo,2023"]
    text = ("\r".join(lines[:2]) + "\n" + lines[2]) if newline == "mixed" else newline.join(lines) + newline
    report = import_file(demo_db, text.encode("utf-8"), "cr.csv", dry_run=True)
    assert report.status == "valid", [e.message for e in report.errors]
    assert report.rows_imported == 2


def test_a_year_no_unit_list_covers_is_a_refusal_not_a_traceback(demo_db_file, tmp_path):
    path = tmp_path / "y.duckdb"
    shutil.copy(demo_db_file, path)
    csv_file = tmp_path / "list.csv"
    csv_file.write_text("Mã hộ,Xã,Chủ hộ,Số khẩu,Thu nhập BQ/người/tháng,Kết quả rà soát\n"
                        "H1,Xã Thanh An,Nguyễn Văn A,4,1000000,Hộ nghèo\n", encoding="utf-8")
    result = run_cli("import", str(csv_file), "--year", "1890", "--db", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "Không có danh mục đơn vị hành chính nào cho năm này" in result.stdout


def test_an_unexpected_error_shows_a_reference_never_a_traceback(app_db, monkeypatch, caplog):
    from analytics import takeaways

    def broken(*args, **kwargs):
        raise RuntimeError("/srv/secret/path/analytics/takeaways.py exploded")

    monkeypatch.setattr(takeaways, "trend", broken)
    with caplog.at_level("ERROR", logger="dashboard"):
        at = open_app(monkeypatch, app_db, role="viewer", timeout=90)
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    reference = re.search(r"mã tham chiếu ([0-9A-F]{8})", shown).group(1)
    assert "/srv/secret" not in shown and "RuntimeError" not in shown
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and "exploded" in str(logged[0].exc_info[1])


def test_the_data_page_refuses_an_officers_district_budget(app_db, monkeypatch):
    with Database(app_db) as db:
        before = (db.data_version(), intact(db), db.frame("SELECT * FROM budget_plan ORDER BY ALL"))
    at = open_app(monkeypatch, app_db, role="officer", page="data", timeout=90)
    budget = ROOT / "tests" / "fixtures" / "budget_long.csv"
    at.file_uploader(key="data_upload").set_value([("budget_long.csv", budget.read_bytes(), "text/csv")]).run()
    assert not at.exception, at.exception
    shown = " ".join(str(d.value.to_dict()) for d in at.dataframe) + " ".join(e.value for e in at.error)
    assert "ngoài phạm vi bạn được giao" in shown
    confirm = at.button(key="data_confirm")
    assert confirm.disabled
    with Database(app_db) as db:
        after = (db.data_version(), intact(db), db.frame("SELECT * FROM budget_plan ORDER BY ALL"))
    assert after[:2] == before[:2] and after[2].equals(before[2])
