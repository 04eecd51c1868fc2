"""Accounts, roles and the caller's scope.

- Accounts live in ``app_user`` (passwords hashed with bcrypt) and ``user_commune`` (an officer's
  assigned communes, keyed by (vintage, code)).
- Roles and what each may see and do are data: ``data/reference/roles.csv``.
- A ``Scope`` (username, role, communes) is what analytics functions take to limit household-level
  reads and imports; a ``Session`` is a logged-in user's state, re-checked on every page run.
- Lock-out and idle expiry follow the settings ``lockout_attempts``, ``lockout_minutes`` and
  ``session_timeout_minutes``; every time-dependent function takes a ``clock`` so tests control time.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Callable, Iterable

import bcrypt
import pandas as pd

from . import audit
from .db import PROJECT_ROOT
from .reference import get_setting, read_csv
from .units import COMMUNE_TYPES  # the level officers are assigned to

Clock = Callable[[], datetime]
utcnow = audit.utcnow

# Household columns that identify a person; masked for roles that may not see households.
PERSONAL_COLUMNS = ("household_id", "head_name")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
PERMISSIONS = ("export_reports", "export_households", "save_scenarios", "import_data",
               "manage_accounts", "read_audit")
DEMO_ACCOUNTS = PROJECT_ROOT / "data" / "demo" / "accounts.csv"


class AuthError(ValueError):
    """An account operation refused for a reason a person can act on (``reason`` is a code)."""

    def __init__(self, reason: str, message: str = ""):
        super().__init__(message or reason)
        self.reason = reason


class LoginRefused(AuthError):
    """A login attempt refused: reason ``bad_credentials``, ``locked`` or ``disabled``."""

    def __init__(self, reason: str, locked_until: datetime | None = None):
        super().__init__(reason)
        self.locked_until = locked_until


class SessionEnded(AuthError):
    """A session that may no longer be used: reason ``expired``, ``disabled`` or ``unknown``."""


class PermissionDenied(PermissionError):
    """The caller's scope does not allow this read or write."""


# -- roles -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Role:
    name: str
    label_vi: str
    label_en: str
    pages: frozenset[str]
    households: str                      # none | assigned | all
    permissions: frozenset[str]

    def label(self, lang: str = "vi") -> str:
        """The role's name in ``lang``."""
        return self.label_en if lang == "en" else self.label_vi


@lru_cache(maxsize=1)
def roles() -> dict[str, Role]:
    """The roles of ``data/reference/roles.csv`` by name, least privileged first."""
    out = {}
    for r in read_csv("roles.csv"):
        out[r["role"]] = Role(
            name=r["role"], label_vi=r["label_vi"], label_en=r["label_en"],
            pages=frozenset((r["pages"] or "").split()), households=r["households"],
            permissions=frozenset(p for p in PERMISSIONS if (r[p] or "").lower() == "true"))
    return out


def role(name: str) -> Role:
    """The role called ``name``; AuthError ``unknown_role`` if there is none."""
    try:
        return roles()[name]
    except KeyError:
        raise AuthError("unknown_role", f"unknown role {name!r}; one of {', '.join(roles())}") from None


