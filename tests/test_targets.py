"""Targets against what was achieved: gaps and statuses worked by hand, the rule from settings."""

from datetime import date

import pandas as pd
import pytest

from analytics import poverty, targets
from builders import RURAL, RURAL_2, add_households, add_indicator_values, add_totals, household

A, B = RURAL, RURAL_2


@pytest.fixture
def planned(empty_db):
    """A: 6 poor at the end of 2023 (4 ethnic minority), 2 at the end of 2024 (1 minority) and 2
    near-poor; B: 3 poor both years. 2024 targets per commune."""
    rows = []
    for i in range(6):
        rows.append(household(f"a{i}", 2023, A, recorded="poor", minority=i < 4))
    rows += [household("a0", 2024, A, recorded="poor", minority=True, deprived=(4,)),
             household("a4", 2024, A, recorded="poor", deprived=(1, 2, 3)),
             household("a1", 2024, A, recorded="near_poor", minority=True, deprived=(4, 5)),
             household("a2", 2024, A, recorded="near_poor", minority=True)]
    for year in (2023, 2024):
        rows += [household(f"b{i}", year, B, recorded="poor") for i in range(3)]
    add_households(empty_db, rows)
    add_totals(empty_db, 2024, {A: 1000, B: 500})
    add_indicator_values(empty_db, 2024, [
        (A, "poor_reduction", "target", 5), (A, "poor_ethnic_minority_reduction", "target", 3),
        (A, "poor_kinh_reduction", "target", 2), (A, "poor_rate", "target", 0.003),
        (A, "health_insurance_coverage", "target", 1.0), (A, "officers_trained", "target", 1.0),
        (B, "poor_reduction", "target", 1), (B, "credit_access", "target", 1.0),
        (B, "credit_access", "actual", 0.95),
    ])
    return empty_db


def gaps_by_key(db, **kw):
    frame = targets.target_gaps(db, 2024, **kw)
    return {(r["org_unit"], r["indicator"]): r for r in frame.to_dict("records")}


def test_gaps_and_statuses_worked_by_hand(planned):
    g = gaps_by_key(planned)
    # A reduced 6 -> 2 = 4 of 5 (0.8: at risk); minority 4 -> 1 = 3 of 3; Kinh 2 -> 1 = 1 of 2.
    assert (g[A, "poor_reduction"]["achieved"], g[A, "poor_reduction"]["gap"],
            g[A, "poor_reduction"]["status"]) == (4, 1, "at_risk")
    assert (g[A, "poor_ethnic_minority_reduction"]["achieved"],
            g[A, "poor_ethnic_minority_reduction"]["status"]) == (3, "achieved")
    assert (g[A, "poor_kinh_reduction"]["achieved"], g[A, "poor_kinh_reduction"]["status"]) == (1, "behind")
    assert (g[B, "poor_reduction"]["achieved"], g[B, "poor_reduction"]["status"]) == (0, "behind")
    # Rate: 2 poor of 1,000 households = 0.2 %, below the 0.3 % target.
    assert g[A, "poor_rate"]["achieved"] == pytest.approx(0.002)
    assert g[A, "poor_rate"]["gap"] == pytest.approx(0.001) and g[A, "poor_rate"]["status"] == "achieved"
    # Health insurance from indicator 4: of 2 poor + 2 near-poor, a0 and a1 lack it -> 2/4.
    hi = g[A, "health_insurance_coverage"]
    assert (hi["achieved"], hi["achieved_source"], hi["status"]) == (0.5, "households", "behind")
    assert pd.isna(g[A, "officers_trained"]["achieved"]) and pd.isna(g[A, "officers_trained"]["status"])
    credit = g[B, "credit_access"]
    assert (credit["achieved"], credit["achieved_source"], credit["status"]) == (0.95, "imported", "on_track")
    assert credit["gap"] == pytest.approx(0.05)


