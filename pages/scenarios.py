"""Kịch bản: move the money and see what it does to the targets; save, reopen, compare, export."""

import hashlib
import json

import pandas as pd
import streamlit as st

from analytics import charts_scenarios, scenarios
from analytics.i18n import fmt_money, fmt_number, fmt_percent, parse_number, t

from dashboard import base, display, reads, session, view

# Declared here rather than in dashboard.reads: analytics.scenarios loads scipy, which only this
# page needs (every other page, and the login form, would wait for it).
plan_years = reads.cached_read(scenarios.plan_years)
scenario_setup = reads.cached_read(scenarios.setup)

view.set_page("scenarios")
settings = view.sidebar()
lang = settings["lang"]
st.title(base.tr("scenario_title"))
view.illustrative_notice(settings["version"])
db = base.get_db()


scope = session.current_scope()  # the login gate guarantees a session
may_save = scope.can("save_scenarios")
years = plan_years() or []
if not years:
    st.warning(base.tr("scenario_err_no_plan", year=settings.get("year") or ""), icon=":material/database:")
    st.stop()
year = st.selectbox(base.tr("scenario_year"), years, index=len(years) - 1, key="scn_year")
setup = scenario_setup(year)
if setup is None:
    st.stop()
baseline, defaults = setup

# The working inputs live in the session; a new year starts again from the defaults.
state = st.session_state
if state.get("scn_params_year") != year:
    state["scn_params"] = defaults
    state["scn_params_year"] = year
    state.pop("scn_loaded", None)


def _clear_loaded() -> None:
    state.pop("scn_loaded", None)


st.info(base.tr("scenario_disclaimer", start_year=year - 1), icon=":material/info:")

# -- inputs ------------------------------------------------------------------------------------
state.setdefault("scn_strategy", "plan")  # set here (not as a default): reopening changes it
strategy = st.segmented_control(
    base.tr("scenario_strategy"), list(scenarios.STRATEGIES), key="scn_strategy", required=True, format_func=lambda s, lang=lang: t(f"scenario_strategy_{s}", lang), on_change=_clear_loaded,
    help=base.tr("scenario_strategy_help"))
params = dict(state["scn_params"])

with st.expander(base.tr("scenario_envelope_edit")):
    cols = st.columns(len(baseline.sources))
    envelope = {}
    for col, source in zip(cols, baseline.sources):
        state.setdefault(f"scn_env_{year}_{source}", float(params["envelope"].get(source, 0.0)))
        envelope[source] = col.number_input(
            base.tr(f"scenario_source_{source}"), min_value=0.0, step=1.0, format="%.0f",
            key=f"scn_env_{year}_{source}", on_change=_clear_loaded)
    params["envelope"] = envelope

refusals = []  # cells refused on this run: (line, column, value typed, why)
with st.expander(base.tr("scenario_assumptions")):
    st.caption(base.tr("scenario_assumptions_help"))
    names = dict(zip(baseline.plan["line"], baseline.plan["name_vi" if lang == "vi" else "name_en"]))
    # Shares typed and shown in percent; no bounds on the cells (a bound would silently clamp
    # 450 to 100): a value out of range is refused below, naming its cell.
    table = pd.DataFrame(params["assumptions"]).assign(
        name=lambda f: f["line"].map(names),
        escape_pct=lambda f: pd.to_numeric(f["escape_share"]) * 100,
    )[["line", "name", "unit_cost_mvnd", "group", "escape_pct", "source"]]
    edited_assumptions = st.data_editor(
        table, key=f"scn_assumptions_{year}_{state.get('scn_loaded', {}).get('id', 0)}", hide_index=True,
        disabled=["line", "name", "source"], width="stretch",
        column_config={
            "line": st.column_config.TextColumn(base.tr("scenario_line")),
            "name": st.column_config.TextColumn(base.tr("project_line"), width="large"),
            "unit_cost_mvnd": st.column_config.NumberColumn(base.tr("scenario_unit_cost"), format="%.1f"),
            "group": st.column_config.SelectboxColumn(base.tr("scenario_group"), options=list(scenarios.GROUPS),
                                                      required=True,
                                                      format_func=lambda g, lang=lang: t(f"scenario_group_{g}", lang)),
            "escape_pct": st.column_config.NumberColumn(base.tr("scenario_escape_share"), step=1.0,
                                                        format="%.0f %%"),
            "source": st.column_config.TextColumn(base.tr("scenario_assumption_source"), width="large"),
        })
    params["assumptions"], refused = scenarios.checked_assumptions(
        edited_assumptions.to_dict(orient="records"), params["assumptions"], lang)
    refusals += refused

