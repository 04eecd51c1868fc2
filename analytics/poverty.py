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


def _counts_select(status: str = OFFICIAL) -> str:
    return f"""count(*) FILTER ({status} = 'poor') AS poor,
               count(*) FILTER ({status} = 'near_poor') AS near_poor,
               count(*) FILTER ({status} = 'poor' AND h.is_ethnic_minority) AS poor_ethnic_minority,
               count(*) FILTER ({status} = 'near_poor' AND h.is_ethnic_minority) AS near_poor_ethnic_minority,
               sum(h.members) FILTER ({status} = 'poor') AS poor_persons,
               sum(h.members) FILTER ({status} = 'near_poor') AS near_poor_persons,
               sum(h.members) FILTER ({status} = 'poor' AND h.is_ethnic_minority) AS poor_ethnic_minority_persons,
               sum(h.members) FILTER ({status} = 'near_poor' AND h.is_ethnic_minority)
                   AS near_poor_ethnic_minority_persons"""


def _households(db: Database, year: int, standard_period: int | None) -> tuple[str, list, str]:
    """(FROM clause as ``h`` of the year's households, its parameters, the status expression):
    the official status, or with ``standard_period`` the status under that period's standard."""
    if standard_period is None:
        return "household_current h WHERE h.year = ?", [year], OFFICIAL
    sql, params = classification.period_households_sql(db, year, standard_period)
    return f"({sql}) h", params, "h.period_status"


# A commune's figures from the official review tables (form 1, ``review_figure``), for a year's
# communes without a household list: the poor and near-poor counts, in households and persons,
# and the totals where no commune_total row gives them (year, commune_vintage, commune_code, poor,
# near_poor, poor_persons, near_poor_persons, households, persons).
REVIEW_SUMMARY_SQL = """
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
_REVIEW_SUMMARY = f"SELECT * EXCLUDE (year) FROM ({REVIEW_SUMMARY_SQL}) WHERE year = ?"


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
               0 AS near_poor_ethnic_minority, poor_persons, near_poor_persons,
               NULL AS poor_ethnic_minority_persons, NULL AS near_poor_ethnic_minority_persons, 'review' AS source
        FROM ({_REVIEW_SUMMARY}) r
        WHERE NOT EXISTS (SELECT 1 FROM household_current h WHERE h.year = ?
                          AND h.commune_vintage = r.commune_vintage AND h.commune_code = r.commune_code)""",
            [*params, year, year])


