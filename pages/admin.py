"""Quản trị: accounts, officers' communes, settings and the audit log (administrators only)."""

from datetime import datetime, time, timedelta

import streamlit as st

from analytics import audit, auth, levels, local_standards
from analytics.i18n import fmt_datetime, local_time, utc_from_local

from dashboard import base, session, view

settings = view.sidebar()
lang = settings["lang"]
scope = session.current_scope()
if not scope.can("manage_accounts"):  # roles.csv gives this page only to administrators anyway
    st.error(base.tr("admin_denied"), icon=":material/block:")
    st.stop()
st.title(base.tr("admin_title"))

db = base.get_db()
roles = auth.roles()
communes = auth.commune_choices(db)
# "Xã Thanh An (Xã trước 2025)": the unit vintage in words, not its internal "2024:25327".
commune_label = {label: f"{name} ({base.tr(f'dash_units_{vintage}')})"
                 for label, name, vintage in zip(communes["label"], communes["name"], communes["vintage"])}


def done(message_key: str, clear: tuple = (), **values) -> None:
    st.session_state["admin_flash"] = base.tr(message_key, **values)
    for key in clear:  # the form's fields start empty again after a change that went through
        st.session_state.pop(key, None)
    st.rerun()


def attempt(action, message_key: str, clear: tuple = (), **values) -> None:
    """Run an account change; show why it was refused (the fields keep what was typed), or
    confirm it on the next run (the fields in ``clear`` emptied)."""
    try:
        action()
    except auth.AuthError as exc:
        st.error(base.tr(f"auth_error_{exc.reason}"), icon=":material/error:")
    else:
        done(message_key, clear, **values)


password_rule = base.tr("admin_password_rule", n=auth.min_length(db))
choose = {"placeholder": base.tr("choose_options"), "select_all": False}  # no English "Select all"


if flash := st.session_state.pop("admin_flash", None):
    st.success(flash, icon=":material/check_circle:")

tab_accounts, tab_communes, tab_home, tab_standards, tab_settings, tab_audit = st.tabs(
    [base.tr("admin_tab_accounts"), base.tr("admin_tab_communes"), base.tr("admin_tab_home"),
     base.tr("admin_tab_standards"), base.tr("admin_tab_settings"), base.tr("admin_tab_audit")])

