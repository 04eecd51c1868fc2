"""Levels above the commune: a unit's figures are the sums of the level below (rates from the
sums), its targets stand beside the sum of those set below; the home area."""

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import levels, registry
from analytics.auth import PermissionDenied, Scope
from analytics.cli import main
from analytics.db import Database
from analytics.summary import unit_summary
from builders import add_households, add_indicator_values, add_totals, household

# Two provinces of each vintage, with several districts before 2025: the pool the hierarchies
# are drawn from (Bình Phước and Bình Dương; Đồng Nai and Tây Ninh from 2025).
PROVINCES = {2024: ("70", "74"), 2025: ("75", "80")}
COUNTS = ("total", "persons", "poor", "near_poor", "poor_ethnic_minority", "near_poor_ethnic_minority",
          "poor_persons", "near_poor_persons")


@pytest.fixture(scope="module")
def pool(empty_db_file):
    with Database(empty_db_file, read_only=True) as db:
        return {v: [r[0] for r in db.query(
            "SELECT c.code FROM unit_registry c LEFT JOIN unit_registry d ON d.vintage = c.vintage "
            "AND d.code = c.parent_code WHERE c.vintage = ? AND c.unit_type IN ('xa', 'phuong', 'thi_tran') "
            "AND coalesce(d.parent_code, c.parent_code) IN (?, ?) ORDER BY c.code", [v, *PROVINCES[v]])]
            for v in PROVINCES}


commune_data = st.tuples(st.integers(0, 10_000), st.integers(0, 4), st.integers(0, 4), st.integers(0, 3),
                         st.one_of(st.none(), st.integers(1, 400)), st.booleans())


def _sum(rows, field):
    values = [r[field] for r in rows if r[field] is not None]
    return sum(values) if values else None


def _check(db, year, code):
    """The unit's counts equal its children's sums, its rates the sums' ratios; recursively."""
    data = unit_summary(db, year, code)
    h, children = data["households"], data["children"]
    if data["children_level"] is None:
        return h
    for child in children:
        own = _check(db, year, child["code"])
        for field in COUNTS:
            assert own[field] == child[field], (child["code"], field)
    for field in COUNTS:
        assert h[field] == _sum(children, field), (code, field)
    total = _sum(children, "total")
    assert h["poor_rate"] == (pytest.approx(h["poor"] / total) if total else None)
    return h


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(year=st.sampled_from([2024, 2025]), drawn=st.lists(commune_data, min_size=1, max_size=8))
def test_a_unit_at_every_level_sums_the_level_below(pool, empty_db_file, year, drawn):
    vintage = 2024 if year == 2024 else 2025
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "db.duckdb"
        shutil.copy(empty_db_file, path)
        with Database(path) as db:
            rows, totals, chosen = [], {}, {}
            for pick, poor, near, other, total, minority in drawn:
                code = pool[vintage][pick % len(pool[vintage])]
                chosen[code] = (poor, near, other, total, minority)
            with db.transaction() as cur:
                for code in chosen:
                    registry.adopt(cur, vintage, code)
            for code, (poor, near, other, total, minority) in chosen.items():
                for i, status in enumerate(["poor"] * poor + ["near_poor"] * near + ["above"] * other):
                    rows.append(household(f"{code}-{i}", year, code, income=900_000, recorded=status,
                                          minority=minority and i % 2 == 0, members=1 + i % 5))
                if total is not None:
                    totals[code] = (total + poor + near + other, 3 * total)
            if rows:
                add_households(db, rows)
            if totals:
                add_totals(db, year, totals)
            provinces = {r[0] for r in db.query(
                "SELECT code FROM org_unit WHERE vintage = ? AND unit_type = 'province'", [vintage])}
            for province in provinces:
                _check(db, year, province)
            # the whole data: the provinces together
            everything = db.query("SELECT count(*) FILTER (recorded_status = 'poor') FROM household")[0][0]
            assert sum(unit_summary(db, year, p)["households"]["poor"] for p in provinces) == everything


