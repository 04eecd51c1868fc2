"""The unit page under AppTest on the demo: the level picker offers the levels of the year's
units; a district's communes (Hớn Quản, district 694 of the 2024 units: 13 communes) and a
province's districts are ranked by poverty rate with the figures of ``levels.level_table``, in
both languages; picking a child opens it, down to the commune view."""

import json

import pytest

from analytics import charts, levels
from analytics.db import Database
from analytics.i18n import fmt_number, fmt_percent, t
from test_pages import metrics, open_app, plotly_values


def expected_children(db_file, year, level, within):
    with Database(db_file, read_only=True) as db:
        frame = levels.level_table(db, year, level, within=within)
    return frame.sort_values(["poor_rate", "name"], ascending=[False, True]).reset_index(drop=True)


def open_level(monkeypatch, db_file, lang, level):
    at = open_app(monkeypatch, db_file, lang, year=2024)
    at.switch_page("pages/communes.py").run()
    assert not at.exception, at.exception
    at.segmented_control(key="communes_level").set_value(level).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def table_headed(at, label):
    """The one table of the page whose first column is ``label``."""
    [table] = [d.value for d in at.dataframe if list(d.value.columns)[:1] == [label]]
    return table


def assert_ranked(at, expected, lang, child):
    shown = table_headed(at, t(f"level_{child}", lang))
    assert shown[t("level_" + child, lang)].tolist() == expected["name"].tolist()
    for column, label, write in [("total", "total_households", fmt_number), ("poor", "poor_households", fmt_number),
                                 ("poor_rate", "poor_rate", fmt_percent),
                                 ("near_poor", "near_poor_households", fmt_number),
                                 ("near_poor_rate", "near_poor_rate", fmt_percent),
                                 ("poor_ethnic_minority", "dash_poor_em", fmt_number)]:
        assert shown[t(label, lang)].tolist() == [write(v, lang) for v in expected[column]], column
    # The one chart of the view: the children's poverty rates, in %.
    [chart] = at.get("plotly_chart")
    trace = json.loads(chart.proto.spec)["data"][0]
    drawn = {name: round(x, 9) for name, x in zip(trace["y"], plotly_values(trace["x"]))}
    assert drawn == {charts.short_commune(n): round(r * 100, 9) for n, r in zip(expected["name"], expected["poor_rate"])}
    assert any(m.value == "#### " + t(f"charts_children_{child}_title", lang) for m in at.markdown)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_district_ranks_its_communes_with_the_levels_figures(monkeypatch, module_demo_file, demo_db_file, lang):
    at = open_level(monkeypatch, module_demo_file, lang, "district")
    assert at.segmented_control(key="communes_level").options == [t(f"level_{lv}", lang)
                                                                   for lv in ("province", "district", "commune")]
    assert at.selectbox(key="communes_unit_district").value == "694"
    expected = expected_children(demo_db_file, 2024, "commune", "694")
    assert len(expected) == 13
    with Database(demo_db_file, read_only=True) as db:
        district = levels.level_table(db, 2024, "district").set_index("code").loc["694"]
    assert any(s.value == "Huyện Hớn Quản" for s in at.subheader)
    assert metrics(at)[t("poor_households", lang)] == fmt_number(district["poor"], lang)
    assert metrics(at)[t("poor_rate", lang)] == fmt_percent(district["poor_rate"], lang)
    # The district's figures are the sums of its communes' (rates from the sums).
    assert district["poor"] == expected["poor"].sum() and district["total"] == expected["total"].sum()
    assert_ranked(at, expected, lang, "commune")

    top = str(expected["code"].iloc[0])  # the poorest commune opens in the commune view
    at.selectbox(key="communes_drill").set_value(top).run()
    assert not at.exception, at.exception
    assert at.segmented_control(key="communes_level").value == "commune"
    assert at.selectbox(key="communes_pick").value == top
    assert any(s.value == expected["name"].iloc[0] for s in at.subheader)
    assert metrics(at)[t("poor_households", lang)] == fmt_number(expected["poor"].iloc[0], lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_province_ranks_its_districts_and_opens_one(monkeypatch, module_demo_file, demo_db_file, lang):
    at = open_level(monkeypatch, module_demo_file, lang, "province")
    assert at.selectbox(key="communes_unit_province").value == "70"
    assert_ranked(at, expected_children(demo_db_file, 2024, "district", "70"), lang, "district")
    at.selectbox(key="communes_drill").set_value("694").run()
    assert not at.exception, at.exception
    assert at.segmented_control(key="communes_level").value == "district"
    assert at.selectbox(key="communes_unit_district").value == "694"
    assert_ranked(at, expected_children(demo_db_file, 2024, "commune", "694"), lang, "commune")


def test_the_2025_units_have_no_district_level(monkeypatch, module_demo_file, demo_db_file):
    at = open_app(monkeypatch, module_demo_file, "en", year=2024, units=2025)
    at.switch_page("pages/communes.py").run()
    assert not at.exception
    assert at.segmented_control(key="communes_level").options == ["Province", "Commune"]
    at.segmented_control(key="communes_level").set_value("province").run()
    assert not at.exception and not at.error
    with Database(demo_db_file, read_only=True) as db:
        expected = levels.level_table(db, 2024, "commune", units=2025, within="75")
    assert len(table_headed(at, "Commune")) == len(expected) == 5


def test_the_level_and_unit_are_kept_in_the_url_and_a_link_opens_them(monkeypatch, module_demo_file):
    at = open_app(monkeypatch, module_demo_file, "en", year=2024, level="district", unit="694")
    at.switch_page("pages/communes.py").run()
    assert not at.exception, at.exception
    assert at.segmented_control(key="communes_level").value == "district"
    assert at.selectbox(key="communes_unit_district").value == "694"
    assert any(s.value == "Huyện Hớn Quản" for s in at.subheader)
    assert (at.query_params["level"], at.query_params["unit"]) == ("district", "694")

    at.segmented_control(key="communes_level").set_value("province").run()
    assert (at.query_params["level"], at.query_params["unit"]) == ("province", "70")
    at.segmented_control(key="communes_level").set_value("commune").run()
    assert "level" not in at.query_params  # the commune level is the page's default
    at.selectbox(key="communes_pick").set_value("25330").run()
    assert at.query_params["unit"] == "25330"


def test_a_link_to_a_commune_opens_it_and_a_stale_link_falls_back(monkeypatch, module_demo_file):
    at = open_app(monkeypatch, module_demo_file, "en", year=2024, unit="25330")
    at.switch_page("pages/communes.py").run()
    assert not at.exception, at.exception
    assert at.segmented_control(key="communes_level").value == "commune"
    assert at.selectbox(key="communes_pick").value == "25330"
    assert any(s.value == "Xã An Khương" for s in at.subheader)

    # a unit the level does not hold (a commune's code for a district) opens the level's default
    at = open_app(monkeypatch, module_demo_file, "en", year=2024, level="district", unit="25330")
    at.switch_page("pages/communes.py").run()
    assert not at.exception, at.exception
    assert at.segmented_control(key="communes_level").value == "district"
    assert at.selectbox(key="communes_unit_district").value == "694"
    assert at.query_params["unit"] == "694"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_each_level_shows_its_targets_and_gaps_beside_the_lower_units_sum(monkeypatch, demo_db_file, tmp_path, lang):
    import shutil
    from builders import add_indicator_values
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_file, path)
    with Database(path) as db:  # a province target of 80 households above the district's plan of 68
        add_indicator_values(db, 2024, [("70", "poor_reduction", "target", 80)])
        expected = {code: levels.unit_targets(db, 2024, code, lower_only=True).set_index("indicator")
                    for code in ("70", "694", "25327")}
    province = expected["70"].loc["poor_reduction"]
    assert (province.target, province.lower_targets, province.lower_units, province.units_below) == (80, 68, 1, 1)
    assert province.gap == 80 - province.achieved
    columns = [t(k, lang) for k in ("dash_indicator", "dash_target_value", "charts_achieved", "dash_gap",
                                    "dash_status", "dash_lower_targets")]

    at = open_app(monkeypatch, path, lang, year=2024, level="province", unit="70")
    at.switch_page("pages/communes.py").run()
    assert not at.exception, at.exception
    assert any(s.value == t("dash_unit_targets_title", lang, name="Tỉnh Bình Phước") for s in at.subheader)
    table = table_headed(at, columns[0])
    assert list(table.columns) == columns
    label = "name_vi" if lang == "vi" else "name_en"
    name = expected["70"].loc["poor_reduction", label]
    row = table.set_index(columns[0]).loc[name]
    assert row[columns[1]] == fmt_number(80, lang) and row[columns[2]] == fmt_number(province.achieved, lang)
    assert row[columns[3]] == fmt_number(province.gap, lang)
    assert row[columns[5]] == f"{fmt_number(68, lang)} (1/1)"
    # a row set only below (the district's ethnic-minority target): no target here, the sum beside
    minority = expected["70"].loc["poor_ethnic_minority_reduction"]
    assert minority.lower_targets == 43
    em = table.set_index(columns[0]).loc[minority[label]]
    assert (em[columns[1]], em[columns[3]], em[columns[5]]) == ("–", "–", f"{fmt_number(43, lang)} (1/1)")

    at.selectbox(key="communes_drill").set_value("694").run()  # the district: its own plan, its communes' sum
    district = expected["694"].loc["poor_reduction"]
    row = table_headed(at, columns[0]).set_index(columns[0]).loc[name]
    assert row[columns[1]] == fmt_number(district.target, lang) and row[columns[3]] == fmt_number(district.gap, lang)
    assert row[columns[5]] == f"{fmt_number(district.lower_targets, lang)} ({district.lower_units}/13)"

    at.selectbox(key="communes_drill").set_value("25327").run()  # a commune: no units below, no sum
    commune = expected["25327"].loc["poor_reduction"]
    [table] = [d.value for d in at.dataframe if list(d.value.columns) == columns[:5]]
    assert table.set_index(columns[0]).loc[name][columns[1]] == fmt_number(commune.target, lang)
