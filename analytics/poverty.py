"""Who is poor: counts and rates of poor and near-poor households, by commune and in total.

Every function reads the official status: the recorded one where the file has it, else the one
computed by the standard of the year (see ``classification``). Rates use the commune totals
(``commune_total``) as denominators: household lists hold only the reviewed households.
Functions taking ``units`` can present pre-2025 data in the 2025 communes (see ``units``).
"""

from __future__ import annotations

import pandas as pd

from . import classification
from . import units as units_mod
from .classification import disagrees_sql
from .db import Database
from .reference import vintage_for_year
from .units import COMMUNE_TYPES_SQL, units_sql

# The official status, as the ``household_official`` view defines it, without the view's join to
# org_unit (one join less on every row: these queries run over millions of households).
OFFICIAL = "coalesce(h.recorded_status, h.computed_status)"
DISAGREES = disagrees_sql("h.recorded_status", "h.computed_status", "h.income_per_capita")


def scope_sql(communes) -> tuple[str, list]:
    """SQL (and its parameters) keeping households ``h`` of the (vintage, code) pairs of
    ``communes`` (None: all)."""
    if communes is None:
        return "TRUE", []
    pairs = sorted({(int(v), str(c)) for v, c in communes})
    if not pairs:
        return "FALSE", []
    return "(" + " OR ".join("(h.commune_vintage = ? AND h.commune_code = ?)" for _ in pairs) + ")", \
        [x for p in pairs for x in p]


def _counts_select(status: str = OFFICIAL) -> str:
    return f"""count(*) FILTER ({status} = 'poor') AS poor,
               count(*) FILTER ({status} = 'near_poor') AS near_poor,
               count(*) FILTER ({status} = 'poor' AND h.is_ethnic_minority) AS poor_ethnic_minority,
               count(*) FILTER ({status} = 'near_poor' AND h.is_ethnic_minority) AS near_poor_ethnic_minority,
               sum(h.members) FILTER ({status} = 'poor') AS poor_persons,
               sum(h.members) FILTER ({status} = 'near_poor') AS near_poor_persons"""


def _households(db: Database, year: int, standard_period: int | None) -> tuple[str, list, str]:
    """(FROM clause as ``h`` of the year's households, its parameters, the status expression):
    the official status, or with ``standard_period`` the status under that period's standard."""
    if standard_period is None:
        return "household_current h WHERE h.year = ?", [year], OFFICIAL
    sql, params = classification.period_households_sql(db, year, standard_period)
    return f"({sql}) h", params, "h.period_status"


# A commune's figures from the official review tables (form 1, ``review_figure``), for a year's
# communes without a household list: the poor and near-poor counts, in households and persons,
# and the totals where no commune_total row gives them.
_REVIEW_ALL_YEARS = """
        SELECT r.year, r.commune_vintage, r.commune_code,
               max(r.value) FILTER (r.status = 'poor' AND r.unit = 'households') AS poor,
               max(r.value) FILTER (r.status = 'near_poor' AND r.unit = 'households') AS near_poor,
               max(r.value) FILTER (r.status = 'poor' AND r.unit = 'persons') AS poor_persons,
               max(r.value) FILTER (r.status = 'near_poor' AND r.unit = 'persons') AS near_poor_persons,
               max(r.value) FILTER (r.status = 'all' AND r.unit = 'households') AS households,
               max(r.value) FILTER (r.status = 'all' AND r.unit = 'persons') AS persons
        FROM review_figure_current r
        WHERE r.form = 'summary' AND r.measure = 'count'
        GROUP BY ALL"""
_REVIEW_SUMMARY = f"SELECT * EXCLUDE (year) FROM ({_REVIEW_ALL_YEARS}) WHERE year = ?"


def _with_review(raw_from: str, params: list, year: int, use_review: bool) -> tuple[str, list]:
    """The per-commune counts of the households (``raw_from``, source 'households'), then, with
    ``use_review``, those of the review tables for communes the household list lacks (source
    'review'); columns as ``_counts_select`` plus source."""
    households = f"SELECT *, 'households' AS source FROM ({raw_from})"
    if not use_review:
        return households, params
    return (f"""{households}
        UNION ALL BY NAME
        SELECT commune_vintage, commune_code, poor, near_poor, 0 AS poor_ethnic_minority,
               0 AS near_poor_ethnic_minority, poor_persons, near_poor_persons, 'review' AS source
        FROM ({_REVIEW_SUMMARY}) r
        WHERE NOT EXISTS (SELECT 1 FROM household_current h WHERE h.year = ?
                          AND h.commune_vintage = r.commune_vintage AND h.commune_code = r.commune_code)""",
            [*params, year, year])