# -- the allocation: by the strategy (or the reopened scenario), then edits by hand ---------------
loaded = state.get("scn_loaded")
try:
    if loaded is not None:
        proposed = pd.DataFrame(loaded["allocation"], columns=["line", "source", "commune", "amount"])
    else:
        proposed = scenarios.allocate(baseline, params, strategy)
except scenarios.ScenarioError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()

results = st.container()  # the projection shows above the table it comes from
commune_names = {**dict(zip(baseline.communes["code"], baseline.communes["name"])),
                 baseline.district_code: base.tr("scenario_district_level")}
wide = (proposed.pivot_table(index=["line", "commune"], columns="source", values="amount", aggfunc="sum",
                             sort=False)
        .reindex(columns=baseline.sources).fillna(0.0).reset_index())
wide.insert(2, "name", wide["commune"].map(commune_names))
digest = hashlib.sha1(json.dumps([year, strategy, params, loaded and loaded.get("id")],
                                 sort_keys=True, default=str).encode()).hexdigest()[:12]
st.subheader(base.tr("scenario_allocation_table"))
# Amounts written the language's way (170,4 / 170.4), read back the same way.
shown = wide.assign(**{s: wide[s].map(lambda v: fmt_number(v, lang, 1)) for s in baseline.sources})
edited = st.data_editor(
    shown, key=f"scn_alloc_{digest}", hide_index=True, disabled=["line", "commune", "name"], width="stretch",
    height=320,
    column_config={
        "line": st.column_config.TextColumn(base.tr("scenario_line")),
        "commune": None,
        "name": st.column_config.TextColumn(base.tr("scenario_commune")),
        **{s: st.column_config.TextColumn(base.tr(f"scenario_source_{s}")) for s in baseline.sources},
    })
amounts = wide.copy()  # the exact amounts; a cell typed over is read back in the language's way
changed = [(i, source) for source in baseline.sources for i in range(len(wide))
           if edited[source].iloc[i] != shown[source].iloc[i]]
for i, source in changed:
    text = edited[source].iloc[i]
    try:
        amounts.loc[i, source] = parse_number(text, lang)
    except ValueError:
        refusals.append({"line": f"{wide.loc[i, 'line']} · {wide.loc[i, 'name']}",
                         "column": base.tr(f"scenario_source_{source}"), "value": text,
                         "message": base.tr("scenario_refused_amount")})
allocation = amounts.drop(columns=["name"]).melt(id_vars=["line", "commune"], var_name="source",
                                                 value_name="amount")[["line", "source", "commune", "amount"]]
allocation["amount"] = pd.to_numeric(allocation["amount"], errors="coerce").fillna(0.0)
by_hand = bool(changed)
label = scenarios.MANUAL if by_hand else (loaded["strategy"] if loaded else strategy)
if refusals:  # each refused cell named; the results stay, computed with the values kept
    st.error("\n".join([f"**{base.tr('scenario_refused_heading')}**"] + [
        "- " + base.as_text(base.tr("scenario_refused_cell", line=r["line"], column=r["column"],
                                    value="" if r["value"] is None or r["value"] != r["value"] else r["value"],
                                    message=r["message"])) for r in refusals]), icon=":material/error:")
try:
    result = scenarios.evaluate(baseline, params, label, allocation=allocation, lang=lang)
