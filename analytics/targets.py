"""Targets and gaps. As DHIS2 keeps them, a target is a value per (year, org unit, indicator),
compared with what was achieved:

* ``*_reduction`` (households): the net fall in poor households over the year, start − end (the
  poor at the end of y-1 minus the poor at the end of y), all / ethnic minority / Kinh;
* ``poor_rate``: the poverty rate at the end of the year (target: below it);
* ``health_insurance_coverage``: an imported actual where there is one, else the share of poor
  and near-poor households not deprived on the health-insurance indicator (number 4);
* other indicators (officers trained, credit access): imported actuals;
* coverage indicators that a support type answers (``support_type.csv``: health-insurance card,
  preferential credit): where support records exist for the year, the share of poor and
  near-poor households with a record of that type, before any typed figure (``support_coverage``).

gap = target − achieved. The status (achieved, on track, at risk, behind) follows ``status``,
whose thresholds are the settings ``status_on_track_share`` and ``status_at_risk_share``;
``status_rule`` states the rule in words for the UI.
"""

from __future__ import annotations

import calendar
from datetime import date

import pandas as pd

from . import poverty
from . import units as units_mod
from .db import Database
from .i18n import fmt_percent, t
from .poverty import OFFICIAL
from .reference import get_float_setting, read_csv, vintage_for_year

STATUSES = ("achieved", "on_track", "at_risk", "behind")
# Reduction indicators: which poor households they count (SQL over household ``h``).
REDUCTION_FILTERS = {
    "poor_reduction": "true",
    "poor_ethnic_minority_reduction": "h.is_ethnic_minority",
    "poor_kinh_reduction": "NOT coalesce(h.is_ethnic_minority, false)",
}
# Coverage indicators that, lacking an imported actual, are read off a deprivation indicator
# (by its number in the standard): covered = not deprived on it.
COVERAGE_FROM_DEPRIVATION = {"health_insurance_coverage": 4}


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


def thresholds(db: Database) -> tuple[float, float]:
    """(on-track share, at-risk share) from the settings."""
    return (get_float_setting(db, "status_on_track_share", 0.9),
            get_float_setting(db, "status_at_risk_share", 0.6))


def year_elapsed(year: int, as_of: date | None) -> float:
    """Share of ``year`` elapsed at the end of the day ``as_of`` (1.0 when None or after the year;
    0.0 before it)."""
    if as_of is None or as_of.year > year:
        return 1.0
    if as_of.year < year:
        return 0.0
    days = 366 if calendar.isleap(year) else 365
    return as_of.timetuple().tm_yday / days


def status_counts(rows: pd.DataFrame) -> dict[str, int]:
    """How many of ``rows`` (``target_gaps`` rows: communes' targets, or the district's) are in
    each status, in the order of ``STATUSES``; the statuses are the one rule of :func:`status`."""
    counts = rows["status"].value_counts() if "status" in rows else {}
    return {s: int(counts.get(s, 0)) for s in STATUSES}


def status(target, achieved, direction: str = "at_least", *, elapsed: float = 1.0,
           on_track: float = 0.9, at_risk: float = 0.6, pro_rata: bool = True) -> str | None:
    """The status of one indicator: 'achieved' when the target is met (``achieved >= target``, or
    ``achieved < target`` for a 'below' target); otherwise the progress — achieved over the
    target due by now (target × ``elapsed`` for a flow, ``pro_rata``; the target itself for a
    level), or target over achieved for a 'below' target — gives 'on_track' at ``on_track`` or
    more, 'at_risk' at ``at_risk`` or more, else 'behind'. None when either figure is unknown."""
    p = progress(target, achieved, direction, elapsed=elapsed, pro_rata=pro_rata)
    if p is None:
        return None
    met = achieved < target if direction == "below" else achieved >= target
    if met:
        return "achieved"
    if p >= on_track:
        return "on_track"
    if p >= at_risk:
        return "at_risk"
    return "behind"


