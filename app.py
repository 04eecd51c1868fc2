"""Entry point: ``streamlit run app.py``. The router, the sidebar and the page list."""

import streamlit as st

from analytics.db import DatabaseError

from dashboard import base, session

st.set_page_config(page_title="Giảm nghèo bền vững", page_icon=":material/monitoring:", layout="wide")


def main() -> None:
    try:
        base.get_db()
    except DatabaseError as exc:
        base.show_database_error(exc)
        st.stop()

    scope = session.require_login()  # without a session: only the login form, then stop

    pages = [
        st.Page("pages/overview.py", title=base.tr("page_overview"), icon=":material/dashboard:", default=True),
        st.Page("pages/communes.py", title=base.tr("page_communes"), icon=":material/location_city:"),
        st.Page("pages/deprivations.py", title=base.tr("page_deprivations"), icon=":material/grid_on:"),
        st.Page("pages/targets.py", title=base.tr("page_targets"), icon=":material/flag:"),
        st.Page("pages/budget.py", title=base.tr("page_budget"), icon=":material/account_balance:"),
        st.Page("pages/scenarios.py", title=base.tr("page_scenarios"), icon=":material/tune:"),
        st.Page("pages/data.py", title=base.tr("page_data"), icon=":material/upload_file:"),
        st.Page("pages/admin.py", title=base.tr("page_admin"), icon=":material/admin_panel_settings:"),
    ]
    st.navigation(session.allowed_pages(pages, scope)).run()


try:
    main()
except Exception as exc:  # never a traceback in the browser (st.stop and st.rerun are not Exceptions)
    base.report_unexpected_error(exc)
