"""Reference data: org units of both vintages and the old-to-new mapping, standards, catalogue."""

import pytest

from analytics.reference import read_csv, vintage_for_year


@pytest.mark.parametrize("year,vintage", [(2021, 2024), (2024, 2024), (2025, 2025), (2030, 2025)])
def test_the_vintage_in_force_follows_the_year_of_the_data(year, vintage):
    assert vintage_for_year(year) == vintage


def test_every_old_commune_maps_to_one_new_unit(empty_db):
    rows = empty_db.query("""
        SELECT o.name, n.name FROM org_unit o
        JOIN org_unit_map m ON m.old_vintage = o.vintage AND m.old_code = o.code
        JOIN org_unit n ON n.vintage = m.new_vintage AND n.code = m.new_code
        WHERE o.vintage = 2024 AND o.parent_code = '694'""")
    mapping = dict(rows)
    assert len(mapping) == 13
    assert mapping["Xã Thanh An"] == mapping["Xã An Khương"] == "Xã Tân Hưng"
    assert mapping["Xã An Phú"] == "Xã Minh Đức"
    assert mapping["Xã Tân Quan"] == mapping["Xã Phước An"] == "Xã Tân Quan"
    assert mapping["Thị trấn Tân Khai"] == "Xã Tân Khai"
    assert mapping["Xã Thanh Bình"] == "Phường Bình Long"


def test_codes_are_reused_across_vintages_so_units_are_keyed_by_both(empty_db):
    names = dict(empty_db.query("SELECT vintage, name FROM org_unit WHERE code = '25349'"))
    assert names == {2024: "Xã Minh Tâm", 2025: "Xã Minh Đức"}


def test_rural_and_urban_follow_the_unit_type(empty_db):
    rows = empty_db.query("SELECT unit_type, is_urban FROM org_unit WHERE unit_type IN ('xa','phuong','thi_tran')")
    assert all(urban == (unit_type != "xa") for unit_type, urban in rows)


def test_standards_cover_each_period_and_area():
    rows = read_csv("poverty_standard.csv")
    lines = {(r["standard"], r["area"]): int(r["poor_income_max"]) for r in rows}
    assert lines == {("ND07_2021", "rural"): 1_500_000, ("ND07_2021", "urban"): 2_000_000,
                     ("ND351_2025", "rural"): 2_200_000, ("ND351_2025", "urban"): 2_800_000}


def test_indicators_have_dimension_names_and_answering_policy():
    rows = read_csv("deprivation_indicator.csv")
    nd07 = [r for r in rows if r["standard"] == "ND07_2021"]
    assert [int(r["number"]) for r in nd07] == list(range(1, 13))
    assert len({r["dimension_vi"] for r in nd07}) == 6
    assert all(r["name_vi"] and r["name_en"] and r["policy_vi"] for r in rows)


def test_the_catalogue_has_the_seven_projects_of_decision_90():
    rows = read_csv("project.csv")
    assert sorted({int(r["project_number"]) for r in rows}) == list(range(1, 8))
    assert {r["code"] for r in rows} >= {"DA3.TDA1", "DA3.TDA2", "DA4.TDA1", "DA4.TDA2", "DA4.TDA3"}