def _totals_sql(year: int, use_review: bool) -> tuple[str, list]:
    """commune_vintage, commune_code, households, persons of the year: the commune totals, and
    the review tables' for communes without one."""
    sql = "SELECT commune_vintage, commune_code, households, persons FROM commune_total_current WHERE year = ?"
    if not use_review:
        return sql, [year]
    return (f"""{sql}
        UNION ALL
        SELECT commune_vintage, commune_code, households, persons FROM ({_REVIEW_SUMMARY}) r
        WHERE households IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM commune_total_current t WHERE t.year = ?
            AND t.commune_vintage = r.commune_vintage AND t.commune_code = r.commune_code)""", [year, year, year])


def commune_table(db: Database, year: int, units: int | None = None,
                  standard_period: int | None = None, within_units=None) -> pd.DataFrame:
    """One row per commune: code, name, is_urban, total (households), persons, poor, near_poor,
    poor_ethnic_minority, near_poor_ethnic_minority, poor_rate, near_poor_rate (fractions of the
    households; NaN where the total is unknown), poor_persons, near_poor_persons,
    poor_persons_rate (persons in poor households / persons; NaN where members are unknown),
    near_poor_persons_rate, also_absorbs_vi, also_absorbs_en, and source: where the figures come
    from ('households': the household list; 'review': the official review tables, for a commune
    without a list that year; both joined by '+' for a unit summing communes of each; None: no data).

    The communes are those of the year's own vintage, or of ``units`` (e.g. 2025): each new unit
    then sums the old communes that merged into it; ``also_absorbs_*`` says where it also took
    parts of units outside the data (its figures cover only the part the data holds).

    ``standard_period`` (e.g. 2027): the same households classified by that period's standard
    (the rule's status, not the recorded one; see ``standard_preview``). ``within_units``: only
    the communes among these (vintage, code) pairs (``units_sql``)."""
    vintage = units_mod.target_vintage(year, units)
    inside, inside_params = units_sql("o.vintage", "o.code", within_units)
    link = units_mod.link_sql(vintage)
    source, source_params, status = _households(db, year, standard_period)
    raw_sql, raw_params = _with_review(f"SELECT h.commune_vintage, h.commune_code, {_counts_select(status)} "
                                       f"FROM {source} GROUP BY ALL", source_params, year, standard_period is None)
    totals_sql, totals_params = _totals_sql(year, standard_period is None)
    return db.frame(
        f"""
        WITH link AS {link},
        -- Count per recorded commune first, then map the few commune rows to the units: the
        -- join then runs over communes, not over millions of households.
        raw AS ({raw_sql}),
        counts AS (
            SELECT l.code, sum(poor) AS poor, sum(near_poor) AS near_poor,
                   sum(poor_ethnic_minority) AS poor_ethnic_minority,
                   sum(near_poor_ethnic_minority) AS near_poor_ethnic_minority,
                   sum(poor_persons) AS poor_persons, sum(near_poor_persons) AS near_poor_persons,
                   string_agg(DISTINCT source, '+' ORDER BY source) AS source
            FROM raw JOIN link l ON l.src_vintage = raw.commune_vintage AND l.src_code = raw.commune_code
            GROUP BY l.code),
        totals AS (
            SELECT l.code, sum(t.households) AS households, sum(t.persons) AS persons
            FROM ({totals_sql}) t
            JOIN link l ON l.src_vintage = t.commune_vintage AND l.src_code = t.commune_code
            GROUP BY l.code)
        SELECT o.code, o.name, o.is_urban, c.source,
               t.households::BIGINT AS total, t.persons::BIGINT AS persons,
               coalesce(c.poor, 0)::BIGINT AS poor, coalesce(c.near_poor, 0)::BIGINT AS near_poor,
               coalesce(c.poor_ethnic_minority, 0)::BIGINT AS poor_ethnic_minority,
               coalesce(c.near_poor_ethnic_minority, 0)::BIGINT AS near_poor_ethnic_minority,
               coalesce(c.poor, 0) / nullif(t.households, 0) AS poor_rate,
               coalesce(c.near_poor, 0) / nullif(t.households, 0) AS near_poor_rate,
               c.poor_persons::BIGINT AS poor_persons, c.near_poor_persons::BIGINT AS near_poor_persons,
               c.poor_persons / nullif(t.persons, 0) AS poor_persons_rate,
               c.near_poor_persons / nullif(t.persons, 0) AS near_poor_persons_rate,
               o.also_absorbs_vi, o.also_absorbs_en
        FROM org_unit o
        LEFT JOIN counts c ON c.code = o.code
        LEFT JOIN totals t ON t.code = o.code
        WHERE o.vintage = ? AND o.unit_type IN {COMMUNE_TYPES_SQL} AND {inside}
        ORDER BY o.code
        """,
        [*raw_params, *totals_params, vintage, *inside_params],
    )


