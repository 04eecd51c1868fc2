"""Chỉ tiêu: reduction gaps by commune in status colours, the ethnic-minority / Kinh split,
coverage indicators against 100 %, and the status rule written out."""

import streamlit as st

import ui
from analytics import charts, filters, takeaways

settings = ui.dashboard_page("targets", follows_ethnic_group=False)
lang, year = settings["lang"], settings["year"]
units = settings["analytics_units"]

gaps = ui.fetch("targets.target_gaps", year, units=units)
communes = ui.fetch("poverty.commune_table", year, units=units)
rule = ui.fetch("targets.status_rule", lang=lang)
if gaps is None or communes is None:
    st.stop()
if gaps.empty:
    st.info(ui.tr("charts_no_targets"), icon=":material/flag:")
    st.stop()

shown = filters.communes(communes, area=settings["area"], commune=settings["commune"])
commune_gaps = filters.commune_rows(gaps, shown["code"].tolist())
district = filters.district_rows(gaps, communes["code"].tolist())
split = filters.target_split(district, lang)
coverage = filters.coverage_rows(district, lang)


def headline() -> None:
    with ui.headline_container():
        counts = commune_gaps["status"].value_counts()
        cols = st.columns(4, border=True)
        for col, status in zip(cols, ("achieved", "on_track", "at_risk", "behind")):
            col.metric(ui.tr(f"charts_target_{status}"), int(counts.get(status, 0)),
                       help=ui.tr("dash_communes_in_status"))
        if rule:
            st.info(rule, icon=":material/rule:")


def detail_table() -> None:
    st.subheader(ui.tr("dash_all_targets"))
    name = "name_vi" if lang == "vi" else "name_en"
    frame = filters.target_texts(gaps, lang).rename(columns={name: "indicator_name"})
    st.dataframe(charts.table(frame, [
        ("org_name", "dash_unit", "text"), ("indicator_name", "dash_indicator", "text"),
        ("target_text", "dash_target_value", "text"), ("achieved_text", "charts_achieved", "text"),
        ("gap_text", "dash_gap", "text"), ("status", "dash_status", "status")], lang), hide_index=True)


ui.show([
    ui.Block("headline", headline),
    ui.Chart("target_gaps", ui.figure("target_gap_chart", commune_gaps, lang), commune_gaps,
             takeaways.target_gaps(commune_gaps, lang)),
    ui.Chart("ethnic_split", ui.figure("target_vs_achieved", split, lang), split, takeaways.split(split, lang)),
    ui.Chart("coverage", ui.figure("target_vs_achieved", coverage, lang, ui.tr("charts_coverage_title"), percent=True),
             coverage, takeaways.coverage(coverage, lang)),
    ui.Block("targets_table", detail_table, in_meeting=False),
], settings)
