"""Lists with Phiếu B1/B2 points instead of (or beside) income: classified at every boundary of
the cut-offs in ``review_cutoff.csv`` (≤ 140 rural, ≤ 175 urban; B2 ≥ 30 = 3 deprivations),
hand-counted; income wins where both are given; the 2027–2030 cut-offs are missing and the
import says so instead of guessing."""

from __future__ import annotations

import pytest

from analytics.i18n import t
from analytics.importer import import_file
from analytics.reference import read_csv

HEADER = "Mã hộ,Xã,Năm,Thu nhập bình quân,Điểm B1,Điểm B2,Phân loại hộ"


def csv_bytes(rows: list[str], header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def statuses(db) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in db.query(
        "SELECT household_id, computed_status, deprivation_count FROM household_current")}


def test_the_cutoffs_are_data_rows_marked_unverified_and_2027_is_missing():
    rows = {(r["standard"], r["area"]): r for r in read_csv("review_cutoff.csv")}
    assert rows[("ND07_2021", "rural")]["b1_max_points"] == "140"
    assert rows[("ND07_2021", "urban")]["b1_max_points"] == "175"
    assert all(r["verified"] == "false" and r["source"] for r in rows.values())
    assert rows[("ND351_2025", "rural")]["b1_max_points"] is None


def test_points_without_income_are_classified_at_every_boundary(empty_db):
    # Xã Thanh An (25327) is rural: B1 ≤ 140; Thị trấn Tân Khai (25357) is urban: B1 ≤ 175.
    report = import_file(empty_db, csv_bytes([
        "R139-30,25327,2024,,139,30,",
        "R140-30,25327,2024,,140,30,",
        "R141-30,25327,2024,,141,30,",
        "R140-20,25327,2024,,140,20,",
        "R139-29,25327,2024,,139,29,",
        "U174-30,25357,2024,,174,30,",
        "U175-30,25357,2024,,175,30,",
        "U175-20,25357,2024,,175,20,",
        "U176-30,25357,2024,,176,30,",
        "U176-20,25357,2024,,176,20,",
    ]), "points.csv")
    assert report.status == "committed", [e.to_dict() for e in report.errors]
    assert statuses(empty_db) == {
        "R139-30": ("poor", 3), "R140-30": ("poor", 3), "R141-30": ("above", 3),
        "R140-20": ("near_poor", 2), "R139-29": ("near_poor", 2),
        "U174-30": ("poor", 3), "U175-30": ("poor", 3), "U175-20": ("near_poor", 2),
        "U176-30": ("above", 3), "U176-20": ("above", 2)}


def test_income_wins_over_points_and_ticks_over_b2(empty_db):
    header = HEADER + ",CS1,CS2,CS3"
    report = import_file(empty_db, csv_bytes([
        # income 1.6 M is over the rural line although B1 says within the cut
        "A,25327,2024,1600000,100,30,,,,",
        # income within the line, B1 over the cut: income decides
        "B,25327,2024,1400000,200,30,,,,",
        # ticks given (one): they count, not the B2 points
        "C,25327,2024,,100,30,,x,,",
        # no ticks at all in the row: blank cells are "not ticked", so 0 deprivations
        "D,25327,2024,,100,40,,,,",
    ], header), "both.csv")
    assert report.status == "committed"
    assert statuses(empty_db) == {"A": ("average", 0), "B": ("near_poor", 0),
                                  "C": ("near_poor", 1), "D": ("near_poor", 0)}


def test_the_recorded_class_stays_official_and_a_disagreeing_one_is_a_warning(empty_db):
    report = import_file(empty_db, csv_bytes([
        "P,25327,2024,,120,30,Hộ nghèo",
        "Q,25327,2024,,120,30,Hộ cận nghèo",     # points say poor
        "R,25327,2024,,150,10,Hộ không nghèo",   # over the cut: agrees
        "S,25327,2024,,150,10,Thoát nghèo",      # 'average' recorded: over the cut agrees too
    ]), "recorded.csv")
    assert report.status == "committed"
    assert [(w.row, w.value) for w in report.warnings] == [(3, "Hộ cận nghèo")]
    official = dict(empty_db.query("SELECT household_id, official_status FROM household_official"))
    assert official == {"P": "poor", "Q": "near_poor", "R": "above", "S": "average"}


def test_a_list_without_income_or_b1_is_refused_and_a_row_without_both_too(empty_db):
    report = import_file(empty_db, csv_bytes(["A,25327,2024,30"], "Mã hộ,Xã,Năm,Điểm B2"), "none.csv")
    assert report.status == "rejected"
    assert len(report.errors) == 1 and "Thu nhập bình quân" in report.errors[0].message
    report = import_file(empty_db, csv_bytes(["A,25327,2024,,,30,", "B,25327,2024,,120,30,"]), "row.csv")
    assert report.status == "rejected"
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "Thu nhập bình quân", t("import_err_required_value"))]


def test_points_for_2027_are_not_classified_and_the_import_says_why(empty_db):
    report = import_file(empty_db, csv_bytes(["N1,25345,2027,,120,40,Hộ nghèo"]), "2027.csv")
    assert report.status == "committed", [e.to_dict() for e in report.errors]
    assert [w.message for w in report.warnings] == [t("import_warn_no_points_cutoff", years="2027")]
    assert statuses(empty_db) == {"N1": (None, 0)}
    assert empty_db.scalar("SELECT official_status FROM household_official") == "poor"


@pytest.mark.parametrize("b2, count", [(0, 0), (19, 1), (20, 2), (29, 2), (30, 3), (120, 12)])
def test_b2_points_give_the_deprivation_count(empty_db, b2, count):
    import_file(empty_db, csv_bytes([f"X,25327,2024,,100,{b2},"]), f"b2-{b2}.csv")
    assert statuses(empty_db)["X"][1] == count


def test_migration_012_upgrades_a_database_with_households_and_keeps_them(tmp_path, monkeypatch):
    from analytics import db as db_module
    from analytics.classification import refresh_derived
    from analytics.db import Database, list_migrations

    path = tmp_path / "old.duckdb"
    older = [m for m in list_migrations() if m.version < 12]
    monkeypatch.setattr(db_module, "list_migrations", lambda: older)
    with Database(path) as db:
        with db.transaction() as cur:
            cur.execute("INSERT INTO import_batch (kind, status) VALUES ('households', 'committed')")
            cur.execute("""INSERT INTO household (year, household_id, commune_vintage, commune_code,
                           income_per_capita, d01, d02, d03, recorded_status, computed_status, deprivation_count,
                           batch_id) VALUES (2024, 'OLD', 2024, '25327', 1000000, true, true, true, 'poor',
                           'poor', 3, 1)""")
    monkeypatch.undo()
    with Database(path) as db:
        assert 12 in db.applied_migrations()
        assert db.query("SELECT household_id, computed_status, b1_points, causes, officer FROM household") == [
            ("OLD", "poor", None, None, None)]
        assert db.scalar("SELECT count(*) FROM support") == 0
        assert db.scalar("SELECT b1_max_points FROM review_cutoff WHERE standard = 'ND07_2021' "
                         "AND area = 'urban'") == 175
        with db.transaction() as cur:
            refresh_derived(cur)
        assert db.scalar("SELECT computed_status FROM household") == "poor"
