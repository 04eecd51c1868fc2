"""Where the money went: the budget plan by line and source, and its execution.

Disbursements are cumulative snapshots per year (as execution reports give them): the amount
disbursed as of a date is that of the latest snapshot on or before it, per line, source and unit.
The pace is the share of the (calendar, fiscal) year elapsed at that date; a line is behind pace
when its disbursement rate falls short of the pace by more than the setting ``pace_tolerance``."""

from __future__ import annotations

import math
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


def line_code(project, sub_project) -> str:
    """The catalogue code of a budget line: 'DA3' + 'TDA1' -> 'DA3.TDA1'."""
    if sub_project is None or (isinstance(sub_project, float) and sub_project != sub_project) or sub_project == "":
        return str(project)
    return f"{project}.{sub_project}"


def _pace(db: Database, year: int, as_of: date | None) -> tuple[float | None, float]:
    """(share of the year elapsed at ``as_of`` or None without a date, the pace tolerance)."""
    tolerance = get_float_setting(db, "pace_tolerance", 0.10)
    return (year_elapsed(year, as_of) if as_of is not None else None), tolerance


# ``budget_line_snapshot`` holds, for each year, the plan and disbursement of every line and
# source as of each disbursement snapshot date (as_of NULL: before the first one, nothing
# disbursed): each unit counts at its latest cumulative snapshot on or before the date. It is
# derived from budget_plan and disbursement and rebuilt in the same transaction as every change to
# them (``refresh_lines``), so the execution figures at any date are one read of a few rows
# whatever the number of units and snapshots.
def refresh_lines(cur, years=None) -> None:
    """Rebuild ``budget_line_snapshot`` for ``years`` (all years when None) from the current plan
    and disbursement rows, inside the caller's transaction."""
    if years is not None and not years:
        return
    where = "" if years is None else f"WHERE year IN ({', '.join(str(int(y)) for y in years)})"
    cur.execute(f"DELETE FROM budget_line_snapshot {where}")
    cur.execute(f"""
        INSERT INTO budget_line_snapshot
        WITH plan AS (
            SELECT year, project, coalesce(sub_project, '') AS sub, source, sum(amount_mvnd)::DOUBLE AS plan,
                   list_sort(list_distinct(list(nullif(agency, '')))) AS agencies
            FROM budget_plan_current {where} GROUP BY ALL),
        unit AS (  -- a unit's rows of one date summed (a file may list a line twice)
            SELECT year, as_of, project, coalesce(sub_project, '') AS sub, source,
                   coalesce(org_vintage, 0) AS org_vintage, coalesce(org_code, '') AS org_code,
                   sum(amount_mvnd)::DOUBLE AS amount
            FROM disbursement_current {where} GROUP BY ALL),
        dates AS (SELECT DISTINCT year, as_of FROM unit),
        grid AS (SELECT d.year, d.as_of AS day, k.* EXCLUDE (year) FROM dates d
                 JOIN (SELECT DISTINCT year, project, sub, source, org_vintage, org_code FROM unit) k USING (year)),
        disb AS (
            SELECT g.year, g.day, g.project, g.sub, g.source, sum(u.amount) AS disbursed, max(u.as_of) AS snapshot
            FROM grid g ASOF JOIN unit u
              ON u.year = g.year AND u.project = g.project AND u.sub = g.sub AND u.source = g.source
             AND u.org_vintage = g.org_vintage AND u.org_code = g.org_code AND g.day >= u.as_of
            GROUP BY ALL),
        days AS (SELECT year, as_of AS day FROM dates UNION ALL SELECT DISTINCT year, NULL FROM plan),
        planned AS (SELECT p.*, d.day FROM plan p JOIN days d USING (year))
        SELECT coalesce(p.year, d.year), coalesce(p.day, d.day), coalesce(p.project, d.project),
               coalesce(p.sub, d.sub), coalesce(p.source, d.source), coalesce(p.agencies, []),
               coalesce(p.plan, 0), coalesce(d.disbursed, 0), d.snapshot
        FROM planned p FULL JOIN disb d
          ON d.year = p.year AND d.day = p.day AND d.project = p.project AND d.sub = p.sub AND d.source = p.source
        """)


def batch_years(cur, batch_id: int) -> list[int]:
    """The years of the plan and disbursement rows a batch wrote."""
    return [r[0] for r in cur.execute(
        """SELECT year FROM budget_plan WHERE batch_id = $b UNION
           SELECT year FROM disbursement WHERE batch_id = $b""", {"b": batch_id}).fetchall()]


