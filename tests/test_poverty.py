"""Rates by commune, district, area, persons and ethnic minority: a worked example counted by hand."""

import math

import pytest

from analytics import poverty
from builders import RURAL, URBAN, add_households, add_totals, household


@pytest.fixture
def small(empty_db):
    """Thanh An (rural: 250 households, 1,000 persons) and Tân Khai (urban: 100, 300) in 2023;
    Thanh An alone (240 households) in 2022."""
    add_totals(empty_db, 2023, {RURAL: (250, 1000), URBAN: (100, 300)})
    add_totals(empty_db, 2022, {RURAL: (240, 960)})
    add_households(empty_db, [
        household("p1", 2023, RURAL, recorded="poor", members=6),
        household("p2", 2023, RURAL, recorded="poor", minority=True, members=3),
        household("n1", 2023, RURAL, recorded="near_poor", minority=True, members=4),
        household("n2", 2023, RURAL, recorded="near_poor", members=4),
        household("a1", 2023, RURAL, recorded="average"),
        household("u1", 2023, URBAN, recorded="poor", members=2, no_labour_capacity=True),
        household("u2", 2023, URBAN, recorded="near_poor", minority=True, ethnicity="Khmer", members=3,
                  has_merit=True),
        household("p1", 2022, RURAL, recorded="poor", members=6),
    ])
    return empty_db


def test_commune_rates_worked_by_hand(small):
    table = poverty.commune_table(small, 2023).set_index("code")
    assert len(table) == 13  # every commune of the vintage, with or without data
    thanh_an, tan_khai = table.loc[RURAL], table.loc[URBAN]
    assert (thanh_an.poor, thanh_an.near_poor, thanh_an.total) == (2, 2, 250)
    assert thanh_an.poor_rate == pytest.approx(2 / 250)
    assert thanh_an.near_poor_rate == pytest.approx(2 / 250)
    assert thanh_an.poor_persons == 6 + 3 and thanh_an.poor_persons_rate == pytest.approx(9 / 1000)
    assert (thanh_an.poor_ethnic_minority, thanh_an.near_poor_ethnic_minority) == (1, 1)
    assert (tan_khai.poor, tan_khai.near_poor, tan_khai.poor_rate) == (1, 1, pytest.approx(1 / 100))
    assert bool(tan_khai.is_urban) and not bool(thanh_an.is_urban)
    no_data = table.loc["25438"]
    assert no_data.poor == 0 and math.isnan(no_data.poor_rate)


def test_district_rates_by_area_ethnicity_and_persons(small):
    h = poverty.household_counts(small, 2023)
    assert (h["poor"], h["near_poor"], h["total"]) == (3, 3, 350)
    assert h["poor_rate"] == pytest.approx(3 / 350)
    assert (h["poor_rural"], h["poor_urban"], h["total_rural"], h["total_urban"]) == (2, 1, 250, 100)
    assert h["poor_rural_rate"] == pytest.approx(2 / 250)
    assert h["poor_urban_rate"] == pytest.approx(1 / 100)
    assert h["poor_ethnic_minority"] == 1 and h["poor_ethnic_minority_share"] == pytest.approx(1 / 3)
    assert h["near_poor_ethnic_minority_share"] == pytest.approx(2 / 3)
    assert h["poor_persons"] == 11 and h["poor_persons_rate"] == pytest.approx(11 / 1300)


def test_trend_runs_over_the_years(small):
    trend = poverty.trend(small)
    assert trend.year.tolist() == [2022, 2023]
    assert trend.poor.tolist() == [1, 3] and trend.total.tolist() == [240, 350]
    assert trend.poor_rate.tolist() == pytest.approx([1 / 240, 3 / 350])
    one = poverty.trend(small, commune_code=URBAN, units=2024)
    assert one.poor.tolist() == [1] and one.year.tolist() == [2023]


def test_target_groups_and_ethnicities(small):
    groups = poverty.group_breakdown(small, 2023).set_index("group")
    assert groups.loc["ethnic_minority"].tolist() == [1, 2]
    assert groups.loc["no_labour_capacity"].tolist() == [1, 0]
    assert groups.loc["has_merit"].tolist() == [0, 1]
    eth = poverty.ethnicity_breakdown(small, 2023)
    assert eth.ethnicity.tolist() == ["Kinh", "S'tiêng", "Khmer"]
    assert eth.poor.tolist() == [2, 1, 0] and eth.near_poor.tolist() == [1, 1, 1]


def test_demo_commune_table_adds_up_to_the_district(demo_db):
    for year in poverty.years_with_data(demo_db):
        table = poverty.commune_table(demo_db, year)
        counts = poverty.household_counts(demo_db, year)
        assert table.poor.sum() == counts["poor"]
        assert table.near_poor.sum() == counts["near_poor"]
        assert counts["poor_rural"] + counts["poor_urban"] == counts["poor"]
    assert poverty.trend(demo_db).set_index("year").loc[2023, "poor"] == 125
