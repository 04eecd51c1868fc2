"""The login gate (called by app.py before navigation), the logged-in user's scope, and the
downloads that write to the audit log.

Without a valid session only the login form exists (the navigation then holds that one hidden
page, so no page script of ``pages/`` can run). A session lives in this browser tab's session
state as an ``auth.Session`` object, which only server code can create (a widget or the URL
cannot), and is re-checked against the database on every run: idle expiry, disabled accounts,
role and commune changes apply at once. With an ``[auth]`` section in ``.streamlit/secrets.toml``
the form also offers single sign-on (``st.login``), mapped to an account by e-mail.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

from analytics import auth
from analytics.i18n import LANGUAGES

from dashboard import base, landing

SESSION_KEY = "auth_session"
SCOPE_KEY = "auth_scope"
NOTICE_KEY = "auth_notice"
PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"
GATE_KEY = "_auth_gate_drew"  # the gate drew the account box in this run


def sso_configured() -> bool:
    """Whether single sign-on is set up (an ``[auth]`` section in secrets.toml)."""
    try:
        return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)
    except Exception:  # an unreadable secrets file means: no single sign-on
        return False


def current_scope() -> auth.Scope:
    """The logged-in user's Scope (pages run only after the gate has set it)."""
    scope = st.session_state.get(SCOPE_KEY)
    if not isinstance(scope, auth.Scope):
        st.stop()
    return scope


def current_session() -> auth.Session | None:
    """The logged-in Session, or None."""
    session = st.session_state.get(SESSION_KEY)
    return session if isinstance(session, auth.Session) else None


def _sign_in(session: auth.Session, scope: auth.Scope) -> None:
    st.session_state[SESSION_KEY] = session
    st.session_state[SCOPE_KEY] = scope


def _sign_out() -> None:
    for key in (SESSION_KEY, SCOPE_KEY):
        st.session_state.pop(key, None)


def _valid_scope() -> auth.Scope | None:
    """Re-check the tab's session against the database; its Scope, or None (signed out)."""
    session = current_session()
    if session is None:
        return None
    try:
        session, scope = auth.resume(base.get_db(), session)
    except auth.SessionEnded as exc:
        _sign_out()
        st.session_state[NOTICE_KEY] = exc.reason
        if session.method == "sso" and sso_configured():
            st.logout()
        return None
    _sign_in(session, scope)
    return scope


def require_login() -> auth.Scope:
    """The Scope of the logged-in user; otherwise draws only the login form and stops the run."""
    scope = _valid_scope()
    if scope is not None:
        _account_box(current_session(), scope)
        st.session_state[GATE_KEY] = True
        return scope
    if sso_configured() and st.user.get("is_logged_in", False):
        try:
            _sign_in(*auth.sso_login(base.get_db(), st.user.get("email")))
            st.rerun()
        except auth.LoginRefused:
            st.session_state[NOTICE_KEY] = "sso_unknown"
    _login_and_stop()


def _login_and_stop() -> None:
    # Through st.navigation, so that Streamlit also leaves its pages-folder mode, in which it
    # would list and run the scripts of pages/ without app.py (the first request of a server).
    st.navigation([st.Page(_login_page, title=base.tr("auth_login"), icon=":material/login:")],
                  position="hidden").run()
    st.stop()


def page_scope(page_file: str | None = None) -> auth.Scope:
    """Called by every page (through ``view.sidebar``): the Scope if the session is valid and
    the role may open ``page_file`` (when given); otherwise the login form (or a refusal) and
    the run stops.

    The gate in app.py already does this, but Streamlit can run a script under ``pages/``
    without app.py (its older pages-folder mode, e.g. for the first request a fresh server
    gets), so each page checks for itself."""
    scope = _valid_scope()  # always re-checked: the flag below only decides what to draw
    if scope is None:
        _login_and_stop()
    if not st.session_state.pop(GATE_KEY, False):
        _account_box(current_session(), scope)
    page_file = page_file or _calling_page()
    if page_file is not None and not scope.may_open(Path(page_file).stem):
        st.error(base.tr("auth_page_denied"), icon=":material/block:")
        st.stop()
    return scope


def _calling_page() -> str | None:
    """The page script under ``pages/`` that is running (found on the call stack), or None."""
    frame = sys._getframe(1)
    while frame is not None:
        path = frame.f_globals.get("__file__")
        if path and Path(path).resolve().parent == PAGES_DIR:
            return path
        frame = frame.f_back
    return None


def record_export(what: str, households: bool = False, rows: int | None = None) -> None:
    """``on_click`` of a download button: writes the export to the audit log."""
    scope = st.session_state.get(SCOPE_KEY)
    if isinstance(scope, auth.Scope):
        auth.record_export(base.get_db(), scope, what, rows=rows, households=households)


