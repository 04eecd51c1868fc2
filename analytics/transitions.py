"""Changes in the poor and near-poor lists (diễn biến hộ nghèo, hộ cận nghèo) between the
review of year y-1 and that of year y, per commune, in the terms of the official table.

Poor households (columns of ``poor_transitions``), balancing exactly:

    start − escaped_to_near_poor − escaped_above_near_poor − other_decrease
          + near_poor_to_poor + fallen_back + newly_poor + other_increase = end

* start: poor at the end of y-1 in the commune; end: poor at the end of y.
* escaped_to_near_poor / escaped_above_near_poor: poor in y-1, near-poor / average or above in y
  (same commune).
* other_decrease: poor in y-1 and, in y, living in another commune (moved), missing from the
  year-y data of a commune that has data for y (listed by ``missing_households`` as a data-quality
  warning), or recorded in y without a status that can be read.
* near_poor_to_poor: near-poor in y-1, poor in y (same commune).
* fallen_back (tái nghèo): poor in y, not poor in y-1, poor in some earlier year.
* newly_poor (phát sinh mới): poor in y and never poor in the data before.
* other_increase: poor in y in a commune other than the one it lived in at y-1 (moved in).

Households that move. A household is identified by its ``household_id`` (mã hộ) across the whole
area. One that lives in commune A at y-1 and in commune B at y counts, whatever its statuses, as
an other decrease in A (if it was on A's list) and an other increase in B (if it is on B's list):
each commune's table then balances with its own lists, and the district table, the sum of the
communes', balances too.

Near-poor households (``near_poor_transitions``), the mirror table:

    start − escaped − became_poor − other_decrease
          + poor_to_near_poor + fallen_back + newly_near_poor + other_increase = end

with escaped = near-poor in y-1, average or above in y; became_poor = near-poor in y-1, poor in
y; poor_to_near_poor = poor in y-1, near-poor in y; fallen_back (tái cận nghèo) = near-poor in
some year before y-1, not in y-1, near-poor again; newly_near_poor = never near-poor before.

Only communes with household data in both y-1 and y have a row (a commune without a review in one
of the years has no change to report: ``skipped_communes`` lists them). With ``units`` the table
is given in the units of that vintage (e.g. 2025: y-1's old communes summed into the new ones).
A household recorded twice in one year counts once (``Report.duplicates`` lists them).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import units as units_mod
from .db import Database
from .poverty import OFFICIAL

POOR_COLUMNS = ("start", "escaped_to_near_poor", "escaped_above_near_poor", "other_decrease",
                "near_poor_to_poor", "fallen_back", "newly_poor", "other_increase", "end")
NEAR_POOR_COLUMNS = ("start", "escaped", "became_poor", "other_decrease",
                     "poor_to_near_poor", "fallen_back", "newly_near_poor", "other_increase", "end")
# Sign of each column in the balance (start and end excluded).
POOR_SIGNS = {"escaped_to_near_poor": -1, "escaped_above_near_poor": -1, "other_decrease": -1,
              "near_poor_to_poor": +1, "fallen_back": +1, "newly_poor": +1, "other_increase": +1}
NEAR_POOR_SIGNS = {"escaped": -1, "became_poor": -1, "other_decrease": -1,
                   "poor_to_near_poor": +1, "fallen_back": +1, "newly_near_poor": +1, "other_increase": +1}

# For each list, its columns in generic terms: (decrease to the other list, decrease above both
# lists, increase from the other list, never on the list before).
_TABLES = {
    "poor": ("escaped_to_near_poor", "escaped_above_near_poor", "near_poor_to_poor", "newly_poor"),
    "near_poor": ("became_poor", "escaped", "poor_to_near_poor", "newly_near_poor"),
}


_GENERIC = ("start", "to_other", "above", "other_decrease", "from_other", "fallen_back", "newly",
            "other_increase", "end")


def _ctes(year: int, vintage: int, lists: tuple[str, ...] = ("poor", "near_poor")) -> tuple[str, dict]:
    """The CTEs of the transition query, for ``lists`` at once: ``hh`` (one row per listed
    household and year, its commune in ``vintage``'s units), ``prev``/``cur`` (years y-1 and
    y), ``included`` (communes with data in both years), ``earlier`` (households on a list
    before y-1), ``dec`` (each household on a y-1 list with its fate) and ``inc`` (each household
    on a y list with its origin); ``lst`` names the list, ``kind`` the column in generic terms
    (to_other, above, from_other, newly: see ``_TABLES``)."""
    link = units_mod.link_sql(vintage)
    on_lists = "(" + ", ".join(f"'{status}'" for status in lists) + ")"  # checked by ``reports``
    # Only households on either list in either year matter; they are a few per cent of the
    # records, so they are picked first and only they are matched across years and mapped to
    # units (at millions of records the match, not the scan, is what costs).
    sql = f"""
        WITH link AS {link},
        listed AS MATERIALIZED (
            SELECT DISTINCT h.household_id FROM household_current h
            WHERE h.year IN ($prev, $year) AND {OFFICIAL} IN {on_lists}),
        hh AS MATERIALIZED (
            SELECT h.year, h.household_id, min(l.code) AS code,
                   arg_min({OFFICIAL}, l.code) AS status, arg_min(h.members, l.code) AS members,
                   count(*) AS records
            FROM household_current h
            JOIN link l ON l.src_vintage = h.commune_vintage AND l.src_code = h.commune_code
            WHERE h.year IN ($prev, $year) AND h.household_id IN (SELECT household_id FROM listed)
            GROUP BY h.year, h.household_id),
        with_data AS MATERIALIZED (
            SELECT DISTINCT r.year, l.code
            FROM (SELECT DISTINCT year, commune_vintage, commune_code FROM household_current
                  WHERE year IN ($prev, $year)) r
            JOIN link l ON l.src_vintage = r.commune_vintage AND l.src_code = r.commune_code),
        included AS MATERIALIZED (SELECT code FROM with_data WHERE year = $prev
                                  INTERSECT SELECT code FROM with_data WHERE year = $year),
        prev AS (SELECT household_id, code, status, members FROM hh WHERE year = $prev),
        cur AS (SELECT household_id, code, status, members FROM hh WHERE year = $year),
        earlier AS (
            SELECT DISTINCT h.household_id, {OFFICIAL} AS status FROM household_current h
            WHERE h.year < $prev AND {OFFICIAL} IN {on_lists}
              AND h.household_id IN (SELECT household_id FROM cur WHERE status IN {on_lists})),
        dec AS (
            SELECT p.status AS lst, p.household_id, p.code, c.code AS new_code, p.members,
                   CASE WHEN c.household_id IS NULL OR c.code <> p.code OR c.status IS NULL
                             OR c.status NOT IN ('poor', 'near_poor', 'average', 'above')
                             THEN 'other_decrease'
                        WHEN c.status = p.status THEN 'stay'
                        WHEN c.status IN ('poor', 'near_poor') THEN 'to_other'
                        ELSE 'above' END AS kind
            FROM prev p LEFT JOIN cur c ON c.household_id = p.household_id
            WHERE p.status IN {on_lists} AND p.code IN (SELECT code FROM included)),
        inc AS (
            SELECT c.status AS lst, c.household_id, c.code, c.members,
                   CASE WHEN p.household_id IS NOT NULL AND p.code <> c.code THEN 'other_increase'
                        WHEN p.status = c.status THEN 'stay'
                        WHEN p.status IN ('poor', 'near_poor') THEN 'from_other'
                        WHEN e.household_id IS NOT NULL THEN 'fallen_back'
                        ELSE 'newly' END AS kind
            FROM cur c
            LEFT JOIN prev p ON p.household_id = c.household_id
            LEFT JOIN earlier e ON e.household_id = c.household_id AND e.status = c.status
            WHERE c.status IN {on_lists} AND c.code IN (SELECT code FROM included))
    """
    return sql, {"prev": year - 1, "year": year}


def _ids(value) -> list:
    """A list cell of a frame as a Python list (NULL -> [])."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return []
    return list(value)


