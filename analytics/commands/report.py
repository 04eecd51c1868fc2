"""``report --year Y --out FILE.xlsx|FILE.pptx|FILE.zip``: the report pack for meetings and the
reporting calendar (the type follows the file's suffix)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from ..cli import EXIT_REJECTED, EXIT_USAGE
from ..db import Database
from ..poverty import years_with_data
from ..reports import REPORT_SUFFIXES, write_report


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        import argparse
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from exc


def run(args) -> int:
    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        print(f"error: unknown report type {suffix or '(none)'}; use one of "
              f"{', '.join(REPORT_SUFFIXES)}", file=sys.stderr)
        return EXIT_USAGE
    with Database(args.db) as db:
        if args.year not in years_with_data(db):
            print(f"Không có dữ liệu rà soát năm {args.year} / no review data for {args.year}",
                  file=sys.stderr)
            return EXIT_REJECTED
        out.parent.mkdir(parents=True, exist_ok=True)
        write_report(db, args.year, out, units=args.units, lang=args.lang, as_of=args.as_of)
    print(f"Đã ghi / written: {out}")
    return 0


def register(sub, common) -> None:
    p = sub.add_parser(
        "report", parents=[common], help="write the Excel report pack, the slide deck or the chart images",
        description="Write the year's report: FILE.xlsx (the official tables: summary, changes in poor "
                    "and near-poor households, deprivations, target groups, ethnicity, targets, "
                    "budget), FILE.pptx (the meeting deck: title, headline figures, key charts with "
                    "their takeaways) or FILE.zip (the key charts as PNG images). The type follows "
                    "the suffix; exit 2 for any other suffix, 1 for a year without data.")
    p.add_argument("--year", type=int, required=True, help="data year, e.g. 2024")
    p.add_argument("--out", required=True, help="output file: .xlsx, .pptx or .zip")
    p.add_argument("--units", type=int, default=None,
                   help="present the communes in the units of this vintage (e.g. 2025)")
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language (default vi)")
    p.add_argument("--as-of", dest="as_of", type=_date, default=None,
                   help="budget execution as of this date, YYYY-MM-DD (default: the latest report)")
    p.set_defaults(func=run)
