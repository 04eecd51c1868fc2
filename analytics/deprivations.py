"""What poor and near-poor households lack: per deprivation indicator of the standard in force,
how many are deprived and what share of their group that is, per commune and for the district,
each indicator linked to the policy that answers it; and the Alkire–Foster figures H, A, M0.
"""

from __future__ import annotations

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


def _counts(db: Database, year: int, units: int | None, by_commune: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(counts per commune — or one district row — of poor, near-poor and deprived households per
    indicator; the indicators)."""
    inds = indicators(db, year)
    vintage = units_mod.target_vintage(year, units)
    terms = ", ".join(
        f"count(*) FILTER ({OFFICIAL} = 'poor' AND h.{c}) AS \"p_{c}\", "
        f"count(*) FILTER ({OFFICIAL} = 'near_poor' AND h.{c}) AS \"n_{c}\"" for c in inds.code)
    key = "l.code" if by_commune else "NULL::VARCHAR"
    join = (f"JOIN {units_mod.link_sql(vintage)} l ON l.src_vintage = h.commune_vintage "
            f"AND l.src_code = h.commune_code") if by_commune else ""
    counts = db.frame(
        f"""SELECT {key} AS commune_code,
                   count(*) FILTER ({OFFICIAL} = 'poor') AS poor,
                   count(*) FILTER ({OFFICIAL} = 'near_poor') AS near_poor, {terms}
            FROM household_current h {join}
            WHERE h.year = ? GROUP BY 1""",
        [year])
    return counts, inds


def _long(counts: pd.DataFrame, inds: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for c in counts.to_dict("records"):
        for ind in inds.to_dict("records"):
            poor_count, near_count = int(c[f"p_{ind['code']}"]), int(c[f"n_{ind['code']}"])
            rows.append({"commune_code": c["commune_code"],
                         **{k: ind[k] for k in _INDICATOR_COLUMNS},
                         "poor_count": poor_count,
                         "poor_share": poor_count / c["poor"] if c["poor"] else float("nan"),
                         "near_poor_count": near_count,
                         "near_poor_share": near_count / c["near_poor"] if c["near_poor"] else float("nan")})
    return pd.DataFrame(rows, columns=["commune_code", *_INDICATOR_COLUMNS, "poor_count", "poor_share",
                                       "near_poor_count", "near_poor_share"])


def deprivation_table(db: Database, year: int, units: int | None = None) -> pd.DataFrame:
    """One row per commune (with household data for the year) and indicator of the standard in
    force: commune_code, commune_name, number, code, dimension_vi, dimension_en, name_vi,
    name_en, policy_vi, policy_en (the policy that answers the deprivation), poor_count,
    poor_share (of the commune's poor households), near_poor_count, near_poor_share (NaN shares
    where the commune has no household of the group). Communes in the units of ``units`` if
    given (old communes summed into the new ones)."""
    counts, inds = _counts(db, year, units, by_commune=True)
    frame = _long(counts, inds)
    names = dict(db.query("SELECT code, name FROM org_unit WHERE vintage = ?",
                          [units_mod.target_vintage(year, units)]))
    frame.insert(1, "commune_name", frame.commune_code.map(names))
    return frame.sort_values(["commune_code", "number"]).reset_index(drop=True)


def district_table(db: Database, year: int) -> pd.DataFrame:
    """One row per indicator for the whole area: number, code, dimension_vi, dimension_en,
    name_vi, name_en, policy_vi, policy_en, poor_count, poor_share, near_poor_count,
    near_poor_share (shares of all poor / near-poor households)."""
    counts, inds = _counts(db, year, None, by_commune=False)
    return _long(counts, inds).drop(columns="commune_code")


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
    per_ind = ", ".join(f"count(*) FILTER ({poor} AND s.{c})" for c in inds.code)
    row = db.query(
        f"""WITH s AS (SELECT {score} AS c, {k!r} AS k, {", ".join(f"h.{c}" for c in inds.code)}
                       FROM household_current h {join} WHERE h.year = ?)
            SELECT count(*), count(*) FILTER ({poor}), coalesce(sum(s.c) FILTER ({poor}), 0), {per_ind}
            FROM s""",
        params)[0]
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
