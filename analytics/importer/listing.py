"""The household list of a year as imported: search and filters, with the recorded status (from
the file) beside the status the standard computes, so disagreements stand out."""

from __future__ import annotations

import pandas as pd

from ..classification import DEPRIVATION_COLUMNS
from ..poverty import DISAGREES
from ..units import units_sql

LIST_LIMIT = 5000


def household_filters(db, year: int, communes=None) -> dict:
    """Choices for the filters of ``year``: communes [(code, name)], hamlets, ethnicities,
    officers in charge, deprivation indicators [(column, name_vi, name_en)]."""
    scope, params = units_sql("h.commune_vintage", "h.commune_code", communes)
    base = f"FROM household_official h WHERE h.year = ? AND {scope}"
    return {
        "communes": db.query(f"SELECT DISTINCT h.commune_code, h.commune_name {base} ORDER BY 1", [year, *params]),
        "hamlets": [r[0] for r in db.query(f"SELECT DISTINCT h.hamlet {base} AND h.hamlet IS NOT NULL ORDER BY 1",
                                           [year, *params])],
        "ethnicities": [r[0] for r in db.query(
            f"SELECT h.ethnicity {base} AND h.ethnicity IS NOT NULL GROUP BY 1 "
            f"ORDER BY (h.ethnicity = 'Kinh') DESC, count(*) DESC", [year, *params])],
        "officers": [r[0] for r in db.query(f"SELECT DISTINCT h.officer {base} AND h.officer IS NOT NULL ORDER BY 1",
                                            [year, *params])],
        "deprivations": db.query(
            """SELECT d.code, d.name_vi, d.name_en FROM deprivation_indicator d
               JOIN poverty_standard s ON s.standard = d.standard
               WHERE ? BETWEEN s.valid_from_year AND s.valid_to_year AND s.area = 'rural'
               ORDER BY d.number""", [year]),
    }


def household_list(db, year: int, *, search: str | None = None, status: str | None = None,
                   commune: str | None = None, hamlet: str | None = None, ethnicity: str | None = None,
                   deprivation: str | None = None, disagreeing: bool = False, officer: str | None = None,
                   communes=None, limit: int = LIST_LIMIT) -> pd.DataFrame:
    """Households of ``year`` (current rows) matching the filters, at most ``limit``: household_id,
    commune_code, commune_name, hamlet, head_name, ethnicity, members, income_per_capita,
    deprivation_count, b1_points, b2_points, quick_review (the Phiếu A result: reviewed |
    screened_out), quick_review_reason, recorded_status, computed_status, agrees, officer,
    batch_id. ``officer`` keeps the households of one officer in charge (their list of visits);
    ``status`` filters the
    official status (recorded where the file had one); ``search`` looks in id and name ignoring
    case and accents; ``communes`` (vintage, code) limits the rows to a user's communes."""
    scope, params = units_sql("h.commune_vintage", "h.commune_code", communes)
    where = ["h.year = ?", scope]
    params = [year, *params]
    if search:
        # contains(), not LIKE: the text is looked for as typed, so % and _ are not wildcards.
        where.append("(contains(strip_accents(lower(h.head_name)), strip_accents(lower(?))) "
                     "OR contains(lower(h.household_id), lower(?)))")
        params += [search.strip(), search.strip()]
    for column, value in (("h.official_status", status), ("h.commune_code", commune), ("h.hamlet", hamlet),
                          ("h.ethnicity", ethnicity), ("h.officer", officer)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if deprivation:
        if deprivation not in DEPRIVATION_COLUMNS:
            raise ValueError(f"not a deprivation column: {deprivation}")
        where.append(f"h.{deprivation}")
    if disagreeing:
        where.append(DISAGREES)
    params.append(int(limit))
    return db.frame(
        f"""SELECT h.household_id, h.commune_code, h.commune_name, h.hamlet, h.head_name, h.ethnicity,
                   h.members, h.income_per_capita, h.deprivation_count, h.b1_points, h.b2_points,
                   h.quick_review, h.quick_review_reason, h.recorded_status, h.computed_status,
                   NOT coalesce({DISAGREES}, false) AS agrees, h.officer,
                   h.batch_id
            FROM household_official h WHERE {' AND '.join(where)}
            ORDER BY h.commune_code, h.hamlet, h.household_id LIMIT ?""", params)