# -- scope -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """Who is asking, and which households they may read or import.

    ``communes`` holds (vintage, code) pairs and matters only for roles whose household access
    is ``assigned``; ``all`` sees every commune and ``none`` sees no household rows at all.
    """

    username: str
    role: str
    communes: frozenset[tuple[int, str]] = field(default_factory=frozenset)

    @classmethod
    def system(cls, username: str = "cli") -> "Scope":
        """The scope of the command line, run by whoever holds the database file (full access)."""
        return cls(username=username, role="admin")

    @property
    def role_info(self) -> Role:
        """This scope's Role."""
        return role(self.role)

    def can(self, permission: str) -> bool:
        """Whether the role has ``permission`` (one of PERMISSIONS)."""
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")
        return permission in self.role_info.permissions

    def require(self, permission: str) -> None:
        """Raise PermissionDenied unless the role has ``permission``."""
        if not self.can(permission):
            raise PermissionDenied(f"{self.username} ({self.role}) may not {permission}")

    def may_open(self, page: str) -> bool:
        """Whether the page (its file stem, e.g. ``data``) is in the role's page list."""
        return page in self.role_info.pages

    @property
    def sees_households(self) -> bool:
        """Whether any household-level row (names, ids) may be shown to this scope."""
        return self.role_info.households != "none"

    @property
    def sees_all_households(self) -> bool:
        """Whether every commune's households may be shown."""
        return self.role_info.households == "all"

    @property
    def household_communes(self) -> frozenset[tuple[int, str]] | None:
        """The (vintage, code) pairs whose households this scope may read, import or roll back
        (None: all; empty for a role that sees no households)."""
        if self.sees_all_households:
            return None
        return frozenset(self.communes) if self.sees_households else frozenset()

    def commune_codes(self, vintage: int) -> frozenset[str] | None:
        """Codes of ``vintage`` whose households this scope may read or import; None = all."""
        if self.sees_all_households:
            return None
        if not self.sees_households:
            return frozenset()
        return frozenset(code for v, code in self.communes if v == int(vintage))

    def allows_commune(self, code: str, vintage: int) -> bool:
        """Whether the households of commune (vintage, code) are within this scope."""
        codes = self.commune_codes(vintage)
        return codes is None or str(code) in codes

    def require_commune(self, code: str, vintage: int) -> None:
        """Raise PermissionDenied unless commune (vintage, code) is within this scope."""
        if not self.allows_commune(code, vintage):
            raise PermissionDenied(f"{self.username} ({self.role}) may not use the households "
                                   f"of commune {code} ({vintage})")

    def household_filter(self, vintage_col: str = "commune_vintage",
                         code_col: str = "commune_code") -> tuple[str, list]:
        """A SQL condition and its parameters limiting household rows to this scope."""
        for col in (vintage_col, code_col):
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", col):
                raise ValueError(f"not a column name: {col!r}")
        if self.sees_all_households:
            return "TRUE", []
        if not self.sees_households or not self.communes:
            return "FALSE", []
        pairs = sorted(self.communes)
        sql = " OR ".join(f"({vintage_col} = ? AND {code_col} = ?)" for _ in pairs)
        return f"({sql})", [x for pair in pairs for x in pair]

    def filter_households(self, frame: pd.DataFrame, *, code_col: str = "commune_code",
                          vintage_col: str = "commune_vintage",
                          vintage: int | None = None) -> pd.DataFrame:
        """The rows of a household-level frame within this scope (none for aggregate roles).

        The vintage comes from ``vintage_col`` or, if the frame has none, from ``vintage``."""
        if self.sees_all_households:
            return frame
        if not self.sees_households or frame.empty:
            return frame.iloc[0:0]
        if vintage_col in frame.columns:
            keys = list(zip(frame[vintage_col].astype(int), frame[code_col].astype(str)))
            keep = [k in self.communes for k in keys]
        else:
            if vintage is None:
                raise ValueError("the frame has no vintage column: pass vintage=")
            codes = self.commune_codes(vintage)
            keep = frame[code_col].astype(str).isin(codes).tolist()
        return frame[keep]

    def mask(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame with names and ids masked unless this scope may see households."""
        return frame if self.sees_households else mask_frame(frame)


# -- masking ---------------------------------------------------------------------------------
def mask_name(name) -> str | None:
    """'Nguyễn Văn An' -> 'N***** V** A*': only each word's initial survives."""
    if name is None or (isinstance(name, float) and name != name):
        return None
    words = str(name).split()
    return " ".join(w[0] + "*" * max(len(w) - 1, 1) for w in words) or "***"


def mask_id(value) -> str | None:
    """'25327-0042' -> '********42': only the last two characters survive."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value)
    return "*" * max(len(text) - 2, 3) + text[-2:] if len(text) > 4 else "****"


def mask_frame(frame: pd.DataFrame, columns: Iterable[str] = PERSONAL_COLUMNS) -> pd.DataFrame:
    """A copy of ``frame`` with its name and id columns masked (other columns untouched)."""
    out = frame.copy()
    for col in columns:
        if col in out.columns:
            fn = mask_name if "name" in col else mask_id
            out[col] = out[col].map(fn)
    return out


# -- passwords -------------------------------------------------------------------------------
def _prehash(password: str) -> bytes:
    # bcrypt reads at most 72 bytes: hash first so every character counts (a 10,000-character
    # password is not silently truncated); base64 keeps NUL bytes out of bcrypt's input.
    text = unicodedata.normalize("NFC", password)
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest())


def hash_password(password: str, rounds: int = 12) -> str:
    """The bcrypt hash (as text) of ``password``."""
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether ``password`` matches the stored hash (False for a missing or malformed hash)."""
    if not password_hash or not isinstance(password, str):
        return False
    try:
        return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))
    except ValueError:
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("timing equaliser", rounds=12)


