"""The sidebar's view filters (area, ethnic group, commune) applied to the analytics frames, so
the pages stay thin: a frame in, the filtered frame or the headline totals out."""

from __future__ import annotations

import pandas as pd

from .budget import line_code

AREAS = ("all", "rural", "urban")
ETHNIC_GROUPS = ("all", "ethnic_minority", "kinh")
# What the figures count: households (the official unit of the targets) or persons (form 1's
# "Nhân khẩu" columns); the persons column standing in for each household column.
MEASURES = ("households", "persons")
PERSONS_OF = {"total": "persons", "poor": "poor_persons", "near_poor": "near_poor_persons",
              "poor_ethnic_minority": "poor_ethnic_minority_persons",
              "near_poor_ethnic_minority": "near_poor_ethnic_minority_persons"}
# In persons, each household column (its rates too) holds what its persons column holds.
PERSONS_COLUMNS = {**PERSONS_OF, "poor_rate": "poor_persons_rate", "near_poor_rate": "near_poor_persons_rate"}


def in_measure(frame: pd.DataFrame, measure: str = "households") -> pd.DataFrame:
    """A frame of counts (``poverty.commune_table``, ``levels.level_table``, ``poverty.trend``)
    counted in ``measure``: as it is in households; in persons, total, poor, near_poor and the
    ethnic-minority counts hold the persons figures and the rates are over the persons. A figure
    the data lack (a review table giving households only, a unit without data) stays missing
    (NaN), never 0; ``persons_known`` says which rows have their poor and near-poor persons."""
    if measure == "households":
        return frame
    if measure != "persons":
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    out = frame.copy()
    for column, persons in PERSONS_OF.items():
        if column in out:
            out[column] = pd.to_numeric(out[persons], errors="coerce").astype(float) if persons in out \
                else float("nan")
    for status in ("poor", "near_poor"):
        if status in out:
            out[f"{status}_rate"] = out[status] / out["total"].where(out["total"] > 0)
    out["persons_known"] = out["poor"].notna() & out["near_poor"].notna()
    out.attrs["measure"] = "persons"  # kept through filtering and sorting: an export names the columns so
    return out


def counts_in_measure(counts: dict, measure: str = "households") -> dict:
    """The area's counts (``poverty.household_counts``, or :func:`totals`) in ``measure``: the
    persons figures under the household keys (poor, near_poor, total and the rates; None where
    unknown)."""
    if measure == "households":
        return counts
    return {**counts, "total": counts.get("persons"), "poor": counts.get("poor_persons"),
            "near_poor": counts.get("near_poor_persons"), "poor_rate": counts.get("poor_persons_rate"),
            "near_poor_rate": counts.get("near_poor_persons_rate")}


def persons_unknown(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a commune table that have figures (a source) but not their persons: a review
    table that gives households only."""
    has_data = frame["source"].notna() if "source" in frame else frame["poor"].notna()
    return frame[has_data & (frame["poor_persons"].isna() | frame["near_poor_persons"].isna())]


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
    the total is unknown); with its persons columns, persons, poor_persons, near_poor_persons and
    their rates too (the sums of the rows that have them)."""
    def whole(column):
        value = frame[column].sum(min_count=1) if column in frame else None
        return None if value is None or pd.isna(value) else int(value)

    def ratio(a, b):
        return a / b if a is not None and b else None

    def count(column):  # 0 for no rows; None where every row's figure is unknown
        value = whole(column)
        return 0 if value is None and not frame[column].isna().any() else value

    total = whole("total")
    poor, near = count("poor"), count("near_poor")
    persons, poor_p, near_p = whole("persons"), whole("poor_persons"), whole("near_poor_persons")
    return {"poor": poor, "near_poor": near, "total": total,
            "poor_rate": ratio(poor, total), "near_poor_rate": ratio(near, total),
            "persons": persons, "poor_persons": poor_p, "near_poor_persons": near_p,
            "poor_persons_rate": ratio(poor_p, persons), "near_poor_persons_rate": ratio(near_p, persons)}


def from_review(rows, name_column: str = "name") -> list[str]:
    """The names of the units whose figures in ``rows`` (a frame with a ``source`` column: the
    commune table, the transitions or the deprivation table; or some of its rows as dicts, None
    skipped) come from the review tables, in order."""
    if rows is None:
        return []
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else [r for r in rows if r]
    named = [str(r[name_column]) for r in records if "review" in str(r.get("source") or "").split("+")]
    return list(dict.fromkeys(named))


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
    indicator's unit (households as counts, shares as percentages); rows of
    ``levels.unit_targets`` also with lower_text, the lower units' sum and how many of the units
    directly below it covers ("25 (2/3)")."""
    from .i18n import fmt_number, fmt_percent

    def fmt(value, unit):  # both write "–" for a missing value
        return fmt_percent(value, lang) if unit == "share" else fmt_number(value, lang)

    out = gaps.copy()
    for col in ("target", "achieved", "gap"):
        out[f"{col}_text"] = [fmt(v, u) for v, u in zip(gaps[col], gaps["unit"])]
    if "lower_targets" in gaps:  # levels.unit_targets: "25 (2/3)", the units below that sum covers
        out["lower_text"] = [f"{fmt(v, u)} ({n}/{of})" if v is not None and not pd.isna(v) else "–"
                             for v, u, n, of in zip(gaps["lower_targets"], gaps["unit"], gaps["lower_units"],
                                                    gaps["units_below"])]
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
