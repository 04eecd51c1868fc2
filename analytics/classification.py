"""The multidimensional poverty rule, in one place, as SQL over the ``poverty_standard`` table.

poor       = income <= the line of the area AND deprived on >= min_deprivations indicators
near_poor  = income <= the line AND fewer deprivations
average    = income above the line and <= the average-living-standard band
above      = otherwise
Boundaries are inclusive, as Decree 07/2021 and Decree 351/2025 write them. Only the indicators
of the standard in force count (d13 exists from Decree 351 on).
"""

from __future__ import annotations

from . import audit

DEPRIVATION_COLUMNS = [f"d{n:02d}" for n in range(1, 14)]

STATUSES = ("poor", "near_poor", "average", "above")


def deprivation_count_sql(alias: str = "h", standard_alias: str = "s") -> str:
    """SQL summing the deprivation flags that the standard in force counts."""
    terms = [f"coalesce({alias}.{c}::INTEGER, 0)" for c in DEPRIVATION_COLUMNS[:12]]
    terms.append(f"CASE WHEN {standard_alias}.indicator_count >= 13 "
                 f"THEN coalesce({alias}.d13::INTEGER, 0) ELSE 0 END")
    return " + ".join(terms)


def status_sql(income: str, count: str, standard_alias: str = "s", count_max: str | None = None) -> str:
    """SQL CASE giving the status for an income expression and a deprivation-count expression.

    ``count_max``: the most deprivations the household could have when some indicators are not
    in the data (``count`` then counts the known ones). Below the line with ``count`` short of
    the minimum but ``count_max`` reaching it, the status is ``'unclassified'``: never guessed."""
    s = standard_alias
    unknown = (f"WHEN {income} <= {s}.poor_income_max AND {count_max} >= {s}.min_deprivations "
               f"THEN 'unclassified' " if count_max is not None else "")
    return (f"CASE WHEN {income} IS NULL THEN NULL "
            f"WHEN {income} <= {s}.poor_income_max AND {count} >= {s}.min_deprivations THEN 'poor' "
            f"{unknown}"
            f"WHEN {income} <= {s}.poor_income_max THEN 'near_poor' "
            f"WHEN {income} <= {s}.average_income_max THEN 'average' ELSE 'above' END")


def standard_sql(h: str = "h") -> str:
    """SQL of the relation ``s`` joined to a household relation ``h`` (with ``year``,
    ``commune_vintage``, ``commune_code``): the standard classifying each household, the most
    specific covering its unit and year — its commune's, its district's or its province's own
    standard (``local_standard``), else the national one — with ``standard`` (its code),
    ``org_code`` (the unit that set it; None: national), the income lines, ``min_deprivations``
    and ``indicator_count`` (always the national standard's). Use as
    ``FROM h JOIN LATERAL ({standard_sql('h')}) s ON true``."""
    return f"""
        SELECT coalesce(l.standard, n.standard) AS standard, l.org_code,
               coalesce(l.poor_income_max, n.poor_income_max) AS poor_income_max,
               coalesce(l.average_income_max, n.average_income_max) AS average_income_max,
               n.min_deprivations, n.indicator_count
        FROM org_unit o
        JOIN poverty_standard n ON n.area = CASE WHEN o.is_urban THEN 'urban' ELSE 'rural' END
         AND {h}.year BETWEEN n.valid_from_year AND n.valid_to_year
        LEFT JOIN org_unit p ON p.vintage = o.vintage AND p.code = o.parent_code
        LEFT JOIN local_standard l ON l.org_vintage = o.vintage AND l.area = n.area
         AND l.org_code IN (o.code, p.code, p.parent_code)
         AND {h}.year BETWEEN l.valid_from_year AND l.valid_to_year
        WHERE o.vintage = {h}.commune_vintage AND o.code = {h}.commune_code
        ORDER BY CASE l.org_code WHEN o.code THEN 0 WHEN p.code THEN 1 WHEN p.parent_code THEN 2 ELSE 3 END
        LIMIT 1"""


def refresh_derived(cur, batch_id: int | None = None) -> None:
    """Recompute ``deprivation_count`` and ``computed_status`` of households (of one batch, or all),
    each by the standard classifying it (``standard_sql``: a unit's own standard before the
    national one).

    Runs inside the caller's transaction; households of a year no standard covers stay NULL.
    """
    count = deprivation_count_sql("h", "s")
    where = "AND h.batch_id = ?" if batch_id is not None else ""
    cur.execute(
        f"""
        UPDATE household AS h SET
            deprivation_count = derived.cnt,
            computed_status = derived.status
        FROM (
            SELECT h.rowid AS rid, {count} AS cnt,
                   {status_sql('h.income_per_capita', count)} AS status
            FROM household h
            JOIN LATERAL ({standard_sql('h')}) s ON true
            WHERE true {where}
        ) AS derived
        WHERE h.rowid = derived.rid
        """,
        [batch_id] if batch_id is not None else [],
    )


def standards_used(db, year: int) -> list[dict]:
    """Which standard classified the year's households: standard, org_vintage, org_code and
    org_name (None for the national standard), households; most households first."""
    return db.records(
        f"""SELECT s.standard, CASE WHEN s.org_code IS NOT NULL THEN h.commune_vintage END AS org_vintage,
                   s.org_code, u.name AS org_name, count(*) AS households
            FROM household_current h
            JOIN LATERAL ({standard_sql('h')}) s ON true
            LEFT JOIN org_unit u ON u.vintage = h.commune_vintage AND u.code = s.org_code
            WHERE h.year = ? GROUP BY ALL ORDER BY households DESC, s.standard""", [int(year)])


def set_local_standard(db, standard: str, org_vintage: int, org_code: str, valid_from_year: int,
                       valid_to_year: int, lines: dict[str, tuple[int, int]], source: str, *,
                       actor: str | None = None) -> int:
    """Record a unit's own standard — ``lines`` {area: (poor_income_max, average_income_max)} for
    'rural' and 'urban', each at or above the national line of the period — and reclassify every
    household (audited, one transaction); the number of households it now classifies.
    ValueError for a line below the national one or a unit the database does not work with."""
    with db.transaction() as cur:
        if not cur.execute("SELECT count(*) FROM org_unit WHERE vintage = ? AND code = ?",
                           [int(org_vintage), str(org_code)]).fetchall()[0][0]:
            raise ValueError(f"no unit {org_code} among the units of {org_vintage}")
        for area, (poor, average) in lines.items():
            national = cur.execute(
                "SELECT max(poor_income_max) FROM poverty_standard WHERE area = ? AND valid_from_year <= ? "
                "AND valid_to_year >= ?", [area, int(valid_to_year), int(valid_from_year)]).fetchall()[0][0]
            if national is None or int(poor) < national or int(average) < int(poor):
                raise ValueError(f"{area}: a unit's line must be at or above the national one ({national}) "
                                 f"and the average band above it")
            cur.execute("INSERT OR REPLACE INTO local_standard VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [standard, int(org_vintage), str(org_code), int(valid_from_year), int(valid_to_year),
                         area, int(poor), int(average), source])
        refresh_derived(cur)
        audit.record(cur, "local_standard_set", actor, {"standard": standard, "unit": f"{org_vintage}:{org_code}",
                                                        "years": [valid_from_year, valid_to_year]})
    return int(db.scalar("SELECT count(*) FROM household_current h JOIN LATERAL "
                         f"({standard_sql('h')}) s ON true WHERE s.standard = ?", [standard]))


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
