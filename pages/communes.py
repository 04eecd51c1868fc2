"""Xã: a table and charts across communes; one commune's households by status, its changes
(diễn biến) as a waterfall, its deprivations and the budget lines answering them; pre-2025 or
2025 units; a map when the user uploads commune boundaries (GeoJSON with a code property).
A level picker opens the levels above the commune: one province's (or district's) figures and the
units directly under it ranked by poverty rate, each of which opens in turn (drill-down). At each
level the unit's own targets with their gaps, and beside them the sum of the lower units'. The level
and the unit shown are kept in the URL, so a link opens the same view."""

import json

import streamlit as st

from analytics import charts, filters, levels, takeaways
from analytics import units as units_mod
from analytics.i18n import fmt_number, fmt_percent, is_missing

from dashboard import base, display, reads, view

settings = view.dashboard_page("communes")
lang, year, measure = settings["lang"], settings["year"], settings["measure"]
units = settings["analytics_units"]
vintage = units_mod.target_vintage(year, units)
LEVEL_KEY, DRILL_KEY = "communes_level", "communes_drill"
# The level and the unit shown are kept in the URL ("level", "unit"): a link opens the same view.
link = view.page_link(("level", "unit"))


def counted(key: str) -> str:
    """The label of a count in the measure chosen (households or persons)."""
    return base.tr(charts.counted_key(key, measure))


# In persons, a figure the data lack says so (a review table may give households only).
MISSING = base.tr("dash_no_persons") if measure == "persons" else None


def number(value) -> str:
    return MISSING if MISSING and is_missing(value) else fmt_number(value, lang)


def percent(value) -> str:
    return MISSING if MISSING and is_missing(value) else fmt_percent(value, lang)


def headline(name: str, figures: dict, code: str) -> None:
    with display.headline_container():
        st.subheader(name)
        display.standard_caption(year, reads.area_units(vintage, code))
        cols = st.columns(4, border=True)
        cols[0].metric(counted("poor_households"), number(figures["poor"]))
        cols[1].metric(counted("poor_rate"), percent(figures["poor_rate"]))
        cols[2].metric(counted("near_poor_households"), number(figures["near_poor"]))
        cols[3].metric(counted("total_households"), number(figures["total"]))
        if figures.get("source"):
            st.caption(f"{base.tr('dash_figures_source')}: {charts.source_text(figures['source'], lang)}")


def count_columns(place_key: str) -> list[tuple[str, str, str]]:
    """The columns of a table of units in the measure chosen, with where the figures come from."""
    return [("name", place_key, "text"), ("total", charts.counted_key("total_households", measure), "number"),
            ("poor", charts.counted_key("poor_households", measure), "number"),
            ("poor_rate", charts.counted_key("poor_rate", measure), "percent"),
            ("near_poor", charts.counted_key("near_poor_households", measure), "number"),
            ("near_poor_rate", charts.counted_key("near_poor_rate", measure), "percent"),
            ("poor_ethnic_minority", charts.counted_key("dash_poor_em", measure), "number"),
            ("source", "dash_figures_source", "source")]


def unit_targets(code: str, name: str) -> None:
    """The targets set for the unit at its own level, each with its gap and, for a unit with units
    under it, the sum of what they were given (``levels.unit_targets``)."""
    rows = reads.unit_targets(year, code, units=units, lower_only=True)
    if rows is None:
        return
    st.subheader(base.tr("dash_unit_targets_title", name=name))
    if rows.empty:
        st.caption(base.tr("dash_unit_no_targets", year=year))
        return
    label = "name_vi" if lang == "vi" else "name_en"
    columns = [("indicator_name", "dash_indicator", "text"), ("target_text", "dash_target_value", "text"),
               ("achieved_text", "charts_achieved", "text"), ("gap_text", "dash_gap", "text"),
               ("status", "dash_status", "status")]
    below = bool(rows["units_below"].iloc[0])
    if below:
        columns.append(("lower_text", "dash_lower_targets", "text"))
    frame = filters.target_texts(rows, lang).rename(columns={label: "indicator_name"})
    st.dataframe(charts.table(frame, columns, lang), hide_index=True)
    if below:
        st.caption(base.tr("dash_lower_targets_note"))


def unit_key(level: str) -> str:
    return f"communes_unit_{level}"


def drill_into(level: str) -> None:
    """Open the unit picked in the drill-down list at its own level (a commune: as the sidebar's
    commune, which the commune view opens)."""
    chosen = st.session_state.get(DRILL_KEY)
    st.session_state[DRILL_KEY] = ""
    if not chosen:
        return
    st.session_state[LEVEL_KEY] = level
    st.session_state["commune" if level == "commune" else unit_key(level)] = chosen


