"""What-if allocation: planners move the money and see what it does to the targets.

The model is deliberately simple and every part of it is visible:

* **Envelope**: the money per source (central, province, district, other) for the year,
  defaulting to the year's budget plan.
* **Assumptions per project line** (``data/reference/scenario_assumptions.csv``, editable per
  scenario): unit cost per household reached (million đồng), the group it reaches (``poor``,
  ``near_poor`` or ``none``) and the share of reached poor households expected to escape poverty
  within the year. Lines of group ``none`` (communication, M&E) stay at the district level.
* **Allocation**: amounts per (line, source, commune), by a strategy or by hand.
* **Projection** per commune: households reached = amount / unit cost (each support package
  reaches a different household); projected escapes = reached poor households x escape share;
  end-of-year poor = poor at the start (end of the previous year) - escapes. The model ignores
  newly poor and fallen-back households: it shows what the money does, not a forecast.
* **Constraints**: sums equal the envelope per source; counterpart ratios (settings
  ``counterpart_province_share`` / ``counterpart_district_share``) on the allocated totals; no
  commune receives more than it can absorb (reach of the poor lines <= its poor households, reach
  of the near-poor lines <= its near-poor households, so the total <= poor + near-poor); line
  minimums (``data/reference/scenario_line_minimums.csv``).

Strategies: ``plan``, ``proportional_poor``, ``proportional_gap``, ``ethnic_priority`` and
``optimise`` (``scipy.optimize.linprog``). The projection depends only on the amount per (line,
commune), so the optimiser works on those totals under exactly the constraints every allocation
must meet; the totals of any valid allocation are a feasible point of its linear programme, hence
it never projects fewer escapes than another strategy under the same assumptions.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from . import budget, poverty, targets
from .auth import Scope
from .db import Database
from .i18n import DEFAULT_LANGUAGE, both, t
from .reference import get_float_setting, read_csv, vintage_for_year

STRATEGIES = ("plan", "proportional_poor", "proportional_gap", "ethnic_priority", "optimise")
MANUAL = "manual"  # an allocation edited by hand
ALL_SOURCES = ("central", "province", "district", "other")
GROUPS = ("poor", "near_poor", "none")
# Amounts are million đồng; a thousandth (1,000 đồng) is below any figure a plan writes.
TOLERANCE = 1e-3


class ScenarioError(ValueError):
    """A scenario that cannot be computed (no plan for the year, no feasible allocation...)."""


# -- inputs ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Baseline:
    """What the year starts from: ``communes`` (code, name, total, poor, near_poor,
    poor_ethnic_minority, target: the commune's reduction target), ``plan`` (line, name_vi,
    name_en, one column per source, total), the district's code, its reduction target and its
    poverty-rate target (a fraction, or None)."""
    year: int
    communes: pd.DataFrame
    plan: pd.DataFrame
    district_code: str
    district_target: float | None = None
    rate_target: float | None = None

    @property
    def sources(self) -> list[str]:
        """The sources the plan uses (other funds only when the plan has some)."""
        return [s for s in ALL_SOURCES if s in self.plan.columns
                and (s != "other" or float(self.plan[s].sum()) > 0)]


def plan_years(db: Database) -> list[int]:
    """Years that have a budget plan, oldest first."""
    return [r[0] for r in db.query("SELECT DISTINCT year FROM budget_plan_current ORDER BY year")]


def default_year(db: Database) -> int | None:
    """The latest year with a budget plan (the year a planner is most likely planning)."""
    years = plan_years(db)
    return years[-1] if years else None


def load_baseline(db: Database, year: int) -> Baseline:
    """The year's plan and the communes as they stood at the end of the previous year, with
    each commune's reduction target for ``year``."""
    lines = budget.plan_lines(db, year)
    if lines.empty:
        raise ScenarioError(t("scenario_err_no_plan", DEFAULT_LANGUAGE, year=year))
    lines = lines.assign(line=[p if s is None or (isinstance(s, float) and math.isnan(s)) or s == ""
                               else f"{p}.{s}" for p, s in zip(lines["project"], lines["sub_project"])])
    plan = lines[["line", "name_vi", "name_en", *[s for s in ALL_SOURCES if s in lines.columns], "total"]]
    start = poverty.commune_table(db, year - 1)
    if start.empty or (start["poor"].sum() == 0 and start["near_poor"].sum() == 0):
        raise ScenarioError(t("scenario_err_no_start", DEFAULT_LANGUAGE, year=year - 1))
    vintage = vintage_for_year(year)
    district_code = db.scalar(
        "SELECT code FROM org_unit WHERE vintage = ? AND unit_type = 'district' ORDER BY code LIMIT 1",
        [vintage]) or "district"
    tv = targets.target_values(db, year)
    reduction = tv[tv["indicator"] == "poor_reduction"]
    by_commune = dict(zip(reduction["org_unit"].astype(str), reduction["target"].astype(float)))
    communes = start[["code", "name", "total", "poor", "near_poor", "poor_ethnic_minority"]].copy()
    communes["code"] = communes["code"].astype(str)
    communes["target"] = [by_commune.get(c, 0.0) for c in communes["code"]]
    rate = tv[(tv["indicator"] == "poor_rate") & (tv["org_unit"].astype(str) == str(district_code))]
    return Baseline(
        year=year, communes=communes.reset_index(drop=True), plan=plan.reset_index(drop=True),
        district_code=str(district_code),
        district_target=by_commune.get(str(district_code)),
        rate_target=float(rate["target"].iloc[0]) if not rate.empty else None)