@dataclass(frozen=True)
class Report:
    """A transitions table with what its data-quality list needs, from one query."""
    table: pd.DataFrame       # see poor_transitions / near_poor_transitions
    missing: pd.DataFrame     # see missing_households
    duplicates: pd.DataFrame  # household_id, commune_code: listed households recorded twice in y


def reports(db: Database, year: int, units: int | None = None, lists: tuple[str, ...] = ("poor", "near_poor"),
            with_households: bool = True) -> dict[str, Report]:
    """{'poor': Report, 'near_poor': Report} for ``year`` (or only the ``lists`` asked): each
    table with its missing households and the listed households recorded more than once in the
    year (counted once), all from one query. Without ``with_households`` the lists of missing
    and duplicate households are left empty (the tables alone cost about half as much)."""
    unknown = [status for status in lists if status not in _TABLES]
    if unknown or not lists:
        raise ValueError(f"lists must be among {', '.join(_TABLES)}, not {unknown or 'none'}")
    vintage = units_mod.target_vintage(year, units)
    ctes, params = _ctes(year, vintage, lists)
    # The household lists are collected only when asked (an always-false filter leaves them NULL).
    ids = "" if with_households else " AND FALSE"
    counts = ", ".join(f"count(*) FILTER (kind = '{k}') AS \"{k}\"" for k in
                       ("to_other", "above", "other_decrease"))
    incs = ", ".join(f"count(*) FILTER (kind = '{k}') AS \"{k}\"" for k in
                     ("from_other", "fallen_back", "newly", "other_increase"))
    frame = db.frame(
        ctes + f"""
        , d AS (SELECT lst, code, count(*) AS start, {counts},
                       list(household_id ORDER BY household_id)
                           FILTER (kind = 'other_decrease' AND new_code IS NULL{ids}) AS missing_ids,
                       list(household_id ORDER BY household_id)
                           FILTER (kind = 'other_decrease' AND new_code = code{ids}) AS no_status_ids
                FROM dec GROUP BY lst, code),
          i AS (SELECT lst, code, count(*) AS "end", {incs} FROM inc GROUP BY lst, code),
          dup AS (SELECT status AS lst, code, list(household_id ORDER BY household_id) AS duplicate_ids
                  FROM hh WHERE year = $year AND records > 1{ids} GROUP BY ALL),
          lists AS (SELECT unnest({list(lists)}) AS lst)
        SELECT lists.lst, o.code, o.name,
               {", ".join(f'coalesce("{c}", 0)::BIGINT AS "{c}"' for c in _GENERIC)},
               d.missing_ids, d.no_status_ids, dup.duplicate_ids
        FROM included x CROSS JOIN lists
        JOIN org_unit o ON o.vintage = {int(vintage)} AND o.code = x.code
        LEFT JOIN d ON d.code = x.code AND d.lst = lists.lst
        LEFT JOIN i ON i.code = x.code AND i.lst = lists.lst
        LEFT JOIN dup ON dup.code = x.code AND dup.lst = lists.lst
        ORDER BY lists.lst, o.code
        """,
        params,
    )
    frame = _with_review(db, frame.assign(source="households"), year, vintage, lists)
    out = {}
    for status in lists:
        part = frame[frame.lst == status]
        rows, dups = [], []
        for r in part[["code", "name", "missing_ids", "no_status_ids", "duplicate_ids"]].itertuples(index=False):
            for reason, ids in (("missing", r.missing_ids), ("no_status", r.no_status_ids)):
                rows += [(hid, r.code, r.name, reason) for hid in _ids(ids)]
            dups += [(hid, r.code) for hid in _ids(r.duplicate_ids)]
        missing = pd.DataFrame(rows, columns=["household_id", "commune_code", "commune_name", "reason"])
        missing = missing.sort_values(["commune_code", "household_id"]).reset_index(drop=True)
        to_other, above, from_other, newly = _TABLES[status]
        names = dict(zip(_GENERIC, _GENERIC)) | {"to_other": to_other, "above": above,
                                                  "from_other": from_other, "newly": newly}
        columns = POOR_COLUMNS if status == "poor" else NEAR_POOR_COLUMNS
        table = part.rename(columns=names)[["code", "name", *columns, "source"]].reset_index(drop=True)
        out[status] = Report(table, missing, pd.DataFrame(dups, columns=["household_id", "commune_code"]))
    return out


