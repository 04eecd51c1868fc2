"""``user add|list|disable|enable|unlock|passwd|assign``: accounts, for administrators.

Whoever runs the command line holds the database file, so it acts with full rights; every
change is written to the audit log under ``cli:<operating-system user>``.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from .. import auth
from ..cli import EXIT_REJECTED, print_json, read_password
from ..db import Database


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def run(args) -> int:
    try:
        with Database(args.db) as db:
            return _ACTIONS[args.action](db, args)
    except auth.AuthError as exc:
        print(f"từ chối / rejected: {exc}", file=sys.stderr)
        return EXIT_REJECTED


def _add(db, args) -> int:
    password = None if args.sso_only else read_password(args, confirm=True)
    communes = auth.parse_communes(args.commune or [], args.vintage)
    name = auth.create_account(db, args.username, args.role, password, display_name=args.name,
                               email=args.email, communes=communes, actor=_actor())
    print(f"Đã tạo tài khoản / account created: {name} ({args.role})")
    return 0


def _list(db, args) -> int:
    frame = auth.list_accounts(db)
    if args.json:
        print_json(frame.to_dict(orient="records"))
        return 0
    for r in frame.itertuples():
        state = "active" if r.active else "disabled"
        print(f"{r.username:<20} {r.role:<8} {state:<8} {r.communes or '-':<20} {r.email or ''}")
    return 0


def _disable(db, args) -> int:
    auth.set_active(db, args.username, False, actor=_actor())
    print(f"Đã khoá tài khoản / account disabled: {auth.normalize_username(args.username)}")
    return 0


def _enable(db, args) -> int:
    auth.set_active(db, args.username, True, actor=_actor())
    print(f"Đã mở lại tài khoản / account enabled: {auth.normalize_username(args.username)}")
    return 0


def _unlock(db, args) -> int:
    was_locked = auth.unlock_account(db, args.username, actor=_actor())
    name = auth.normalize_username(args.username)
    print(f"Đã mở khoá / unlocked: {name}" if was_locked else
          f"Tài khoản không bị khoá / the account was not locked: {name}")
    return 0


def _passwd(db, args) -> int:
    auth.set_password(db, args.username, read_password(args, "Mật khẩu mới / new password: ", confirm=True),
                      actor=_actor())
    print(f"Đã đổi mật khẩu / password changed: {auth.normalize_username(args.username)}")
    return 0


def _assign(db, args) -> int:
    pairs = auth.assign_communes(db, args.username, auth.parse_communes(args.commune or [], args.vintage),
                                 actor=_actor())
    shown = " ".join(f"{v}:{c}" for v, c in pairs) or "-"
    print(f"Xã được giao / assigned communes of {auth.normalize_username(args.username)}: {shown}")
    return 0


_ACTIONS = {"add": _add, "list": _list, "disable": _disable, "enable": _enable, "unlock": _unlock,
            "passwd": _passwd, "assign": _assign}


def register(sub, common) -> None:
    p = sub.add_parser("user", parents=[common], help="manage accounts (administrators)",
                       description="Manage the dashboard's accounts: add, list, disable, enable, change a "
                                   "password, assign communes to an officer. Changes are audited.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    # --db also after the action (``user add NAME --db F``), without overriding one given before it.
    db_option = argparse.ArgumentParser(add_help=False)
    db_option.add_argument("--db", default=argparse.SUPPRESS, help="DuckDB file (default: $POVERTY_DB)")
    common = db_option

    def password_option(q):
        q.add_argument("--password-stdin", action="store_true",
                       help="read the password from the first line of stdin instead of asking")

    def commune_options(q, required=False):
        q.add_argument("--commune", action="append", required=required, metavar="CODE",
                       help="commune code, or VINTAGE:CODE (repeatable; comma-separated lists work)")
        q.add_argument("--vintage", type=int, default=2024,
                       help="units vintage for codes given without one (default 2024: before 1 July 2025)")

    q = actions.add_parser("add", parents=[common], help="create an account",
                           description="Create an account. `user add NAME --role admin` makes the first "
                                       "administrator of a new database.")
    q.add_argument("username")
    q.add_argument("--role", required=True, choices=list(auth.roles()), help="the account's role")
    q.add_argument("--name", help="display name")
    q.add_argument("--email", help="e-mail, used to match single sign-on")
    q.add_argument("--sso-only", action="store_true", help="no password: signs in only by single sign-on")
    password_option(q)
    commune_options(q)

    q = actions.add_parser("list", parents=[common], help="list accounts",
                           description="List accounts with role, state and assigned communes.")
    q.add_argument("--json", action="store_true", help="print JSON")

    for name, text in (("disable", "disable an account (its sessions end)"),
                       ("enable", "re-enable a disabled account"),
                       ("unlock", "lift a lock-out after failed logins, from every computer")):
        q = actions.add_parser(name, parents=[common], help=text, description=text.capitalize() + ".")
        q.add_argument("username")

    q = actions.add_parser("passwd", parents=[common], help="set an account's password",
                           description="Set an account's password (also lifts a lock-out).")
    q.add_argument("username")
    password_option(q)

    q = actions.add_parser("assign", parents=[common], help="set an officer's communes",
                           description="Replace the communes assigned to an account (officers read and "
                                       "import only these). Without --commune, removes them all.")
    q.add_argument("username")
    commune_options(q)
    p.set_defaults(func=run)