def audited(build, what: str, *, households: bool = False):
    """Wrap a download button's deferred ``data`` callable: producing the file (when the user
    clicks) first writes the export to the audit log under this run's user."""
    scope, db = current_scope(), base.get_db()

    def produce():
        auth.record_export(db, scope, what, households=households)
        return build()

    return produce


def household_download(frame, file_name: str, *, key: str, what: str = "household_list") -> None:
    """A CSV download of household rows, drawn only for roles that may export them; each
    download is audited. ``frame`` must already be limited to the user's communes."""
    scope = current_scope()
    if not scope.can("export_households"):
        return
    data = auth.spreadsheet_safe(scope.mask(frame)).to_csv(index=False).encode("utf-8-sig")
    st.download_button(base.tr("auth_download_households"), data, file_name=file_name, mime="text/csv",
                       key=key, icon=":material/download:", on_click=record_export,
                       args=(what, True, len(frame)))


def allowed_pages(pages: list, scope: auth.Scope) -> list:
    """The pages of ``pages`` the scope's role may open (the default page always stays)."""
    return [p for p in pages if not p.url_path or scope.may_open(p.url_path)]


# -- the login screen ------------------------------------------------------------------------
def _login_page() -> None:
    if st.session_state.get("lang") not in LANGUAGES:
        st.session_state["lang"] = st.query_params.get("lang") if st.query_params.get("lang") in LANGUAGES \
            else "vi"
    db = base.get_db()
    st.title(base.tr("app_title"))
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.warning(base.tr(f"auth_notice_{notice}"), icon=":material/lock_clock:")
    if not auth.has_accounts(db):
        _first_admin_form(db)
        return
    with st.form("auth_login_form"):
        st.subheader(base.tr("auth_login"))
        username = st.text_input(base.tr("auth_username"), key="auth_username", max_chars=64)
        password = st.text_input(base.tr("auth_password"), type="password", key="auth_password")
        submitted = st.form_submit_button(base.tr("auth_login_button"), type="primary")
    if submitted:
        try:
            _sign_in(*auth.authenticate(db, username or "", password or "", client=client_address()))
        except auth.LoginRefused as exc:
            st.error(base.tr(f"auth_refused_{exc.reason}"))
        else:
            st.rerun()
    if sso_configured():
        st.button(base.tr("auth_sso_button"), on_click=st.login, icon=":material/badge:")
    landing.warm_up()  # while the password is typed, the landing page's figures
    landing.preload_headline_code()


def _first_admin_form(db) -> None:
    st.info(base.tr("auth_first_admin_intro"), icon=":material/admin_panel_settings:")
    with st.form("auth_first_admin"):
        code = st.text_input(base.tr("auth_setup_code"), key="auth_setup_code", max_chars=32,
                             help=base.tr("auth_setup_code_help"))
        username = st.text_input(base.tr("auth_username"), key="auth_new_username", max_chars=64)
        name = st.text_input(base.tr("auth_display_name"), key="auth_new_name", max_chars=200)
        password = st.text_input(base.tr("auth_password"), type="password", key="auth_new_password")
        again = st.text_input(base.tr("auth_password_again"), type="password", key="auth_new_again")
        submitted = st.form_submit_button(base.tr("auth_create_admin"), type="primary")
    if not submitted:
        return
    if password != again:
        st.error(base.tr("auth_password_mismatch"))
        return
    try:
        if auth.has_accounts(db):  # someone else was quicker: log in normally
            st.rerun()
        created = auth.create_first_admin(db, code or "", username or "", password or "",
                                          display_name=name or None)
        _sign_in(*auth.authenticate(db, created, password, client=client_address()))
    except auth.AuthError as exc:
        st.error(base.tr(f"auth_error_{exc.reason}"))
    else:
        st.rerun()


def client_address() -> str:
    """The address of the browser's computer, for lock-out per computer: the first address a
    reverse proxy on this machine forwarded (README, "Serving on a network"), else the peer's."""
    peer = st.context.ip_address
    peer = peer if isinstance(peer, str) and peer else "unknown"
    forwarded = st.context.headers.get("X-Forwarded-For") if peer in ("127.0.0.1", "::1") else None
    return (forwarded.split(",")[0].strip() if isinstance(forwarded, str) else "") or peer


def _account_box(session: auth.Session, scope: auth.Scope) -> None:
    with st.sidebar:
        st.caption(base.tr("auth_signed_in_as", user=session.username,
                         role=scope.role_info.label(base.lang())))
        st.button(base.tr("auth_logout"), key="auth_logout", icon=":material/logout:", on_click=_logout)


def _logout() -> None:
    session = current_session()
    if session is not None:
        auth.logout(base.get_db(), session)
    _sign_out()
    if session is not None and session.method == "sso" and sso_configured():
        st.logout()
