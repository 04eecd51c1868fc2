"""Each analytics function behind the summary at 1 million and 10 million household rows, beside
the bare DuckDB query that computes the same figures straight from the tables (the ratio is the
product's overhead: views, joins for names and units, pandas). Before timing, one figure of each
is compared with the bare query's (they must agree). Prints a table; writes bench/results.md.

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
MIN_ROUNDS, MIN_SECONDS = 5, 1.0  # short calls are repeated until a second has passed: medians of many
GOAL_SECONDS, GOAL_RATIO = 1.0, 2.0

LIVE = "household WHERE superseded_by IS NULL"
S = "coalesce(recorded_status, computed_status)"
P = YEAR - 1


def counts(*pairs: tuple[str, str]) -> str:
    """count(*) FILTER (...) for each (status, extra condition)."""
    return ", ".join(f"count(*) FILTER ({S} = '{st}'{' AND ' + c if c else ''})" for st, c in pairs)


# The transitions of one list, as the module docstring defines them, straight from the table
# (the year's own communes: no unit mapping, no names).
def transitions_sql(lst: str) -> str:
    return f"""
        WITH listed AS (SELECT DISTINCT household_id FROM {LIVE} AND year IN ({P}, {YEAR}) AND {S} = '{lst}'),
        hh AS (SELECT year, household_id, min(commune_code) AS code, arg_min({S}, commune_code) AS status
               FROM {LIVE} AND year IN ({P}, {YEAR}) AND household_id IN (SELECT household_id FROM listed)
               GROUP BY ALL),
        included AS (SELECT commune_code FROM {LIVE} AND year = {P}
                     INTERSECT SELECT commune_code FROM {LIVE} AND year = {YEAR}),
        prev AS (SELECT * FROM hh WHERE year = {P}), cur AS (SELECT * FROM hh WHERE year = {YEAR}),
        earlier AS (SELECT DISTINCT household_id FROM {LIVE} AND year < {P} AND {S} = '{lst}'
                    AND household_id IN (SELECT household_id FROM cur WHERE status = '{lst}')),
        dec AS (SELECT p.code, CASE WHEN c.household_id IS NULL OR c.code <> p.code OR c.status IS NULL
                                         OR c.status NOT IN ('poor', 'near_poor', 'average', 'above')
                                    THEN 'other' WHEN c.status = p.status THEN 'stay'
                                    WHEN c.status IN ('poor', 'near_poor') THEN 'to_other' ELSE 'above' END AS kind
                FROM prev p LEFT JOIN cur c USING (household_id)
                WHERE p.status = '{lst}' AND p.code IN (SELECT commune_code FROM included)),
        inc AS (SELECT c.code, CASE WHEN p.household_id IS NOT NULL AND p.code <> c.code THEN 'other'
                                    WHEN p.status = c.status THEN 'stay'
                                    WHEN p.status IN ('poor', 'near_poor') THEN 'from_other'
                                    WHEN e.household_id IS NOT NULL THEN 'fallen_back' ELSE 'newly' END AS kind
                FROM cur c LEFT JOIN prev p USING (household_id) LEFT JOIN earlier e USING (household_id)
                WHERE c.status = '{lst}' AND c.code IN (SELECT commune_code FROM included)),
        d AS (SELECT code, count(*) AS start, count(*) FILTER (kind = 'to_other') AS to_other,
                     count(*) FILTER (kind = 'above') AS above, count(*) FILTER (kind = 'other') AS other
              FROM dec GROUP BY code),
        i AS (SELECT code, count(*) AS "end", count(*) FILTER (kind = 'from_other') AS from_other,
                     count(*) FILTER (kind = 'fallen_back') AS fallen_back,
                     count(*) FILTER (kind = 'newly') AS newly, count(*) FILTER (kind = 'other') AS other
              FROM inc GROUP BY code)
        SELECT commune_code, d.*, i.* FROM included LEFT JOIN d ON d.code = commune_code
        LEFT JOIN i ON i.code = commune_code ORDER BY commune_code"""


# The targets counted as a fall in poor households over the year (analytics.targets).
REDUCTIONS = ("poor_reduction", "poor_ethnic_minority_reduction", "poor_kinh_reduction")


def number(x) -> float | None:
    """A figure to compare: a float, or None where there is none (NULL, NaN)."""
    return None if x is None or x != x else float(x)


def total_of(position: int):
    """A check: the sum of one column of the bare rows."""
    return lambda rows: sum(r[position] or 0 for r in rows)


# (name, product call, bare query computing the same figures, the product's figure to compare,
#  the same figure from the bare rows)
CASES = [
    ("poverty.household_counts", lambda db: poverty.household_counts(db, YEAR),
     f"""SELECT {counts(('poor', ''), ('near_poor', ''), ('poor', 'is_ethnic_minority'),
                       ('near_poor', 'is_ethnic_minority'), ('poor', 'NOT o.is_urban'), ('poor', 'o.is_urban'),
                       ('near_poor', 'NOT o.is_urban'), ('near_poor', 'o.is_urban'))},
                sum(members) FILTER ({S} = 'poor'), sum(members) FILTER ({S} = 'near_poor'),
                (SELECT sum(households) FROM commune_total WHERE superseded_by IS NULL AND year = {YEAR})
         FROM (SELECT * FROM {LIVE} AND year = {YEAR}) h
         LEFT JOIN org_unit o ON o.vintage = h.commune_vintage AND o.code = h.commune_code""",
     lambda r: r["poor"], lambda rows: rows[0][0]),
    ("poverty.commune_table", lambda db: poverty.commune_table(db, YEAR),
     f"""WITH c AS (SELECT commune_code, {counts(('poor', ''), ('near_poor', ''), ('poor', 'is_ethnic_minority'),
                                                ('near_poor', 'is_ethnic_minority'))},
                           sum(members) FILTER ({S} = 'poor'), sum(members) FILTER ({S} = 'near_poor')
                    FROM {LIVE} AND year = {YEAR} GROUP BY commune_code),
              t AS (SELECT commune_code, sum(households), sum(persons) FROM commune_total
                    WHERE superseded_by IS NULL AND year = {YEAR} GROUP BY commune_code)
         SELECT * FROM c FULL JOIN t USING (commune_code) ORDER BY commune_code""",
     lambda f: int(f["poor"].sum()), total_of(1)),
    ("poverty.trend", lambda db: poverty.trend(db),
     f"""WITH c AS (SELECT year, {counts(('poor', ''), ('near_poor', ''), ('poor', 'is_ethnic_minority'),
                                       ('near_poor', 'is_ethnic_minority'))}
                    FROM {LIVE} GROUP BY year),
              t AS (SELECT year, sum(households) FROM commune_total WHERE superseded_by IS NULL GROUP BY year)
         SELECT * FROM c LEFT JOIN t USING (year) ORDER BY year""",
     lambda f: list(f["poor"]), lambda rows: [r[1] for r in rows]),
    ("poverty.group_breakdown", lambda db: poverty.group_breakdown(db, YEAR),
     f"""SELECT {counts(('poor', 'is_ethnic_minority'), ('near_poor', 'is_ethnic_minority'),
                       ('poor', 'no_labour_capacity'), ('near_poor', 'no_labour_capacity'),
                       ('poor', 'has_merit'), ('near_poor', 'has_merit'))}
         FROM {LIVE} AND year = {YEAR}""",
     lambda f: list(f["poor"]), lambda rows: [rows[0][0], rows[0][2], rows[0][4]]),
    ("poverty.ethnicity_breakdown", lambda db: poverty.ethnicity_breakdown(db, YEAR),
     f"""SELECT ethnicity, {counts(('poor', ''), ('near_poor', ''))} FROM {LIVE} AND year = {YEAR}
         AND {S} IN ('poor', 'near_poor') GROUP BY ethnicity""",
     lambda f: int(f["poor"].sum()), total_of(1)),
    ("poverty.status_disagreements", lambda db: poverty.status_disagreements(db, YEAR),
     f"""SELECT household_id FROM {LIVE} AND year = {YEAR} AND recorded_status <> computed_status""",
     len, len),
    ("transitions.poor_transitions", lambda db: transitions.poor_transitions(db, YEAR),
     transitions_sql("poor"), lambda f: int(f["start"].sum()), total_of(2)),
    ("transitions.near_poor_transitions", lambda db: transitions.near_poor_transitions(db, YEAR),
     transitions_sql("near_poor"), lambda f: int(f["end"].sum()), total_of(7)),
    ("deprivations.deprivation_table", lambda db: deprivations.deprivation_table(db, YEAR),
     f"""SELECT commune_code, {S}, count(*), {', '.join(f'count(*) FILTER (d{n:02d})' for n in range(1, 13))}
         FROM {LIVE} AND year = {YEAR} AND {S} IN ('poor', 'near_poor') GROUP BY ALL""",
     lambda f: int(f["poor_count"].sum()),
     lambda rows: sum(sum(r[3:]) for r in rows if r[1] == "poor")),
    ("deprivations.alkire_foster", lambda db: deprivations.alkire_foster(db, YEAR),
     f"""WITH s AS (SELECT ({' + '.join(f'coalesce(d{n:02d}::INT, 0)' for n in range(1, 13))}) / 12 AS c,
                           {', '.join(f'd{n:02d}' for n in range(1, 13))} FROM {LIVE} AND year = {YEAR})
         SELECT count(*), count(*) FILTER (c >= 0.25 - 1e-9), sum(c) FILTER (c >= 0.25 - 1e-9),
                {', '.join(f'count(*) FILTER (c >= 0.25 - 1e-9 AND d{n:02d})' for n in range(1, 13))} FROM s""",
     lambda af: af.q, lambda rows: rows[0][1]),
    ("targets.target_gaps", lambda db: targets.target_gaps(db, YEAR),
     f"""WITH c AS (SELECT year, commune_code, {counts(('poor', ''))} AS poor,
                           {counts(('poor', 'is_ethnic_minority'))} AS poor_em,
                           {counts(('poor', 'NOT coalesce(is_ethnic_minority, false)'))} AS poor_kinh,
                           count(*) FILTER ({S} IN ('poor', 'near_poor') AND NOT coalesce(d04, false)) AS covered
                    FROM {LIVE} AND year IN ({P}, {YEAR}) GROUP BY ALL),
              t AS (SELECT commune_code, sum(households) AS households FROM commune_total
                    WHERE superseded_by IS NULL AND year = {YEAR} GROUP BY ALL),
              a AS (SELECT commune_code,
                           sum(poor) FILTER (year = {P}) - sum(poor) FILTER (year = {YEAR}) AS poor_reduction,
                           sum(poor_em) FILTER (year = {P}) - sum(poor_em) FILTER (year = {YEAR}) AS em_reduction,
                           sum(poor_kinh) FILTER (year = {P}) - sum(poor_kinh) FILTER (year = {YEAR}) AS kinh_reduction,
                           sum(poor) FILTER (year = {YEAR}) / any_value(t.households) AS rate,
                           sum(covered) FILTER (year = {YEAR}) AS covered
                    FROM c LEFT JOIN t USING (commune_code) GROUP BY commune_code),
              -- each district: the sum of its communes
              d AS (SELECT o.vintage, o.parent_code AS org_code, sum(poor_reduction) AS poor_reduction,
                           sum(em_reduction) AS em_reduction, sum(kinh_reduction) AS kinh_reduction
                    FROM a JOIN org_unit o ON o.code = a.commune_code GROUP BY ALL)
         SELECT v.org_code, v.indicator_code, v.value,
                CASE v.indicator_code WHEN 'poor_reduction' THEN coalesce(a.poor_reduction, d.poor_reduction)
                     WHEN 'poor_ethnic_minority_reduction' THEN coalesce(a.em_reduction, d.em_reduction)
                     WHEN 'poor_kinh_reduction' THEN coalesce(a.kinh_reduction, d.kinh_reduction) END AS reduction,
                a.rate, a.covered
         FROM indicator_value v LEFT JOIN a ON a.commune_code = v.org_code
         LEFT JOIN d ON d.vintage = v.org_vintage AND d.org_code = v.org_code
         WHERE v.year = {YEAR} AND v.kind = 'target' AND v.superseded_by IS NULL""",
     # The number of targets, and what was achieved on each reduction target, commune or district
     # (computed from the households, not copied from the table).
     lambda f: (len(f), {(r.org_unit, r.indicator): number(r.achieved)
                         for r in f.itertuples() if r.indicator in REDUCTIONS}),
     lambda rows: (len(rows), {(r[0], r[1]): number(r[3]) for r in rows if r[1] in REDUCTIONS})),
    ("budget.execution", lambda db: budget.execution(db, YEAR),
     f"""WITH d AS (SELECT project, sub_project, source, org_vintage, org_code,
                           arg_max(amount_mvnd, as_of) AS amount FROM disbursement
                    WHERE superseded_by IS NULL AND year = {YEAR} GROUP BY ALL),
              dl AS (SELECT project, sub_project, sum(amount) AS disbursed FROM d GROUP BY ALL),
              pl AS (SELECT project, sub_project, sum(amount_mvnd) AS plan FROM budget_plan
                     WHERE superseded_by IS NULL AND year = {YEAR} GROUP BY ALL)
         SELECT * FROM pl FULL JOIN dl USING (project, sub_project) ORDER BY ALL""",
     lambda f: round(float(f["disbursed"].sum()), 3), lambda rows: round(float(sum(r[3] or 0 for r in rows)), 3)),
    ("budget.cumulative_curve", lambda db: budget.cumulative_curve(db, YEAR),
     f"""WITH d AS (SELECT as_of, project, sub_project, source, org_vintage, org_code, sum(amount_mvnd) AS amount
                    FROM disbursement WHERE superseded_by IS NULL AND year = {YEAR} GROUP BY ALL),
              dates AS (SELECT DISTINCT as_of FROM d)
         SELECT dates.as_of, sum(x.amount) FROM dates, LATERAL (
             SELECT arg_max(amount, d.as_of) AS amount FROM d WHERE d.as_of <= dates.as_of
             GROUP BY project, sub_project, source, org_vintage, org_code) x
         GROUP BY dates.as_of ORDER BY dates.as_of""",
     lambda f: round(float(f["disbursed"].iloc[-1]), 3), lambda rows: round(float(rows[-1][1]), 3)),
]


def medians(*fns) -> list[float]:
    """Median times of ``fns``, called in turn (so a busy moment of the machine falls on each):
    at least MIN_ROUNDS rounds, more for quick calls until MIN_SECONDS have passed. No warm-up
    here: the caller has run each once (the page caches make warm runs the norm)."""
    runs = [[] for _ in fns]
    started = time.perf_counter()
    while len(runs[0]) < MIN_ROUNDS or time.perf_counter() - started < MIN_SECONDS:
        for fn, times in zip(fns, runs):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return [statistics.median(times) for times in runs]


def bench(rows: int) -> list[list]:
    path = synthetic_db(rows)
    out = []
    with Database(path) as db:
        actual = db.scalar("SELECT count(*) FROM household")
        for name, call, sql, figure, bare_figure in CASES:
            # The check runs each once: the warm-up before timing.
            mine, theirs = figure(call(db)), bare_figure(db.query(sql))
            if mine != theirs:  # the bare query must compute the same figures, or the ratio means nothing
                raise SystemExit(f"{name}: the product says {mine}, the bare query {theirs}")
            product, bare = medians(lambda: call(db), lambda: db.query(sql))
            out.append([name, f"{actual:,}", f"{product:.3f}", f"{bare:.3f}", f"{product / bare:.1f}",
                        "yes" if product <= GOAL_SECONDS and product <= GOAL_RATIO * bare else "no"])
            print(" | ".join(out[-1]), flush=True)
        # The whole summary (it calls other functions than the ones above: no bare query to set
        # beside it), warmed up once as the others by their check.
        summary.summary(db, YEAR)
        product = medians(lambda: summary.summary(db, YEAR))[0]
        out.append(["summary.summary (all of it)", f"{actual:,}", f"{product:.3f}", "—", "—", "—"])
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
    write_section("Analytics", f"Year {YEAR}; medians of warm runs, the product's and the bare query's in "
                  f"turn, at least {MIN_ROUNDS} of each and more for quick calls (until {MIN_SECONDS:g} s "
                  f"have passed); the bare query computes the "
                  f"same figures straight from the tables (no views, unit mapping, names or pandas), and "
                  f"one figure of each was checked equal to the product's before timing.\n\n{text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
