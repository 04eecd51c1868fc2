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
    return ethnic_group(out, ethnic)


def ethnic_group(frame: pd.DataFrame, ethnic: str = "all") -> pd.DataFrame:
    """A frame with total, poor, near_poor and their ``*_ethnic_minority`` counts (a commune
    table, ``poverty.trend``) with ``poor`` and ``near_poor`` counting the ethnic group only;
    the rates stay over all households (the official denominator)."""
    out = frame.copy()
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


def district_rows(gaps: pd.DataFrame, commune_codes, own: str | None = None) -> pd.DataFrame:
    """The rows of ``targets.target_gaps`` that are not a commune's (the district's, or the
    whole area's; the unit ``own``'s first, e.g. the home area's), indexed by indicator."""
    if gaps is None or gaps.empty:
        return pd.DataFrame(columns=["indicator", "target", "achieved", "gap", "status"]).set_index("indicator")
    codes = {str(c) for c in commune_codes}
    rows = gaps[~gaps["org_unit"].astype(str).isin(codes)]
    if own is not None:
        rows = rows.sort_values("org_unit", key=lambda c: c.astype(str) != str(own), kind="stable")
    return rows.drop_duplicates("indicator").set_index("indicator")


def commune_rows(gaps: pd.DataFrame, commune_codes, indicator: str = "poor_reduction") -> pd.DataFrame:
    """The communes' rows of ``targets.target_gaps`` for one indicator."""
    if gaps is None or gaps.empty:
        return gaps if gaps is not None else pd.DataFrame()
    codes = {str(c) for c in commune_codes}
    return gaps[gaps["org_unit"].astype(str).isin(codes) & (gaps["indicator"] == indicator)]


SPLIT_INDICATORS = ("poor_ethnic_minority_reduction", "poor_kinh_reduction")


def target_split(district: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The district's reduction targets split into ethnic minority and Kinh: label, target,
    achieved, status (rows present only where the target exists)."""
    rows = district.loc[[i for i in SPLIT_INDICATORS if i in district.index]]
    return _labelled(rows, lang)


def coverage_rows(district: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The district's coverage targets (shares to reach, e.g. 100 % health insurance): label,
    target, achieved, status."""
    mask = (district.get("unit") == "share") & (district.get("direction") == "at_least")
    return _labelled(district[mask] if len(district) else district, lang)


def _labelled(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    name = "name_vi" if lang == "vi" else "name_en"
    if rows.empty:
        return pd.DataFrame(columns=["label", "target", "achieved", "status"])
    return pd.DataFrame({"label": rows[name].tolist(), "target": rows["target"].tolist(),
                         "achieved": rows["achieved"].tolist(), "status": rows["status"].tolist()})


def target_texts(gaps: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``targets.target_gaps`` with target_text, achieved_text and gap_text written in the
    indicator's unit (households as counts, shares as percentages)."""
    from .i18n import fmt_number, fmt_percent

    def fmt(value, unit):  # both write "–" for a missing value
        return fmt_percent(value, lang) if unit == "share" else fmt_number(value, lang)

    out = gaps.copy()
    for col in ("target", "achieved", "gap"):
        out[f"{col}_text"] = [fmt(v, u) for v, u in zip(gaps[col], gaps["unit"])]
    return out


def policy_summary(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per indicator over the rows given (``deprivations.deprivation_table`` or
    ``district_table``): number, dimension, name, policy (in ``lang``), poor_count,
    near_poor_count; the most common deprivation among poor households first."""
    suffix = "en" if lang == "en" else "vi"
    keys = ["number", f"dimension_{suffix}", f"name_{suffix}", f"policy_{suffix}"]
    frame = (table.groupby(keys, as_index=False)[["poor_count", "near_poor_count"]].sum()
             .sort_values(["poor_count", "number"], ascending=[False, True]))
    return frame.rename(columns={k: k.rsplit("_", 1)[0] for k in keys[1:]})


def contribution_frame(contributions: dict) -> pd.DataFrame:
    """Dimension contributions to M0 as a frame: dimension, share."""
    return pd.DataFrame({"dimension": list(contributions), "share": list(contributions.values())})


def status_counts(row: dict) -> dict:
    """One commune's households by status for a chart: poor, near_poor, other (the rest of the
    commune's households; None when its total is unknown)."""
    total = row.get("total")
    other = None if total is None or total != total else int(total) - int(row["poor"]) - int(row["near_poor"])
    return {"poor": int(row["poor"]), "near_poor": int(row["near_poor"]), "other": other}


def answering_lines(rows: pd.DataFrame, indicators: pd.DataFrame, execution: pd.DataFrame | None,
                    lang: str) -> pd.DataFrame:
    """For one unit's deprivations (rows of ``deprivation_table``), the budget line answering each
    one its poor households lack: indicator, poor_count, policy, line, plan, disbursed, rate
    (line figures empty where no line of the year's plan answers it); most common first."""
    suffix = "en" if lang == "en" else "vi"
    frame = rows[rows["poor_count"] > 0].merge(indicators[["number", "project_code"]], on="number", how="left")
    frame = frame.sort_values(["poor_count", "number"], ascending=[False, True])
    out = pd.DataFrame({"indicator": frame[f"name_{suffix}"], "poor_count": frame["poor_count"],
                        "policy": frame[f"policy_{suffix}"], "project_code": frame["project_code"]})
    if execution is None or execution.empty:
        return out.assign(line=None, plan=None, disbursed=None, rate=None).drop(columns="project_code")
    from .charts import line_code
    lines = execution.assign(code=[line_code(p, s) for p, s in zip(execution["project"], execution["sub_project"])])
    by_project = lines.groupby("project", as_index=False).agg(
        plan=("plan", "sum"), disbursed=("disbursed", "sum"), name=(f"name_{suffix}", "first"))

    def match(code):
        if not isinstance(code, str):
            return None
        exact = lines[lines["code"] == code]
        if not exact.empty:
            r = exact.iloc[0]
            return r[f"name_{suffix}"], r["plan"], r["disbursed"]
        parent = by_project[by_project["project"] == code.split(".")[0]]
        if not parent.empty:
            r = parent.iloc[0]
            return code.split(".")[0], r["plan"], r["disbursed"]
        return None

    matched = [match(c) for c in out["project_code"]]
    out["line"] = [m[0] if m else None for m in matched]
    out["plan"] = [m[1] if m else None for m in matched]
    out["disbursed"] = [m[2] if m else None for m in matched]
    out["rate"] = [m[2] / m[1] if m and m[1] else None for m in matched]
    return out.drop(columns="project_code").reset_index(drop=True)
