"""The multidimensional poverty rule, in one place, as SQL over the ``poverty_standard`` table
(with a unit's own income lines where it set them: ``local_standard``, most specific first).

poor       = income <= the line of the area AND deprived on >= min_deprivations indicators
near_poor  = income <= the line AND fewer deprivations
average    = income above the line and <= the average-living-standard band
above      = otherwise
Boundaries are inclusive, as Decree 07/2021 and Decree 351/2025 write them. Only the indicators
of the standard in force count (d13 exists from Decree 351 on).

The review estimates income with the Phiếu B1 scorecard and scores deprivations on Phiếu B2
(``review_cutoff``: the B1 cut and the B2 points of one indicator, by standard and area). Income
is used when a household has it; otherwise its B1 points (within the cut: poor or near-poor as
above; over it: 'above', since only a measured income tells the average band apart). Without
deprivation ticks, the B2 points give the count. Where the standard's cut-offs are not published
(2027–2030), points classify nothing: the recorded class stands alone.
"""

from __future__ import annotations

from .units import units_sql

DEPRIVATION_COLUMNS = [f"d{n:02d}" for n in range(1, 14)]

STATUSES = ("poor", "near_poor", "average", "above")


def standard_sql(alias: str = "h") -> str:
    """SQL of the standard classifying each household of ``alias`` (with ``year``,
    ``commune_vintage``, ``commune_code``), for ``JOIN LATERAL (…) s ON true``: the national
    standard in force for its area (``standard``, ``area``, ``min_deprivations``,
    ``indicator_count``, the years), with the income lines of the most specific unit's own
    standard covering its unit and year — its commune's, its district's, its province's
    (``local_standard``: ``local_standard`` its code, ``local_org_code`` the unit) — else the
    national lines."""
    h = alias
    return f"""
        SELECT n.standard, n.area, n.valid_from_year, n.valid_to_year, n.min_deprivations, n.indicator_count,
               coalesce(l.poor_income_max, n.poor_income_max) AS poor_income_max,
               coalesce(l.average_income_max, n.average_income_max) AS average_income_max,
               l.standard AS local_standard, l.org_code AS local_org_code
        FROM org_unit u
        JOIN poverty_standard n ON n.area = CASE WHEN u.is_urban THEN 'urban' ELSE 'rural' END
         AND {h}.year BETWEEN n.valid_from_year AND n.valid_to_year
        LEFT JOIN org_unit up ON up.vintage = u.vintage AND up.code = u.parent_code
        LEFT JOIN local_standard l ON l.org_vintage = u.vintage AND l.area = n.area
         AND l.org_code IN (u.code, up.code, up.parent_code)
         AND {h}.year BETWEEN l.valid_from_year AND l.valid_to_year
        WHERE u.vintage = {h}.commune_vintage AND u.code = {h}.commune_code
        ORDER BY CASE l.org_code WHEN u.code THEN 0 WHEN up.code THEN 1 WHEN up.parent_code THEN 2 ELSE 3 END
        LIMIT 1"""


def standard_joins_sql(alias: str = "h", standard_alias: str = "s", cutoff_alias: str = "c",
                       keep_all: bool = False) -> str:
    """Joins of households ``alias`` to their commune (``o``), the standard classifying them
    (``standard_sql``: a unit's own income lines before the national ones) and its review
    cut-offs (left join: a standard may have none). With ``keep_all`` a household without a
    standard is kept (its standard's columns NULL)."""
    h, s, c = alias, standard_alias, cutoff_alias
    join = "LEFT JOIN" if keep_all else "JOIN"
    return (f"{join} org_unit o ON o.vintage = {h}.commune_vintage AND o.code = {h}.commune_code "
            f"{join} LATERAL ({standard_sql(h)}) {s} ON true "
            f"LEFT JOIN review_cutoff {c} ON {c}.standard = {s}.standard AND {c}.area = {s}.area")


def ticks_absent_sql(alias: str = "h") -> str:
    """SQL true where a household has no deprivation tick at all (not even a blank one)."""
    return " AND ".join(f"{alias}.{col} IS NULL" for col in DEPRIVATION_COLUMNS)


def deprivation_count_sql(alias: str = "h", standard_alias: str = "s", cutoff_alias: str | None = None) -> str:
    """SQL summing the deprivation flags that the standard in force counts; with ``cutoff_alias``
    (a joined ``review_cutoff``), the B2 points over the points of one indicator where a
    household has no ticks."""
    terms = [f"coalesce({alias}.{c}::INTEGER, 0)" for c in DEPRIVATION_COLUMNS[:12]]
    terms.append(f"CASE WHEN {standard_alias}.indicator_count >= 13 "
                 f"THEN coalesce({alias}.d13::INTEGER, 0) ELSE 0 END")
    ticks = " + ".join(terms)
    if cutoff_alias is None:
        return ticks
    c = cutoff_alias
    return (f"(CASE WHEN {ticks_absent_sql(alias)} AND {alias}.b2_points IS NOT NULL "
            f"AND {c}.b2_points_per_indicator > 0 "
            f"THEN floor({alias}.b2_points / {c}.b2_points_per_indicator)::INTEGER ELSE {ticks} END)")