def _with_review(db: Database, frame: pd.DataFrame, year: int, vintage: int, lists,
                 unit: str = "households") -> pd.DataFrame:
    """The transitions rows, and for a commune the household lists do not cover (no review in
    y-1 or y), its row of the review tables (forms 2-3, in ``unit``: households or persons), in
    ``vintage``'s units."""
    review = db.frame(
        f"""SELECT r.status AS lst, l.code, o.name, r.measure, sum(r.value) AS value
            FROM review_figure_current r
            JOIN {units_mod.link_sql(vintage)} l ON l.src_vintage = r.commune_vintage AND l.src_code = r.commune_code
            JOIN org_unit o ON o.vintage = {int(vintage)} AND o.code = l.code
            WHERE r.year = ? AND r.form = 'change' AND r.unit = ?
            GROUP BY ALL""", [year, unit])
    review = review[review.lst.isin(list(lists))]
    if review.empty:
        return frame
    rows = review.pivot_table(index=["lst", "code", "name"], columns="measure", values="value",
                              aggfunc="sum").reset_index()
    covered = set(zip(frame.lst, frame.code))
    rows = rows[[(lst, code) not in covered for lst, code in zip(rows.lst, rows.code)]]
    for c in _GENERIC:
        rows[c] = rows[c].fillna(0).astype("int64") if c in rows else 0
    extra = rows[["lst", "code", "name", *_GENERIC]].assign(missing_ids=None, no_status_ids=None, duplicate_ids=None,
                                                           source="review")
    return pd.concat([frame, extra], ignore_index=True).sort_values(["lst", "code"], ignore_index=True)


