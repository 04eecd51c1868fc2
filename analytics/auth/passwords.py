"""Passwords: the rules a new password must meet and its bcrypt hash (every character counts)."""

from __future__ import annotations

import base64
import hashlib
import unicodedata

import bcrypt

from .base import AuthError
from .settings import int_setting


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


def min_length(source) -> int:
    """The shortest password accepted: the setting ``password_min_length`` (shown on the forms
    before a password is refused for it)."""
    return int_setting(source, "password_min_length", 8)


def _check_password(source, password: str) -> None:
    if not isinstance(password, str) or not password.strip():
        raise AuthError("weak_password", "the password is empty")
    minimum = min_length(source)
    if len(password) < minimum:
        raise AuthError("weak_password", f"the password needs at least {minimum} characters")


def hash_rounds(source) -> int:
    """The bcrypt cost of new hashes: the setting ``password_hash_rounds``, kept within 4–16."""
    return min(max(int_setting(source, "password_hash_rounds", 12), 4), 16)


def hash_new_password(source, password: str) -> str:
    """The hash of a new password once it meets the rules (AuthError ``weak_password``)."""
    _check_password(source, password)
    return hash_password(password, hash_rounds(source))
