"""Small hand-built data for the analytics tests: households, commune totals, targets, budget
lines written as import batches, with the derived columns refreshed as an import would."""

from __future__ import annotations

import pandas as pd

from analytics.batches import create_batch, finish_batch, insert_frame, supersede as replace_covered
from analytics.classification import DEPRIVATION_COLUMNS, refresh_derived
from analytics.reference import vintage_for_year

RURAL, RURAL_2 = "25327", "25330"    # Xã Thanh An, Xã An Khương (vintage 2024)
URBAN = "25357"                      # Thị trấn Tân Khai, the only urban unit of 2024
NEW_RURAL, NEW_URBAN = "25345", "25326"  # Xã Tân Hưng, Phường Bình Long (vintage 2025)


def lacks(*numbers: int) -> dict:
    """Deprivation flags: True for the given indicator numbers, False for the others."""
    return {c: (i + 1) in numbers for i, c in enumerate(DEPRIVATION_COLUMNS)}


def household(household_id: str, year: int, commune: str = RURAL, *, income: int | None = None,
              deprived: tuple[int, ...] = (), recorded: str | None = None, minority: bool = False,
              ethnicity: str | None = None, members: int = 4, **extra) -> dict:
    """One household row with sensible defaults (a Kinh household of four)."""
    row = {"year": year, "household_id": household_id, "commune_vintage": vintage_for_year(year),
           "commune_code": commune, "head_name": f"Chủ hộ {household_id}",
           "ethnicity": ethnicity or ("S'tiêng" if minority else "Kinh"), "is_ethnic_minority": minority,
           "members": members, "income_per_capita": income, "recorded_status": recorded,
           "no_labour_capacity": False, "has_merit": False, **lacks(*deprived)}
    row.update(extra)
    return row


def _write(db, kind: str, table: str, rows: list[dict], refresh: bool = False, supersede: bool = False) -> int:
    """One batch of ``rows``; with ``supersede``, replacing the live rows it covers as an import does."""
    frame = pd.DataFrame(rows)
    with db.transaction() as cur:
        batch = create_batch(cur, kind=kind, file_name=f"test {table}")
        insert_frame(cur, table, frame, batch)
        if supersede:
            replace_covered(cur, table, batch)
        finish_batch(cur, batch, rows=len(frame))
        if refresh:
            refresh_derived(cur, batch)
    return batch


def add_households(db, rows: list[dict]) -> int:
    """Write household rows as one batch and derive their counts and computed statuses."""
    return _write(db, "households", "household", rows, refresh=True)


def add_totals(db, year: int, totals: dict[str, int | tuple[int, int]]) -> int:
    """Commune totals: {code: households} or {code: (households, persons)}."""
    rows = []
    for code, value in totals.items():
        households, persons = value if isinstance(value, tuple) else (value, None)
        rows.append({"year": year, "commune_vintage": vintage_for_year(year), "commune_code": code,
                     "households": households, "persons": persons})
    return _write(db, "commune_totals", "commune_total", rows)


def add_indicator_values(db, year: int, values: list[tuple[str, str, str, float]], vintage: int | None = None) -> int:
    """Indicator values: (org_code, indicator_code, kind, value) in ``vintage`` (default: the year's)."""
    v = vintage or vintage_for_year(year)
    return _write(db, "indicators", "indicator_value",
                  [{"year": year, "org_vintage": v, "org_code": o, "indicator_code": i, "kind": k, "value": x}
                   for o, i, k, x in values])


def add_plan(db, year: int, lines: list[tuple]) -> int:
    """Budget plan rows: (project, sub_project, source, agency, amount_mvnd)."""
    return _write(db, "budget", "budget_plan",
                  [{"year": year, "project": p, "sub_project": s, "source": src, "capital_type": "su_nghiep",
                    "agency": a, "org_vintage": vintage_for_year(year), "org_code": "694", "amount_mvnd": x}
                   for p, s, src, a, x in lines])


def add_disbursements(db, year: int, rows: list[tuple], org_code: str = "694", supersede: bool = False) -> int:
    """Cumulative disbursement snapshots of the unit ``org_code``: (as_of date, project,
    sub_project, source, amount_mvnd); with ``supersede``, replacing the rows they cover."""
    return _write(db, "budget", "disbursement",
                  [{"year": year, "as_of": d, "project": p, "sub_project": s, "source": src,
                    "org_vintage": vintage_for_year(year), "org_code": org_code, "amount_mvnd": x}
                   for d, p, s, src, x in rows], supersede=supersede)


def add_support(db, year: int, rows: list[tuple], commune: str = RURAL) -> int:
    """Support records of ``commune`` as a support file writes them: (household_id, support_type,
    amount_mvnd or None, budget_line or None)."""
    return _write(db, "support", "support",
                  [{"year": year, "household_id": h, "commune_vintage": vintage_for_year(year),
                    "commune_code": commune, "support_type": t, "amount_mvnd": a, "support_date": None,
                    "budget_line": line, "origin": "support"} for h, t, a, line in rows])
