"""The year's figures in one dictionary: what ``summary --json`` prints and the pages show."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from . import (budget, classification, deprivations, levels, poverty, review, standard_preview, support, targets,
               transitions)
from . import units as units_mod
from .db import Database
from .reference import vintage_for_year

# At most this many household ids are listed per data-quality entry (the count is always exact).
SAMPLE_IDS = 20


def _plain(v):
    """A JSON-ready scalar: NaN / NA / inf -> None, numpy scalars -> Python, dates -> ISO text."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if isinstance(v, (date, pd.Timestamp)):
        return v.isoformat()[:10]
    return v


def _records(frame: pd.DataFrame) -> list[dict]:
    """JSON-ready records: NaN and pandas NA become None, numpy scalars plain Python."""
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _transition_block(frame: pd.DataFrame) -> tuple[dict | None, dict[str, dict]]:
    """(district totals or None without a commune with data in both years, {code: row})."""
    per_commune = {r["code"]: {k: v for k, v in r.items() if k not in ("code", "name")}
                   for r in _records(frame)}
    return (transitions.totals(frame) if len(frame) else None), per_commune


def _budget(db: Database, year: int, as_of: date | None) -> dict:
    lines = budget.plan_lines(db, year)
    execution = budget.execution(db, year, as_of)
    by_source = budget.execution_by_source(db, year, as_of)
    # Amounts are stored to the thousand đồng (3 decimals of a million): sum without float noise.
    plan_total = round(float(lines["total"].sum()), 3)
    head = budget.totals(execution)
    disbursed_total = round(head["disbursed"], 3)
    merged = lines.merge(execution[["project", "sub_project", "disbursed", "rate", "behind_pace"]],
                         how="left", on=["project", "sub_project"])
    return {
        "plan_total": plan_total,
        "by_source": {s: float(lines[s].sum()) for s in budget.SOURCES},
        "lines": _records(merged[["project", "sub_project", "name_vi", "name_en", "agency",
                                  *budget.SOURCES, "total", "disbursed", "rate", "behind_pace"]]),
        "disbursed_total": disbursed_total,
        "disbursed_by_source": {r["source"]: r["disbursed"] for r in _records(by_source)},
        "disbursement_rate": disbursed_total / plan_total if plan_total else None,
        "as_of": _plain(head["as_of"]),
        "pace": head["pace"],
    }


def _deprivations(db: Database, year: int) -> dict | None:
    try:
        table = deprivations.district_table(db, year)
    except ValueError:  # no poverty standard covers the year
        return None
    af = deprivations.alkire_foster(db, year)
    indicators = table.rename(columns={"name_vi": "name"})[
        ["number", "code", "name", "name_en", "dimension_vi", "dimension_en", "policy_vi", "policy_en",
         "poor_count", "poor_share", "near_poor_count", "near_poor_share"]]
    return {"indicators": _records(indicators), "H": af.H, "A": af.A, "M0": af.M0,
            "households": af.n, "multidimensionally_poor": af.q, "k": af.k,
            "contributions": af.contributions_in("vi"),
            "contributions_en": af.contributions_in("en")}


def _by_unit(frame: pd.DataFrame, key: str, value: str) -> tuple[dict, dict[str, dict]]:
    """({key: total}, {unit code: {key: value}}) of a long frame with columns code, key, value."""
    totals = {k: int(v) for k, v in frame.groupby(key)[value].sum().items()}
    per_unit = {code: {k: int(v) for k, v in zip(g[key], g[value])} for code, g in frame.groupby("code")}
    return totals, per_unit


def _commune_records(communes: pd.DataFrame) -> list[dict]:
    return _records(communes[["code", "name", "is_urban", "source", "total", "persons", "poor", "near_poor",
                              "poor_rate", "near_poor_rate", "poor_ethnic_minority",
                              "near_poor_ethnic_minority", "poor_persons", "near_poor_persons",
                              "poor_persons_rate", "near_poor_persons_rate",
                              "also_absorbs_vi", "also_absorbs_en"]])


def _under_standard(db: Database, year: int, units: int | None, as_of: date | None, period: int) -> dict:
    """:func:`summary` with ``standard_period``."""
    vintage = units_mod.target_vintage(year, units)
    preview = standard_preview.preview(db, year, period, units)
    per_unit = {r["code"]: r for r in _records(standard_preview.by_unit(db, year, period, units))}
    communes = _commune_records(poverty.commune_table(db, year, units, standard_period=period))
    for c in communes:
        c["standard_preview"] = {k: v for k, v in per_unit.get(c["code"], {}).items() if k not in ("code", "name")}
    return {
        "year": year,
        "units": vintage,
        "standard_period": period,
        "standard": preview["standard"],
        "households": poverty.household_counts(db, year, units, standard_period=period),
        "communes": communes,
        **{key: None for key in NOT_UNDER_OTHER_STANDARD},
        "not_recomputed": list(NOT_UNDER_OTHER_STANDARD),
        "changes": preview["changes"],
        "unclassified": preview["totals"]["unclassified"],
        "no_income": preview["totals"]["no_income"],
        "missing_indicators": preview["missing_indicators"],
        "standard_preview": preview,
        "target_status_rule": {"vi": targets.status_rule(db, "vi"), "en": targets.status_rule(db, "en")},
        "budget": _budget(db, year, as_of),
        # Support received does not depend on the standard.
        "support": _by_unit(support.support_counts(db, year, units), "support_type", "households")[0],
        "data_quality": data_quality(db, year, units),
        "data_vintage": vintage_for_year(year),
    }


