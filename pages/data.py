"""Dữ liệu: upload files (what was detected and how the columns map is shown before anything is
written), confirm, the batch history with rollback, templates, the household list with the
recorded status beside the computed one (and each officer's own list), and the review and
support: the Phiếu A → B1/B2 → recognised funnel and the support → outcome view."""

import hashlib
from datetime import date

import streamlit as st

from analytics import charts, checklist, levels, review, support
from analytics.batches import BatchError, list_batches, rollback
from analytics import poverty
from analytics.i18n import fmt_datetime, fmt_number, has_label
from analytics.importer import KINDS, import_file
from analytics.importer.annotate import annotated_workbook
from analytics.importer.listing import household_filters, household_list
from analytics.importer.templates import TEMPLATES, choice_lists, template_label_key, template_workbook
from analytics.reference import get_setting, vintage_for_year

from dashboard import base, display, reads, report_buttons, session, view

# Declared here rather than in dashboard.reads: the importer is loaded only when this page is opened.
review_differences = reads.cached_read(poverty.review_differences)
household_options = reads.cached_read(household_filters)
household_rows = reads.cached_read(household_list)
review_funnel = reads.cached_read(review.funnel)
support_outcome = reads.cached_read(support.support_outcome)

view.set_page("data")
settings = view.sidebar()
lang, year, version = settings["lang"], settings["year"], settings["version"]
view.page_header("page_data", settings)
scope = session.current_scope()
db = base.get_db()
# The communes this user may touch (None: all); imports and rollbacks outside them are refused.
communes = scope.household_communes
can_import = scope.can("import_data")
standard_years = reads.standard_years()
UPLOAD_TYPES = ["xlsx", "xlsm", "xls", "ods", "csv", "txt"]


def field_label(field) -> str:
    """A column's field in words (the indicator name for d01..d13)."""
    if not field:
        return "—"
    key = f"data_field_{field}"
    if has_label(key):
        return base.tr(key)
    if field.startswith("d") and field[1:].isdigit():
        return base.tr("data_field_deprivation", n=int(field[1:]))
    return field


def kind_label(kind) -> str:
    return base.tr(f"import_kind_{kind}") if has_label(f"import_kind_{kind}") else str(kind)


def source_label(source) -> str:
    return base.tr(f"data_source_{source}") if source and has_label(f"data_source_{source}") else (source or "—")


def check(upload, kind, year_option, commune_option):
    """The dry-run report of an uploaded file, kept for this session until something changes."""
    content = upload.getvalue()
    key = (hashlib.sha256(content).hexdigest(), kind, year_option, commune_option, lang, version)
    store = st.session_state.setdefault("data_checks", {})
    if key not in store:
        store[key] = import_file(db, content, upload.name, kind=kind, year=year_option,
                                 commune=commune_option, dry_run=True, user=scope.username,
                                 lang=lang, communes=communes)
    return store[key]


