"""``python -m analytics``: a thin command line over the same functions the pages call.

Each command lives in ``analytics/commands/<name>.py`` with ``register(subparsers, common)``.
Exit codes: 0 success, 1 rejected input, 2 usage error.

Without ``--user`` a command runs with full rights, as whoever holds the database file. The data
commands (``import``, ``rollback``, ``batches``) take ``--user NAME``: the account logs in (lock-out
and audit as on the login page) and the command keeps to its role and communes.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import json
import pkgutil
import sys

from . import auth, commands
from .db import DatabaseError, default_db_path
from .i18n import both, t

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A command was called with arguments it cannot use."""


class Refused(Exception):
    """A command refused for its caller (wrong password, role without the permission): exit 1."""


def read_password(args, prompt: str = "Mật khẩu / password: ", *, confirm: bool = False) -> str:
    """From the first line of stdin with --password-stdin (scripts), else asked on the terminal
    (twice when ``confirm``, for a new password)."""
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Nhập lại / again: ") != first:
        raise auth.AuthError("mismatch", "the two passwords differ")
    return first


def account_options(parser: argparse.ArgumentParser) -> None:
    """``--user NAME`` and ``--password-stdin`` on a data command."""
    parser.add_argument(
        "--user", metavar="NAME",
        help="log in as this account (its password is asked, or read with --password-stdin) and keep "
             "to its role and communes: an officer touches only the assigned communes, a viewer or "
             "planner may not import or roll back. Without --user the command runs with full rights, "
             "as the owner of the database file (e.g. an administrator's scripts)")
    parser.add_argument("--password-stdin", action="store_true",
                        help="with --user: read the password from the first line of stdin instead of asking")


def login(db, args, permission: str | None = None) -> auth.Scope:
    """The Scope of ``--user`` after checking its password with ``auth.authenticate`` (lock-out
    and audit log included), or without ``--user`` the full-rights ``Scope.system`` of whoever
    runs the command. Refused on a failed login or when the role lacks ``permission``."""
    if getattr(args, "user", None) is None:  # --user "" is a login (refused), not full rights
        if getattr(args, "password_stdin", False):
            raise UsageError("--password-stdin needs --user NAME")
        return auth.Scope.system(getpass.getuser())
    password = read_password(args)
    try:
        _, scope = auth.authenticate(db, args.user, password, client=f"cli:{getpass.getuser()}")
    except auth.LoginRefused as exc:
        raise Refused(both(f"auth_refused_{exc.reason}")) from None
    if permission and not scope.can(permission):
        info = scope.role_info
        raise Refused(f"{t('data_no_import', 'vi')} ({scope.username}: {info.label('vi')}) / "
                      f"{t('data_no_import', 'en')} ({scope.username}: {info.label('en')})")
    return scope


def common_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", default=None,
                        help=f"DuckDB file (default: $POVERTY_DB or {default_db_path()})")
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analytics",
        description="Dữ liệu giảm nghèo bền vững: khởi tạo, nhập, tổng hợp. "
                    "Poverty-reduction data: set up, import, summarise.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = common_options()
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"{commands.__name__}.{info.name}").register(sub, common)
    return parser


def print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Refused as exc:
        print(f"Từ chối / refused: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    except DatabaseError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REJECTED
