"""The same households under another period's standard (e.g. a 2026 review under Decree 351's
2027–2030 standard): poor and near-poor under each, the households that change class and why,
and those the data cannot classify under the other standard.

Both sides are the rule's status (``classification``), not the recorded one, so every change
has a cause: ``income_line`` (the income lines and band moved; the year's indicators give the
same class), ``deprivation_rule`` (the lines alone keep the class; the other standard's
indicators change it) or ``both``. A household below the other standard's line whose class
depends on an indicator the data lack (Decree 351's digital-service use or waste treatment in
a Decree 07 review) is ``unclassified``: counted apart, never guessed. Households without an
income are counted apart too (``no_income``).
"""

from __future__ import annotations

from . import classification
from . import units as units_mod
from .db import Database

CAUSES = ("income_line", "deprivation_rule", "both")


def _cause_sql() -> str:
    return ("CASE WHEN h.period_status IS NULL OR h.period_status = 'unclassified' "
            "OR h.period_status = h.computed_status THEN NULL "
            "WHEN h.line_status = h.period_status THEN 'income_line' "
            "WHEN h.line_status = h.computed_status THEN 'deprivation_rule' ELSE 'both' END")


def _counts() -> str:
    cause = _cause_sql()
    return f"""count(*) FILTER (h.computed_status = 'poor') AS poor_current,
               count(*) FILTER (h.computed_status = 'near_poor') AS near_poor_current,
               count(*) FILTER (h.period_status = 'poor') AS poor,
               count(*) FILTER (h.period_status = 'near_poor') AS near_poor,
               count(*) FILTER ({cause} IS NOT NULL) AS changed,
               count(*) FILTER ({cause} = 'income_line') AS changed_income_line,
               count(*) FILTER ({cause} = 'deprivation_rule') AS changed_deprivation_rule,
               count(*) FILTER ({cause} = 'both') AS changed_both,
               count(*) FILTER (h.period_status = 'unclassified') AS unclassified,
               count(*) FILTER (h.income_per_capita IS NULL) AS no_income"""


COUNT_COLUMNS = ("poor_current", "near_poor_current", "poor", "near_poor", "changed", "changed_income_line",
                 "changed_deprivation_rule", "changed_both", "unclassified", "no_income")


def by_unit(db: Database, year: int, period: int, units: int | None = None):
    """One row per commune (of the year's vintage or of ``units``): code, name, then the counts
    of :data:`COUNT_COLUMNS` (poor and near-poor under the year's standard and under
    ``period``'s, changes by cause, unclassified, no income)."""
    vintage = units_mod.target_vintage(year, units)
    link = units_mod.link_sql(vintage)
    source, params = classification.period_households_sql(db, year, period)
    sums = ", ".join(f"sum({c})::BIGINT AS {c}" for c in COUNT_COLUMNS)
    filled = ", ".join(f"coalesce(c.{c}, 0)::BIGINT AS {c}" for c in COUNT_COLUMNS)
    return db.frame(
        f"""
        WITH link AS {link},
        raw AS (SELECT h.commune_vintage, h.commune_code, {_counts()} FROM ({source}) h GROUP BY ALL),
        counts AS (SELECT l.code, {sums}
                   FROM raw JOIN link l ON l.src_vintage = raw.commune_vintage AND l.src_code = raw.commune_code
                   GROUP BY l.code)
        SELECT o.code, o.name, {filled}
        FROM org_unit o LEFT JOIN counts c ON c.code = o.code
        WHERE o.vintage = ? AND o.unit_type IN {units_mod.COMMUNE_TYPES_SQL}
        ORDER BY o.code""",
        [*params, vintage])


def transitions(db: Database, year: int, period: int):
    """The class changes: one row per (current, period_status, cause) with its count
    (households whose class does not change are left out)."""
    source, params = classification.period_households_sql(db, year, period)
    return db.frame(
        f"""SELECT h.computed_status AS current, h.period_status, {_cause_sql()} AS cause, count(*) AS households
            FROM ({source}) h WHERE {_cause_sql()} IS NOT NULL
            GROUP BY ALL ORDER BY households DESC, current, period_status""", params)


def preview(db: Database, year: int, period: int, units: int | None = None) -> dict:
    """The whole area's preview, JSON-ready: ``standard`` (code covering ``period``),
    ``current_standard``, ``totals`` (the counts of :data:`COUNT_COLUMNS`), ``changes``
    ({cause: households}), ``transitions`` (from, to, cause, households), ``indicators`` (the
    other standard's indicators and whether the data hold them) and ``missing_indicators``
    (codes the data lack: the reason households are unclassified)."""
    table = by_unit(db, year, period, units)
    totals = {c: int(table[c].sum()) for c in COUNT_COLUMNS}
    moves = transitions(db, year, period)
    indicators = classification.indicator_availability(db, year, period)
    return {
        "standard": classification.standard_of_year(db, period),
        "current_standard": classification.standard_of_year(db, year),
        "totals": totals,
        "changes": {cause: totals[f"changed_{cause}"] for cause in CAUSES},
        "transitions": [{"from": r.current, "to": r.period_status, "cause": r.cause,
                         "households": int(r.households)} for r in moves.itertuples()],
        "indicators": indicators,
        "missing_indicators": [r["code"] for r in indicators if r["availability"] != "shared"],
    }


def next_period(db: Database, year: int) -> int | None:
    """The first year of the standard after the one covering ``year`` (None when there is none)."""
    return db.scalar("""SELECT min(n.valid_from_year) FROM poverty_standard n, poverty_standard c
                        WHERE ? BETWEEN c.valid_from_year AND c.valid_to_year
                          AND n.valid_from_year > c.valid_to_year""", [year])
