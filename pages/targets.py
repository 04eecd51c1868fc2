"""Chỉ tiêu: reduction gaps by commune in status colours, the ethnic-minority / Kinh split,
coverage indicators against 100 %, the status rule written out, each unit's path to the
programme period's targets, and the year's households under the next period's standard."""

import streamlit as st

from analytics import charts, filters, local_standards, takeaways, targets

from dashboard import base, display, reads, view

settings = view.dashboard_page("targets", follows_ethnic_group=False, households_only=True)
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
    # Communes counted on one row, the district's own targets on another: the same statuses
    # (targets.status), each row saying what it counts.
    name = "name_vi" if lang == "vi" else "name_en"
    with display.headline_container():
        display.standard_caption(year)
        st.markdown(f"**{base.tr('dash_communes_targets_heading')}**")
        for col, (status, count) in zip(st.columns(4, border=True), targets.status_counts(commune_gaps).items()):
            col.metric(base.tr(f"dash_communes_status_{status}"), count, help=base.tr("dash_communes_in_status"))
        own = district.dropna(subset=["status"]) if "status" in district else district
        if not own.empty:
            st.markdown(f"**{base.tr('dash_district_targets_heading')}**")
            for col, (status, count) in zip(st.columns(4, border=True), targets.status_counts(own).items()):
                listed = own.loc[own["status"] == status, name].tolist() if name in own else []
                col.metric(base.tr(f"dash_district_status_{status}"), count,
                           help=base.tr("dash_district_in_status", names="; ".join(map(str, listed)) or "–"))
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


def period_path() -> None:
    try:
        first, last = targets.period_of(year)
    except ValueError:  # a year no programme period covers
        return
    st.subheader(base.tr("path_title", first=first, last=last))
    path = reads.period_path(first)
    if path is None:
        return
    if path.empty:
        st.caption(base.tr("path_none", first=first, last=last))
        return
    st.caption(base.tr("path_caption"))
    name = "name_vi" if lang == "vi" else "name_en"
    frame = path.assign(indicator_name=path[name],
                        milestone_source=path["milestone_source"].map(lambda v: base.tr(f"path_{v}")))
    st.dataframe(charts.table(frame, [
        ("org_name", "dash_unit", "text"), ("indicator_name", "dash_indicator", "text"),
        ("year", "path_year", "text"), ("milestone", "path_milestone", "number"),
        ("milestone_source", "path_milestone_source", "text"), ("due", "path_due", "number"),
        ("achieved", "path_achieved", "number"), ("status", "dash_status", "status")], lang), hide_index=True)


def standard_preview() -> None:
    period = reads.next_standard_period(year)
    if period is None:
        return
    area = reads.standard_preview_area(year, period, units=units)
    per_unit = reads.standard_preview_units(year, period, units=units)
    if area is None or per_unit is None:
        return
    standard = local_standards.national_name(area["standard"], lang)
    st.subheader(base.tr("preview_title", standard=standard, period=period))
    current = "; ".join(local_standards.used_names(reads.standards_used(year, quiet=True) or [], lang)) or "–"
    st.caption(base.tr("preview_standards", current=current, new=standard))
    st.caption(base.tr("preview_caption", year=year, **area["changes"]))
    if area["totals"]["unclassified"]:
        st.warning(base.tr("preview_unclassified", count=area["totals"]["unclassified"],
                           indicators=", ".join(r[f"name_{lang}"] for r in area["indicators"]
                                                if r["availability"] != "shared")), icon=":material/help:")
    shown_units = per_unit[per_unit["code"].isin(shown["code"])]
    st.dataframe(charts.table(shown_units, [
        ("name", "dash_unit", "text"), ("poor_current", "preview_poor_current", "number"),
        ("poor", "preview_poor_new", "number"), ("near_poor_current", "preview_near_poor_current", "number"),
        ("near_poor", "preview_near_poor_new", "number"), ("changed", "preview_changed", "number"),
        ("unclassified", "preview_unclassified_col", "number")], lang), hide_index=True)


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
    display.Block("period_path", period_path, in_meeting=False),
    display.Block("standard_preview", standard_preview, in_meeting=False),
], settings)