except scenarios.ScenarioError as exc:
    results.error(str(exc), icon=":material/error:")
    st.stop()
p = result.projection


# -- the projection ------------------------------------------------------------------------------
def show_results() -> None:
    st.subheader(base.tr("scenario_results", strategy=base.tr(f"scenario_strategy_{label}")))
    if by_hand:
        st.caption(base.tr("scenario_edited_notice"))
    if loaded:
        st.caption(base.tr("scenario_opened", name=loaded["name"], author=loaded["author"],
                           created=loaded["created"]))
    cols = st.columns(4, border=True)
    cols[0].metric(base.tr("scenario_allocated_mvnd"), fmt_number(p.allocated_total, lang),
                   help=base.tr("scenario_envelope") + ": " + fmt_money(sum(params["envelope"].values()), lang))
    cols[1].metric(base.tr("scenario_households_reached"), fmt_number(p.households_reached, lang, 1))
    cols[2].metric(base.tr("scenario_escapes"), fmt_number(p.projected_escapes, lang, 1),
                   help=base.tr("scenario_start_poor") + ": " + fmt_number(p.start_poor, lang))
    cols[3].metric(base.tr("scenario_remaining_gap"), fmt_number(p.remaining_gap, lang, 1),
                   help=base.tr("scenario_gap_before") + ": " + fmt_number(p.gap_before, lang))
    cols = st.columns(4, border=True)
    cols[0].metric(base.tr("scenario_end_poor"), fmt_number(p.projected_end_poor, lang, 1))
    cols[1].metric(base.tr("scenario_end_rate"), fmt_percent(p.projected_rate, lang),
                   delta=(base.tr("scenario_rate_target", target=fmt_percent(baseline.rate_target, lang))
                          if baseline.rate_target is not None else None),
                   delta_color="off")
    cols[2].metric(base.tr("scenario_cost_per_escape"),
                   fmt_number(p.cost_per_escape, lang, 1) if p.cost_per_escape is not None else "–")
    cols[3].metric(base.tr("scenario_start_poor"), fmt_number(p.start_poor, lang))

    st.subheader(base.tr("scenario_constraints"))
    violated = [c for c in result.constraints if not c["ok"]]
    if violated:
        st.error(base.tr("scenario_constraints_violated", n=len(violated)), icon=":material/error:")
        for c in violated:
            st.markdown(f":material/close: **{base.as_text(c['label'])}** — {base.as_text(c['detail'])}")
    else:
        st.success(base.tr("scenario_constraints_all_ok"), icon=":material/check_circle:")
    with st.expander(base.tr("scenario_constraints")):
        checks = pd.DataFrame(result.constraints)
        st.dataframe(pd.DataFrame({
            base.tr("scenario_constraint_ok"): checks["ok"].map(lambda ok: base.tr("scenario_ok" if ok else "scenario_not_ok")),
            base.tr("scenario_constraint"): checks["label"], base.tr("scenario_constraint_detail"): checks["detail"]}),
            hide_index=True, width="stretch")

    st.subheader(base.tr("scenario_distance"))
    st.caption(base.tr("scenario_distance_caption"))
    distance = scenarios.distance_from_optimiser(baseline, params)
    st.dataframe(pd.DataFrame({
        base.tr("scenario_strategy"): distance["strategy"].map(lambda s: base.tr(f"scenario_strategy_{s}")),
        base.tr("scenario_escapes"): distance["projected_escapes"].map(lambda v: fmt_number(v, lang, 1)),
        base.tr("scenario_escapes_short"): distance["escapes_short"].map(lambda v: fmt_number(v, lang, 1)),
        base.tr("scenario_remaining_gap"): distance["remaining_gap"].map(lambda v: fmt_number(v, lang, 1)),
        base.tr("scenario_gap_above"): distance["gap_above"].map(lambda v: fmt_number(v, lang, 1)),
    }), hide_index=True, width="stretch")

    by_commune = p.by_commune
    display.show_chart(display.Chart("scenario_gap", charts_scenarios.gap_chart(by_commune, lang), by_commune),
                       meeting=settings.get("meeting", False))
    st.subheader(base.tr("scenario_by_commune"))
    # Formatted in the session's language (1.749,5 / 1,749.5); the table is for reading.
    columns = [("name", "commune", None), ("amount", "scenario_amount", 1),
               ("households_reached", "scenario_households_reached", 1),
               ("projected_escapes", "scenario_escapes", 1), ("start_poor", "scenario_start_poor", 0),
               ("projected_end_poor", "scenario_end_poor", 1), ("projected_rate", "scenario_end_rate", "%"),
               ("target", "scenario_gap_before", 0), ("remaining_gap", "scenario_remaining_gap", 1),
               ("cost_per_escape", "scenario_cost_per_escape", 1)]
    st.dataframe(pd.DataFrame({
        base.tr(label): (by_commune[col] if digits is None else
                         by_commune[col].map(lambda v: fmt_percent(v, lang)) if digits == "%" else
                         by_commune[col].map(lambda v, d=digits: fmt_number(v, lang, d)))
        for col, label, digits in columns}), hide_index=True, width="stretch")


