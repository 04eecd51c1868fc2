"""``import FILE [--kind] [--year] [--commune] [--province] [--dry-run] [--json] [--user NAME]``: validate a
spreadsheet and commit it as one batch (all rows or none); with ``--user``, only as that account may."""

from __future__ import annotations

from pathlib import Path

from ..cli import UsageError, account_options, login, print_json
from ..db import Database
from ..importer import KINDS, import_file


def run(args) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"không có tệp / no such file: {path}")
    with Database(args.db) as db:
        scope = login(db, args, "import_data")
        report = import_file(db, path.read_bytes(), path.name, kind=args.kind, year=args.year,
                             commune=args.commune, province=args.province, dry_run=args.dry_run, lang=args.lang,
                             user=scope.username, communes=scope.household_communes)
    if args.json:
        print_json(report.to_dict())
    else:
        print(f"{path.name}: {report.status} ({report.kind or '?'}) — {report.rows_read} dòng đọc / rows read, "
              f"{report.rows_imported} nhập / imported, {report.rows_skipped} bỏ qua / skipped, "
              f"{report.encoding_repairs} sửa mã phông / encoding repairs"
              + (f", lô / batch {report.batch_id}" if report.batch_id else ""))
        for label, items in (("LỖI / ERROR", report.errors), ("CẢNH BÁO / WARNING", report.warnings)):
            for i in items:
                where = ", ".join(str(p) for p in (i.sheet, f"dòng {i.row}" if i.row else None, i.column) if p)
                value = f" [{i.value}]" if i.value not in (None, "") else ""
                print(f"  {label}: {where}{value}: {i.message}")
    return 0 if report.status in ("committed", "valid", "duplicate") else 1


def register(sub, common) -> None:
    p = sub.add_parser(
        "import", parents=[common], help="import a spreadsheet (households, totals, indicators, budget)",
        description="Read an Excel/ODS/CSV file as offices send it (title rows, merged headers, "
                    "legacy TCVN3/VNI text, numbers as text), validate it and commit it as one batch. "
                    "A households file replaces the (year, commune) pairs it covers; the same file "
                    "twice changes nothing. With --user NAME only as that account may (an officer: "
                    "rows of the assigned communes); without it, with full rights as the database "
                    "file's owner. Exit 0 committed (or valid with --dry-run), 1 rejected or refused.")
    p.add_argument("file", metavar="FILE", help=".xlsx, .xlsm, .xls, .ods or .csv file")
    p.add_argument("--kind", choices=KINDS, help="kind of data (default: detected from the headers)")
    p.add_argument("--year", type=int, help="data year when the file has no Năm column or title")
    p.add_argument("--commune", help="commune code or name when the file has no Xã column or title")
    p.add_argument("--province", help="province (name or code) narrowing the unit names, when the file "
                                      "has no Tỉnh column or title")
    p.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    p.add_argument("--json", action="store_true", help="print the JSON report")
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the messages")
    account_options(p)
    p.set_defaults(func=run)