def progress(target, achieved, direction: str = "at_least", *, elapsed: float = 1.0,
             pro_rata: bool = True) -> float | None:
    """Achieved over the target due by now, or target over achieved for a 'below' target (see
    ``status``); 1.0 / 0.0 where that ratio is undefined (nothing due, or an actual of zero) and
    the target is met / not met; None when either figure is unknown."""
    if target is None or achieved is None or pd.isna(target) or pd.isna(achieved):
        return None
    if direction == "below":
        return target / achieved if achieved > 0 else 1.0
    due = target * (elapsed if pro_rata else 1.0)
    if due <= 0:
        return 1.0 if achieved >= due else 0.0
    return achieved / due


def status_rule(db: Database, lang: str = "vi") -> str:
    """The status rule in words, with the thresholds currently set, for the UI."""
    on_track, at_risk = thresholds(db)
    return t("targets_status_rule", lang, on_track=fmt_percent(on_track, lang, 0),
             at_risk=fmt_percent(at_risk, lang, 0))


def _unit_communes_sql(vintage: int) -> str:
    """(org_vintage, org_code, commune_code): each commune itself and every commune under a
    district or province, all in ``vintage``."""
    v = int(vintage)
    return f"""(
        SELECT vintage AS org_vintage, code AS org_code, code AS commune_code FROM org_unit
        WHERE vintage = {v} AND unit_type IN {units_mod.COMMUNE_TYPES_SQL}
        UNION ALL
        SELECT c.vintage, c.parent_code, c.code FROM org_unit c
        WHERE c.vintage = {v} AND c.unit_type IN {units_mod.COMMUNE_TYPES_SQL} AND c.parent_code IS NOT NULL
        UNION ALL
        SELECT c.vintage, p.parent_code, c.code FROM org_unit c
        JOIN org_unit p ON p.vintage = c.vintage AND p.code = c.parent_code
        WHERE c.vintage = {v} AND c.unit_type IN {units_mod.COMMUNE_TYPES_SQL} AND p.parent_code IS NOT NULL)"""