def show_check(upload, report) -> None:
    """What the importer found in one file, before anything is written."""
    with st.container(border=True):
        icon = {"valid": ":material/check_circle:", "duplicate": ":material/content_copy:"}.get(
            report.status, ":material/error:")
        st.subheader(base.as_text(upload.name), anchor=False)
        st.caption(base.tr(f"data_status_{report.status}"))
        if report.status == "duplicate":
            st.info(report.warnings[0].message, icon=icon)
            return
        cols = st.columns([2, 1, 2, 1, 1])
        # Words in a small line (a metric would cut them), numbers as metrics.
        cols[0].markdown(f"{base.tr('data_kind')}  \n**{base.tr(f'import_kind_{report.kind}') if report.kind else '—'}**")
        year_text = (", ".join(map(str, report.year)) if isinstance(report.year, list) else str(report.year or "—"))
        cols[1].metric(base.tr("year"), year_text, help=source_label(report.year_source))
        unit = report.commune_name or report.commune or "—"
        cols[2].markdown(f"{base.tr('data_unit')}  \n**{unit}**", help=source_label(report.commune_source))
        cols[3].metric(base.tr("data_rows_imported"), fmt_number(report.rows_imported, lang),
                       help=base.tr("data_rows_help", read=report.rows_read, skipped=report.rows_skipped))
        cols[4].metric(base.tr("data_encoding_repairs"), fmt_number(report.encoding_repairs, lang))
        st.caption(base.tr("data_where_from", year=source_label(report.year_source),
                           unit=source_label(report.commune_source),
                           sheet=report.sheet or "—", row=report.header_row or "—"))
        if report.mapping:
            with st.expander(base.tr("data_mapping"), expanded=report.status != "valid"):
                st.dataframe([{base.tr("data_column_in_file"): m["column"], base.tr("data_field"): field_label(m["field"])}
                              for m in report.mapping], hide_index=True)
        if report.errors:
            st.error(base.tr("data_errors_count", n=len(report.errors)), icon=icon)
            st.dataframe(report.issues_frame("errors"), hide_index=True, column_config=_issue_columns())
            # Built only when clicked: it reads the whole file again.
            st.download_button(base.tr("data_download_annotated"),
                               session.audited(lambda: annotated_workbook(upload.getvalue(), upload.name, report),
                                               f"annotated:{upload.name}", households=True),
                               file_name=upload.name.rsplit(".", 1)[0] + "_loi.xlsx",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                               key=f"annotated_{report.sha256}", icon=":material/download:")
        if report.warnings:
            st.warning(base.tr("data_warnings_count", n=len(report.warnings)), icon=":material/warning:")
            st.dataframe(report.issues_frame("warnings"), hide_index=True, column_config=_issue_columns())
        if report.preview is not None and not report.errors:
            with st.expander(base.tr("data_preview", n=len(report.preview))):
                st.dataframe(report.preview, hide_index=True)
        if report.skipped:
            with st.expander(base.tr("data_skipped", n=len(report.skipped))):
                st.dataframe([{base.tr("data_row"): s["row"], base.tr("data_reason"): base.tr(f"data_skip_{s['reason']}")}
                              for s in report.skipped], hide_index=True)


def _issue_columns() -> dict:
    return {"sheet": base.tr("data_sheet"), "row": base.tr("data_row"), "column": base.tr("data_column_in_file"),
            "value": base.tr("data_value"), "message": base.tr("data_message")}


@st.cache_data(max_entries=16, show_spinner=False)
def cached_template(kind: str, template_year: int, lang_: str, version: int,
                    communes_: frozenset | None = None) -> bytes:
    """A template workbook (its reference lists change only with the data version, which is
    therefore part of the cache key), its communes limited to ``communes_`` for an officer."""
    return template_workbook(base.get_db(), kind, template_year, lang_,
                             communes=set(communes_) if communes_ is not None else None)


if flash := st.session_state.pop("data_flash", None):
    for kind_, text in flash:
        (st.success if kind_ == "ok" else st.error)(text)

report_buttons.report_buttons(settings, deck=False)
tab_import, tab_batches, tab_templates, tab_households, tab_review, tab_setup = st.tabs(
    [base.tr("data_tab_import"), base.tr("data_tab_batches"), base.tr("data_tab_templates"),
     base.tr("data_tab_households"), base.tr("data_tab_review"), base.tr("data_tab_setup")])

