"""Targets, as DHIS2 keeps them: a target is a value per (year, org unit, indicator)."""

from __future__ import annotations

import pandas as pd

from .db import Database


def target_values(db: Database, year: int) -> pd.DataFrame:
    """The year's targets: org_vintage, org_unit (code), org_name, indicator, name_vi, name_en,
    unit, direction, target."""
    return db.frame(
        """
        SELECT v.org_vintage, v.org_code AS org_unit, o.name AS org_name, v.indicator_code AS indicator,
               i.name_vi, i.name_en, i.unit, i.direction, v.value AS target
        FROM indicator_value_current v
        LEFT JOIN indicator i ON i.code = v.indicator_code
        LEFT JOIN org_unit o ON o.vintage = v.org_vintage AND o.code = v.org_code
        WHERE v.year = ? AND v.kind = 'target'
        ORDER BY o.unit_type <> 'district', v.org_code, v.indicator_code
        """,
        [year],
    )