def computed_actuals(db: Database, year: int, units: int | None = None) -> pd.DataFrame:
    """What the household data says was achieved, per org unit (each commune, and each district
    or province over its communes, in the units of ``units`` or of the year): org_vintage,
    org_unit, indicator, achieved, source ('households', 'review' or both joined by '+'). Reductions
    need data for the unit in both years, the rate needs the year's data and total, coverage the
    year's poor and near-poor. A commune's year without a household list counts with its review
    table (form 1: the poor households and the total); what only a list gives (the ethnic split,
    coverage) is then unknown for its units, so left out."""
    vintage = units_mod.target_vintage(year, units)
    link = units_mod.link_sql(vintage)
    standard = db.scalar("SELECT standard FROM poverty_standard WHERE ? BETWEEN valid_from_year "
                         "AND valid_to_year LIMIT 1", [year])
    coverage_cols = []
    for indicator, number in COVERAGE_FROM_DEPRIVATION.items():
        code = db.scalar("SELECT code FROM deprivation_indicator WHERE standard = ? AND number = ?",
                         [standard, number])
        if code:
            coverage_cols.append((indicator, code))
    reductions = ", ".join(
        f"count(*) FILTER ({OFFICIAL} = 'poor' AND {cond}) AS \"{name}\""
        for name, cond in REDUCTION_FILTERS.items())
    coverage = "".join(
        f", count(*) FILTER ({OFFICIAL} IN ('poor', 'near_poor') AND NOT coalesce(h.{code}, false)) "
        f"AS \"{ind}\"" for ind, code in coverage_cols)
    # What only a household list gives (the ethnic split, coverage): unknown (NULL) for a unit
    # with a commune known only from the review tables.
    list_only = [n for n in REDUCTION_FILTERS if n != "poor_reduction"] + [ind for ind, _ in coverage_cols]

    def sums(flag: str) -> str:
        return ", ".join(f'sum("{n}") AS "{n}"' if n not in list_only else
                         f'CASE WHEN bool_or({flag}) THEN NULL ELSE sum("{n}") END AS "{n}"'
                         for n in [*REDUCTION_FILTERS, *(ind for ind, _ in coverage_cols)])
    tot_sql, tot_params = poverty.totals_sql(year, True)
    counts = db.frame(
        f"""
        WITH link AS {link}, uc AS {_unit_communes_sql(vintage)},
        -- Count per recorded commune first, then map the commune rows to units.
        -- Only poor and near-poor households are counted (filtered first); which communes have
        -- data at all comes from a scan of the commune columns alone.
        listed_raw AS (
            SELECT h.year, h.commune_vintage, h.commune_code, count(*) AS listed, {reductions} {coverage}
            FROM household_current h
            WHERE h.year IN (?, ?) AND {OFFICIAL} IN ('poor', 'near_poor')
            GROUP BY ALL),
        present AS (
            SELECT DISTINCT year, commune_vintage, commune_code FROM household_current WHERE year IN (?, ?)),
        -- A commune's year without a household list: the poor households of its review table (form 1).
        review AS (
            SELECT r.year, r.commune_vintage, r.commune_code, r.poor, r.near_poor
            FROM ({poverty.REVIEW_SUMMARY_SQL}) r
            WHERE r.year IN (?, ?) AND r.poor IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM present p WHERE p.year = r.year AND p.commune_vintage = r.commune_vintage
                AND p.commune_code = r.commune_code)),
        raw AS (
            SELECT p.year, p.commune_vintage, p.commune_code, coalesce(r.listed, 0) AS listed,
                   {", ".join(f'coalesce(r."{n}", 0) AS "{n}"' for n in REDUCTION_FILTERS)}
                   {"".join(f', coalesce(r."{ind}", 0) AS "{ind}"' for ind, _ in coverage_cols)},
                   FALSE AS from_review
            FROM present p LEFT JOIN listed_raw r USING (year, commune_vintage, commune_code)
            UNION ALL BY NAME
            SELECT year, commune_vintage, commune_code, poor + coalesce(near_poor, 0) AS listed,
                   poor AS poor_reduction, TRUE AS from_review
            FROM review),
        per_commune AS (
            SELECT raw.year, l.code AS commune_code, sum(listed) AS listed, {sums("from_review")},
                   bool_or(from_review) AS from_review, bool_or(NOT from_review) AS from_list
            FROM raw JOIN link l ON l.src_vintage = raw.commune_vintage AND l.src_code = raw.commune_code
            GROUP BY ALL),
        totals AS (
            SELECT l.code AS commune_code, sum(t.households) AS households
            FROM ({tot_sql}) t
            JOIN link l ON l.src_vintage = t.commune_vintage AND l.src_code = t.commune_code
            GROUP BY ALL),
        size AS (SELECT org_vintage, org_code, count(*) AS n FROM uc GROUP BY ALL)
        SELECT uc.org_vintage, uc.org_code AS org_unit, p.year,
               count(DISTINCT uc.commune_code) = any_value(size.n) AS complete,
               sum(p.listed) AS listed, sum(x.households) AS households,
               {sums("p.from_review")},
               bool_or(p.from_review) AS from_review, bool_or(p.from_list) AS from_list
        FROM uc JOIN per_commune p ON p.commune_code = uc.commune_code
        JOIN size ON size.org_vintage = uc.org_vintage AND size.org_code = uc.org_code
        LEFT JOIN totals x ON x.commune_code = uc.commune_code AND p.year = ?
        GROUP BY ALL
        """,
        [year - 1, year, year - 1, year, year - 1, year, *tot_params, year],
    )
    # A figure for a unit needs every one of its communes to have data (for both years where the
    # figure is a change): a part of a district would understate or overstate it.
    key = ["org_vintage", "org_unit"]
    cur = counts[(counts.year == year) & counts.complete].set_index(key)
    prev = counts[(counts.year == year - 1) & counts.complete].set_index(key)
    both = cur.index.intersection(prev.index)

    def source(frames) -> pd.Series:
        """'households', 'review' or both joined by '+' (as ``poverty.commune_table``'s source)."""
        review = frames[0].from_review.astype(bool)
        listed = frames[0].from_list.astype(bool)
        for f in frames[1:]:
            review, listed = review | f.from_review.astype(bool), listed | f.from_list.astype(bool)
        return pd.Series(["+".join(s for s, on in (("households", a), ("review", b)) if on)
                          for a, b in zip(listed, review)], index=review.index)

    parts = []
    for name in REDUCTION_FILTERS:
        parts.append(pd.DataFrame({"indicator": name,
                                   "achieved": (prev.loc[both, name] - cur.loc[both, name]).astype(float),
                                   "source": source([prev.loc[both], cur.loc[both]])}))
    rate = cur[cur.households.notna() & (cur.households > 0)]
    parts.append(pd.DataFrame({"indicator": "poor_rate",
                               "achieved": rate.poor_reduction.astype(float) / rate.households.astype(float),
                               "source": source([rate])}))
    listed = cur[cur.listed > 0]
    for ind, _ in coverage_cols:
        parts.append(pd.DataFrame({"indicator": ind,
                                   "achieved": listed[ind].astype(float) / listed.listed.astype(float),
                                   "source": source([listed])}))
    out = pd.concat(parts).reset_index()
    return out[out.achieved.notna()][["org_vintage", "org_unit", "indicator", "achieved", "source"]] \
        .reset_index(drop=True)