def test_targets_at_the_level_they_were_set_with_the_lower_sum_beside(demo_db):
    add_indicator_values(demo_db, 2024, [("25327", "poor_reduction", "target", 3),
                                         ("25330", "poor_reduction", "target", 4)])
    data = unit_summary(demo_db, 2024, "694")
    row = next(t for t in data["targets"] if t["indicator"] == "poor_reduction")
    below = demo_db.scalar("""SELECT sum(value) FROM indicator_value_current v JOIN org_unit o
        ON o.vintage = v.org_vintage AND o.code = v.org_code WHERE v.year = 2024 AND v.kind = 'target'
        AND v.indicator_code = 'poor_reduction' AND o.parent_code = '694'""")
    assert row["lower_targets"] == below and below >= 7
    assert row["target"] == demo_db.scalar("""SELECT value FROM indicator_value_current WHERE year = 2024
        AND kind = 'target' AND indicator_code = 'poor_reduction' AND org_code = '694'""")
    assert row["gap"] == pytest.approx(row["target"] - row["achieved"])
    commune = unit_summary(demo_db, 2024, "25327")
    assert commune["children"] == [] and commune["unit"]["level"] == "commune"
    assert next(t for t in commune["targets"] if t["indicator"] == "poor_reduction")["lower_targets"] is None


def test_summary_unit_command_gives_any_level(tmp_path, demo_db_file, capsys):
    db = str(tmp_path / "demo.duckdb")
    shutil.copy(demo_db_file, db)
    capsys.readouterr()
    assert main(["summary", "--year", "2024", "--unit", "70", "--db", db, "--json"]) == 0
    province = json.loads(capsys.readouterr().out)
    assert main(["summary", "--year", "2024", "--db", db, "--json"]) == 0
    whole = json.loads(capsys.readouterr().out)
    assert province["unit"]["level"] == "province" and province["children_level"] == "district"
    assert (province["households"]["poor"], province["households"]["total"]) == \
        (whole["households"]["poor"], whole["households"]["total"])
    assert main(["summary", "--year", "2024", "--unit", "99999", "--db", db, "--json"]) == 2


def test_the_home_area_is_set_or_the_smallest_unit_holding_the_data(demo_db, empty_db):
    assert levels.home_area(empty_db) is None
    add_households(empty_db, [household("X0", 2024, "25327", income=900_000)])
    assert levels.default_home(empty_db) == (2024, "25327")  # one commune: the commune itself
    vintage, code = levels.default_home(demo_db)
    # the demo's data all lies in Hớn Quản's communes (units before 2025) and the district itself
    assert demo_db.query("SELECT DISTINCT commune_vintage FROM household") == [(2024,)]
    assert (vintage, code) == (2024, "694")
    add_households(empty_db, [household("X1", 2024, "25327", income=900_000),
                              household("X2", 2024, "25330", income=900_000)])
    assert levels.default_home(empty_db) == (2024, "694")
    with pytest.raises(ValueError):
        levels.set_home_area(empty_db, Scope.system("admin"), 2025, "99999")
    with pytest.raises(PermissionDenied):  # only administrators set it, whoever calls
        levels.set_home_area(empty_db, Scope("lan", "planner"), 2024, "694")
    assert levels.home_setting(empty_db) is None
    info = levels.set_home_area(empty_db, Scope.system("admin"), 2024, "694")
    assert info["level"] == "district" and levels.home_area(empty_db) == (2024, "694")
    assert empty_db.scalar("SELECT count(*) FROM audit_log WHERE action = 'setting_changed'") == 1
    # adopting the district brought its 13 communes
    assert empty_db.scalar("SELECT count(*) FROM org_unit WHERE vintage = 2024 AND parent_code = '694'") == 13


