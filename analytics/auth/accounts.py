"""Accounts in ``app_user`` and their assigned communes in ``user_commune`` (keyed by (vintage,
code)): usernames, creating, listing, disabling, role and password changes, the Scope of an
account, and the demo database's accounts."""

from __future__ import annotations

import csv
import re
import unicodedata
from typing import Iterable

import pandas as pd

from .. import audit
from ..db import PROJECT_ROOT
from ..units import COMMUNE_TYPES

# Officers are assigned communes, or a district or province with every commune under it.
ASSIGNABLE_TYPES = (*COMMUNE_TYPES, "district", "province")
from .base import AuthError, Clock, utcnow
from .passwords import hash_password, hash_new_password, hash_rounds
from .scopes import Scope, role

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
DEMO_ACCOUNTS = PROJECT_ROOT / "data" / "demo" / "accounts.csv"


def normalize_username(username: str) -> str:
    """The canonical form of a username (NFC, trimmed, lower case)."""
    return unicodedata.normalize("NFC", str(username or "")).strip().lower()


def _valid_username(username: str) -> str:
    name = normalize_username(username)
    if not USERNAME_RE.match(name):
        raise AuthError("bad_username", "a username is 2–64 characters: letters a–z, digits, . _ @ -")
    return name


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
    """The pairs, sorted, each a working unit: a commune, or a district or province (the officer
    then has every commune under it)."""
    pairs = sorted({(int(v), str(c).strip()) for v, c in communes})
    for vintage, code in pairs:
        found = cur.execute(
            f"SELECT count(*) FROM org_unit WHERE vintage = ? AND code = ? AND unit_type IN "
            f"({', '.join('?' for _ in ASSIGNABLE_TYPES)})", [vintage, code, *ASSIGNABLE_TYPES]).fetchall()[0][0]
        if not found:
            raise AuthError("unknown_commune", f"no commune, district or province {code} in the units of {vintage}")
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
    hashed = hash_new_password(db, password) if password is not None else None
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
    hashed = hash_new_password(db, password)
    with db.transaction(changes_data=False) as cur:
        _require_account(cur, name)
        now = clock()
        cur.execute("UPDATE app_user SET password_hash = ?, password_changed_at = ?, failed_logins = 0, "
                    "locked_until = NULL WHERE username = ?", [hashed, now, name])
        cur.execute("DELETE FROM login_throttle WHERE username = ?", [name])
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


def scope_for(db, username: str) -> Scope:
    """The Scope of an existing account (its role and assigned communes)."""
    name = normalize_username(username)
    row = db.query("SELECT role FROM app_user WHERE username = ?", [name])
    if not row:
        raise AuthError("unknown_account", f"no account {name}")
    # A district or province stands for itself (its budget plan, its targets) and every unit under
    # it (two levels at most): one read, as it runs on every page a user opens.
    units = db.query(
        """SELECT commune_vintage, commune_code FROM user_commune WHERE username = $u
           UNION
           SELECT o.vintage, o.code FROM org_unit o
           LEFT JOIN org_unit p ON p.vintage = o.vintage AND p.code = o.parent_code
           JOIN user_commune a ON a.username = $u AND a.commune_vintage = o.vintage
                AND a.commune_code IN (o.code, o.parent_code, p.parent_code)""", {"u": name})
    return Scope(username=name, role=row[0][0], communes=frozenset((int(v), str(c)) for v, c in units))


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
    rounds = hash_rounds(cur)
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


def commune_choices(db) -> pd.DataFrame:
    """Units an account can be assigned (communes, districts, provinces): vintage, code, name,
    label (``vintage:code``); provinces first, then districts, then communes."""
    return db.frame(
        f"""SELECT vintage, code, name, vintage || ':' || code AS label FROM org_unit
            WHERE unit_type IN ({', '.join('?' for _ in ASSIGNABLE_TYPES)})
            ORDER BY vintage, unit_type <> 'province', unit_type <> 'district', code""",
        list(ASSIGNABLE_TYPES))
