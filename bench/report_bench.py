"""Time the reports: the Excel pack, the chart images and the meeting deck, on the demo database
and (``--households N``) on synthetic data of N households a year over three years.

    .venv/bin/python bench/report_bench.py [--households 200000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.db import Database  # noqa: E402
from analytics.demo import load_demo  # noqa: E402
from analytics.reports.deck import write_deck  # noqa: E402
from analytics.reports.images import chart_images  # noqa: E402
from analytics.reports.workbook import write_workbook  # noqa: E402
from analytics.synth import synthesize  # noqa: E402


def timed(label: str, fn) -> None:
    start = time.perf_counter()
    out = fn()
    size = len(out) if isinstance(out, bytes) else sum(len(v) for v in out.values())
    print(f"  {label:<28} {time.perf_counter() - start:6.2f} s   {size / 1024:8.0f} KiB", flush=True)


def bench(db: Database, year: int) -> None:
    # Each export starts its own Chromium (as a user's click does): its start-up is in the time.
    timed("workbook (9 sheets)", lambda: write_workbook(db, year))
    timed("chart images (4 PNG)", lambda: chart_images(db, year))
    timed("deck (6 slides)", lambda: write_deck(db, year))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=0, help="also bench N synthetic households a year")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with Database(Path(tmp) / "demo.duckdb") as db:
            load_demo(db)
            print("demo database (Hớn Quản, 2024):")
            bench(db, 2024)
        if args.households:
            with Database(Path(tmp) / "synth.duckdb") as db:
                synthesize(db, args.households, 3)
                print(f"synthetic: {args.households:,} households a year, 3 years (last year 2024):")
                bench(db, 2024)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
