"""``import``, ``rollback`` and ``batches`` with ``--user``: the account logs in and the command
keeps to its role and communes (issue 8); without ``--user`` they keep full rights."""

from __future__ import annotations

import json
import shutil

import pytest

from analytics import audit
from analytics.auth import Scope
from analytics.db import Database
from browser import demo_password
from conftest import cli_in_process

LOG_READER = Scope.system()  # the audit log is read with a scope that may read it

OFFICER, OFFICER_PASSWORD = demo_password("officer")   # assigned 2024:25327 (Xã Thanh An)
VIEWER, VIEWER_PASSWORD = demo_password("viewer")
HEADER = ("Mã hộ,Xã,Thôn/Ấp,Chủ hộ,Dân tộc,Số khẩu,Thu nhập BQ/người/tháng,"
          + ",".join(f"CS{i}" for i in range(1, 13)) + ",Kết quả rà soát,Năm\n")


@pytest.fixture
def db_path(demo_db_file, tmp_path) -> str:
    path = tmp_path / "scope.duckdb"
    shutil.copy(demo_db_file, path)
    return str(path)


def households_csv(tmp_path, commune: str, prefix: str):
    """A small households file of 2024 for one commune (named as offices write it)."""
    path = tmp_path / f"{prefix}.csv"
    rows = [f"{prefix}-01,{commune},Ấp 1,Nguyễn Văn Một,Kinh,4,900.000,x,x,x,,,,,,,,,,Hộ nghèo,2024",
            f"{prefix}-02,{commune},Ấp 2,Trần Thị Hai,S'tiêng,3,1.400.000,x,,,,,,,,,,,,Hộ cận nghèo,2024"]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def cli(*args, stdin: str = ""):
    """``python -m analytics ARGS`` in-process with ``stdin``; (exit code, stdout, stderr)."""
    r = cli_in_process(*args, stdin=stdin)
    return r.returncode, r.stdout, r.stderr


def as_officer(password: str = OFFICER_PASSWORD) -> dict:
    return {"stdin": password + "\n"}


def snapshot(path: str) -> tuple:
    with Database(path) as db:
        return (db.query("SELECT id, status FROM import_batch ORDER BY id"),
                db.scalar("SELECT count(*) FROM household WHERE superseded_by IS NULL"))


def test_officer_imports_a_file_of_their_commune(db_path, tmp_path):
    path = households_csv(tmp_path, "Xã Thanh An", "TA")
    code, out, err = cli("import", path, "--db", db_path, "--json",
                         "--user", OFFICER, "--password-stdin", **as_officer())
    assert code == 0, err
    report = json.loads(out)
    assert report["status"] == "committed" and report["rows_imported"] == 2
    with Database(db_path) as db:
        assert db.scalar("SELECT user_name FROM import_batch WHERE id = ?", [report["batch_id"]]) == OFFICER
        log = audit.read(db, LOG_READER, user=OFFICER)
        assert {"login", "import"} <= set(log.action)


def test_officer_cannot_import_another_communes_households(db_path, tmp_path):
    before = snapshot(db_path)
    path = households_csv(tmp_path, "Xã Minh Tâm", "MT")
    code, out, _ = cli("import", path, "--db", db_path, "--json", "--lang", "en",
                       "--user", OFFICER, "--password-stdin", **as_officer())
    assert code == 1
    report = json.loads(out)
    assert report["status"] == "rejected" and report["batch_id"] is None
    assert any("outside the ones assigned to you" in e["message"] for e in report["errors"])
    assert snapshot(db_path) == before
    # Naming the commune as an option does not get round it either.
    plain = tmp_path / "plain.csv"
    plain.write_text("Mã hộ,Họ và tên chủ hộ,Thu nhập bình quân,CS1,CS2,CS3\nH1,Lê Văn Tám,\"1.100.000\",x,x,x\n",
                     encoding="utf-8")
    code, out, _ = cli("import", plain, "--year", "2024", "--commune", "Minh Tâm",
                       "--db", db_path, "--json", "--user", OFFICER, "--password-stdin", **as_officer())
    assert code == 1 and json.loads(out)["status"] == "rejected"
    assert snapshot(db_path) == before


