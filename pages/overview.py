"""Tổng quan: the year's headline cards, the trend, communes by target gap, budget by line."""

import streamlit as st

from analytics import budget, charts, filters, takeaways
from analytics.i18n import fmt_money, fmt_number, fmt_percent

from dashboard import base, display, landing, reads, report_buttons, view

settings = view.dashboard_page("overview", home_only=True)
lang, year, measure = settings["lang"], settings["year"], settings["measure"]
overview = landing.overview_reads(settings)
filtered, now, before = overview.filtered, overview.now, overview.before
district, execution = overview.district, overview.execution


commune_name = reads.commune_names(settings["units"]).get(str(settings["commune"])) if settings["commune"] else None


def card(key: str, district_only: bool = False) -> str:
    """A card's label saying what it covers once the view is narrowed: the chosen commune's
    figure, or the home area's (a figure no commune has), named."""
    if district_only and filtered:
        home = reads.home_info()
        scope = home["name"] if home else base.tr("dash_scope_area")
        return base.tr("dash_card_scope", label=base.tr(key), scope=scope)
    if commune_name:
        return base.tr("dash_card_scope", label=base.tr(key), scope=charts.short_commune(commune_name))
    return base.tr(key)


def counted(key: str) -> str:
    """The label key of a count in the measure chosen (households or persons)."""
    return charts.counted_key(key, measure)


def change(key: str):
    """Now minus the start of the year, where both are known."""
    if before is None or now.get(key) is None or before.get(key) is None:
        return None
    return now[key] - before[key]


def headline() -> None:
    with display.headline_container():
        st.subheader(base.tr("headline_year", year=year) + (f" · {base.tr('dash_filtered')}" if filtered else ""))
        home = reads.home_info()
        st.caption(base.tr("home_area_caption", name=home["name"])
                   + ("" if home["chosen"] else " " + base.tr("home_area_default"))
                   if home else base.tr("home_area_none"))
        display.standard_caption(year, overview.home)
        cols = st.columns(5, border=True)
        reduction = district.loc["poor_reduction"] if "poor_reduction" in district.index else None
        delta = change("poor")
        target_text = (base.tr("dash_target_text", target=fmt_number(reduction["target"], lang))
                       if reduction is not None and not filtered else "")
        start = fmt_number(before["poor"], lang) if before else "–"
        cols[0].metric(card(counted("poor_households")), fmt_number(now["poor"], lang),
                       delta=None if delta is None else fmt_number(delta, lang), delta_color="inverse",
                       delta_description=base.tr("dash_since_start") if delta is not None else None,
                       help=base.tr("dash_persons_help", start=start) if measure == "persons" else
                       base.tr("dash_poor_help", start=start,
                               target=target_text, rural=now.get("poor_rural", "–"),
                               urban=now.get("poor_urban", "–"), em=now.get("poor_ethnic_minority", "–")))
        # The rate target counts households: compared in households only.
        rate_target = (district.loc["poor_rate"]["target"]
                       if "poor_rate" in district.index and measure == "households" else None)
        has_rate = rate_target is not None and now["poor_rate"] is not None
        cols[1].metric(card(counted("poor_rate")), fmt_percent(now["poor_rate"], lang),
                       delta=fmt_percent(now["poor_rate"] - rate_target, lang) if has_rate else None,
                       delta_color="inverse", delta_description=base.tr("dash_vs_target") if has_rate else None,
                       help=(base.tr("dash_vs_rate_target", target=fmt_percent(rate_target, lang))
                             if rate_target is not None else
                             base.tr("dash_persons_rate_help") if measure == "persons" else None))
        # The district's own target, with its status by the same rule as the targets page's.
        em = district.loc["poor_ethnic_minority_reduction"] if "poor_ethnic_minority_reduction" in district.index else None
        em_status = em["status"] if em is not None and isinstance(em["status"], str) else None
        cols[2].metric(card("dash_em_short", district_only=True),
                       f"{fmt_number(em['achieved'], lang)} / {fmt_number(em['target'], lang)}" if em is not None else "–",
                       delta=(base.tr("dash_district_target_status", status=base.tr(f"charts_target_{em_status}"))
                              if em_status else None),
                       delta_color="normal" if em_status in ("achieved", "on_track") else "inverse",
                       delta_arrow="off", help=base.tr("dash_em_reduction_help"))
        near_delta = change("near_poor")
        near_rate = fmt_percent(now["near_poor_rate"], lang) if now.get("near_poor_rate") is not None else None
        cols[3].metric(card(counted("near_poor_households")),
                       fmt_number(now["near_poor"], lang) + (f" ({near_rate})" if near_rate else ""),
                       delta=None if near_delta is None else fmt_number(near_delta, lang), delta_color="inverse",
                       delta_description=base.tr("dash_since_start") if near_delta is not None else None,
                       help=f"{base.tr(counted('near_poor_rate'))}: {near_rate or '–'}")
        if execution is not None and not execution.empty:
            total = budget.totals(execution)
            as_of = takeaways.fmt_date(total["as_of"], lang)
            cols[4].metric(card("dash_disbursed_mvnd", district_only=True), fmt_number(total["disbursed"], lang),
                           delta=fmt_percent(total["rate"], lang, 1), delta_arrow="off",
                           delta_color="off", delta_description=base.tr("dash_by_date", date=as_of),
                           help=base.tr("dash_budget_help", plan=fmt_money(total["plan"], lang), date=as_of))
        else:
            # Say where the plan is when this year has none.
            years = overview.plan_years or []
            cols[4].metric(card("dash_disbursed_mvnd", district_only=True), "–",
                           delta=base.tr("dash_plan_in_years", years=", ".join(map(str, years))) if years else None,
                           delta_arrow="off", delta_color="off", help=base.tr("no_budget"))
        if overview.persons_unknown:  # said, rather than counted as 0
            st.caption(base.tr("dash_persons_unknown", communes=", ".join(overview.persons_unknown)))


items = [display.Block("headline", headline)]

trend = overview.trend
if trend is not None:
    trend = filters.ethnic_group(filters.in_measure(trend, measure), settings["ethnic"])
    items.append([display.Chart("trend", display.figure(charts.trend_chart, trend, lang, measure), trend,
                                takeaways.trend(trend, lang, year, measure))])
else:
    items.append([])
if overview.gaps is not None and overview.communes_now is not None:
    shown = filters.communes(overview.communes_now, area=settings["area"], commune=settings["commune"])
    commune_gaps = filters.commune_rows(overview.gaps, shown["code"].tolist())
    items[-1].append(display.Chart("target_gaps", display.figure(charts.target_gap_chart, commune_gaps, lang),
                                   commune_gaps, takeaways.target_gaps(commune_gaps, lang)))
if execution is not None:
    items.append(display.Chart("budget_lines", display.figure(charts.budget_lines_chart, execution, lang), execution,
                               takeaways.budget(execution, lang)))

display.show(items, settings)
if not settings["meeting"]:
    report_buttons.report_buttons(settings, within_units=overview.home)  # the figures on screen