with results:
    show_results()

# -- save, export ----------------------------------------------------------------------------------
st.subheader(base.tr("scenario_save"))
cols = st.columns([3, 1, 1], vertical_alignment="bottom")
name = cols[0].text_input(base.tr("scenario_name"), key="scn_name", max_chars=120,
                          placeholder=base.tr(f"scenario_strategy_{label}"))
if not may_save:
    st.caption(base.tr("scenario_no_permission"))
broken = sum(not c["ok"] for c in result.constraints)


def _save() -> None:
    try:
        scenarios.save_scenario(db, scope, name or base.tr(f"scenario_strategy_{label}"), result)
    except scenarios.ScenarioError as exc:
        st.error(str(exc))
    else:
        state.pop("scn_confirm", None)
        st.success(base.tr("scenario_saved", name=name or base.tr(f"scenario_strategy_{label}")),
                   icon=":material/check:")


if cols[1].button(base.tr("scenario_save"), key="scn_save", type="primary", disabled=not may_save,
                  icon=":material/save:"):
    if broken:  # asked first; saved anyway, it is marked in the list
        state["scn_confirm"] = True
    else:
        _save()
if state.get("scn_confirm") and broken and may_save:
    st.warning(base.tr("scenario_save_confirm", n=broken), icon=":material/warning:")
    if st.button(base.tr("scenario_save_anyway"), key="scn_save_anyway", icon=":material/save:"):
        _save()
export_name = name or (loaded["name"] if loaded else base.tr(f"scenario_strategy_{label}"))
export_file = scenarios.export_file_name(export_name, year)
cols[2].download_button(base.tr("scenario_export"),
                        data=session.audited(lambda: scenarios.to_excel(result, export_name, lang), export_file),
                        file_name=export_file, key="scn_export", on_click="ignore",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        icon=":material/download:")

# -- saved scenarios: reopen, duplicate, delete, compare --------------------------------------------
st.subheader(base.tr("scenario_saved_list"))
saved = scenarios.list_scenarios(db, year)
if saved.empty:
    st.caption(base.tr("scenario_none_saved"))
    st.stop()
labels = {int(r.id): f"{r.name} · {r.author} · {scenarios.created_label(r.created_at)}" for r in saved.itertuples()}
saved_names = {int(r.id): r.name for r in saved.itertuples()}
st.dataframe(saved.assign(created_at=saved["created_at"].map(scenarios.created_label),
                          strategy=saved["strategy"].map(lambda s: base.tr(f"scenario_strategy_{s}")),
                          violations=saved["violations"].map(lambda n: base.tr("scenario_marked", n=n) if n else "")),
             hide_index=True, width="stretch",
             column_config={"id": None, "name": base.tr("scenario_name"), "author": base.tr("scenario_author"),
                            "created_at": base.tr("scenario_created"), "year": None,
                            "strategy": base.tr("scenario_strategy"),
                            "violations": base.tr("scenario_violations")})