with tab_accounts:
    accounts = auth.list_accounts(db)
    yes, no = base.tr("yes"), base.tr("no")
    shown = accounts.assign(role=accounts["role"].map(lambda r: roles[r].label(lang) if r in roles else r),
                            active=accounts["active"].map(lambda v: yes if v else no),
                            communes=accounts["communes"].map(
                                lambda v: "; ".join(commune_label.get(c, c) for c in str(v or "").split())),
                            **{c: accounts[c].map(lambda v: fmt_datetime(v, lang))
                               for c in ("locked_until", "last_login_at", "created_at") if c in accounts})
    st.dataframe(shown, hide_index=True, column_config={
        "username": base.tr("auth_username"), "display_name": base.tr("auth_display_name"),
        "email": "E-mail", "role": base.tr("admin_role"), "active": base.tr("admin_active"),
        "locked_until": base.tr("admin_locked_until"), "last_login_at": base.tr("admin_last_login"),
        "created_at": base.tr("admin_created_at"), "communes": base.tr("admin_communes")})

    # Not cleared on submit: a refused form keeps what was typed; cleared once the account exists.
    new_fields = ("admin_new_user", "admin_new_name", "admin_new_email", "admin_new_role", "admin_new_password",
                  "admin_new_communes")
    with st.form("admin_new_account", clear_on_submit=False):
        st.subheader(base.tr("admin_new_account"))
        c1, c2 = st.columns(2)
        new_user = c1.text_input(base.tr("auth_username"), max_chars=64, key="admin_new_user")
        new_name = c2.text_input(base.tr("auth_display_name"), max_chars=200, key="admin_new_name")
        new_email = c1.text_input("E-mail", max_chars=200, help=base.tr("admin_email_help"), key="admin_new_email")
        new_role = c2.selectbox(base.tr("admin_role"), list(roles), format_func=lambda r: roles[r].label(lang),
                                key="admin_new_role")
        new_password = c1.text_input(base.tr("auth_password"), type="password", key="admin_new_password",
                                     help=password_rule)
        c1.caption(password_rule)
        new_communes = c2.multiselect(base.tr("admin_communes"), list(commune_label),
                                      format_func=commune_label.get, key="admin_new_communes", **choose)
        if st.form_submit_button(base.tr("admin_create"), type="primary"):
            attempt(lambda: auth.create_account(
                db, new_user, new_role, new_password or ("" if not new_email else None),
                display_name=new_name or None, email=new_email or None,
                communes=auth.parse_communes(new_communes, 2024), actor=scope.username),
                "admin_done_created", new_fields, user=auth.normalize_username(new_user))

    if not accounts.empty:
        st.subheader(base.tr("admin_change_account"))
        who = st.selectbox(base.tr("auth_username"), accounts["username"].tolist(), key="admin_who")
        row = accounts[accounts["username"] == who].iloc[0]
        c1, c2, c3 = st.columns(3)
        with c1:
            role_choice = st.selectbox(base.tr("admin_role"), list(roles), index=list(roles).index(row["role"]),
                                       format_func=lambda r: roles[r].label(lang), key="admin_role_choice")
            if st.button(base.tr("admin_save_role"), key="admin_save_role"):
                attempt(lambda: auth.set_role(db, who, role_choice, actor=scope.username),
                        "admin_done_role", user=who)
        with c2:
            password = st.text_input(base.tr("admin_new_password"), type="password", key="admin_change_password",
                                     help=password_rule)
            st.caption(password_rule)
            if st.button(base.tr("admin_set_password"), key="admin_set_password"):
                attempt(lambda: auth.set_password(db, who, password, actor=scope.username),
                        "admin_done_password", ("admin_change_password",), user=who)
        with c3:
            active = bool(row["active"])
            label = base.tr("admin_disable") if active else base.tr("admin_enable")
            if st.button(label, key="admin_toggle_active"):
                attempt(lambda: auth.set_active(db, who, not active, actor=scope.username),
                        "admin_done_disabled" if active else "admin_done_enabled", user=who)
            if st.button(base.tr("admin_unlock"), key="admin_unlock", help=base.tr("admin_unlock_help")):
                attempt(lambda: auth.unlock_account(db, who, actor=scope.username), "admin_done_unlocked", user=who)

with tab_communes:
    st.caption(base.tr("admin_communes_help"))
    officers = accounts[accounts["role"] == "officer"]["username"].tolist()
    if not officers:
        st.info(base.tr("admin_no_officers"))
    else:
        officer = st.selectbox(base.tr("auth_username"), officers, key="admin_officer")
        current = accounts.loc[accounts["username"] == officer, "communes"].iloc[0].split()
        chosen = st.multiselect(base.tr("admin_communes"), list(commune_label), default=current,
                                format_func=commune_label.get, key=f"admin_communes_{officer}", **choose)
        if st.button(base.tr("admin_save_communes"), key="admin_save_communes"):
            attempt(lambda: auth.assign_communes(db, officer, auth.parse_communes(chosen, 2024),
                                                 actor=scope.username),
                    "admin_done_communes", user=officer)