def data_quality(db: Database, year: int, units: int | None = None,
                 reports: dict[str, transitions.Report] | None = None) -> list[dict]:
    """What the figures of ``year`` should be read with, one entry per kind and commune: kind
    (status_disagreement | missing_poor_household | missing_near_poor_household |
    no_status_poor_household | no_status_near_poor_household | commune_without_previous_year |
    commune_without_year | duplicate_household | unit_absorbs_outside), year, commune_code,
    commune_name, count, household_ids (at most ``SAMPLE_IDS``), detail. ``reports``: the
    transitions reports of the year by status, if already computed. Duplicates are looked for
    among the households on the poor and near-poor lists (the ones the figures count)."""
    if reports is None:
        reports = transitions.reports(db, year, units)
    out: list[dict] = []

    def add_grouped(kind: str, frame: pd.DataFrame, detail: str | None = None) -> None:
        for (code, name), group in frame.groupby(["commune_code", "commune_name"], dropna=False, sort=True):
            out.append({"kind": kind, "year": year, "commune_code": _plain(code), "commune_name": _plain(name),
                        "count": int(len(group)),
                        "household_ids": [str(x) for x in group.household_id.head(SAMPLE_IDS)],
                        "detail": detail})

    disagreements = poverty.status_disagreements(db, year)
    add_grouped("status_disagreement", disagreements,
                "recorded status differs from the standard's rule; the recorded one is official")
    for status in ("poor", "near_poor"):
        missing = reports[status].missing
        add_grouped(f"missing_{status}_household", missing[missing.reason == "missing"],
                    f"on the {year - 1} list, missing from {year}'s data of its commune: "
                    f"counted as an other decrease")
        add_grouped(f"no_status_{status}_household", missing[missing.reason == "no_status"],
                    f"on the {year - 1} list, recorded in {year} without a status: counted as an "
                    f"other decrease")
    if (year - 1) in poverty.years_with_data(db):
        for r in _records(transitions.skipped_communes(db, year, units)):
            kind = "commune_without_previous_year" if not r["has_previous"] else "commune_without_year"
            out.append({"kind": kind, "year": year, "commune_code": r["code"], "commune_name": r["name"],
                        "count": None, "household_ids": [],
                        "detail": "household data in only one of the two years: no transitions"})
    duplicates = pd.concat([r.duplicates for r in reports.values()]).drop_duplicates("household_id")
    if len(duplicates):
        out.append({"kind": "duplicate_household", "year": year, "commune_code": None, "commune_name": None,
                    "count": int(len(duplicates)),
                    "household_ids": sorted(str(x) for x in duplicates.household_id)[:SAMPLE_IDS],
                    "detail": "recorded more than once in the year: counted once in the transitions"})
    vintage = units_mod.target_vintage(year, units)
    notes_en = units_mod.absorption_notes(db, vintage, "en")
    for code, note in units_mod.absorption_notes(db, vintage, "vi").items():
        out.append({"kind": "unit_absorbs_outside", "year": year, "commune_code": code,
                    "commune_name": db.scalar("SELECT name FROM org_unit WHERE vintage = ? AND code = ?",
                                              [vintage, code]),
                    "count": None, "household_ids": [],
                    "detail": f"also absorbs {notes_en.get(code)}: figures cover only the part in the data"
                              f" / cũng gồm {note}"})
    return out


# Figures that follow the year's own standard and are not recomputed under another one.
NOT_UNDER_OTHER_STANDARD = ("transitions", "near_poor_transitions", "deprivations", "targets", "causes",
                            "review_funnel")


