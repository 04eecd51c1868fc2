"""How long each allocation strategy takes (allocate + project + check), on the demo's 2024 plan
and on synthetic districts with many communes. Prints figures; asserts nothing."""

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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with Database(Path(tmp) / "bench.duckdb") as db:
            load_demo(db)
            baseline, params = S.setup(db, 2024)
    print(f"{'district':<22}{'strategy':<20}{'seconds':>10}{'escapes':>10}")
    for label, base, repeat in [("demo (13 communes)", baseline, 5),
                                ("synthetic 200", synthetic(baseline, 200), 2),
                                ("synthetic 1000", synthetic(baseline, 1000), 1)]:
        for strategy in S.STRATEGIES:
            seconds, escapes = timed(base, params, strategy, repeat)
            print(f"{label:<22}{strategy:<20}{seconds:>10.3f}{escapes:>10.1f}")


if __name__ == "__main__":
    main()
