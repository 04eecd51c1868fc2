"""``backup --out DIR``: export the whole database to a directory."""

from __future__ import annotations

from ..backup import BackupError, backup
from ..db import Database
from ..i18n import fmt_number


def run(args) -> int:
    with Database(args.db) as db:
        try:
            info = backup(db, args.out)
        except BackupError as exc:
            print(f"Từ chối / rejected: {exc}")
            return 1
    rows = sum(info.tables.values())
    print(f"Đã sao lưu {len(info.tables)} bảng, {fmt_number(rows)} dòng vào {info.directory} "
          f"/ backed up {len(info.tables)} tables, {rows:,} rows")
    return 0


def register(sub, common) -> None:
    p = sub.add_parser(
        "backup", parents=[common], help="export the whole database to a directory",
        description="Export every table (Parquet files, the schema and a manifest of row counts) to "
                    "DIR, which must not exist or be empty. The export is one consistent snapshot and "
                    "appears only when complete. Restore it with `restore DIR`.")
    p.add_argument("--out", required=True, metavar="DIR", help="directory to create")
    p.set_defaults(func=run)