def test_an_officer_assigned_a_district_has_its_communes_and_its_own_rows(demo_db, tmp_path):
    from analytics import auth
    from analytics.importer import import_file
    auth.create_account(demo_db, "district_officer", "officer", "a-long-passphrase-1",
                        communes=[(2024, "694")], actor="admin")
    scope = auth.scope_for(demo_db, "district_officer")
    assert {(2024, "694"), (2024, "25327"), (2024, "25438")} <= scope.communes
    assert (2024, "70") not in scope.communes  # not the province above
    csv = ("Mã hộ,Xã,Họ và tên chủ hộ,Thu nhập bình quân,CS1,CS2,CS3,Năm\n"
           "Z1,Tân Quan,Lê Văn Tám,900000,x,x,x,2024\n").encode()
    report = import_file(demo_db, csv, "z.csv", communes=scope.household_communes, user=scope.username)
    assert report.status == "committed", [e.message for e in report.errors]
    with pytest.raises(auth.AuthError):  # only working units can be assigned
        auth.assign_communes(demo_db, "district_officer", [(2024, "22378")], actor="admin")
    auth.create_account(demo_db, "commune_officer", "officer", "a-long-passphrase-2",
                        communes=[(2024, "25327")], actor="admin")
    assert auth.scope_for(demo_db, "commune_officer").communes == {(2024, "25327")}


def test_the_checklist_and_a_typed_table_stored_as_a_batch_that_rolls_back(empty_db):
    from analytics import checklist
    from analytics.batches import rollback
    from analytics.importer import import_file
    assert [(e["item"], e["count"], e["done"]) for e in checklist.checklist(empty_db, 2025)] == \
        [("targets", 0, False), ("budget_plan", 0, False), ("review", 0, False), ("disbursement", 0, False)]
    levels.set_home_area(empty_db, Scope.system("admin"), 2025, "56")  # Khánh Hòa
    labels = levels.unit_labels(empty_db, 2025, (2025, "56"))
    assert labels["56"] == "Tỉnh Khánh Hòa" and labels["22366"] == "Phường Nha Trang, Tỉnh Khánh Hòa"
    import pandas as pd
    typed = pd.DataFrame({"Đơn vị": [labels["56"], labels["22366"], None],
                          "Chỉ tiêu": ["Tỷ lệ hộ nghèo", "Giảm số hộ nghèo", None],
                          "Kế hoạch": [0.015, 12, None]})
    kind, content = checklist.table_file("targets", typed, 2025)
    report = import_file(empty_db, content, "targets_2025.xlsx", kind=kind, user="admin")
    assert report.status == "committed", [e.message for e in report.errors]
    assert sorted(empty_db.query("SELECT org_code, indicator_code, value FROM indicator_value_current "
                                 "WHERE kind = 'target'")) == [("22366", "poor_reduction", 12.0), ("56", "poor_rate", 0.015)]
    plan = pd.DataFrame({"Dự án": ["Dự án 2"], "Nguồn vốn": ["NSTW"], "Cơ quan chủ trì": ["Sở Nông nghiệp"],
                         "Kế hoạch vốn": [1521.5]})
    kind, content = checklist.table_file("budget_plan", plan, 2025)
    planned = import_file(empty_db, content, "budget_plan_2025.xlsx", kind=kind, user="admin")
    assert planned.status == "committed", [e.message for e in planned.errors]
    assert empty_db.query("SELECT org_code, source, amount_mvnd FROM budget_plan_current") == [("56", "central", 1521.5)]
    done = {e["item"]: e["count"] for e in checklist.checklist(empty_db, 2025)}
    assert done == {"targets": 2, "budget_plan": 1, "review": 0, "disbursement": 0}
    bad = pd.DataFrame({"Đơn vị": ["Xã Không Có Thật"], "Chỉ tiêu": ["Giảm số hộ nghèo"], "Kế hoạch": [3]})
    kind, content = checklist.table_file("targets", bad, 2025)
    assert import_file(empty_db, content, "targets_bad.xlsx", kind=kind, user="admin").status == "rejected"
    rollback(empty_db, report.batch_id, user="admin")
    assert checklist.checklist(empty_db, 2025)[0]["count"] == 0


# -- targets at the level they were set, beside what the units below were given ------------------
def _gaps(rows):
    """``target_gaps``-shaped rows: (unit code, indicator, unit, target, achieved)."""
    import pandas as pd
    frame = pd.DataFrame(rows, columns=["org_unit", "indicator", "unit", "target", "achieved"])
    return frame.assign(org_vintage=2024, org_name=frame.org_unit, name_vi=frame.indicator,
                        name_en=frame.indicator, direction="at_least", gap=frame.target - frame.achieved,
                        progress=None, status=None, achieved_source=None)