def default_assumptions(lines: list[str]) -> pd.DataFrame:
    """The assumption table for ``lines`` from ``scenario_assumptions.csv``: line, unit_cost_mvnd,
    group, escape_share, source. A line the file does not know is treated as not reaching
    households, and says so."""
    known = {r["line"]: r for r in read_csv("scenario_assumptions.csv")}
    rows = []
    for line in lines:
        r = known.get(line)
        if r is None:
            rows.append({"line": line, "unit_cost_mvnd": None, "group": "none", "escape_share": 0.0,
                         "source": t("scenario_no_assumption", DEFAULT_LANGUAGE)})
        else:
            rows.append({"line": line,
                         "unit_cost_mvnd": float(r["unit_cost_mvnd"]) if r["unit_cost_mvnd"] else None,
                         "group": r["group"], "escape_share": float(r["escape_share"] or 0),
                         "source": r["source"]})
    return pd.DataFrame(rows)


def default_params(db: Database, baseline: Baseline) -> dict:
    """A scenario's editable inputs, JSON-ready: ``envelope`` {source: amount} (the plan's),
    ``assumptions`` (records of :func:`default_assumptions`), ``minimums`` {line: amount},
    ``ethnic_minority_weight``, ``counterpart_province_share`` and ``counterpart_district_share``."""
    settings = {r["key"]: r["value"] for r in read_csv("scenario_settings.csv")}
    lines = list(baseline.plan["line"])
    return {
        "envelope": {s: float(baseline.plan[s].sum()) for s in baseline.sources},
        "assumptions": default_assumptions(lines).to_dict(orient="records"),
        "minimums": {r["line"]: float(r["minimum_mvnd"]) for r in read_csv("scenario_line_minimums.csv")
                     if r["line"] in lines},
        "ethnic_minority_weight": float(settings.get("ethnic_minority_weight", 1)),
        "counterpart_province_share": get_float_setting(db, "counterpart_province_share", 0.0),
        "counterpart_district_share": get_float_setting(db, "counterpart_district_share", 0.0),
    }


def setup(db: Database, year: int) -> tuple[Baseline, dict]:
    """The year's :class:`Baseline` and its default params (what the page starts from)."""
    baseline = load_baseline(db, year)
    return baseline, default_params(db, baseline)


def _assumptions(params: dict, baseline: Baseline) -> pd.DataFrame:
    """The params' assumption table, indexed by line, validated."""
    a = pd.DataFrame(params["assumptions"]).set_index("line")
    missing = [l for l in baseline.plan["line"] if l not in a.index]
    if missing:
        raise ScenarioError(both("scenario_err_assumption_missing", lines=", ".join(missing)))
    for line, r in a.iterrows():
        if r["group"] not in GROUPS:
            raise ScenarioError(both("scenario_err_group", line=line, group=r["group"], groups=", ".join(GROUPS)))
        if r["group"] != "none":
            cost = r["unit_cost_mvnd"]
            if cost is None or not (float(cost) > 0):
                raise ScenarioError(both("scenario_err_unit_cost", line=line))
            if not (0 <= float(r["escape_share"]) <= 1):
                raise ScenarioError(both("scenario_err_escape_share", line=line))
    return a


def checked_assumptions(typed: list[dict], previous: list[dict], lang: str = DEFAULT_LANGUAGE
                        ) -> tuple[list[dict], list[dict]]:
    """The assumption rows as typed on the page — ``unit_cost_mvnd``, ``group`` and
    ``escape_pct``, the escape share in percent (0–100) — checked cell by cell: a cost that is
    not above 0 for a line that reaches households, or a share outside 0–100 %, is refused and the
    line keeps its ``previous`` value (never clamped). The assumptions (shares as fractions) and the
    refusals (line, column label, value typed, message)."""
    before = {r["line"]: r for r in previous}
    out, refused = [], []
    for row in typed:
        line = row["line"]
        kept = dict(before.get(line, {}))
        new = {**kept, "line": line, "group": row.get("group") or kept.get("group"),
               "source": kept.get("source", row.get("source"))}
        cost, pct = row.get("unit_cost_mvnd"), row.get("escape_pct")
        reaches = new["group"] != "none"
        if reaches and (cost is None or pd.isna(cost) or not float(cost) > 0):
            refused.append({"line": line, "column": t("scenario_unit_cost", lang), "value": cost,
                            "message": t("scenario_refused_cost", lang)})
            new["unit_cost_mvnd"] = kept.get("unit_cost_mvnd")
        else:
            new["unit_cost_mvnd"] = None if cost is None or pd.isna(cost) else float(cost)
        if pct is None or pd.isna(pct) or not 0 <= float(pct) <= 100:
            refused.append({"line": line, "column": t("scenario_escape_share", lang), "value": pct,
                            "message": t("scenario_refused_share", lang)})
            new["escape_share"] = kept.get("escape_share")
        else:
            new["escape_share"] = float(pct) / 100
        out.append(new)
    return out, refused


# -- strategies -----------------------------------------------------------------------------

def _capped_split(weights: np.ndarray, caps: np.ndarray, total: float) -> np.ndarray:
    """Split ``total`` across communes in proportion to ``weights`` without exceeding ``caps``:
    what a full commune cannot take goes to the others (in proportion to their weights, then, if
    the weighted ones are all full, to their remaining room). Returns the amounts; their sum is
    less than ``total`` only when every commune is full."""
    alloc = np.zeros(len(caps))
    remaining = float(total)
    w = np.clip(np.asarray(weights, dtype=float), 0, None)
    fallback = False
    for _ in range(2 * len(caps) + 4):
        if remaining <= 1e-12:
            break
        room = caps - alloc
        active = (room > 1e-12) & (w > 0)
        if not active.any():
            if fallback or not (room > 1e-12).any():
                break
            w, fallback = np.clip(room, 0, None), True
            continue
        give = remaining * w[active] / w[active].sum()
        give = np.minimum(give, room[active])
        alloc[active] += give
        remaining -= float(give.sum())
    return alloc