def report(db: Database, year: int, units: int | None = None, status: str = "poor",
           with_households: bool = True) -> Report:
    """The ``status`` ('poor' or 'near_poor') part of ``reports``, computed alone."""
    return reports(db, year, units, (status,), with_households)[status]


def tables(db: Database, year: int, units: int | None = None, within_units=None) -> dict[str, pd.DataFrame]:
    """{'poor': ``poor_transitions``, 'near_poor': ``near_poor_transitions``} from one query, for
    a caller that shows both; ``within_units``: only the communes among these (vintage, code)
    pairs (e.g. the home area's, ``levels.area_units``)."""
    out = {status: r.table for status, r in reports(db, year, units, with_households=False).items()}
    if within_units is None:
        return out
    vintage = units_mod.target_vintage(year, units)
    keep = {str(c) for v, c in within_units if int(v) == vintage}
    return {status: t[t.code.astype(str).isin(keep)].reset_index(drop=True) for status, t in out.items()}


def persons(db: Database, year: int, units: int | None = None) -> dict[str, pd.DataFrame]:
    """The persons beside ``tables``' households: {'poor': frame, 'near_poor': frame}, one row
    per commune of the tables, with the same columns. For a commune of the household lists,
    start and end are the members of the households counted there (the changes between are
    counted in households only, so they are NaN: the persons of a household that stays on the
    list also change); for a commune of the review tables, the persons rows of forms 2-3, where
    the file has them."""
    vintage = units_mod.target_vintage(year, units)
    lists = tuple(_TABLES)
    ctes, params = _ctes(year, vintage, lists)
    frame = db.frame(
        ctes + f"""
        , lists AS (SELECT unnest({list(lists)}) AS lst)
        SELECT lists.lst, x.code,
               coalesce((SELECT sum(members) FROM dec WHERE dec.code = x.code AND dec.lst = lists.lst), 0)
                   AS start,
               coalesce((SELECT sum(members) FROM inc WHERE inc.code = x.code AND inc.lst = lists.lst), 0)
                   AS "end"
        FROM included x CROSS JOIN lists ORDER BY lists.lst, x.code""", params)
    frame = frame.assign(name=None, **{c: float("nan") for c in _GENERIC if c not in ("start", "end")})
    frame = _with_review(db, frame, year, vintage, lists, unit="persons")
    out = {}
    for status in lists:
        to_other, above, from_other, newly = _TABLES[status]
        names = {"to_other": to_other, "above": above, "from_other": from_other, "newly": newly}
        columns = POOR_COLUMNS if status == "poor" else NEAR_POOR_COLUMNS
        part = frame[frame.lst == status].rename(columns=names)
        out[status] = part[["code", *columns]].astype({c: "float64" for c in columns}).reset_index(drop=True)
    return out