# Province P: district D1 (communes C1, C2, C3), district D2 (communes C4, C5).
PARENTS = {"P": None, "D1": "P", "D2": "P", "C1": "D1", "C2": "D1", "C3": "D1", "C4": "D2", "C5": "D2"}
GAPS = _gaps([("P", "poor_reduction", "households", 30, 21), ("P", "poor_rate", "share", 0.003, 0.004),
              ("D1", "poor_reduction", "households", 12, 10),
              ("C1", "poor_reduction", "households", 5, 5), ("C2", "poor_reduction", "households", 4, 1),
              ("C1", "poor_rate", "share", 0.002, 0.001),
              ("C4", "poor_reduction", "households", 6, 2), ("C5", "poor_reduction", "households", 7, 3),
              ("C5", "near_poor_reduction", "households", 2, 0)])


def _row(frame, indicator):
    return frame.set_index("indicator").loc[indicator]


def test_a_provinces_target_stands_beside_its_districts_own_or_their_communes_sum():
    province = levels.targets_with_lower(GAPS, PARENTS, "P")
    assert sorted(province.indicator) == ["poor_rate", "poor_reduction"]  # only its own targets
    row = _row(province, "poor_reduction")
    assert (row.target, row.achieved, row.gap) == (30, 21, 9)
    # D1 counts with its own 12 (not its communes' 9 as well), D2, without one, with 6 + 7
    assert (row.lower_targets, row.lower_units, row.units_below) == (25, 2, 2)
    assert _row(province, "poor_rate").lower_targets is None  # shares are not summed


def test_a_district_shows_how_many_of_its_communes_its_lower_sum_covers():
    row = _row(levels.targets_with_lower(GAPS, PARENTS, "D1"), "poor_reduction")
    assert (row.target, row.gap, row.lower_targets, row.lower_units, row.units_below) == (12, 2, 9, 2, 3)
    commune = _row(levels.targets_with_lower(GAPS, PARENTS, "C1"), "poor_reduction")
    assert (commune.target, commune.lower_targets, commune.lower_units, commune.units_below) == (5, None, 0, 0)


def test_a_level_without_targets_of_its_own_shows_what_its_units_were_given():
    assert levels.targets_with_lower(GAPS, PARENTS, "D2").empty
    d2 = levels.targets_with_lower(GAPS, PARENTS, "D2", lower_only=True)
    assert sorted(d2.indicator) == ["near_poor_reduction", "poor_reduction"]
    row = _row(d2, "poor_reduction")
    assert row.target != row.target and row.gap != row.gap  # no target here: missing, not 0
    assert (row.lower_targets, row.lower_units, row.units_below) == (13, 2, 2)
    assert (_row(d2, "near_poor_reduction").lower_targets, _row(d2, "near_poor_reduction").lower_units) == (2, 1)
    province = levels.targets_with_lower(GAPS, PARENTS, "P", lower_only=True)
    assert (_row(province, "near_poor_reduction").lower_targets, _row(province, "near_poor_reduction").lower_units) \
        == (2, 1)  # through D2, which has none of its own


def test_unit_targets_read_the_levels_of_the_database(hon_quan_db):
    add_indicator_values(hon_quan_db, 2024, [("70", "poor_reduction", "target", 30),
                                             ("694", "poor_reduction", "target", 20),
                                             ("25327", "poor_reduction", "target", 5),
                                             ("25330", "poor_reduction", "target", 6)])
    province = _row(levels.unit_targets(hon_quan_db, 2024, "70"), "poor_reduction")
    assert (province.target, province.lower_targets, province.lower_units, province.units_below) == (30, 20, 1, 1)
    district = _row(levels.unit_targets(hon_quan_db, 2024, "694"), "poor_reduction")
    assert (district.target, district.lower_targets, district.lower_units, district.units_below) == (20, 11, 2, 13)
    data = unit_summary(hon_quan_db, 2024, "694")
    listed = next(t for t in data["targets"] if t["indicator"] == "poor_reduction")
    assert (listed["lower_targets"], listed["lower_units"], listed["units_below"]) == (11, 2, 13)
