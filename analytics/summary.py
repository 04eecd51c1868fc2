"""The year's figures in one dictionary: what ``summary --json`` prints and the pages show."""

from __future__ import annotations

import math

import pandas as pd

from . import budget, poverty, targets
from .db import Database


def _records(frame: pd.DataFrame) -> list[dict]:
    """JSON-ready records: NaN and pandas NA become None, numpy scalars plain Python."""
    out = []
    for row in frame.to_dict(orient="records"):
        clean = {}
        for k, v in row.items():
            if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
                clean[k] = None
            elif hasattr(v, "item"):
                clean[k] = v.item()
            else:
                clean[k] = v
        out.append(clean)
    return out


def summary(db: Database, year: int) -> dict:
    """Everything the dashboard knows about ``year``:
    ``households`` (district counts and rates), ``communes[]``, ``budget`` (plan by line and
    source) and ``targets[]``."""
    communes = poverty.commune_table(db, year)
    lines = budget.plan_lines(db, year)
    return {
        "year": year,
        "households": poverty.household_counts(db, year),
        "communes": _records(communes[["code", "name", "total", "poor", "near_poor", "poor_rate",
                                       "near_poor_rate", "poor_ethnic_minority",
                                       "near_poor_ethnic_minority"]]),
        "budget": {
            "plan_total": float(lines["total"].sum()),
            "by_source": {s: float(lines[s].sum()) for s in budget.SOURCES},
            "lines": _records(lines[["project", "sub_project", "name_vi", "agency",
                                     *budget.SOURCES, "total"]]),
        },
        "targets": _records(targets.target_values(db, year)[
            ["org_unit", "org_name", "indicator", "unit", "direction", "target"]]),
    }