def household_counts(db: Database, year: int, units: int | None = None,
                     standard_period: int | None = None, within_units=None) -> dict:
    """District figures for a year: poor, near_poor, total (households) and their split by area
    (rural/urban by the household's own commune, which decided its income line) and ethnic
    minority, with rates as fractions: poor_rate = poor / total households; poor_rural_rate and
    poor_urban_rate over the rural / urban households; poor_ethnic_minority_share = share of
    ethnic-minority households among the poor; poor_persons_rate over the persons where members
    are known. ``units`` is accepted for symmetry: district totals do not depend on it.
    ``standard_period`` and ``within_units``: as in :func:`commune_table`."""
    units_mod.target_vintage(year, units)  # validates units
    inside, inside_params = units_sql("raw.commune_vintage", "raw.commune_code", within_units)
    totals_inside, _ = units_sql("t.commune_vintage", "t.commune_code", within_units)
    source, source_params, status = _households(db, year, standard_period)
    raw_sql, raw_params = _with_review(f"SELECT h.commune_vintage, h.commune_code, {_counts_select(status)} "
                                       f"FROM {source} GROUP BY ALL", source_params, year, standard_period is None)
    row = db.query(
        f"""
        WITH raw AS ({raw_sql})
        SELECT coalesce(sum(poor), 0), coalesce(sum(near_poor), 0),
               coalesce(sum(poor_ethnic_minority), 0), coalesce(sum(near_poor_ethnic_minority), 0),
               sum(poor_persons), sum(near_poor_persons),
               coalesce(sum(poor) FILTER (NOT o.is_urban), 0), coalesce(sum(poor) FILTER (o.is_urban), 0),
               coalesce(sum(near_poor) FILTER (NOT o.is_urban), 0),
               coalesce(sum(near_poor) FILTER (o.is_urban), 0)
        FROM raw LEFT JOIN org_unit o ON o.vintage = raw.commune_vintage AND o.code = raw.commune_code
        WHERE {inside}
        """,
        [*raw_params, *inside_params],
    )[0]
    poor, near, poor_em, near_em, poor_persons, near_persons, p_rural, p_urban, n_rural, n_urban = row
    totals_sql, totals_params = _totals_sql(year, standard_period is None)
    totals = db.query(
        f"""SELECT sum(t.households), sum(t.households) FILTER (NOT o.is_urban),
                  sum(t.households) FILTER (o.is_urban), sum(t.persons)
           FROM ({totals_sql}) t
           LEFT JOIN org_unit o ON o.vintage = t.commune_vintage AND o.code = t.commune_code
           WHERE {totals_inside}""",
        [*totals_params, *inside_params])[0]
    total, total_rural, total_urban, persons = (int(v) if v is not None else None for v in totals)

    def ratio(a, b):
        return a / b if a is not None and b else None

    return {
        "poor": int(poor), "near_poor": int(near), "total": total,
        "poor_rate": ratio(poor, total), "near_poor_rate": ratio(near, total),
        "poor_rural": int(p_rural), "poor_urban": int(p_urban), "poor_ethnic_minority": int(poor_em),
        "near_poor_rural": int(n_rural), "near_poor_urban": int(n_urban),
        "near_poor_ethnic_minority": int(near_em),
        "total_rural": total_rural, "total_urban": total_urban,
        "poor_rural_rate": ratio(p_rural, total_rural), "poor_urban_rate": ratio(p_urban, total_urban),
        "near_poor_rural_rate": ratio(n_rural, total_rural),
        "near_poor_urban_rate": ratio(n_urban, total_urban),
        "poor_ethnic_minority_share": ratio(poor_em, poor),
        "near_poor_ethnic_minority_share": ratio(near_em, near),
        "persons": persons,
        "poor_persons": int(poor_persons) if poor_persons is not None else None,
        "near_poor_persons": int(near_persons) if near_persons is not None else None,
        "poor_persons_rate": ratio(poor_persons, persons),
        "near_poor_persons_rate": ratio(near_persons, persons),
    }