def _int_setting(source, key: str, default: int) -> int:
    if hasattr(source, "scalar"):
        value = get_setting(source, key)
    else:  # a cursor inside a transaction
        row = source.execute("SELECT value FROM setting WHERE key = ?", [key]).fetchone()
        value = row[0] if row else None
    try:
        return int(float(value)) if value is not None else default
    except ValueError:
        return default


def _check_password(source, password: str) -> None:
    if not isinstance(password, str) or not password.strip():
        raise AuthError("weak_password", "the password is empty")
    minimum = _int_setting(source, "password_min_length", 8)
    if len(password) < minimum:
        raise AuthError("weak_password", f"the password needs at least {minimum} characters")


def _hash_for(source, password: str) -> str:
    _check_password(source, password)
    rounds = min(max(_int_setting(source, "password_hash_rounds", 12), 4), 16)
    return hash_password(password, rounds)


def normalize_username(username: str) -> str:
    """The canonical form of a username (NFC, trimmed, lower case)."""
    return unicodedata.normalize("NFC", str(username or "")).strip().lower()


def _valid_username(username: str) -> str:
    name = normalize_username(username)
    if not USERNAME_RE.match(name):
        raise AuthError("bad_username", "a username is 2–64 characters: letters a–z, digits, . _ @ -")
    return name


# -- accounts --------------------------------------------------------------------------------
def has_accounts(db) -> bool:
    """Whether any account exists (a new database asks for its first administrator)."""
    return bool(db.scalar("SELECT count(*) FROM app_user"))


def has_active_admin(db) -> bool:
    """Whether an active administrator account exists."""
    return bool(db.scalar("SELECT count(*) FROM app_user WHERE role = 'admin' AND active"))


def account(db, username: str) -> dict | None:
    """One account as a dict (without its hash's value), or None."""
    rows = db.frame("SELECT * FROM app_user WHERE username = ?", [normalize_username(username)])
    if rows.empty:
        return None
    row = rows.iloc[0].to_dict()
    row["has_password"] = bool(row.pop("password_hash"))
    return row


def list_accounts(db) -> pd.DataFrame:
    """Every account: username, display_name, email, role, active, locked_until, last_login_at,
    created_at and communes (``vintage:code`` joined by spaces)."""
    return db.frame(
        """SELECT u.username, u.display_name, u.email, u.role, u.active, u.locked_until,
                  u.last_login_at, u.created_at,
                  coalesce(string_agg(c.commune_vintage || ':' || c.commune_code, ' '
                                      ORDER BY c.commune_vintage, c.commune_code), '') AS communes
           FROM app_user u LEFT JOIN user_commune c USING (username)
           GROUP BY ALL ORDER BY u.username""")


