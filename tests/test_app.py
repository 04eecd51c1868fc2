"""The app shell and the Overview under AppTest, on the demo database and on an empty one."""

import pytest

from analytics.db import Database
from analytics.summary import summary
from conftest import open_app


def run_app(monkeypatch, db_path, lang="vi", role="viewer"):
    return open_app(monkeypatch, db_path, role=role, lang=lang)


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_overview_shows_the_summary_figures_on_the_demo(monkeypatch, demo_db_file, tmp_path):
    import shutil
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db_file, path)
    at = run_app(monkeypatch, path)
    assert not at.exception
    at.selectbox(key="year").set_value(2023).run()
    assert not at.exception
    with Database(demo_db_file, read_only=True) as db:  # the pristine copy: same figures
        expected = summary(db, 2023)["households"]
    shown = metrics(at)
    assert shown["Hộ nghèo"] == str(expected["poor"]) == "125"
    assert shown["Tỷ lệ hộ nghèo"] == "0,44 %"
    assert shown["Hộ cận nghèo"] == "143 (0,50 %)"
    assert any("minh họa" in i.value for i in at.info)


def test_overview_in_english(monkeypatch, demo_db_file, tmp_path):
    import shutil
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db_file, path)
    at = run_app(monkeypatch, path, lang="en")
    assert not at.exception
    at.selectbox(key="year").set_value(2023).run()
    assert metrics(at)["Poverty rate"] == "0.44%"


def test_an_empty_database_points_to_the_data_page(monkeypatch, tmp_path):
    at = run_app(monkeypatch, tmp_path / "empty.duckdb")
    assert not at.exception
    assert any("Dữ liệu" in w.value for w in at.warning)