def support_coverage(db: Database, year: int, units: int | None = None) -> pd.DataFrame:
    """Coverage read off the support records of ``year``: per org unit (each commune, and each
    district or province over its communes) and coverage indicator of a support type, the share
    of the poor and near-poor households with support of that type. A unit needs support
    records in every one of its communes that has households listed (else part of it would
    count as uncovered). org_vintage, org_unit, indicator, achieved."""
    vintage = units_mod.target_vintage(year, units)
    frame = db.frame(
        f"""
        WITH link AS {units_mod.link_sql(vintage)}, uc AS {_unit_communes_sql(vintage)},
        listed AS (
            SELECT h.household_id, l.code AS commune_code FROM household_current h
            JOIN link l ON l.src_vintage = h.commune_vintage AND l.src_code = h.commune_code
            WHERE h.year = ? AND {OFFICIAL} IN ('poor', 'near_poor')),
        recorded AS (
            SELECT DISTINCT l.code AS commune_code FROM support_current s
            JOIN link l ON l.src_vintage = s.commune_vintage AND l.src_code = s.commune_code
            WHERE s.year = ?),
        covered AS (
            SELECT DISTINCT t.coverage_indicator AS indicator, s.household_id FROM support_current s
            JOIN support_type t ON t.code = s.support_type
            WHERE s.year = ? AND t.coverage_indicator IS NOT NULL),
        indicators AS (SELECT DISTINCT coverage_indicator AS indicator FROM support_type
                       WHERE coverage_indicator IS NOT NULL)
        SELECT uc.org_vintage, uc.org_code AS org_unit, i.indicator,
               count(DISTINCT c.household_id)::DOUBLE / count(DISTINCT x.household_id) AS achieved,
               bool_and(r.commune_code IS NOT NULL) AS complete
        FROM uc JOIN listed x ON x.commune_code = uc.commune_code
        CROSS JOIN indicators i
        LEFT JOIN recorded r ON r.commune_code = uc.commune_code
        LEFT JOIN covered c ON c.indicator = i.indicator AND c.household_id = x.household_id
        GROUP BY ALL
        HAVING bool_or(r.commune_code IS NOT NULL)""", [year, year, year])
    return frame[frame.complete][["org_vintage", "org_unit", "indicator", "achieved"]].reset_index(drop=True)


