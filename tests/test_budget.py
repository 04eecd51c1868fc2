"""Budget execution: cumulative snapshots, rates and pace worked by hand."""

from datetime import date

import pandas as pd
import pytest

from analytics import budget
from builders import add_disbursements, add_plan

MARCH, JUNE = date(2025, 3, 31), date(2025, 6, 30)


@pytest.fixture
def money(empty_db):
    """2025: DA2 (central 100, province 10), DA4 TDA3 (central 200). Snapshots at the end of March
    and June; the province's DA2 money is reported only in March."""
    add_plan(empty_db, 2025, [("DA2", None, "central", "Trung tâm Dịch vụ nông nghiệp", 100),
                              ("DA2", None, "province", "Trung tâm Dịch vụ nông nghiệp", 10),
                              ("DA4", "TDA3", "central", "Phòng Lao động - Thương binh và Xã hội", 200)])
    add_disbursements(empty_db, 2025, [(MARCH, "DA2", None, "central", 20), (MARCH, "DA2", None, "province", 1),
                                       (MARCH, "DA4", "TDA3", "central", 10),
                                       (JUNE, "DA2", None, "central", 50), (JUNE, "DA4", "TDA3", "central", 30)])
    return empty_db


def lines(frame):
    return {(r["project"], r["sub_project"] if isinstance(r["sub_project"], str) else None): r
            for r in frame.to_dict("records")}


def test_mid_may_uses_the_march_snapshot(money):
    got = lines(budget.execution(money, 2025, as_of=date(2025, 5, 15)))
    pace = 135 / 365  # 31 + 28 + 31 + 30 + 15 days
    da2, da4 = got["DA2", None], got["DA4", "TDA3"]
    assert (da2["plan"], da2["disbursed"]) == (110, 21)
    assert da2["rate"] == pytest.approx(21 / 110) and da2["pace"] == pytest.approx(pace)
    assert da4["rate"] == pytest.approx(10 / 200)
    assert da2["behind_pace"] and da4["behind_pace"]  # both below pace - 10 points
    assert da2["snapshot"] == MARCH and da2["as_of"] == date(2025, 5, 15)
    assert da2["name_vi"].startswith("Dự án 2") and da4["agency"] == "Phòng Lao động - Thương binh và Xã hội"


def test_each_source_keeps_its_latest_snapshot(money):
    frame = budget.execution(money, 2025)  # default: the latest snapshot, 30 June
    got = lines(frame)
    pace = 181 / 365
    assert got["DA2", None]["disbursed"] == 50 + 1  # the province's March figure still counts
    assert got["DA2", None]["rate"] == pytest.approx(51 / 110)
    assert not got["DA2", None]["behind_pace"]       # 0.464 >= 0.496 - 0.10
    assert got["DA4", "TDA3"]["behind_pace"]         # 0.15 < 0.396
    assert got["DA2", None]["pace"] == pytest.approx(pace) and frame.as_of.iloc[0] == JUNE


def test_by_source_agency_and_project(money):
    by_source = budget.execution_by_source(money, 2025).set_index("source")
    assert by_source.loc["central", "disbursed"] == 80 and by_source.loc["central", "rate"] == pytest.approx(80 / 300)
    assert by_source.loc["province", "rate"] == pytest.approx(1 / 10)
    by_agency = budget.execution_by_agency(money, 2025).set_index("agency")
    assert by_agency.loc["Trung tâm Dịch vụ nông nghiệp", "disbursed"] == 51
    assert by_agency.index[0] == "Phòng Lao động - Thương binh và Xã hội"  # the larger plan first
    by_project = budget.execution_by_project(money, 2025).set_index("project")
    assert by_project.loc["DA4", "plan"] == 200


def test_the_pace_tolerance_is_a_setting(money):
    with money.transaction() as cur:
        cur.execute("UPDATE setting SET value = '0.02' WHERE key = 'pace_tolerance'")
    assert lines(budget.execution(money, 2025))["DA2", None]["behind_pace"]  # 0.464 < 0.496 - 0.02


