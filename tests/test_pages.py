"""The dashboard pages under AppTest: every page opens in both languages on the demo database and
on an empty one without exception; the Overview's headline equals ``summary``; filters, units and
the meeting mode change what is shown; errors are readable messages, never tracebacks."""

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from analytics import budget, poverty, targets, transitions
from analytics.db import Database
from analytics.i18n import fmt_number, fmt_percent
from analytics.reference import vintage_for_year
from analytics.summary import summary
import conftest

PAGES = ["overview", "communes", "deprivations", "targets", "budget"]


_OPEN = {"path": None}


@pytest.fixture(scope="module", autouse=True)
def fresh_resources():
    yield
    _forget_database()


def _forget_database() -> None:
    import streamlit as st
    st.cache_resource.clear()
    st.cache_data.clear()
    _OPEN["path"] = None


def open_app(monkeypatch, db_path, lang="vi", role="viewer", **query) -> AppTest:
    """conftest's ``open_app`` with the URL query parameters as keywords; the caches are kept
    from test to test on the same file and forgotten when the file changes."""
    if _OPEN["path"] != str(db_path):  # the process's connection and caches belong to one file
        _forget_database()
        _OPEN["path"] = str(db_path)
    return conftest.open_app(monkeypatch, db_path, role=role, lang=lang, query=query)


