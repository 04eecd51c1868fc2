"""Thiếu hụt: commune × indicator heat map (with the communes whose lists give counts only), H / A
/ M0 with each dimension's contribution, the policy that answers each gap, and households by
cause of poverty."""

import streamlit as st

from analytics import charts, filters, takeaways
from analytics.i18n import fmt_number, fmt_percent

from dashboard import base, display, reads, view

settings = view.dashboard_page("deprivations", follows_ethnic_group=False, households_only=True)
lang, year = settings["lang"], settings["year"]
units = settings["analytics_units"]
commune = settings["commune"]

table = reads.deprivation_table(year, units=units)
communes = reads.commune_table(year, units=units)
af = reads.alkire_foster(year, commune_code=commune, units=units if commune else None)
overall = reads.district_deprivations(year) if commune is None else None
causes = reads.cause_table(year, units=units)
counts_only = reads.count_only_communes(year)
if table is None or communes is None:
    st.stop()
shown = filters.communes(communes, area=settings["area"], commune=commune)
table = table[table["commune_code"].astype(str).isin(shown["code"].astype(str))]
if table.empty:
    st.info(base.tr("no_data"), icon=":material/grid_on:")
    st.stop()
group = "poor"
if not settings["meeting"]:
    labels = {g: base.tr(f"charts_status_{g}") for g in ("poor", "near_poor")}
    group = st.segmented_control(base.tr("dash_group"), list(labels), default="poor", required=True,
                                 key="deprivation_group", format_func=labels.get)
contributions = af.contributions_in(lang) if af is not None else {}
policies = overall if overall is not None else table
scope_name = shown["name"].iloc[0] if commune and len(shown) else base.tr("dash_whole_area")


def headline() -> None:
    with display.headline_container():
        st.subheader(base.tr("dash_af_title", unit=scope_name))
        cols = st.columns(4, border=True)
        if af is None:
            return
        cols[0].metric(base.tr("dash_af_h_short"), fmt_percent(af.H, lang), help=base.tr("dash_af_h_help"))
        cols[1].metric(base.tr("dash_af_a_short"), fmt_percent(af.A, lang, 1), help=base.tr("dash_af_a_help"))
        cols[2].metric(base.tr("dash_af_m0_short"), fmt_number(af.M0, lang, 4), help=base.tr("dash_af_m0_help"))
        cols[3].metric(base.tr("dash_af_q_short"), f"{fmt_number(af.q, lang)} / {fmt_number(af.n, lang)}",
                       help=base.tr("dash_af_q_help"))


def policy_table() -> None:
    st.subheader(base.tr("dash_policy_title"))
    frame = filters.policy_summary(policies, lang)
    st.dataframe(charts.table(frame, [
        ("number", "dash_number", "text"), ("dimension", "dash_dimension", "text"),
        ("name", "dash_indicator", "text"), ("poor_count", "charts_status_poor", "number"),
        ("near_poor_count", "charts_status_near_poor", "number"), ("policy", "dash_policy", "text")],
        lang), hide_index=True)


def counts_only_note() -> None:
    st.info(base.tr("dash_counts_only", communes=", ".join(counts_only["name"].astype(str))),
            icon=":material/info:")


def cause_table() -> None:
    st.subheader(base.tr("dash_causes_title"))
    if causes is None:
        return
    if int(causes["poor"].sum() + causes["near_poor"].sum()) == 0:
        st.caption(base.tr("dash_causes_none"))
        return
    frame = causes.assign(name=causes["name_vi" if lang == "vi" else "name_en"])
    st.dataframe(charts.table(frame, [
        ("name", "dash_cause", "text"), ("poor", "charts_status_poor", "number"),
        ("poor_share", "dash_share_of_poor", "percent"), ("near_poor", "charts_status_near_poor", "number"),
        ("near_poor_share", "dash_share_of_near_poor", "percent")], lang), hide_index=True)


display.show([
    display.Block("headline", headline),
    display.Chart(f"deprivation_heatmap_{group}",
                  display.figure(charts.deprivation_heatmap, table, lang, f"{group}_share"), table,
                  takeaways.deprivations(table, lang)),
    display.Block("heatmap_sources", lambda: display.review_note(filters.from_review(table, "commune_name")),
                  in_meeting=False),
    # Only where some commune's list gives B2 points without ticks.
    display.Block("counts_only", counts_only_note) if counts_only is not None and not counts_only.empty else None,
    display.Chart("af_contributions", display.figure(charts.contribution_chart, contributions, lang),
                  filters.contribution_frame(contributions),
                  takeaways.alkire_foster(af, lang, contributions)),
    display.Block("policy_table", policy_table),
    display.Block("cause_table", cause_table),
], settings)
