"""``synth --households N --years K [--communes C] [--seed S]``: synthetic data at scale."""

from __future__ import annotations

import time

from ..cli import UsageError
from ..db import Database
from ..i18n import fmt_number
from ..synth import DEFAULT_SEED, SynthError, synthesize


def run(args) -> int:
    if args.households < 1 or args.years < 1 or (args.communes is not None and args.communes < 1):
        raise UsageError("--households, --years and --communes must be positive")
    started = time.perf_counter()
    with Database(args.db) as db:
        try:
            result = synthesize(db, args.households, args.years, args.communes, seed=args.seed)
        except SynthError as exc:
            print(f"Từ chối / rejected: {exc}")
            return 1
        path = db.path
    seconds = time.perf_counter() - started
    units = "xã tổng hợp / synthetic communes" if result.synthetic_units else "xã thật / real communes"
    print(f"Đã tạo {fmt_number(result.household_rows)} dòng hộ (minh họa), năm {result.years[0]}–"
          f"{result.years[-1]}, {result.communes} {units} trong {seconds:.1f} s: {path}")
    print(f"Created {result.household_rows:,} household rows (illustrative) in {seconds:.1f} s.")
    return 0


def register(sub, common) -> None:
    p = sub.add_parser(
        "synth", parents=[common], help="generate synthetic data at scale (illustrative)",
        description="Generate realistic synthetic data into a database without data: N households "
                    "reviewed each year over K years (statuses changing year to year), commune totals, "
                    "targets, budget plans and monthly disbursements, every batch flagged illustrative. "
                    "Up to 13 communes reuse the real ones; more create a synthetic province. "
                    "Model parameters: data/synth/parameters.csv.")
    p.add_argument("--households", type=int, required=True, help="households reviewed each year")
    p.add_argument("--years", type=int, required=True,
                   help="number of years, from the first year a poverty standard covers (2022)")
    p.add_argument("--communes", type=int, default=None,
                   help="number of communes (default: one per 2,500 households)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (same seed, same data)")
    p.set_defaults(func=run)