with tab_import:
    if not can_import:
        st.info(base.tr("data_no_import"), icon=":material/lock:")
    else:
        c1, c2, c3 = st.columns(3)
        kind = c1.selectbox(base.tr("data_kind"), [None, *KINDS], key="data_kind",
                            format_func=lambda k: base.tr("data_kind_auto") if k is None else base.tr(f"import_kind_{k}"))
        year_option = c2.selectbox(base.tr("data_year_option"), [None, *standard_years], key="data_year",
                                   format_func=lambda y: base.tr("data_from_file") if y is None else str(y))
        vintage = vintage_for_year(year_option or year or standard_years[-1])
        units = dict(db.query("SELECT code, name FROM org_unit WHERE vintage = ? ORDER BY unit_type <> 'district', code",
                              [vintage]))
        if communes is not None:
            units = {c: n for c, n in units.items() if (vintage, c) in communes}
        commune_option = c3.selectbox(base.tr("data_commune_option"), [None, *units], key="data_commune",
                                      format_func=lambda c: base.tr("data_from_file") if c is None else units[c])
        limit = get_setting(db, "upload_max_mb", "50")
        uploads = st.file_uploader(base.tr("data_upload"), type=UPLOAD_TYPES, accept_multiple_files=True,
                                   key="data_upload", help=base.tr("data_upload_help", limit=limit))
        if uploads:
            checks = [(u, check(u, kind, year_option, commune_option)) for u in uploads]
            for upload, report in checks:
                show_check(upload, report)
            ready = [(u, r) for u, r in checks if r.status == "valid"]
            refused = sum(1 for _, r in checks if r.status == "rejected")
            if refused:
                st.caption(base.tr("data_refused_note", n=refused))
            if st.button(base.tr("data_confirm", n=len(ready)), type="primary", disabled=not ready,
                         key="data_confirm", icon=":material/upload:"):
                bar = st.progress(0.0, text=base.tr("data_importing"))
                flash = []
                for i, (upload, _) in enumerate(ready):
                    def step(fraction, _text, i=i, name=upload.name):
                        bar.progress(min(1.0, (i + fraction) / len(ready)), text=f"{name} · {int(100 * (i + fraction) / len(ready))} %")
                    done = import_file(db, upload.getvalue(), upload.name, kind=kind, year=year_option,
                                       commune=commune_option, user=scope.username, lang=lang,
                                       communes=communes, progress=step)
                    if done.status == "committed":
                        flash.append(("ok", base.tr("data_committed", file=base.as_text(upload.name), batch=done.batch_id,
                                                    rows=fmt_number(done.rows_imported, lang),
                                                    replaced=fmt_number(done.superseded_rows, lang))))
                    else:
                        flash.append(("error", base.tr("data_not_committed", file=base.as_text(upload.name))))
                bar.progress(1.0, text=base.tr("data_done"))
                st.session_state["data_flash"] = flash
                st.session_state.pop("data_checks", None)
                st.rerun()

with tab_batches:
    # Read afresh, not cached on the data version: a refused file changes the history, not the data.
    history = list_batches(db, communes=communes, user=scope.username)
    if history is not None:
        if history.empty:
            st.info(base.tr("data_no_batches"))
        else:
            yes, no = base.tr("yes"), base.tr("no")
            unit_names = {str(c): n for c, n in db.query("SELECT code, any_value(name) FROM org_unit GROUP BY code")}
            shown = history.assign(
                kind=history["kind"].map(kind_label),
                status=history["status"].map(lambda s: base.tr(f"data_batch_{s}")),
                illustrative=history["illustrative"].map(lambda v: yes if v else no),
                started_at=history["started_at"].map(lambda v: fmt_datetime(v, lang)),
                rolled_back_at=history["rolled_back_at"].map(lambda v: fmt_datetime(v, lang)),
                commune_code=history["commune_code"].map(lambda c: unit_names.get(str(c), c) if c else ""))
            st.dataframe(shown, hide_index=True, column_config={
                "id": base.tr("data_batch"), "kind": base.tr("data_kind"), "file_name": base.tr("data_file"),
                "user_name": base.tr("data_user"), "started_at": base.tr("data_started"), "finished_at": None,
                "status": base.tr("data_batch_status"), "rows": base.tr("data_rows_imported"),
                "illustrative": base.tr("data_illustrative"), "year": base.tr("year"), "commune_code": base.tr("data_unit"),
                "rolled_back_at": base.tr("data_rolled_back_at"), "rolled_back_by": None})
            differences = review_differences(year, communes=communes) if year is not None else None
            if differences is not None and not differences.empty:  # a list and a review table disagree
                with st.expander(base.tr("data_review_differences", n=differences.code.nunique(), year=year)):
                    indicator = differences["indicator_vi" if lang == "vi" else "indicator_en"]
                    # Which figure of which form: an indicator of forms 4-5 by its name.
                    figure = [base.tr(f"data_figure_{f}_{m}" if has_label(f"data_figure_{f}_{m}") else
                                      f"data_figure_{f}_indicator", indicator=i)
                              for f, m, i in zip(differences.form, differences.measure, indicator)]
                    st.dataframe(differences.assign(status=differences.status.map(lambda s: base.tr(f"import_status_{s}")),
                                                    unit=differences.unit.map(lambda u: base.tr(f"data_unit_{u}")),
                                                    form=figure),
                                 hide_index=True, column_order=["name", "form", "status", "unit", "list", "table"],
                                 column_config={
                                     "name": base.tr("commune"), "form": base.tr("data_figure"),
                                     "status": base.tr("data_official_status"),
                                     "unit": base.tr("data_count_unit"), "list": base.tr("data_from_list"),
                                     "table": base.tr("data_from_review")})
            live = history[history.status == "committed"]
            if can_import and not live.empty:
                with st.form("data_rollback_form"):
                    labels = {int(b.id): f"{b.id} · {b.file_name or ''} ({kind_label(b.kind)})" for b in live.itertuples()}
                    chosen = st.selectbox(base.tr("data_rollback_pick"), list(labels), format_func=labels.get,
                                          key="data_rollback_id")
                    sure = st.checkbox(base.tr("data_rollback_sure"), key="data_rollback_sure")
                    if st.form_submit_button(base.tr("data_rollback"), icon=":material/undo:"):
                        if not sure:
                            st.warning(base.tr("data_rollback_tick"))
                        else:
                            try:
                                done = rollback(db, chosen, user=scope.username, communes=communes)
                            except BatchError as exc:
                                st.error(str(exc), icon=":material/block:")
                            else:
                                st.session_state["data_flash"] = [("ok", base.tr(
                                    "data_rolled_back", batch=chosen, deleted=done["deleted"], restored=done["restored"]))]
                                st.rerun()