def strategy_weights(baseline: Baseline, params: dict, strategy: str, group: str) -> np.ndarray:
    """How a strategy weighs the communes for the lines reaching ``group``."""
    c = baseline.communes
    if strategy == "plan":
        # The plan names amounts for the district only; it implicitly funds each household it
        # serves alike, so its lines follow the households of the group they reach.
        return c[group].to_numpy(float)
    if strategy == "proportional_poor":
        return c["poor"].to_numpy(float)
    if strategy == "proportional_gap":
        return c["target"].clip(lower=0).to_numpy(float)
    if strategy == "ethnic_priority":
        w = float(params.get("ethnic_minority_weight", 1))
        em = c["poor_ethnic_minority"].to_numpy(float)
        return c["poor"].to_numpy(float) - em + w * em
    raise ScenarioError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")


def _line_source_amounts(baseline: Baseline, params: dict) -> pd.DataFrame:
    """The plan's amount per line and source, scaled so each source sums to its envelope."""
    plan = baseline.plan.set_index("line")
    out = pd.DataFrame(index=plan.index)
    for s in baseline.sources:
        env = float(params["envelope"].get(s, 0.0))
        col = plan[s].astype(float)
        if col.sum() > 0:
            out[s] = col * env / col.sum()
        else:  # a source the plan does not use: spread it like the plan's total
            out[s] = plan["total"].astype(float) * env / max(float(plan["total"].sum()), 1e-12)
    return out


def allocate(baseline: Baseline, params: dict, strategy: str) -> pd.DataFrame:
    """The allocation a strategy makes: one row per (line, source, commune) with ``amount``
    (million đồng). Lines that do not reach households are allocated to the district."""
    if strategy == "optimise":
        return optimise(baseline, params)
    a = _assumptions(params, baseline)
    amounts = _line_source_amounts(baseline, params)
    communes = list(baseline.communes["code"])
    sinks = [l for l in amounts.index if a.loc[l, "group"] == "none"]
    rows: list[dict] = []
    overflow = {s: 0.0 for s in baseline.sources}
    for group in ("poor", "near_poor"):
        lines = [l for l in amounts.index if a.loc[l, "group"] == group]
        if not lines:
            continue
        cost = {l: float(a.loc[l, "unit_cost_mvnd"]) for l in lines}
        # Households the group's lines would reach if all their money were placed.
        reach = sum(float(amounts.loc[l].sum()) / cost[l] for l in lines)
        caps = baseline.communes[group].to_numpy(float)
        placed = _capped_split(strategy_weights(baseline, params, strategy, group), caps, reach)
        if reach > 0 and placed.sum() < reach - 1e-9 and not sinks:
            # Nowhere else to put the money: place it anyway (the absorb check will flag it).
            placed = placed + (reach - placed.sum()) * caps / max(caps.sum(), 1e-12)
        share = placed / reach if reach > 0 else np.zeros(len(communes))
        for l in lines:
            for s in baseline.sources:
                m = float(amounts.loc[l, s])
                for code, sh in zip(communes, share):
                    rows.append({"line": l, "source": s, "commune": code, "amount": m * sh})
                overflow[s] += m * (1 - share.sum())
    # Money the communes cannot absorb goes to the lines that do not reach households.
    sink_total = {s: float(amounts.loc[sinks, s].sum()) if sinks else 0.0 for s in baseline.sources}
    for l in sinks:
        for s in baseline.sources:
            m = float(amounts.loc[l, s])
            extra = overflow[s] * (m / sink_total[s] if sink_total[s] > 0 else 1 / len(sinks))
            rows.append({"line": l, "source": s, "commune": baseline.district_code, "amount": m + extra})
    return pd.DataFrame(rows, columns=["line", "source", "commune", "amount"])


def _lp_layout(baseline: Baseline, a: pd.DataFrame):
    """The decision variables of the optimiser: one per (reach line, commune) and one per
    district-level line; their (line, commune) labels."""
    communes = list(baseline.communes["code"])
    labels = []
    for line in baseline.plan["line"]:
        if a.loc[line, "group"] == "none":
            labels.append((line, baseline.district_code))
        else:
            labels.extend((line, c) for c in communes)
    return labels


