"""Where the money went: the budget plan by line and source, and its execution.

Disbursements are cumulative snapshots per year (as execution reports give them): the amount
disbursed as of a date is that of the latest snapshot on or before it, per line, source and unit.
The pace is the share of the (calendar, fiscal) year elapsed at that date; a line is behind pace
when its disbursement rate falls short of the pace by more than the setting ``pace_tolerance``."""

from __future__ import annotations

from datetime import date

import pandas as pd

from .db import Database
from .reference import get_float_setting
from .targets import year_elapsed

SOURCES = ("central", "province", "district")


def plan_lines(db: Database, year: int) -> pd.DataFrame:
    """One row per project line of the year's plan, in catalogue order: project, sub_project,
    name_vi, name_en, agency, central, province, district, other, total (million đồng)."""
    return db.frame(
        """
        SELECT b.project, b.sub_project,
               coalesce(p.name_vi, b.project) AS name_vi, coalesce(p.name_en, b.project) AS name_en,
               string_agg(DISTINCT b.agency, '; ') AS agency,
               sum(amount_mvnd) FILTER (b.source = 'central')::DOUBLE AS central,
               sum(amount_mvnd) FILTER (b.source = 'province')::DOUBLE AS province,
               sum(amount_mvnd) FILTER (b.source = 'district')::DOUBLE AS district,
               sum(amount_mvnd) FILTER (b.source = 'other')::DOUBLE AS other,
               sum(amount_mvnd)::DOUBLE AS total
        FROM budget_plan_current b
        LEFT JOIN project p ON p.code = b.project || coalesce('.' || b.sub_project, '')
        WHERE b.year = ?
        GROUP BY ALL
        ORDER BY b.project, b.sub_project NULLS FIRST
        """,
        [year],
    ).fillna({"central": 0.0, "province": 0.0, "district": 0.0, "other": 0.0})


def latest_snapshot(db: Database, year: int) -> date | None:
    """The date of the year's latest disbursement snapshot (None without any)."""
    return db.scalar("SELECT max(as_of) FROM disbursement_current WHERE year = ?", [year])


def _pace(db: Database, year: int, as_of: date | None) -> tuple[float | None, float]:
    """(share of the year elapsed at ``as_of`` or None without a date, the pace tolerance)."""
    tolerance = get_float_setting(db, "pace_tolerance", 0.10)
    return (year_elapsed(year, as_of) if as_of is not None else None), tolerance


# Plan and disbursement per line and source (``sub`` is '' for a project without sub-projects):
# the disbursed amount is that of the latest cumulative snapshot on or before $day, per line,
# source and unit. The CTEs of every execution query (parameters $year and $day).
_LINES = """
    plan AS (
        SELECT project, coalesce(sub_project, '') AS sub, source, sum(amount_mvnd)::DOUBLE AS plan,
               list(DISTINCT nullif(agency, '')) AS agencies
        FROM budget_plan_current WHERE year = $year GROUP BY ALL),
    keyed AS (
        SELECT d.*, max(d.as_of) OVER (PARTITION BY project, sub_project, source, org_vintage, org_code)
               AS snapshot
        FROM disbursement_current d WHERE d.year = $year AND d.as_of <= $day),
    disb AS (
        SELECT project, coalesce(sub_project, '') AS sub, source, sum(amount_mvnd)::DOUBLE AS disbursed,
               max(as_of) AS snapshot
        FROM keyed WHERE as_of = snapshot GROUP BY ALL),
    lines AS (
        SELECT coalesce(p.project, d.project) AS project, coalesce(p.sub, d.sub) AS sub,
               coalesce(p.source, d.source) AS source, p.agencies,
               coalesce(p.plan, 0) AS plan, coalesce(d.disbursed, 0) AS disbursed, d.snapshot
        FROM plan p FULL OUTER JOIN disb d ON d.project = p.project AND d.sub = p.sub AND d.source = p.source)
"""