def target_gaps(db: Database, year: int, units: int | None = None,
                as_of: date | None = None, within_units=None) -> pd.DataFrame:
    """One row per target of the year: org_vintage, org_unit, org_name, indicator, name_vi,
    name_en, unit, direction, target, achieved, achieved_source ('households' | 'review' (the
    review tables, for communes without a household list; 'households+review' for a unit with
    both) | 'imported' | 'support': the support records, which come before a typed figure),
    gap (target − achieved), progress, status (achieved | on_track | at_risk | behind; None
    where nothing is known of what was achieved). District (and province) rows first.

    ``as_of`` (default: the year-end review) sets the share of the year elapsed for flow targets
    (household counts) in the status. With ``units`` (e.g. 2025) the commune targets counted in
    households are summed into the new communes and compared with their figures; commune
    targets given as shares cannot be summed and are left out; district rows stay as they are.
    ``within_units``: only the targets of units among these (vintage, code) pairs (e.g. the home
    area's, ``levels.area_units``)."""
    data_vintage = vintage_for_year(year)
    vintage = units_mod.target_vintage(year, units)
    targets = target_values(db, year)
    if vintage != data_vintage:
        targets = _targets_in_units(db, targets, vintage)
    parts = [computed_actuals(db, year)]
    if vintage != data_vintage:
        parts.append(computed_actuals(db, year, units=vintage))
    computed = pd.concat(parts, ignore_index=True)
    covered = [support_coverage(db, year)]
    if vintage != data_vintage:
        covered.append(support_coverage(db, year, units=vintage))
    covered = pd.concat(covered, ignore_index=True).rename(columns={"achieved": "from_support"})
    imported = db.frame("""SELECT org_vintage, org_code AS org_unit, indicator_code AS indicator,
                                  value AS imported FROM indicator_value_current
                           WHERE year = ? AND kind = 'actual'""", [year])
    frame = targets.merge(computed, how="left", on=["org_vintage", "org_unit", "indicator"]) \
                   .merge(imported, how="left", on=["org_vintage", "org_unit", "indicator"]) \
                   .merge(covered, how="left", on=["org_vintage", "org_unit", "indicator"])
    # Household data decides reductions and the rate; for coverage an imported figure is better.
    prefer_imported = ~frame.indicator.isin(list(REDUCTION_FILTERS) + ["poor_rate"])
    use_imported = frame.imported.notna() & (prefer_imported | frame.achieved.isna())
    frame["achieved_source"] = None
    frame.loc[frame.achieved.notna(), "achieved_source"] = frame.source
    frame.loc[use_imported, "achieved_source"] = "imported"
    frame["achieved"] = frame.achieved.where(~use_imported, frame.imported)
    use_support = frame.from_support.notna()
    frame.loc[use_support, "achieved_source"] = "support"
    frame["achieved"] = frame.achieved.where(~use_support, frame.from_support)
    frame["gap"] = frame.target - frame.achieved
    on_track, at_risk = thresholds(db)
    elapsed = year_elapsed(year, as_of)
    frame["progress"] = [progress(r.target, r.achieved, r.direction or "at_least", elapsed=elapsed,
                                  pro_rata=r.unit == "households") for r in frame.itertuples()]
    frame["status"] = [status(r.target, r.achieved, r.direction or "at_least", elapsed=elapsed,
                              on_track=on_track, at_risk=at_risk, pro_rata=r.unit == "households")
                       for r in frame.itertuples()]
    if within_units is not None:
        keys = frame.org_vintage.astype("Int64").astype(str) + ":" + frame.org_unit.astype(str)
        frame = frame[keys.isin({f"{int(v)}:{c}" for v, c in within_units})]
    return frame[["org_vintage", "org_unit", "org_name", "indicator", "name_vi", "name_en", "unit",
                  "direction", "target", "achieved", "achieved_source", "gap", "progress",
                  "status"]].reset_index(drop=True)


def _targets_in_units(db: Database, targets: pd.DataFrame, vintage: int) -> pd.DataFrame:
    """Commune targets counted in households summed into the communes of ``vintage``; commune
    share targets dropped; district and province targets unchanged."""
    link = db.frame(f"SELECT * FROM {units_mod.link_sql(vintage)} l")
    kinds = dict(db.query("SELECT vintage || '/' || code, unit_type FROM org_unit"))
    is_commune = [kinds.get(f"{v}/{c}") in units_mod.COMMUNE_TYPES
                  for v, c in zip(targets.org_vintage, targets.org_unit)]
    communal = targets[is_commune]
    upper = targets[[not x for x in is_commune]]
    communal = communal[communal.unit == "households"].merge(
        link, left_on=["org_vintage", "org_unit"], right_on=["src_vintage", "src_code"])
    names = dict(db.query("SELECT code, name FROM org_unit WHERE vintage = ?", [vintage]))
    summed = (communal.groupby(["code", "indicator", "name_vi", "name_en", "unit", "direction"],
                               as_index=False, dropna=False)["target"].sum()
              .rename(columns={"code": "org_unit"}))
    summed["org_vintage"] = vintage
    summed["org_name"] = summed.org_unit.map(names)
    return pd.concat([upper, summed[upper.columns]], ignore_index=True)


