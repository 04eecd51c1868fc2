"""Communes known only from the official review tables: their diễn biến and deprivation rows say
where they come from (the review table, not a household list), in the frames, in the charts'
Excel data and on the pages; their target gaps count the table's figures, a household list of the
same (year, commune) coming first. Expectations from the fixtures' hand counts (manifest.json)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analytics import charts
from analytics.db import Database
from analytics.i18n import t
from analytics.importer import import_file
from builders import add_households, add_indicator_values, household
import conftest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))["valid"]
THANH_AN, AN_KHUONG, AN_PHU = "25327", "25330", "25339"


def imported(db, name: str, data: bytes | None = None):
    report = import_file(db, data if data is not None else (FIXTURES / name).read_bytes(), name)
    assert report.status == "committed", [e.to_dict() for e in report.errors]
    return report


def form_1(year: int, rows: list[tuple[str, int, int, int]]) -> bytes:
    """Form 1 in households only: (commune name, households, poor, near-poor) per row."""
    lines = [f"TỔNG HỢP KẾT QUẢ RÀ SOÁT HỘ NGHÈO VÀ HỘ CẬN NGHÈO NĂM {year}",
             "TT,Phường/Xã,Tổng số hộ dân cư,Tổng số hộ nghèo,,Tổng số hộ cận nghèo,",
             ",,Số hộ,Số hộ,Tỷ lệ,Số hộ,Tỷ lệ",
             ",,1,3,4=3/1*100,5,6=5/1*100"]
    lines += [f"{i},{name},{total},{poor},{round(poor / total * 100, 2)},{near},{round(near / total * 100, 2)}"
              for i, (name, total, poor, near) in enumerate(rows, 1)]
    return "\n".join(lines).encode()


def test_dien_bien_rows_say_which_come_from_the_review_table(empty_db):
    from analytics.transitions import poor_transitions
    imported(empty_db, "review_change.xlsx")
    # An Phú sends household lists for both years: its row comes from them.
    add_households(empty_db, [household("AP-1", 2023, AN_PHU, recorded="poor"),
                              household("AP-1", 2024, AN_PHU, recorded="near_poor")])
    table = poor_transitions(empty_db, 2024).set_index("code")
    expect = MANIFEST["review_change.xlsx"]["start"]
    assert table.source.to_dict() == {**{c: "review" for c in expect}, AN_PHU: "households"}
    exported = charts.export_frame(table.reset_index()).set_index(t("export_col_name"))
    assert exported.loc["Xã An Phú", t("export_col_figures_source")] == t("figures_source_households")
    assert exported.loc["Xã An Khương", t("export_col_figures_source")] == t("figures_source_review")


def test_heat_map_rows_say_which_come_from_the_review_table(empty_db):
    from analytics.deprivations import deprivation_table
    imported(empty_db, "review_deprivation.xlsx")
    add_households(empty_db, [household("AP-1", 2024, AN_PHU, recorded="poor", deprived=(9,))])
    table = deprivation_table(empty_db, 2024)
    sources = table.groupby("commune_code").source.first().to_dict()
    assert sources == {**{c: "review" for c in MANIFEST["review_deprivation.xlsx"]["d09"]}, AN_PHU: "households"}
    exported = charts.export_frame(table[table.number == 9])
    assert exported[t("export_col_figures_source")].tolist() == [
        t("figures_source_households") if c == AN_PHU else t("figures_source_review")
        for c in table[table.number == 9].commune_code]


def test_target_gaps_count_a_commune_known_only_from_review_tables(empty_db):
    from analytics.targets import target_gaps
    imported(empty_db, "review_summary.xlsx")  # 2024: An Khương 45 poor of 1,500; Thanh An 60 of 2,000
    imported(empty_db, "bieu1-2023.csv", form_1(2023, [("Xã An Khương", 1480, 50, 28),
                                                       ("Xã Thanh An", 1990, 70, 75)]))
    # Thanh An's 2024 household list (2 poor) is used rather than its table's 60.
    add_households(empty_db, [household("TA-1", 2024, THANH_AN, recorded="poor"),
                              household("TA-2", 2024, THANH_AN, recorded="poor")])
    add_indicator_values(empty_db, 2024, [
        (AN_KHUONG, "poor_reduction", "target", 10), (AN_KHUONG, "poor_rate", "target", 0.02),
        (AN_KHUONG, "poor_ethnic_minority_reduction", "target", 3), (THANH_AN, "poor_reduction", "target", 50)])
    gaps = {(r["org_unit"], r["indicator"]): r for r in target_gaps(empty_db, 2024).to_dict("records")}
    khuong = gaps[(AN_KHUONG, "poor_reduction")]
    assert (khuong["achieved"], khuong["gap"], khuong["achieved_source"]) == (50 - 45, 10 - 5, "review")
    rate = gaps[(AN_KHUONG, "poor_rate")]
    assert rate["achieved"] == pytest.approx(45 / 1500) and rate["achieved_source"] == "review"
    # The table gives no ethnic split: nothing is known of that reduction, never 0.
    em = gaps[(AN_KHUONG, "poor_ethnic_minority_reduction")]
    assert pd.isna(em["achieved"]) and pd.isna(em["status"])
    thanh_an = gaps[(THANH_AN, "poor_reduction")]
    assert (thanh_an["achieved"], thanh_an["achieved_source"], thanh_an["status"]) == (
        70 - 2, "households+review", "achieved")


@pytest.fixture
def app_file(demo_db_file, tmp_path, fresh_streamlit_caches):
    """The demo with An Khương's 2024 household list replaced by its review tables (forms 2 and 4)."""
    path = tmp_path / "sources.duckdb"
    shutil.copy(demo_db_file, path)
    with Database(path) as db:
        with db.transaction() as cur:
            cur.execute("DELETE FROM household WHERE year = 2024 AND commune_code = ?", [AN_KHUONG])
        imported(db, "review_change.xlsx")
        imported(db, "review_deprivation.xlsx")
        db.checkpoint()
    return path