def test_an_imported_coverage_figure_is_preferred(planned):
    add_indicator_values(planned, 2024, [(A, "health_insurance_coverage", "actual", 0.92)])
    hi = gaps_by_key(planned)[A, "health_insurance_coverage"]
    assert (hi["achieved"], hi["achieved_source"], hi["status"]) == (0.92, "imported", "on_track")


def test_the_thresholds_are_settings(planned):
    with planned.transaction() as cur:
        cur.execute("UPDATE setting SET value = '0.4' WHERE key = 'status_at_risk_share'")
    assert gaps_by_key(planned)[A, "poor_kinh_reduction"]["status"] == "at_risk"  # 0.5 >= 0.4
    assert "40 %" in targets.status_rule(planned, "vi") and "40%" in targets.status_rule(planned, "en")


def test_household_targets_are_pro_rata_during_the_year(planned):
    # On 1 July 2024 half the year (183 of 366 days) has passed: 4 of the 2.5 due is on track.
    g = gaps_by_key(planned, as_of=date(2024, 7, 1))
    assert g[A, "poor_reduction"]["progress"] == pytest.approx(4 / (5 * 183 / 366))
    assert g[A, "poor_reduction"]["status"] == "on_track"
    assert g[A, "health_insurance_coverage"]["status"] == "behind"  # a share is not pro rata


def test_the_district_figure_needs_every_commune(planned):
    add_indicator_values(planned, 2024, [("694", "poor_reduction", "target", 68)])
    row = gaps_by_key(planned)["694", "poor_reduction"]
    assert pd.isna(row["achieved"]) and pd.isna(row["status"])  # 11 communes have no data


@pytest.mark.parametrize("target,achieved,direction,expected", [
    (10, 10, "at_least", "achieved"), (10, 9, "at_least", "on_track"), (10, 8.99, "at_least", "at_risk"),
    (10, 6, "at_least", "at_risk"), (10, 5.99, "at_least", "behind"), (10, -1, "at_least", "behind"),
    (0, 0, "at_least", "achieved"), (0, -2, "at_least", "behind"),
    (0.003, 0.0029, "below", "achieved"), (0.003, 0.003, "below", "on_track"),
    (0.003, 0.0045, "below", "at_risk"), (0.003, 0.006, "below", "behind"), (10, None, "at_least", None),
])
def test_status_rule_boundaries(target, achieved, direction, expected):
    assert targets.status(target, achieved, direction) == expected


def test_year_elapsed():
    assert targets.year_elapsed(2024, date(2024, 12, 31)) == 1.0
    assert targets.year_elapsed(2025, date(2025, 3, 1)) == pytest.approx(60 / 365)
    assert targets.year_elapsed(2024, None) == 1.0 and targets.year_elapsed(2024, date(2023, 5, 1)) == 0.0


def test_demo_district_reduction_is_the_net_fall(demo_db):
    g = gaps_by_key(demo_db)
    before, after = poverty.household_counts(demo_db, 2023), poverty.household_counts(demo_db, 2024)
    assert g["694", "poor_reduction"]["achieved"] == before["poor"] - after["poor"]
    assert g["694", "poor_reduction"]["gap"] == 68 - (before["poor"] - after["poor"])
    assert (g["694", "poor_ethnic_minority_reduction"]["achieved"] + g["694", "poor_kinh_reduction"]["achieved"]
            == g["694", "poor_reduction"]["achieved"])
    assert g["694", "poor_rate"]["achieved"] == pytest.approx(after["poor_rate"])
    assert g["694", "officers_trained"]["achieved_source"] == "imported"
    assert g["694", "health_insurance_coverage"]["achieved_source"] == "households"
    communes = [r for (org, ind), r in g.items() if org != "694" and ind == "poor_reduction"]
    assert len(communes) == 13
    assert sum(r["achieved"] for r in communes) == g["694", "poor_reduction"]["achieved"]
    assert {r["status"] for r in g.values()} <= set(targets.STATUSES)
