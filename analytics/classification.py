"""The multidimensional poverty rule, in one place, as SQL over the ``poverty_standard`` table.

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

DEPRIVATION_COLUMNS = [f"d{n:02d}" for n in range(1, 14)]

STATUSES = ("poor", "near_poor", "average", "above")


def standard_joins_sql(alias: str = "h", standard_alias: str = "s", cutoff_alias: str = "c") -> str:
    """Joins of households ``alias`` to their commune (``o``), the standard in force and its
    review cut-offs (left join: a standard may have none)."""
    h, s, c = alias, standard_alias, cutoff_alias
    return (f"JOIN org_unit o ON o.vintage = {h}.commune_vintage AND o.code = {h}.commune_code "
            f"JOIN poverty_standard {s} ON {s}.area = CASE WHEN o.is_urban THEN 'urban' ELSE 'rural' END "
            f"AND {h}.year BETWEEN {s}.valid_from_year AND {s}.valid_to_year "
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


def status_sql(income: str, count: str, standard_alias: str = "s", b1: str | None = None,
               cutoff_alias: str = "c") -> str:
    """SQL CASE giving the status for an income expression and a deprivation-count expression;
    with ``b1`` (a B1-points expression), households without income are classified by it
    against the cut of ``cutoff_alias`` (a joined ``review_cutoff``)."""
    s, c = standard_alias, cutoff_alias
    by_points = ""
    if b1 is not None:
        by_points = (f"WHEN {b1} IS NOT NULL AND {c}.b1_max_points IS NOT NULL THEN (CASE "
                     f"WHEN {b1} <= {c}.b1_max_points AND {count} >= {s}.min_deprivations THEN 'poor' "
                     f"WHEN {b1} <= {c}.b1_max_points THEN 'near_poor' ELSE 'above' END) ")
    return (f"CASE WHEN {income} IS NOT NULL THEN (CASE "
            f"WHEN {income} <= {s}.poor_income_max AND {count} >= {s}.min_deprivations THEN 'poor' "
            f"WHEN {income} <= {s}.poor_income_max THEN 'near_poor' "
            f"WHEN {income} <= {s}.average_income_max THEN 'average' ELSE 'above' END) "
            f"{by_points}ELSE NULL END")


def household_status_sql(alias: str = "h", standard_alias: str = "s", cutoff_alias: str = "c") -> str:
    """The computed status of households ``alias`` joined by ``standard_joins_sql``."""
    count = deprivation_count_sql(alias, standard_alias, cutoff_alias)
    return status_sql(f"{alias}.income_per_capita", count, standard_alias, f"{alias}.b1_points", cutoff_alias)


def disagrees_sql(recorded: str, computed: str, income: str) -> str:
    """SQL true where a recorded status disagrees with the computed one. Computed from B1 points
    (no income), 'above' only says "over the cut": a recorded 'average' agrees with it."""
    return (f"({recorded} IS NOT NULL AND {computed} IS NOT NULL AND {recorded} <> {computed} "
            f"AND NOT ({income} IS NULL AND {computed} = 'above' AND {recorded} = 'average'))")


def refresh_derived(cur, batch_id: int | None = None) -> None:
    """Recompute ``deprivation_count`` and ``computed_status`` of households (of one batch, or all).

    Runs inside the caller's transaction; households of a year no standard covers stay NULL.
    """
    where = "AND h.batch_id = ?" if batch_id is not None else ""
    cur.execute(
        f"""
        UPDATE household AS h SET
            deprivation_count = derived.cnt,
            computed_status = derived.status
        FROM (
            SELECT h.rowid AS rid, {deprivation_count_sql('h', 's', 'c')} AS cnt,
                   {household_status_sql('h', 's', 'c')} AS status
            FROM household h
            {standard_joins_sql('h', 's', 'c')}
            WHERE true {where}
        ) AS derived
        WHERE h.rowid = derived.rid
        """,
        [batch_id] if batch_id is not None else [],
    )