with tab_templates:
    st.caption(base.tr("data_templates_help"))
    c1, c2 = st.columns(2)
    template_kind = c1.selectbox(base.tr("data_kind"), TEMPLATES, key="data_template_kind",
                                 format_func=lambda k: base.tr(template_label_key(k)))
    template_year = c2.selectbox(base.tr("year"), standard_years, key="data_template_year",
                                 index=standard_years.index(year) if year in standard_years
                                 else len(standard_years) - 1)
    st.download_button(base.tr("data_template_download"),
                       cached_template(template_kind, template_year, lang, version, communes),
                       file_name=f"mau_{template_kind}_{template_year}.xlsx", key="data_template_button",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:")

with tab_households:
    if not scope.sees_households:
        st.info(base.tr("data_no_households"), icon=":material/lock:")
    elif year is None:
        st.info(base.tr("empty_database"))
    else:
        options = household_options(year, communes=communes)
        if options is not None:
            names = dict(options["communes"])
            deprivations = {code: (vi if lang == "vi" else en) for code, vi, en in options["deprivations"]}
            statuses = ["poor", "near_poor", "average", "above"]
            search = st.text_input(base.tr("data_search"), key="data_search", placeholder=base.tr("data_search_hint"))
            f = st.columns(6)
            status = f[0].selectbox(base.tr("data_official_status"), [None, *statuses], key="data_f_status",
                                    format_func=lambda s: base.tr("data_all") if s is None else base.tr(f"import_status_{s}"))
            commune = f[1].selectbox(base.tr("commune"), [None, *names], key="data_f_commune",
                                     format_func=lambda c: base.tr("data_all") if c is None else names[c])
            hamlet = f[2].selectbox(base.tr("data_hamlet"), [None, *options["hamlets"]], key="data_f_hamlet",
                                    format_func=lambda h: base.tr("data_all") if h is None else h)
            ethnicity = f[3].selectbox(base.tr("data_ethnicity"), [None, *options["ethnicities"]], key="data_f_eth",
                                       format_func=lambda e: base.tr("data_all") if e is None else e)
            deprivation = f[4].selectbox(base.tr("data_deprivation"), [None, *deprivations], key="data_f_dep",
                                         format_func=lambda d: base.tr("data_all") if d is None else deprivations[d])
            disagreeing = f[5].toggle(base.tr("data_disagreeing"), key="data_f_disagree")
            officer = None
            if options["officers"]:  # an officer's own list of households to visit
                officer = st.selectbox(base.tr("data_officer"), [None, *options["officers"]], key="data_f_officer",
                                       format_func=lambda o: base.tr("data_all") if o is None else o)
            rows = household_rows(year, search=search or None, status=status,
                               commune=commune, hamlet=hamlet, ethnicity=ethnicity, deprivation=deprivation,
                               disagreeing=disagreeing or None, officer=officer, communes=communes)
            if rows is not None:
                st.caption(base.tr("data_households_count", n=fmt_number(len(rows), lang)))
                status_text = lambda s: base.tr(f"import_status_{s}") if s else "—"  # noqa: E731
                review_text = lambda r: base.tr(f"data_quick_review_{r}") if r else "—"  # noqa: E731
                shown = rows.assign(recorded_status=rows["recorded_status"].map(status_text),
                                    computed_status=rows["computed_status"].map(status_text),
                                    quick_review=rows["quick_review"].map(review_text))
                # The headers of the table, and of its download (None: not shown).
                headers = {
                    "household_id": base.tr("data_field_household_id"), "commune_code": None,
                    "commune_name": base.tr("commune"), "hamlet": base.tr("data_hamlet"),
                    "head_name": base.tr("data_field_head_name"), "ethnicity": base.tr("data_ethnicity"),
                    "members": base.tr("data_field_members"), "income_per_capita": base.tr("data_field_income_per_capita"),
                    "deprivation_count": base.tr("data_deprivation_count"),
                    "b1_points": base.tr("data_field_b1_points"), "b2_points": base.tr("data_field_b2_points"),
                    "quick_review": base.tr("data_field_quick_review"),
                    "quick_review_reason": base.tr("data_field_quick_review_reason"),
                    "officer": base.tr("data_officer"),
                    "recorded_status": base.tr("data_recorded_status"), "computed_status": base.tr("data_computed_status"),
                    "agrees": base.tr("data_agrees"), "batch_id": base.tr("data_batch")}
                st.dataframe(shown, hide_index=True, column_config={
                    **headers,
                    "income_per_capita": st.column_config.NumberColumn(headers["income_per_capita"], format="localized"),
                    "agrees": st.column_config.CheckboxColumn(headers["agrees"])})
                yes, no = base.tr("yes"), base.tr("no")
                session.household_download(shown.assign(agrees=shown["agrees"].map(lambda v: yes if v else no)),
                                           f"ho_{year}.csv", key="data_households_csv", columns=headers)

with tab_review:
    if year is None:
        st.info(base.tr("empty_database"))
    else:
        steps = review_funnel(year, communes=communes)
        if steps is not None:
            display.show_chart(display.Chart("review_funnel", charts.review_funnel_chart(steps, lang)))
            if steps["screened_out"]:
                st.caption(base.tr("data_funnel_screened_out", n=fmt_number(steps["screened_out"], lang)))
                reasons = [{base.tr("data_funnel_reason"): r["reason"] or base.tr("data_funnel_no_reason"),
                            base.tr("charts_unit_households"): fmt_number(r["households"], lang)}
                           for r in steps["reasons"]]
                st.dataframe(reasons, hide_index=True)
        st.markdown(f"#### {base.tr('data_outcome_title', year=year)}")
        st.caption(base.tr("data_outcome_caption", year=year, prev=year - 1))
        by_labels = {b: base.tr(f"data_outcome_by_{b}") for b in support.GROUPINGS}
        by = st.segmented_control(base.tr("data_outcome_by"), list(by_labels), default="support_type",
                                  required=True, key="data_outcome_by", format_func=by_labels.get)
        outcome = support_outcome(year, by=by, communes=communes)
        if outcome is not None and outcome.empty:
            st.info(base.tr("data_outcome_none", year=year), icon=":material/volunteer_activism:")
        elif outcome is not None:
            names = outcome["name_vi" if lang == "vi" else "name_en"]
            label = [base.tr("data_outcome_all") if g == "all" else base.tr("data_outcome_no_line") if g is None
                     else (n if isinstance(n, str) else g) for g, n in zip(outcome["group"], names)]
            shown = outcome.assign(group=label)
            st.dataframe(charts.table(shown, [
                ("group", "data_outcome_group", "text"), ("supported", "data_outcome_supported", "number"),
                ("poor_before", "data_outcome_poor_before", "number"), ("escaped", "data_outcome_escaped", "number"),
                ("still_poor", "data_outcome_still_poor", "number"), ("no_record", "data_outcome_no_record", "number"),
                ("amount_mvnd", "data_outcome_amount", "number"), ("cost_per_escape", "data_outcome_cost", "number"),
                ("assumed_cost_per_escape", "data_outcome_assumed", "number")], lang), hide_index=True)


def typed_table(item: str, setup_year: int) -> None:
    """An editable table of ``item`` (targets or budget_plan) stored, when saved, as an import."""
    kind, columns = checklist.TABLE_COLUMNS[item]
    lists = choice_lists(db, setup_year, communes)
    # An officer is offered the units of their scope only (the import would refuse the others).
    lists["unit"] = [label for code, label in levels.unit_labels(db, vintage_for_year(setup_year),
                                                                 levels.home_area(db)).items()
                     if communes is None or (vintage_for_year(setup_year), code) in communes]
    config = {}
    for header, field, list_name in columns:
        label = base.tr(f"data_field_{field}")
        if list_name:
            config[header] = st.column_config.SelectboxColumn(label, options=lists[list_name], required=True)
        elif field == "agency":
            config[header] = st.column_config.TextColumn(label, max_chars=200)
        else:
            config[header] = st.column_config.NumberColumn(label, required=True, format="localized")
    edited = st.data_editor(checklist.blank_table(item), num_rows="dynamic", column_config=config,
                            key=f"data_setup_editor_{item}_{setup_year}", hide_index=True, width="stretch")
    if st.button(base.tr("data_setup_save"), key=f"data_setup_save_{item}", icon=":material/save:"):
        kind, content = checklist.table_file(item, edited, setup_year)
        report = import_file(db, content, f"{item}_{setup_year}.xlsx", kind=kind, user=scope.username,
                             lang=lang, communes=communes)
        if report.status == "committed":
            st.session_state["data_flash"] = [("ok", base.tr("data_setup_saved", rows=report.rows_imported,
                                                             batch=report.batch_id))]
            st.rerun()
        elif report.rows_read == 0 or report.status == "duplicate":
            st.warning(base.tr("data_setup_empty"))
        else:
            st.error(base.tr("data_setup_refused", n=len(report.errors)), icon=":material/error:")
            st.dataframe(report.issues_frame("errors"), hide_index=True, column_config=_issue_columns())


with tab_setup:
    this_year = date.today().year
    default_year = year if year in standard_years else min(standard_years, key=lambda y: abs(y - this_year))
    setup_year = st.selectbox(base.tr("data_setup_year"), standard_years, index=standard_years.index(default_year),
                              key="data_setup_year")
    st.caption(base.tr("data_setup_help", year=setup_year))
    for entry in checklist.checklist(db, setup_year):
        with st.container(border=True):
            c1, c2, c3 = st.columns([3, 3, 1])
            c1.markdown(("✅ " if entry["done"] else "⬜ ") + base.tr(f"data_setup_item_{entry['item']}"))
            text = (base.tr("data_setup_count", n=fmt_number(entry["count"], lang)) if entry["done"]
                    else base.tr("data_setup_missing"))
            if entry.get("latest_year"):
                text += " · " + base.tr("data_setup_latest_review", year=entry["latest_year"])
            c2.markdown(text)
            c3.download_button(base.tr("data_setup_template"),
                               cached_template(entry["kind"], setup_year, lang, version, communes),
                               file_name=f"mau_{entry['kind']}_{setup_year}.xlsx", key=f"data_setup_tpl_{entry['item']}",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                               icon=":material/download:")
            if entry["item"] in checklist.TABLE_COLUMNS and can_import:
                with st.expander(base.tr("data_setup_type"), expanded=not entry["done"]):
                    st.caption(base.tr("data_setup_type_help"))
                    typed_table(entry["item"], setup_year)