def default_unit(table) -> str:
    """The home area when it is of this level, else the unit with the most households."""
    home = reads.home_info(quiet=True)
    codes = table["code"].astype(str).tolist()
    if home and home["vintage"] == vintage and str(home["code"]) in codes:
        return str(home["code"])
    return str(table.sort_values("total", ascending=False, na_position="last")["code"].iloc[0])


def unit_view(level: str) -> None:
    """One unit of ``level`` (province or district): its figures and its children ranked."""
    table = reads.level_table(year, level, units=units)
    if table is None:
        st.stop()
    if table.empty:
        st.info(base.tr("no_data"), icon=":material/location_city:")
        st.stop()
    codes = table["code"].astype(str).tolist()
    names = dict(zip(codes, table["name"]))
    if link.get("level") == level and link.get("unit") in codes:
        st.session_state[unit_key(level)] = link["unit"]
    elif st.session_state.get(unit_key(level)) not in codes:
        st.session_state[unit_key(level)] = default_unit(table)
    code = st.selectbox(base.tr(f"level_{level}"), codes, key=unit_key(level), format_func=names.get)
    view.keep_page_settings({"level": level, "unit": code})
    table = filters.ethnic_group(filters.in_measure(table, measure), settings["ethnic"])
    child = levels.child_level(vintage, level)
    children = reads.level_table(year, child, units=units, within=code)
    if children is None:
        st.stop()
    ranked = (filters.ethnic_group(filters.in_measure(children, measure), settings["ethnic"])
              .sort_values(["poor_rate", "name"], ascending=[False, True], na_position="last")
              .reset_index(drop=True))
    row = table[table["code"].astype(str) == code].iloc[0].to_dict()

    def children_table() -> None:
        st.subheader(base.tr(f"dash_children_{child}", name=names[code]))
        if settings["area"] != "all":
            st.caption(base.tr("dash_levels_all_areas"))
        if ranked.empty:
            st.caption(base.tr("dash_no_children"))
            return
        st.dataframe(charts.table(ranked, count_columns(f"level_{child}"), lang, MISSING), hide_index=True)
        child_codes = ranked["code"].astype(str).tolist()
        child_names = dict(zip(child_codes, ranked["name"]))
        none = base.tr("dash_drill_none")
        st.selectbox(base.tr("dash_drill"), ["", *child_codes], key=DRILL_KEY, on_change=drill_into, args=(child,),
                     format_func=lambda c: child_names.get(c, none))

    display.show([
        display.Block("headline", lambda: headline(names[code], row, code)),
        display.Block("unit_targets", lambda: unit_targets(code, names[code])),
        display.Block("unit_children", children_table),
        display.Chart("unit_children_rate", display.figure(
            charts.commune_bars, ranked, lang, "poor_rate",
            base.tr(charts.counted_key(f"charts_children_{child}_title", measure)), measure),
                      ranked) if not ranked.empty else None,
    ], settings)
    st.stop()


if not settings["meeting"]:  # a meeting shows the commune view
    level_names = {lv: base.tr(f"level_{lv}") for lv in levels.levels(vintage)}
    if link.get("level") in level_names:
        st.session_state[LEVEL_KEY] = link["level"]
    elif st.session_state.get(LEVEL_KEY) not in level_names:
        st.session_state[LEVEL_KEY] = "commune"
    chosen_level = st.segmented_control(base.tr("dash_level"), list(level_names), key=LEVEL_KEY, required=True,
                                        format_func=level_names.get)
    if chosen_level and chosen_level != "commune":
        unit_view(chosen_level)

table = reads.commune_table(year, units=units)
if table is None:
    st.stop()
households = filters.communes(table, area=settings["area"], ethnic=settings["ethnic"])
shown = filters.communes(filters.in_measure(table, measure), area=settings["area"], ethnic=settings["ethnic"])
if shown.empty:
    st.info(base.tr("no_data"), icon=":material/location_city:")
    st.stop()
codes = shown["code"].astype(str).tolist()
names = dict(zip(codes, shown["name"]))
ranked = shown.sort_values("poor_rate", ascending=False, na_position="last")
linked = link.get("unit") if link.get("level", "commune") == "commune" else None
default = next((c for c in (linked, settings["commune"]) if c in codes), str(ranked["code"].iloc[0]))
if settings["meeting"]:
    code = default
else:
    code = st.selectbox(base.tr("dash_pick_commune"), codes, index=codes.index(default), key="communes_pick",
                        format_func=lambda c: names.get(c, c))
view.keep_page_settings({"level": None, "unit": code})
row = shown[shown["code"].astype(str) == code].iloc[0].to_dict()
households_row = households[households["code"].astype(str) == code].iloc[0].to_dict()