def optimise(baseline: Baseline, params: dict) -> pd.DataFrame:
    """The allocation that maximises projected escapes under the constraints (and, among those,
    leaves the smallest total gap to the communes' targets), split across sources in the
    envelope's proportions. Raises :class:`ScenarioError` when no allocation meets them."""
    a = _assumptions(params, baseline)
    labels = _lp_layout(baseline, a)
    n = len(labels)
    communes = list(baseline.communes["code"])
    k = len(communes)
    cindex = {c: i for i, c in enumerate(communes)}
    envelope = {s: float(params["envelope"].get(s, 0.0)) for s in baseline.sources}
    total = sum(envelope.values())

    # Per variable: its line's group, the households one million reaches, its commune (-1: district).
    group = np.array([a.loc[line, "group"] for line, _ in labels])
    cost = np.array([float(a.loc[line, "unit_cost_mvnd"]) if a.loc[line, "group"] != "none" else np.inf
                     for line, _ in labels])
    per_mvnd = np.where(group != "none", 1.0 / cost, 0.0)
    share = np.array([float(a.loc[line, "escape_share"]) for line, _ in labels])
    escapes_per_mvnd = np.where(group == "poor", per_mvnd * share, 0.0)
    commune_of = np.array([cindex.get(code, -1) for _, code in labels])
    line_of = np.array([line for line, _ in labels])
    j_all = np.arange(n)

    blocks, b_ub = [], []
    for g in ("poor", "near_poor"):  # absorb: reach of the group's lines <= its households
        mask = (group == g) & (commune_of >= 0)
        if mask.any():
            blocks.append(sparse.csr_matrix((per_mvnd[mask], (commune_of[mask], j_all[mask])), shape=(k, n)))
            b_ub.append(baseline.communes[g].to_numpy(float))
    for line, minimum in (params.get("minimums") or {}).items():  # line minimums
        mask = line_of == line
        if mask.any() and float(minimum) > 0:
            blocks.append(sparse.csr_matrix((-np.ones(mask.sum()), (np.zeros(mask.sum(), int), j_all[mask])),
                                            shape=(1, n)))
            b_ub.append(np.array([-float(minimum)]))
    a_ub = sparse.vstack(blocks, format="csr") if blocks else sparse.csr_matrix((0, n))
    b_ub = np.concatenate(b_ub) if b_ub else np.zeros(0)
    # The envelope: every source sums to its amount. The sources are split in the envelope's
    # proportions, so the per-source sums and the counterpart ratios follow from the total.
    a_eq, b_eq = sparse.csr_matrix(np.ones((1, n))), np.array([total])

    # The solver's optimality tolerance is absolute (about 1e-7): with escape shares that small,
    # every gain would look like zero to it. Scaled so the largest gain is 1, its tolerance is
    # relative to what the lines can achieve.
    scale = float(escapes_per_mvnd.max()) if escapes_per_mvnd.size and escapes_per_mvnd.max() > 0 else 1.0
    first = linprog(-escapes_per_mvnd / scale, A_ub=a_ub if a_ub.shape[0] else None, b_ub=b_ub if a_ub.shape[0] else None,
                    A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if first.status != 0:
        raise ScenarioError(t("scenario_err_infeasible", DEFAULT_LANGUAGE, message=first.message))
    best = float(escapes_per_mvnd @ first.x)
    floor = best * (1 - 1e-9)  # what the second pass must keep: the best, to a relative 1e-9
    x = first.x
    # Second pass: keep the best escapes, and among those leave the smallest total gap to the
    # communes' targets (gap_c >= target_c - escapes_c, gap_c >= 0): extra variables gap_c.
    placed = commune_of >= 0
    gap_rows = sparse.hstack([
        sparse.csr_matrix((-escapes_per_mvnd[placed], (commune_of[placed], j_all[placed])), shape=(k, n)),
        -sparse.identity(k, format="csr")], format="csr")
    keep = sparse.csr_matrix(np.concatenate([-escapes_per_mvnd / scale, np.zeros(k)])[None, :])
    second = linprog(
        np.concatenate([np.zeros(n), np.ones(k)]),
        A_ub=sparse.vstack([sparse.hstack([a_ub, sparse.csr_matrix((a_ub.shape[0], k))]), gap_rows, keep],
                           format="csr"),
        b_ub=np.concatenate([b_ub, -baseline.communes["target"].to_numpy(float),
                             [-floor / scale]]),
        A_eq=sparse.hstack([a_eq, sparse.csr_matrix((1, k))], format="csr"), b_eq=b_eq,
        bounds=(0, None), method="highs")
    # Taken only if it keeps the escapes (to the solver's precision): never trade them for gap.
    if second.status == 0 and float(escapes_per_mvnd @ second.x[:n]) >= floor:
        x = second.x[:n]
    frames = [pd.DataFrame({"line": line_of, "source": s, "commune": [code for _, code in labels],
                            "amount": x * (envelope[s] / total if total > 0 else 0.0)})
              for s in baseline.sources]
    return (pd.concat(frames).sort_values(["line", "source"], kind="stable")
            .reset_index(drop=True)[["line", "source", "commune", "amount"]])


# -- projection and constraints --------------------------------------------------------------

@dataclass(frozen=True)
class Projection:
    """The outcome of an allocation: ``by_commune`` (code, name, amount, reached_poor,
    reached_near_poor, households_reached, projected_escapes, start_poor, projected_end_poor,
    projected_rate, target, gap_before, remaining_gap, cost_per_escape), ``by_line`` (line,
    amount, households_reached, projected_escapes) and the district totals. A commune's cost per
    escape is the money placed in it; the district's is the whole allocation (district-level lines
    included) over all projected escapes. ``remaining_gap`` sums the communes' shortfalls: one
    commune's surplus does not make up for another's gap."""
    by_commune: pd.DataFrame
    by_line: pd.DataFrame
    allocated_total: float
    district_amount: float
    households_reached: float
    projected_escapes: float
    start_poor: float
    projected_end_poor: float
    projected_rate: float | None
    remaining_gap: float
    gap_before: float
    cost_per_escape: float | None


def project(baseline: Baseline, params: dict, allocation: pd.DataFrame) -> Projection:
    """What ``allocation`` projects under the params' assumptions (see the module docstring)."""
    a = _assumptions(params, baseline)
    alloc = allocation.copy()
    alloc["amount"] = pd.to_numeric(alloc["amount"], errors="coerce").fillna(0.0)
    alloc["commune"] = alloc["commune"].astype(str)
    per = alloc.groupby(["line", "commune"], as_index=False)["amount"].sum()
    group = per["line"].map(a["group"]).fillna("none")
    cost = per["line"].map(a["unit_cost_mvnd"]).astype(float)
    esc = per["line"].map(a["escape_share"]).astype(float).fillna(0.0)
    reach = np.where(group != "none", per["amount"] / cost, 0.0)
    per = per.assign(group=group, reach=np.nan_to_num(reach),
                     escapes=np.where(group == "poor", np.nan_to_num(reach) * esc, 0.0))

    c = baseline.communes.copy()
    agg = per.groupby("commune").agg(amount=("amount", "sum"), households_reached=("reach", "sum"),
                                      projected_escapes=("escapes", "sum"))
    poor_reach = per[per["group"] == "poor"].groupby("commune")["reach"].sum()
    near_reach = per[per["group"] == "near_poor"].groupby("commune")["reach"].sum()
    out = pd.DataFrame({"code": c["code"], "name": c["name"]})
    out["amount"] = c["code"].map(agg["amount"]).fillna(0.0).to_numpy()
    out["reached_poor"] = c["code"].map(poor_reach).fillna(0.0).to_numpy()
    out["reached_near_poor"] = c["code"].map(near_reach).fillna(0.0).to_numpy()
    out["households_reached"] = out["reached_poor"] + out["reached_near_poor"]
    out["projected_escapes"] = c["code"].map(agg["projected_escapes"]).fillna(0.0).to_numpy()
    out["start_poor"] = c["poor"].astype(float).to_numpy()
    out["projected_end_poor"] = out["start_poor"] - out["projected_escapes"]
    total = c["total"].astype(float).to_numpy()
    out["projected_rate"] = np.where(total > 0, out["projected_end_poor"] / np.where(total > 0, total, 1), np.nan)
    out["target"] = c["target"].astype(float).to_numpy()
    out["gap_before"] = out["target"].clip(lower=0)
    out["remaining_gap"] = (out["target"] - out["projected_escapes"]).clip(lower=0)
    out["cost_per_escape"] = np.where(out["projected_escapes"] > 1e-9,
                                      out["amount"] / out["projected_escapes"].where(out["projected_escapes"] > 1e-9, 1),
                                      np.nan)

    by_line = per.groupby("line", sort=False).agg(
        amount=("amount", "sum"), households_reached=("reach", "sum"),
        projected_escapes=("escapes", "sum")).reindex(baseline.plan["line"]).fillna(0.0).reset_index()

    allocated = float(alloc["amount"].sum())
    escapes = float(out["projected_escapes"].sum())
    start_poor = float(out["start_poor"].sum())
    households = float(c["total"].sum())
    end_poor = start_poor - escapes
    return Projection(
        by_commune=out, by_line=by_line, allocated_total=allocated,
        district_amount=float(alloc.loc[~alloc["commune"].isin(c["code"]), "amount"].sum()),
        households_reached=float(out["households_reached"].sum()), projected_escapes=escapes,
        start_poor=start_poor, projected_end_poor=end_poor,
        projected_rate=end_poor / households if households > 0 else None,
        remaining_gap=float(out["remaining_gap"].sum()), gap_before=float(out["gap_before"].sum()),
        cost_per_escape=allocated / escapes if escapes > 1e-9 else None)


def check_constraints(baseline: Baseline, params: dict, allocation: pd.DataFrame,
                      projection: Projection | None = None, lang: str = DEFAULT_LANGUAGE) -> list[dict]:
    """Every constraint with ``name``, ``ok``, ``detail`` (a sentence in ``lang`` naming the
    amount) and ``amount`` (by how much it is violated; 0 when met)."""
    from .i18n import fmt_number

    a = _assumptions(params, baseline)
    projection = projection or project(baseline, params, allocation)
    alloc = allocation.assign(amount=pd.to_numeric(allocation["amount"], errors="coerce").fillna(0.0))
    by_source = alloc.groupby("source")["amount"].sum()
    out = []

    def add(name, excess, key, subject=None, **values):
        ok = excess <= TOLERANCE
        values = {k: fmt_number(v, lang, 1) if isinstance(v, (int, float)) else v for k, v in values.items()}
        # ``name`` (kind:key) is for scripts; ``label`` says the same to a reader.
        title = t(f"{key}_title", lang)
        out.append({"name": name, "label": f"{title}: {subject}" if subject else title,
                    "ok": bool(ok), "amount": 0.0 if ok else round(float(excess), 3),
                    "detail": t(key + ("_ok" if ok else "_bad"), lang,
                                excess=fmt_number(excess, lang, 1), **values)})

    negative = float(-alloc.loc[alloc["amount"] < 0, "amount"].sum())
    add("non_negative", negative, "scenario_c_nonneg")
    for s in baseline.sources:
        env = float(params["envelope"].get(s, 0.0))
        got = float(by_source.get(s, 0.0))
        add(f"envelope:{s}", abs(got - env), "scenario_c_envelope", t(f"scenario_source_{s}", lang),
            source=t(f"scenario_source_{s}", lang),
            allocated=got, envelope=env)
    central = float(by_source.get("central", 0.0))
    for s in ("province", "district"):
        if s not in baseline.sources:
            continue
        share = float(params.get(f"counterpart_{s}_share", 0.0))
        need, got = share * central, float(by_source.get(s, 0.0))
        # Checked on the totals: the plan rounds each line to whole millions, so line by line
        # the ratio wobbles (district 31 against 31,6 on Dự án 7) while the totals hold it.
        add(f"counterpart:{s}", need - got, "scenario_c_counterpart", t(f"scenario_source_{s}", lang),
            source=t(f"scenario_source_{s}", lang),
            allocated=got, required=need, share=fmt_number(share * 100, lang, 1))
    bc = projection.by_commune  # in the order of baseline.communes
    poor = baseline.communes["poor"].to_numpy(float)
    near = baseline.communes["near_poor"].to_numpy(float)
    over = np.maximum(np.maximum(bc["reached_poor"].to_numpy() - poor, bc["reached_near_poor"].to_numpy() - near), 0)
    for code, name, reach, excess, capacity in zip(bc["code"], bc["name"], bc["households_reached"], over,
                                                   poor + near):
        add(f"absorb:{code}", float(excess), "scenario_c_absorb", name, commune=name, reach=float(reach),
            capacity=float(capacity))
    for line, minimum in (params.get("minimums") or {}).items():
        got = float(alloc.loc[alloc["line"] == line, "amount"].sum())
        add(f"minimum:{line}", float(minimum) - got, "scenario_c_minimum", line, line=line,
            allocated=got, minimum=float(minimum))
    reach_lines = set(a.index[a["group"] != "none"])
    stray = float(alloc.loc[alloc["line"].isin(reach_lines)
                            & ~alloc["commune"].astype(str).isin(baseline.communes["code"]), "amount"].sum())
    add("placed", stray, "scenario_c_placed")
    return out


# -- one scenario, end to end ----------------------------------------------------------------

@dataclass(frozen=True)
class ScenarioResult:
    """A computed scenario: its strategy, params, allocation, projection and constraint checks."""
    year: int
    strategy: str
    params: dict
    allocation: pd.DataFrame
    projection: Projection
    constraints: list[dict] = field(default_factory=list)
    baseline: Baseline | None = None

    @property
    def ok(self) -> bool:
        """True when every constraint is met."""
        return all(c["ok"] for c in self.constraints)

    def to_json(self) -> dict:
        """The ``scenario --json`` contract: strategy, envelope, allocated_total, allocations[],
        projected_escapes, projected_end_poor, projected_rate, remaining_gap, by_commune[],
        constraints[] (plus year, households_reached, cost_per_escape, by_line[])."""
        p = self.projection
        envelope = dict(self.params["envelope"])
        return {
            "year": self.year, "strategy": self.strategy,
            "envelope": {**{k: _num(v) for k, v in envelope.items()}, "total": _num(sum(envelope.values()))},
            "allocated_total": _num(p.allocated_total),
            "allocations": [{"line": r.line, "source": r.source, "commune": str(r.commune),
                             "amount": _num(r.amount)}
                            for r in self.allocation.itertuples() if abs(r.amount) > 1e-9],
            "households_reached": _num(p.households_reached),
            "projected_escapes": _num(p.projected_escapes),
            "start_poor": _num(p.start_poor),
            "projected_end_poor": _num(p.projected_end_poor),
            "projected_rate": None if p.projected_rate is None else round(p.projected_rate, 6),
            "remaining_gap": _num(p.remaining_gap),
            "cost_per_escape": None if p.cost_per_escape is None else _num(p.cost_per_escape),
            "by_commune": _records(p.by_commune),
            "by_line": _records(p.by_line),
            "constraints": [{k: c[k] for k in ("name", "ok", "detail", "amount")} for c in self.constraints],
        }


def _num(v) -> float:
    return round(float(v), 3)


def _records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and math.isnan(v) else
                        round(float(v), 6) if isinstance(v, (float, np.floating)) else
                        v.item() if hasattr(v, "item") else v) for k, v in row.items()})
    return out


