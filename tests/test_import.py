"""The importer on the fixture corpus: messy-but-valid files import with their expected counts,
bad files are refused with their expected error and leave the database exactly as it was;
supersede, rollback and duplicate re-import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analytics.batches import DATA_TABLES, BatchError, rollback
from analytics.i18n import t
from analytics.importer import import_file
from analytics.poverty import household_counts

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def snapshot(db) -> dict:
    """Every data table in full (sorted), the batches and data_version."""
    state = {"data_version": db.data_version()}
    for table in (*DATA_TABLES, "import_batch", "audit_log"):
        state[table] = sorted(map(repr, db.query(f"SELECT * FROM {table}")))
    return state


@pytest.mark.parametrize("name", sorted(MANIFEST["valid"]))
def test_messy_but_valid_files_import_with_their_expected_counts(name, hon_quan_db):
    expect = MANIFEST["valid"][name]
    report = import_file(hon_quan_db, load(name), name, user="tester")
    assert report.errors == [], [e.to_dict() for e in report.errors]
    data = report.to_dict()
    for key in ("status", "kind", "rows_imported", "rows_skipped", "encoding_repairs", "year",
                "year_source", "commune", "commune_source", "as_of", "text_encoding"):
        if key in expect:
            assert data[key] == expect[key], key
    if "skipped_rows" in expect:
        assert [s["row"] for s in data["skipped"]] == expect["skipped_rows"]
    batch = hon_quan_db.query("SELECT kind, rows, status, sha256, user_name FROM import_batch WHERE id = ?",
                           [report.batch_id])[0]
    assert batch[:3] == (expect["kind"], expect["rows_imported"], "committed")
    assert batch[3] == report.sha256 and batch[4] == "tester"


def test_the_messy_list_reads_names_hamlets_ticks_and_numbers(hon_quan_db):
    expect = MANIFEST["valid"]["households_messy.xlsx"]
    report = import_file(hon_quan_db, load("households_messy.xlsx"), "households_messy.xlsx")
    rows = {r[0]: r[1:] for r in hon_quan_db.query(
        "SELECT household_id, head_name, hamlet, income_per_capita, members, deprivation_count, "
        "recorded_status, computed_status, no_labour_capacity, has_merit, is_ethnic_minority "
        "FROM household_current")}
    assert {k: v[0] for k, v in rows.items()} == expect["names"]  # TCVN3 and VNI repaired
    assert {k: v[1] for k, v in rows.items()} == expect["hamlets"]  # from the section rows
    assert rows["MD-001"][2] == 1_200_000 and rows["MD-002"][2] == 1_350_000  # "1.200.000", "1 350 000"
    assert rows["MD-003"][4] == 4  # có, ✓, x, x
    assert rows["MD-003"][7] is True and rows["MD-006"][8] is True
    assert rows["MD-003"][9] is True and rows["MD-001"][9] is False  # S'tiêng vs Kinh
    # The one recorded status that disagrees with the rule is warned about, on its row.
    warned = [w for w in report.warnings if w.column == "Phân loại hộ"]
    row_of = {w.row for w in warned}
    assert len(warned) == len(expect["status_warnings"]) == 1
    assert rows["MD-008"][5] == "near_poor" and rows["MD-008"][6] == "poor"
    assert row_of == {r for r in [20]}


@pytest.mark.parametrize("name", sorted(MANIFEST["bad"]))
def test_bad_files_are_refused_and_change_nothing(name, module_demo_db):
    demo_db = module_demo_db
    expect = MANIFEST["bad"][name]
    before = snapshot(demo_db)
    report = import_file(demo_db, load(name), name)
    assert report.status == "rejected"
    assert report.batch_id is None
    template = t(expect["error"]).split("{")[0]
    matching = [e for e in report.errors if e.message.startswith(template)]
    assert matching, [e.to_dict() for e in report.errors]
    if expect.get("row") is not None:
        assert any(e.row == expect["row"] for e in matching)
    if expect.get("column") is not None:
        assert any(e.column == expect["column"] for e in matching)
    assert snapshot(demo_db) == before


def test_messages_in_english_when_asked(hon_quan_db):
    report = import_file(hon_quan_db, load("bad_tick.xlsx"), "bad_tick.xlsx", lang="en")
    assert report.errors[0].message == t("import_err_bad_tick", "en")
    assert report.errors[0].to_dict() == {"sheet": "DS", "row": 3, "column": "CS1", "value": "?",
                                          "message": t("import_err_bad_tick", "en")}


def test_a_file_over_the_size_limit_is_refused_before_reading(empty_db):
    with empty_db.transaction() as cur:
        cur.execute("UPDATE setting SET value = '0.001' WHERE key = 'upload_max_mb'")
    report = import_file(empty_db, load("households_simple.xlsx"), "households_simple.xlsx")
    assert report.status == "rejected"
    assert report.errors[0].message.startswith(t("import_err_too_large").split("(")[0])


def test_dry_run_validates_and_writes_nothing(demo_db):
    before = snapshot(demo_db)
    report = import_file(demo_db, load("households_simple.xlsx"), "households_simple.xlsx", dry_run=True)
    assert report.status == "valid" and report.rows_imported == 15 and report.batch_id is None
    assert report.preview is not None and len(report.preview) == 15
    assert snapshot(demo_db) == before


def test_same_file_twice_is_a_duplicate_and_changes_nothing(hon_quan_db):
    first = import_file(hon_quan_db, load("households_utf8.csv"), "a.csv")
    before = snapshot(hon_quan_db)
    again = import_file(hon_quan_db, load("households_utf8.csv"), "renamed.csv")
    assert again.status == "duplicate" and again.duplicate_of == first.batch_id
    assert again.kind == "households" and again.rows_imported == 0
    assert snapshot(hon_quan_db) == before


def test_a_households_file_replaces_its_year_and_commune_and_rollback_restores(demo_db):
    year, code = 2024, "25348"  # Minh Đức in the demo's 2024 review
    def minh_duc():
        return sorted(demo_db.query("SELECT household_id, batch_id FROM household_current "
                                    "WHERE year = ? AND commune_code = ?", [year, code]))
    old = minh_duc()
    others = demo_db.scalar("SELECT count(*) FROM household_current WHERE NOT (year = ? AND commune_code = ?)",
                            [year, code])
    before = snapshot(demo_db)
    report = import_file(demo_db, load("households_messy.xlsx"), "households_messy.xlsx")
    assert report.status == "committed" and report.superseded_rows == len(old) > 0
    assert [r[0] for r in minh_duc()] == sorted(MANIFEST["valid"]["households_messy.xlsx"]["names"])
    assert demo_db.scalar("SELECT count(*) FROM household_current WHERE NOT (year = ? AND commune_code = ?)",
                          [year, code]) == others
    # The replaced rows are kept, marked with the batch that replaced them.
    assert demo_db.scalar("SELECT count(*) FROM household WHERE superseded_by = ?", [report.batch_id]) == len(old)
    counts = household_counts(demo_db, year)
    assert counts["poor"] >= 3
    done = rollback(demo_db, report.batch_id, user="tester")
    assert done == {"batch_id": report.batch_id, "deleted": 8, "restored": len(old)}
    assert minh_duc() == old
    after = snapshot(demo_db)
    for table in DATA_TABLES:
        assert after[table] == before[table]
    assert demo_db.query("SELECT status, rolled_back_by FROM import_batch WHERE id = ?",
                         [report.batch_id]) == [("rolled_back", "tester")]


def test_rollback_refuses_a_batch_whose_rows_a_later_batch_replaced(hon_quan_db):
    first = import_file(hon_quan_db, load("households_simple.xlsx"), "simple.xlsx")
    second = import_file(hon_quan_db, load("households_utf8.csv"), "utf8.csv")  # same households
    assert second.superseded_rows == 15
    with pytest.raises(BatchError, match=str(second.batch_id)):
        rollback(hon_quan_db, first.batch_id)
    rollback(hon_quan_db, second.batch_id)
    assert hon_quan_db.scalar("SELECT count(*) FROM household_current WHERE batch_id = ?", [first.batch_id]) == 15
    rollback(hon_quan_db, first.batch_id)
    assert hon_quan_db.scalar("SELECT count(*) FROM household") == 0
    # A rolled-back file may be imported again.
    assert import_file(hon_quan_db, load("households_simple.xlsx"), "simple.xlsx").status == "committed"


def test_an_import_outside_the_users_communes_is_refused(hon_quan_db):
    allowed = {(2024, "25327")}
    before = snapshot(hon_quan_db)
    report = import_file(hon_quan_db, load("households_simple.xlsx"), "s.xlsx", communes=allowed)
    assert report.status == "rejected"
    assert {e.row for e in report.errors} == set(range(5, 17))  # rows of the other communes
    assert snapshot(hon_quan_db) == before


def test_another_communes_file_already_imported_is_refused_as_outside_not_named_a_duplicate(hon_quan_db):
    first = import_file(hon_quan_db, load("households_simple.xlsx"), "s.xlsx")
    assert first.status == "committed"
    before = snapshot(hon_quan_db)
    again = import_file(hon_quan_db, load("households_simple.xlsx"), "s.xlsx", communes={(2024, "25327")})
    assert again.status == "rejected" and again.duplicate_of is None
    assert {e.message for e in again.errors} == {again.msg("import_err_outside_scope")}
    assert snapshot(hon_quan_db) == before
    # A user assigned every commune of the file is told it is a duplicate.
    everyone = {(int(v), c) for v, c in hon_quan_db.query(
        "SELECT DISTINCT commune_vintage, commune_code FROM household WHERE batch_id = ?", [first.batch_id])}
    assert len(everyone) > 1
    assert import_file(hon_quan_db, load("households_simple.xlsx"), "s.xlsx", communes=everyone).status == "duplicate"


def test_a_failure_inside_the_commit_leaves_the_database_as_it_was(demo_db, monkeypatch):
    from analytics.importer.kinds import households
    before = snapshot(demo_db)

    def broken(cur, batch_id=None):
        raise RuntimeError("disk pulled out")
    monkeypatch.setattr(households, "_replace_list_ticks", broken)
    with pytest.raises(RuntimeError):
        import_file(demo_db, load("households_messy.xlsx"), "households_messy.xlsx")
    assert snapshot(demo_db) == before


def test_the_budget_report_becomes_plan_lines_and_a_dated_snapshot(empty_db):
    expect = MANIFEST["valid"]["budget_execution_wide.xlsx"]
    report = import_file(empty_db, load("budget_execution_wide.xlsx"), "b.xlsx")
    plan = empty_db.frame("SELECT project, sub_project, source, amount_mvnd FROM budget_plan_current")
    assert float(plan.amount_mvnd.sum()) == expect["plan_total"]
    assert len(plan) == expect["plan_rows"]
    assert set(zip(plan.project, plan.sub_project.fillna(""))) == {
        ("DA2", ""), ("DA3", "TDA1"), ("DA3", "TDA2"), ("DA4", "TDA1"), ("DA4", "TDA3"), ("DA6", ""), ("DA7", "")}
    disb = empty_db.query("SELECT DISTINCT as_of FROM disbursement_current")
    assert [str(d[0]) for d in disb] == ["2024-09-30"] == [report.as_of]
    assert float(empty_db.scalar("SELECT sum(amount_mvnd) FROM disbursement_current")) == expect["disbursed_total"]


def test_commune_totals_and_indicators(hon_quan_db):
    import_file(hon_quan_db, load("commune_totals.xlsx"), "t.xlsx")
    got = dict(hon_quan_db.query("SELECT commune_code, households FROM commune_total_current WHERE year = 2024"))
    assert got == MANIFEST["valid"]["commune_totals.xlsx"]["households"]
    import_file(hon_quan_db, load("indicators.xlsx"), "i.xlsx")
    rate = hon_quan_db.query("SELECT kind, value FROM indicator_value_current WHERE indicator_code = 'poor_rate' "
                          "ORDER BY kind")
    assert rate == [("actual", pytest.approx(0.0025)), ("target", pytest.approx(0.003))]


def test_a_nested_budget_report_imports_each_line_under_its_project_and_capital(empty_db):
    expect = MANIFEST["valid"]["budget_nested.xlsx"]
    report = import_file(empty_db, load("budget_nested.xlsx"), "nested.xlsx")
    assert report.status == "committed", [e.to_dict() for e in report.errors]
    assert report.commune_name == expect["commune_name"]  # the district of the title, by name
    plan = empty_db.query("SELECT project || coalesce('.' || sub_project, ''), capital_type, sum(amount_mvnd) "
                          "FROM budget_plan_current GROUP BY ALL")
    assert {line: capital for line, capital, _ in plan} == expect["lines"]
    # No parent, section or breakdown row counted twice: the totals are the report's TỔNG CỘNG.
    from analytics.summary import summary
    money = summary(empty_db, 2024)["budget"]
    assert money["plan_total"] == expect["plan_total"] == sum(amount for *_, amount in plan)
    assert money["disbursed_total"] == expect["disbursed_total"]
    # The disbursed rows keep their section's capital type too: by hand from the fixture's lines,
    # section I (Dự án 1) 1,000 planned and 500 disbursed; section II 1,200 and 500.
    from analytics.budget import execution_by_capital_type
    assert [tuple(r) for r in execution_by_capital_type(empty_db, 2024).itertuples(index=False)] == [
        ("dau_tu", 1000.0, 500.0, 0.5), ("su_nghiep", 1200.0, 500.0, pytest.approx(500 / 1200))]
    assert empty_db.query("SELECT DISTINCT capital_type FROM disbursement_current WHERE project = 'DA1'") == [("dau_tu",)]
    # Dự án 4 says more than its sub-projects: warned on its row and column, with both figures.
    warned = [[w.row, w.column, w.value] for w in report.warnings
              if w.message.startswith(t("import_warn_parent_sum").split("(")[0])]
    assert warned == [row[:3] for row in expect["parent_warnings"]]
    assert all(f"({row[3]})" in w.message for row, w in zip(expect["parent_warnings"],
               [w for w in report.warnings if w.row == 19]))


def test_a_sub_project_without_its_project_row_is_told_so(empty_db):
    text = ("BÁO CÁO NĂM 2024\nNội dung,NSTW,NS tỉnh\nTiểu dự án 1: Hỗ trợ sản xuất,5,1\nDự án 2: Sinh kế,10,1\n"
            "Tiểu dự án 1: Mô hình,5,1\nDự án 9: Không có,1,1\n")
    report = import_file(empty_db, text.encode(), "orphan.csv")
    # Each message names what it read: no sub-project 1 under Dự án 2, no Dự án 9, no project above.
    assert [(e.row, e.message) for e in report.errors] == [
        (5, t("import_err_unknown_project", code="Dự án 2 – Tiểu dự án 1")),
        (6, t("import_err_unknown_project", code="Dự án 9")), (3, t("import_err_sub_without_project"))]


def test_the_cyclic_collector_is_paused_while_a_file_imports_and_resumed_after(hon_quan_db):
    import gc
    import threading

    from analytics.importer.pipeline import cyclic_gc_paused
    during = []
    report = import_file(hon_quan_db, load("households_simple.xlsx"), "s.xlsx", dry_run=True,
                         progress=lambda fraction, text: during.append(gc.isenabled()))
    assert report.status == "valid" and during and not any(during)
    assert gc.isenabled()
    # Two imports at once: the collector resumes when the second ends, not the first.
    first_in, second_out = threading.Event(), threading.Event()

    def first():
        with cyclic_gc_paused():
            first_in.set()
            second_out.wait(10)
    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()  # the first still runs
    second_out.set()
    thread.join(10)
    assert gc.isenabled()
    # A process that runs without the collector keeps running without it.
    gc.disable()
    try:
        import_file(hon_quan_db, load("households_simple.xlsx"), "s.xlsx", dry_run=True)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_households_are_classified_as_they_are_written_as_a_full_refresh_would(hon_quan_db):
    from analytics.classification import refresh_derived
    report = import_file(hon_quan_db, load("households_messy.xlsx"), "m.xlsx")
    assert report.status == "committed"
    query = ("SELECT household_id, deprivation_count, computed_status FROM household WHERE batch_id = ? "
             "ORDER BY household_id")
    written = hon_quan_db.query(query, [report.batch_id])
    assert len(written) == report.rows_imported and {s for _, _, s in written} >= {"poor", "near_poor"}
    with hon_quan_db.transaction() as cur:
        cur.execute("UPDATE household SET deprivation_count = NULL, computed_status = NULL WHERE batch_id = ?",
                    [report.batch_id])
        refresh_derived(cur, report.batch_id)
    assert hon_quan_db.query(query, [report.batch_id]) == written
