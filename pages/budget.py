"""Ngân sách: plan against disbursement by line, source and agency; the cumulative curve against
the linear pace; lines behind pace highlighted."""

import streamlit as st

from analytics import budget, charts, takeaways
from analytics.i18n import fmt_number, fmt_percent

from dashboard import base, display, reads, view

settings = view.dashboard_page("budget")
lang, year = settings["lang"], settings["year"]

curve = reads.cumulative_curve(year)
dates = sorted(curve["as_of"].dropna().unique().tolist()) if curve is not None and not curve.empty else []
as_of = None
if dates and not settings["meeting"]:
    chosen = st.select_slider(base.tr("dash_as_of"), options=dates, value=dates[-1],
                              format_func=lambda d: takeaways.fmt_date(d, lang), key="budget_as_of")
    # The latest report is the default date: the same cached figures the overview reads.
    as_of = None if chosen == dates[-1] else chosen
execution = reads.execution(year, as_of=as_of)
by_source = reads.execution_by_source(year, as_of=as_of)
by_agency = reads.execution_by_agency(year, as_of=as_of)
by_capital = reads.execution_by_capital_type(year, as_of=as_of)
if execution is None:
    st.stop()
if execution.empty:
    st.info(base.tr("no_budget"), icon=":material/account_balance:")
    st.stop()


def headline() -> None:
    with display.headline_container():
        total = budget.totals(execution)
        cols = st.columns(4, border=True)
        cols[0].metric(base.tr("dash_plan_mvnd"), fmt_number(total["plan"], lang))
        cols[1].metric(base.tr("dash_disbursed_mvnd"), fmt_number(total["disbursed"], lang),
                       delta_description=base.tr("dash_by_date", date=takeaways.fmt_date(total["as_of"], lang)))
        rate, pace = total["rate"], total["pace"]
        cols[2].metric(base.tr("dash_disbursement_rate"), fmt_percent(rate, lang, 1),
                       delta=fmt_percent(rate - pace, lang, 1) if rate is not None and pace is not None else None,
                       delta_description=base.tr("dash_vs_pace", pace=fmt_percent(pace, lang, 1)) if pace is not None else None)
        cols[3].metric(base.tr("dash_lines_behind"), f"{total['behind']} / {total['lines']}",
                       help=base.tr("dash_lines_behind_help"))


def line_table() -> None:
    st.subheader(base.tr("dash_lines_table"))
    name = "name_vi" if lang == "vi" else "name_en"
    st.dataframe(charts.table(execution.rename(columns={name: "line_name"}), [
        ("line_name", "project_line", "text"), ("agency", "agency", "text"),
        ("plan", "charts_plan", "number"), ("disbursed", "charts_disbursed", "number"),
        ("rate", "dash_rate", "percent"), ("behind_pace", "dash_flag_behind_pace", "flag")], lang),
        hide_index=True)
    if by_capital is not None and by_capital["capital_type"].notna().any():
        st.subheader(base.tr("budget_by_capital"))
        named = by_capital.assign(capital_type=[base.tr(f"capital_{c}" if isinstance(c, str) else "capital_unknown")
                                                for c in by_capital["capital_type"]])
        st.dataframe(charts.table(named, [
            ("capital_type", "capital_type", "text"), ("plan", "charts_plan", "number"),
            ("disbursed", "charts_disbursed", "number"), ("rate", "dash_rate", "percent")], lang),
            hide_index=True)


display.show([
    display.Block("headline", headline),
    display.Chart("budget_lines", display.figure(charts.budget_lines_chart, execution, lang), execution,
                  takeaways.budget(execution, lang)),
    display.Chart("budget_cumulative", display.figure(charts.cumulative_chart, curve, lang), curve,
                  takeaways.cumulative(curve, lang))
    if curve is not None else None,
    [display.Chart("budget_by_source", display.figure(charts.budget_group_chart, by_source, "source", lang),
                   by_source)
     if by_source is not None else None,
     display.Chart("budget_by_agency", display.figure(charts.budget_group_chart, by_agency, "agency", lang),
                   by_agency)
     if by_agency is not None else None],
    display.Block("budget_table", line_table, in_meeting=False),
], settings)
