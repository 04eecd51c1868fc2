"""``python -m analytics``: a thin command line over the same functions the pages call.

Each command lives in ``analytics/commands/<name>.py`` with ``register(subparsers, common)``.
Exit codes: 0 success, 1 rejected input, 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys

from . import commands
from .db import DatabaseError, default_db_path

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A command was called with arguments it cannot use."""


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
    except DatabaseError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REJECTED
