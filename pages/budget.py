"""Ngân sách: plan against disbursement by line, source and agency; the cumulative curve against
the linear pace; lines behind pace highlighted."""

import streamlit as st

import ui
from analytics import budget, charts, takeaways
from analytics.i18n import fmt_number, fmt_percent

settings = ui.dashboard_page("budget")
lang, year = settings["lang"], settings["year"]

curve = ui.fetch("budget.cumulative_curve", year)
dates = sorted(curve["as_of"].dropna().unique().tolist()) if curve is not None and not curve.empty else []
as_of = None
if dates and not settings["meeting"]:
    chosen = st.select_slider(ui.tr("dash_as_of"), options=dates, value=dates[-1],
                              format_func=lambda d: takeaways.fmt_date(d, lang), key="budget_as_of")
    # The latest report is the default date: the same cached figures the overview reads.
    as_of = None if chosen == dates[-1] else chosen
execution = ui.fetch("budget.execution", year, as_of=as_of)
by_source = ui.fetch("budget.execution_by_source", year, as_of=as_of)
by_agency = ui.fetch("budget.execution_by_agency", year, as_of=as_of)
if execution is None:
    st.stop()
if execution.empty:
    st.info(ui.tr("no_budget"), icon=":material/account_balance:")
    st.stop()


def headline() -> None:
    with ui.headline_container():
        total = budget.totals(execution)
        cols = st.columns(4, border=True)
        cols[0].metric(ui.tr("dash_plan_mvnd"), fmt_number(total["plan"], lang))
        cols[1].metric(ui.tr("dash_disbursed_mvnd"), fmt_number(total["disbursed"], lang),
                       delta_description=ui.tr("dash_by_date", date=takeaways.fmt_date(total["as_of"], lang)))
        rate, pace = total["rate"], total["pace"]
        cols[2].metric(ui.tr("dash_disbursement_rate"), fmt_percent(rate, lang, 1),
                       delta=fmt_percent(rate - pace, lang, 1) if rate is not None and pace is not None else None,
                       delta_description=ui.tr("dash_vs_pace", pace=fmt_percent(pace, lang, 1)) if pace is not None else None)
        cols[3].metric(ui.tr("dash_lines_behind"), f"{total['behind']} / {total['lines']}",
                       help=ui.tr("dash_lines_behind_help"))


def line_table() -> None:
    st.subheader(ui.tr("dash_lines_table"))
    name = "name_vi" if lang == "vi" else "name_en"
    st.dataframe(charts.table(execution.rename(columns={name: "line_name"}), [
        ("line_name", "project_line", "text"), ("agency", "agency", "text"),
        ("plan", "charts_plan", "number"), ("disbursed", "charts_disbursed", "number"),
        ("rate", "dash_rate", "percent"), ("behind_pace", "dash_flag_behind_pace", "flag")], lang),
        hide_index=True)


ui.show([
    ui.Block("headline", headline),
    ui.Chart("budget_lines", ui.figure("budget_lines_chart", execution, lang), execution,
             takeaways.budget(execution, lang)),
    ui.Chart("budget_cumulative", ui.figure("cumulative_chart", curve, lang), curve, takeaways.cumulative(curve, lang))
    if curve is not None else None,
    [ui.Chart("budget_by_source", ui.figure("budget_group_chart", by_source, "source", lang), by_source)
     if by_source is not None else None,
     ui.Chart("budget_by_agency", ui.figure("budget_group_chart", by_agency, "agency", lang), by_agency)
     if by_agency is not None else None],
    ui.Block("budget_table", line_table, in_meeting=False),
], settings)