# -- period targets (e.g. 2026–2030) and each unit's annual path ------------------------------

PERIOD_KIND = "period_target"  # indicator_value.kind of a period's target, stored at its last year


def periods() -> list[dict]:
    """The programme periods (``data/reference/target_period.csv``): first_year, last_year, names."""
    return [{**r, "first_year": int(r["first_year"]), "last_year": int(r["last_year"])}
            for r in read_csv("target_period.csv")]


def period_of(year: int) -> tuple[int, int]:
    """(first, last) year of the programme period holding ``year`` (ValueError when none does)."""
    for p in periods():
        if p["first_year"] <= year <= p["last_year"]:
            return p["first_year"], p["last_year"]
    raise ValueError(f"no programme period covers the year {year}")


def period_targets(db: Database, first_year: int) -> pd.DataFrame:
    """The period's targets (stored with kind ``period_target`` at its last year): org_vintage,
    org_unit, org_name, indicator, name_vi, name_en (the indicator's), unit, target."""
    _, last = period_of(first_year)
    return db.frame(
        """SELECT v.org_vintage, v.org_code AS org_unit, o.name AS org_name, v.indicator_code AS indicator,
                  i.name_vi, i.name_en, i.unit, v.value AS target
           FROM indicator_value_current v
           LEFT JOIN indicator i ON i.code = v.indicator_code
           LEFT JOIN org_unit o ON o.vintage = v.org_vintage AND o.code = v.org_code
           WHERE v.year = ? AND v.kind = ?
           ORDER BY o.unit_type <> 'district', v.org_code, v.indicator_code""", [last, PERIOD_KIND])


def period_path(db: Database, first_year: int) -> pd.DataFrame:
    """Each unit's path to its period targets counted in households (the reductions), one row
    per (unit, indicator, year of the period): org_vintage, org_unit, org_name, indicator, name_vi,
    name_en, year,
    milestone (the year's own target where one is entered, else an even share of what the
    entered ones leave of the period target), milestone_source ('entered' | 'spread'), due (the
    milestones summed up to the year), achieved (the reductions summed up to the year; None
    from the first year without data), status (of achieved against due, as ``status``)."""
    first, last = period_of(first_year)
    goals = period_targets(db, first)
    goals = goals[goals.unit == "households"]
    years = list(range(first, last + 1))
    entered = {}
    for y in years:
        for r in target_values(db, y).itertuples():
            entered[(int(r.org_vintage), str(r.org_unit), r.indicator, y)] = float(r.target)
    achieved: dict[tuple, float] = {}
    for y in years:
        for vintage in {int(v) for v in goals.org_vintage}:
            try:
                got = computed_actuals(db, y, units=vintage)
            except ValueError:  # units older than the year's data
                continue
            for r in got.itertuples():
                if pd.notna(r.achieved):
                    achieved[(int(r.org_vintage), str(r.org_unit), r.indicator, y)] = float(r.achieved)
    on_track, at_risk = thresholds(db)
    rows = []
    for g in goals.itertuples():
        key = (int(g.org_vintage), str(g.org_unit), g.indicator)
        fixed = {y: entered[(*key, y)] for y in years if (*key, y) in entered}
        open_years = [y for y in years if y not in fixed]
        spread = (float(g.target) - sum(fixed.values())) / len(open_years) if open_years else 0.0
        due = done = 0.0
        known = True
        for y in years:
            milestone = fixed.get(y, spread)
            due += milestone
            if known and (*key, y) in achieved:
                done += achieved[(*key, y)]
            else:
                known = False
            rows.append({"org_vintage": key[0], "org_unit": key[1], "org_name": g.org_name,
                         "indicator": g.indicator, "name_vi": g.name_vi, "name_en": g.name_en,
                         "year": y, "milestone": milestone,
                         "milestone_source": "entered" if y in fixed else "spread", "due": due,
                         "achieved": done if known else None,
                         "status": status(due, done, elapsed=1.0, on_track=on_track, at_risk=at_risk)
                         if known else None})
    return pd.DataFrame(rows, columns=["org_vintage", "org_unit", "org_name", "indicator", "name_vi", "name_en",
                                       "year", "milestone", "milestone_source", "due", "achieved", "status"])
