"""Pre-2025 data shown in the 2025 communes: merged sums, notes on parts outside the data, and
series and changes that run unbroken across the reorganisation."""

import json
import shutil

import pytest

from analytics import poverty, transitions, units
from analytics.cli import main
from builders import add_households

OLD_TAN_HUNG = ["25327", "25330", "25345"]  # Thanh An, An Khương, Tân Hưng -> Xã Tân Hưng (25345)


def test_target_vintage():
    assert units.target_vintage(2024) == 2024 and units.target_vintage(2024, 2025) == 2025
    assert units.target_vintage(2026) == 2025
    with pytest.raises(ValueError):
        units.target_vintage(2025, 2024)  # a new commune cannot be split back
    with pytest.raises(ValueError):
        units.target_vintage(2024, 2031)


def test_new_communes_sum_the_old_ones(demo_db):
    old = poverty.commune_table(demo_db, 2024).set_index("code")
    new = poverty.commune_table(demo_db, 2024, units=2025).set_index("code")
    assert sorted(new.index) == ["25326", "25345", "25349", "25351", "25357"]
    assert new.poor.sum() == old.poor.sum() == poverty.household_counts(demo_db, 2024)["poor"]
    for column in ("poor", "near_poor", "total", "persons", "poor_ethnic_minority"):
        assert new.loc["25345", column] == old.loc[OLD_TAN_HUNG, column].sum()
    assert new.loc["25345", "poor_rate"] == pytest.approx(
        old.loc[OLD_TAN_HUNG, "poor"].sum() / old.loc[OLD_TAN_HUNG, "total"].sum())
    assert new.loc["25326", "name"] == "Phường Bình Long" and bool(new.loc["25326", "is_urban"])


def test_units_that_took_parts_from_outside_the_data_say_so(demo_db):
    notes = units.absorption_notes(demo_db, 2025, "en")
    assert set(notes) == {"25351", "25326"} and "Quang Minh" in notes["25351"]
    table = poverty.commune_table(demo_db, 2024, units=2025).set_index("code")
    assert "Bình Long" in table.loc["25326", "also_absorbs_vi"]
    mapping = units.mapping(demo_db)
    assert len(mapping) == 13 and set(mapping[mapping.new_code == "25345"].old_code) == set(OLD_TAN_HUNG)


@pytest.fixture
def with_2025(demo_db):
    """The demo plus a 2025 review of the new Xã Tân Hưng: the 2024 households of its three old
    communes, unchanged, recorded in the new unit."""
    frame = demo_db.frame("SELECT * EXCLUDE (batch_id, superseded_by, deprivation_count, computed_status) "
                          "FROM household WHERE year = 2024 AND commune_code IN ('25327', '25330', '25345')")
    frame = frame.assign(year=2025, commune_vintage=2025, commune_code="25345")
    add_households(demo_db, frame.to_dict("records"))
    return demo_db


def test_a_commune_series_runs_across_the_reorganisation(with_2025):
    trend = poverty.trend(with_2025, commune_code="25345", units=2025).set_index("year")
    assert trend.index.tolist() == [2022, 2023, 2024, 2025]
    old_2023 = poverty.commune_table(with_2025, 2023).set_index("code").loc[OLD_TAN_HUNG, "poor"].sum()
    assert trend.loc[2023, "poor"] == old_2023
    assert trend.loc[2025, "poor"] == trend.loc[2024, "poor"]


def test_changes_into_2025_are_counted_in_the_new_units(with_2025):
    table = transitions.poor_transitions(with_2025, 2025).set_index("code")
    assert table.index.tolist() == ["25345"]  # the only new commune with a 2025 review
    row = table.loc["25345"]
    assert row["start"] == row["end"] == poverty.commune_table(with_2025, 2025).set_index("code").loc["25345", "poor"]
    assert row["other_decrease"] == row["other_increase"] == 0  # the same households, no moves


def test_summary_units_2025_on_2024_data(demo_db_file, tmp_path, capsys):
    path = tmp_path / "units.duckdb"
    shutil.copy(demo_db_file, path)
    assert main(["summary", "--year", "2024", "--units", "2025", "--json", "--db", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["units"] == 2025 and len(data["communes"]) == 5
    assert sum(c["poor"] for c in data["communes"]) == data["households"]["poor"]
    assert sum(c["transitions"]["end"] for c in data["communes"]) == data["transitions"]["end"]
    flagged = {d["commune_code"] for d in data["data_quality"] if d["kind"] == "unit_absorbs_outside"}
    assert flagged == {"25351", "25326"}
    assert main(["summary", "--year", "2024", "--units", "2019", "--db", str(path)]) == 2
    assert "2019" in capsys.readouterr().err


def test_a_divided_commune_counts_once_in_its_default_unit(demo_db):
    """An old commune divided between two new units maps to both; its figures go to the default."""
    before = poverty.commune_table(demo_db, 2024, units=2025).set_index("code")
    with demo_db.transaction() as cur:
        cur.execute("INSERT INTO org_unit_map (old_vintage, old_code, new_vintage, new_code, is_default, source) "
                    "VALUES (2024, '25354', 2025, '25345', false, 'test: a part of Thanh Bình')")
    after = poverty.commune_table(demo_db, 2024, units=2025).set_index("code")
    assert after.poor.sum() == before.poor.sum() == poverty.household_counts(demo_db, 2024)["poor"]
    assert after.loc["25345", "poor"] == before.loc["25345", "poor"]
    assert after.loc["25326", "poor"] == before.loc["25326", "poor"] > 0
    mapping = units.mapping(demo_db)
    assert len(mapping) == 14  # the mapping lists both targets, the default flagged
    divided = mapping[mapping.old_code == "25354"]
    assert dict(zip(divided.new_code, divided.is_default)) == {"25326": True, "25345": False}
    # What the pages say of it: where its figures went, and who else took part of it.
    assert units.divided_communes(demo_db, 2024, 2025).to_dict("records") == [
        {"old_name": "Xã Thanh Bình", "default_name": "Phường Bình Long", "other_names": "Xã Tân Hưng"}]