def _line_params(year: int, as_of: date | None) -> dict:
    return {"year": year, "day": as_of or date(year, 12, 31)}


def _rates(frame: pd.DataFrame, pace: float | None, tolerance: float) -> pd.DataFrame:
    frame["rate"] = frame.disbursed / frame.plan.where(frame.plan > 0)
    frame["pace"] = pace
    frame["behind_pace"] = (frame.rate < pace - tolerance) if pace is not None else False
    frame["behind_pace"] = frame.behind_pace.fillna(False).astype(bool)
    return frame


def execution(db: Database, year: int, as_of: date | None = None) -> pd.DataFrame:
    """Plan against disbursement per budget line, in catalogue order: project, sub_project,
    name_vi, name_en, agency, plan, disbursed (million đồng, the latest cumulative snapshot on or
    before ``as_of``; default: the year's latest snapshot), rate (disbursed / plan), pace (share
    of the year elapsed at as_of), behind_pace (rate below pace by more than the setting
    ``pace_tolerance``), as_of (the date asked), snapshot (the latest snapshot date used)."""
    as_of = as_of or latest_snapshot(db, year)
    pace, tolerance = _pace(db, year, as_of)
    code = "l.project || CASE WHEN l.sub = '' THEN '' ELSE '.' || l.sub END"
    frame = db.frame(
        f"""
        WITH {_LINES}
        SELECT l.project, nullif(l.sub, '') AS sub_project,
               coalesce(any_value(n.name_vi), {code}) AS name_vi, coalesce(any_value(n.name_en), {code}) AS name_en,
               nullif(array_to_string(list_sort(list_distinct(flatten(list(l.agencies)))), '; '), '') AS agency,
               sum(l.plan) AS plan, sum(l.disbursed) AS disbursed, max(l.snapshot) AS snapshot
        FROM lines l LEFT JOIN project n ON n.code = {code}
        GROUP BY l.project, l.sub
        ORDER BY l.project, l.sub
        """,
        _line_params(year, as_of),
    )
    frame["as_of"] = as_of
    frame["snapshot"] = [_date(d) for d in frame["snapshot"]]
    frame = _rates(frame, pace, tolerance)
    return frame[["project", "sub_project", "name_vi", "name_en", "agency", "plan", "disbursed", "rate",
                  "pace", "behind_pace", "as_of", "snapshot"]]


def totals(execution: pd.DataFrame) -> dict:
    """The headline of ``execution`` rows: plan, disbursed, rate (None without a plan), as_of,
    pace (None without a date), behind (lines behind pace), lines."""
    plan, paid = float(execution["plan"].sum()), float(execution["disbursed"].sum())
    pace = execution["pace"].dropna()
    return {"plan": plan, "disbursed": paid, "rate": paid / plan if plan else None,
            "as_of": execution["as_of"].dropna().max() if len(execution) else None,
            "pace": float(pace.iloc[0]) if len(pace) else None,
            "behind": int(execution["behind_pace"].fillna(False).astype(bool).sum()), "lines": len(execution)}


def _date(value) -> date | None:
    """A date cell of a frame as a ``datetime.date`` (None for NaT / NULL)."""
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def execution_by_source(db: Database, year: int, as_of: date | None = None) -> pd.DataFrame:
    """Plan against disbursement per funding source, in the catalogue's order: source, name_vi,
    name_en, plan, disbursed, rate, pace, behind_pace, as_of."""
    as_of = as_of or latest_snapshot(db, year)
    pace, tolerance = _pace(db, year, as_of)
    lines = db.frame(f"WITH {_LINES} SELECT source, plan, disbursed FROM lines", _line_params(year, as_of))
    sources = db.frame("SELECT code AS source, name_vi, name_en FROM funding_source")
    frame = lines.groupby("source", as_index=False)[["plan", "disbursed"]].sum()
    frame = sources.merge(frame, how="right", on="source")
    order = {code: i for i, code in enumerate(sources.source)}
    frame = frame.sort_values("source", key=lambda s: s.map(lambda c: order.get(c, len(order))))
    frame["as_of"] = as_of
    frame = _rates(frame, pace, tolerance).reset_index(drop=True)
    return frame[["source", "name_vi", "name_en", "plan", "disbursed", "rate", "pace", "behind_pace", "as_of"]]


