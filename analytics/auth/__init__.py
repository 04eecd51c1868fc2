"""Accounts, roles and the caller's scope, one module per idea; every public name is here too, as
``analytics.auth.<name>``.

- ``base``: the errors (AuthError, LoginRefused, SessionEnded, PermissionDenied) and the clock type.
- ``settings``: the settings the accounts code reads, and the audited change of a setting.
- ``passwords``: password rules and bcrypt hashes.
- ``scopes``: roles (data: ``data/reference/roles.csv``), the ``Scope`` analytics functions take to
  limit household-level reads and imports, and masking of names and ids.
- ``accounts``: accounts in ``app_user`` and their communes in ``user_commune`` ((vintage, code)).
- ``sessions``: login, lock-out and idle expiry (settings ``lockout_attempts``,
  ``lockout_minutes``, ``session_timeout_minutes``); a ``Session`` is re-checked on every page run.
- ``exports``: the permission check and audit of exports, spreadsheet-safe cells.
- ``setup``: the first administrator, created only with a one-time code printed on the terminal.

Every time-dependent function takes a ``clock`` so tests control time. The modules import one
another one way: base ← settings ← passwords, scopes ← accounts ← sessions, setup; exports on scopes.
"""

from .accounts import (DEMO_ACCOUNTS, USERNAME_RE, account, assign_communes, commune_choices,
                       create_account, create_demo_accounts, has_accounts, has_active_admin,
                       list_accounts, normalize_username, parse_communes, scope_for, set_active,
                       set_password, set_role, username_for_email)
from .base import AuthError, Clock, LoginRefused, PermissionDenied, SessionEnded, utcnow
from .exports import record_export, spreadsheet_safe
from .passwords import hash_password, min_length, verify_password
from .scopes import (PERMISSIONS, PERSONAL_COLUMNS, Role, Scope, mask_frame, mask_id, mask_name,
                     role, roles)
from .sessions import Session, authenticate, logout, resume, sso_login, unlock_account
from .settings import update_setting
from .setup import create_first_admin, issue_setup_code

__all__ = [
    "min_length",
    "AuthError", "Clock", "DEMO_ACCOUNTS", "LoginRefused", "PERMISSIONS", "PERSONAL_COLUMNS",
    "PermissionDenied", "Role", "Scope", "Session", "SessionEnded", "USERNAME_RE", "account",
    "assign_communes", "authenticate", "commune_choices", "create_account", "create_demo_accounts",
    "create_first_admin", "issue_setup_code",
    "has_accounts", "has_active_admin", "hash_password", "list_accounts", "logout", "mask_frame",
    "mask_id", "mask_name", "normalize_username", "parse_communes", "record_export", "resume",
    "role", "roles", "scope_for", "set_active", "set_password", "set_role", "sso_login",
    "spreadsheet_safe", "unlock_account", "update_setting", "username_for_email", "utcnow", "verify_password",
]
