"""One-line takeaways computed from the numbers a chart shows, in Vietnamese or English.

Each function takes the same frame as its chart and returns a sentence (or None when there is
nothing to say), e.g. "4 of 13 communes are behind their target; Tân Quan is furthest, 5
households short".
"""

from __future__ import annotations

import pandas as pd

from .budget import totals
from .charts import counted_key, line_name, short_commune
from .i18n import DEFAULT_LANGUAGE, fmt_money, fmt_number, fmt_percent, t


def fmt_date(value, lang: str = DEFAULT_LANGUAGE) -> str:
    """A date as 30/11/2024 (vi) or 30 Nov 2024 (en)."""
    if value is None or value is pd.NaT:
        return "–"
    stamp = pd.Timestamp(value)
    return stamp.strftime("%d/%m/%Y") if lang == "vi" else stamp.strftime("%-d %b %Y")


def trend(frame: pd.DataFrame, lang: str = DEFAULT_LANGUAGE, year: int | None = None,
          counted: str = "households") -> str | None:
    """How poor households (or persons, ``counted``) changed from the year before ``year``
    (default: the last year of ``poverty.trend``) to ``year``; None where a year's figure is
    unknown."""
    if frame is None or frame.empty:
        return None
    if year is not None:
        frame = frame[frame["year"] <= year]
    if len(frame) < 2:
        return None
    prev, last = frame.iloc[-2], frame.iloc[-1]
    if pd.isna(prev["poor"]) or pd.isna(last["poor"]):
        return None
    change = int(last["poor"]) - int(prev["poor"])
    key = "take_trend_down" if change < 0 else "take_trend_up" if change > 0 else "take_trend_flat"
    return t(counted_key(key, counted), lang, y0=int(prev["year"]), y1=int(last["year"]), p0=fmt_number(prev["poor"], lang),
             p1=fmt_number(last["poor"], lang), n=fmt_number(abs(change), lang),
             rate=fmt_percent(last["poor_rate"], lang))