def _lines(db: Database, year: int, as_of: date | None, select: str, columns: list[str]) -> pd.DataFrame:
    """``select`` (SELECT … GROUP BY …) over ``l``: the year's lines and sources as of ``as_of``
    (default: the latest snapshot), giving plan, disbursed and ``any_value(l.as_of) AS picked``;
    with rate (disbursed / plan), pace, behind_pace and as_of (the date asked, or the latest
    snapshot) added: the ``columns`` of the result, in this order."""
    rows = db.records(
        f"""
        WITH l AS (SELECT * FROM budget_line_snapshot
                   WHERE year = $year AND (as_of IS NULL OR as_of <= $day)
                   QUALIFY as_of IS NOT DISTINCT FROM max(as_of) OVER ())
        {select}
        """,
        {"year": year, "day": as_of or date(9999, 12, 31)},
    )
    as_of = as_of or (rows[0]["picked"] if rows else None)
    pace, tolerance = _pace(db, year, as_of)
    for row in rows:  # a few rows: plain Python is quicker than pandas here
        row["rate"] = row["disbursed"] / row["plan"] if row["plan"] > 0 else math.nan
        row["pace"], row["as_of"] = pace, as_of
        row["behind_pace"] = pace is not None and row["rate"] < pace - tolerance
    return pd.DataFrame(rows, columns=columns)


# A line's catalogue code (project, or project.sub), and its agencies, from the columns of ``l``.
_CODE = "l.project || CASE WHEN l.sub = '' THEN '' ELSE '.' || l.sub END"
_AGENCIES = "nullif(array_to_string(list_sort(list_distinct(flatten(list(l.agencies)))), '; '), '')"


def plan_years(db: Database) -> list[int]:
    """The years that have a budget plan (to say where the plan is when a year has none)."""
    return [int(r[0]) for r in db.query("SELECT DISTINCT year FROM budget_plan_current ORDER BY year")]


def execution(db: Database, year: int, as_of: date | None = None) -> pd.DataFrame:
    """Plan against disbursement per budget line, in catalogue order: project, sub_project,
    name_vi, name_en, agency, plan, disbursed (million đồng, the latest cumulative snapshot on or
    before ``as_of``; default: the year's latest snapshot), rate (disbursed / plan), pace (share
    of the year elapsed at as_of), behind_pace (rate below pace by more than the setting
    ``pace_tolerance``), as_of (the date asked), snapshot (the latest snapshot date used)."""
    return _lines(db, year, as_of, f"""
        SELECT l.project, nullif(l.sub, '') AS sub_project, coalesce(any_value(n.name_vi), {_CODE}) AS name_vi,
               coalesce(any_value(n.name_en), {_CODE}) AS name_en,
               any_value(n.short_vi) AS short_vi, any_value(n.short_en) AS short_en,
               {_AGENCIES} AS agency,
               sum(l.plan) AS plan, sum(l.disbursed) AS disbursed, max(l.snapshot) AS snapshot,
               any_value(l.as_of) AS picked
        FROM l LEFT JOIN project n ON n.code = {_CODE}
        GROUP BY l.project, l.sub ORDER BY l.project, l.sub""",
        ["project", "sub_project", "name_vi", "name_en", "short_vi", "short_en", "agency", "plan", "disbursed",
         "rate", "pace", "behind_pace", "as_of", "snapshot"])


def totals(execution: pd.DataFrame) -> dict:
    """The headline of ``execution`` rows: plan, disbursed, rate (None without a plan), as_of,
    pace (None without a date), behind (lines behind pace), lines."""
    plan, paid = float(execution["plan"].sum()), float(execution["disbursed"].sum())
    pace = execution["pace"].dropna()
    return {"plan": plan, "disbursed": paid, "rate": paid / plan if plan else None,
            "as_of": execution["as_of"].dropna().max() if len(execution) else None,
            "pace": float(pace.iloc[0]) if len(pace) else None,
            "behind": int(execution["behind_pace"].fillna(False).astype(bool).sum()), "lines": len(execution)}


def execution_by_source(db: Database, year: int, as_of: date | None = None) -> pd.DataFrame:
    """Plan against disbursement per funding source, in the catalogue's order: source, name_vi,
    name_en, plan, disbursed, rate, pace, behind_pace, as_of."""
    return _lines(db, year, as_of, """
        SELECT l.source, any_value(f.name_vi) AS name_vi, any_value(f.name_en) AS name_en,
               sum(l.plan) AS plan, sum(l.disbursed) AS disbursed, any_value(l.as_of) AS picked
        FROM l LEFT JOIN funding_source f ON f.code = l.source
        GROUP BY l.source ORDER BY any_value(f.rowid) NULLS LAST, l.source""",
        ["source", "name_vi", "name_en", "plan", "disbursed", "rate", "pace", "behind_pace", "as_of"])


