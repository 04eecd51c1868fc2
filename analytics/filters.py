"""The sidebar's view filters (area, ethnic group, commune) applied to the analytics frames, so
the pages stay thin: a frame in, the filtered frame or the headline totals out."""

from __future__ import annotations

import pandas as pd

AREAS = ("all", "rural", "urban")
ETHNIC_GROUPS = ("all", "ethnic_minority", "kinh")


def communes(frame: pd.DataFrame, area: str = "all", ethnic: str = "all",
             commune: str | None = None) -> pd.DataFrame:
    """Rows of ``poverty.commune_table`` kept by area (rural: xã; urban: phường, thị trấn) and
    commune code; with an ethnic group, ``poor`` and ``near_poor`` count that group only (rates
    stay over all the commune's households, the official denominator)."""
    out = frame
    if area == "rural":
        out = out[~out["is_urban"].astype(bool)]
    elif area == "urban":
        out = out[out["is_urban"].astype(bool)]
    if commune and commune != "all":
        out = out[out["code"].astype(str) == str(commune)]
    out = out.copy()
    if ethnic in ("ethnic_minority", "kinh"):
        for status in ("poor", "near_poor"):
            em = out[f"{status}_ethnic_minority"]
            out[status] = em if ethnic == "ethnic_minority" else out[status] - em
            out[f"{status}_rate"] = out[status] / out["total"].where(out["total"] > 0)
    return out


def totals(frame: pd.DataFrame) -> dict:
    """Sums of a (filtered) commune table: poor, near_poor, total and the two rates (None where
    the total is unknown)."""
    total = frame["total"].sum(min_count=1) if "total" in frame else None
    total = None if total is None or pd.isna(total) else int(total)
    poor, near = int(frame["poor"].sum()), int(frame["near_poor"].sum())
    return {"poor": poor, "near_poor": near, "total": total,
            "poor_rate": poor / total if total else None,
            "near_poor_rate": near / total if total else None}


def is_filtered(area: str = "all", ethnic: str = "all", commune: str | None = None) -> bool:
    """Whether the view is narrower than the whole area."""
    return area != "all" or ethnic != "all" or bool(commune and commune != "all")


def district_rows(gaps: pd.DataFrame, commune_codes) -> pd.DataFrame:
    """The rows of ``targets.target_gaps`` that are not a commune's (the district's, or the
    whole area's), indexed by indicator."""
    if gaps is None or gaps.empty:
        return pd.DataFrame(columns=["indicator", "target", "achieved", "gap", "status"]).set_index("indicator")
    codes = {str(c) for c in commune_codes}
    return gaps[~gaps["org_unit"].astype(str).isin(codes)].drop_duplicates("indicator").set_index("indicator")


def commune_rows(gaps: pd.DataFrame, commune_codes, indicator: str = "poor_reduction") -> pd.DataFrame:
    """The communes' rows of ``targets.target_gaps`` for one indicator."""
    if gaps is None or gaps.empty:
        return gaps if gaps is not None else pd.DataFrame()
    codes = {str(c) for c in commune_codes}
    return gaps[gaps["org_unit"].astype(str).isin(codes) & (gaps["indicator"] == indicator)]
