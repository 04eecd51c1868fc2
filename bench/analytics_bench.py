"""Each analytics function behind the summary at 1 million and 10 million household rows, beside
the bare DuckDB aggregate query that computes the same figure (the ratio is the product's
overhead: views, joins for names and units, pandas). Prints a table; writes bench/results.md.

    .venv/bin/python bench/analytics_bench.py [ROWS ...]      (default: 1000000 10000000)
"""

from __future__ import annotations

import statistics
import sys
import time

from _results import synthetic_db, table, write_section

from analytics import budget, deprivations, poverty, summary, targets, transitions
from analytics.db import Database

YEAR = 2024  # a year with a year before it (transitions), targets, a budget and disbursements
REPEAT = 3
GOAL_SECONDS, GOAL_RATIO = 1.0, 2.0

LIVE = "household WHERE superseded_by IS NULL"
STATUS = "coalesce(recorded_status, computed_status)"
DEPS = " + ".join(f"count(*) FILTER (d{n:02d})" for n in range(1, 13))

# (name, product call, bare query computing the same figures)
CASES = [
    ("poverty.household_counts", lambda db: poverty.household_counts(db, YEAR),
     f"""SELECT count(*) FILTER ({STATUS} = 'poor'), count(*) FILTER ({STATUS} = 'near_poor'),
                count(*) FILTER ({STATUS} = 'poor' AND is_ethnic_minority),
                (SELECT sum(households) FROM commune_total WHERE year = {YEAR} AND superseded_by IS NULL)
         FROM {LIVE} AND year = {YEAR}"""),
    ("poverty.commune_table", lambda db: poverty.commune_table(db, YEAR),
     f"""SELECT commune_code, count(*) FILTER ({STATUS} = 'poor'), count(*) FILTER ({STATUS} = 'near_poor'),
                count(*) FILTER ({STATUS} = 'poor' AND is_ethnic_minority)
         FROM {LIVE} AND year = {YEAR} GROUP BY commune_code"""),
    ("poverty.trend", lambda db: poverty.trend(db),
     f"""SELECT year, count(*) FILTER ({STATUS} = 'poor'), count(*) FILTER ({STATUS} = 'near_poor')
         FROM {LIVE} GROUP BY year"""),
    ("poverty.group_breakdown", lambda db: poverty.group_breakdown(db, YEAR),
     f"""SELECT count(*) FILTER ({STATUS} = 'poor' AND is_ethnic_minority),
                count(*) FILTER ({STATUS} = 'poor' AND no_labour_capacity),
                count(*) FILTER ({STATUS} = 'poor' AND has_merit)
         FROM {LIVE} AND year = {YEAR}"""),
    ("poverty.ethnicity_breakdown", lambda db: poverty.ethnicity_breakdown(db, YEAR),
     f"""SELECT ethnicity, count(*) FILTER ({STATUS} = 'poor'), count(*) FILTER ({STATUS} = 'near_poor')
         FROM {LIVE} AND year = {YEAR} GROUP BY ethnicity"""),
    ("poverty.status_disagreements", lambda db: poverty.status_disagreements(db, YEAR),
     f"SELECT * FROM {LIVE} AND year = {YEAR} AND recorded_status <> computed_status"),
    ("transitions.poor_transitions", lambda db: transitions.poor_transitions(db, YEAR),
     f"""SELECT coalesce(b.commune_code, a.commune_code), a.s, b.s, count(*) FROM
           (SELECT household_id, commune_code, {STATUS} AS s FROM {LIVE} AND year = {YEAR - 1}) a
           FULL JOIN (SELECT household_id, commune_code, {STATUS} AS s FROM {LIVE} AND year = {YEAR}) b
           USING (household_id) WHERE a.s = 'poor' OR b.s = 'poor' GROUP BY ALL"""),
    ("transitions.near_poor_transitions", lambda db: transitions.near_poor_transitions(db, YEAR),
     f"""SELECT coalesce(b.commune_code, a.commune_code), a.s, b.s, count(*) FROM
           (SELECT household_id, commune_code, {STATUS} AS s FROM {LIVE} AND year = {YEAR - 1}) a
           FULL JOIN (SELECT household_id, commune_code, {STATUS} AS s FROM {LIVE} AND year = {YEAR}) b
           USING (household_id) WHERE a.s = 'near_poor' OR b.s = 'near_poor' GROUP BY ALL"""),
    ("deprivations.deprivation_table", lambda db: deprivations.deprivation_table(db, YEAR),
     f"""SELECT commune_code, {STATUS} AS s, {', '.join(f'count(*) FILTER (d{n:02d})' for n in range(1, 13))}
         FROM {LIVE} AND year = {YEAR} AND {STATUS} IN ('poor', 'near_poor') GROUP BY ALL"""),
    ("deprivations.alkire_foster", lambda db: deprivations.alkire_foster(db, YEAR),
     f"""SELECT avg((deprivation_count >= 3)::INT), avg(deprivation_count) FILTER (deprivation_count >= 3),
                {DEPS} FROM {LIVE} AND year = {YEAR}"""),
    ("targets.target_gaps", lambda db: targets.target_gaps(db, YEAR),
     f"""SELECT t.org_code, t.indicator_code, t.value, p.prev - p.now FROM indicator_value t
         LEFT JOIN (SELECT commune_code, count(*) FILTER (year = {YEAR - 1} AND {STATUS} = 'poor') AS prev,
                           count(*) FILTER (year = {YEAR} AND {STATUS} = 'poor') AS now
                    FROM {LIVE} AND year IN ({YEAR - 1}, {YEAR}) GROUP BY ALL) p ON p.commune_code = t.org_code
         WHERE t.year = {YEAR} AND t.superseded_by IS NULL"""),
    ("budget.execution", lambda db: budget.execution(db, YEAR),
     f"""WITH d AS (SELECT project, sub_project, sum(amount_mvnd) AS disbursed FROM disbursement
                    WHERE year = {YEAR} AND as_of = (SELECT max(as_of) FROM disbursement WHERE year = {YEAR})
                    AND superseded_by IS NULL GROUP BY ALL)
         SELECT b.project, b.sub_project, sum(amount_mvnd), any_value(d.disbursed) FROM budget_plan b
         LEFT JOIN d ON d.project = b.project AND d.sub_project IS NOT DISTINCT FROM b.sub_project
         WHERE b.year = {YEAR} AND b.superseded_by IS NULL GROUP BY ALL"""),
    ("budget.cumulative_curve", lambda db: budget.cumulative_curve(db, YEAR),
     f"""SELECT as_of, sum(amount_mvnd) FROM disbursement WHERE year = {YEAR} AND superseded_by IS NULL
         GROUP BY as_of ORDER BY as_of"""),
]


