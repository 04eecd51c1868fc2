"""The ``summary --json`` contract: the keys issue 4 adds, consistent with one another."""

import json

import pytest

from analytics import transitions
from analytics.summary import summary
from builders import RURAL, add_households, household
from conftest import cli_in_process


def strict_json(text: str):
    """JSON as other tools read it: NaN or Infinity would be an error."""
    def reject(value):
        raise ValueError(f"not JSON: {value}")
    return json.loads(text, parse_constant=reject)


def cli(*args) -> tuple[int, str]:
    """The command line in this process (the same ``main`` as ``python -m analytics``)."""
    r = cli_in_process(*args)
    return r.returncode, r.stdout


@pytest.fixture(scope="module")
def data_2024(module_demo_file):
    code, out = cli("summary", "--year", "2024", "--json", "--db", str(module_demo_file))
    assert code == 0
    return strict_json(out)


def test_transitions_start_at_the_end_of_2023(data_2024):
    tr = data_2024["transitions"]
    assert list(tr) == list(transitions.POOR_COLUMNS)
    assert tr["start"] == 125 and tr["end"] == data_2024["households"]["poor"]
    assert transitions.balance(tr) == tr["end"]
    near = data_2024["near_poor_transitions"]
    assert list(near) == list(transitions.NEAR_POOR_COLUMNS)
    assert near["end"] == data_2024["households"]["near_poor"]
    for key in transitions.POOR_COLUMNS:
        assert sum(c["transitions"][key] for c in data_2024["communes"]) == tr[key]
    for c in data_2024["communes"]:
        assert c["transitions"]["end"] == c["poor"]
        assert transitions.balance(c["transitions"]) == c["transitions"]["end"]
        assert transitions.balance(c["near_poor_transitions"], "near_poor") == c["near_poor"]


def test_the_foundation_keys_are_kept(data_2024):
    assert {"poor", "near_poor", "total", "poor_rate"} <= set(data_2024["households"])
    assert {"code", "name", "total", "poor", "near_poor", "poor_rate"} <= set(data_2024["communes"][0])
    b = data_2024["budget"]
    assert b["plan_total"] == 4034 and set(b["by_source"]) == {"central", "province", "district"}
    assert {"project", "sub_project", "agency", "central", "province", "district", "total"} <= set(b["lines"][0])


def test_deprivations(data_2024):
    d = data_2024["deprivations"]
    assert [i["number"] for i in d["indicators"]] == list(range(1, 13))
    assert {"number", "name", "poor_count", "poor_share", "near_poor_count", "near_poor_share"} <= set(d["indicators"][0])
    poor = data_2024["households"]["poor"]
    for i in d["indicators"]:
        assert i["poor_share"] == pytest.approx(i["poor_count"] / poor)
    assert d["M0"] == pytest.approx(d["H"] * d["A"])


def test_targets(data_2024):
    rows = data_2024["targets"]
    assert all({"org_unit", "indicator", "target", "achieved", "gap", "status"} <= set(r) for r in rows)
    reductions = {(r["org_unit"], r["indicator"]) for r in rows if r["indicator"].endswith("_reduction")}
    for org in ["694"] + [c["code"] for c in data_2024["communes"]]:
        for ind in ("poor_reduction", "poor_ethnic_minority_reduction", "poor_kinh_reduction"):
            assert (org, ind) in reductions
    district = {r["indicator"]: r for r in rows if r["org_unit"] == "694"}
    tr = data_2024["transitions"]
    assert district["poor_reduction"]["achieved"] == tr["start"] - tr["end"]
    assert district["poor_reduction"]["gap"] == 68 - (tr["start"] - tr["end"])
    assert district["poor_rate"]["achieved"] == pytest.approx(data_2024["households"]["poor_rate"])
    assert {"health_insurance_coverage", "officers_trained", "credit_access"} <= set(district)
    assert all(r["status"] in ("achieved", "on_track", "at_risk", "behind") for r in district.values())
    assert data_2024["target_status_rule"]["en"].startswith("Achieved")


def test_budget_execution(data_2024, module_demo_file):
    b = data_2024["budget"]
    assert b["disbursed_total"] == pytest.approx(sum(line["disbursed"] for line in b["lines"]))
    assert b["disbursed_total"] == pytest.approx(sum(b["disbursed_by_source"].values()))
    assert b["disbursement_rate"] == pytest.approx(b["disbursed_total"] / b["plan_total"])
    for line in b["lines"]:
        assert line["rate"] == pytest.approx(line["disbursed"] / line["total"])
    from analytics.db import Database
    with Database(module_demo_file) as db:
        # the latest disbursement report of the year, read straight from the rows
        assert b["as_of"] == db.scalar("SELECT max(as_of) FROM disbursement_current WHERE year = 2024").isoformat()


def test_data_quality_lists_disagreements_and_missing_households(empty_db):
    add_households(empty_db, [
        household("stays", 2023, RURAL, recorded="poor"), household("gone", 2023, RURAL, recorded="poor"),
        household("stays", 2024, RURAL, recorded="poor"),
        household("odd", 2024, RURAL, income=1_000_000, deprived=(1,), recorded="poor"),
    ])
    data = summary(empty_db, 2024)
    kinds = {d["kind"]: d for d in data["data_quality"]}
    assert kinds["status_disagreement"]["household_ids"] == ["odd"]
    assert kinds["missing_poor_household"]["household_ids"] == ["gone"]
    assert kinds["missing_poor_household"]["count"] == 1
    assert data["transitions"]["other_decrease"] == 1
    assert summary(empty_db, 2023)["transitions"] is None  # no 2022 review to compare with


def test_text_output(module_demo_file):
    code, out = cli("summary", "--year", "2024", "--db", str(module_demo_file))
    assert code == 0 and "Diễn biến hộ nghèo: đầu kỳ 125" in out

