"""Who is poor: counts and rates of poor and near-poor households, by commune and in total.

Every function reads the official status (recorded where the file has it, else computed by the
standard of the year: see ``classification``) through the ``household_official`` view.
"""

from __future__ import annotations

import pandas as pd

from .db import Database
from .reference import vintage_for_year

COMMUNE_TYPES = ("xa", "phuong", "thi_tran")


def commune_table(db: Database, year: int) -> pd.DataFrame:
    """One row per commune of the year's vintage: code, name, is_urban, total (households),
    persons, poor, near_poor, poor_ethnic_minority, near_poor_ethnic_minority, poor_rate,
    near_poor_rate (fractions; NaN where the total is unknown)."""
    vintage = vintage_for_year(year)
    return db.frame(
        """
        WITH counts AS (
            SELECT commune_code,
                   count(*) FILTER (official_status = 'poor') AS poor,
                   count(*) FILTER (official_status = 'near_poor') AS near_poor,
                   count(*) FILTER (official_status = 'poor' AND is_ethnic_minority) AS poor_ethnic_minority,
                   count(*) FILTER (official_status = 'near_poor' AND is_ethnic_minority) AS near_poor_ethnic_minority
            FROM household_official WHERE year = ? AND commune_vintage = ?
            GROUP BY commune_code)
        SELECT o.code, o.name, o.is_urban,
               t.households AS total, t.persons,
               coalesce(c.poor, 0) AS poor, coalesce(c.near_poor, 0) AS near_poor,
               coalesce(c.poor_ethnic_minority, 0) AS poor_ethnic_minority,
               coalesce(c.near_poor_ethnic_minority, 0) AS near_poor_ethnic_minority,
               coalesce(c.poor, 0) / nullif(t.households, 0) AS poor_rate,
               coalesce(c.near_poor, 0) / nullif(t.households, 0) AS near_poor_rate
        FROM org_unit o
        LEFT JOIN counts c ON c.commune_code = o.code
        LEFT JOIN commune_total_current t
               ON t.year = ? AND t.commune_vintage = o.vintage AND t.commune_code = o.code
        WHERE o.vintage = ? AND o.unit_type IN ('xa', 'phuong', 'thi_tran')
        ORDER BY o.code
        """,
        [year, vintage, year, vintage],
    )


def household_counts(db: Database, year: int) -> dict:
    """District figures for a year: poor, near_poor, total and their split by area and ethnic
    minority, with rates as fractions (poor_rate = poor / total households)."""
    vintage = vintage_for_year(year)
    row = db.query(
        """
        SELECT count(*) FILTER (official_status = 'poor'),
               count(*) FILTER (official_status = 'near_poor'),
               count(*) FILTER (official_status = 'poor' AND NOT is_urban),
               count(*) FILTER (official_status = 'poor' AND is_urban),
               count(*) FILTER (official_status = 'poor' AND is_ethnic_minority),
               count(*) FILTER (official_status = 'near_poor' AND NOT is_urban),
               count(*) FILTER (official_status = 'near_poor' AND is_urban),
               count(*) FILTER (official_status = 'near_poor' AND is_ethnic_minority)
        FROM household_official WHERE year = ? AND commune_vintage = ?
        """,
        [year, vintage],
    )[0]
    total = db.scalar("SELECT sum(households) FROM commune_total_current WHERE year = ? AND commune_vintage = ?",
                      [year, vintage])
    poor, near = int(row[0]), int(row[1])
    return {
        "poor": poor, "near_poor": near, "total": int(total) if total is not None else None,
        "poor_rate": poor / total if total else None,
        "near_poor_rate": near / total if total else None,
        "poor_rural": int(row[2]), "poor_urban": int(row[3]), "poor_ethnic_minority": int(row[4]),
        "near_poor_rural": int(row[5]), "near_poor_urban": int(row[6]),
        "near_poor_ethnic_minority": int(row[7]),
    }


def years_with_data(db: Database) -> list[int]:
    """Years that have household records, oldest first."""
    return [r[0] for r in db.query("SELECT DISTINCT year FROM household_current ORDER BY year")]