with tab_home:
    st.caption(base.tr("admin_home_help"))
    home = levels.home_info(db)
    if home is not None:
        st.markdown(base.tr("home_area_caption", name=home["name"])
                    + ("" if home["chosen"] else " " + base.tr("home_area_default")))
    home_vintage = st.radio(base.tr("admin_home_vintage"), [2025, 2024], horizontal=True, key="admin_home_vintage",
                            format_func=lambda v: base.tr(f"admin_home_vintage_{v}"))
    provinces = levels.registry_choices(db, home_vintage)
    province = st.selectbox(base.tr("admin_home_province"), provinces["code"].tolist(), index=None,
                            format_func=dict(zip(provinces["code"], provinces["name"])).get,
                            key=f"admin_home_province_{home_vintage}")
    if province is not None:
        below = levels.registry_choices(db, home_vintage, province)
        names = dict(zip(below["code"], below["name"]))
        unit = st.selectbox(base.tr("admin_home_below"), [None, *below["code"]], key=f"admin_home_below_{province}",
                            format_func=lambda c: base.tr("admin_home_whole") if c is None else names[c])
        if home_vintage == 2024 and unit is not None:  # a district: the whole district, or one commune
            communes_below = levels.registry_choices(db, home_vintage, unit)
            commune_names = dict(zip(communes_below["code"], communes_below["name"]))
            unit = st.selectbox(base.tr("level_commune"), [None, *communes_below["code"]],
                                key=f"admin_home_commune_{unit}",
                                format_func=lambda c: names[unit] if c is None else commune_names[c]) or unit
        chosen_code = unit or province
        if st.button(base.tr("admin_home_save"), key="admin_home_save", type="primary"):
            info = levels.set_home_area(db, scope, home_vintage, chosen_code)
            done("admin_done_home", name=info["name"])

def standard_change(action, message_key: str, **values) -> None:
    """Set or remove an own standard (the permission is checked there too); why it was refused."""
    try:
        n = action()
    except local_standards.StandardRefused as exc:
        st.error(exc.message(lang), icon=":material/error:")
    except auth.PermissionDenied:
        st.error(base.tr("standard_err_denied"), icon=":material/block:")
    else:
        done(message_key, n=n, **values)


with tab_standards:
    st.caption(base.tr("admin_standards_help"))
    own = local_standards.display_rows(db, lang)
    if own:
        st.dataframe(own, hide_index=True, column_config={
            "name": base.tr("admin_standard_name"), "unit": base.tr("admin_standard_unit"),
            "years": base.tr("admin_standard_years"), "lines": base.tr("admin_standard_lines"),
            "source": base.tr("admin_standard_source")})
    else:
        st.info(base.tr("standard_none"))
    std_vintage = st.radio(base.tr("admin_home_vintage"), [2024, 2025], horizontal=True, key="admin_standard_vintage",
                           format_func=lambda v: base.tr(f"admin_home_vintage_{v}"))
    unit_names = levels.unit_labels(db, std_vintage)
    with st.form("admin_standard_form"):
        std_name = st.text_input(base.tr("admin_standard_name"), max_chars=200, key="admin_standard_name")
        std_unit = st.selectbox(base.tr("admin_standard_unit"), list(unit_names), index=None,
                                format_func=unit_names.get, key="admin_standard_unit", placeholder=choose["placeholder"])
        c1, c2 = st.columns(2)
        std_from = c1.number_input(base.tr("admin_standard_from"), 2000, 2100, 2022, key="admin_standard_from")
        std_to = c2.number_input(base.tr("admin_standard_to"), 2000, 2100, 2025, key="admin_standard_to")
        amounts = {f"{area}_{kind}": (c1 if kind == "poor" else c2).number_input(
            base.tr(f"admin_standard_{area}_{kind}"), 0, 100_000_000, 0, step=50_000, key=f"admin_standard_{area}_{kind}")
            for area in local_standards.AREAS for kind in ("poor", "average")}
        std_source = st.text_input(base.tr("admin_standard_source"), max_chars=500, key="admin_standard_source")
        if st.form_submit_button(base.tr("admin_standard_save"), type="primary"):
            lines = {area: (amounts[f"{area}_poor"], amounts[f"{area}_average"])
                     for area in local_standards.AREAS if amounts[f"{area}_poor"]}
            standard_change(lambda: local_standards.set_standard(
                db, scope, std_name, std_vintage, std_unit or "", std_from, std_to, lines, std_source),
                "standard_done_set", name=std_name.strip())
    if own:
        gone = st.selectbox(base.tr("admin_standard_name"), [r["name"] for r in own], key="admin_standard_gone")
        if st.button(base.tr("admin_standard_remove"), key="admin_standard_remove"):
            standard_change(lambda: local_standards.remove_standard(db, scope, gone), "standard_done_removed",
                            name=gone)

