"""Support received: the support import kind (with rollback like any batch), tick columns of a
household list, the coverage targets read off the records, the support → outcome view on a
hand-counted two-year history, the officer's own list, and the review-software export."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analytics.batches import rollback
from analytics.i18n import t
from analytics.importer import import_file
from analytics.importer.listing import household_filters, household_list
from analytics.review import cause_table, funnel
from analytics.summary import summary
from analytics.support import support_counts, support_outcome
from analytics.targets import support_coverage, target_gaps
from builders import RURAL, add_households, add_indicator_values, add_support, household

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
URBAN = "25357"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def exported(empty_db):
    report = import_file(empty_db, load("review_export.xlsx"), "review_export.xlsx")
    assert report.status == "committed", [e.to_dict() for e in report.errors]
    return empty_db, report


def test_the_review_software_export_imports_with_no_mapping_by_hand(exported):
    db, report = exported
    expect = MANIFEST["valid"]["review_export.xlsx"]
    mapped = {m["column"]: m["field"] for m in report.mapping}
    assert mapped["family.code"] == "household_id" and mapped["classify"] == "recorded_status"
    assert mapped["b1Point"] == "b1_points" and mapped["deprivation.informationAccessAssets"] == "d12"
    assert mapped["support.production"] == "support_livelihood" and mapped["reason.illness"] == "cause_illness"
    assert report.rows_imported == expect["rows_imported"] and report.warnings == []
    rows = {r[0]: r[1:] for r in db.query(
        "SELECT household_id, recorded_status, computed_status, deprivation_count, no_labour_capacity, "
        "quick_review, quick_review_reason FROM household_current")}
    # Booleans as True/False (TA-01, TA-02), 1/0 (TA-03, TA-04) and x (the rest) are all ticks.
    assert {k: v[2] for k, v in rows.items()} == {"TA-01": 4, "TA-02": 3, "TA-03": 2, "TA-04": 1,
                                                  "TA-05": 1, "TA-06": 0, "TK-01": 3, "TK-02": 0}
    assert rows["TK-01"][3] is True and rows["TA-01"][3] is False
    assert rows["TA-06"][4:] == ("screened_out", "Có ô tô phục vụ sinh hoạt")
    assert rows["TA-05"][:2] == ("above", "above")  # "Hộ không nghèo", B1 160 over the rural cut
    data = summary(db, 2024)
    assert (data["households"]["poor"], data["households"]["near_poor"]) == (expect["poor"], expect["near_poor"])
    assert data["support"] == expect["support"] and data["causes"] == expect["causes"]
    urban = next(c for c in data["communes"] if c["code"] == URBAN)
    assert urban["support"] == {"housing": 1} and urban["causes"] == {"labour": 1, "other": 1}
    assert data["review_funnel"] == {"listed": 8, "screened": 8, "screened_out": 1, "scored": 7, "poor": 3,
                                     "near_poor": 3,
                                     "reasons": [{"reason": "Có ô tô phục vụ sinh hoạt", "households": 1}]}


def test_the_by_cause_table_counts_poor_and_near_poor_households(exported):
    db, _ = exported
    table = cause_table(db, 2024).set_index("code")
    assert list(table.index) == ["land", "capital", "labour", "tools", "knowledge", "skills", "illness", "other"]
    assert table.loc["capital", ["poor", "near_poor"]].tolist() == [1, 1]
    assert table.loc["tools", ["poor", "near_poor"]].tolist() == [0, 0]
    # 3 poor and 3 near-poor households gave causes; TA-01 gave two.
    assert table.poor.sum() == 4 and table.loc["land", "poor_share"] == pytest.approx(1 / 3)


def test_support_records_import_roll_back_and_feed_the_coverage_targets(exported):
    db, households = exported
    add_indicator_values(db, 2024, [(RURAL, "health_insurance_coverage", "target", 1.0),
                                    (RURAL, "credit_access", "actual", 0.9),
                                    (RURAL, "credit_access", "target", 1.0)])
    before = support_coverage(db, 2024).set_index(["org_unit", "indicator"]).achieved
    # Thanh An: 4 poor or near-poor households; ticks give health to TA-01, TA-02, credit to TA-01, TA-03.
    assert before[RURAL, "health_insurance_coverage"] == pytest.approx(0.5)
    assert before[RURAL, "credit_access"] == pytest.approx(0.5)
    assert before[URBAN, "health_insurance_coverage"] == 0.0  # Tân Khai has records, none of them health
    assert before["694", "health_insurance_coverage"] == pytest.approx(2 / 6)
    gaps = {r["indicator"]: r for r in target_gaps(db, 2024).to_dict("records") if r["org_unit"] == RURAL}
    # The records come before the typed 0.9.
    assert (gaps["credit_access"]["achieved"], gaps["credit_access"]["achieved_source"]) == (0.5, "support")
    report = import_file(db, load("support_records.xlsx"), "support_records.xlsx")
    assert report.status == "committed" and report.rows_imported == 3
    counts = support_counts(db, 2024).set_index(["code", "support_type"])
    assert counts.loc[(RURAL, "livelihood"), "households"] == 1  # TA-03's model, from the file
    assert counts.loc[(RURAL, "credit"), "households"] == 2      # TA-01 in both the list and the file
    assert counts.loc[(RURAL, "credit"), "amount_mvnd"] == 50
    assert counts.loc[(RURAL, "health"), "amount_mvnd"] == pytest.approx(0.8)
    assert db.query("SELECT support_date, budget_line FROM support_current WHERE household_id = 'TA-03' "
                    "AND origin = 'support'") == [(pd.Timestamp("2024-06-01").date(), "DA3.TDA1")]
    # The support file replaces only support files' rows; a new household list keeps it.
    assert rollback(db, report.batch_id)["deleted"] == 3
    assert db.scalar("SELECT count(*) FROM support_current WHERE origin = 'support'") == 0
    after = support_coverage(db, 2024).set_index(["org_unit", "indicator"]).achieved
    assert after.sort_index().equals(before.sort_index())  # the list's ticks remain
    assert rollback(db, households.batch_id)["deleted"] == 8 + 5
    assert support_coverage(db, 2024).empty
    gaps = {r["indicator"]: r for r in target_gaps(db, 2024).to_dict("records") if r["org_unit"] == RURAL}
    assert (gaps["credit_access"]["achieved"], gaps["credit_access"]["achieved_source"]) == (0.9, "imported")


def test_a_support_file_with_an_unknown_type_or_line_is_refused(empty_db):
    content = ("Mã hộ,Xã,Năm,Loại hỗ trợ,Dự án\n"
               "A,25327,2024,Vay vốn ưu đãi,Dự án 2\n"
               "B,25327,2024,Phát gạo,\n"
               "C,25327,2024,Nhà ở,Dự án 42\n").encode("utf-8")
    report = import_file(empty_db, content, "support.csv")
    assert report.kind == "support" and report.status == "rejected"
    assert [(e.row, e.column) for e in report.errors] == [(3, "Loại hỗ trợ"), (4, "Dự án")]
    # The message names the project as the file wrote it.
    assert report.errors[1].message == t("import_err_unknown_project", code="Dự án 42")


def test_support_dates_read_as_offices_write_them(empty_db):
    # Day first, ISO, and an Excel serial typed as a number: all 1 June 2024.
    content = ("Mã hộ,Xã,Năm,Loại hỗ trợ,Ngày hỗ trợ\n"
               "A,25327,2024,Vay vốn ưu đãi,01/06/2024\n"
               "B,25327,2024,Vay vốn ưu đãi,2024-06-01\n"
               "C,25327,2024,Vay vốn ưu đãi,45444\n"
               "D,25327,2024,Vay vốn ưu đãi,ngày mai\n").encode("utf-8")
    report = import_file(empty_db, content, "support.csv")
    assert [(e.row, e.column) for e in report.errors] == [(5, "Ngày hỗ trợ")]
    report = import_file(empty_db, content.rsplit(b"D,", 1)[0], "support.csv")
    assert report.status == "committed", [e.to_dict() for e in report.errors]
    assert {d for (d,) in empty_db.query("SELECT support_date FROM support_current")} == {
        pd.Timestamp("2024-06-01").date()}


@pytest.fixture
def two_years(empty_db):
    """2023 and 2024 reviews of Thanh An and support given in 2024 (see the test for the count)."""
    add_households(empty_db, [
        household("H1", 2023, recorded="poor"), household("H2", 2023, recorded="poor"),
        household("H3", 2023, recorded="poor"), household("H4", 2023, recorded="poor"),
        household("H5", 2023, recorded="near_poor"), household("H6", 2023, recorded="poor")])
    add_households(empty_db, [  # H6 moved away: no 2024 record
        household("H1", 2024, recorded="near_poor"), household("H2", 2024, recorded="above"),
        household("H3", 2024, recorded="poor"), household("H4", 2024, recorded="poor"),
        household("H5", 2024, recorded="poor")])
    add_support(empty_db, 2024, [
        ("H1", "credit", 30, "DA2"), ("H2", "livelihood", 20, "DA3.TDA1"), ("H2", "credit", 30, "DA2"),
        ("H3", "credit", 30, "DA2"), ("H4", "health", None, None), ("H5", "vocational", 8, "DA4.TDA1"),
        ("H6", "livelihood", 20, "DA3.TDA1")])
    return empty_db


COLUMNS = ["group", "supported", "poor_before", "escaped", "still_poor", "no_record", "amount_mvnd"]


def test_support_to_outcome_by_type_counted_by_hand(two_years):
    frame = support_outcome(two_years, 2024)
    assert frame[COLUMNS].values.tolist() == [
        ["credit", 3, 3, 2, 1, 0, 90.0],       # H1, H2 escaped; H3 still poor
        ["health", 1, 1, 0, 1, 0, 0.0],        # H4, no amount recorded
        ["livelihood", 2, 2, 1, 0, 1, 40.0],   # H2 escaped; H6 has no 2024 record
        ["vocational", 1, 0, 0, 0, 0, 8.0],    # H5 was near-poor
        ["all", 6, 5, 2, 2, 1, 138.0]]         # H2 counted once
    cost = frame.set_index("group").cost_per_escape
    assert (cost["credit"], cost["livelihood"], cost["all"]) == (45.0, 40.0, 69.0)
    assert cost[["health", "vocational"]].isna().all()


def test_support_to_outcome_by_budget_line_beside_the_models_assumed_cost(two_years):
    frame = support_outcome(two_years, 2024, by="budget_line")
    assert frame[COLUMNS].values.tolist() == [
        ["DA2", 3, 3, 2, 1, 0, 90.0], ["DA3.TDA1", 2, 2, 1, 0, 1, 40.0], ["DA4.TDA1", 1, 0, 0, 0, 0, 8.0],
        [None, 1, 1, 0, 1, 0, 0.0], ["all", 6, 5, 2, 2, 1, 138.0]]
    line = frame.set_index("group")
    # scenario_assumptions.csv: DA2 45 million a household, 45 % escape -> 100; DA3.TDA1 20 / 0.30.
    assert line.loc["DA2", "assumed_cost_per_escape"] == pytest.approx(100)
    assert line.loc["DA3.TDA1", "assumed_cost_per_escape"] == pytest.approx(20 / 0.3)
    assert pd.isna(line.loc["DA4.TDA1", "assumed_cost_per_escape"])  # assumed to lift nobody
    with pytest.raises(ValueError):
        support_outcome(two_years, 2024, by="commune")


def test_an_officer_in_charge_has_their_own_list(empty_db):
    content = ("Mã hộ,Xã,Năm,Thu nhập bình quân,Cán bộ phụ trách\n"
               "A,25327,2024,1000000,Nguyễn Văn An\nB,25327,2024,1000000,Trần Thị Bình\n"
               "C,25327,2024,1000000,Nguyễn Văn An\n").encode("utf-8")
    assert import_file(empty_db, content, "officers.csv").status == "committed"
    assert household_filters(empty_db, 2024)["officers"] == ["Nguyễn Văn An", "Trần Thị Bình"]
    mine = household_list(empty_db, 2024, officer="Nguyễn Văn An")
    assert mine.household_id.tolist() == ["A", "C"] and set(mine.officer) == {"Nguyễn Văn An"}


def test_the_funnel_keeps_to_a_users_communes(exported):
    db, _ = exported
    assert funnel(db, 2024, communes={(2024, URBAN)})["listed"] == 2
    assert funnel(db, 2024, communes=set())["listed"] == 0


def test_support_to_outcome_keeps_to_a_users_communes(two_years):
    # All the support is Thanh An's: its officer sees all of it, another commune's none.
    everyone = support_outcome(two_years, 2024)
    assert support_outcome(two_years, 2024, communes={(2024, "25327")}).equals(everyone)
    assert support_outcome(two_years, 2024, communes={(2024, "25330")})["supported"].sum() == 0


@pytest.fixture
def review_app_db(empty_db_file, tmp_path, fresh_streamlit_caches):
    """A database holding the review export and the support file of 2024."""
    import shutil

    from analytics.db import Database

    path = tmp_path / "review.duckdb"
    shutil.copy(empty_db_file, path)
    with Database(path) as db:
        for name in ("review_export.xlsx", "support_records.xlsx"):
            assert import_file(db, load(name), name).status == "committed"
    return path


def test_the_pages_show_the_causes_the_funnel_and_support_to_outcome(monkeypatch, review_app_db):
    from conftest import open_app

    at = open_app(monkeypatch, review_app_db, role="admin", page="deprivations", query={"year": "2024"})
    assert not at.exception, at.exception
    causes = [t.value for t in at.dataframe]
    table = next(f for f in causes if "Nguyên nhân" in f.columns)
    assert table.set_index("Nguyên nhân").loc["Thiếu vốn sản xuất", "Hộ nghèo"] == "1"
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    outcome = next(t.value for t in at.dataframe if "Hộ được hỗ trợ" in t.value.columns)
    assert outcome["Nhóm"].tolist()[-1] == "Tất cả (mỗi hộ tính một lần)"
    assert "Thẻ bảo hiểm y tế" in outcome["Nhóm"].tolist()
    assert any("Rà soát: từ danh sách đến công nhận" in m.value for m in at.markdown)


def test_the_workbook_has_the_cause_sheet(exported):
    import io

    import openpyxl

    from analytics.reports.workbook import write_workbook

    db, _ = exported
    ws = openpyxl.load_workbook(io.BytesIO(write_workbook(db, 2024)))["Nguyên nhân nghèo"]
    rows = {r[1]: r[2:6] for r in ws.iter_rows(values_only=True) if r[1]}
    assert rows["Tổng cộng"][0] == 3 and rows["Tổng cộng"][2] == 3
    assert rows["Thiếu vốn sản xuất"][0] == 1 and rows["Thiếu vốn sản xuất"][2] == 1


def test_a_new_list_replaces_the_support_ticks_of_the_old_one_and_rollback_restores_them(exported):
    db, _ = exported
    ticks = "SELECT count(*) FROM support_current WHERE origin = 'households' AND commune_code = ?"
    assert db.scalar(ticks, [RURAL]) == 4 and db.scalar(ticks, [URBAN]) == 1
    content = ("Mã hộ,Xã,Năm,Điểm B1,Điểm B2\nTA-01,25327,2024,120,40\n").encode("utf-8")
    report = import_file(db, content, "thanh-an.csv")
    assert report.status == "committed"
    assert db.scalar(ticks, [RURAL]) == 0 and db.scalar(ticks, [URBAN]) == 1  # Tân Khai untouched
    rollback(db, report.batch_id)
    assert db.scalar(ticks, [RURAL]) == 4


def test_the_command_line_imports_the_export_and_the_support_file_and_sums_them_up(tmp_path):
    from conftest import cli_in_process

    db = tmp_path / "cli.duckdb"
    for name in ("review_export.xlsx", "support_records.xlsx"):
        done = cli_in_process("import", FIXTURES / name, "--db", db, "--json")
        assert done.returncode == 0, done.stderr
    support_file = json.loads(done.stdout)
    assert (support_file["kind"], support_file["rows_imported"]) == ("support", 3)
    data = json.loads(cli_in_process("summary", "--year", 2024, "--db", db, "--json").stdout)
    expect = MANIFEST["valid"]["review_export.xlsx"]
    assert (data["households"]["poor"], data["households"]["near_poor"]) == (expect["poor"], expect["near_poor"])
    assert data["causes"] == expect["causes"]
    # The file adds TA-03's livelihood model; TA-01's and TA-02's records repeat their ticks.
    assert data["support"] == {**expect["support"], "livelihood": 1}
    assert cli_in_process("rollback", support_file["batch_id"], "--db", db).returncode == 0
    data = json.loads(cli_in_process("summary", "--year", 2024, "--db", db, "--json").stdout)
    assert data["support"] == expect["support"]
