"""``rollback BATCH_ID [--user NAME]``: undo an import batch, restoring the rows it replaced."""

from __future__ import annotations

from ..batches import BatchError, rollback
from ..cli import account_options, login
from ..db import Database


def run(args) -> int:
    with Database(args.db) as db:
        scope = login(db, args, "import_data")
        try:
            done = rollback(db, args.batch_id, user=scope.username,
                            communes=scope.household_communes)
        except BatchError as exc:
            print(f"Từ chối / rejected: {exc}")
            return 1
    print(f"Đã hoàn tác lô {done['batch_id']}: xóa {done['deleted']} dòng, khôi phục {done['restored']} dòng "
          f"/ rolled back batch {done['batch_id']}: {done['deleted']} rows removed, {done['restored']} restored")
    return 0


def register(sub, common) -> None:
    p = sub.add_parser("rollback", parents=[common], help="undo an import batch",
                       description="Undo a committed import batch in one transaction: its rows are "
                                   "removed and the rows it replaced are restored. Refused when a later "
                                   "batch replaced its rows (roll that one back first). With --user NAME "
                                   "only as that account may (an officer: batches of the assigned "
                                   "communes); without it, with full rights as the database file's owner.")
    p.add_argument("batch_id", type=int, metavar="BATCH_ID", help="the batch id (see `batches`)")
    account_options(p)
    p.set_defaults(func=run)
