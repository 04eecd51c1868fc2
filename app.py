"""Entry point: ``streamlit run app.py``. The router, the sidebar and the page list."""

import streamlit as st

import auth_ui
import ui
from analytics.db import DatabaseError

st.set_page_config(page_title="Giảm nghèo bền vững", page_icon=":material/monitoring:", layout="wide")

try:
    ui.get_db()
except DatabaseError as exc:
    ui.show_database_error(exc)
    st.stop()

scope = auth_ui.require_login()  # without a session: only the login form, then stop

pages = [
    st.Page("pages/overview.py", title=ui.tr("page_overview"), icon=":material/dashboard:", default=True),
    st.Page("pages/communes.py", title=ui.tr("page_communes"), icon=":material/location_city:"),
    st.Page("pages/deprivations.py", title=ui.tr("page_deprivations"), icon=":material/grid_on:"),
    st.Page("pages/targets.py", title=ui.tr("page_targets"), icon=":material/flag:"),
    st.Page("pages/budget.py", title=ui.tr("page_budget"), icon=":material/account_balance:"),
    st.Page("pages/scenarios.py", title=ui.tr("page_scenarios"), icon=":material/tune:"),
    st.Page("pages/data.py", title=ui.tr("page_data"), icon=":material/upload_file:"),
    st.Page("pages/admin.py", title=ui.tr("page_admin"), icon=":material/admin_panel_settings:"),
]
page = st.navigation(auth_ui.allowed_pages(pages, scope))
page.run()