def plotly_values(values) -> list:
    """A trace's values from a figure's JSON (Plotly writes numeric arrays as typed base64)."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def texts(at) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_page_opens_on_the_demo_with_charts_and_takeaways(monkeypatch, module_demo_file, lang):
    at = open_app(monkeypatch, module_demo_file, lang, year=2024)
    for page in PAGES:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert not at.error, (page, [e.value for e in at.error])
        assert at.metric, page  # the headline figure
        assert len(at.get("plotly_chart")) >= 1, page
        assert ":material/lightbulb:" in texts(at), page  # at least one takeaway


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_page_says_where_to_go_on_an_empty_database(monkeypatch, tmp_path, lang):
    at = open_app(monkeypatch, tmp_path / "empty.duckdb", lang, role="admin")
    for page in PAGES:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert at.warning and ("Dữ liệu" in at.warning[0].value or "Data" in at.warning[0].value), page
        assert not at.get("plotly_chart"), page


@pytest.mark.parametrize("year", [2023, 2024])
def test_the_overview_headline_equals_the_summary(monkeypatch, module_demo_file, demo_db_file, year):
    at = open_app(monkeypatch, module_demo_file, "vi", year=year)
    assert not at.exception
    with Database(demo_db_file, read_only=True) as db:
        expected = summary(db, year)
        execution = budget.execution(db, year)
        gaps = targets.target_gaps(db, year)
    h = expected["households"]
    shown = metrics(at)
    assert shown["Hộ nghèo"] == fmt_number(h["poor"], "vi")
    assert shown["Tỷ lệ hộ nghèo"] == fmt_percent(h["poor_rate"], "vi")
    assert shown["Hộ cận nghèo"] == f"{fmt_number(h['near_poor'], 'vi')} ({fmt_percent(h['near_poor_rate'], 'vi')})"
    if execution.empty:
        assert shown["Đã giải ngân (triệu đồng)"] == "–"
    else:
        assert shown["Đã giải ngân (triệu đồng)"] == fmt_number(execution["disbursed"].sum(), "vi")
    em = gaps[(gaps.org_unit == "694") & (gaps.indicator == "poor_ethnic_minority_reduction")]
    expected_em = "–" if em.empty else f"{fmt_number(em.achieved.iloc[0])} / {fmt_number(em.target.iloc[0])}"
    assert shown["Giảm nghèo DTTS"] == expected_em
    if year == 2023:  # the plan's own end-2023 figures
        assert (shown["Hộ nghèo"], shown["Tỷ lệ hộ nghèo"], shown["Hộ cận nghèo"]) == ("125", "0,44 %", "143 (0,50 %)")


def test_the_overview_in_english_writes_numbers_the_english_way(monkeypatch, module_demo_file):
    at = open_app(monkeypatch, module_demo_file, "en", year=2024)
    shown = metrics(at)
    assert shown["Poverty rate"] == "0.25%"
    assert shown["Disbursed (VND million)"] == "3,399"
    assert "Poor households fell from 125 (2023) to 73 (2024)" in texts(at)


def test_the_area_filter_narrows_the_headline_to_the_urban_unit(monkeypatch, module_demo_file, demo_db_file):
    at = open_app(monkeypatch, module_demo_file, "vi", year=2023, area="urban")
    assert not at.exception
    with Database(demo_db_file, read_only=True) as db:
        urban = summary(db, 2023)["households"]["poor_urban"]
    assert metrics(at)["Hộ nghèo"] == str(urban) == "2"  # the plan: 2 urban poor households


def test_the_ethnic_filter_counts_that_group_only(monkeypatch, module_demo_file, demo_db_file):
    at = open_app(monkeypatch, module_demo_file, "vi", year=2023, ethnic="ethnic_minority")
    assert metrics(at)["Hộ nghèo"] == "52"  # the plan: 52 ethnic-minority poor households
    # 61 ethnic-minority near-poor households, over all 28,400 households: the totals have no ethnic split.
    assert metrics(at)["Hộ cận nghèo"] == f"61 ({fmt_percent(61 / 28_400, 'vi')})" == "61 (0,21 %)"
    traces = [t for c in at.get("plotly_chart") for t in json.loads(c.proto.spec)["data"]]
    poor_bars = [t for t in traces if t.get("name") == "Hộ nghèo"][0]  # the trend's poor bars
    by_year = dict(zip(plotly_values(poor_bars["x"]), plotly_values(poor_bars["y"])))
    with Database(demo_db_file, read_only=True) as db:
        em = poverty.trend(db).set_index("year")["poor_ethnic_minority"]
    assert by_year == {int(y): int(n) for y, n in em.items()} and by_year[2023] == 52  # the trend too


def test_pages_that_count_every_household_say_so_under_an_ethnic_filter(monkeypatch, module_demo_file):
    at = open_app(monkeypatch, module_demo_file, "vi", year=2024, ethnic="ethnic_minority")
    note = "Trang này tính mọi hộ, không riêng nhóm DTTS"
    assert not any(note in c.value for c in at.caption)  # the overview follows the group
    for page in ("deprivations", "targets"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception and any(note in c.value for c in at.caption), page


def test_a_commune_in_the_url_opens_that_commune(monkeypatch, module_demo_file, demo_db_file):
    at = open_app(monkeypatch, module_demo_file, "vi", year=2024, commune="25438")
    at.switch_page("pages/communes.py").run()
    assert not at.exception
    with Database(demo_db_file, read_only=True) as db:
        row = [c for c in summary(db, 2024)["communes"] if c["code"] == "25438"][0]
    assert any(s.value == "Xã Tân Quan" for s in at.subheader)
    assert metrics(at)["Hộ nghèo"] == fmt_number(row["poor"])


def test_the_commune_map_appears_after_uploading_boundaries(monkeypatch, module_demo_file):
    at = open_app(monkeypatch, module_demo_file, "vi", year=2024)
    at.switch_page("pages/communes.py").run()
    assert not at.file_uploader  # the uploader only on request
    at.toggle(key="communes_map_upload").set_value(True).run()
    assert at.file_uploader and not any('"choropleth"' in c.proto.spec for c in at.get("plotly_chart"))
    square = [[[106.0, 11.0], [106.1, 11.0], [106.1, 11.1], [106.0, 11.0]]]
    boundaries = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "25438"}, "geometry": {"type": "Polygon", "coordinates": square}}]}
    at.file_uploader(key="communes_geojson_file").set_value(
        [("ranh_gioi.geojson", json.dumps(boundaries).encode(), "application/geo+json")]).run()
    assert not at.exception
    assert any('"choropleth"' in c.proto.spec for c in at.get("plotly_chart"))


def test_the_2025_units_sum_the_merged_communes(monkeypatch, module_demo_file):
    at = open_app(monkeypatch, module_demo_file, "vi", year=2024, units=2025)
    at.switch_page("pages/communes.py").run()
    assert not at.exception
    [table] = [d.value for d in at.dataframe if list(d.value.columns)[:1] == ["Xã"]]  # the communes' table
    names = set(table[table.columns[0]])
    assert "Xã Tân Hưng" in names and "Xã Thanh An" not in names  # Thanh An merged into Tân Hưng
    assert len(table) == 5


def test_meeting_mode_shows_one_chart_per_screen_and_steps(monkeypatch, module_demo_file):
    at = open_app(monkeypatch, module_demo_file, "vi", year=2024, meeting="true")
    assert not at.exception
    assert at.metric and not at.get("plotly_chart")  # slide 1: the headline cards
    assert any("1 / 4" in m.value for m in at.markdown)
    at.button(key="meeting_next").click().run()
    assert len(at.get("plotly_chart")) == 1 and not at.metric
    assert any("2 / 4" in m.value for m in at.markdown)
    at.button(key="meeting_prev").click().run()
    at.button(key="meeting_prev").click().run()  # wraps round to the last slide
    assert any("4 / 4" in m.value for m in at.markdown)
    at.button(key="meeting_exit").click().run()
    assert not at.session_state["meeting"]
    assert len(at.get("plotly_chart")) >= 2


def test_a_failing_query_is_a_readable_message_not_a_traceback(monkeypatch, app_db):
    with Database(app_db) as db, db.transaction() as cur:
        cur.execute("DROP TABLE budget_line_snapshot")
    at = open_app(monkeypatch, app_db, "vi", year=2024)
    at.switch_page("pages/budget.py").run()
    assert not at.exception
    message = at.error[0].value
    assert "Không đọc được số liệu" in message and "budget." in message and "budget_line_snapshot" in message


def _record_analytics(monkeypatch) -> list:
    """Reads of the database by the analytics functions (not the calls they make in turn), as
    (module.function, arguments after the database, keyword arguments); patched in their modules
    (where they call one another) and in the cached reads of ``dashboard.reads`` that call them."""
    import threading

    from analytics import units
    from dashboard import reads

    calls, inside, spies = [], threading.local(), {}
    for module in (poverty, transitions, targets, budget, units):
        for name, function in list(vars(module).items()):
            if callable(function) and not name.startswith("_") and getattr(function, "__module__", None) == module.__name__:
                def spy(db, *args, _real=function, _name=f"{module.__name__.split('.')[-1]}.{name}", **kwargs):
                    if not getattr(inside, "depth", 0) and isinstance(db, Database):
                        calls.append((_name, args, tuple(sorted(kwargs.items()))))
                    inside.depth = getattr(inside, "depth", 0) + 1
                    try:
                        return _real(db, *args, **kwargs)
                    finally:
                        inside.depth -= 1
                monkeypatch.setattr(module, name, spy)
                spies[function] = spy
    for read in vars(reads).values():
        if isinstance(read, reads.CachedRead) and read.function in spies:
            monkeypatch.setattr(read, "function", spies[read.function])
    return calls


def test_the_login_form_computes_the_landing_figures_ahead(monkeypatch, app_db):
    """While the login form waits, the overview of the URL's year (not the latest here) is
    computed into the caches in a thread of its own; after logging in the overview computes
    nothing; another login form on the same data starts nothing new."""
    from dashboard import landing

    calls = _record_analytics(monkeypatch)
    at = open_app(monkeypatch, app_db, role=None, year=2023)
    assert conftest.shows_only_the_login_form(at)
    first = landing.warming
    first.join(timeout=60)
    assert not first.is_alive()
    vintage = vintage_for_year(2023)
    assert sorted(calls, key=repr) == sorted([
        ("poverty.years_with_data", (), ()), ("units.communes", (vintage,), ()),
        ("poverty.commune_table", (2023,), ()), ("poverty.commune_table", (2022,), (("units", vintage),)),
        ("poverty.household_counts", (2023,), ()), ("transitions.tables", (2023,), ()),
        ("targets.target_gaps", (2023,), ()), ("budget.execution", (2023,), ()), ("poverty.trend", (), ()),
        ("budget.plan_years", (), ()),  # 2023 has no budget plan: the card says which year has
    ], key=repr)
    computed_ahead = list(calls)
    conftest.login_as(at, "viewer")
    at.run()
    assert not at.exception and at.title[0].value.endswith("2023")
    assert calls == computed_ahead  # the headline and charts read what the login form computed
    again = open_app(monkeypatch, app_db, role=None, year=2023)
    assert conftest.shows_only_the_login_form(again)
    assert landing.warming is first and calls == computed_ahead


def test_the_warm_up_thread_is_not_tied_to_the_login_session(monkeypatch, app_db):
    """The thread must never write to the login page, nor be stopped with its run at the login
    click: it runs without the session's script context."""
    from dashboard import landing
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    contexts = []
    real = landing._warm
    monkeypatch.setattr(landing, "_warm", lambda settings: contexts.append(get_script_run_ctx(True)) or real(settings))
    open_app(monkeypatch, app_db, role=None)
    landing.warming.join(timeout=60)
    assert contexts == [None]