def test_the_pages_name_the_communes_from_review_tables(monkeypatch, app_file):
    note = t("dash_from_review", communes="Xã An Khương")
    at = conftest.open_app(monkeypatch, app_file, page="deprivations", query={"year": 2024})
    assert not at.exception
    assert note in [c.value for c in at.caption]
    at = conftest.open_app(monkeypatch, app_file, page="communes", query={"year": 2024, "commune": AN_KHUONG})
    assert not at.exception
    assert note in [c.value for c in at.caption]  # under its diễn biến
    [table] = [d.value.set_index(t("commune")) for d in at.dataframe if list(d.value.columns)[:1] == [t("commune")]]
    assert table.loc["Xã Thanh An", t("dash_figures_source")] == t("figures_source_households")
    # Thanh An keeps its household list: its waterfall names no review table.
    at = conftest.open_app(monkeypatch, app_file, page="communes", query={"year": 2024, "commune": THANH_AN})
    assert note not in [c.value for c in at.caption]


def test_where_a_list_and_forms_2_to_4_both_give_a_commune_the_differences_are_listed(empty_db):
    from analytics.poverty import review_differences
    change, deprivation = MANIFEST["review_change.xlsx"], MANIFEST["review_deprivation.xlsx"]
    imported(empty_db, "review_change.xlsx")
    imported(empty_db, "review_deprivation.xlsx")
    # Thanh An's lists: 2 poor households at the end of 2023 (8 persons), 1 in 2024 lacking indicator 9.
    add_households(empty_db, [household("TA-1", 2023, THANH_AN, recorded="poor"),
                              household("TA-2", 2023, THANH_AN, recorded="poor"),
                              household("TA-1", 2024, THANH_AN, recorded="poor", deprived=(9,), members=5)])
    got = review_differences(empty_db, 2024)
    assert set(got.code) == {THANH_AN}  # the other communes have no list: their tables are used
    rows = {(r.form, r.status, r.unit, r.measure): (r.list, r.table) for r in got.itertuples()}
    assert rows[("change", "poor", "households", "start")] == (2, change["start"][THANH_AN][0])
    assert rows[("change", "poor", "persons", "start")] == (8, change["start"][THANH_AN][1])
    assert rows[("change", "poor", "households", "end")] == (1, change["end"][THANH_AN][0])
    assert rows[("change", "poor", "persons", "end")] == (5, change["end"][THANH_AN][1])
    assert rows[("deprivation", "poor", "households", "d09")] == (1, deprivation["d09"][THANH_AN])
    assert rows[("deprivation", "poor", "households", "count")] == (1, deprivation["poor"][THANH_AN])
    named = got[got.measure == "d09"].iloc[0]
    assert named.indicator_vi and named.indicator_en  # the indicator's name for the Data page
