"""Chỉ tiêu: reduction gaps by commune in status colours, the ethnic-minority / Kinh split,
coverage indicators against 100 %, and the status rule written out."""

import streamlit as st

from analytics import charts, filters, takeaways

from dashboard import base, display, reads, view

settings = view.dashboard_page("targets", follows_ethnic_group=False)
lang, year = settings["lang"], settings["year"]
units = settings["analytics_units"]

gaps = reads.target_gaps(year, units=units)
communes = reads.commune_table(year, units=units)
rule = reads.status_rule(lang=lang)
if gaps is None or communes is None:
    st.stop()
if gaps.empty:
    st.info(base.tr("charts_no_targets"), icon=":material/flag:")
    st.stop()

shown = filters.communes(communes, area=settings["area"], commune=settings["commune"])
commune_gaps = filters.commune_rows(gaps, shown["code"].tolist())
district = filters.district_rows(gaps, communes["code"].tolist())
split = filters.target_split(district, lang)
coverage = filters.coverage_rows(district, lang)


def headline() -> None:
    with display.headline_container():
        counts = commune_gaps["status"].value_counts()
        cols = st.columns(4, border=True)
        for col, status in zip(cols, ("achieved", "on_track", "at_risk", "behind")):
            col.metric(base.tr(f"charts_target_{status}"), int(counts.get(status, 0)),
                       help=base.tr("dash_communes_in_status"))
        if rule:
            st.info(rule, icon=":material/rule:")


def detail_table() -> None:
    st.subheader(base.tr("dash_all_targets"))
    name = "name_vi" if lang == "vi" else "name_en"
    frame = filters.target_texts(gaps, lang).rename(columns={name: "indicator_name"})
    st.dataframe(charts.table(frame, [
        ("org_name", "dash_unit", "text"), ("indicator_name", "dash_indicator", "text"),
        ("target_text", "dash_target_value", "text"), ("achieved_text", "charts_achieved", "text"),
        ("gap_text", "dash_gap", "text"), ("status", "dash_status", "status")], lang), hide_index=True)


display.show([
    display.Block("headline", headline),
    display.Chart("target_gaps", display.figure(charts.target_gap_chart, commune_gaps, lang), commune_gaps,
                  takeaways.target_gaps(commune_gaps, lang)),
    display.Chart("ethnic_split", display.figure(charts.target_vs_achieved, split, lang), split,
                  takeaways.split(split, lang)),
    display.Chart("coverage", display.figure(charts.target_vs_achieved, coverage, lang,
                                             base.tr("charts_coverage_title"), percent=True),
                  coverage, takeaways.coverage(coverage, lang)),
    display.Block("targets_table", detail_table, in_meeting=False),
], settings)
