"""The overview shows the home area: with data of two provinces and the home area set to one, its
cards and charts count that province only; the demo's figures stay the plan's with its district
as the home area."""

import shutil

import pytest

from analytics import levels, poverty, registry, targets, transitions
from analytics.auth import Scope
from analytics.db import Database
from builders import add_households, add_indicator_values, add_totals, household
from conftest import deferred_downloads, open_app

THANH_AN = "25327"  # Bình Phước (70), in every empty database


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


@pytest.fixture
def two_provinces(empty_db_file, tmp_path):
    """Households of 2023 and 2024 in a commune of Bình Phước (2 and 1 poor) and one of Bình
    Dương (5 and 4 poor); the database path and the Bình Dương commune."""
    path = tmp_path / "two.duckdb"
    shutil.copy(empty_db_file, path)
    with Database(path) as db:
        other = db.scalar("""SELECT min(c.code) FROM unit_registry c JOIN unit_registry d
                             ON d.vintage = c.vintage AND d.code = c.parent_code
                             WHERE c.vintage = 2024 AND d.parent_code = '74' AND c.unit_type = 'xa'""")
        with db.transaction() as cur:
            registry.adopt(cur, 2024, other)
        rows = []
        for year, counts in ((2023, {THANH_AN: 2, other: 5}), (2024, {THANH_AN: 1, other: 4})):
            for code, poor in counts.items():
                rows += [household(f"{code}-{i}", year, code, income=900_000, recorded="poor" if i < poor else "above")
                         for i in range(poor + 3)]
            add_totals(db, year, {THANH_AN: (100, 400), other: (200, 800)})
        add_households(db, rows)
        add_indicator_values(db, 2024, [(THANH_AN, "poor_reduction", "target", 1), (other, "poor_reduction", "target", 2)])
    return path, other


def test_the_home_areas_units_keep_only_its_figures(two_provinces):
    path, other = two_provinces
    with Database(path) as db:
        assert levels.home_units(db) is None  # not set: the data's own area, everything
        assert poverty.household_counts(db, 2024)["poor"] == 5
        levels.set_home_area(db, Scope.system("admin"), 2024, "70")
        home = levels.home_units(db)
        assert (2024, THANH_AN) in home and (2024, other) not in home
        assert (2025, "70") not in home and any(v == 2025 for v, _ in home)  # its successors too
        counts = poverty.household_counts(db, 2024, within_units=home)
        assert (counts["poor"], counts["total"]) == (1, 100)
        assert poverty.commune_table(db, 2024, within_units=home)["code"].tolist() == \
            sorted(c for v, c in home if v == 2024 and c in set(poverty.commune_table(db, 2024)["code"]))
        assert poverty.trend(db, within_units=home)["poor"].tolist() == [2, 1]
        assert poverty.trend(db)["poor"].tolist() == [7, 5]
        assert transitions.tables(db, 2024, within_units=home)["poor"]["code"].tolist() == [THANH_AN]
        assert targets.target_gaps(db, 2024)["org_unit"].tolist() == sorted([THANH_AN, other])
        assert targets.target_gaps(db, 2024, within_units=home)["org_unit"].tolist() == [THANH_AN]
        # What the overview's downloads count: the same units only.
        assert poverty.ethnicity_breakdown(db, 2024, within_units=home)["poor"].sum() == 1
        assert poverty.ethnicity_breakdown(db, 2024)["poor"].sum() == 5
        from analytics.reports import deck
        within = deck._within(db, 2024, None, home)
        codes = {c["code"] for c in within["communes"]}
        assert within["households"]["poor"] == 1 and THANH_AN in codes and other not in codes


def test_the_home_areas_own_target_comes_before_a_lower_units():
    import pandas as pd

    from analytics import filters
    gaps = pd.DataFrame({"org_unit": ["694", "70", "25327"], "indicator": ["poor_reduction"] * 3,
                         "target": [10, 30, 1]})
    assert filters.district_rows(gaps, ["25327"]).loc["poor_reduction", "target"] == 10
    assert filters.district_rows(gaps, ["25327"], own="70").loc["poor_reduction", "target"] == 30


def test_the_overview_shows_only_the_home_provinces_figures(two_provinces, monkeypatch, fresh_streamlit_caches):
    path, other = two_provinces
    at = open_app(monkeypatch, path, role="viewer", query={"year": "2024"})
    assert not at.exception
    assert metrics(at)["Hộ nghèo"] == "5"  # no home area: both provinces' data
    with Database(path) as db:
        levels.set_home_area(db, Scope.system("admin"), 2024, "70")
    at = open_app(monkeypatch, path, role="viewer", query={"year": "2024"})
    assert not at.exception
    shown = metrics(at)
    assert shown["Hộ nghèo"] == "1" and shown["Tỷ lệ hộ nghèo"] == "1,00 %"
    assert any("Bình Phước" in c.value for c in at.caption)


def test_the_demo_with_its_district_as_home_area_shows_the_plans_figures(demo_db_file, tmp_path, monkeypatch,
                                                                        fresh_streamlit_caches):
    # Set, the home area filters every read to its units (not set, nothing is filtered): the
    # filter must keep all of the district's figures.
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_file, path)
    with Database(path) as db:
        levels.set_home_area(db, Scope.system("admin"), 2024, "694")
    at = open_app(monkeypatch, path, role="viewer", query={"year": "2023"})
    assert not at.exception
    shown = metrics(at)
    assert (shown["Hộ nghèo"], shown["Tỷ lệ hộ nghèo"], shown["Hộ cận nghèo"]) == ("125", "0,44 %", "143 (0,50 %)")


def test_the_overviews_commune_picker_and_workbook_keep_to_the_home_area(two_provinces, monkeypatch,
                                                                         fresh_streamlit_caches):
    import io

    import openpyxl

    path, other = two_provinces
    with Database(path) as db:
        names = dict(db.query("SELECT code, name FROM org_unit WHERE vintage = 2024 AND code IN (?, ?)",
                              [THANH_AN, other]))
        levels.set_home_area(db, Scope.system("admin"), 2024, "70")
    deferred = deferred_downloads(monkeypatch)
    at = open_app(monkeypatch, path, role="viewer", query={"year": "2024"})
    assert not at.exception
    offered = at.selectbox(key="commune").options
    assert names[THANH_AN] in offered and names[other] not in offered  # only the home area's communes
    book = openpyxl.load_workbook(io.BytesIO(deferred["bao-cao-giam-ngheo-2024.xlsx"]()))
    cells = [c for row in book["Tổng hợp"].iter_rows(values_only=True) for c in row if c is not None]
    assert names[THANH_AN] in cells and names[other] not in cells
    assert not any(names[other] in str(c) for s in book for row in s.iter_rows(values_only=True) for c in row)
    total = next(row for row in book["Tổng hợp"].iter_rows(values_only=True) if "Tổng cộng" in row)
    assert total[2] == 100 and total[4] == 1  # households, poor: the home area's, as the cards show