def evaluate(baseline: Baseline, params: dict, strategy: str, allocation: pd.DataFrame | None = None,
             lang: str = DEFAULT_LANGUAGE) -> ScenarioResult:
    """Allocate by ``strategy`` (or take ``allocation`` as given, e.g. edited by hand), project
    and check: the :class:`ScenarioResult`."""
    if allocation is None:
        allocation = allocate(baseline, params, strategy)
    allocation = allocation[["line", "source", "commune", "amount"]].reset_index(drop=True)
    projection = project(baseline, params, allocation)
    return ScenarioResult(year=baseline.year, strategy=strategy, params=params, allocation=allocation,
                          projection=projection,
                          constraints=check_constraints(baseline, params, allocation, projection, lang),
                          baseline=baseline)


def run(db: Database, year: int, strategy: str, params: dict | None = None,
        lang: str = DEFAULT_LANGUAGE) -> ScenarioResult:
    """A strategy's scenario for ``year`` with the default (or given) params."""
    baseline = load_baseline(db, year)
    return evaluate(baseline, params or default_params(db, baseline), strategy, lang=lang)


def distance_from_optimiser(baseline: Baseline, params: dict) -> pd.DataFrame:
    """How far each strategy falls short of the optimiser under the same params: one row per
    strategy (the optimiser last) with strategy, projected_escapes, escapes_short (the
    optimiser's escapes minus the strategy's), remaining_gap and gap_above (the strategy's
    remaining gap minus the optimiser's)."""
    results = {s: evaluate(baseline, params, s).projection for s in STRATEGIES}
    best = results["optimise"]
    return pd.DataFrame([{"strategy": s, "projected_escapes": p.projected_escapes,
                          "escapes_short": best.projected_escapes - p.projected_escapes,
                          "remaining_gap": p.remaining_gap, "gap_above": p.remaining_gap - best.remaining_gap}
                         for s, p in results.items()])