def test_officer_rolls_back_only_batches_of_their_communes(db_path, tmp_path):
    # The database's owner (no --user) imports a file of another commune.
    other = households_csv(tmp_path, "Xã Minh Tâm", "MT")
    code, out, err = cli("import", other, "--db", db_path, "--json")
    assert code == 0, err
    other_batch = json.loads(out)["batch_id"]
    for batch in (other_batch, 7):  # 7: the demo's 2024 review, all communes of the district
        code, out, _ = cli("rollback", batch, "--db", db_path,
                           "--user", OFFICER, "--password-stdin", **as_officer())
        assert code == 1 and "outside your communes" in out
    with Database(db_path) as db:
        assert db.query("SELECT status FROM import_batch WHERE id IN (?, 7)", [other_batch]) == \
            [("committed",), ("committed",)]
    # Their own batch they may roll back; the audit log names the account.
    own = households_csv(tmp_path, "Xã Thanh An", "TA")
    code, out, err = cli("import", own, "--db", db_path, "--json",
                         "--user", OFFICER, "--password-stdin", **as_officer())
    assert code == 0, err
    own_batch = json.loads(out)["batch_id"]
    code, _, err = cli("rollback", own_batch, "--db", db_path,
                       "--user", OFFICER, "--password-stdin", **as_officer())
    assert code == 0, err
    with Database(db_path) as db:
        assert db.scalar("SELECT rolled_back_by FROM import_batch WHERE id = ?", [own_batch]) == OFFICER
        assert audit.read(db, LOG_READER, actions=["rollback"]).user_name.tolist() == [OFFICER]


def test_batches_with_user_lists_only_the_officers_communes(db_path, tmp_path):
    cli("import", households_csv(tmp_path, "Xã Minh Tâm", "MT"), "--db", db_path)
    code, out, err = cli("import", households_csv(tmp_path, "Xã Thanh An", "TA"),
                         "--db", db_path, "--json", "--user", OFFICER, "--password-stdin", **as_officer())
    assert code == 0, err
    own_batch = json.loads(out)["batch_id"]
    code, out, _ = cli("batches", "--db", db_path, "--json")
    assert code == 0 and len(json.loads(out)) == 10  # the owner sees every batch
    code, out, err = cli("batches", "--db", db_path, "--json",
                         "--user", OFFICER, "--password-stdin", **as_officer())
    assert code == 0, err
    shown = json.loads(out)
    assert [b["id"] for b in shown] == [own_batch]
    with Database(db_path) as db:
        assert db.query("SELECT DISTINCT commune_vintage, commune_code FROM household WHERE batch_id = ?",
                        [own_batch]) == [(2024, "25327")]


def test_viewer_may_not_import_or_roll_back(db_path, tmp_path):
    before = snapshot(db_path)
    path = households_csv(tmp_path, "Xã Thanh An", "TA")
    for args in (("import", path), ("import", path, "--dry-run"), ("rollback", 7)):
        code, out, err = cli(*args, "--db", db_path, "--user", VIEWER, "--password-stdin",
                             stdin=VIEWER_PASSWORD + "\n")
        assert code == 1 and out == ""
        assert "không có quyền nhập dữ liệu" in err and "may not import data" in err
    assert snapshot(db_path) == before


def test_wrong_password_exits_1_and_is_audited(db_path, tmp_path):
    before = snapshot(db_path)
    path = households_csv(tmp_path, "Xã Thanh An", "TA")
    for args in (("import", path), ("rollback", 7), ("batches",)):
        code, out, err = cli(*args, "--db", db_path, "--user", OFFICER, "--password-stdin",
                             **as_officer("not-the-password"))
        assert code == 1 and out == ""
        assert "Sai tên đăng nhập hoặc mật khẩu" in err and "Wrong username or password" in err
    assert cli("import", path, "--db", db_path, "--user", "", "--password-stdin",
               stdin="\n")[0] == 1  # an empty name is a failed login, not full rights
    assert snapshot(db_path) == before
    with Database(db_path) as db:
        failed = audit.read(db, LOG_READER, user=OFFICER, actions=["login_failed"])
        assert len(failed) == 3 and all("bad_password" in d for d in failed.detail)
        assert "login" not in set(audit.read(db, LOG_READER, user=OFFICER).action)


def test_lockout_applies_to_the_command_line(db_path, tmp_path):
    with Database(db_path) as db:
        attempts = int(db.scalar("SELECT value FROM setting WHERE key = 'lockout_attempts'"))
    for _ in range(attempts):
        assert cli("batches", "--db", db_path, "--user", OFFICER, "--password-stdin",
                   **as_officer("not-the-password"))[0] == 1
    code, _, err = cli("batches", "--db", db_path, "--user", OFFICER, "--password-stdin",
                       **as_officer())
    assert code == 1 and "Wrong username or password" in err  # even the right password, while locked
    with Database(db_path) as db:
        assert "account_locked" in set(audit.read(db, LOG_READER, user=OFFICER).action)


def test_password_stdin_needs_user_and_help_says_what_no_user_means(db_path):
    assert cli("batches", "--db", db_path, "--password-stdin")[0] == 2
    for command in ("import", "rollback", "batches"):
        code, out, _ = cli(command, "--help")
        assert code == 0 and "--user NAME" in out and "full rights" in " ".join(out.split())