def execution_by_agency(db: Database, year: int, as_of: date | None = None) -> pd.DataFrame:
    """Plan against disbursement per lead agency (the agency of each line), largest plan first:
    agency, plan, disbursed, rate, pace, behind_pace, as_of."""
    lines = execution(db, year, as_of)
    frame = (lines.assign(agency=lines.agency.fillna("—"))
             .groupby("agency", as_index=False)[["plan", "disbursed"]].sum()
             .sort_values("plan", ascending=False))
    pace, tolerance = _pace(db, year, lines.as_of.iloc[0] if len(lines) else None)
    frame["as_of"] = lines.as_of.iloc[0] if len(lines) else None
    frame = _rates(frame, pace, tolerance).reset_index(drop=True)
    return frame[["agency", "plan", "disbursed", "rate", "pace", "behind_pace", "as_of"]]


def execution_by_project(db: Database, year: int, as_of: date | None = None) -> pd.DataFrame:
    """Plan against disbursement per project (its sub-projects summed): project, name_vi,
    name_en, plan, disbursed, rate, pace, behind_pace, as_of."""
    lines = execution(db, year, as_of)
    frame = lines.groupby("project", as_index=False)[["plan", "disbursed"]].sum()
    names = db.frame("SELECT code AS project, name_vi, name_en FROM project")
    frame = frame.merge(names, how="left", on="project")
    as_of = lines.as_of.iloc[0] if len(lines) else None
    pace, tolerance = _pace(db, year, as_of)
    frame["as_of"] = as_of
    frame = _rates(frame, pace, tolerance)
    return frame[["project", "name_vi", "name_en", "plan", "disbursed", "rate", "pace", "behind_pace",
                  "as_of"]]


def cumulative_curve(db: Database, year: int) -> pd.DataFrame:
    """The year's cumulative disbursement at each snapshot date, oldest first: as_of, plan (the
    year's total plan), disbursed (every line, source and unit at its latest snapshot on or
    before the date), rate, linear_pace (the plan times the share of the year elapsed)."""
    frame = db.frame(
        """
        WITH d AS (
            SELECT as_of, project, coalesce(sub_project, '') AS sub_project, source,
                   coalesce(org_vintage, 0) AS org_vintage, coalesce(org_code, '') AS org_code,
                   sum(amount_mvnd)::DOUBLE AS amount
            FROM disbursement_current WHERE year = ? GROUP BY ALL),
        dates AS (SELECT DISTINCT as_of FROM d),
        keys AS (SELECT DISTINCT project, sub_project, source, org_vintage, org_code FROM d),
        grid AS (SELECT * FROM dates CROSS JOIN keys)
        SELECT g.as_of, sum(coalesce(d.amount, 0)) AS disbursed,
               (SELECT coalesce(sum(amount_mvnd), 0) FROM budget_plan_current WHERE year = ?)::DOUBLE AS plan
        FROM grid g ASOF LEFT JOIN d
          ON d.project = g.project AND d.sub_project = g.sub_project AND d.source = g.source
         AND d.org_vintage = g.org_vintage AND d.org_code = g.org_code AND g.as_of >= d.as_of
        GROUP BY g.as_of ORDER BY g.as_of
        """,
        [year, year],
    )
    plan = float(frame["plan"].iloc[0]) if len(frame) else 0.0  # no snapshot: no row to fill
    frame["as_of"] = [_date(d) for d in frame["as_of"]]
    frame["plan"] = plan
    frame["rate"] = frame.disbursed / plan if plan else None
    frame["linear_pace"] = [plan * year_elapsed(year, d) for d in frame.as_of]
    return frame[["as_of", "plan", "disbursed", "rate", "linear_pace"]]