def timed(fn) -> float:
    """Median of REPEAT runs after one warm-up run (the page caches make warm runs the norm)."""
    fn()
    runs = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def bench(rows: int) -> list[list]:
    path = synthetic_db(rows)
    out = []
    with Database(path) as db:
        actual = db.scalar("SELECT count(*) FROM household")
        bare_total = 0.0
        for name, call, sql in CASES:
            product = timed(lambda: call(db))
            bare = timed(lambda: db.query(sql))
            bare_total += bare
            out.append([name, f"{actual:,}", f"{product:.3f}", f"{bare:.3f}", f"{product / bare:.1f}",
                        "yes" if product <= GOAL_SECONDS and product <= GOAL_RATIO * bare else "no"])
            print(" | ".join(out[-1]), flush=True)
        # The whole summary against the sum of the bare queries of its parts.
        product = timed(lambda: summary.summary(db, YEAR))
        out.append(["summary.summary (all of it)", f"{actual:,}", f"{product:.3f}", f"{bare_total:.3f}",
                    f"{product / bare_total:.1f}", "—"])
        print(" | ".join(out[-1]), flush=True)
    return out


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [1_000_000, 10_000_000]
    rows = []
    for size in sizes:
        rows += bench(size)
    headers = ["function", "household rows", "product (s)", "bare query (s)", "ratio",
               f"within {GOAL_SECONDS:g} s and {GOAL_RATIO:g}×"]
    text = table(headers, rows)
    print(text)
    write_section("Analytics", f"Year {YEAR}, median of {REPEAT} warm runs; the bare query computes the "
                  f"same figures straight from the `household` table.\n\n{text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
