"""Budget lines as of each disbursement snapshot (``budget_line_snapshot``), derived from the
plan and disbursement tables and kept with them (see ``analytics.budget.refresh_lines``)."""

from analytics.budget import refresh_lines


def apply(cur) -> None:
    cur.execute("""
        CREATE TABLE budget_line_snapshot (
            year INTEGER NOT NULL, as_of DATE, project VARCHAR NOT NULL, sub VARCHAR NOT NULL,
            source VARCHAR NOT NULL, agencies VARCHAR[] NOT NULL, plan DOUBLE NOT NULL,
            disbursed DOUBLE NOT NULL, snapshot DATE)""")
    refresh_lines(cur)