with tab_settings:
    # The home area has its own tab: a registry unit picked by name, checked and adopted there.
    every = db.frame("SELECT key, value, description_vi, description_en, source FROM setting ORDER BY key")
    description = "description_en" if lang == "en" else "description_vi"
    # A setting goes by what it does (its description), not its key; the home area's too, in the log.
    described = dict(zip(every["key"], every[description].fillna(every["key"])))
    table = every[every["key"] != levels.HOME_SETTING]
    st.dataframe(table[[description, "value", "source"]], hide_index=True, column_config={
        "value": base.tr("admin_value"), description: base.tr("admin_setting"), "source": base.tr("admin_source")})
    with st.form("admin_setting_form"):
        key = st.selectbox(base.tr("admin_setting"), table["key"].tolist(), key="admin_setting_key",
                           format_func=described.get)
        value = st.text_input(base.tr("admin_value"), key="admin_setting_value", max_chars=200)
        if st.form_submit_button(base.tr("admin_save_setting")):
            attempt(lambda: auth.update_setting(db, key, value, actor=scope.username),
                    "admin_done_setting", key=described.get(key, key))

with tab_audit:
    if not scope.can("read_audit"):  # the log refuses such a scope itself; the last tab, so stop
        st.caption(base.tr("admin_audit_denied"))
        st.stop()
    users = audit.users_in_log(db, scope)
    # Settings by what they do, roles and units by their names, in the details too (a home area,
    # a standard's unit, an account's communes: "vintage:code" in the log).
    units_named = levels.unit_names(db)
    detail_names = {"key": described, "role": {r: roles[r].label(lang) for r in roles},
                    **dict.fromkeys(("unit", "from", "to", "communes", "before", "after"), units_named)}
    c1, c2, c3, c4 = st.columns([1, 2, 1, 1])
    user = c1.selectbox(base.tr("admin_audit_user"), [None, *users], key="admin_audit_user",
                        format_func=lambda u: base.tr("admin_all") if u is None else u)
    actions = c2.multiselect(base.tr("admin_audit_action"), list(audit.ACTIONS), key="admin_audit_actions",
                             format_func=lambda a: base.tr(f"auth_action_{a}"),
                             **{**choose, "placeholder": base.tr("admin_all_actions")})
    today = local_time(audit.utcnow()).date()
    period = c3.date_input(base.tr("admin_audit_period"), (today - timedelta(days=30), today),
                           key="admin_audit_period", format="DD/MM/YYYY")
    text = c4.text_input(base.tr("admin_audit_text"), key="admin_audit_text", max_chars=200)
    since = until = None
    if isinstance(period, (tuple, list)) and period:  # days in Vietnam time; the log is in UTC
        since = utc_from_local(datetime.combine(period[0], time.min))
        until = utc_from_local(datetime.combine(period[-1], time.min) + timedelta(days=1))
    log = audit.read(db, scope, user=user, actions=actions, since=since, until=until, text=text or None)
    log = log.assign(action=log["action"].map(lambda a: base.tr(f"auth_action_{a}")),
                     ts=log["ts"].map(lambda v: fmt_datetime(v, lang)),
                     detail=log["detail"].map(lambda d: audit.describe(d, lang, detail_names)))
    st.caption(base.tr("admin_audit_count", n=len(log)))
    st.dataframe(log, hide_index=True, column_config={
        "ts": base.tr("admin_audit_time"), "user_name": base.tr("admin_audit_user"),
        "action": base.tr("admin_audit_action"), "detail": st.column_config.TextColumn(
            base.tr("admin_audit_detail"), width="large")})
