"""Support received by households (``support``: from support files and from the tick columns of
household lists): households supported by type and unit, and the "support → outcome" view — of
the households supported in a year that were poor at the review before, how many had escaped
poverty at the year's review, by support type or by budget line, with the money recorded and the
observed cost per escape beside the scenario model's assumed one.

The outcome view is an observed association, not a causal effect: households also escape without
support, and support goes to those expected to escape (or to those who cannot)."""

from __future__ import annotations

import pandas as pd

from . import units as units_mod
from .db import Database
from .poverty import OFFICIAL
from .reference import read_csv

GROUPINGS = ("support_type", "budget_line")


def support_types() -> pd.DataFrame:
    """The catalogue of support types: code, number, name_vi, name_en, coverage_indicator."""
    return pd.DataFrame(read_csv("support_type.csv"))[["code", "number", "name_vi", "name_en",
                                                       "coverage_indicator"]]


def support_counts(db: Database, year: int, units: int | None = None) -> pd.DataFrame:
    """Households supported in ``year`` by unit and type (a household counted once per type
    however many records it has): code (the unit, in the units of ``units`` or of the year),
    support_type, households, amount_mvnd (the amounts recorded; 0 where none)."""
    vintage = units_mod.target_vintage(year, units)
    return db.frame(
        f"""WITH link AS {units_mod.link_sql(vintage)}
            SELECT l.code, s.support_type, count(DISTINCT s.household_id) AS households,
                   coalesce(sum(s.amount_mvnd), 0)::DOUBLE AS amount_mvnd
            FROM support_current s
            JOIN link l ON l.src_vintage = s.commune_vintage AND l.src_code = s.commune_code
            WHERE s.year = ?
            GROUP BY ALL ORDER BY l.code, s.support_type""", [year])


def _assumed_cost_per_escape(lines: list[str]) -> dict[str, float]:
    """The scenario model's assumed cost of one escape per budget line: cost per household over
    the share escaping (lines the model does not assume to lift households out: none)."""
    from .scenarios import default_assumptions  # the model's own reading of its assumptions

    table = default_assumptions(lines)
    return {r.line: r.unit_cost_mvnd / r.escape_share for r in table.itertuples()
            if r.unit_cost_mvnd is not None and r.escape_share and r.escape_share > 0}


def support_outcome(db: Database, year: int, by: str = "support_type", communes=None) -> pd.DataFrame:
    """Households supported in ``year`` and their outcome at the year's review, one row per
    support type or budget line (``by``) and a last row ``all`` (households counted once):
    group, supported, poor_before (official status 'poor' in the review of year − 1), escaped
    (of those, not poor in the review of ``year``), still_poor, no_record (no status in ``year``),
    amount_mvnd (recorded for the group's support in the year), cost_per_escape (amount /
    escaped; NaN without escapes or amounts), assumed_cost_per_escape (the scenario model's, for
    budget lines), name_vi, name_en (of the type or project). An observed association, not a
    causal effect. ``communes``: only the support of these (vintage, code) pairs (a user's scope;
    None: all)."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}")
    inside, inside_params = units_mod.units_sql("s.commune_vintage", "s.commune_code", communes)
    frame = db.frame(
        f"""WITH supported AS (
                SELECT s.{by} AS grp, s.household_id, sum(s.amount_mvnd)::DOUBLE AS amount
                FROM support_current s WHERE s.year = ? AND {inside} GROUP BY ALL),
            before AS (SELECT h.household_id, any_value({OFFICIAL}) AS status FROM household_current h
                       WHERE h.year = ? GROUP BY ALL),
            after AS (SELECT h.household_id, any_value({OFFICIAL}) AS status FROM household_current h
                      WHERE h.year = ? GROUP BY ALL),
            rows AS (
                SELECT false AS is_all, grp, household_id, amount FROM supported
                UNION ALL
                SELECT true, NULL, household_id, sum(amount) FROM supported GROUP BY household_id)
            SELECT r.is_all, r.grp AS "group", count(*) AS supported,
                   count(*) FILTER (b.status = 'poor') AS poor_before,
                   count(*) FILTER (b.status = 'poor' AND a.status IN ('near_poor', 'average', 'above')) AS escaped,
                   count(*) FILTER (b.status = 'poor' AND a.status = 'poor') AS still_poor,
                   count(*) FILTER (b.status = 'poor' AND a.status IS NULL) AS no_record,
                   coalesce(sum(r.amount), 0)::DOUBLE AS amount_mvnd
            FROM rows r
            LEFT JOIN before b USING (household_id)
            LEFT JOIN after a USING (household_id)
            GROUP BY ALL ORDER BY r.is_all, r.grp NULLS LAST""", [year, *inside_params, year - 1, year])
    is_all = frame.pop("is_all").astype(bool)
    # Support without a budget line is its own group (None), not a missing value.
    frame["group"] = pd.Series(["all" if a else (None if pd.isna(g) else g) for a, g in zip(is_all, frame["group"])],
                               index=frame.index, dtype="object")
    for col in ("supported", "poor_before", "escaped", "still_poor", "no_record"):
        frame[col] = frame[col].astype(int)
    frame["cost_per_escape"] = (frame.amount_mvnd / frame.escaped).where(
        (frame.escaped > 0) & (frame.amount_mvnd > 0))
    assumed = _assumed_cost_per_escape([g for g in frame["group"] if g and g != "all"]) \
        if by == "budget_line" else {}
    frame["assumed_cost_per_escape"] = frame["group"].map(assumed).astype("float64")
    if by == "support_type":
        names = support_types().set_index("code")[["name_vi", "name_en"]]
    else:
        names = db.frame("SELECT code, name_vi, name_en FROM project").set_index("code")
    for col in ("name_vi", "name_en"):
        frame[col] = frame["group"].map(names[col])
    return frame
