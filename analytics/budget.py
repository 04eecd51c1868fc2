"""Where the money went: the budget plan by line and source (and, later, its execution)."""

from __future__ import annotations

import pandas as pd

from .db import Database

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