def execution_by_agency(db: Database, year: int, as_of: date | None = None) -> pd.DataFrame:
    """Plan against disbursement per lead agency (the agencies of each line), largest plan first:
    agency, plan, disbursed, rate, pace, behind_pace, as_of."""
    return _lines(db, year, as_of, f"""
        SELECT coalesce(agency, '—') AS agency, sum(plan) AS plan, sum(disbursed) AS disbursed,
               any_value(picked) AS picked
        FROM (SELECT {_AGENCIES} AS agency, sum(l.plan) AS plan, sum(l.disbursed) AS disbursed, any_value(l.as_of) AS picked
              FROM l GROUP BY l.project, l.sub)
        GROUP BY 1 ORDER BY plan DESC, agency""",
        ["agency", "plan", "disbursed", "rate", "pace", "behind_pace", "as_of"])


def execution_by_project(db: Database, year: int, as_of: date | None = None) -> pd.DataFrame:
    """Plan against disbursement per project (its sub-projects summed): project, name_vi,
    name_en, plan, disbursed, rate, pace, behind_pace, as_of."""
    return _lines(db, year, as_of, """
        SELECT l.project, any_value(n.name_vi) AS name_vi, any_value(n.name_en) AS name_en,
               sum(l.plan) AS plan, sum(l.disbursed) AS disbursed, any_value(l.as_of) AS picked
        FROM l LEFT JOIN project n ON n.code = l.project GROUP BY l.project ORDER BY l.project""",
        ["project", "name_vi", "name_en", "plan", "disbursed", "rate", "pace", "behind_pace", "as_of"])


def execution_by_capital_type(db: Database, year: int, as_of: date | None = None) -> pd.DataFrame:
    """Plan against disbursement per capital type (``dau_tu``: vốn đầu tư phát triển,
    ``su_nghiep``: vốn sự nghiệp; None when no report said), in that order: capital_type, plan,
    disbursed (each unit's latest snapshot on or before ``as_of``), rate. A disbursed row without a
    capital type takes its plan line's, when the plan gives that line one type only."""
    return db.frame(
        """
        WITH line_type AS (
            SELECT project, coalesce(sub_project, '') AS sub, any_value(capital_type) AS capital_type
            FROM budget_plan_current WHERE year = $year GROUP BY ALL
            HAVING count(DISTINCT capital_type) = 1 AND count(capital_type) = count(*)),
        plan AS (SELECT capital_type, sum(amount_mvnd)::DOUBLE AS plan
                 FROM budget_plan_current WHERE year = $year GROUP BY ALL),
        latest AS (
            SELECT * FROM disbursement_current WHERE year = $year AND as_of <= $day
            QUALIFY as_of = max(as_of) OVER (PARTITION BY project, coalesce(sub_project, ''), source,
                                              coalesce(org_vintage, 0), coalesce(org_code, ''))),
        paid AS (SELECT coalesce(d.capital_type, t.capital_type) AS capital_type,
                        sum(d.amount_mvnd)::DOUBLE AS disbursed
                 FROM latest d LEFT JOIN line_type t
                   ON t.project = d.project AND t.sub = coalesce(d.sub_project, '')
                 GROUP BY ALL)
        SELECT capital_type, coalesce(p.plan, 0) AS plan, coalesce(d.disbursed, 0) AS disbursed,
               CASE WHEN p.plan > 0 THEN coalesce(d.disbursed, 0) / p.plan END AS rate
        FROM plan p FULL JOIN paid d USING (capital_type)
        ORDER BY CASE capital_type WHEN 'dau_tu' THEN 0 WHEN 'su_nghiep' THEN 1 ELSE 2 END
        """,
        {"year": year, "day": as_of or date(9999, 12, 31)},
    )


def cumulative_curve(db: Database, year: int) -> pd.DataFrame:
    """The year's cumulative disbursement at each snapshot date, oldest first: as_of, plan (the
    year's total plan), disbursed (every line, source and unit at its latest snapshot on or
    before the date), rate, linear_pace (the plan times the share of the year elapsed)."""
    frame = db.frame(
        """SELECT as_of, sum(disbursed) AS disbursed, sum(plan) AS plan FROM budget_line_snapshot
           WHERE year = ? AND as_of IS NOT NULL GROUP BY as_of ORDER BY as_of""",
        [year],
    )
    plan = float(frame["plan"].iloc[0]) if len(frame) else 0.0  # no snapshot: no row to fill
    frame["as_of"] = frame["as_of"].dt.date
    frame["plan"] = plan
    frame["rate"] = frame.disbursed / plan if plan else None
    frame["linear_pace"] = [plan * year_elapsed(year, d) for d in frame.as_of]
    return frame[["as_of", "plan", "disbursed", "rate", "linear_pace"]]
