"""How long each allocation strategy takes (allocate + project + check), on the demo's 2024 plan
and on synthetic districts with many communes, then the optimiser's time for a province of 100
communes and for the whole country (3,321 communes) as a ratio to the ``plan`` strategy's.
Prints figures; asserts nothing.

    .venv/bin/python bench/bench_scenarios.py [ratios]      (ratios: only the optimiser's ratios)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import scenarios as S  # noqa: E402
from analytics.db import Database  # noqa: E402
from analytics.demo import load_demo  # noqa: E402


def timed(baseline, params, strategy, repeat: int) -> tuple[float, float]:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = S.evaluate(baseline, params, strategy)
        best = min(best, time.perf_counter() - start)
    return best, result.projection.projected_escapes


def synthetic(baseline: S.Baseline, communes: int, seed: int = 1) -> S.Baseline:
    """The demo plan over ``communes`` invented communes (poor 0–40, near-poor 0–40)."""
    rng = np.random.default_rng(seed)
    poor = rng.integers(0, 40, communes)
    frame = pd.DataFrame({"code": [f"c{i:05d}" for i in range(communes)],
                          "name": [f"Xã {i}" for i in range(communes)],
                          "total": rng.integers(1500, 4000, communes), "poor": poor,
                          "near_poor": rng.integers(0, 40, communes),
                          "poor_ethnic_minority": (poor * rng.random(communes)).astype(int),
                          "target": (poor * rng.uniform(0.2, 0.7, communes)).round()})
    return S.Baseline(year=baseline.year, communes=frame, plan=baseline.plan, district_code="D")


# (label, communes, repeats): a province, and the whole country after the 2025 reorganisation.
RATIO_SIZES = [("province (100 communes)", 100, 3), ("country (3,321 communes)", 3321, 1)]


def optimiser_ratios(baseline, params) -> None:
    """The optimiser's time against the ``plan`` strategy's, on the demo plan spread over a
    province and over the country."""
    print(f"\n{'area':<28}{'plan (s)':>10}{'optimise (s)':>14}{'ratio':>8}")
    for label, communes, repeat in RATIO_SIZES:
        base = synthetic(baseline, communes)
        plan_s, _ = timed(base, params, "plan", repeat)
        opt_s, _ = timed(base, params, "optimise", repeat)
        print(f"{label:<28}{plan_s:>10.3f}{opt_s:>14.3f}{opt_s / plan_s:>8.1f}")


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with Database(Path(tmp) / "bench.duckdb") as db:
            load_demo(db)
            baseline, params = S.setup(db, 2024)
    if argv == ["ratios"]:
        optimiser_ratios(baseline, params)
        return
    print(f"{'district':<22}{'strategy':<20}{'seconds':>10}{'escapes':>10}")
    for label, base, repeat in [("demo (13 communes)", baseline, 5),
                                ("synthetic 200", synthetic(baseline, 200), 2),
                                ("synthetic 1000", synthetic(baseline, 1000), 1)]:
        for strategy in S.STRATEGIES:
            seconds, escapes = timed(base, params, strategy, repeat)
            print(f"{label:<22}{strategy:<20}{seconds:>10.3f}{escapes:>10.1f}")
    optimiser_ratios(baseline, params)


if __name__ == "__main__":
    main(sys.argv[1:])