def trend(db: Database, commune_code: str | None = None, units: int | None = None,
          within_units=None) -> pd.DataFrame:
    """One row per year with household data, oldest first: year, total (households), poor,
    near_poor, poor_rate, near_poor_rate, poor_ethnic_minority, near_poor_ethnic_minority. A
    commune's year without a household list counts with the review tables' figures (form 1).

    District-wide by default. With ``commune_code``, one commune of the vintage ``units``
    (default: the latest vintage with data), older years summed over the communes that merged
    into it, so the series runs unbroken across the 2025 reorganisation. ``within_units``: only
    the communes among these (vintage, code) pairs, of every year (``units_sql``)."""
    inside, inside_params = units_sql("raw.commune_vintage", "raw.commune_code", within_units)
    totals_inside, _ = units_sql("t.commune_vintage", "t.commune_code", within_units)
    params: list = []
    map_join = tot_join = ""
    if commune_code is not None:
        if units is None:
            years = years_with_data(db)
            units = vintage_for_year(years[-1]) if years else 2025
        link = units_mod.link_sql(int(units))
        map_join = (f"JOIN {link} l ON l.src_vintage = raw.commune_vintage AND l.src_code = raw.commune_code "
                    f"AND l.code = ?")
        tot_join = (f"JOIN {link} l ON l.src_vintage = t.commune_vintage AND l.src_code = t.commune_code "
                    f"AND l.code = ?")
        params = [str(commune_code)]
    params = [*params, *inside_params, *params, *inside_params]
    frame = db.frame(
        f"""
        WITH review AS ({_REVIEW_ALL_YEARS}),
        raw AS (
            SELECT h.year, h.commune_vintage, h.commune_code,
                   count(*) FILTER ({OFFICIAL} = 'poor') AS poor,
                   count(*) FILTER ({OFFICIAL} = 'near_poor') AS near_poor,
                   count(*) FILTER ({OFFICIAL} = 'poor' AND h.is_ethnic_minority) AS poor_ethnic_minority,
                   count(*) FILTER ({OFFICIAL} = 'near_poor' AND h.is_ethnic_minority) AS near_poor_ethnic_minority
            FROM household_current h
            GROUP BY ALL
            UNION ALL BY NAME  -- a commune's year known only from the review tables
            SELECT r.year, r.commune_vintage, r.commune_code, r.poor, r.near_poor,
                   0 AS poor_ethnic_minority, 0 AS near_poor_ethnic_minority
            FROM review r
            WHERE NOT EXISTS (SELECT 1 FROM household_current h WHERE h.year = r.year
                              AND h.commune_vintage = r.commune_vintage AND h.commune_code = r.commune_code)),
        all_totals AS (
            SELECT year, commune_vintage, commune_code, households FROM commune_total_current
            UNION ALL
            SELECT r.year, r.commune_vintage, r.commune_code, r.households FROM review r
            WHERE r.households IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM commune_total_current t WHERE t.year = r.year
                AND t.commune_vintage = r.commune_vintage AND t.commune_code = r.commune_code)),
        counts AS (
            SELECT raw.year, sum(poor) AS poor, sum(near_poor) AS near_poor,
                   sum(poor_ethnic_minority) AS poor_ethnic_minority,
                   sum(near_poor_ethnic_minority) AS near_poor_ethnic_minority
            FROM raw {map_join}
            WHERE {inside}
            GROUP BY raw.year),
        totals AS (
            SELECT t.year, sum(t.households) AS total
            FROM all_totals t {tot_join}
            WHERE {totals_inside}
            GROUP BY t.year)
        SELECT c.year, t.total::BIGINT AS total, c.poor::BIGINT AS poor, c.near_poor::BIGINT AS near_poor,
               c.poor / nullif(t.total, 0) AS poor_rate,
               c.near_poor / nullif(t.total, 0) AS near_poor_rate,
               c.poor_ethnic_minority::BIGINT AS poor_ethnic_minority,
               c.near_poor_ethnic_minority::BIGINT AS near_poor_ethnic_minority
        FROM counts c LEFT JOIN totals t ON t.year = c.year
        ORDER BY c.year
        """,
        params,
    )
    return frame


GROUPS = ("ethnic_minority", "no_labour_capacity", "has_merit")