def totals_sql(year: int, use_review: bool) -> tuple[str, list]:
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
    near_poor_persons_rate, poor_ethnic_minority_persons, near_poor_ethnic_minority_persons (the
    persons of the ethnic-minority poor / near-poor households; None where the data have no persons
    or no ethnicity, as a review table), also_absorbs_vi, also_absorbs_en, and source: where the figures come
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
    tot_sql, totals_params = totals_sql(year, standard_period is None)
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
                   sum(poor_ethnic_minority_persons) AS poor_ethnic_minority_persons,
                   sum(near_poor_ethnic_minority_persons) AS near_poor_ethnic_minority_persons,
                   string_agg(DISTINCT source, '+' ORDER BY source) AS source
            FROM raw JOIN link l ON l.src_vintage = raw.commune_vintage AND l.src_code = raw.commune_code
            GROUP BY l.code),
        totals AS (
            SELECT l.code, sum(t.households) AS households, sum(t.persons) AS persons
            FROM ({tot_sql}) t
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
               c.poor_ethnic_minority_persons::BIGINT AS poor_ethnic_minority_persons,
               c.near_poor_ethnic_minority_persons::BIGINT AS near_poor_ethnic_minority_persons,
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
    tot_sql, totals_params = totals_sql(year, standard_period is None)
    totals = db.query(
        f"""SELECT sum(t.households), sum(t.households) FILTER (NOT o.is_urban),
                  sum(t.households) FILTER (o.is_urban), sum(t.persons)
           FROM ({tot_sql}) t
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
    near_poor, poor_rate, near_poor_rate, poor_ethnic_minority, near_poor_ethnic_minority, and in
    persons: persons, poor_persons, near_poor_persons, their rates and the ethnic-minority persons
    (None where unknown). A
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
        WITH review AS ({REVIEW_SUMMARY_SQL}),
        raw AS (
            SELECT h.year, h.commune_vintage, h.commune_code,
                   count(*) FILTER ({OFFICIAL} = 'poor') AS poor,
                   count(*) FILTER ({OFFICIAL} = 'near_poor') AS near_poor,
                   count(*) FILTER ({OFFICIAL} = 'poor' AND h.is_ethnic_minority) AS poor_ethnic_minority,
                   count(*) FILTER ({OFFICIAL} = 'near_poor' AND h.is_ethnic_minority) AS near_poor_ethnic_minority,
                   sum(h.members) FILTER ({OFFICIAL} = 'poor') AS poor_persons,
                   sum(h.members) FILTER ({OFFICIAL} = 'near_poor') AS near_poor_persons,
                   sum(h.members) FILTER ({OFFICIAL} = 'poor' AND h.is_ethnic_minority) AS poor_ethnic_minority_persons,
                   sum(h.members) FILTER ({OFFICIAL} = 'near_poor' AND h.is_ethnic_minority)
                       AS near_poor_ethnic_minority_persons
            FROM household_current h
            GROUP BY ALL
            UNION ALL BY NAME  -- a commune's year known only from the review tables
            SELECT r.year, r.commune_vintage, r.commune_code, r.poor, r.near_poor,
                   0 AS poor_ethnic_minority, 0 AS near_poor_ethnic_minority, r.poor_persons, r.near_poor_persons,
                   NULL AS poor_ethnic_minority_persons, NULL AS near_poor_ethnic_minority_persons
            FROM review r
            WHERE NOT EXISTS (SELECT 1 FROM household_current h WHERE h.year = r.year
                              AND h.commune_vintage = r.commune_vintage AND h.commune_code = r.commune_code)),
        all_totals AS (
            SELECT year, commune_vintage, commune_code, households, persons FROM commune_total_current
            UNION ALL
            SELECT r.year, r.commune_vintage, r.commune_code, r.households, r.persons FROM review r
            WHERE r.households IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM commune_total_current t WHERE t.year = r.year
                AND t.commune_vintage = r.commune_vintage AND t.commune_code = r.commune_code)),
        counts AS (
            SELECT raw.year, sum(poor) AS poor, sum(near_poor) AS near_poor,
                   sum(poor_ethnic_minority) AS poor_ethnic_minority,
                   sum(near_poor_ethnic_minority) AS near_poor_ethnic_minority,
                   sum(poor_persons) AS poor_persons, sum(near_poor_persons) AS near_poor_persons,
                   sum(poor_ethnic_minority_persons) AS poor_ethnic_minority_persons,
                   sum(near_poor_ethnic_minority_persons) AS near_poor_ethnic_minority_persons
            FROM raw {map_join}
            WHERE {inside}
            GROUP BY raw.year),
        totals AS (
            SELECT t.year, sum(t.households) AS total, sum(t.persons) AS persons
            FROM all_totals t {tot_join}
            WHERE {totals_inside}
            GROUP BY t.year)
        SELECT c.year, t.total::BIGINT AS total, c.poor::BIGINT AS poor, c.near_poor::BIGINT AS near_poor,
               c.poor / nullif(t.total, 0) AS poor_rate,
               c.near_poor / nullif(t.total, 0) AS near_poor_rate,
               c.poor_ethnic_minority::BIGINT AS poor_ethnic_minority,
               c.near_poor_ethnic_minority::BIGINT AS near_poor_ethnic_minority,
               t.persons::BIGINT AS persons, c.poor_persons::BIGINT AS poor_persons,
               c.near_poor_persons::BIGINT AS near_poor_persons,
               c.poor_persons / nullif(t.persons, 0) AS poor_persons_rate,
               c.near_poor_persons / nullif(t.persons, 0) AS near_poor_persons_rate,
               c.poor_ethnic_minority_persons::BIGINT AS poor_ethnic_minority_persons,
               c.near_poor_ethnic_minority_persons::BIGINT AS near_poor_ethnic_minority_persons
        FROM counts c LEFT JOIN totals t ON t.year = c.year
        ORDER BY c.year
        """,
        params,
    )
    return frame


GROUPS = ("ethnic_minority", "no_labour_capacity", "has_merit")


def group_breakdown(db: Database, year: int, within_units=None) -> pd.DataFrame:
    """Poor and near-poor households by target group, one row per group in the order
    ethnic_minority, no_labour_capacity (the social-protection group), has_merit (people with
    merit to the revolution): group, poor, near_poor. A household may be in several groups.
    ``within_units``: as in :func:`commune_table`."""
    inside, inside_params = units_sql("h.commune_vintage", "h.commune_code", within_units)
    row = db.query(
        f"""SELECT count(*) FILTER ({OFFICIAL} = 'poor' AND h.is_ethnic_minority),
                   count(*) FILTER ({OFFICIAL} = 'near_poor' AND h.is_ethnic_minority),
                   count(*) FILTER ({OFFICIAL} = 'poor' AND h.no_labour_capacity),
                   count(*) FILTER ({OFFICIAL} = 'near_poor' AND h.no_labour_capacity),
                   count(*) FILTER ({OFFICIAL} = 'poor' AND h.has_merit),
                   count(*) FILTER ({OFFICIAL} = 'near_poor' AND h.has_merit)
            FROM household_current h WHERE h.year = ? AND {inside}""", [year, *inside_params])[0]
    return pd.DataFrame({"group": list(GROUPS), "poor": [int(row[0]), int(row[2]), int(row[4])],
                         "near_poor": [int(row[1]), int(row[3]), int(row[5])]})


def ethnicity_breakdown(db: Database, year: int, within_units=None) -> pd.DataFrame:
    """Poor and near-poor households by ethnicity: ethnicity, poor, near_poor; Kinh first, then
    the minorities by number of poor households (then near-poor, then name); households whose
    ethnicity is not recorded last (ethnicity None). Only groups with a poor or near-poor
    household appear. ``within_units``: as in :func:`commune_table`."""
    inside, inside_params = units_sql("h.commune_vintage", "h.commune_code", within_units)
    return db.frame(
        f"""SELECT h.ethnicity,
                   count(*) FILTER ({OFFICIAL} = 'poor') AS poor,
                   count(*) FILTER ({OFFICIAL} = 'near_poor') AS near_poor
            FROM household_current h
            WHERE h.year = ? AND {OFFICIAL} IN ('poor', 'near_poor') AND {inside}
            GROUP BY h.ethnicity
            ORDER BY h.ethnicity IS NULL, h.ethnicity <> 'Kinh', poor DESC, near_poor DESC, h.ethnicity""",
        [year, *inside_params])


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


def review_differences(db: Database, year: int, communes=None) -> pd.DataFrame:
    """Where a household list and a review table both give a commune's figure for ``year`` (the
    list is the one used): code, name, form (summary: form 1 | change: forms 2-3, the start and
    end of the year, compared where the lists of both years give the diễn biến | deprivation:
    forms 4-5), status (poor | near_poor), unit (households | persons), measure ('count', 'start',
    'end' or an indicator code), indicator_vi, indicator_en (the indicator's name, else None), list
    (the household list's figure) and table (the review table's); only the differing.
    ``communes``: only these (vintage, code) pairs (a user's scope; None: all)."""
    codes = [r[0] for r in db.query(
        """SELECT i.code FROM deprivation_indicator i JOIN poverty_standard s ON s.standard = i.standard
           WHERE $y BETWEEN s.valid_from_year AND s.valid_to_year GROUP BY i.code ORDER BY i.code""",
        {"y": year})]
    flags = "".join(f', count(*) FILTER (h.{c}) AS "{c}"' for c in codes)
    kept = "".join(f', coalesce(c."{c}", 0) AS "{c}"' for c in codes)
    deprived = (f"""UNION ALL
            SELECT commune_vintage, commune_code, 'deprivation', status, 'households', measure, value
            FROM (UNPIVOT (SELECT * FROM grid WHERE year = $y) ON {", ".join(f'"{c}"' for c in codes)}
                  INTO NAME measure VALUE value)""" if codes else "")
    return db.frame(
        f"""
        WITH present AS (SELECT DISTINCT year, commune_vintage, commune_code FROM household_current
                         WHERE year IN ($y, $p)),
        counts AS (
            SELECT h.year, h.commune_vintage, h.commune_code, {OFFICIAL} AS status, count(*) AS households,
                   sum(h.members) AS persons {flags}
            FROM household_current h WHERE h.year IN ($y, $p) AND {OFFICIAL} IN ('poor', 'near_poor')
            GROUP BY ALL),
        grid AS (
            SELECT p.year, p.commune_vintage, p.commune_code, s.status, coalesce(c.households, 0) AS households,
                   coalesce(c.persons, 0) AS persons {kept}
            FROM present p CROSS JOIN (VALUES ('poor'), ('near_poor')) s(status)
            LEFT JOIN counts c USING (year, commune_vintage, commune_code, status)),
        -- Forms 2-3 from the lists only where both years have one (else the table gives the row).
        paired AS (
            SELECT g.commune_vintage, g.commune_code, g.status, g.households, g.persons,
                   b.households AS start_households, b.persons AS start_persons
            FROM grid g JOIN grid b ON b.year = $p AND b.commune_vintage = g.commune_vintage
                 AND b.commune_code = g.commune_code AND b.status = g.status
            WHERE g.year = $y),
        list_figures AS (
            SELECT commune_vintage, commune_code, 'summary' AS form, status, 'households' AS unit,
                   'count' AS measure, households AS value FROM grid WHERE year = $y
            UNION ALL SELECT commune_vintage, commune_code, 'summary', status, 'persons', 'count', persons
            FROM grid WHERE year = $y
            UNION ALL SELECT commune_vintage, commune_code, 'change', status, 'households', 'end', households
            FROM paired
            UNION ALL SELECT commune_vintage, commune_code, 'change', status, 'persons', 'end', persons FROM paired
            UNION ALL SELECT commune_vintage, commune_code, 'change', status, 'households', 'start',
                             start_households FROM paired
            UNION ALL SELECT commune_vintage, commune_code, 'change', status, 'persons', 'start', start_persons
            FROM paired
            UNION ALL SELECT commune_vintage, commune_code, 'deprivation', status, 'households', 'count',
                             households FROM grid WHERE year = $y
            {deprived})
        SELECT f.commune_code AS code, o.name, f.form, f.status, f.unit, f.measure,
               i.name_vi AS indicator_vi, i.name_en AS indicator_en,
               f.value::BIGINT AS list, r.value::BIGINT AS "table"
        FROM review_figure_current r
        JOIN list_figures f ON f.commune_vintage = r.commune_vintage AND f.commune_code = r.commune_code
             AND f.form = r.form AND f.status = r.status AND f.unit = r.unit AND f.measure = r.measure
        JOIN org_unit o ON o.vintage = f.commune_vintage AND o.code = f.commune_code
        LEFT JOIN (SELECT i.code, any_value(i.name_vi) AS name_vi, any_value(i.name_en) AS name_en
                   FROM deprivation_indicator i JOIN poverty_standard s ON s.standard = i.standard
                   WHERE $y BETWEEN s.valid_from_year AND s.valid_to_year GROUP BY i.code) i
             ON f.form = 'deprivation' AND i.code = f.measure
        WHERE r.year = $y AND f.value IS DISTINCT FROM r.value
          AND ($units::VARCHAR[] IS NULL OR list_contains($units::VARCHAR[], f.commune_vintage || ':' || f.commune_code))
        ORDER BY f.commune_code, CASE f.form WHEN 'summary' THEN 1 WHEN 'change' THEN 2 ELSE 3 END,
                 f.measure = 'end', f.measure, f.unit, f.status""",
        {"y": year, "p": year - 1,
         "units": None if communes is None else sorted(f"{int(v)}:{c}" for v, c in communes)})
