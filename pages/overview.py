"""Tổng quan: the year's headline figures, communes and budget lines."""

import streamlit as st

import ui
from analytics.i18n import fmt_money, fmt_number, fmt_percent

settings = ui.sidebar()
lang, year = settings["lang"], settings["year"]
st.title(ui.tr("page_overview"))
ui.illustrative_notice(settings["version"])

if year is None:
    st.warning(ui.tr("empty_database"), icon=":material/database:")
    st.stop()

data = ui.cached_summary(year, settings["version"])
h = data["households"]
st.subheader(ui.tr("headline_year", year=year))
cols = st.columns(4)
cols[0].metric(ui.tr("poor_households"), fmt_number(h["poor"], lang),
               help=ui.tr("poor_breakdown", rural=h["poor_rural"], urban=h["poor_urban"],
                          em=h["poor_ethnic_minority"]))
cols[1].metric(ui.tr("poor_rate"), fmt_percent(h["poor_rate"], lang))
cols[2].metric(ui.tr("near_poor_households"), fmt_number(h["near_poor"], lang),
               help=ui.tr("poor_breakdown", rural=h["near_poor_rural"], urban=h["near_poor_urban"],
                          em=h["near_poor_ethnic_minority"]))
cols[3].metric(ui.tr("near_poor_rate"), fmt_percent(h["near_poor_rate"], lang))

st.subheader(ui.tr("by_commune"))
communes = [
    {ui.tr("commune"): c["name"], ui.tr("total_households"): fmt_number(c["total"], lang),
     ui.tr("poor_households"): c["poor"], ui.tr("poor_rate"): fmt_percent(c["poor_rate"], lang),
     ui.tr("near_poor_households"): c["near_poor"]}
    for c in data["communes"]
]
st.dataframe(communes, hide_index=True)

budget = data["budget"]
st.subheader(ui.tr("budget_plan"))
if budget["lines"]:
    st.metric(ui.tr("budget_total"), fmt_money(budget["plan_total"], lang))
    st.dataframe(
        [{ui.tr("project_line"): line["name_vi"] if lang == "vi" else line["project"],
          ui.tr("agency"): line["agency"],
          "NSTW": fmt_number(line["central"], lang), ui.tr("province"): fmt_number(line["province"], lang),
          ui.tr("district"): fmt_number(line["district"], lang), ui.tr("total"): fmt_number(line["total"], lang)}
         for line in budget["lines"]],
        hide_index=True)
else:
    st.caption(ui.tr("no_budget"))