def target_gaps(gaps: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> str | None:
    """How many units are behind their target and which is furthest (``targets.target_gaps``
    rows of one indicator)."""
    if gaps is None or gaps.empty:
        return None
    behind = gaps[gaps["status"] == "behind"]
    at_risk = gaps[gaps["status"] == "at_risk"]
    short = gaps[gaps["gap"] > 0].sort_values(["gap", "org_name"], ascending=[False, True])
    if short.empty:
        return t("take_gaps_none", lang, n=len(gaps))
    worst = short.iloc[0]
    return t("take_gaps", lang, behind=len(behind), n=len(gaps), at_risk=len(at_risk),
             name=short_commune(worst["org_name"]), gap=fmt_number(worst["gap"], lang))


def budget(execution: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> str | None:
    """Disbursed vs plan to the date, and how many lines are behind pace (``budget.execution``)."""
    if execution is None or execution.empty:
        return None
    total = totals(execution)
    behind = execution[execution["behind_pace"].fillna(False).astype(bool)]
    text = t("take_budget", lang, paid=fmt_money(total["disbursed"], lang), plan=fmt_money(total["plan"], lang),
             rate=fmt_percent(total["rate"], lang, 1), date=fmt_date(total["as_of"], lang))
    if not behind.empty:
        worst = behind.sort_values("rate").iloc[0]
        text += "; " + t("take_budget_behind", lang, n=len(behind), total=len(execution),
                         line=line_name(worst.to_dict(), lang), rate=fmt_percent(worst["rate"], lang, 1))
    return text


def cumulative(curve: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> str | None:
    """Where disbursement stands against the linear pace at the last report date."""
    if curve is None or curve.empty:
        return None
    last = curve.dropna(subset=["disbursed"]).iloc[-1]
    diff = float(last["disbursed"]) - float(last["linear_pace"])
    key = "take_cumulative_ahead" if diff >= 0 else "take_cumulative_behind"
    return t(key, lang, date=fmt_date(last["as_of"], lang), paid=fmt_money(last["disbursed"], lang),
             pace=fmt_money(last["linear_pace"], lang), diff=fmt_money(abs(diff), lang))


def communes(frame: pd.DataFrame, lang: str = DEFAULT_LANGUAGE, counted: str = "households") -> str | None:
    """The communes with the highest and the lowest poverty rate (``poverty.commune_table``, in
    households or persons: ``counted``)."""
    if frame is None or frame.empty or frame["poor_rate"].dropna().empty:
        return None
    ranked = frame.dropna(subset=["poor_rate"]).sort_values(["poor_rate", "name"], ascending=[False, True])
    top, bottom = ranked.iloc[0], ranked.iloc[-1]
    share = top["poor"] / frame["poor"].sum() if frame["poor"].sum() else None
    return t(counted_key("take_communes", counted), lang, top=short_commune(top["name"]), top_rate=fmt_percent(top["poor_rate"], lang),
             top_poor=fmt_number(top["poor"], lang), share=fmt_percent(share, lang, 0),
             bottom=short_commune(bottom["name"]), bottom_rate=fmt_percent(bottom["poor_rate"], lang))


def transitions(row: dict, lang: str = DEFAULT_LANGUAGE) -> str | None:
    """The diễn biến in one sentence: start, out, in, end (one row of ``poor_transitions``)."""
    if not row:
        return None
    outs = sum(float(row.get(c) or 0) for c in ("escaped_to_near_poor", "escaped_above_near_poor", "other_decrease"))
    ins = sum(float(row.get(c) or 0) for c in ("near_poor_to_poor", "fallen_back", "newly_poor", "other_increase"))
    return t("take_transitions", lang, start=fmt_number(row.get("start"), lang), out=fmt_number(outs, lang),
             escaped=fmt_number(float(row.get("escaped_to_near_poor") or 0) + float(row.get("escaped_above_near_poor") or 0), lang),
             into=fmt_number(ins, lang), end=fmt_number(row.get("end"), lang),
             net=fmt_number(float(row.get("start") or 0) - float(row.get("end") or 0), lang))


def deprivations(table: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> str | None:
    """The indicator most poor households lack and the policy that answers it."""
    if table is None or table.empty or table["poor_count"].sum() == 0:
        return None
    by_ind = (table.groupby(["number", "name_vi", "name_en", "policy_vi", "policy_en"], as_index=False)
              [["poor_count"]].sum().sort_values(["poor_count", "number"], ascending=[False, True]))
    top = by_ind.iloc[0]
    suffix = "vi" if lang == "vi" else "en"
    return t("take_deprivations", lang, name=top[f"name_{suffix}"], n=fmt_number(top["poor_count"], lang),
             policy=top[f"policy_{suffix}"])


def alkire_foster(af, lang: str = DEFAULT_LANGUAGE, contributions: dict | None = None) -> str | None:
    """H, A and M0 in words, and the dimension contributing most."""
    if af is None or not getattr(af, "H", None):
        return None
    text = t("take_af", lang, H=fmt_percent(af.H, lang), A=fmt_percent(af.A, lang, 1),
             M0=fmt_number(af.M0, lang, 4))
    if contributions:
        dim, share = max(contributions.items(), key=lambda kv: kv[1])
        text += "; " + t("take_af_top", lang, dim=dim, share=fmt_percent(share, lang, 0))
    return text


def split(frame: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> str | None:
    """Reduction achieved against target for each group (``label``, ``target``, ``achieved``)."""
    if frame is None or frame.empty:
        return None
    parts = [t("take_split_part", lang, label=r["label"], achieved=fmt_number(r["achieved"], lang),
               target=fmt_number(r["target"], lang)) for r in frame.to_dict("records")]
    return "; ".join(parts)


def coverage(frame: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> str | None:
    """How many coverage indicators reach their target, and the lowest one."""
    if frame is None or frame.empty:
        return None
    known = frame.dropna(subset=["achieved"])
    if known.empty:
        return t("take_coverage_unknown", lang, n=len(frame))
    reached = known[known["achieved"] >= known["target"]]
    low = known.sort_values("achieved").iloc[0]
    return t("take_coverage", lang, reached=len(reached), n=len(frame), label=low["label"],
             value=fmt_percent(low["achieved"], lang, 1), missing=len(frame) - len(known))