def test_cumulative_curve(money):
    curve = budget.cumulative_curve(money, 2025)
    assert curve.as_of.tolist() == [MARCH, JUNE]
    assert curve.disbursed.tolist() == [31, 81] and (curve.plan == 310).all()
    assert curve.linear_pace.tolist() == pytest.approx([310 * 90 / 365, 310 * 181 / 365])


def test_a_year_without_snapshots(money):
    frame = budget.execution(money, 2024)
    assert frame.empty
    assert budget.cumulative_curve(money, 2024).empty


def test_by_capital_type_at_a_date(money):
    # The plan's lines are vốn sự nghiệp and the reports state no type: one row, each unit at its
    # latest snapshot on or before the date (mid-May: the March figures 20 + 1 + 10).
    got = budget.execution_by_capital_type(money, 2025, as_of=date(2025, 5, 15))
    assert got.to_dict("records") == [{"capital_type": "su_nghiep", "plan": 310.0, "disbursed": 31.0,
                                       "rate": pytest.approx(31 / 310)}]
    assert budget.execution_by_capital_type(money, 2025)["disbursed"].tolist() == [50 + 1 + 30]
    # Money reported for a line the plan does not have is of no known type, not guessed.
    add_disbursements(money, 2025, [(JUNE, "DA6", None, "central", 5)])
    got = budget.execution_by_capital_type(money, 2025)
    assert got[["plan", "disbursed"]].values.tolist() == [[310.0, 81.0], [0.0, 5.0]]
    assert got["capital_type"].iloc[0] == "su_nghiep" and pd.isna(got["capital_type"].iloc[1])
    assert pd.isna(got["rate"].iloc[1])


def test_disbursed_rows_take_their_plan_lines_capital_type(demo_db):
    # The demo's disbursement reports state no capital type; every plan line is vốn sự nghiệp.
    got = budget.execution_by_capital_type(demo_db, 2024)
    assert got["capital_type"].tolist() == ["su_nghiep"]
    assert got["plan"].iloc[0] == 4034
    assert got["disbursed"].iloc[0] == pytest.approx(budget.execution(demo_db, 2024)["disbursed"].sum())


def test_demo_execution_adds_up(demo_db):
    frame = budget.execution(demo_db, 2024)
    assert frame.plan.sum() == 4034
    curve = budget.cumulative_curve(demo_db, 2024)
    assert curve.disbursed.iloc[-1] == pytest.approx(frame.disbursed.sum())
    assert curve.disbursed.is_monotonic_increasing
    by_source = budget.execution_by_source(demo_db, 2024)
    assert by_source.disbursed.sum() == pytest.approx(frame.disbursed.sum())
    assert set(frame[frame.behind_pace].project) <= set(frame.project)
    assert ((frame.rate < frame.pace - 0.10) == frame.behind_pace).all()


# Plan, disbursed and latest snapshot per line as of a date straight from the rows: each unit
# (line, source, commune) at its latest snapshot on or before the date, its rows of that date summed.
ORACLE = """
    WITH unit AS (SELECT project, coalesce(sub_project, '') AS sub, source, org_code, as_of,
                         sum(amount_mvnd)::DOUBLE AS amount
                  FROM disbursement_current WHERE year = $year AND as_of <= $day GROUP BY ALL),
    disb AS (SELECT project, sub, sum(amount) AS disbursed, max(as_of) AS snapshot FROM unit
             WHERE (project, sub, source, org_code, as_of) IN (
                 SELECT (project, sub, source, org_code, max(as_of)) FROM unit GROUP BY project, sub, source, org_code)
             GROUP BY ALL),
    plan AS (SELECT project, coalesce(sub_project, '') AS sub, sum(amount_mvnd)::DOUBLE AS plan
             FROM budget_plan_current WHERE year = $year GROUP BY ALL)
    SELECT project, nullif(sub, ''), coalesce(plan, 0), coalesce(disbursed, 0), snapshot
    FROM plan FULL JOIN disb USING (project, sub)"""


