"""The audit log: who logged in (or failed to), imported, rolled back, exported or changed an
account, and when. Rows are only ever appended; administrators read them with filters."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pandas as pd

# The actions written to the log; labels live in data/i18n.csv as ``audit_action_<action>``.
ACTIONS = (
    "login", "login_failed", "account_locked", "account_unlocked", "logout", "session_expired",
    "import", "import_refused", "rollback", "export",
    "account_created", "account_disabled", "account_enabled", "password_changed", "role_changed",
    "communes_assigned", "setting_changed", "local_standard_set",
    "local_standard_removed",
)
# Free text from users (file names, usernames typed at the login form) is cut to this length so a
# hostile input cannot bloat the log.
MAX_TEXT = 500
# Reading is checked here, not only on the page. Writing needs none: every action appends itself.
# (The Scope is taken untyped: auth imports this module.)
READ_PERMISSION = "read_audit"


def utcnow() -> datetime:
    """The current time in UTC as a naive timestamp (as DuckDB's TIMESTAMP stores it)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _clip(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "…"
    if isinstance(value, dict):
        return {str(k)[:MAX_TEXT]: _clip(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clip(v) for v in value[:200]]
    return value


def record(target, action: str, user: str | None, detail: dict | None = None,
           now: datetime | None = None) -> None:
    """Append one entry. ``target`` is a Database (own transaction) or a cursor inside the
    caller's transaction, so that the entry commits together with the change it records."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action: {action}")
    row = [now or utcnow(), _clip(user), action,
           json.dumps(_clip(detail or {}), ensure_ascii=False, default=str)]
    sql = "INSERT INTO audit_log (ts, user_name, action, detail) VALUES (?, ?, ?, ?)"
    if hasattr(target, "transaction"):
        with target.transaction(changes_data=False) as cur:
            cur.execute(sql, row)
    else:
        target.execute(sql, row)


def read(db, scope, *, user: str | None = None, actions: list[str] | tuple[str, ...] | None = None,
         since: datetime | None = None, until: datetime | None = None, text: str | None = None,
         limit: int = 1000) -> pd.DataFrame:
    """Entries newest first, filtered by user, actions, time range [since, until) and a text
    searched in the detail; a DataFrame ts, user_name, action, detail (JSON text).
    PermissionDenied unless ``scope`` (an ``auth.Scope``) may read the audit log."""
    scope.require(READ_PERMISSION)
    where, params = ["TRUE"], []
    if user:
        where.append("user_name = ?")
        params.append(user)
    if actions:
        where.append(f"action IN ({', '.join('?' for _ in actions)})")
        params.extend(actions)
    if since is not None:
        where.append("ts >= ?")
        params.append(since)
    if until is not None:
        where.append("ts < ?")
        params.append(until)
    if text:
        where.append("contains(lower(CAST(detail AS VARCHAR)), lower(?))")
        params.append(text)
    params.append(int(limit))
    return db.frame(
        f"""SELECT ts, user_name, action, CAST(detail AS VARCHAR) AS detail FROM audit_log
            WHERE {' AND '.join(where)} ORDER BY ts DESC, rowid DESC LIMIT ?""", params)


def users_in_log(db, scope) -> list[str]:
    """The distinct user names that appear in the log (for the admin page's filter).
    PermissionDenied unless ``scope`` may read the audit log."""
    scope.require(READ_PERMISSION)
    return [r[0] for r in db.query(
        "SELECT DISTINCT user_name FROM audit_log WHERE user_name IS NOT NULL ORDER BY 1")]


def describe(detail, lang: str = "vi", names: dict[str, dict] | None = None) -> str:
    """An entry's detail (JSON text or a dict) as a line a person reads: each item under its
    label (``audit_detail_<key>``), yes / no for flags, a period 'years' [first, last] as
    '2022–2025', amounts as the language writes them ('2.000.000 / 3.000.000'), other lists
    joined, and values (a list's too) named through ``names`` (item -> value -> name, e.g. a setting's key -> its
    description, a unit's 'vintage:code' -> its name): 'Tài khoản: lanhdao · Vai trò: viewer'."""
    from .i18n import fmt_number, has_label, t

    if detail is None or (isinstance(detail, float) and detail != detail):
        return ""
    try:
        items = json.loads(detail) if isinstance(detail, str) else dict(detail)
    except (TypeError, ValueError):
        return str(detail)
    if not isinstance(items, dict):
        return str(items)
    parts = []
    for key, value in items.items():
        named = (names or {}).get(key, {})
        label = t(f"audit_detail_{key}", lang) if has_label(f"audit_detail_{key}") else str(key).replace("_", " ")
        if isinstance(value, bool):
            value = t("yes" if value else "no", lang)
        elif key == "years" and isinstance(value, (list, tuple)) and value:
            value = "–".join(dict.fromkeys(map(str, (value[0], value[-1]))))  # one year alone
        elif isinstance(value, (list, tuple)) and value and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            value = " / ".join(fmt_number(v, lang) for v in value)  # a standard's line and band
        elif isinstance(value, (list, tuple)):
            value = ", ".join(str(named.get(v, v)) if isinstance(v, str) else str(v) for v in value)
        elif value is None:
            value = "–"
        else:
            value = named.get(value, value)
        parts.append(f"{label}: {value}")
    return " · ".join(parts)
