"""The multidimensional rule at every boundary of both standards: the income line (inclusive),
2 against 3 deprivations, rural against urban lines, the average-living-standard band, Decree 07
still in force in 2026, Decree 351 from 2027 with its 13th indicator."""

import pytest

from analytics import poverty
from builders import NEW_RURAL, NEW_URBAN, RURAL, URBAN, add_households, household


def classify(db, cases):
    """{household_id: computed_status} after writing ``cases`` [(id, year, commune, income, deprived)]."""
    add_households(db, [household(i, y, c, income=inc, deprived=d) for i, y, c, inc, d in cases])
    return dict(db.query("SELECT household_id, computed_status FROM household"))


def test_decree_07_rural_boundaries(empty_db):
    got = classify(empty_db, [
        ("at-line-3", 2024, RURAL, 1_500_000, (1, 2, 3)),
        ("at-line-2", 2024, RURAL, 1_500_000, (1, 2)),
        ("above-line-3", 2024, RURAL, 1_500_001, (1, 2, 3)),
        ("band-top", 2024, RURAL, 2_250_000, (1, 2, 3, 4)),
        ("above-band", 2024, RURAL, 2_250_001, ()),
        ("zero-income-12", 2024, RURAL, 0, tuple(range(1, 13))),
    ])
    assert got == {"at-line-3": "poor", "at-line-2": "near_poor", "above-line-3": "average",
                   "band-top": "average", "above-band": "above", "zero-income-12": "poor"}


def test_decree_07_urban_lines_follow_the_commune_type(empty_db):
    got = classify(empty_db, [
        ("urban-at-line", 2024, URBAN, 2_000_000, (4, 7, 10)),
        ("urban-above-line", 2024, URBAN, 2_000_001, (4, 7, 10)),
        ("urban-band-top", 2024, URBAN, 3_000_000, ()),
        ("urban-above-band", 2024, URBAN, 3_000_001, ()),
        # The same income is poor in town and only average in a rural commune.
        ("urban-1.8m", 2024, URBAN, 1_800_000, (1, 2, 3)),
        ("rural-1.8m", 2024, RURAL, 1_800_000, (1, 2, 3)),
    ])
    assert got == {"urban-at-line": "poor", "urban-above-line": "average", "urban-band-top": "average",
                   "urban-above-band": "above", "urban-1.8m": "poor", "rural-1.8m": "average"}


def test_2026_is_still_decree_07_and_2027_is_decree_351(empty_db):
    got = classify(empty_db, [
        # 1.6 million: above Decree 07's rural line, below Decree 351's (2.2 million).
        ("2026-rural-1.6m", 2026, NEW_RURAL, 1_600_000, (1, 2, 3)),
        ("2027-rural-1.6m", 2027, NEW_RURAL, 1_600_000, (1, 2, 3)),
        ("2027-rural-at-line", 2027, NEW_RURAL, 2_200_000, (1, 2, 3)),
        ("2027-rural-above-line", 2027, NEW_RURAL, 2_200_001, (1, 2, 3)),
        ("2027-urban-at-line", 2027, NEW_URBAN, 2_800_000, (1, 2, 3)),
        ("2027-urban-above-line", 2027, NEW_URBAN, 2_800_001, (1, 2, 3)),
        ("2026-urban-at-07-line", 2026, NEW_URBAN, 2_000_000, (1, 2, 3)),
        ("2026-urban-above-07-line", 2026, NEW_URBAN, 2_000_001, (1, 2, 3)),
    ])
    assert got == {"2026-rural-1.6m": "average", "2027-rural-1.6m": "poor", "2027-rural-at-line": "poor",
                   "2027-rural-above-line": "average", "2027-urban-at-line": "poor",
                   "2027-urban-above-line": "average", "2026-urban-at-07-line": "poor",
                   "2026-urban-above-07-line": "average"}


def test_the_13th_indicator_counts_only_under_decree_351(empty_db):
    add_households(empty_db, [
        household("2026-two-plus-d13", 2026, NEW_RURAL, income=1_000_000, deprived=(9, 10, 13)),
        household("2027-two-plus-d13", 2027, NEW_RURAL, income=1_000_000, deprived=(9, 10, 13)),
        household("2027-two", 2027, NEW_RURAL, income=1_000_000, deprived=(9, 10)),
    ])
    rows = {r[0]: (r[1], r[2]) for r in empty_db.query(
        "SELECT household_id, deprivation_count, computed_status FROM household")}
    assert rows == {"2026-two-plus-d13": (2, "near_poor"), "2027-two-plus-d13": (3, "poor"),
                    "2027-two": (2, "near_poor")}


def test_the_recorded_status_is_official_and_disagreements_are_listed(empty_db):
    add_households(empty_db, [
        household("agrees", 2024, RURAL, income=1_000_000, deprived=(1, 2, 3), recorded="poor"),
        household("recorded-poor", 2024, RURAL, income=1_000_000, deprived=(1,), recorded="poor"),
        household("unrecorded", 2024, RURAL, income=1_000_000, deprived=(1,)),
        household("no-income", 2024, RURAL, income=None, deprived=(1, 2, 3), recorded="near_poor"),
    ])
    official = dict(empty_db.query("SELECT household_id, official_status FROM household_official"))
    assert official == {"agrees": "poor", "recorded-poor": "poor", "unrecorded": "near_poor",
                        "no-income": "near_poor"}
    listed = poverty.status_disagreements(empty_db, 2024)
    assert listed.household_id.tolist() == ["recorded-poor"]
    assert (listed.recorded_status.iloc[0], listed.computed_status.iloc[0]) == ("poor", "near_poor")
    # Counted by the official status, not silently corrected.
    assert poverty.household_counts(empty_db, 2024)["poor"] == 2


@pytest.mark.parametrize("year,commune,line", [(2024, RURAL, 1_500_000), (2024, URBAN, 2_000_000),
                                               (2027, NEW_RURAL, 2_200_000), (2027, NEW_URBAN, 2_800_000)])
def test_the_lines_come_from_the_standards_table(empty_db, year, commune, line):
    """Correcting a line in the data changes the rule: nothing is a constant in the logic."""
    std = "ND07_2021" if year < 2027 else "ND351_2025"
    area = "urban" if commune in (URBAN, NEW_URBAN) else "rural"
    assert empty_db.scalar("SELECT poor_income_max FROM poverty_standard WHERE standard = ? AND area = ?",
                           [std, area]) == line
    with empty_db.transaction() as cur:
        cur.execute("UPDATE poverty_standard SET poor_income_max = poor_income_max + 100000 "
                    "WHERE standard = ? AND area = ?", [std, area])
    got = classify(empty_db, [("x", year, commune, line + 50_000, (1, 2, 3))])
    assert got == {"x": "poor"}
