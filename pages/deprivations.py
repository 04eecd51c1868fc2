"""Thiếu hụt: commune × indicator heat map, H / A / M0 with each dimension's contribution, and
the policy that answers each gap."""

import streamlit as st

import ui
from analytics import charts, filters, takeaways
from analytics.i18n import fmt_number, fmt_percent

settings = ui.dashboard_page("deprivations", follows_ethnic_group=False)
lang, year = settings["lang"], settings["year"]
units = settings["analytics_units"]
commune = settings["commune"]

table = ui.fetch("deprivations.deprivation_table", year, units=units)
communes = ui.fetch("poverty.commune_table", year, units=units)
af = ui.fetch("deprivations.alkire_foster", year, commune_code=commune, units=units if commune else None)
overall = ui.fetch("deprivations.district_table", year) if commune is None else None
if table is None or communes is None:
    st.stop()
shown = filters.communes(communes, area=settings["area"], commune=commune)
table = table[table["commune_code"].astype(str).isin(shown["code"].astype(str))]
if table.empty:
    st.info(ui.tr("no_data"), icon=":material/grid_on:")
    st.stop()
group = "poor"
if not settings["meeting"]:
    labels = {g: ui.tr(f"charts_status_{g}") for g in ("poor", "near_poor")}
    group = st.segmented_control(ui.tr("dash_group"), list(labels), default="poor", required=True,
                                 key="deprivation_group", format_func=labels.get)
contributions = af.contributions_in(lang) if af is not None else {}
policies = overall if overall is not None else table
scope_name = shown["name"].iloc[0] if commune and len(shown) else ui.tr("dash_whole_area")


def headline() -> None:
    with ui.headline_container():
        st.subheader(ui.tr("dash_af_title", unit=scope_name))
        cols = st.columns(4, border=True)
        if af is None:
            return
        cols[0].metric(ui.tr("dash_af_h_short"), fmt_percent(af.H, lang), help=ui.tr("dash_af_h_help"))
        cols[1].metric(ui.tr("dash_af_a_short"), fmt_percent(af.A, lang, 1), help=ui.tr("dash_af_a_help"))
        cols[2].metric(ui.tr("dash_af_m0_short"), fmt_number(af.M0, lang, 4), help=ui.tr("dash_af_m0_help"))
        cols[3].metric(ui.tr("dash_af_q_short"), f"{fmt_number(af.q, lang)} / {fmt_number(af.n, lang)}",
                       help=ui.tr("dash_af_q_help"))


def policy_table() -> None:
    st.subheader(ui.tr("dash_policy_title"))
    frame = filters.policy_summary(policies, lang)
    st.dataframe(charts.table(frame, [
        ("number", "dash_number", "text"), ("dimension", "dash_dimension", "text"),
        ("name", "dash_indicator", "text"), ("poor_count", "charts_status_poor", "number"),
        ("near_poor_count", "charts_status_near_poor", "number"), ("policy", "dash_policy", "text")],
        lang), hide_index=True)


ui.show([
    ui.Block("headline", headline),
    ui.Chart(f"deprivation_heatmap_{group}", ui.figure("deprivation_heatmap", table, lang, f"{group}_share"), table,
             takeaways.deprivations(table, lang)),
    ui.Chart("af_contributions", ui.figure("contribution_chart", contributions, lang), 
             filters.contribution_frame(contributions),
             takeaways.alkire_foster(af, lang, contributions)),
    ui.Block("policy_table", policy_table),
], settings)
