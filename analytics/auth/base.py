"""What every part of ``analytics.auth`` shares: its errors and the clock its time-dependent
functions take (tests pass their own clock to control time)."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from .. import audit

Clock = Callable[[], datetime]
utcnow = audit.utcnow


class AuthError(ValueError):
    """An account operation refused for a reason a person can act on (``reason`` is a code)."""

    def __init__(self, reason: str, message: str = ""):
        super().__init__(message or reason)
        self.reason = reason


class LoginRefused(AuthError):
    """A login attempt refused: reason ``bad_credentials`` (unknown name, wrong password or held
    back: one answer for all three) or ``disabled`` (only after the right password)."""

    def __init__(self, reason: str):
        super().__init__(reason)


class SessionEnded(AuthError):
    """A session that may no longer be used: reason ``expired``, ``disabled`` or ``unknown``."""


class PermissionDenied(PermissionError):
    """The caller's scope does not allow this read or write."""
