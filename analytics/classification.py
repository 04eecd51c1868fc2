"""The multidimensional poverty rule, in one place, as SQL over the ``poverty_standard`` table.

poor       = income <= the line of the area AND deprived on >= min_deprivations indicators
near_poor  = income <= the line AND fewer deprivations
average    = income above the line and <= the average-living-standard band
above      = otherwise
Boundaries are inclusive, as Decree 07/2021 and Decree 351/2025 write them. Only the indicators
of the standard in force count (d13 exists from Decree 351 on).
"""

from __future__ import annotations

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


def refresh_derived(cur, batch_id: int | None = None) -> None:
    """Recompute ``deprivation_count`` and ``computed_status`` of households (of one batch, or all).

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
            JOIN org_unit o ON o.vintage = h.commune_vintage AND o.code = h.commune_code
            JOIN poverty_standard s
              ON s.area = CASE WHEN o.is_urban THEN 'urban' ELSE 'rural' END
             AND h.year BETWEEN s.valid_from_year AND s.valid_to_year
            WHERE true {where}
        ) AS derived
        WHERE h.rowid = derived.rid
        """,
        [batch_id] if batch_id is not None else [],
    )



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
