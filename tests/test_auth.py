"""Accounts and the login gate: hashing, lock-out and idle expiry under a controllable clock, the
user command, the first-administrator form, and the gate in AppTest and in Chromium."""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import audit, auth
from analytics.i18n import t
from analytics.db import Database
from browser import demo_password
from conftest import (ROOT, assert_page_refused, cli_in_process, login_as, open_app, refusal,
                      shows_only_the_login_form)

LOG_READER = auth.Scope.system()  # the audit log is read with a scope that may read it

PASSWORD = "correct horse battery"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start=datetime(2031, 3, 2, 8, 0)):  # after any real write in the test
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def db(empty_db):
    auth.update_setting(empty_db, "password_hash_rounds", "4")  # fast hashes in tests
    return empty_db


def demo_accounts() -> list[dict]:
    with open(ROOT / "data" / "demo" / "accounts.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# -- passwords -------------------------------------------------------------------------------
def test_a_10000_character_password_counts_every_character(db):
    long_password = "mật khẩu " * 1111 + "x"
    assert len(long_password) >= 10_000
    auth.create_account(db, "long", "viewer", long_password)
    session, scope = auth.authenticate(db, "long", long_password)
    assert scope.username == "long" and session.method == "password"
    # bcrypt alone would read only the first 72 bytes: those must not be enough.
    for wrong in (long_password[:72], long_password[:-1] + "y"):
        assert refusal(db, "long", wrong) == "bad_credentials"


def test_hashes_are_salted_bcrypt_and_never_the_password(db):
    auth.create_account(db, "a1", "viewer", PASSWORD)
    auth.create_account(db, "a2", "viewer", PASSWORD)
    hashes = [r[0] for r in db.query("SELECT password_hash FROM app_user ORDER BY username")]
    assert hashes[0] != hashes[1] and all(h.startswith("$2b$04$") for h in hashes)
    assert not db.scalar("SELECT count(*) FROM audit_log WHERE CAST(detail AS VARCHAR) LIKE ?",
                         [f"%{PASSWORD}%"])


def test_short_passwords_unknown_roles_and_bad_usernames_are_refused(db):
    with pytest.raises(auth.AuthError) as e:
        auth.create_account(db, "shorty", "viewer", "1234567")
    assert e.value.reason == "weak_password"
    with pytest.raises(auth.AuthError) as e:
        auth.create_account(db, "boss", "superuser", PASSWORD)
    assert e.value.reason == "unknown_role"
    for name in ("x", "' OR 1=1 --", "<script>", "a" * 65, "../etc"):
        with pytest.raises(auth.AuthError) as e:
            auth.create_account(db, name, "viewer", PASSWORD)
        assert e.value.reason == "bad_username"
    assert not auth.has_accounts(db)


# -- lock-out and sessions with a controllable clock -----------------------------------------
def lockout_settings(db) -> tuple[int, int]:
    return (int(db.scalar("SELECT value FROM setting WHERE key = 'lockout_attempts'")),
            int(db.scalar("SELECT value FROM setting WHERE key = 'lockout_minutes'")))


def login_from(db, client: str, user: str, password: str, clock) -> str:
    """The refusal reason of a login from ``client``, or 'ok'."""
    try:
        auth.authenticate(db, user, password, client=client, clock=clock)
    except auth.LoginRefused as exc:
        return exc.reason
    return "ok"


def test_lock_out_holds_the_computer_that_failed_not_the_owner_elsewhere(db):
    clock = FakeClock()
    auth.create_account(db, "officer1", "officer", PASSWORD, communes=[(2024, "25327")])
    attempts, minutes = lockout_settings(db)
    for _ in range(attempts):
        assert login_from(db, "10.0.0.66", "officer1", "wrong password", clock) == "bad_credentials"
    # Locked from that computer: even the right password is refused, with the same answer.
    clock.advance(minutes=minutes - 1)
    assert login_from(db, "10.0.0.66", "officer1", PASSWORD, clock) == "bad_credentials"
    # The owner, at another computer, is not kept out by a stranger's attempts.
    assert login_from(db, "10.0.0.5", "officer1", PASSWORD, clock) == "ok"
    clock.advance(minutes=1, seconds=1)
    assert login_from(db, "10.0.0.66", "officer1", PASSWORD, clock) == "ok"
    log = audit.read(db, LOG_READER, user="officer1")
    assert (log.action == "login_failed").sum() == attempts + 1
    assert (log.action == "account_locked").sum() == 1 and (log.action == "login").sum() == 2


def test_the_lockout_settings_are_honoured_and_a_success_resets_the_count(db):
    clock = FakeClock()
    auth.update_setting(db, "lockout_attempts", "2")
    auth.create_account(db, "p1", "planner", PASSWORD)
    assert refusal(db, "p1", "nope-nope", clock) == "bad_credentials"
    auth.authenticate(db, "P1 ", PASSWORD, clock=clock)  # usernames ignore case and spaces
    assert refusal(db, "p1", "nope-nope", clock) == "bad_credentials"  # the earlier failure was forgotten
    assert refusal(db, "p1", "nope-nope", clock) == "bad_credentials"
    assert refusal(db, "p1", PASSWORD, clock) == "bad_credentials"  # now locked from this computer
    assert (audit.read(db, LOG_READER, user="p1").action == "account_locked").sum() == 1


def test_unknown_locked_and_wrong_answer_alike_with_the_same_bcrypt_work(db, monkeypatch):
    from analytics.auth import sessions

    clock = FakeClock()
    auth.update_setting(db, "lockout_attempts", "2")
    auth.create_account(db, "v1", "viewer", PASSWORD)
    auth.create_account(db, "v2", "viewer", PASSWORD)
    for _ in range(2):
        login_from(db, "10.0.0.9", "v2", "wrong-wrong", clock)
    calls = []
    real = sessions.verify_password
    monkeypatch.setattr(sessions, "verify_password", lambda *a: calls.append(1) or real(*a))
    answers = {case: login_from(db, "10.0.0.9", user, password, clock) for case, user, password in (
        ("unknown", "nobody", PASSWORD), ("wrong", "v1", "wrong-wrong"), ("locked", "v2", PASSWORD))}
    assert set(answers.values()) == {"bad_credentials"}
    assert len(calls) == 3  # one password check on every path: the same time whatever the case


def test_an_unknown_name_is_audited_without_its_text(db):
    auth.create_account(db, "v1", "viewer", PASSWORD)
    typed = "my-secret-passphrase"  # a password typed into the username field
    assert refusal(db, typed, PASSWORD) == "bad_credentials"
    failed = audit.read(db, LOG_READER, actions=["login_failed"])
    assert failed.user_name.isna().all() and len(failed) == 1
    assert db.scalar("SELECT count(*) FROM audit_log WHERE user_name LIKE ? OR detail LIKE ?",
                     [f"%{typed}%", f"%{typed}%"]) == 0


def test_a_client_failing_under_many_names_waits_longer_each_time(db):
    clock = FakeClock()
    auth.update_setting(db, "throttle_after_failures", "3")
    auth.update_setting(db, "throttle_base_seconds", "10")
    auth.create_account(db, "v1", "viewer", PASSWORD)
    for name in ("a1", "a2", "a3"):  # the third failure starts the delays
        assert login_from(db, "10.0.0.7", name, "guess", clock) == "bad_credentials"
    clock.advance(seconds=9)
    assert login_from(db, "10.0.0.7", "v1", PASSWORD, clock) == "bad_credentials"  # held back
    assert login_from(db, "10.0.0.8", "v1", PASSWORD, clock) == "ok"  # other computers are not
    clock.advance(seconds=2)
    assert login_from(db, "10.0.0.7", "a4", "guess", clock) == "bad_credentials"  # the 4th failure: 20 s
    clock.advance(seconds=19)
    assert login_from(db, "10.0.0.7", "v1", PASSWORD, clock) == "bad_credentials"
    clock.advance(seconds=2)
    assert login_from(db, "10.0.0.7", "v1", PASSWORD, clock) == "ok"
    assert "throttled" in " ".join(audit.read(db, LOG_READER, actions=["login_failed"]).detail)


def test_an_administrator_unlocks_an_account(db):
    clock = FakeClock()
    auth.update_setting(db, "lockout_attempts", "1")
    auth.create_account(db, "v1", "viewer", PASSWORD)
    assert login_from(db, "10.0.0.66", "v1", "wrong-wrong", clock) == "bad_credentials"
    assert login_from(db, "10.0.0.66", "v1", PASSWORD, clock) == "bad_credentials"
    assert auth.unlock_account(db, "v1", actor="admin1", clock=clock) is True
    assert login_from(db, "10.0.0.66", "v1", PASSWORD, clock) == "ok"
    assert auth.unlock_account(db, "v1", actor="admin1", clock=clock) is False
    assert "account_unlocked" in set(audit.read(db, LOG_READER, user="admin1").action)


def test_sessions_expire_after_the_idle_minutes_and_activity_keeps_them(db):
    clock = FakeClock()
    timeout = int(db.scalar("SELECT value FROM setting WHERE key = 'session_timeout_minutes'"))
    auth.create_account(db, "v1", "viewer", PASSWORD)
    session, _ = auth.authenticate(db, "v1", PASSWORD, clock=clock)
    for _ in range(3):  # active every (timeout - 1) minutes: never expires
        clock.advance(minutes=timeout - 1)
        session, scope = auth.resume(db, session, clock=clock)
        assert session.last_seen == clock.now and scope.role == "viewer"
    clock.advance(minutes=timeout, seconds=1)
    with pytest.raises(auth.SessionEnded) as e:
        auth.resume(db, session, clock=clock)
    assert e.value.reason == "expired"
    assert audit.read(db, LOG_READER, actions=["session_expired"]).user_name.tolist() == ["v1"]
    auth.update_setting(db, "session_timeout_minutes", str(timeout * 10))  # a setting, read live
    assert auth.resume(db, session, clock=clock)[1].username == "v1"


def test_disabling_an_account_or_changing_its_role_applies_to_open_sessions(db):
    auth.create_account(db, "admin1", "admin", PASSWORD)
    auth.create_account(db, "o1", "officer", PASSWORD, communes=[(2024, "25327")])
    session, scope = auth.authenticate(db, "o1", PASSWORD)
    assert scope.sees_households
    auth.set_role(db, "o1", "viewer", actor="admin1")
    assert not auth.resume(db, session)[1].sees_households
    auth.set_active(db, "o1", False, actor="admin1")
    with pytest.raises(auth.SessionEnded) as e:
        auth.resume(db, session)
    assert e.value.reason == "disabled"
    assert refusal(db, "o1", PASSWORD) == "disabled"
    with pytest.raises(auth.AuthError) as e:
        auth.set_active(db, "admin1", False)
    assert e.value.reason == "last_admin"
    actions = set(audit.read(db, LOG_READER).action)
    assert {"account_created", "role_changed", "account_disabled", "login"} <= actions


def test_log_ins_accounts_and_the_audit_log_leave_the_cached_figures_warm(db):
    # Only writes that change figures bump data_version (every user's caches are keyed on it);
    # a meeting where ten people log in must not recompute the dashboard ten times.
    v0 = db.data_version()
    auth.create_account(db, "admin1", "admin", PASSWORD)
    auth.create_account(db, "o1", "officer", PASSWORD, communes=[(2024, "25327")])
    session, _ = auth.authenticate(db, "o1", PASSWORD)
    assert refusal(db, "o1", "wrong password") == "bad_credentials"
    auth.set_role(db, "o1", "viewer", actor="admin1")
    auth.assign_communes(db, "o1", [(2024, "25327")], actor="admin1")
    auth.set_password(db, "o1", PASSWORD + "!", actor="admin1")
    auth.logout(db, session)
    audit.record(db, "export", "o1", {"what": "x.xlsx"})
    assert db.data_version() == v0
    # Every entry the test wrote (the fixture's setting included), each once: nothing more.
    assert sorted(audit.read(db, LOG_READER).action) == sorted(
        ["setting_changed", "account_created", "account_created", "login", "login_failed", "role_changed",
         "communes_assigned", "password_changed", "logout", "export"])
    auth.update_setting(db, "status_at_risk_share", "0.5", actor="admin1")  # a rule figures follow
    assert db.data_version() == v0 + 1


def test_the_home_area_is_refused_as_a_setting_to_type(db):
    """The home area goes through levels.set_home_area (administrators only, a registry unit checked
    and adopted): not through the settings form's free text."""
    from analytics import levels
    with pytest.raises(auth.AuthError) as e:
        auth.update_setting(db, levels.HOME_SETTING, "2024:694", actor="admin1")
    assert e.value.reason == "home_setting"
    assert t("auth_error_home_setting", "vi") != t("auth_error_home_setting", "en")
    assert levels.home_setting(db) is None and "setting_changed" not in set(audit.read(db, LOG_READER, user="admin1").action)
    levels.set_home_area(db, auth.Scope.system("admin"), 2024, "694")  # the home area's own way
    with pytest.raises(auth.AuthError):
        auth.update_setting(db, levels.HOME_SETTING, "2025:56")
    assert levels.home_setting(db) == (2024, "694")


def test_the_audit_tab_names_the_home_area_and_its_setting(app_db, monkeypatch):
    from analytics import levels
    with Database(app_db) as db:
        levels.set_home_area(db, auth.Scope.system("admin"), 2024, "694")
    for lang, setting in (("vi", "Địa bàn quản lý"), ("en", "Home area")):
        at = open_app(monkeypatch, app_db, role="admin", page="admin", lang=lang)
        assert not at.exception
        [shown] = [d for d in at.dataframe[-1].value["detail"] if "694" in d or "Hớn Quản" in d]
        assert setting in shown and "Huyện Hớn Quản" in shown, shown
        assert "2024:694" not in shown and "home_area" not in shown


def test_set_password_replaces_the_old_one_and_lifts_a_lock(db):
    clock = FakeClock()
    auth.update_setting(db, "lockout_attempts", "1")
    auth.create_account(db, "v1", "viewer", PASSWORD)
    assert refusal(db, "v1", "wrong-wrong", clock) == "bad_credentials"
    assert refusal(db, "v1", PASSWORD, clock) == "bad_credentials"  # locked: even the right password
    auth.set_password(db, "v1", "another long password", actor="admin")
    auth.authenticate(db, "v1", "another long password", clock=clock)
    auth.update_setting(db, "lockout_attempts", "5")  # a wrong password now reads as one, not as a lock
    assert refusal(db, "v1", PASSWORD, clock) == "bad_credentials"


def test_single_sign_on_maps_an_email_to_its_account(db):
    auth.create_account(db, "lead", "viewer", None, email="Lead@Example.VN")
    session, scope = auth.sso_login(db, "lead@example.vn")
    assert (session.method, scope.username, scope.role) == ("sso", "lead", "viewer")
    with pytest.raises(auth.LoginRefused):
        auth.sso_login(db, "stranger@example.vn")
    assert refusal(db, "lead", "") == "bad_credentials"  # an SSO-only account has no password to guess


# -- roles as data ---------------------------------------------------------------------------
def test_roles_come_from_the_reference_file_with_a_source():
    rows = list(csv.DictReader(open(ROOT / "data" / "reference" / "roles.csv", encoding="utf-8")))
    assert [r["role"] for r in rows] == list(auth.roles()) == ["viewer", "planner", "officer", "admin"]
    assert all(r["source"] for r in rows)
    viewer, planner, officer, admin = (auth.role(r) for r in auth.roles())
    assert viewer.households == planner.households == "none"
    assert officer.households == "assigned" and admin.households == "all"
    assert "save_scenarios" in planner.permissions and "save_scenarios" not in viewer.permissions
    assert "import_data" in officer.permissions and "manage_accounts" not in officer.permissions
    assert "admin" in admin.pages and not any("admin" in r.pages for r in (viewer, planner, officer))


def test_demo_database_has_one_account_per_role_with_its_readme_password(demo_db):
    accounts = auth.list_accounts(demo_db)
    assert sorted(accounts.role) == sorted(auth.roles())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for row in demo_accounts():
        assert row["password"] in readme and row["username"] in readme
        _, scope = auth.authenticate(demo_db, row["username"], row["password"])
        assert scope.role == row["role"]
    officer = auth.scope_for(demo_db, next(r["username"] for r in demo_accounts() if r["role"] == "officer"))
    assert officer.communes == frozenset({(2024, "25327")})


# -- audit -----------------------------------------------------------------------------------
def test_audit_log_filters_by_user_action_time_and_text(db):
    clock = FakeClock()
    audit.record(db, "export", "a", {"what": "xlsx"}, now=clock())
    clock.advance(days=2)
    audit.record(db, "import", "b", {"file": "ho_ngheo_thanh_an.xlsx"}, now=clock())
    audit.record(db, "rollback", "b", {"batch": 7}, now=clock())
    assert audit.read(db, LOG_READER, user="b").action.tolist() == ["rollback", "import"]
    assert audit.read(db, LOG_READER, actions=["export", "rollback"]).action.tolist() == ["rollback", "export"]
    assert audit.read(db, LOG_READER, since=clock.now - timedelta(days=1)).user_name.tolist() == ["b", "b"]
    assert audit.read(db, LOG_READER, user="a", until=clock.now - timedelta(days=1)).action.tolist() == ["export"]
    assert audit.read(db, LOG_READER, user="a", until=clock.now - timedelta(days=3)).empty
    assert audit.read(db, LOG_READER, text="THANH_AN").action.tolist() == ["import"]
    with pytest.raises(ValueError):
        audit.record(db, "made_up_action", "a")


@pytest.mark.parametrize("role", ["viewer", "planner", "officer"])
def test_audit_log_is_read_only_with_the_read_audit_permission(db, role):
    # The log refuses the scope itself, whoever calls it (not only the admin page).
    audit.record(db, "export", "a", {"what": "xlsx"})
    scope = auth.Scope("someone", role, frozenset({(2024, "25327")}))
    assert not scope.can("read_audit")
    with pytest.raises(auth.PermissionDenied):
        audit.read(db, scope)
    with pytest.raises(auth.PermissionDenied):
        audit.users_in_log(db, scope)
    assert audit.users_in_log(db, LOG_READER) == ["a"]


# -- the command line ------------------------------------------------------------------------
def cli(*args, stdin: str = ""):
    """``python -m analytics user ARGS`` in-process (the subprocess path is covered by test_cli)."""
    return cli_in_process("user", *args, stdin=stdin)


def test_user_command_adds_lists_assigns_changes_and_disables(tmp_path):
    path = str(tmp_path / "cli.duckdb")
    with Database(path) as db:
        auth.update_setting(db, "password_hash_rounds", "4")  # fast hashes in tests
    assert cli("add", "boss", "--role", "admin", "--password-stdin", "--db", path, stdin=PASSWORD + "\n").returncode == 0
    r = cli("add", "thanhan", "--role", "officer", "--commune", "25327", "--password-stdin", "--db", path,
            stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    assert cli("add", "x2", "--role", "viewer", "--password-stdin", "--db", path, stdin="short\n").returncode == 1
    assert cli("add", "x3", "--role", "emperor", "--db", path).returncode == 2
    assert cli("assign", "thanhan", "--commune", "99999", "--db", path).returncode == 1
    assert cli("assign", "thanhan", "--commune", "25327,2025:25345", "--db", path).returncode == 0
    assert cli("passwd", "thanhan", "--password-stdin", "--db", path, stdin="a brand new password\n").returncode == 0
    assert cli("disable", "boss", "--db", path).returncode == 1  # the last administrator stays
    assert cli("disable", "thanhan", "--db", path).returncode == 0
    listing = cli("list", "--json", "--db", path)
    import json
    rows = {r["username"]: r for r in json.loads(listing.stdout)}
    assert rows["thanhan"]["communes"] == "2024:25327 2025:25345" and rows["thanhan"]["active"] is False
    with Database(path) as db:
        assert auth.verify_password("a brand new password",
                                    db.scalar("SELECT password_hash FROM app_user WHERE username = 'thanhan'"))
        log = audit.read(db, LOG_READER)
        assert {"account_created", "communes_assigned", "password_changed", "account_disabled"} <= set(log.action)
        assert all(u.startswith("cli") for u in log.user_name.dropna())


def test_user_subcommands_have_help():
    for action in ("add", "list", "disable", "enable", "passwd", "assign"):
        r = cli(action, "--help")
        assert r.returncode == 0 and "--db" in r.stdout


# -- the gate in AppTest ---------------------------------------------------------------------
pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def page_files() -> list[str]:
    return sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))


