"""Tổng quan: the year's headline cards, the trend, communes by target gap, budget by line."""

import streamlit as st

import landing
import report_ui
import ui
from analytics import budget, filters, takeaways
from analytics.i18n import fmt_money, fmt_number, fmt_percent

settings = ui.dashboard_page("overview")
lang, year = settings["lang"], settings["year"]
reads = landing.overview_reads(settings)
filtered, now, before, district, execution = reads.filtered, reads.now, reads.before, reads.district, reads.execution


def headline() -> None:
    with ui.headline_container():
        st.subheader(ui.tr("headline_year", year=year) + (f" · {ui.tr('dash_filtered')}" if filtered else ""))
        cols = st.columns(5, border=True)
        reduction = district.loc["poor_reduction"] if "poor_reduction" in district.index else None
        delta = None if before is None else now["poor"] - before["poor"]
        target_text = (ui.tr("dash_target_text", target=fmt_number(reduction["target"], lang))
                       if reduction is not None and not filtered else "")
        cols[0].metric(ui.tr("poor_households"), fmt_number(now["poor"], lang),
                       delta=None if delta is None else fmt_number(delta, lang), delta_color="inverse",
                       delta_description=ui.tr("dash_since_start") if before else None,
                       help=ui.tr("dash_poor_help", start=fmt_number(before["poor"], lang) if before else "–",
                                  target=target_text, rural=now.get("poor_rural", "–"),
                                  urban=now.get("poor_urban", "–"), em=now.get("poor_ethnic_minority", "–")))
        rate_target = district.loc["poor_rate"]["target"] if "poor_rate" in district.index else None
        has_rate = rate_target is not None and now["poor_rate"] is not None
        cols[1].metric(ui.tr("poor_rate"), fmt_percent(now["poor_rate"], lang),
                       delta=fmt_percent(now["poor_rate"] - rate_target, lang) if has_rate else None,
                       delta_color="inverse", delta_description=ui.tr("dash_vs_target") if has_rate else None,
                       help=(ui.tr("dash_vs_rate_target", target=fmt_percent(rate_target, lang))
                             if rate_target is not None else None))
        em = district.loc["poor_ethnic_minority_reduction"] if "poor_ethnic_minority_reduction" in district.index else None
        cols[2].metric(ui.tr("dash_em_short"),
                       f"{fmt_number(em['achieved'], lang)} / {fmt_number(em['target'], lang)}" if em is not None else "–",
                       delta=ui.tr(f"charts_target_{em['status']}") if em is not None and em["status"] else None,
                       delta_color="normal" if em is not None and em["status"] in ("achieved", "on_track") else "inverse",
                       delta_arrow="off", help=ui.tr("dash_em_reduction_help"))
        near_delta = None if before is None else now["near_poor"] - before["near_poor"]
        cols[3].metric(ui.tr("near_poor_households"), fmt_number(now["near_poor"], lang),
                       delta=None if near_delta is None else fmt_number(near_delta, lang), delta_color="inverse",
                       delta_description=ui.tr("dash_since_start") if before else None,
                       help=f"{ui.tr('near_poor_rate')}: {fmt_percent(now['near_poor_rate'], lang)}")
        if execution is not None and not execution.empty:
            total = budget.totals(execution)
            as_of = takeaways.fmt_date(total["as_of"], lang)
            cols[4].metric(ui.tr("dash_disbursed_mvnd"), fmt_number(total["disbursed"], lang),
                           delta=fmt_percent(total["rate"], lang, 1), delta_arrow="off",
                           delta_color="off", delta_description=ui.tr("dash_by_date", date=as_of),
                           help=ui.tr("dash_budget_help", plan=fmt_money(total["plan"], lang), date=as_of))
        else:
            cols[4].metric(ui.tr("dash_disbursed_mvnd"), "–", help=ui.tr("no_budget"))


items = [ui.Block("headline", headline)]

trend = reads.trend
if trend is not None:
    trend = filters.ethnic_group(trend, settings["ethnic"])
    items.append([ui.Chart("trend", ui.figure("trend_chart", trend, lang), trend, takeaways.trend(trend, lang, year))])
else:
    items.append([])
if reads.gaps is not None and reads.communes_now is not None:
    shown = filters.communes(reads.communes_now, area=settings["area"], commune=settings["commune"])
    commune_gaps = filters.commune_rows(reads.gaps, shown["code"].tolist())
    items[-1].append(ui.Chart("target_gaps", ui.figure("target_gap_chart", commune_gaps, lang), commune_gaps,
                              takeaways.target_gaps(commune_gaps, lang)))
if execution is not None:
    items.append(ui.Chart("budget_lines", ui.figure("budget_lines_chart", execution, lang), execution,
                          takeaways.budget(execution, lang)))

ui.show(items, settings)
if not settings["meeting"]:
    report_ui.report_buttons(settings)
