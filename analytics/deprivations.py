"""What poor and near-poor households lack: per deprivation indicator of the standard in force,
how many are deprived and what share of their group that is, per commune and for the district,
each indicator linked to the policy that answers it; and the Alkire–Foster figures H, A, M0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from . import units as units_mod
from .db import Database
from .poverty import OFFICIAL

_INDICATOR_COLUMNS = ["number", "code", "dimension_vi", "dimension_en", "name_vi", "name_en",
                      "policy_vi", "policy_en"]


def standard_for_year(db: Database, year: int) -> dict:
    """The poverty standard in force for ``year``: standard, min_deprivations, indicator_count
    (the same for rural and urban areas; only the income lines differ)."""
    row = db.query("""SELECT standard, min_deprivations, indicator_count FROM poverty_standard
                      WHERE ? BETWEEN valid_from_year AND valid_to_year ORDER BY area LIMIT 1""", [year])
    if not row:
        raise ValueError(f"no poverty standard covers the year {year}")
    standard, k, n = row[0]
    return {"standard": standard, "min_deprivations": int(k), "indicator_count": int(n)}


def indicators(db: Database, year: int) -> pd.DataFrame:
    """The deprivation indicators of the standard in force for ``year``, by number: number, code,
    dimension_vi, dimension_en, name_vi, name_en, policy_vi, policy_en, project_code, weight
    (equal weights per dimension, split equally among the dimension's indicators)."""
    frame = db.frame(
        """SELECT number, code, dimension_vi, dimension_en, name_vi, name_en, policy_vi, policy_en,
                  project_code
           FROM deprivation_indicator WHERE standard = ? ORDER BY number""",
        [standard_for_year(db, year)["standard"]])
    dimensions = frame.dimension_en.nunique()
    frame["weight"] = 1.0 / dimensions / frame.groupby("dimension_en").number.transform("count")
    return frame


def _counts(db: Database, year: int, units: int | None, by_commune: bool, within_units=None) -> pd.DataFrame:
    """The long table (see ``deprivation_table``): per commune (or one district row with
    commune_code and commune_name None) and indicator of the standard in force; only the
    communes among the (vintage, code) pairs ``within_units`` when given."""
    inside, inside_params = units_mod.units_sql("h.commune_vintage", "h.commune_code", within_units)
    review_inside, _ = units_mod.units_sql("r.commune_vintage", "r.commune_code", within_units)
    inds = indicators(db, year)
    codes = list(inds.code)
    vintage = units_mod.target_vintage(year, units)
    # Only poor and near-poor households count: filter them first and count per recorded commune
    # and status (the status computed once per row), then map the commune rows to the units and
    # turn the indicator columns into rows, all in one query.
    flags = ", ".join(f'count(*) FILTER (h.{c}) AS "{c}"' for c in codes)
    sums = ", ".join(f'sum("{c}") AS "{c}"' for c in codes)
    key = "l.code" if by_commune else "NULL::VARCHAR"
    join = (f"JOIN {units_mod.link_sql(vintage)} l ON l.src_vintage = raw.commune_vintage "
            f"AND l.src_code = raw.commune_code") if by_commune else ""
    columns = ["commune_code", "commune_name", *_INDICATOR_COLUMNS, "poor_count", "poor_share",
               "near_poor_count", "near_poor_share", "source"]
    if not codes:
        return pd.DataFrame(columns=columns)
    frame = db.frame(
        f"""WITH raw AS (
                SELECT h.commune_vintage, h.commune_code, {OFFICIAL} AS status, count(*) AS households, {flags}
                FROM household_current h
                WHERE h.year = ? AND {OFFICIAL} IN ('poor', 'near_poor') AND {inside}
                GROUP BY ALL),
            per_unit AS MATERIALIZED (  -- computed once: the unpivot reads it once per indicator
                SELECT {key} AS commune_code, raw.status, sum(households) AS households, {sums}
                FROM raw {join} GROUP BY ALL),
            long AS (UNPIVOT per_unit ON {", ".join(f'"{c}"' for c in codes)} INTO NAME code VALUE deprived),
            -- A commune without a household list that year: its counts from the review tables
            -- (forms 4-5), each indicator over the group's households the table gives.
            review AS (
                SELECT r.commune_vintage, r.commune_code, r.status, r.measure AS code, r.value AS deprived,
                       max(r.value) FILTER (r.measure = 'count')
                           OVER (PARTITION BY r.commune_vintage, r.commune_code, r.status) AS households
                FROM review_figure_current r
                WHERE r.year = ? AND r.form = 'deprivation' AND r.unit = 'households' AND {review_inside}
                  AND NOT EXISTS (SELECT 1 FROM household_current h WHERE h.year = r.year
                                  AND h.commune_vintage = r.commune_vintage AND h.commune_code = r.commune_code)),
            both_sources AS (
                SELECT commune_code, status, households, code, deprived, 'households' AS source FROM long
                UNION ALL
                SELECT {key} AS commune_code, raw.status, raw.households, raw.code, raw.deprived,
                       'review' AS source
                FROM review raw {join}
                WHERE raw.code IN ({", ".join(f"'{c}'" for c in codes)})),
            counted AS (
                SELECT commune_code, code, string_agg(DISTINCT source, '+' ORDER BY source) AS source,
                       coalesce(sum(deprived) FILTER (status = 'poor'), 0) AS poor_count,
                       coalesce(sum(households) FILTER (status = 'poor'), 0) AS poor_households,
                       coalesce(sum(deprived) FILTER (status = 'near_poor'), 0) AS near_poor_count,
                       coalesce(sum(households) FILTER (status = 'near_poor'), 0) AS near_poor_households
                FROM both_sources GROUP BY ALL)
            SELECT c.commune_code, o.name AS commune_name, c.code,
                   c.poor_count::BIGINT AS poor_count,
                   c.poor_count / nullif(c.poor_households, 0) AS poor_share,
                   c.near_poor_count::BIGINT AS near_poor_count,
                   c.near_poor_count / nullif(c.near_poor_households, 0) AS near_poor_share, c.source
            FROM counted c
            LEFT JOIN org_unit o ON o.vintage = {int(vintage)} AND o.code = c.commune_code""",
        [year, *inside_params, year, *inside_params])
    frame = frame.merge(inds[_INDICATOR_COLUMNS], on="code")
    return frame.sort_values(["commune_code", "number"], na_position="first").reset_index(drop=True)[columns]


def deprivation_table(db: Database, year: int, units: int | None = None, within_units=None) -> pd.DataFrame:
    """One row per commune (with household data for the year) and indicator of the standard in
    force: commune_code, commune_name, number, code, dimension_vi, dimension_en, name_vi,
    name_en, policy_vi, policy_en (the policy that answers the deprivation), poor_count,
    poor_share (of the commune's poor households), near_poor_count, near_poor_share (NaN shares
    where the commune has no household of the group), source ('households' | 'review', both
    joined by '+' for a unit summing communes of each). Communes in the units of ``units`` if
    given (old communes summed into the new ones). A commune without a household list that year
    counts with the review tables' figures (forms 4-5). ``within_units``: only the communes among
    these (vintage, code) pairs (e.g. the home area's, ``levels.area_units``)."""
    return _counts(db, year, units, by_commune=True, within_units=within_units)


def district_table(db: Database, year: int, within_units=None) -> pd.DataFrame:
    """One row per indicator for the whole area: number, code, dimension_vi, dimension_en,
    name_vi, name_en, policy_vi, policy_en, poor_count, poor_share, near_poor_count,
    near_poor_share (shares of all poor / near-poor households); ``within_units``: as in
    :func:`deprivation_table`."""
    return _counts(db, year, None, by_commune=False, within_units=within_units).drop(columns=["commune_code", "commune_name", "source"])


@dataclass(frozen=True)
class DimensionContribution:
    dimension_vi: str
    dimension_en: str
    weight: float          # the dimension's total weight (1 / number of dimensions)
    contribution: float    # its share of M0 (contributions sum to 1)


@dataclass(frozen=True)
class AlkireFoster:
    """Alkire–Foster adjusted headcount over the households reviewed in a year.

    Weights: every dimension of the standard weighs the same (1/6 under Decree 07 and Decree 351),
    split equally among the dimension's indicators (1/12 each under Decree 07; under Decree 351
    the water-and-sanitation dimension has three indicators of 1/18). A household's score c is
    the sum of the weights of the indicators it lacks; it is multidimensionally poor when
    c >= k, with k = the standard's minimum deprivations / its number of indicators (3/12).
    H = q / n (share multidimensionally poor), A = mean score of those q households,
    M0 = H × A; the contribution of a dimension is its weighted deprivations among the q
    households over their total (contributions sum to 1).
    """
    n: int                 # households reviewed
    q: int                 # multidimensionally poor households
    k: float
    H: float
    A: float
    M0: float
    dimensions: tuple[DimensionContribution, ...]

    @property
    def contributions(self) -> dict[str, float]:
        """{dimension_vi: share of M0}."""
        return {d.dimension_vi: d.contribution for d in self.dimensions}

    def contributions_in(self, lang: str = "vi") -> dict[str, float]:
        """{dimension name in ``lang``: share of M0}."""
        return {(d.dimension_en if lang == "en" else d.dimension_vi): d.contribution for d in self.dimensions}


def alkire_foster(db: Database, year: int, commune_code: str | None = None,
                  units: int | None = None) -> AlkireFoster:
    """The Alkire–Foster figures (see ``AlkireFoster``) for the district, or for one commune (a
    code of the year's units, or of ``units``), over the households reviewed in ``year``."""
    std = standard_for_year(db, year)
    inds = indicators(db, year)
    k = std["min_deprivations"] / std["indicator_count"]
    score = " + ".join(f"{w!r} * coalesce(h.{c}::INTEGER, 0)" for c, w in zip(inds.code, inds.weight))
    params: list = [year]
    join = ""
    if commune_code is not None:
        vintage = units_mod.target_vintage(year, units)
        join = (f"JOIN {units_mod.link_sql(vintage)} l ON l.src_vintage = h.commune_vintage "
                f"AND l.src_code = h.commune_code AND l.code = ?")
        params = [str(commune_code), year]
    poor = "s.c >= s.k - 1e-9"  # the score is a float sum: compare with a hair of tolerance
    # A score of k needs at least k / (largest weight) deprivations: only households with that
    # many (the derived deprivation_count) are scored, the rest are only counted.
    needed = max(0, math.ceil(k / float(inds.weight.max()) - 1e-9))
    per_ind = ", ".join(f"count(*) FILTER ({poor} AND s.{c})" for c in inds.code)
    row = db.query(
        f"""WITH s AS (SELECT {score} AS c, {k!r} AS k, {", ".join(f"h.{c}" for c in inds.code)}
                       FROM household_current h {join}
                       WHERE h.year = ? AND coalesce(h.deprivation_count, {len(inds)}) >= {needed})
            SELECT (SELECT count(*) FROM household_current h {join} WHERE h.year = ?),
                   count(*) FILTER ({poor}), coalesce(sum(s.c) FILTER ({poor}), 0), {per_ind}
            FROM s""",
        params + params)[0]
    n, q, total_score = int(row[0]), int(row[1]), float(row[2])
    deprived = dict(zip(inds.code, row[3:]))
    H = q / n if n else 0.0
    A = total_score / q if q else 0.0
    dims = []
    for (dim_vi, dim_en), group in inds.groupby(["dimension_vi", "dimension_en"], sort=False):
        weighted = sum(w * deprived[c] for c, w in zip(group.code, group.weight))
        dims.append(DimensionContribution(dim_vi, dim_en, float(group.weight.sum()),
                                          weighted / total_score if total_score else 0.0))
    return AlkireFoster(n=n, q=q, k=k, H=H, A=A, M0=H * A, dimensions=tuple(dims))