def status_sql(income: str, count: str, standard_alias: str = "s", count_max: str | None = None,
               b1: str | None = None, cutoff_alias: str = "c") -> str:
    """SQL CASE giving the status for an income expression and a deprivation-count expression.

    ``count_max``: the most deprivations the household could have when some indicators are not
    in the data (``count`` then counts the known ones). Below the line with ``count`` short of
    the minimum but ``count_max`` reaching it, the status is ``'unclassified'``: never guessed.
    ``b1`` (a B1-points expression): households without income are classified by it against the
    cut of ``cutoff_alias`` (a joined ``review_cutoff``)."""
    s, c = standard_alias, cutoff_alias
    unknown = (f"WHEN {income} <= {s}.poor_income_max AND {count_max} >= {s}.min_deprivations "
               f"THEN 'unclassified' " if count_max is not None else "")
    by_points = ""
    if b1 is not None:
        by_points = (f"WHEN {b1} IS NOT NULL AND {c}.b1_max_points IS NOT NULL THEN (CASE "
                     f"WHEN {b1} <= {c}.b1_max_points AND {count} >= {s}.min_deprivations THEN 'poor' "
                     f"WHEN {b1} <= {c}.b1_max_points THEN 'near_poor' ELSE 'above' END) ")
    return (f"CASE WHEN {income} IS NOT NULL THEN (CASE "
            f"WHEN {income} <= {s}.poor_income_max AND {count} >= {s}.min_deprivations THEN 'poor' "
            f"{unknown}"
            f"WHEN {income} <= {s}.poor_income_max THEN 'near_poor' "
            f"WHEN {income} <= {s}.average_income_max THEN 'average' ELSE 'above' END) "
            f"{by_points}ELSE NULL END")


def household_status_sql(alias: str = "h", standard_alias: str = "s", cutoff_alias: str = "c") -> str:
    """The computed status of households ``alias`` joined by ``standard_joins_sql``."""
    count = deprivation_count_sql(alias, standard_alias, cutoff_alias)
    return status_sql(f"{alias}.income_per_capita", count, standard_alias, b1=f"{alias}.b1_points",
                      cutoff_alias=cutoff_alias)


def disagrees_sql(recorded: str, computed: str, income: str) -> str:
    """SQL true where a recorded status disagrees with the computed one. Computed from B1 points
    (no income), 'above' only says "over the cut": a recorded 'average' agrees with it."""
    return (f"({recorded} IS NOT NULL AND {computed} IS NOT NULL AND {recorded} <> {computed} "
            f"AND NOT ({income} IS NULL AND {computed} = 'above' AND {recorded} = 'average'))")


# What a household row derives from its others and its standard, and the others it reads.
DERIVED_COLUMNS = ("deprivation_count", "computed_status")
DERIVATION_INPUTS = ("year", "commune_vintage", "commune_code", "income_per_capita", "b1_points", "b2_points",
                     *DEPRIVATION_COLUMNS)


def derived_select_sql(alias: str = "h", standard_alias: str = "s", cutoff_alias: str = "c") -> str:
    """The ``DERIVED_COLUMNS`` of households ``alias`` joined by ``standard_joins_sql(...,
    keep_all=True)``: NULL where no standard covers the household. Written on insert
    (``batches.insert_frame``) and again by ``refresh_derived``."""
    s = standard_alias
    return (f"CASE WHEN {s}.standard IS NOT NULL THEN {deprivation_count_sql(alias, s, cutoff_alias)} END "
            f"AS deprivation_count, "
            f"CASE WHEN {s}.standard IS NOT NULL THEN {household_status_sql(alias, s, cutoff_alias)} END "
            f"AS computed_status")


def refresh_derived(cur, batch_id: int | None = None) -> None:
    """Recompute ``deprivation_count`` and ``computed_status`` of households (of one batch, or all):
    when a standard changes (rows are derived as they are written, ``batches.insert_frame``).

    Runs inside the caller's transaction; households of a year no standard covers stay NULL.
    """
    where = "AND h.batch_id = ?" if batch_id is not None else ""
    cur.execute(
        f"""
        UPDATE household AS h SET
            deprivation_count = derived.deprivation_count,
            computed_status = derived.computed_status
        FROM (
            SELECT h.rowid AS rid, {derived_select_sql('h')}
            FROM household h {standard_joins_sql('h', keep_all=True)}
            WHERE true {where}
        ) AS derived
        WHERE h.rowid = derived.rid
        """,
        [batch_id] if batch_id is not None else [],
    )


