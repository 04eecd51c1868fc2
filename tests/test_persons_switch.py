"""The Hộ / Nhân khẩu switch of the sidebar: the overview's and the unit page's counts and rates
in households or in persons, kept in the address; a unit whose data give households only says
so in persons instead of showing 0. Expectations are computed by SQL over the imported rows."""

from __future__ import annotations

import shutil

import pytest

from analytics.db import Database
from analytics.i18n import fmt_number, fmt_percent, t
from analytics.importer import import_file
import conftest

YEAR = 2024
AN_PHU = "25339"
# Form 1 of An Phú in households only (no persons columns), its household list taken away.
HOUSEHOLDS_ONLY = "\n".join([
    "TỔNG HỢP KẾT QUẢ RÀ SOÁT HỘ NGHÈO VÀ HỘ CẬN NGHÈO NĂM 2024",
    "TT,Phường/Xã,Tổng số hộ dân cư,Tổng số hộ nghèo,,Tổng số hộ cận nghèo,",
    ",,Số hộ,Số hộ,Tỷ lệ,Số hộ,Tỷ lệ",
    ",,1,3,4=3/1*100,5,6=5/1*100",
    "1,Xã An Phú,1925,10,0.52,20,1.04"])


@pytest.fixture
def demo_file(demo_db_file, tmp_path, fresh_streamlit_caches):
    path = tmp_path / "persons.duckdb"
    shutil.copy(demo_db_file, path)
    return path


@pytest.fixture
def review_only_file(demo_file):
    """The demo with An Phú's 2024 figures from a households-only review table."""
    with Database(demo_file) as db:
        with db.transaction() as cur:
            cur.execute("DELETE FROM household WHERE year = ? AND commune_code = ?", [YEAR, AN_PHU])
        report = import_file(db, HOUSEHOLDS_ONLY.encode(), "bieu1.csv")
        assert report.status == "committed", [e.to_dict() for e in report.errors]
        db.checkpoint()
    return demo_file


def persons_by_sql(path, commune: str | None = None) -> dict:
    """Persons in poor and near-poor households (the official status) and all persons of the
    commune totals, for the year, by SQL over the household rows."""
    where, params = ("AND commune_code = ?", [commune]) if commune else ("", [])
    with Database(path) as db:
        poor, near = db.query(f"""SELECT sum(members) FILTER (official_status = 'poor'),
                                        sum(members) FILTER (official_status = 'near_poor')
                                 FROM household_official WHERE year = ? {where}""", [YEAR, *params])[0]
        persons = db.scalar(f"SELECT sum(persons) FROM commune_total_current WHERE year = ? {where}",
                            [YEAR, *params])
    return {"poor": int(poor), "near_poor": int(near), "persons": int(persons)}


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def open_page(monkeypatch, path, page: str, lang: str = "vi", **query):
    return conftest.open_app(monkeypatch, path, lang=lang, page=page, query={"year": YEAR, **query})


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_overview_counts_persons_when_switched_and_keeps_it_in_the_address(monkeypatch, demo_file, lang):
    expect = persons_by_sql(demo_file)  # read before the app holds the file
    at = open_page(monkeypatch, demo_file, "overview", lang)
    assert not at.exception
    assert t("poor_households", lang) in metrics(at) and t("poor_persons", lang) not in metrics(at)
    at.sidebar.segmented_control(key="measure").set_value("persons").run()
    assert not at.exception
    got = metrics(at)
    assert got[t("poor_persons", lang)] == fmt_number(expect["poor"], lang)
    assert got[t("poor_persons_rate", lang)] == fmt_percent(expect["poor"] / expect["persons"], lang)
    assert got[t("near_poor_persons", lang)] == (f"{fmt_number(expect['near_poor'], lang)} "
                                                 f"({fmt_percent(expect['near_poor'] / expect['persons'], lang)})")
    assert at.query_params["measure"] == ["persons"] or at.query_params["measure"] == "persons"
    # A link with the setting opens in persons; another page keeps it.
    again = open_page(monkeypatch, demo_file, "overview", lang, measure="persons")
    assert metrics(again)[t("poor_persons", lang)] == fmt_number(expect["poor"], lang)
    again.switch_page("pages/communes.py").run()
    assert t("poor_persons", lang) in metrics(again)


def test_the_unit_page_shows_a_communes_persons_and_its_rate(monkeypatch, demo_file):
    code = "25327"  # Thanh An
    expect = persons_by_sql(demo_file, code)
    at = open_page(monkeypatch, demo_file, "communes", measure="persons", commune=code)
    assert not at.exception
    got = metrics(at)
    assert got[t("poor_persons")] == fmt_number(expect["poor"])
    assert got[t("near_poor_persons")] == fmt_number(expect["near_poor"])
    assert got[t("total_persons")] == fmt_number(expect["persons"])
    assert got[t("poor_persons_rate")] == fmt_percent(expect["poor"] / expect["persons"])
    [table] = [d.value.set_index(t("commune")) for d in at.dataframe if list(d.value.columns)[:1] == [t("commune")]]
    assert table.loc["Xã Thanh An", t("poor_persons")] == fmt_number(expect["poor"])
    assert table.loc["Xã Thanh An", t("poor_persons_rate")] == fmt_percent(expect["poor"] / expect["persons"])


def test_a_unit_whose_table_gives_households_only_says_so_in_persons(monkeypatch, review_only_file):
    with Database(review_only_file) as db:  # the other communes' persons, from their lists
        poor = db.scalar("SELECT sum(members) FROM household_official WHERE year = ? AND official_status = 'poor'",
                         [YEAR])
    at = open_page(monkeypatch, review_only_file, "communes", measure="persons", commune=AN_PHU)
    assert not at.exception
    got = metrics(at)
    assert got[t("poor_persons")] == t("dash_no_persons") and got[t("poor_persons_rate")] == t("dash_no_persons")
    [table] = [d.value.set_index(t("commune")) for d in at.dataframe if list(d.value.columns)[:1] == [t("commune")]]
    assert table.loc["Xã An Phú", t("poor_persons")] == t("dash_no_persons")
    assert table.loc["Xã An Phú", t("dash_figures_source")] == t("figures_source_review")
    # In households the table's own figures show.
    at = open_page(monkeypatch, review_only_file, "communes", commune=AN_PHU)
    assert metrics(at)[t("poor_households")] == "10"
    # The overview names it and counts the persons of the others.
    at = open_page(monkeypatch, review_only_file, "overview", measure="persons")
    assert t("dash_persons_unknown", communes="Xã An Phú") in [c.value for c in at.caption]
    assert metrics(at)[t("poor_persons")] == fmt_number(int(poor))


def test_pages_counting_households_only_say_so_in_persons(monkeypatch, demo_file):
    note = t("dash_measure_not_here")
    for page, says in (("deprivations", True), ("targets", True), ("overview", False), ("communes", False)):
        at = open_page(monkeypatch, demo_file, page, measure="persons")
        assert not at.exception, page
        assert (note in [c.value for c in at.caption]) is says, page
    at = open_page(monkeypatch, demo_file, "targets")
    assert note not in [c.value for c in at.caption]
