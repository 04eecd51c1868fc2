"""The review as it is recorded: the Phiếu A → B1/B2 → recognised funnel, households by cause of
poverty (the official "by cause" table) and the communes whose deprivation counts come from B2
points only (no indicator ticks to show per indicator)."""

from __future__ import annotations

import pandas as pd

from . import units as units_mod
from .classification import ticks_absent_sql
from .db import Database
from .poverty import OFFICIAL
from .reference import read_csv


def causes() -> pd.DataFrame:
    """The catalogue of causes of poverty: code, number, name_vi, name_en (in order)."""
    return pd.DataFrame(read_csv("poverty_cause.csv"))[["code", "number", "name_vi", "name_en"]]


def cause_counts(db: Database, year: int, units: int | None = None, within_units=None) -> pd.DataFrame:
    """Poor and near-poor households of ``year`` by cause of poverty and unit (a household with
    several causes counts under each): code (the unit, in the units of ``units`` or of the
    year), cause, poor, near_poor. ``within_units``: only the households of communes among these
    (vintage, code) pairs (e.g. the home area's, ``levels.area_units``)."""
    vintage = units_mod.target_vintage(year, units)
    inside, inside_params = units_mod.units_sql("h.commune_vintage", "h.commune_code", within_units)
    return db.frame(
        f"""WITH link AS {units_mod.link_sql(vintage)},
            raw AS (
                SELECT h.commune_vintage, h.commune_code, u.cause,
                       count(*) FILTER ({OFFICIAL} = 'poor') AS poor,
                       count(*) FILTER ({OFFICIAL} = 'near_poor') AS near_poor
                FROM household_current h, unnest(h.causes) AS u(cause)
                WHERE h.year = ? AND {OFFICIAL} IN ('poor', 'near_poor') AND {inside}
                GROUP BY ALL)
            SELECT l.code, raw.cause, sum(poor)::BIGINT AS poor, sum(near_poor)::BIGINT AS near_poor
            FROM raw JOIN link l ON l.src_vintage = raw.commune_vintage AND l.src_code = raw.commune_code
            GROUP BY ALL ORDER BY l.code, raw.cause""", [year, *inside_params])


def households_with_causes(db: Database, year: int, within_units=None) -> tuple[int, int]:
    """(poor, near-poor) households of ``year`` whose list gives at least one cause
    (``within_units``: as in :func:`cause_counts`)."""
    inside, inside_params = units_mod.units_sql("h.commune_vintage", "h.commune_code", within_units)
    row = db.query(
        f"""SELECT count(*) FILTER ({OFFICIAL} = 'poor'), count(*) FILTER ({OFFICIAL} = 'near_poor')
            FROM household_current h
            WHERE h.year = ? AND len(h.causes) > 0 AND {OFFICIAL} IN ('poor', 'near_poor') AND {inside}""",
        [year, *inside_params])[0]
    return int(row[0]), int(row[1])


def cause_table(db: Database, year: int, units: int | None = None, within_units=None) -> pd.DataFrame:
    """The "by cause" table of the whole area: one row per cause of the catalogue, in order:
    code, name_vi, name_en, poor, near_poor, poor_share, near_poor_share (of the poor / near-poor
    households whose causes were recorded; NaN where none were). Every cause has its row, zero
    where no household gives it. ``within_units``: as in :func:`cause_counts`."""
    counts = cause_counts(db, year, units, within_units).groupby("cause")[["poor", "near_poor"]].sum()
    with_causes = households_with_causes(db, year, within_units)
    table = causes().set_index("code").join(counts, how="left").fillna({"poor": 0, "near_poor": 0})
    table[["poor", "near_poor"]] = table[["poor", "near_poor"]].astype(int)
    table["poor_share"] = table.poor / with_causes[0] if with_causes[0] else float("nan")
    table["near_poor_share"] = table.near_poor / with_causes[1] if with_causes[1] else float("nan")
    return table.reset_index()[["code", "name_vi", "name_en", "poor", "near_poor", "poor_share",
                                "near_poor_share"]]


def funnel(db: Database, year: int, communes=None) -> dict:
    """The review of ``year`` step by step: listed (households in the lists), screened (with a
    Phiếu A result), screened_out (by Phiếu A), scored (given B1/B2 points or an income, not
    screened out), poor and near_poor (recognised: the official status), and ``reasons``
    [{reason, households}] of those screened out, most frequent first. ``communes`` (vintage,
    code) limits it to a user's communes."""
    scope, params = units_mod.units_sql("h.commune_vintage", "h.commune_code", communes)
    row = db.query(
        f"""SELECT count(*), count(h.quick_review),
                   count(*) FILTER (h.quick_review = 'screened_out'),
                   count(*) FILTER (coalesce(h.quick_review, '') <> 'screened_out'
                                    AND (h.b1_points IS NOT NULL OR h.b2_points IS NOT NULL
                                         OR h.income_per_capita IS NOT NULL)),
                   count(*) FILTER ({OFFICIAL} = 'poor'), count(*) FILTER ({OFFICIAL} = 'near_poor')
            FROM household_current h WHERE h.year = ? AND {scope}""", [year, *params])[0]
    reasons = db.query(
        f"""SELECT coalesce(h.quick_review_reason, '') AS reason, count(*) AS n
            FROM household_current h
            WHERE h.year = ? AND h.quick_review = 'screened_out' AND {scope}
            GROUP BY ALL ORDER BY n DESC, reason""", [year, *params])
    keys = ("listed", "screened", "screened_out", "scored", "poor", "near_poor")
    out = {k: int(v) for k, v in zip(keys, row)}
    out["reasons"] = [{"reason": r or None, "households": int(n)} for r, n in reasons]
    return out


def count_only_communes(db: Database, year: int) -> pd.DataFrame:
    """Communes of ``year`` whose poor and near-poor households carry B2 points but no indicator
    ticks: their deprivation counts are known, not which indicators. code, name, households."""
    return db.frame(
        f"""SELECT h.commune_code AS code, any_value(h.commune_name) AS name, count(*) AS households
            FROM household_official h
            WHERE h.year = ? AND h.official_status IN ('poor', 'near_poor')
              AND h.b2_points IS NOT NULL AND {ticks_absent_sql('h')}
            GROUP BY h.commune_code ORDER BY h.commune_code""", [year])
