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
    """A login attempt refused: reason ``bad_credentials``, ``locked`` or ``disabled``."""

    def __init__(self, reason: str, locked_until: datetime | None = None):
        super().__init__(reason)
        self.locked_until = locked_until


class SessionEnded(AuthError):
    """A session that may no longer be used: reason ``expired``, ``disabled`` or ``unknown``."""


class PermissionDenied(PermissionError):
    """The caller's scope does not allow this read or write."""