# -- saved scenarios ---------------------------------------------------------------------------

# Saving, copying and deleting are checked here, not only on the page, so no caller skips them.
SAVE_PERMISSION = "save_scenarios"


def save_scenario(db: Database, scope: Scope, name: str, result: ScenarioResult) -> int:
    """Store a scenario (its params, strategy and allocation) in the ``scenario`` table under the
    scope's username as author; its id. PermissionDenied unless ``scope`` may save scenarios."""
    scope.require(SAVE_PERMISSION)
    if not name or not name.strip():
        raise ScenarioError(t("scenario_err_name", DEFAULT_LANGUAGE))
    payload = {"strategy": result.strategy, **result.params,
               "allocation": result.allocation.to_dict(orient="records"),
               "violations": sum(not c["ok"] for c in result.constraints)}  # marked when saved anyway
    with db.transaction(changes_data=False) as cur:
        return int(cur.execute(
            "INSERT INTO scenario (name, author, created_at, year, params) "
            "VALUES (?, ?, current_timestamp, ?, ?) RETURNING id",
            [name.strip(), scope.username or "planner", result.year, json.dumps(payload, ensure_ascii=False)],
        ).fetchone()[0])


def list_scenarios(db: Database, year: int | None = None) -> pd.DataFrame:
    """Saved scenarios, newest first: id, name, author, created_at, year, strategy, violations (the
    constraints it broke when saved; 0 for one saved before this was recorded)."""
    frame = db.frame(
        "SELECT id, name, author, created_at, year, json_extract_string(params, '$.strategy') AS strategy, "
        "coalesce(TRY_CAST(json_extract_string(params, '$.violations') AS INTEGER), 0) AS violations "
        "FROM scenario WHERE ? IS NULL OR year = ? ORDER BY created_at DESC, id DESC", [year, year])
    return frame


