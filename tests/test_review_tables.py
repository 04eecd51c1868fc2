"""The official review tables (forms 1, 2 and 4 of ../shared/forms) as a province fills them:
a total row and a district row above their communes, communes' figures kept, parent rows checked
against the sum of their communes and file rates and balances recomputed, each difference a
warning on its row and column. Expectations are counted by hand in ``make_fixtures.py``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analytics.i18n import t
from analytics.importer import import_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))["valid"]


def imported(db, name: str):
    report = import_file(db, (FIXTURES / name).read_bytes(), name)
    assert report.status == "committed", [e.to_dict() for e in report.errors]
    assert report.kind == "review" and report.rows_imported == MANIFEST[name]["rows_imported"]
    return report


def figures(db, form: str) -> dict:
    rows = db.query("SELECT commune_code, status, unit, measure, value FROM review_figure_current WHERE form = ?",
                    [form])
    return {(c, s, u, m): v for c, s, u, m, v in rows}


def located(report, key: str) -> list[list]:
    start = t(key).split("(")[0]
    return [[w.row, w.column, w.value] for w in report.warnings if w.message.startswith(start)]


def test_form_1_keeps_each_communes_households_and_persons(hon_quan_db):
    expect = MANIFEST["review_summary.xlsx"]
    report = imported(hon_quan_db, "review_summary.xlsx")
    got = figures(hon_quan_db, "summary")
    for code, statuses in expect["figures"].items():
        for status, (households, persons) in statuses.items():
            assert got[(code, status, "households", "count")] == households
            assert got[(code, status, "persons", "count")] == persons
    assert {c for c, *_ in got} == set(expect["figures"])  # no district or total row stored
    # The district's poor households (130) against its communes' 125; An Khương's rate 2.5 against 2.
    parents = located(report, "import_warn_parent_sum")
    assert len(parents) == len(expect["parent_warnings"])
    for (row, column, value), (e_row, number, figure, total) in zip(parents, expect["parent_warnings"]):
        assert (row, value) == (e_row, figure) and column.endswith(f"({number})")
        assert t("import_warn_parent_sum", figure=figure, total=total) in [w.message for w in report.warnings]
    rates = located(report, "import_warn_rate_differs")
    assert len(rates) == len(expect["rate_warnings"])
    for (row, column, value), (e_row, formula, figure, computed) in zip(rates, expect["rate_warnings"]):
        assert (row, value) == (e_row, figure) and column.endswith(f"({formula})")
        assert t("import_warn_rate_differs", formula=formula, computed=computed) in [w.message for w in report.warnings]
    assert len(report.warnings) == len(parents) + len(rates)


def test_form_2_reads_the_households_and_persons_rows_and_checks_the_balance(hon_quan_db):
    expect = MANIFEST["review_change.xlsx"]
    report = imported(hon_quan_db, "review_change.xlsx")
    got = figures(hon_quan_db, "change")
    for measure in ("start", "end"):
        for code, (households, persons) in expect[measure].items():
            assert got[(code, "poor", "households", measure)] == households
            assert got[(code, "poor", "persons", measure)] == persons
    balance = located(report, "import_warn_formula_differs")
    assert [[r, v] for r, _, v in balance] == [[r, v] for r, v, _ in expect["formula_warnings"]]
    assert [f": {s})" in w.message for w, (*_, s) in zip(
        [w for w in report.warnings if w.row in (9, 15)], expect["formula_warnings"])] == [True, True]
    assert len(report.warnings) == len(balance)


def test_form_4_keeps_each_indicators_count(hon_quan_db):
    expect = MANIFEST["review_deprivation.xlsx"]
    report = imported(hon_quan_db, "review_deprivation.xlsx")
    got = figures(hon_quan_db, "deprivation")
    assert {c: got[(c, "poor", "households", "d09")] for c in expect["d09"]} == expect["d09"]
    assert {c: got[(c, "poor", "households", "count")] for c in expect["poor"]} == expect["poor"]
    assert len(report.warnings) == expect["warnings"]


def test_a_second_file_replaces_the_communes_it_covers_and_rollback_restores(hon_quan_db):
    from analytics.batches import rollback
    first = imported(hon_quan_db, "review_deprivation.xlsx")
    data = (FIXTURES / "review_deprivation.xlsx").read_bytes()
    from openpyxl import load_workbook
    import io
    wb = load_workbook(io.BytesIO(data))
    wb.active["M6"] = 31  # Thanh An, indicator 9: 30 -> 31 (the district row now warns)
    buf = io.BytesIO()
    wb.save(buf)
    second = import_file(hon_quan_db, buf.getvalue(), "again.xlsx")
    assert second.status == "committed" and second.superseded_rows == first.rows_imported
    assert figures(hon_quan_db, "deprivation")[("25327", "poor", "households", "d09")] == 31
    assert located(second, "import_warn_parent_sum")[0][0] == 5
    rollback(hon_quan_db, second.batch_id, user="tester")
    assert figures(hon_quan_db, "deprivation")[("25327", "poor", "households", "d09")] == 30


@pytest.mark.parametrize("name", ["Xã Không Có", "Huyện Hớn Quản"])
def test_a_commune_row_no_unit_list_knows_is_refused_a_district_row_needs_none(hon_quan_db, name):
    data = (FIXTURES / "review_deprivation.xlsx").read_bytes()
    from openpyxl import load_workbook
    import io
    wb = load_workbook(io.BytesIO(data))
    wb.active["B6"] = name
    buf = io.BytesIO()
    wb.save(buf)
    report = import_file(hon_quan_db, buf.getvalue(), "x.xlsx", dry_run=True)
    if name.startswith("Xã"):
        assert [(e.row, e.column) for e in report.errors] == [(6, "Phường/ Xã")]
    else:  # a second district row: Thanh An's figures belong to no commune, nothing is refused
        assert report.status == "valid" and report.rows_imported == 26


def test_communes_known_only_from_form_1_count_in_the_summary_with_their_source(hon_quan_db):
    from analytics.summary import summary
    from builders import add_households, household
    expect = MANIFEST["review_summary.xlsx"]["figures"]
    imported(hon_quan_db, "review_summary.xlsx")
    # Every commune of the table as the table gives it, its rates computed from its counts.
    by_code = {c["code"]: c for c in summary(hon_quan_db, 2024)["communes"]}
    for code, f in expect.items():
        c = by_code[code]
        assert c["source"] == "review"
        assert [c["total"], c["persons"]] == f["all"]
        assert [c["poor"], c["poor_persons"]] == f["poor"] and [c["near_poor"], c["near_poor_persons"]] == f["near_poor"]
        assert c["poor_rate"] == pytest.approx(f["poor"][0] / f["all"][0])
        assert c["poor_persons_rate"] == pytest.approx(f["poor"][1] / f["all"][1])
    # Thanh An also sends its household list: its figures come from the list, not the table.
    add_households(hon_quan_db, [household("TA-1", 2024, "25327", income=900_000, recorded="poor", members=5),
                              household("TA-2", 2024, "25327", income=1_200_000, recorded="near_poor", members=3)])
    got = summary(hon_quan_db, 2024)
    by_code = {c["code"]: c for c in got["communes"]}
    assert by_code["25327"]["source"] == "households" and by_code["25327"]["poor"] == 1
    assert by_code["25327"]["total"] == 2000  # the table still gives its total households
    khuong = by_code["25330"]
    assert khuong["source"] == "review"
    assert (khuong["total"], khuong["persons"], khuong["poor"], khuong["near_poor"]) == (
        expect["25330"]["all"][0], expect["25330"]["all"][1], expect["25330"]["poor"][0], expect["25330"]["near_poor"][0])
    assert (khuong["poor_persons"], khuong["near_poor_persons"]) == (180, 120)
    assert khuong["poor_rate"] == pytest.approx(45 / 1500) and khuong["near_poor_persons_rate"] == pytest.approx(120 / 6000)
    assert by_code["25339"]["source"] is None  # An Phú: no data at all
    area = got["households"]
    assert (area["poor"], area["near_poor"], area["total"], area["persons"]) == (1 + 45 + 20, 1 + 30 + 50, 7500, 29000)
    assert (area["poor_persons"], area["near_poor_persons"]) == (5 + 180 + 70, 3 + 120 + 190)
    assert area["poor_persons_rate"] == pytest.approx(255 / 29000)


def test_where_a_list_and_a_table_both_give_a_commune_the_differences_are_listed(hon_quan_db):
    from analytics.poverty import review_differences
    from builders import add_households, household
    imported(hon_quan_db, "review_summary.xlsx")
    assert review_differences(hon_quan_db, 2024).empty  # no household list yet
    add_households(hon_quan_db, [household("TA-1", 2024, "25327", income=900_000, recorded="poor", members=5)])
    got = review_differences(hon_quan_db, 2024)
    # Thanh An: the list's 1 poor household (5 persons, no near-poor) against the table's 60 (240), 80 (300).
    assert got[["code", "status", "unit", "list", "table"]].values.tolist() == [
        ["25327", "near_poor", "households", 0, 80], ["25327", "poor", "households", 1, 60],
        ["25327", "near_poor", "persons", 0, 300], ["25327", "poor", "persons", 5, 240]]
    # A user sees the differences of their own communes only.
    assert len(review_differences(hon_quan_db, 2024, communes={(2024, "25327")})) == 4
    assert review_differences(hon_quan_db, 2024, communes={(2024, "25330")}).empty


def test_the_trend_counts_a_year_known_only_from_the_review_tables(hon_quan_db):
    from analytics.poverty import trend
    imported(hon_quan_db, "review_summary.xlsx")
    row = trend(hon_quan_db).set_index("year").loc[2024]
    assert (row.total, row.poor, row.near_poor) == (7500, 125, 160)  # the communes' rows, not the district's
    one = trend(hon_quan_db, "25330", units=2024).set_index("year").loc[2024]
    assert (one.total, one.poor) == (1500, 45) and one.poor_rate == pytest.approx(0.03)


def test_the_deprivation_heat_map_shows_a_commune_known_only_from_form_4(hon_quan_db):
    from analytics.deprivations import deprivation_table
    expect = MANIFEST["review_deprivation.xlsx"]
    imported(hon_quan_db, "review_deprivation.xlsx")
    table = deprivation_table(hon_quan_db, 2024)
    water = table[table.number == 9].set_index("commune_code")  # indicator 9 (d09)
    assert water.poor_count.to_dict() == expect["d09"]
    assert water.loc["25330", "poor_share"] == pytest.approx(20 / 45)


def test_the_dien_bien_shows_communes_known_only_from_form_2(hon_quan_db):
    from analytics.transitions import balance, poor_transitions
    expect = MANIFEST["review_change.xlsx"]
    imported(hon_quan_db, "review_change.xlsx")
    table = poor_transitions(hon_quan_db, 2024).set_index("code")
    assert table.start.to_dict() == {c: v[0] for c, v in expect["start"].items()}
    assert table.end.to_dict() == {c: v[0] for c, v in expect["end"].items()}
    # Thanh An: 70 - 8 (to near-poor) - 3 (above) - 1 + 1 + 0 + 1 + 0 = 60, as the table writes it.
    row = table.loc["25327"]
    assert (row.escaped_to_near_poor, row.escaped_above_near_poor, row.newly_poor) == (8, 3, 1)
    assert balance(row) == 60


def test_the_workbook_writes_form_2s_persons_rows_for_communes_known_only_from_it(hon_quan_db):
    import io

    import openpyxl

    from analytics.reports.workbook import write_workbook
    from analytics.transitions import persons
    expect = MANIFEST["review_change.xlsx"]
    imported(hon_quan_db, "review_change.xlsx")
    table = persons(hon_quan_db, 2024)["poor"].set_index("code")
    assert table.start.to_dict() == {c: v[1] for c, v in expect["start"].items()}
    assert table.end.to_dict() == {c: v[1] for c, v in expect["end"].items()}
    ws = openpyxl.load_workbook(io.BytesIO(write_workbook(hon_quan_db, 2024)))[t("report_sheet_poor_transitions")]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    number_row = next(i for i, r in enumerate(rows) if r[:3] == ["A", "B", "C"])
    last = rows[number_row].index("9=1-2-3-4+5+6+7+8")
    persons_rows = rows[number_row + 4::2][:len(expect["end"])]  # after the total's two rows
    assert all(r[2] == t("report_row_persons") for r in persons_rows)
    assert sorted((r[3], r[last]) for r in persons_rows) == sorted(
        (expect["start"][c][1], expect["end"][c][1]) for c in expect["end"])


def test_the_review_template_filled_in_imports(hon_quan_db):
    import io
    from openpyxl import load_workbook
    from analytics.importer.templates import template_workbook
    wb = load_workbook(io.BytesIO(template_workbook(hon_quan_db, "review", 2024)))
    data = wb.worksheets[1]
    data.append(["1", "Xã Thanh An", 2000, 8000, 60, 80, 40, 240, 300, 150, 2024])
    buf = io.BytesIO()
    wb.save(buf)
    report = import_file(hon_quan_db, buf.getvalue(), "mau.xlsx")
    assert report.status == "committed", [e.to_dict() for e in report.errors]
    got = figures(hon_quan_db, "summary")
    assert got[("25327", "poor", "persons", "count")] == 240 and got[("25327", "all", "households", "count")] == 2000
    assert report.rows_imported == 8


def test_form_3_reads_its_decreases_in_its_own_order(hon_quan_db):
    from analytics.transitions import near_poor_transitions
    lines = ["TỔNG HỢP DIỄN BIẾN HỘ CẬN NGHÈO NĂM 2024",
             "TT,Phường/Xã,Phân tổ,Tổng số hộ cận nghèo đầu kỳ,Diễn biến giảm số hộ cận nghèo,,,"
             "Diễn biến tăng số hộ cận nghèo,,,,Tổng số hộ cận nghèo cuối kỳ",
             ",,,,Số hộ thoát cận nghèo,Số hộ cận nghèo trở thành hộ nghèo,Số hộ khác,"
             "Số hộ nghèo trở thành hộ cận nghèo,Tái cận nghèo,Phát sinh mới,Số hộ khác,",
             ",,,1,2,3,4,5,6,7,8,9=1-2-3-4+5+6+7+8",
             "1,Xã Thanh An,Hộ,80,10,2,0,5,0,7,0,80",  # 80 - 10 - 2 + 5 + 7 = 80
             ",,Nhân khẩu,300,40,8,0,20,0,28,0,300"]
    report = import_file(hon_quan_db, "\n".join(lines).encode(), "bieu3.csv")
    assert report.status == "committed" and report.warnings == [], [e.to_dict() for e in report.errors]
    row = near_poor_transitions(hon_quan_db, 2024).set_index("code").loc["25327"]
    assert (row.start, row.escaped, row.became_poor, row.poor_to_near_poor, row.newly_near_poor, row.end) == \
        (80, 10, 2, 5, 7, 80)
