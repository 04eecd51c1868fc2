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


def status_sql(income: str, count: str, standard_alias: str = "s") -> str:
    """SQL CASE giving the status for an income expression and a deprivation-count expression."""
    s = standard_alias
    return (f"CASE WHEN {income} IS NULL THEN NULL "
            f"WHEN {income} <= {s}.poor_income_max AND {count} >= {s}.min_deprivations THEN 'poor' "
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