def open_scenario(db: Database, scenario_id: int, lang: str = DEFAULT_LANGUAGE) -> tuple[dict, ScenarioResult]:
    """A saved scenario: its row (id, name, author, created_at, year) and the result recomputed
    from its stored params and allocation against the current data."""
    rows = db.query("SELECT id, name, author, created_at, year, params FROM scenario WHERE id = ?", [scenario_id])
    if not rows:
        raise ScenarioError(t("scenario_err_missing", DEFAULT_LANGUAGE, id=scenario_id))
    sid, name, author, created_at, year, raw = rows[0]
    payload = json.loads(raw)
    strategy = payload.pop("strategy", MANUAL)
    payload.pop("violations", None)  # recomputed against the current data
    allocation = pd.DataFrame(payload.pop("allocation", []), columns=["line", "source", "commune", "amount"])
    baseline = load_baseline(db, year)
    result = evaluate(baseline, payload, strategy, allocation if not allocation.empty else None, lang)
    return {"id": sid, "name": name, "author": author, "created_at": created_at, "year": year}, result


def duplicate_scenario(db: Database, scope: Scope, scenario_id: int, name: str) -> int:
    """Copy a saved scenario under a new name, the scope's username as its author; the new id.
    PermissionDenied unless ``scope`` may save scenarios."""
    scope.require(SAVE_PERMISSION)
    rows = db.query("SELECT year, params FROM scenario WHERE id = ?", [scenario_id])
    if not rows:
        raise ScenarioError(t("scenario_err_missing", DEFAULT_LANGUAGE, id=scenario_id))
    if not name or not name.strip():
        raise ScenarioError(t("scenario_err_name", DEFAULT_LANGUAGE))
    with db.transaction(changes_data=False) as cur:
        return int(cur.execute(
            "INSERT INTO scenario (name, author, created_at, year, params) "
            "VALUES (?, ?, current_timestamp, ?, ?) RETURNING id",
            [name.strip(), scope.username or "planner", rows[0][0], rows[0][1]]).fetchone()[0])


def delete_scenario(db: Database, scope: Scope, scenario_id: int) -> bool:
    """Delete a saved scenario; True if it existed. PermissionDenied unless ``scope`` may save
    scenarios."""
    scope.require(SAVE_PERMISSION)
    with db.transaction(changes_data=False) as cur:
        found = cur.execute("SELECT count(*) FROM scenario WHERE id = ?", [scenario_id]).fetchone()[0]
        cur.execute("DELETE FROM scenario WHERE id = ?", [scenario_id])
    return bool(found)