def standards_used(db, year: int, within_units=None) -> list[dict]:
    """Which standard classified the year's households (only those of the (vintage, code) pairs
    ``within_units``, e.g. a unit's ``levels.area_units``): standard (a unit's own, or the
    national one), org_vintage, org_code and org_name (None for the national standard),
    households; most households first."""
    inside, inside_params = units_sql("h.commune_vintage", "h.commune_code", within_units)
    return db.records(
        f"""SELECT coalesce(s.local_standard, s.standard) AS standard,
                   CASE WHEN s.local_org_code IS NOT NULL THEN h.commune_vintage END AS org_vintage,
                   s.local_org_code AS org_code, u.name AS org_name, count(*) AS households
            FROM household_current h
            JOIN LATERAL ({standard_sql('h')}) s ON true
            LEFT JOIN org_unit u ON u.vintage = h.commune_vintage AND u.code = s.local_org_code
            WHERE h.year = ? AND {inside} GROUP BY ALL ORDER BY households DESC, 1""", [int(year), *inside_params])


# -- the same households under another period's standard ----------------------------------------

def standard_of_year(db, year: int) -> str:
    """The code of the poverty standard covering ``year`` (ValueError when none does)."""
    code = db.scalar("SELECT min(standard) FROM poverty_standard WHERE ? BETWEEN valid_from_year AND valid_to_year",
                     [year])
    if code is None:
        raise ValueError(f"no poverty standard covers the year {year}")
    return code


def indicator_availability(db, year: int, period: int) -> list[dict]:
    """Each indicator of the standard covering ``period`` and whether data of ``year`` hold it:
    ``shared`` (the year's own standard has it with the same definition: its column counts as
    the year's rule counts it), ``where_recorded`` (the year's standard lacks it: known only for
    households whose column is filled) or ``missing`` (the column holds another indicator of the
    year's standard). Rows: code, number, name_vi, name_en, availability."""
    own = {r[0]: r[1] for r in db.query("SELECT code, name_vi FROM deprivation_indicator WHERE standard = ?",
                                        [standard_of_year(db, year)])}
    out = []
    for code, number, name_vi, name_en in db.query(
            "SELECT code, number, name_vi, name_en FROM deprivation_indicator WHERE standard = ? ORDER BY number",
            [standard_of_year(db, period)]):
        availability = ("shared" if own.get(code) == name_vi else
                        "where_recorded" if code not in own else "missing")
        out.append({"code": code, "number": number, "name_vi": name_vi, "name_en": name_en,
                    "availability": availability})
    return out


def period_households_sql(db, year: int, period: int) -> tuple[str, list]:
    """SQL (and its parameters) of the households of ``year`` with three statuses: ``computed_status``
    (the year's own standard), ``line_status`` (the income lines and band of ``period``'s standard,
    the year's indicators and minimum) and ``period_status`` (``period``'s standard whole;
    ``'unclassified'`` where indicators the data lack could decide it). Every column of
    ``household_current`` is kept, as is ``h``'s alias for the counting queries."""
    rows = indicator_availability(db, year, period)
    known = [f"coalesce(h.{r['code']}::INTEGER, 0)" for r in rows if r["availability"] != "missing"]
    unknown = [f"(h.{r['code']} IS NULL)::INTEGER" for r in rows if r["availability"] == "where_recorded"]
    missing = sum(r["availability"] == "missing" for r in rows)
    count = " + ".join(known) or "0"
    count_max = f"{count} + {' + '.join(unknown) or '0'} + {missing}"
    sql = f"""
        SELECT h.*, {status_sql('h.income_per_capita', 'h.deprivation_count', 'm')} AS line_status,
               {status_sql('h.income_per_capita', count, 'n', count_max)} AS period_status
        FROM household_current h
        JOIN org_unit o ON o.vintage = h.commune_vintage AND o.code = h.commune_code
        JOIN poverty_standard n ON n.area = CASE WHEN o.is_urban THEN 'urban' ELSE 'rural' END
         AND ? BETWEEN n.valid_from_year AND n.valid_to_year
        JOIN (SELECT p.area, p.poor_income_max, p.average_income_max, c.min_deprivations
              FROM poverty_standard p JOIN poverty_standard c ON c.area = p.area
              WHERE ? BETWEEN p.valid_from_year AND p.valid_to_year
                AND ? BETWEEN c.valid_from_year AND c.valid_to_year) m ON m.area = n.area
        WHERE h.year = ?"""
    return sql, [period, period, year, year]