def summary(db: Database, year: int, units: int | None = None, as_of: date | None = None,
            standard_period: int | None = None) -> dict:
    """Everything the dashboard knows about ``year``, as plain JSON-ready values:

    ``year``, ``units`` (the vintage of the communes shown), ``households`` (district counts and
    rates), ``communes[]`` (code, name, total, poor, near_poor, rates, ethnic-minority counts,
    also_absorbs_*, and their ``transitions`` / ``near_poor_transitions``, None where the commune
    lacks data for one of the years), ``transitions`` and ``near_poor_transitions`` (district
    totals; None without two years of data), ``deprivations`` (indicators[], H, A, M0,
    contributions), ``targets[]`` (target, achieved, gap, status), ``target_status_rule``
    ({vi, en}), ``budget`` (plan by line and source, disbursed_total, disbursed_by_source,
    disbursement_rate, as_of, pace, lines[] with disbursed and rate), ``support`` ({type:
    households supported in the year}), ``causes`` ({cause: poor and near-poor households giving
    it}), both also per commune, ``review_funnel`` (Phiếu A → B1/B2 → recognised, see
    ``review.funnel``) and ``data_quality[]``.
    ``units`` (e.g. 2025) presents pre-2025 data in the new communes; ``as_of`` the budget's date
    (default: its latest snapshot). ``standards``: which standard classified the year's households
    (a unit's own standard, or the national one) and how many each.

    ``standard_period`` (e.g. 2027): ``households`` and ``communes`` count the same households
    under that period's standard (the rule's status); the keys of ``NOT_UNDER_OTHER_STANDARD``
    are None (listed under ``not_recomputed``); added: ``standard_period``, ``standard`` and the
    preview's ``changes`` (by cause), ``unclassified``, ``no_income``, ``missing_indicators`` and
    ``standard_preview`` (:func:`standard_preview.preview` whole)."""
    if standard_period is not None:
        return _under_standard(db, year, units, as_of, standard_period)
    vintage = units_mod.target_vintage(year, units)
    communes = poverty.commune_table(db, year, units)
    reports = transitions.reports(db, year, units)
    poor_tr, poor_by_commune = _transition_block(reports["poor"].table)
    near_tr, near_by_commune = _transition_block(reports["near_poor"].table)
    commune_records = _commune_records(communes)
    counts = support.support_counts(db, year, units)
    support_total, support_by_unit = _by_unit(counts, "support_type", "households")
    cause_rows = review.cause_counts(db, year, units)
    cause_rows["households"] = cause_rows.poor + cause_rows.near_poor
    causes_total, causes_by_unit = _by_unit(cause_rows, "cause", "households")
    for c in commune_records:
        c["transitions"] = poor_by_commune.get(c["code"])
        c["near_poor_transitions"] = near_by_commune.get(c["code"])
        c["support"] = support_by_unit.get(c["code"], {})
        c["causes"] = causes_by_unit.get(c["code"], {})
    gaps = targets.target_gaps(db, year, units)
    return {
        "year": year,
        "units": vintage,
        "households": poverty.household_counts(db, year, units),
        "communes": commune_records,
        "transitions": poor_tr,
        "near_poor_transitions": near_tr,
        "deprivations": _deprivations(db, year),
        "targets": _records(gaps[["org_unit", "org_name", "indicator", "unit", "direction", "target",
                                  "achieved", "gap", "status", "progress", "achieved_source"]]),
        "target_status_rule": {"vi": targets.status_rule(db, "vi"), "en": targets.status_rule(db, "en")},
        "budget": _budget(db, year, as_of),
        "support": support_total,
        "causes": causes_total,
        "review_funnel": review.funnel(db, year),
        "data_quality": data_quality(db, year, units, reports),
        "data_vintage": vintage_for_year(year),
        "standards": classification.standards_used(db, year),
    }


def unit_summary(db: Database, year: int, code: str, units: int | None = None) -> dict:
    """The figures of one unit at any level (``summary --unit``): ``unit`` ({vintage, code, name,
    unit_type, level, parent_code}), ``households`` (counts summed over its communes, rates from
    the sums), ``children_level`` and ``children`` (the units one level below, by code, with the
    same figures; none under a commune), ``targets`` (those set for the unit itself, with gap and
    status, ``lower_targets``, the sum of what the units directly below were given, and
    ``lower_units`` of ``units_below``, how many of them that sum covers). ValueError for a code
    that is no working unit of the vintage."""
    vintage = units_mod.target_vintage(year, units)
    info = levels.unit_info(db, vintage, code)
    if info is None:
        raise ValueError(f"no unit {code} among the units of {vintage}")
    communes = poverty.commune_table(db, year, units)  # read once for the unit and its children
    own = levels.level_table(db, year, info["level"], units, within=str(code), commune_rows=communes)
    own = own[own.code == str(code)].drop(columns=["code", "name", "level"])
    child = levels.child_level(vintage, info["level"])
    children = (levels.level_table(db, year, child, units, within=str(code), commune_rows=communes)
                if child else None)
    figures = _records(own)
    gaps = levels.unit_targets(db, year, code, units)
    return {"year": year, "units": vintage, "unit": info,
            "households": figures[0] if figures else levels.empty_figures(),
            "children_level": child, "children": _records(children) if children is not None else [],
            "targets": _records(gaps[["indicator", "name_vi", "name_en", "unit", "direction", "target",
                                      "lower_targets", "lower_units", "units_below", "achieved", "gap", "status",
                                      "achieved_source"]])}
