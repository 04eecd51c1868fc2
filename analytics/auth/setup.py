"""The first administrator of a new database: created only with a one-time code that ``init``
and the server print on their terminal (whoever sees it holds the machine), never by whoever
reaches the login page first. Only the code's hash is stored; a new code replaces the old one."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from .accounts import create_account, has_accounts
from .base import AuthError, Clock, utcnow

# No 0/O, 1/I/L: the code is read off a terminal and typed by hand.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _digest(code: str) -> str:
    return hashlib.sha256("".join(str(code or "").upper().split()).replace("-", "").encode()).hexdigest()


def issue_setup_code(db, *, clock: Clock = utcnow) -> str | None:
    """A new one-time code for the first administrator (replacing any earlier one), or None when
    the database has an account already."""
    if has_accounts(db):
        return None
    code = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    with db.transaction(changes_data=False) as cur:
        cur.execute("DELETE FROM setup_code")
        cur.execute("INSERT INTO setup_code VALUES (?, ?)", [_digest(code), clock()])
    return f"{code[:5]}-{code[5:]}"


def create_first_admin(db, code: str, username: str, password: str, *,
                       display_name: str | None = None, clock: Clock = utcnow) -> str:
    """Create the first administrator if ``code`` is the one printed last; the username.
    AuthError 'bad_setup_code' otherwise, or 'exists' once any account exists."""
    if has_accounts(db):
        raise AuthError("exists", "the database has an administrator already")
    stored = db.query("SELECT code_hash FROM setup_code")
    if not stored or not hmac.compare_digest(stored[0][0], _digest(code)):
        raise AuthError("bad_setup_code", "wrong or missing set-up code")
    name = create_account(db, username, "admin", password, display_name=display_name, clock=clock)
    with db.transaction(changes_data=False) as cur:
        cur.execute("DELETE FROM setup_code")
    return name