def compare(results: dict[str, ScenarioResult]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Side by side: the totals (one row per scenario: name, strategy, allocated_total,
    households_reached, projected_escapes, projected_end_poor, projected_rate, remaining_gap,
    cost_per_escape, violations) and the remaining gap by commune (one column per scenario)."""
    totals, gaps = [], None
    for name, r in results.items():
        p = r.projection
        totals.append({"name": name, "strategy": r.strategy, "allocated_total": p.allocated_total,
                       "households_reached": p.households_reached,
                       "projected_escapes": p.projected_escapes, "projected_end_poor": p.projected_end_poor,
                       "projected_rate": p.projected_rate, "remaining_gap": p.remaining_gap,
                       "cost_per_escape": p.cost_per_escape,
                       "violations": sum(not c["ok"] for c in r.constraints)})
        g = p.by_commune[["code", "name", "gap_before", "remaining_gap"]].rename(columns={"remaining_gap": name})
        gaps = g if gaps is None else gaps.merge(g[["code", name]], on="code")
    return pd.DataFrame(totals), gaps if gaps is not None else pd.DataFrame()


# -- export ------------------------------------------------------------------------------------

def to_excel(result: ScenarioResult, name: str = "", lang: str = DEFAULT_LANGUAGE) -> bytes:
    """An Excel workbook of the scenario: summary, allocation, by commune, by line, assumptions
    and constraints (one sheet each); the file's bytes."""
    p = result.projection
    summary = pd.DataFrame([
        (t("scenario_name", lang), name),
        (t("scenario_strategy", lang), t(f"scenario_strategy_{result.strategy}", lang)),
        (t("year", lang), result.year),
        (t("scenario_envelope", lang), sum(result.params["envelope"].values())),
        (t("scenario_allocated", lang), p.allocated_total),
        (t("scenario_households_reached", lang), p.households_reached),
        (t("scenario_escapes", lang), p.projected_escapes),
        (t("scenario_start_poor", lang), p.start_poor),
        (t("scenario_end_poor", lang), p.projected_end_poor),
        (t("scenario_end_rate", lang), p.projected_rate),
        (t("scenario_remaining_gap", lang), p.remaining_gap),
        (t("scenario_cost_per_escape", lang), p.cost_per_escape),
        (t("scenario_disclaimer_short", lang), ""),
    ], columns=[t("scenario_item", lang), t("scenario_value", lang)])
    communes = {}
    if result.baseline is not None:
        communes = {**dict(zip(result.baseline.communes["code"].astype(str), result.baseline.communes["name"])),
                    str(result.baseline.district_code): t("scenario_district_level", lang)}
    allocation = result.allocation.assign(
        source=result.allocation["source"].map(lambda s_: t(f"scenario_source_{s_}", lang)),
        commune=result.allocation["commune"].astype(str).map(lambda c: communes.get(c, c)))
    assumptions = pd.DataFrame(result.params["assumptions"])
    assumptions = assumptions.assign(group=assumptions["group"].map(lambda g: t(f"scenario_group_{g}", lang)),
                                     escape_share=pd.to_numeric(assumptions["escape_share"]) * 100)
    constraints = pd.DataFrame(result.constraints)
    constraints = constraints.assign(ok=constraints["ok"].map(lambda ok: t("scenario_ok" if ok else "scenario_not_ok", lang)))
    sheets = {
        "summary": summary.assign(**{summary.columns[1]: summary.iloc[:, 1].map(
            lambda v: round(v, 4 if isinstance(v, float) and abs(v) < 1 else 1) if isinstance(v, float) else v)}),
        "allocation": _labelled(allocation, EXPORT_COLUMNS["allocation"], lang),
        "by_commune": _labelled(p.by_commune, EXPORT_COLUMNS["by_commune"], lang),
        "by_line": _labelled(p.by_line, EXPORT_COLUMNS["by_line"], lang),
        "assumptions": _labelled(assumptions, EXPORT_COLUMNS["assumptions"], lang),
        "constraints": _labelled(constraints, EXPORT_COLUMNS["constraints"], lang),
    }
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter") as xw:
        for key, frame in sheets.items():
            sheet = t(f"scenario_sheet_{key}", lang)[:31]
            frame.to_excel(xw, sheet_name=sheet, index=False)
            xw.sheets[sheet].set_column(0, max(len(frame.columns) - 1, 0), 22)
    return buf.getvalue()


# Each sheet's columns: (column, label, decimals; None for text).
EXPORT_COLUMNS = {
    "allocation": [("line", "scenario_line", None), ("source", "scenario_source", None),
                   ("commune", "scenario_commune", None), ("amount", "scenario_amount", 1)],
    "by_commune": [("name", "scenario_commune", None), ("amount", "scenario_amount", 1),
                   ("reached_poor", "scenario_reached_poor", 1),
                   ("reached_near_poor", "scenario_reached_near_poor", 1),
                   ("households_reached", "scenario_households_reached", 1),
                   ("projected_escapes", "scenario_escapes", 1), ("start_poor", "scenario_start_poor", 0),
                   ("projected_end_poor", "scenario_end_poor", 1), ("projected_rate", "scenario_end_rate_pct", "%"),
                   ("gap_before", "scenario_gap_before", 0), ("remaining_gap", "scenario_remaining_gap", 1),
                   ("cost_per_escape", "scenario_cost_per_escape", 1)],
    "by_line": [("line", "scenario_line", None), ("amount", "scenario_amount", 1),
                ("households_reached", "scenario_households_reached", 1), ("projected_escapes", "scenario_escapes", 1)],
    "assumptions": [("line", "scenario_line", None), ("unit_cost_mvnd", "scenario_unit_cost", 1),
                    ("group", "scenario_group", None), ("escape_share", "scenario_escape_share_pct", 1),
                    ("source", "scenario_assumption_source", None)],
    "constraints": [("label", "scenario_constraint", None), ("ok", "scenario_constraint_ok", None),
                    ("detail", "scenario_constraint_detail", None)],
}


def _labelled(frame: pd.DataFrame, columns: list, lang: str) -> pd.DataFrame:
    """``columns`` of ``frame`` under their labels, numbers rounded (a rate as a percentage)."""
    out = {}
    for column, label, decimals in columns:
        if column not in frame:
            continue
        values = frame[column]
        if decimals == "%":
            values = (pd.to_numeric(values, errors="coerce") * 100).round(2)
        elif decimals is not None:
            values = pd.to_numeric(values, errors="coerce").round(decimals)
        out[t(label, lang)] = values.tolist()
    return pd.DataFrame(out)


def export_file_name(name: str, year: int) -> str:
    """The exported workbook's file name with the scenario's name in it: 'kich-ban-2024-Tối ưu.xlsx'
    (characters a file system refuses replaced)."""
    import re
    import unicodedata
    clean = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", unicodedata.normalize("NFC", str(name or "")).strip())
    clean = re.sub(r"\s+", " ", clean).strip(" .-")[:80]
    return f"kich-ban-{year}-{clean}.xlsx" if clean else f"kich-ban-{year}.xlsx"


def created_label(created_at) -> str:
    """A saved scenario's time as 'YYYY-MM-DD HH:MM'."""
    if isinstance(created_at, datetime):
        return created_at.strftime("%Y-%m-%d %H:%M")
    return str(created_at)[:16]