changes = reads.transition_tables(year, units=units) or {}
transitions, near_transitions = changes.get("poor"), changes.get("near_poor")
deprivations = reads.deprivation_table(year, units=units)
indicators = reads.deprivation_indicators(year)
execution = reads.execution(year)


def transition_row(frame):
    if frame is None or frame.empty:
        return None
    match = frame[frame["code"].astype(str) == code]
    return match.iloc[0].to_dict() if not match.empty else None


poor_row, near_row = transition_row(transitions), transition_row(near_transitions)
dep_rows = deprivations[deprivations["commune_code"].astype(str) == code] if deprivations is not None else None
answering = (filters.answering_lines(dep_rows, indicators, execution, lang)
             if dep_rows is not None and indicators is not None else None)


def commune_table() -> None:
    st.subheader(base.tr("by_commune"))
    st.dataframe(charts.table(shown, count_columns("commune"), lang, MISSING), hide_index=True)


def map_block() -> None:
    st.subheader(base.tr("charts_map_title"))
    # The uploader only on request: seldom used, and its code would slow every first visit.
    if st.session_state.get("communes_geojson") or st.toggle(base.tr("dash_geojson_toggle"),
                                                               key="communes_map_upload"):
        upload = st.file_uploader(base.tr("dash_geojson_upload"), type=["geojson", "json"],
                                  key="communes_geojson_file", help=base.tr("dash_geojson_help"))
        if upload is not None:
            try:
                st.session_state["communes_geojson"] = json.loads(upload.getvalue().decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                st.error(base.tr("dash_geojson_invalid", detail=str(exc)[:200]), icon=":material/error:")
    geojson = st.session_state.get("communes_geojson")
    if not geojson:  # the communes as points at the registry's centroids: no boundary file needed
        where = reads.centroids(vintage)
        if where is not None:
            located = households.merge(where, on="code", how="left")  # the map counts households
            display.show_chart(display.Chart("commune_points", display.figure(charts.commune_points, located, lang),
                                             located, takeaways.communes(households, lang)))
        st.caption(base.tr("dash_geojson_none"))
        return
    display.show_chart(display.Chart("commune_map", display.figure(charts.choropleth, geojson, households, lang),
                                     households, takeaways.communes(households, lang)))


def answering_table() -> None:
    st.subheader(base.tr("dash_answering_title", name=names[code]))
    if answering is None or answering.empty:
        st.caption(base.tr("no_data"))
        return
    st.dataframe(charts.table(answering, [
        ("indicator", "dash_indicator", "text"), ("poor_count", "charts_status_poor", "number"),
        ("policy", "dash_policy", "text"), ("line", "project_line", "text"), ("plan", "charts_plan", "number"),
        ("disbursed", "charts_disbursed", "number"), ("rate", "dash_rate", "percent")], lang), hide_index=True)
    st.caption(base.tr("dash_answering_note"))


no_change = display.Block("no_transitions", lambda: st.info(base.tr("dash_no_transitions", year=year),
                                                        icon=":material/info:"), in_meeting=False)
display.show([
    # The chosen commune's figures, right under its picker.
    display.Block("headline", lambda: headline(names[code], row, code)),
    display.Block("unit_targets", lambda: unit_targets(code, names[code]), in_meeting=False),
    display.Block("commune_table", commune_table, in_meeting=False),
    [display.Chart("communes_rate", display.figure(charts.commune_bars, shown, lang, "poor_rate", counted=measure),
                   shown, takeaways.communes(shown, lang, measure)),
     display.Chart("communes_households", display.figure(charts.commune_bars, shown, lang, "households",
                                                         counted=measure), shown)],
    display.Block("commune_map", map_block, in_meeting=False),
    display.Chart("commune_status", display.figure(charts.status_bars, filters.status_counts(households_row), lang,
                                                  base.tr("dash_status_of", name=names[code])), None),
    display.Chart("commune_waterfall", display.figure(charts.waterfall_chart, poor_row, lang, "poor"), transitions,
                  takeaways.transitions(poor_row, lang)) if poor_row else no_change,
    display.Chart("commune_waterfall_near", display.figure(charts.waterfall_chart, near_row, lang, "near_poor"),
                  near_transitions)
    if near_row else None,
    display.Block("waterfall_sources", lambda: display.review_note(filters.from_review([poor_row, near_row])),
                  in_meeting=False),
    display.Chart("commune_deprivations", display.figure(charts.deprivation_bars, dep_rows, lang,
                                                         base.tr("dash_deprivations_of", name=names[code])),
                  dep_rows, takeaways.deprivations(dep_rows, lang)) if dep_rows is not None else None,
    display.Block("answering", answering_table),
], settings)