def _assert_lines_match_the_rows(db, years=(2025, 2026)):
    for year in years:
        dates = [r[0] for r in db.query("SELECT DISTINCT as_of FROM disbursement_current WHERE year = ?", [year])]
        for day in [date(year, 1, 1), date(year, 5, 15), date(year, 12, 31), *dates]:
            got = {k: (round(r["plan"], 3), round(r["disbursed"], 3), r["snapshot"])
                   for k, r in lines(budget.execution(db, year, as_of=day)).items()}
            expected = {(p, s): (round(plan, 3), round(paid, 3), snapshot)
                        for p, s, plan, paid, snapshot in db.query(ORACLE, {"year": year, "day": day})}
            assert got == expected, (year, day)
    # The lines kept year by year equal the lines rebuilt from scratch.
    kept = db.query("SELECT * FROM budget_line_snapshot ORDER BY ALL")
    with db.transaction() as cur:
        budget.refresh_lines(cur)
    assert db.query("SELECT * FROM budget_line_snapshot ORDER BY ALL") == kept


def test_the_lines_follow_every_write_and_rollback(money):
    from analytics.batches import rollback

    # 2026 as well: a write to one year leaves the other's lines as they were.
    add_plan(money, 2026, [("DA2", None, "central", "Trung tâm Dịch vụ nông nghiệp", 60)])
    add_disbursements(money, 2026, [(MARCH.replace(year=2026), "DA2", None, "central", 6)])
    _assert_lines_match_the_rows(money)
    before = budget.execution(money, 2025)
    # A second commune, a line listed twice in one file (summed), a date between the others.
    add_disbursements(money, 2025, [(date(2025, 4, 30), "DA2", None, "central", 5),
                                    (date(2025, 4, 30), "DA2", None, "central", 7)], org_code="697", supersede=True)
    assert lines(budget.execution(money, 2025, as_of=date(2025, 5, 15)))["DA2", None]["disbursed"] == 21 + 12
    _assert_lines_match_the_rows(money)
    # A corrected June report replaces the June rows it covers.
    fix = add_disbursements(money, 2025, [(JUNE, "DA4", "TDA3", "central", 40)], supersede=True)
    assert lines(budget.execution(money, 2025))["DA4", "TDA3"]["disbursed"] == 40
    _assert_lines_match_the_rows(money)
    rollback(money, fix)
    assert lines(budget.execution(money, 2025))["DA4", "TDA3"]["disbursed"] == 30
    _assert_lines_match_the_rows(money)
    assert budget.execution(money, 2025)["plan"].tolist() == before["plan"].tolist()


def test_existing_databases_get_the_lines(tmp_path):
    """A database from before the lines were kept: the migration builds them from its rows."""
    from analytics.db import Database, list_migrations

    version = next(m.version for m in list_migrations() if m.name == "budget_lines")
    path = tmp_path / "old.duckdb"
    with Database(path) as db:
        add_plan(db, 2025, [("DA2", None, "central", "Trung tâm Dịch vụ nông nghiệp", 100)])
        add_disbursements(db, 2025, [(MARCH, "DA2", None, "central", 20)])
        add_plan(db, 2026, [("DA4", "TDA3", "central", "Phòng Lao động - Thương binh và Xã hội", 50)])
        with db.transaction() as cur:
            cur.execute("DROP TABLE budget_line_snapshot")
            cur.execute("DELETE FROM schema_migration WHERE version = ?", [version])
    with Database(path) as db:
        assert version in db.applied_migrations()
        got = lines(budget.execution(db, 2025))["DA2", None]
        assert (got["plan"], got["disbursed"], got["snapshot"]) == (100, 20, MARCH)
        got = lines(budget.execution(db, 2026))["DA4", "TDA3"]
        assert (got["plan"], got["disbursed"], got["snapshot"]) == (50, 0, None)