def poor_transitions(db: Database, year: int, units: int | None = None) -> pd.DataFrame:
    """The change in poor households from the end of ``year``-1 to the end of ``year``, one row per
    commune with data in both years: code, name, start, escaped_to_near_poor,
    escaped_above_near_poor, other_decrease, near_poor_to_poor, fallen_back, newly_poor,
    other_increase, end (household counts; definitions in the module docstring), source (where
    the row comes from: 'households', the household lists, or 'review', forms 2-3 for a commune
    the lists do not cover). Each row balances exactly: start − decreases + increases = end."""
    return report(db, year, units, "poor", with_households=False).table


def near_poor_transitions(db: Database, year: int, units: int | None = None) -> pd.DataFrame:
    """The mirror table for near-poor households, one row per commune with data in both years:
    code, name, start, escaped, became_poor, other_decrease, poor_to_near_poor, fallen_back,
    newly_near_poor, other_increase, end, source (as in ``poor_transitions``). Each row balances
    exactly."""
    return report(db, year, units, "near_poor", with_households=False).table


def totals(frame: pd.DataFrame) -> dict:
    """The district table: the sum of a transitions frame's count columns, as plain ints
    (every column zero for an empty frame)."""
    columns = [c for c in frame.columns if c not in ("code", "name", "source")]
    return {c: int(frame[c].sum()) for c in columns}


def balance(row, status: str = "poor") -> int:
    """start − decreases + increases for a row (a mapping) of either table: equals ``end``."""
    signs = POOR_SIGNS if status == "poor" else NEAR_POOR_SIGNS
    return int(row["start"]) + sum(sign * int(row[c]) for c, sign in signs.items())


def missing_households(db: Database, year: int, units: int | None = None,
                       status: str = "poor") -> pd.DataFrame:
    """Households on the ``status`` list ('poor' or 'near_poor') at the end of ``year``-1 that are
    missing from year y's data of their commune although it has data for y, or recorded in y
    without a readable status (counted as other decreases; a data-quality warning):
    household_id, commune_code, commune_name, reason ('missing' | 'no_status')."""
    return report(db, year, units, status).missing


def skipped_communes(db: Database, year: int, units: int | None = None) -> pd.DataFrame:
    """Communes (in the presented units) with household data in only one of ``year``-1 and
    ``year``, which therefore have no transitions row: code, name, has_previous, has_current."""
    vintage = units_mod.target_vintage(year, units)
    link = units_mod.link_sql(vintage)
    return db.frame(
        f"""
        WITH link AS {link},
        years AS (
            SELECT DISTINCT l.code, h.year FROM household_current h
            JOIN link l ON l.src_vintage = h.commune_vintage AND l.src_code = h.commune_code
            WHERE h.year IN (?, ?))
        SELECT o.code, o.name, bool_or(y.year = ?) AS has_previous, bool_or(y.year = ?) AS has_current
        FROM years y JOIN org_unit o ON o.vintage = {int(vintage)} AND o.code = y.code
        GROUP BY o.code, o.name
        HAVING NOT (bool_or(y.year = ?) AND bool_or(y.year = ?))
        ORDER BY o.code
        """,
        [year - 1, year, year - 1, year, year - 1, year],
    )