def test_the_login_form_has_the_browser_import_the_headline_code(monkeypatch, app_db):
    """The metric's browser module, named by this Streamlit version's build, is imported by the
    login page (found where Streamlit keeps it: a version that moves it fails here, not silently)."""
    from dashboard import landing

    assert landing._METRIC_MODULE is not None
    at = open_app(monkeypatch, app_db, role=None)
    scripts = [h.proto.body for h in at.get("html")]
    assert any(f'import(new URL("{landing._METRIC_MODULE.name}"' in body for body in scripts)


def test_the_budget_page_shows_plan_and_disbursement_by_capital_type(monkeypatch, module_demo_file, demo_db_file):
    at = open_app(monkeypatch, module_demo_file, "vi", year=2024)
    at.switch_page("pages/budget.py").run()
    assert not at.exception
    assert "Theo loại vốn" in [s.value for s in at.subheader]
    with Database(demo_db_file, read_only=True) as db:
        disbursed = budget.execution(db, 2024)["disbursed"].sum()
    table = next(df.value for df in at.dataframe if "Loại vốn" in df.value.columns)
    assert table.to_dict("records") == [{"Loại vốn": "Vốn sự nghiệp", "Kế hoạch vốn": fmt_number(4034, "vi"),
                                         "Đã giải ngân": fmt_number(disbursed, "vi"),
                                         "Tỷ lệ": fmt_percent(disbursed / 4034, "vi")}]


def test_the_pages_say_where_a_divided_communes_figures_go(monkeypatch, tmp_path, demo_db_file):
    import shutil
    path = tmp_path / "divided.duckdb"
    shutil.copy(demo_db_file, path)
    with Database(path) as db, db.transaction() as cur:
        cur.execute("INSERT INTO org_unit_map (old_vintage, old_code, new_vintage, new_code, is_default, source) "
                    "VALUES (2024, '25354', 2025, '25345', false, 'test: a part of Thanh Bình')")
    said = ("Xã Thanh Bình (đơn vị cũ) đã được chia cho Phường Bình Long và Xã Tân Hưng; toàn bộ số liệu "
            "của Xã Thanh Bình được tính vào Phường Bình Long.")
    at = open_app(monkeypatch, path, "vi", year=2024, units=2025)
    assert not at.exception
    assert said in [c.value for c in at.caption]
    at = open_app(monkeypatch, path, "vi", year=2024)  # in the data's own units there is nothing to say
    assert said not in [c.value for c in at.caption]
