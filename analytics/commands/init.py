"""``init [--demo]``: create the database (schema and reference data), optionally with demo data."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import auth, registry
from ..cli import EXIT_REJECTED
from ..db import Database, default_db_path
from ..demo import DemoRefused, load_demo
from ..i18n import both


def run(args) -> int:
    existed = Path(args.db or default_db_path()).exists()
    with Database(args.db) as db:
        if args.demo:
            try:
                counts = load_demo(db)
            except DemoRefused as exc:
                print(f"Từ chối / refused: {exc}", file=sys.stderr)
                return EXIT_REJECTED
            print(f"Đã tạo dữ liệu minh họa / demo data created: {sum(counts.values())} dòng / rows "
                  f"in {db.path}")
        else:
            if existed:  # a new database loaded it while migrating; an old one takes CSV edits
                with db.transaction() as cur:
                    registry.load(cur)
            print(f"Cơ sở dữ liệu sẵn sàng / database ready: {db.path}")
            code = auth.issue_setup_code(db)
            if code:
                print(both("setup_code_printed", code=code))
    return 0


def register(sub, common) -> None:
    p = sub.add_parser("init", parents=[common],
                       help="create the database and load reference data",
                       description="Create (or migrate) the database and load the reference data and the national "
                                   "registry of units (on an existing database, the registry is reloaded, "
                                   "with the older units of data/reference/unit_older.csv). "
                                   "With --demo, also load the Hớn Quản 2024 demo data.")
    p.add_argument("--demo", action="store_true", help="load the demo data (only into a database without data)")
    p.set_defaults(func=run)
