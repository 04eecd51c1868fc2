"""The demo database reproduces the Hớn Quản 2024 plan to the last household and million đồng."""

import json

import pytest

from analytics.demo import DemoBuilder, read_demo_csv
from conftest import run_cli


@pytest.fixture(scope="module")
def summary_2023(tmp_path_factory):
    """The figures exactly as a user gets them: init --demo then summary --json, two processes."""
    path = tmp_path_factory.mktemp("cli") / "plan.duckdb"
    init = run_cli("init", "--demo", "--db", str(path))
    assert init.returncode == 0, init.stderr
    out = run_cli("summary", "--year", "2023", "--json", "--db", str(path))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout), path


def test_end_2023_households_match_the_plan(summary_2023):
    h = summary_2023[0]["households"]
    assert (h["poor"], h["poor_rural"], h["poor_urban"], h["poor_ethnic_minority"]) == (125, 123, 2, 52)
    assert (h["near_poor"], h["near_poor_rural"], h["near_poor_urban"],
            h["near_poor_ethnic_minority"]) == (143, 132, 11, 61)
    assert round(h["poor_rate"] * 100, 2) == 0.44
    assert round(h["near_poor_rate"] * 100, 2) == 0.50


def test_communes_add_up_to_the_district(summary_2023):
    data = summary_2023[0]
    communes = data["communes"]
    assert len(communes) == 13
    assert sum(c["poor"] for c in communes) == data["households"]["poor"]
    assert sum(c["total"] for c in communes) == data["households"]["total"]
    tan_khai = next(c for c in communes if c["code"] == "25357")
    assert tan_khai["name"] == "Thị trấn Tân Khai" and tan_khai["poor"] == 2 and tan_khai["near_poor"] == 11


PLAN_LINES = {  # (project, sub_project): (central, province, district, total), million đồng
    ("DA2", None): (1521, 76, 152, 1749), ("DA3", "TDA1"): (586, 29, 59, 674),
    ("DA3", "TDA2"): (244, 12, 24, 280), ("DA4", "TDA1"): (208, 11, 21, 240),
    ("DA4", "TDA3"): (495, 25, 50, 570), ("DA6", None): (137, 7, 14, 158),
    ("DA7", None): (316, 16, 31, 363),
}


def test_2024_budget_matches_the_plan_by_line_and_source(summary_2023):
    path = summary_2023[1]
    budget = json.loads(run_cli("summary", "--year", "2024", "--json", "--db", str(path)).stdout)["budget"]
    assert budget["plan_total"] == 4034
    assert budget["by_source"] == {"central": 3507, "province": 176, "district": 351}
    got = {(l["project"], l["sub_project"]): (l["central"], l["province"], l["district"], l["total"])
           for l in budget["lines"]}
    assert got == PLAN_LINES
    agencies = {l["project"] + (l["sub_project"] or ""): l["agency"] for l in budget["lines"]}
    assert agencies["DA3TDA2"] == "Trung tâm Y tế"
    assert agencies["DA6"] == "Phòng Văn hóa - Thông tin"


def test_2024_targets_are_the_plan_and_the_commune_split_adds_up(summary_2023):
    path = summary_2023[1]
    targets = json.loads(run_cli("summary", "--year", "2024", "--json", "--db", str(path)).stdout)["targets"]
    district = {t["indicator"]: t["target"] for t in targets if t["org_unit"] == "694"}
    assert district["poor_reduction"] == 68
    assert district["poor_ethnic_minority_reduction"] == 43
    assert district["poor_kinh_reduction"] == 25
    assert district["poor_rate"] == pytest.approx(0.003)
    assert district["health_insurance_coverage"] == district["officers_trained"] == 1.0
    communes = [t for t in targets if t["org_unit"] != "694"]
    for indicator, total in (("poor_reduction", 68), ("poor_ethnic_minority_reduction", 43),
                             ("poor_kinh_reduction", 25)):
        assert sum(t["target"] for t in communes if t["indicator"] == indicator) == total


def test_invented_figures_are_flagged_and_the_plan_is_not(demo_db):
    rows = dict(demo_db.query("SELECT file_name, illustrative FROM import_batch"))
    assert rows["Kế hoạch 2024 huyện Hớn Quản (kinh phí)"] is False
    assert rows["Phân bổ chỉ tiêu theo xã (minh họa)"] is True
    assert all(rows[name] for name in rows if "minh họa" in name)


def test_recorded_statuses_follow_the_decree_07_rule(demo_db):
    disagreements = demo_db.scalar(
        "SELECT count(*) FROM household WHERE recorded_status IS DISTINCT FROM computed_status")
    assert disagreements == 0
    assert demo_db.scalar("SELECT count(*) FROM household WHERE computed_status IS NULL") == 0


def test_the_demo_is_deterministic(demo_db, empty_db):
    urban = {"25357"}
    frames = []
    for db in (demo_db, empty_db):
        builder = DemoBuilder(db)
        for c in read_demo_csv("communes.csv"):
            builder.build_commune(c)
        frames.append(builder.household_frame(urban))
    assert frames[0].equals(frames[1])


def test_the_demo_has_a_realistic_history(demo_db):
    poor = dict(demo_db.query("SELECT year, count(*) FROM household_official "
                              "WHERE official_status = 'poor' GROUP BY year"))
    assert poor[2022] > poor[2023] == 125 > poor[2024]
    groups = {r[0] for r in demo_db.query("SELECT DISTINCT ethnicity FROM household")}
    assert {"Kinh", "S'tiêng", "Khmer"} <= groups
    last = demo_db.scalar("SELECT max(as_of) FROM disbursement")
    assert str(last) == "2024-11-30"


def test_the_demo_refuses_a_database_that_holds_data(demo_db):
    from analytics.demo import load_demo
    with pytest.raises(ValueError):
        load_demo(demo_db)