def group_breakdown(db: Database, year: int) -> pd.DataFrame:
    """Poor and near-poor households by target group, one row per group in the order
    ethnic_minority, no_labour_capacity (the social-protection group), has_merit (people with
    merit to the revolution): group, poor, near_poor. A household may be in several groups."""
    row = db.query(
        f"""SELECT count(*) FILTER ({OFFICIAL} = 'poor' AND h.is_ethnic_minority),
                   count(*) FILTER ({OFFICIAL} = 'near_poor' AND h.is_ethnic_minority),
                   count(*) FILTER ({OFFICIAL} = 'poor' AND h.no_labour_capacity),
                   count(*) FILTER ({OFFICIAL} = 'near_poor' AND h.no_labour_capacity),
                   count(*) FILTER ({OFFICIAL} = 'poor' AND h.has_merit),
                   count(*) FILTER ({OFFICIAL} = 'near_poor' AND h.has_merit)
            FROM household_current h WHERE h.year = ?""", [year])[0]
    return pd.DataFrame({"group": list(GROUPS), "poor": [int(row[0]), int(row[2]), int(row[4])],
                         "near_poor": [int(row[1]), int(row[3]), int(row[5])]})


def ethnicity_breakdown(db: Database, year: int) -> pd.DataFrame:
    """Poor and near-poor households by ethnicity: ethnicity, poor, near_poor; Kinh first, then
    the minorities by number of poor households (then near-poor, then name); households whose
    ethnicity is not recorded last (ethnicity None). Only groups with a poor or near-poor
    household appear."""
    return db.frame(
        f"""SELECT h.ethnicity,
                   count(*) FILTER ({OFFICIAL} = 'poor') AS poor,
                   count(*) FILTER ({OFFICIAL} = 'near_poor') AS near_poor
            FROM household_current h
            WHERE h.year = ? AND {OFFICIAL} IN ('poor', 'near_poor')
            GROUP BY h.ethnicity
            ORDER BY h.ethnicity IS NULL, h.ethnicity <> 'Kinh', poor DESC, near_poor DESC, h.ethnicity""",
        [year])


def status_disagreements(db: Database, year: int) -> pd.DataFrame:
    """Households whose recorded status differs from the one the standard of the year gives
    (a data-quality list: never silently corrected): year, household_id, commune_code,
    commune_name, head_name, income_per_capita, deprivation_count, recorded_status,
    computed_status."""
    return db.frame(
        f"""SELECT h.year, h.household_id, h.commune_code, o.name AS commune_name, h.head_name,
                  h.income_per_capita, h.deprivation_count, h.recorded_status, h.computed_status
           FROM household_current h
           LEFT JOIN org_unit o ON o.vintage = h.commune_vintage AND o.code = h.commune_code
           WHERE h.year = ? AND {DISAGREES}
           ORDER BY h.commune_code, h.household_id""",
        [year])


def years_with_data(db: Database) -> list[int]:
    """Years that have household records, oldest first."""
    return [r[0] for r in db.query("SELECT DISTINCT year FROM household_current ORDER BY year")]


def review_differences(db: Database, year: int) -> pd.DataFrame:
    """Where a household list and the review tables (form 1) both give a commune's figures for
    ``year``: code, name, status (poor | near_poor), unit (households | persons), list (the
    household list's count, the one used) and table (the review table's); only the differing."""
    return db.frame(
        f"""
        WITH list AS (
            SELECT h.commune_vintage, h.commune_code, {_counts_select()}
            FROM household_current h WHERE h.year = ? GROUP BY ALL),
        review AS ({_REVIEW_SUMMARY}),
        pairs AS (
            SELECT r.commune_vintage, r.commune_code, s.status, s.unit,
                   coalesce(CASE s.status || s.unit WHEN 'poorhouseholds' THEN l.poor
                        WHEN 'near_poorhouseholds' THEN l.near_poor
                        WHEN 'poorpersons' THEN l.poor_persons ELSE l.near_poor_persons END, 0) AS list,
                   CASE s.status || s.unit WHEN 'poorhouseholds' THEN r.poor
                        WHEN 'near_poorhouseholds' THEN r.near_poor
                        WHEN 'poorpersons' THEN r.poor_persons ELSE r.near_poor_persons END AS "table"
            FROM review r
            JOIN list l USING (commune_vintage, commune_code)
            CROSS JOIN (VALUES ('poor', 'households'), ('near_poor', 'households'), ('poor', 'persons'),
                               ('near_poor', 'persons')) s(status, unit))
        SELECT p.commune_code AS code, o.name, p.status, p.unit, p.list::BIGINT AS list, p."table"::BIGINT AS "table"
        FROM pairs p JOIN org_unit o ON o.vintage = p.commune_vintage AND o.code = p.commune_code
        WHERE p."table" IS NOT NULL AND p.list IS DISTINCT FROM p."table"
        ORDER BY p.commune_code, p.unit, p.status""", [year, year])