def test_without_a_session_every_page_shows_only_the_login_form(app_db, monkeypatch):
    at = open_app(monkeypatch, app_db, role=None)
    assert shows_only_the_login_form(at)
    for page in page_files():  # no page is registered before login
        with pytest.raises(ValueError):
            at.switch_page(page)
    at.query_params["year"] = "2023"  # a shared link does not get past the gate either
    at.run()
    assert shows_only_the_login_form(at) and "125" not in str(at.main)


def test_logging_in_through_the_form_opens_the_dashboard(app_db, monkeypatch):
    username, password = demo_password("viewer")
    at = open_app(monkeypatch, app_db, role=None)
    at.text_input(key="auth_username").set_value(username)
    at.text_input(key="auth_password").set_value("wrong password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == [t("auth_refused_bad_credentials", "vi")]
    assert shows_only_the_login_form(at)
    at.text_input(key="auth_password").set_value(password)
    at.button[0].click().run()
    assert not at.exception and at.title[0].value.startswith("Tổng quan") and at.metric
    assert username in at.sidebar.caption[0].value
    at.sidebar.button(key="auth_logout").click().run()
    assert shows_only_the_login_form(at)
    with Database(app_db) as db:
        assert audit.read(db, LOG_READER, user=username).action.tolist()[:3] == ["logout", "login", "login_failed"]


def app_pages() -> list[str]:
    """The pages app.py registers."""
    return re.findall(r'st\.Page\("(pages/\w+\.py)"', (ROOT / "app.py").read_text(encoding="utf-8"))


@pytest.mark.parametrize("role", ["viewer", "planner", "officer", "admin"])
def test_each_role_gets_exactly_its_pages(app_db, monkeypatch, role):
    at = open_app(monkeypatch, app_db, role=role)
    assert not at.exception
    reachable = set()
    for page in page_files():
        try:
            at.switch_page(page)
            reachable.add(page)
        except ValueError:  # not in this session's navigation
            pass
    allowed = auth.role(role).pages
    assert reachable == {p for p in app_pages() if Path(p).stem in allowed}
    # A page the role may not open, asked for directly, draws nothing of the page. The page is
    # the session's first run (open_app runs app.py first, whose navigation would refuse it).
    for page in sorted(set(page_files()) - reachable):
        direct = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        login_as(direct, role)
        direct.switch_page(page).run()
        assert_page_refused(direct)


def test_an_idle_session_ends_at_the_login_form_with_a_notice(app_db, monkeypatch):
    at = open_app(monkeypatch, app_db, role="viewer")
    assert at.metric
    with Database(app_db) as db:
        timeout = int(db.scalar("SELECT value FROM setting WHERE key = 'session_timeout_minutes'"))
    old = at.session_state["auth_session"]
    at.session_state["auth_session"] = auth.Session(old.username, old.started_at,
                                                    old.last_seen - timedelta(minutes=timeout + 1))
    at.run()
    assert shows_only_the_login_form(at)
    assert "hết hạn" in at.warning[0].value


def test_a_session_state_value_that_is_not_a_server_session_is_ignored(app_db, monkeypatch):
    at = open_app(monkeypatch, app_db, role=None)
    assert shows_only_the_login_form(at)
    at.session_state["auth_session"] = "admin"  # e.g. a string: not a Session object
    at.session_state["auth_scope"] = "admin"
    at.run()
    assert shows_only_the_login_form(at)


def test_a_new_database_asks_for_its_first_administrator(tmp_path, monkeypatch, capsys):
    at = open_app(monkeypatch, tmp_path / "new.duckdb", role=None)
    assert not at.exception and not at.sidebar.children
    assert "tài khoản quản trị đầu tiên" in at.info[0].value
    # Whoever reaches the page first cannot take the database: the code is on the server's terminal.
    code = re.search(r"([2-9A-Z]{5}-[2-9A-Z]{5})", capsys.readouterr().err).group(1)
    at.text_input(key="auth_new_username").set_value("chutich")
    at.text_input(key="auth_new_password").set_value(PASSWORD)
    at.text_input(key="auth_new_again").set_value(PASSWORD)
    at.button[0].click().run()
    assert [e.value for e in at.error] == [t("auth_error_bad_setup_code", "vi")]
    assert at.text_input(key="auth_new_username").value == "chutich"  # the form keeps its fields
    at.text_input(key="auth_setup_code").set_value("AAAAA-BBBBB")
    at.button[0].click().run()
    assert [e.value for e in at.error] == [t("auth_error_bad_setup_code", "vi")]
    at.text_input(key="auth_setup_code").set_value(code)
    at.text_input(key="auth_new_password").set_value(PASSWORD)
    at.text_input(key="auth_new_again").set_value(PASSWORD + "!")
    at.button[0].click().run()
    assert at.error and not at.metric
    at.text_input(key="auth_new_again").set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    at.switch_page("pages/admin.py").run()
    assert at.title[0].value == "Quản trị tài khoản và nhật ký"
    at.sidebar.button(key="auth_logout").click().run()
    assert shows_only_the_login_form(at)  # from now on: the normal login form


def test_the_admin_page_creates_an_officer_with_communes_and_reads_the_audit_log(app_db, monkeypatch):
    at = open_app(monkeypatch, app_db, role="admin", page="admin")
    assert not at.exception
    at.text_input[0].set_value("tanhung")
    at.text_input[2].set_value("tanhung@example.vn")
    at.text_input[3].set_value(PASSWORD)
    role_box = next(s for s in at.selectbox if s.label == "Vai trò")
    role_box.set_value("officer")
    communes = next(m for m in at.multiselect if m.label == "Xã được giao")
    communes.set_value(["2024:25345"])
    next(b for b in at.button if b.label == "Tạo").click().run()
    assert not at.exception and "tanhung" in at.success[0].value
    with Database(app_db) as db:
        assert auth.scope_for(db, "tanhung").communes == frozenset({(2024, "25345")})
    log = at.dataframe[-1].value
    assert "account_created" not in set(log["action"])  # shown translated
    assert "Tạo tài khoản" in set(log["action"]) and "admin" in set(log["user_name"])


def test_without_secrets_the_local_login_is_used(app_db, monkeypatch):
    from dashboard import session
    assert not (ROOT / ".streamlit" / "secrets.toml").exists()
    at = open_app(monkeypatch, app_db, role=None)
    assert shows_only_the_login_form(at)
    assert not any("SSO" in b.label for b in at.button)
    assert session.sso_configured() is False


# -- in the browser --------------------------------------------------------------------------
def login_form_only(page) -> bool:
    """Whether the page settles on the login form with no navigation, figure, table or chart."""
    from browser import wait_for_app
    wait_for_app(page)
    page.get_by_label("Tên đăng nhập").wait_for(timeout=30_000)
    try:  # elements of the previous run go once the run ends
        selector = ('[data-testid="stSidebarNav"], [data-testid="stMetricValue"], '
                    '[data-testid="stDataFrame"], .js-plotly-plot')
        page.wait_for_function("s => !document.querySelector(s)", arg=selector, timeout=20_000)
    except Exception:
        return False
    return True


@pytest.mark.browser
def test_in_the_browser_every_url_without_login_shows_only_the_login_form(live_server, browser_page):
    from browser import screenshot
    page = browser_page
    # The first request of a fresh server included: it must not run a page script on its own.
    for path in ("/data?commune=25330", "/admin", "/communes?year=2023", "/?year=2023", "/scenarios"):
        page.goto(live_server.url + path)
        assert login_form_only(page), path
        assert "125" not in page.locator('[data-testid="stMain"]').inner_text()
    screenshot(page, "login-form")


@pytest.mark.browser
def test_in_the_browser_each_role_logs_in_and_sees_its_pages(live_server, browser_page):
    from browser import demo_password, login, wait_for_app
    page = browser_page
    page.goto(live_server.url)
    login_form_only(page)
    page.get_by_label("Tên đăng nhập").fill("lanhdao")
    page.get_by_label("Mật khẩu").fill("not the password")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_text("Sai tên đăng nhập hoặc mật khẩu", exact=False).wait_for(timeout=30_000)
    expected = {"viewer": ("Tổng quan", "Ngân sách"), "planner": ("Kịch bản",), "officer": ("Dữ liệu",),
                "admin": ("Quản trị", "Dữ liệu", "Kịch bản")}
    absent = {"viewer": ("Quản trị", "Dữ liệu", "Kịch bản"), "planner": ("Quản trị", "Dữ liệu"),
              "officer": ("Quản trị", "Kịch bản"), "admin": ()}
    for role in ("viewer", "planner", "officer", "admin"):
        login(page, live_server.url + "/?year=2023", role)
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        for title in expected[role]:
            assert title in nav, (role, title)
        for title in absent[role]:
            assert title not in nav, (role, title)
        assert demo_password(role)[0] in page.locator('[data-testid="stSidebar"]').inner_text()
        page.get_by_role("button", name="Đăng xuất").click()
        assert login_form_only(page)
        wait_for_app(page)


def test_with_an_auth_section_the_login_form_offers_single_sign_on(app_db, monkeypatch):
    at = open_app(monkeypatch, app_db, role=None)
    assert shows_only_the_login_form(at) and not any("SSO" in b.label for b in at.button)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s" * 32,
                          "client_id": "x", "client_secret": "y",
                          "server_metadata_url": "https://login.example.vn/.well-known/openid-configuration"}
    at.run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]  # the local login stays
    assert any("SSO" in b.label for b in at.button)