def _open(scenario_id: int) -> None:
    row, opened = scenarios.open_scenario(db, scenario_id, lang)
    state["scn_params"] = {k: v for k, v in opened.params.items()}
    state["scn_loaded"] = {"id": row["id"], "name": row["name"], "author": row["author"],
                           "created": scenarios.created_label(row["created_at"]), "strategy": opened.strategy,
                           "allocation": opened.allocation.to_dict(orient="records")}
    if opened.strategy in scenarios.STRATEGIES:
        state["scn_strategy"] = opened.strategy
    for source, amount in opened.params["envelope"].items():
        state[f"scn_env_{year}_{source}"] = float(amount)


def _duplicate(scenario_id: int) -> None:
    scenarios.duplicate_scenario(db, scope, scenario_id,
                                 base.tr("scenario_copy_of", name=saved_names[scenario_id]))


def _delete(scenario_id: int) -> None:
    scenarios.delete_scenario(db, scope, scenario_id)
    if (state.get("scn_loaded") or {}).get("id") == scenario_id:
        state.pop("scn_loaded", None)


cols = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
picked = cols[0].selectbox(base.tr("scenario_pick"), list(labels), key="scn_pick", format_func=labels.get)
cols[1].button(base.tr("scenario_open"), key="scn_open", on_click=_open, args=(picked,), icon=":material/folder_open:")
cols[2].button(base.tr("scenario_duplicate"), key="scn_duplicate", on_click=_duplicate, args=(picked,),
               disabled=not may_save, icon=":material/content_copy:")
cols[3].button(base.tr("scenario_delete"), key="scn_delete", on_click=_delete, args=(picked,),
               disabled=not may_save, icon=":material/delete:")

st.subheader(base.tr("scenario_compare"))
chosen = st.multiselect(base.tr("scenario_compare_pick"), list(labels), key="scn_compare",
                        format_func=labels.get, max_selections=3, placeholder=base.tr("choose_options"),
                        select_all=False)
if len(chosen) < 2:
    st.caption(base.tr("scenario_compare_hint"))
    st.stop()
opened = {}
for sid in chosen:
    row, res = scenarios.open_scenario(db, sid, lang)
    key = row["name"] if row["name"] not in opened else f"{row['name']} ({sid})"
    opened[key] = res
totals, gaps = scenarios.compare(opened)
side = pd.DataFrame({
    base.tr("scenario_strategy"): [base.tr(f"scenario_strategy_{s}") for s in totals["strategy"]],
    base.tr("scenario_allocated"): [fmt_money(v, lang) for v in totals["allocated_total"]],
    base.tr("scenario_households_reached"): [fmt_number(v, lang, 1) for v in totals["households_reached"]],
    base.tr("scenario_escapes"): [fmt_number(v, lang, 1) for v in totals["projected_escapes"]],
    base.tr("scenario_end_poor"): [fmt_number(v, lang, 1) for v in totals["projected_end_poor"]],
    base.tr("scenario_end_rate"): [fmt_percent(v, lang) for v in totals["projected_rate"]],
    base.tr("scenario_remaining_gap"): [fmt_number(v, lang, 1) for v in totals["remaining_gap"]],
    base.tr("scenario_cost_per_escape"): [fmt_number(v, lang, 1) for v in totals["cost_per_escape"]],
    base.tr("scenario_violations"): [str(v) for v in totals["violations"]],
}, index=list(totals["name"])).T
st.table(side)
left, right = st.columns(2, gap="large")
with left:
    display.show_chart(display.Chart("scenario_compare_escapes",
                                     charts_scenarios.compare_escapes_chart(totals, baseline.district_target, lang), totals))
with right:
    display.show_chart(display.Chart("scenario_compare_gaps",
                                     charts_scenarios.compare_gap_chart(gaps, list(totals["name"]), lang), gaps))
