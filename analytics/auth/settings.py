"""Settings the accounts code reads (``password_min_length``, ``password_hash_rounds``,
``lockout_attempts``, ``lockout_minutes``, ``session_timeout_minutes``) and the audited change of
any setting."""

from __future__ import annotations

from .. import audit
from ..reference import get_setting
from .base import AuthError, Clock, utcnow


def int_setting(source, key: str, default: int) -> int:
    """The whole-number setting ``key`` read from a database or, inside a transaction, a cursor;
    ``default`` when it is missing or not a number."""
    if hasattr(source, "scalar"):
        value = get_setting(source, key)
    else:  # a cursor inside a transaction
        row = source.execute("SELECT value FROM setting WHERE key = ?", [key]).fetchone()
        value = row[0] if row else None
    try:
        return int(float(value)) if value is not None else default
    except ValueError:
        return default


def update_setting(db, key: str, value: str, *, actor: str | None = None,
                   clock: Clock = utcnow) -> None:
    """Change a setting (audited). A numeric setting accepts only a number ≥ 0. The home area is
    refused (``home_setting``): ``levels.set_home_area`` sets it, for administrators only, a
    registry unit checked and adopted."""
    from ..levels import HOME_SETTING  # here, not at the top: levels pulls in the figures' modules

    if key == HOME_SETTING:
        raise AuthError("home_setting", f"{key} is set with levels.set_home_area (the home area tab)")
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
