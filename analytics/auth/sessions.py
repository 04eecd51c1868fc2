"""Logging in (password or single sign-on), lock-out after repeated failures, the ``Session`` of a
logged-in user re-checked on every page run (idle expiry), and logging out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache

from .. import audit
from .accounts import USERNAME_RE, normalize_username, scope_for, username_for_email
from .base import Clock, LoginRefused, SessionEnded, utcnow
from .passwords import hash_password, verify_password
from .scopes import Scope
from .settings import int_setting


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("timing equaliser", rounds=12)


@dataclass(frozen=True)
class Session:
    """A logged-in user: who, since when, last activity, and how they signed in."""

    username: str
    started_at: datetime
    last_seen: datetime
    method: str = "password"            # password | sso


def authenticate(db, username: str, password: str, *, clock: Clock = utcnow) -> tuple[Session, Scope]:
    """Check a login; the new Session and its Scope, or LoginRefused.

    After ``lockout_attempts`` failures in a row the account is locked for ``lockout_minutes``;
    while locked even the right password is refused. Every attempt is audited."""
    now = clock()
    typed = normalize_username(username)
    name = typed if USERNAME_RE.match(typed) else None
    row = db.query("SELECT password_hash, active, failed_logins, locked_until FROM app_user "
                   "WHERE username = ?", [name]) if name else []
    if not row:
        verify_password(str(password), _dummy_hash())  # the same time as a known account
        audit.record(db, "login_failed", typed[:64], {"reason": "unknown_account"}, now=now)
        raise LoginRefused("bad_credentials")
    stored, active, failed, locked_until = row[0]
    if locked_until is not None and locked_until > now:
        audit.record(db, "login_failed", name, {"reason": "locked"}, now=now)
        raise LoginRefused("locked", locked_until)
    if not verify_password(password, stored):
        attempts = max(int_setting(db, "lockout_attempts", 5), 1)
        minutes = int_setting(db, "lockout_minutes", 15)
        failed = (failed or 0) + 1
        with db.transaction(changes_data=False) as cur:
            if failed >= attempts:
                until = now + timedelta(minutes=minutes)
                cur.execute("UPDATE app_user SET failed_logins = 0, locked_until = ? WHERE username = ?",
                            [until, name])
                audit.record(cur, "login_failed", name, {"reason": "bad_password"}, now=now)
                audit.record(cur, "account_locked", name, {"until": until, "after": failed}, now=now)
            else:
                until = None
                cur.execute("UPDATE app_user SET failed_logins = ? WHERE username = ?", [failed, name])
                audit.record(cur, "login_failed", name, {"reason": "bad_password"}, now=now)
        raise LoginRefused("locked", until) if until else LoginRefused("bad_credentials")
    if not active:
        audit.record(db, "login_failed", name, {"reason": "disabled"}, now=now)
        raise LoginRefused("disabled")
    return _open_session(db, name, "password", now)


def _open_session(db, name: str, method: str, now: datetime) -> tuple[Session, Scope]:
    with db.transaction(changes_data=False) as cur:
        cur.execute("UPDATE app_user SET failed_logins = 0, locked_until = NULL, last_login_at = ? "
                    "WHERE username = ?", [now, name])
        audit.record(cur, "login", name, {"method": method}, now=now)
    return Session(name, now, now, method), scope_for(db, name)


def sso_login(db, email: str | None, *, clock: Clock = utcnow) -> tuple[Session, Scope]:
    """Open a session for the account mapped to a single-sign-on e-mail, or LoginRefused."""
    now = clock()
    name = username_for_email(db, email)
    if name is None:
        audit.record(db, "login_failed", None, {"reason": "sso_unknown_email", "email": email}, now=now)
        raise LoginRefused("bad_credentials")
    return _open_session(db, name, "sso", now)


def resume(db, session: Session, *, clock: Clock = utcnow) -> tuple[Session, Scope]:
    """Re-check a session on a page run: the session with its activity time moved on and the
    account's current Scope, or SessionEnded (idle longer than ``session_timeout_minutes``,
    account disabled or gone). The role and communes are re-read, so changes apply at once."""
    now = clock()
    timeout = timedelta(minutes=max(int_setting(db, "session_timeout_minutes", 30), 1))
    row = db.query("SELECT active FROM app_user WHERE username = ?", [session.username])
    if not row:
        raise SessionEnded("unknown")
    if not row[0][0]:
        raise SessionEnded("disabled")
    if now - session.last_seen > timeout:
        audit.record(db, "session_expired", session.username,
                     {"idle_minutes": round((now - session.last_seen).total_seconds() / 60, 1)}, now=now)
        raise SessionEnded("expired")
    return replace(session, last_seen=now), scope_for(db, session.username)


def logout(db, session: Session, *, clock: Clock = utcnow) -> None:
    """Record the end of a session."""
    audit.record(db, "logout", session.username, {"method": session.method}, now=clock())