# -- the first administrator needs the code printed on the terminal ---------------------------------

def test_the_first_administrator_needs_the_one_time_code(db):
    first = auth.issue_setup_code(db)
    code = auth.issue_setup_code(db)  # a new code replaces the old one
    for wrong in ("", "AAAAA-AAAAA", first):
        with pytest.raises(auth.AuthError) as e:
            auth.create_first_admin(db, wrong, "boss", PASSWORD)
        assert e.value.reason == "bad_setup_code"
    assert not auth.has_accounts(db)
    assert auth.create_first_admin(db, code.lower().replace("-", " "), "boss", PASSWORD) == "boss"
    assert auth.account(db, "boss")["role"] == "admin"
    with pytest.raises(auth.AuthError):  # used once; and there is an administrator now
        auth.create_first_admin(db, code, "second", PASSWORD)
    assert auth.issue_setup_code(db) is None
    assert db.scalar("SELECT count(*) FROM setup_code") == 0


def test_init_prints_the_code_only_for_a_database_without_accounts(tmp_path):
    path = tmp_path / "new.duckdb"
    out = cli_in_process("init", "--db", str(path)).stdout
    code = re.search(r"([2-9A-Z]{5}-[2-9A-Z]{5})", out).group(1)
    with Database(path) as db:
        auth.update_setting(db, "password_hash_rounds", "4")
        assert auth.create_first_admin(db, code, "boss", PASSWORD) == "boss"
    assert not re.search(r"[2-9A-Z]{5}-[2-9A-Z]{5}", cli_in_process("init", "--db", str(path)).stdout)


def test_the_admin_page_unlocks_an_account(app_db, monkeypatch):
    with Database(app_db) as db:
        auth.update_setting(db, "lockout_attempts", "1")
        with pytest.raises(auth.LoginRefused):
            auth.authenticate(db, "lanhdao", "wrong-wrong", client="10.1.1.1")
        with pytest.raises(auth.LoginRefused):  # locked from that computer
            auth.authenticate(db, *demo_password("viewer"), client="10.1.1.1")
    at = open_app(monkeypatch, app_db, role="admin", page="admin")
    at.selectbox(key="admin_who").set_value("lanhdao").run()
    at.button(key="admin_unlock").click().run()
    assert not at.exception and not at.error
    with Database(app_db) as db:
        auth.authenticate(db, *demo_password("viewer"), client="10.1.1.1")
        assert "account_unlocked" in set(audit.read(db, LOG_READER, user="admin").action)
