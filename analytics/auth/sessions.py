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


ANY_ACCOUNT = ""  # the login_throttle row of a client's failures under any name
LOCAL_CLIENT = "local"


def authenticate(db, username: str, password: str, *, client: str = LOCAL_CLIENT,
                 clock: Clock = utcnow) -> tuple[Session, Scope]:
    """Check a login from ``client`` (the computer's address); the new Session and its Scope, or
    LoginRefused.

    Every refusal before the password is known to be right reads the same ("bad_credentials")
    and costs the same time, whether the account is unknown, the password wrong or the login
    held back, so that nobody can tell which usernames exist. Failures are counted per client:
    after ``lockout_attempts`` wrong passwords for one account, that account is locked for
    ``lockout_minutes`` *from that client* (its owner still logs in from another computer);
    after ``throttle_after_failures`` failures under any names, the client waits
    ``throttle_base_seconds``, doubled
    at each further failure, up to ``lockout_minutes``. A failure older than ``lockout_minutes``
    is forgotten; an administrator can unlock (``unlock_account``). Every attempt is audited; an
    unknown name is recorded without its text (it may be a password typed in the wrong field)."""
    now = clock()
    typed = normalize_username(username)
    name = typed if USERNAME_RE.match(typed) else None
    row = db.query("SELECT password_hash, active FROM app_user WHERE username = ?", [name]) if name else []
    known = name if row else None
    stored, active = row[0] if row else (None, None)
    held_until = _held_until(db, client, known, now)
    # The same bcrypt work on every path: the answer's timing tells nothing.
    right = verify_password(str(password), stored or _dummy_hash()) and stored is not None
    if held_until is not None:
        audit.record(db, "login_failed", known, {"reason": "throttled", "client": client}, now=now)
        raise LoginRefused("bad_credentials")
    if not right:
        _record_failure(db, client, known, now)
        raise LoginRefused("bad_credentials")
    if not active:
        audit.record(db, "login_failed", known, {"reason": "disabled"}, now=now)
        raise LoginRefused("disabled")
    return _open_session(db, known, "password", now, client)


def _held_until(db, client: str, name: str | None, now: datetime) -> datetime | None:
    """When the client may try again (for this account, or at all), or None: it may now."""
    keys = [ANY_ACCOUNT] + ([name] if name else [])
    until = db.query("SELECT max(blocked_until) FROM login_throttle WHERE client = ? AND username IN "
                     f"({', '.join('?' * len(keys))}) AND blocked_until > ?", [client, *keys, now])
    return until[0][0] if until else None


def _record_failure(db, client: str, name: str | None, now: datetime) -> None:
    attempts = max(int_setting(db, "lockout_attempts", 5), 1)
    client_attempts = max(int_setting(db, "throttle_after_failures", 10), 1)
    window = timedelta(minutes=max(int_setting(db, "lockout_minutes", 15), 1))
    base = max(int_setting(db, "throttle_base_seconds", 1), 0)
    with db.transaction(changes_data=False) as cur:
        counts = {}
        for key in [ANY_ACCOUNT] + ([name] if name else []):
            previous = cur.execute("SELECT failures FROM login_throttle WHERE client = ? AND username = ? "
                                   "AND last_failure > ?", [client, key, now - window]).fetchall()
            counts[key] = (previous[0][0] if previous else 0) + 1
        blocked = {}
        if counts[ANY_ACCOUNT] >= client_attempts:
            delay = min(timedelta(seconds=base * 2 ** min(counts[ANY_ACCOUNT] - client_attempts, 30)), window)
            blocked[ANY_ACCOUNT] = now + delay
        if name and counts[name] >= attempts:
            blocked[name] = now + window
        for key, failures in counts.items():
            cur.execute("INSERT OR REPLACE INTO login_throttle VALUES (?, ?, ?, ?, ?)",
                        [client, key, 0 if key == name and key in blocked else failures, now, blocked.get(key)])
        audit.record(cur, "login_failed", name,
                     {"reason": "bad_password" if name else "unknown_account", "client": client}, now=now)
        if name in blocked:
            cur.execute("UPDATE app_user SET locked_until = ? WHERE username = ?", [blocked[name], name])
            audit.record(cur, "account_locked", name,
                         {"until": blocked[name], "after": counts[name], "client": client}, now=now)


def unlock_account(db, username: str, *, actor: str | None = None, clock: Clock = utcnow) -> bool:
    """Lift every lock of an account (from any client); whether there was one. Audited."""
    name = normalize_username(username)
    now = clock()
    with db.transaction(changes_data=False) as cur:
        held = cur.execute("SELECT count(*) FROM login_throttle WHERE username = ? AND blocked_until > ?",
                           [name, now]).fetchall()[0][0]
        cur.execute("DELETE FROM login_throttle WHERE username = ?", [name])
        cur.execute("UPDATE app_user SET locked_until = NULL, failed_logins = 0 WHERE username = ?", [name])
        audit.record(cur, "account_unlocked", actor, {"account": name, "was_locked": bool(held)}, now=now)
    return bool(held)


def _open_session(db, name: str, method: str, now: datetime,
                  client: str = LOCAL_CLIENT) -> tuple[Session, Scope]:
    with db.transaction(changes_data=False) as cur:
        cur.execute("UPDATE app_user SET failed_logins = 0, locked_until = NULL, last_login_at = ? "
                    "WHERE username = ?", [now, name])
        cur.execute("DELETE FROM login_throttle WHERE client = ? AND username = ?", [client, name])
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
