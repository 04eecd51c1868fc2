"""``restore DIR``: import a backup into a new database file."""

from __future__ import annotations

from ..backup import BackupError, restore
from ..db import default_db_path
from ..i18n import fmt_number


def run(args) -> int:
    target = args.db or default_db_path()
    try:
        info = restore(args.dir, target)
    except BackupError as exc:
        print(f"Từ chối / rejected: {exc}")
        return 1
    rows = sum(info.tables.values())
    print(f"Đã khôi phục {len(info.tables)} bảng, {fmt_number(rows)} dòng (sao lưu lúc {info.created_at}) "
          f"vào {target} / restored {rows:,} rows")
    return 0


def register(sub, common) -> None:
    p = sub.add_parser(
        "restore", parents=[common], help="restore a backup into a new database file",
        description="Import a directory made by `backup` into the --db file, which must not exist or "
                    "be empty: a restore never overwrites data. Every table's row count is checked "
                    "against the backup's manifest before the file appears.")
    p.add_argument("dir", metavar="DIR", help="a directory made by `backup --out`")
    p.set_defaults(func=run)
