"""Deprivation counts and shares, and Alkire–Foster H, A, M0 worked by hand."""

import math

import pytest

from analytics import deprivations
from builders import NEW_RURAL, RURAL, RURAL_2, add_households, household


@pytest.fixture
def four(empty_db):
    """Four households of Thanh An, 2024 (Decree 07: 12 indicators of weight 1/12, k = 3/12)."""
    add_households(empty_db, [
        household("h1", 2024, RURAL, income=1_000_000, deprived=(1, 3, 4)),         # poor, score 3/12
        household("h2", 2024, RURAL, income=1_000_000, deprived=(1, 2, 4, 7, 9)),   # poor, 5/12
        household("h3", 2024, RURAL, income=1_000_000, deprived=(4,)),              # near-poor, 1/12
        household("h4", 2024, RURAL, income=3_000_000, deprived=(7, 8, 10)),        # above the band, 3/12
        household("h5", 2024, RURAL_2, income=1_200_000, deprived=(11,)),           # near-poor elsewhere
    ])
    return empty_db


def test_counts_and_shares_per_commune_with_the_answering_policy(four):
    table = deprivations.deprivation_table(four, 2024)
    thanh_an = table[table.commune_code == RURAL].set_index("number")
    assert len(thanh_an) == 12 and thanh_an.commune_name.iloc[0] == "Xã Thanh An"
    assert (thanh_an.loc[4, "poor_count"], thanh_an.loc[4, "poor_share"]) == (2, 1.0)
    assert (thanh_an.loc[4, "near_poor_count"], thanh_an.loc[4, "near_poor_share"]) == (1, 1.0)
    assert (thanh_an.loc[2, "poor_count"], thanh_an.loc[2, "poor_share"]) == (1, 0.5)
    assert thanh_an.loc[8, "poor_count"] == 0  # only the household above the band lacks it
    assert thanh_an.loc[4, "name_en"] == "Health insurance"
    assert thanh_an.loc[4, "policy_en"] == "Health-insurance support"
    an_khuong = table[table.commune_code == RURAL_2].set_index("number")
    assert math.isnan(an_khuong.loc[11, "poor_share"]) and an_khuong.loc[11, "near_poor_share"] == 1.0


def test_district_table(four):
    district = deprivations.district_table(four, 2024).set_index("number")
    assert district.loc[11, "near_poor_count"] == 1
    assert district.loc[11, "near_poor_share"] == pytest.approx(1 / 2)
    assert district.loc[1, "poor_share"] == 1.0


def test_alkire_foster_worked_by_hand(four):
    af = deprivations.alkire_foster(four, 2024, commune_code=RURAL)
    # Scores 3/12, 5/12, 1/12, 3/12: three households at or above k = 3/12.
    assert (af.n, af.q, af.k) == (4, 3, 0.25)
    assert af.H == pytest.approx(3 / 4)
    assert af.A == pytest.approx((3 + 5 + 3) / 12 / 3)
    assert af.M0 == pytest.approx(11 / 48)
    # Weighted deprivations of the three, over their total of 11/12.
    got = af.contributions_in("en")
    assert got == pytest.approx({"Employment": 3 / 11, "Health": 3 / 11, "Education": 0.0,
                                 "Housing": 3 / 11, "Water and sanitation": 2 / 11, "Information": 0.0})
    assert sum(af.contributions.values()) == pytest.approx(1.0)
    district = deprivations.alkire_foster(four, 2024)
    assert (district.n, district.q) == (5, 3) and district.H == pytest.approx(3 / 5)


def test_decree_351_weights_split_a_dimension_among_its_indicators(empty_db):
    weights = deprivations.indicators(empty_db, 2027).set_index("number").weight
    assert weights.sum() == pytest.approx(1.0)
    assert weights[1] == pytest.approx(1 / 12) and weights[13] == pytest.approx(1 / 18)
    add_households(empty_db, [
        household("water", 2027, NEW_RURAL, income=1_000_000, deprived=(9, 10, 13)),
        household("three-dims", 2027, NEW_RURAL, income=1_000_000, deprived=(1, 3, 5)),
    ])
    af = deprivations.alkire_foster(empty_db, 2027)
    # k = 3/13; the water household scores 3/18 < k (though poor by the decree's count of 3),
    # the other 3/12 >= k.
    assert af.k == pytest.approx(3 / 13) and (af.n, af.q) == (2, 1)
    assert af.A == pytest.approx(3 / 12) and af.M0 == pytest.approx(0.5 * 3 / 12)
    assert deprivations.deprivation_table(empty_db, 2027).number.max() == 13


def test_demo_shares_are_consistent(demo_db):
    table = deprivations.deprivation_table(demo_db, 2023)
    assert table.commune_code.nunique() == 13
    district = deprivations.district_table(demo_db, 2023)
    by_number = table.groupby("number").poor_count.sum()
    assert (district.set_index("number").poor_count == by_number).all()
    af = deprivations.alkire_foster(demo_db, 2023)
    assert 0 < af.H <= 1 and af.k <= af.A <= 1 and af.M0 == pytest.approx(af.H * af.A)
    # Every household the decree calls poor has at least 3 of 12 equal-weight deprivations.
    assert af.q >= 125
