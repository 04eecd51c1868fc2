"""Period targets (2026–2030): each unit's annual milestones (as entered, else evenly spread)
and whether what was achieved keeps to them."""

from __future__ import annotations

import pytest

from analytics import targets
from builders import NEW_RURAL, add_households, add_indicator_values, add_totals, household


def poor(year: int, n: int, start: int = 0) -> list[dict]:
    return [household(f"p{i}", year, NEW_RURAL, income=1_000_000, deprived=(1, 2, 3)) for i in range(start, start + n)]


def test_the_periods_come_from_the_reference_data():
    assert targets.period_of(2026) == (2026, 2030) and targets.period_of(2030) == (2026, 2030)
    assert targets.period_of(2024) == (2021, 2025)
    with pytest.raises(ValueError):
        targets.period_of(2031)


def test_milestones_entered_or_spread_and_the_path(empty_db):
    # 10 poor at the end of 2025, 8 at the end of 2026, 5 at the end of 2027.
    add_households(empty_db, poor(2025, 10) + poor(2026, 8) + poor(2027, 5))
    for y in (2025, 2026, 2027):
        add_totals(empty_db, y, {NEW_RURAL: 1000})
    add_indicator_values(empty_db, 2030, [(NEW_RURAL, "poor_reduction", targets.PERIOD_KIND, 10)])
    add_indicator_values(empty_db, 2027, [(NEW_RURAL, "poor_reduction", "target", 4)])
    path = targets.period_path(empty_db, 2026)
    assert list(path.year) == [2026, 2027, 2028, 2029, 2030]
    # 2027's own target is 4; the other four years share the 6 left: 1.5 each.
    assert path.milestone.tolist() == [1.5, 4, 1.5, 1.5, 1.5]
    assert path.milestone_source.tolist() == ["spread", "entered", "spread", "spread", "spread"]
    assert path.due.tolist() == [1.5, 5.5, 7.0, 8.5, 10.0]
    assert path.achieved.tolist()[:2] == [2.0, 5.0] and path.achieved.isna().tolist()[2:] == [True] * 3
    # 2 of 1.5 due: on the path; 5 of 5.5 (91 %): on track at the default 90 % threshold.
    assert path.status.tolist()[:2] == ["achieved", "on_track"]


def test_no_period_target_no_path(empty_db):
    assert targets.period_path(empty_db, 2026).empty
