"""``batches [--json] [--user NAME]``: the import batches, newest first."""

from __future__ import annotations

from ..batches import list_batches
from ..cli import account_options, login, print_json
from ..db import Database


def run(args) -> int:
    with Database(args.db) as db:
        scope = login(db, args)
        frame = list_batches(db, limit=args.limit, communes=scope.household_communes, user=scope.username)
    if args.json:
        print_json(frame.to_dict(orient="records"))
        return 0
    for b in frame.itertuples():
        flag = " (minh họa)" if b.illustrative else ""
        print(f"{b.id:>5}  {b.status:<11} {b.kind:<15} {b.rows if b.rows == b.rows else 0:>7} dòng  "
              f"{b.started_at:%Y-%m-%d %H:%M}  {b.user_name or '':<10} {b.file_name or ''}{flag}")
    return 0


def register(sub, common) -> None:
    p = sub.add_parser("batches", parents=[common], help="list import batches",
                       description="List the import batches, newest first: id, status (committed or "
                                   "rolled_back), kind, rows, time, user and file name. With --user NAME "
                                   "only those the account may see (an officer: batches of the assigned "
                                   "communes); without it, all of them (the database file's owner).")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--limit", type=int, default=200, help="at most this many batches (default 200)")
    account_options(p)
    p.set_defaults(func=run)