def _communes_exist(cur, communes: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    pairs = sorted({(int(v), str(c).strip()) for v, c in communes})
    for vintage, code in pairs:
        found = cur.execute(
            f"SELECT count(*) FROM org_unit WHERE vintage = ? AND code = ? AND unit_type IN "
            f"({', '.join('?' for _ in COMMUNE_TYPES)})", [vintage, code, *COMMUNE_TYPES]).fetchone()[0]
        if not found:
            raise AuthError("unknown_commune", f"no commune {code} in the units of {vintage}")
    return pairs


def _insert_communes(cur, name: str, pairs: list[tuple[int, str]]) -> None:
    for vintage, code in pairs:
        cur.execute("INSERT INTO user_commune VALUES (?, ?, ?)", [name, vintage, code])


def parse_communes(values: Iterable[str], default_vintage: int) -> list[tuple[int, str]]:
    """``['25327', '2025:25345']`` -> [(default_vintage, '25327'), (2025, '25345')]."""
    out = []
    for value in values:
        for item in str(value).replace(",", " ").split():
            vintage, _, code = item.rpartition(":")
            if vintage and not vintage.isdigit() or not code.isdigit():
                raise AuthError("unknown_commune", f"not a commune code: {item!r}")
            out.append((int(vintage) if vintage else default_vintage, code))
    return out


def create_account(db, username: str, role_name: str, password: str | None, *,
                   display_name: str | None = None, email: str | None = None,
                   communes: Iterable[tuple[int, str]] = (), actor: str | None = None,
                   clock: Clock = utcnow) -> str:
    """Create an account (audited); its normalised username. ``password`` may be None for an
    account that signs in only through single sign-on (then ``email`` is required)."""
    name = _valid_username(username)
    role(role_name)
    email = (email or "").strip().lower() or None
    if password is None and not email:
        raise AuthError("weak_password", "an account needs a password or an e-mail for single sign-on")
    hashed = _hash_for(db, password) if password is not None else None
    with db.transaction(changes_data=False) as cur:
        if cur.execute("SELECT count(*) FROM app_user WHERE username = ?", [name]).fetchone()[0]:
            raise AuthError("exists", f"the account {name} exists already")
        if email and cur.execute("SELECT count(*) FROM app_user WHERE lower(email) = ?",
                                 [email]).fetchone()[0]:
            raise AuthError("exists", f"another account uses the e-mail {email}")
        pairs = _communes_exist(cur, communes)
        now = clock()
        cur.execute(
            """INSERT INTO app_user (username, display_name, email, role, password_hash, active,
                                     failed_logins, created_at, password_changed_at)
               VALUES (?, ?, ?, ?, ?, true, 0, ?, ?)""",
            [name, display_name, email, role_name, hashed, now, now if hashed else None])
        _insert_communes(cur, name, pairs)
        audit.record(cur, "account_created", actor or name,
                     {"account": name, "role": role_name, "communes": [f"{v}:{c}" for v, c in pairs]},
                     now=now)
    return name


def _require_account(cur, name: str) -> tuple:
    row = cur.execute("SELECT role, active FROM app_user WHERE username = ?", [name]).fetchone()
    if row is None:
        raise AuthError("unknown_account", f"no account {name}")
    return row


def _keep_one_admin(cur, name: str) -> None:
    others = cur.execute("SELECT count(*) FROM app_user WHERE role = 'admin' AND active "
                         "AND username <> ?", [name]).fetchone()[0]
    if not others:
        raise AuthError("last_admin", "the last active administrator cannot be disabled or demoted")


def set_password(db, username: str, password: str, *, actor: str | None = None,
                 clock: Clock = utcnow) -> None:
    """Replace an account's password and lift any lock-out (audited)."""
    name = normalize_username(username)
    hashed = _hash_for(db, password)
    with db.transaction(changes_data=False) as cur:
        _require_account(cur, name)
        now = clock()
        cur.execute("UPDATE app_user SET password_hash = ?, password_changed_at = ?, failed_logins = 0, "
                    "locked_until = NULL WHERE username = ?", [hashed, now, name])
        audit.record(cur, "password_changed", actor or name, {"account": name}, now=now)


def set_active(db, username: str, active: bool, *, actor: str | None = None,
               clock: Clock = utcnow) -> None:
    """Disable (open sessions end on their next page) or re-enable an account (audited)."""
    name = normalize_username(username)
    with db.transaction(changes_data=False) as cur:
        current_role, _ = _require_account(cur, name)
        if not active and current_role == "admin":
            _keep_one_admin(cur, name)
        cur.execute("UPDATE app_user SET active = ?, failed_logins = 0, locked_until = NULL "
                    "WHERE username = ?", [bool(active), name])
        audit.record(cur, "account_enabled" if active else "account_disabled", actor,
                     {"account": name}, now=clock())


def set_role(db, username: str, role_name: str, *, actor: str | None = None,
             clock: Clock = utcnow) -> None:
    """Change an account's role (audited)."""
    name = normalize_username(username)
    role(role_name)
    with db.transaction(changes_data=False) as cur:
        current_role, _ = _require_account(cur, name)
        if current_role == "admin" and role_name != "admin":
            _keep_one_admin(cur, name)
        cur.execute("UPDATE app_user SET role = ? WHERE username = ?", [role_name, name])
        audit.record(cur, "role_changed", actor,
                     {"account": name, "from": current_role, "to": role_name}, now=clock())


def assign_communes(db, username: str, communes: Iterable[tuple[int, str]], *,
                    actor: str | None = None, clock: Clock = utcnow) -> list[tuple[int, str]]:
    """Replace an account's assigned communes (audited); the sorted (vintage, code) pairs."""
    name = normalize_username(username)
    with db.transaction(changes_data=False) as cur:
        _require_account(cur, name)
        pairs = _communes_exist(cur, communes)
        before = cur.execute("SELECT commune_vintage, commune_code FROM user_commune WHERE username = ? "
                             "ORDER BY 1, 2", [name]).fetchall()
        cur.execute("DELETE FROM user_commune WHERE username = ?", [name])
        _insert_communes(cur, name, pairs)
        audit.record(cur, "communes_assigned", actor,
                     {"account": name, "before": [f"{v}:{c}" for v, c in before],
                      "after": [f"{v}:{c}" for v, c in pairs]}, now=clock())
    return pairs


def update_setting(db, key: str, value: str, *, actor: str | None = None,
                   clock: Clock = utcnow) -> None:
    """Change a setting (audited). A numeric setting accepts only a number ≥ 0."""
    with db.transaction() as cur:
        row = cur.execute("SELECT value FROM setting WHERE key = ?", [key]).fetchone()
        if row is None:
            raise AuthError("unknown_setting", f"no setting {key}")
        value = str(value).strip()
        try:
            float(row[0])
            numeric = True
        except (TypeError, ValueError):
            numeric = False
        if numeric:
            try:
                if float(value) < 0 or float(value) != float(value):
                    raise ValueError
            except ValueError:
                raise AuthError("bad_setting", f"{key} takes a number ≥ 0") from None
        cur.execute("UPDATE setting SET value = ? WHERE key = ?", [value, key])
        audit.record(cur, "setting_changed", actor, {"key": key, "from": row[0], "to": value},
                     now=clock())


def scope_for(db, username: str) -> Scope:
    """The Scope of an existing account (its role and assigned communes)."""
    name = normalize_username(username)
    row = db.query("SELECT role FROM app_user WHERE username = ?", [name])
    if not row:
        raise AuthError("unknown_account", f"no account {name}")
    communes = db.query("SELECT commune_vintage, commune_code FROM user_commune WHERE username = ?", [name])
    return Scope(username=name, role=row[0][0], communes=frozenset((int(v), str(c)) for v, c in communes))


def username_for_email(db, email: str | None) -> str | None:
    """The active account whose e-mail is ``email`` (single sign-on), or None."""
    if not email:
        return None
    rows = db.query("SELECT username FROM app_user WHERE lower(email) = ? AND active",
                    [str(email).strip().lower()])
    return rows[0][0] if len(rows) == 1 else None


def create_demo_accounts(cur) -> list[str]:
    """One account per role for the demo database (demo-only passwords from
    ``data/demo/accounts.csv``), inside the caller's transaction; their usernames."""
    with open(DEMO_ACCOUNTS, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rounds = min(max(_int_setting(cur, "password_hash_rounds", 12), 4), 16)
    now = utcnow()
    for r in rows:
        cur.execute(
            """INSERT INTO app_user (username, display_name, role, password_hash, active, failed_logins,
                                     created_at, password_changed_at) VALUES (?, ?, ?, ?, true, 0, ?, ?)""",
            [r["username"], r["display_name"], r["role"], hash_password(r["password"], rounds), now, now])
        pairs = parse_communes([r["communes"] or ""], default_vintage=2024)
        _insert_communes(cur, r["username"], _communes_exist(cur, pairs))
        audit.record(cur, "account_created", "demo", {"account": r["username"], "role": r["role"]}, now=now)
    return [r["username"] for r in rows]


# -- login and sessions ----------------------------------------------------------------------
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
        attempts = max(_int_setting(db, "lockout_attempts", 5), 1)
        minutes = _int_setting(db, "lockout_minutes", 15)
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
    timeout = timedelta(minutes=max(_int_setting(db, "session_timeout_minutes", 30), 1))
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


def record_export(db, scope: Scope, what: str, *, rows: int | None = None, households: bool = False,
                  detail: dict | None = None, clock: Clock = utcnow) -> None:
    """Audit an export; PermissionDenied if it holds household rows and the role may not export them."""
    if households:
        scope.require("export_households")
    else:
        scope.require("export_reports")
    audit.record(db, "export", scope.username,
                 {"what": what, "rows": rows, "households": households, **(detail or {})}, now=clock())


def commune_choices(db) -> pd.DataFrame:
    """Communes an account can be assigned: vintage, code, name, label (``vintage:code``)."""
    return db.frame(
        f"""SELECT vintage, code, name, vintage || ':' || code AS label FROM org_unit
            WHERE unit_type IN ({', '.join('?' for _ in COMMUNE_TYPES)}) ORDER BY vintage, code""",
        list(COMMUNE_TYPES))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas when the export is opened
    (a cell from an uploaded file such as ``=HYPERLINK(...)`` gets a leading apostrophe)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v)
    return out
