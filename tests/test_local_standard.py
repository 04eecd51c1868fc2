"""A province's own standard (Decree 351/2025): set, listed and removed by administrators only,
on the command line and the admin page through the same function, validated and audited; a
household is classified by the most specific standard covering its unit and year; the figures
name the standard(s) behind them."""

import json

import pytest

from analytics import auth, local_standards
from analytics.local_standards import StandardRefused
from analytics.summary import summary
from builders import add_households, household
from conftest import cli_in_process

ADMIN = auth.Scope.system("admin")
BP_LINES = {"rural": (2_000_000, 3_000_000), "urban": (2_100_000, 3_000_000)}


def statuses(db) -> dict:
    return dict(db.query("SELECT household_id, computed_status FROM household"))


@pytest.fixture
def two_households(empty_db):
    add_households(empty_db, [household("R1", 2024, "25327", income=1_800_000, deprived=(1, 2, 3)),  # rural
                              household("U1", 2024, "25357", income=2_200_000, deprived=(1, 2, 3))])  # urban
    return empty_db


def test_a_provinces_own_standard_classifies_its_households_most_specific_first(two_households):
    db = two_households
    assert statuses(db) == {"R1": "average", "U1": "average"}  # national lines: 1.5 and 2 million
    assert summary(db, 2024)["standards"][0]["org_code"] is None
    n = local_standards.set_standard(db, ADMIN, "Chuẩn tỉnh BP", 2024, "70", 2022, 2025, BP_LINES,
                                     "Nghị quyết của HĐND tỉnh (thử)")
    assert n == 2 and statuses(db) == {"R1": "poor", "U1": "average"}  # the province's urban line is 2.1 million
    # a district's own urban line, more specific than the province's, wins for its communes
    local_standards.set_standard(db, ADMIN, "Chuẩn huyện HQ", 2024, "694", 2024, 2024,
                                 {"urban": (2_300_000, 3_000_000)}, "thử")
    assert statuses(db) == {"R1": "poor", "U1": "poor"}
    used = {(u["standard"], u["org_code"]): u["households"] for u in summary(db, 2024)["standards"]}
    assert used == {("Chuẩn tỉnh BP", "70"): 1, ("Chuẩn huyện HQ", "694"): 1}
    local_standards.remove_standard(db, ADMIN, "Chuẩn huyện HQ")
    assert statuses(db) == {"R1": "poor", "U1": "average"}
    actions = [r[0] for r in db.query("SELECT action FROM audit_log WHERE action LIKE 'local_standard%' ORDER BY ts")]
    assert actions == ["local_standard_set", "local_standard_set", "local_standard_removed"]


@pytest.mark.parametrize("change, reason", [
    (dict(lines={"rural": (1_000_000, 2_000_000)}), "below_national"),
    (dict(lines={"rural": (2_000_000, 1_900_000)}), "average_below"),
    (dict(code="99999"), "unknown_unit"),
    (dict(first=2019, last=2022), "unknown_period"),
    (dict(source=" "), "no_source"),
    (dict(lines={}), "no_lines"),
    (dict(code=""), "no_unit"),
    (dict(code=None), "no_unit"),
])
def test_a_standard_below_the_national_one_or_of_an_unknown_unit_or_period_is_refused(empty_db, change, reason):
    args = dict(name="BP", vintage=2024, code="70", first=2022, last=2025, lines=BP_LINES, source="NQ") | change
    with pytest.raises(StandardRefused) as e:
        local_standards.set_standard(empty_db, ADMIN, args["name"], args["vintage"], args["code"], args["first"],
                                     args["last"], args["lines"], args["source"])
    assert e.value.reason == reason
    assert e.value.message("vi") != e.value.message("en") and "standard_err" not in e.value.message("vi")
    assert "{" not in e.value.message("vi") and "  " not in e.value.message("vi")  # no blank code in it
    assert empty_db.scalar("SELECT count(*) FROM local_standard") == 0


def test_two_own_standards_of_one_unit_may_not_cover_the_same_years(empty_db):
    local_standards.set_standard(empty_db, ADMIN, "A", 2024, "70", 2022, 2024, BP_LINES, "NQ")
    with pytest.raises(StandardRefused) as e:
        local_standards.set_standard(empty_db, ADMIN, "B", 2024, "70", 2024, 2025, BP_LINES, "NQ")
    assert e.value.reason == "overlap" and "A" in e.value.message("vi")
    # the same name replaces the standard whole
    local_standards.set_standard(empty_db, ADMIN, "A", 2024, "70", 2023, 2025, {"rural": (2_000_000, 3_000_000)}, "NQ 2")
    [a] = local_standards.list_standards(empty_db)
    assert (a["valid_from_year"], a["valid_to_year"], list(a["lines"]), a["source"]) == (2023, 2025, ["rural"], "NQ 2")


def test_a_standard_set_reads_in_the_audit_log_with_its_unit_period_and_amounts(empty_db):
    from analytics import audit, levels
    local_standards.set_standard(empty_db, ADMIN, "BP", 2024, "70", 2022, 2025, BP_LINES, "NQ")
    detail = empty_db.scalar("SELECT CAST(detail AS VARCHAR) FROM audit_log WHERE action = 'local_standard_set'")
    names = {"unit": levels.unit_names(empty_db)}
    assert audit.describe(detail, "vi", names) == (
        "Chuẩn nghèo: BP · Đơn vị: Tỉnh Bình Phước · Giai đoạn: 2022–2025 · "
        "Nông thôn (chuẩn nghèo, mức sống trung bình): 2.000.000 / 3.000.000 · "
        "Thành thị (chuẩn nghèo, mức sống trung bình): 2.100.000 / 3.000.000 · Căn cứ: NQ")
    assert "Years: 2022–2025" in audit.describe(detail, "en", names)
    assert "2,000,000 / 3,000,000" in audit.describe(detail, "en", names)
    assert "Giai đoạn: 2024 ·" in audit.describe({"years": [2024, 2024], "unit": "x"}, "vi")  # one year


@pytest.mark.parametrize("role", ["viewer", "planner", "officer"])
def test_only_administrators_set_or_remove_a_standard(empty_db, role):
    local_standards.set_standard(empty_db, ADMIN, "BP", 2024, "70", 2022, 2025, BP_LINES, "NQ")
    scope = auth.Scope(username="someone", role=role)
    with pytest.raises(auth.PermissionDenied):
        local_standards.set_standard(empty_db, scope, "X", 2024, "694", 2022, 2025, BP_LINES, "NQ")
    with pytest.raises(auth.PermissionDenied):
        local_standards.remove_standard(empty_db, scope, "BP")
    assert [s["name"] for s in local_standards.list_standards(empty_db)] == ["BP"]


def test_the_command_line_sets_lists_and_removes_a_standard(empty_db_file, tmp_path):
    import shutil
    db = tmp_path / "cli.duckdb"
    shutil.copy(empty_db_file, db)
    done = cli_in_process("standard", "set", "--db", db, "--name", "Chuẩn nghèo tỉnh Bình Phước", "--unit", "70",
                          "--period", "2022-2025", "--rural-income", 2_000_000, "--rural-average", 3_000_000,
                          "--source", "Nghị quyết HĐND tỉnh")
    assert done.returncode == 0, done.stderr
    listed = cli_in_process("standard", "list", "--db", db, "--json")
    [row] = json.loads(listed.stdout)
    assert (row["name"], row["org_vintage"], row["org_code"], row["valid_from_year"], row["valid_to_year"]) == \
        ("Chuẩn nghèo tỉnh Bình Phước", 2024, "70", 2022, 2025)
    assert row["lines"] == {"rural": {"poor_income_max": 2_000_000, "average_income_max": 3_000_000}}
    text = cli_in_process("standard", "list", "--db", db).stdout  # the area by its name
    assert "nông thôn 2.000.000/3.000.000" in text and "rural" not in text
    low = cli_in_process("standard", "set", "--db", db, "--name", "Thấp", "--unit", "2024:694", "--period",
                         "2022-2025", "--urban-income", 1_000_000, "--urban-average", 3_000_000, "--source", "x")
    assert low.returncode == 1 and "thấp hơn chuẩn quốc gia" in low.stderr
    unknown = cli_in_process("standard", "set", "--db", db, "--name", "X", "--unit", "12345", "--period", "2024",
                             "--rural-income", 2_000_000, "--rural-average", 3_000_000, "--source", "x")
    assert unknown.returncode == 1 and "Không có đơn vị mã 12345" in unknown.stderr
    period = cli_in_process("standard", "set", "--db", db, "--name", "X", "--unit", "2024:70", "--period", "2031-2032",
                            "--rural-income", 2_000_000, "--rural-average", 3_000_000, "--source", "x")
    assert period.returncode == 1 and "Không có chuẩn nghèo quốc gia" in period.stderr
    assert cli_in_process("standard", "remove", "--db", db, "Chuẩn nghèo tỉnh Bình Phước").returncode == 0
    assert json.loads(cli_in_process("standard", "list", "--db", db, "--json").stdout) == []
    assert cli_in_process("standard", "remove", "--db", db, "Không có").returncode == 1


def test_the_command_line_keeps_a_viewer_from_setting_a_standard(empty_db_file, tmp_path):
    import shutil

    from analytics.db import Database
    db = tmp_path / "cli.duckdb"
    shutil.copy(empty_db_file, db)
    with Database(db) as d:
        auth.create_account(d, "xem", "viewer", "mat-khau-du-dai-123", actor="tests")
    refused = cli_in_process("standard", "set", "--db", db, "--user", "xem", "--password-stdin", "--name", "X",
                             "--unit", "70", "--period", "2024", "--rural-income", 2_000_000,
                             "--rural-average", 3_000_000, "--source", "x", stdin="mat-khau-du-dai-123\n")
    assert refused.returncode == 1 and "Chỉ quản trị viên" in refused.stderr
    assert json.loads(cli_in_process("standard", "list", "--db", db, "--json").stdout) == []


# -- the admin page --------------------------------------------------------------------------
def _standard_form(at, name: str, unit: str | None, rural: tuple[int, int], source: str = "Nghị quyết HĐND tỉnh"):
    by_label = {w.label: w for w in (*at.text_input, *at.number_input)}
    by_label["Tên chuẩn"].set_value(name)
    next(s for s in at.selectbox if s.key == "admin_standard_unit").set_value(unit)
    by_label["Từ năm"].set_value(2022)
    by_label["Đến năm"].set_value(2025)
    next(n for n in at.number_input if n.key == "admin_standard_rural_poor").set_value(rural[0])
    next(n for n in at.number_input if n.key == "admin_standard_rural_average").set_value(rural[1])
    next(t for t in at.text_input if t.key == "admin_standard_source").set_value(source)
    next(b for b in at.button if b.label == "Lưu chuẩn nghèo riêng").click().run()


def test_the_admin_page_sets_a_standard_and_refuses_one_below_the_national_line(app_db, monkeypatch,
                                                                               fresh_streamlit_caches):
    from analytics.db import Database
    from conftest import open_app
    at = open_app(monkeypatch, app_db, role="admin", page="admin")
    assert not at.exception
    _standard_form(at, "Chuẩn không đơn vị", None, (1_600_000, 2_400_000))
    assert not at.exception and [e.value for e in at.error] == ["Chưa chọn đơn vị áp dụng chuẩn nghèo riêng."]
    _standard_form(at, "Chuẩn thấp", "70", (1_000_000, 2_000_000))
    assert not at.exception and any("thấp hơn chuẩn quốc gia" in e.value for e in at.error)
    _standard_form(at, "Chuẩn nghèo tỉnh Bình Phước", "70", (1_600_000, 2_400_000))
    assert not at.exception and any("Chuẩn nghèo tỉnh Bình Phước" in s.value for s in at.success)
    with Database(app_db) as db:
        [row] = local_standards.list_standards(db)
        assert (row["org_code"], row["lines"]["rural"]["poor_income_max"]) == ("70", 1_600_000)
        assert db.scalar("SELECT user_name FROM audit_log WHERE action = 'local_standard_set'") == "admin"
    shown = next(d.value for d in at.dataframe if "source" in d.value and "lines" in d.value)
    assert shown["name"].tolist() == ["Chuẩn nghèo tỉnh Bình Phước"]
    [logged] = [d for d in at.dataframe[-1].value["detail"] if "Chuẩn nghèo tỉnh Bình Phước" in d]
    assert "Đơn vị: Tỉnh Bình Phước · Giai đoạn: 2022–2025" in logged and "1.600.000 / 2.400.000" in logged
    assert "2024:70" not in logged


# -- which standard a figure uses ----------------------------------------------------------------
NATIONAL_VI, NATIONAL_EN = "Chuẩn nghèo: Nghị định 07/2021/NĐ-CP", "Poverty standard: Decree 07/2021/ND-CP"
OWN = "Chuẩn nghèo tỉnh Bình Phước"


def test_the_names_of_the_standards_behind_a_years_figures(two_households):
    from analytics import classification
    db = two_households
    assert local_standards.caption(classification.standards_used(db, 2024), "vi") == NATIONAL_VI
    assert local_standards.caption(classification.standards_used(db, 2024), "en") == NATIONAL_EN
    local_standards.set_standard(db, ADMIN, OWN, 2024, "25327", 2024, 2024, {"rural": (1_600_000, 2_400_000)}, "NQ")
    used = classification.standards_used(db, 2024)
    # one household each: by name then
    assert local_standards.caption(used, "vi") == f"Chuẩn nghèo: {OWN} (Xã Thanh An); Nghị định 07/2021/NĐ-CP"
    # only the households of a unit: Tân Khai's are classified by the national standard alone
    assert local_standards.caption(classification.standards_used(db, 2024, within_units=((2024, "25357"),))) \
        == NATIONAL_VI


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("page", ["overview", "communes", "targets"])
def test_pages_name_the_standard_and_a_provinces_own_where_it_applies(app_db, monkeypatch, fresh_streamlit_caches,
                                                                        page):
    from analytics.db import Database
    from conftest import clear_streamlit_caches, open_app
    at = open_app(monkeypatch, app_db, role="viewer", page=None if page == "overview" else page,
                  query={"year": "2024"})
    assert not at.exception and NATIONAL_VI in captions(at) and OWN not in captions(at)
    at_en = open_app(monkeypatch, app_db, role="viewer", lang="en", page=None if page == "overview" else page,
                     query={"year": "2024"})
    assert NATIONAL_EN in captions(at_en)
    with Database(app_db) as db:
        local_standards.set_standard(db, ADMIN, OWN, 2024, "70", 2024, 2024, {"rural": (1_600_000, 2_400_000)},
                                     "Nghị quyết HĐND tỉnh")
    clear_streamlit_caches()
    at = open_app(monkeypatch, app_db, role="viewer", page=None if page == "overview" else page,
                  query={"year": "2024"})
    assert not at.exception and f"{OWN} (Tỉnh Bình Phước)" in captions(at)
    if page == "targets":  # the preview names the next period's standard beside the current ones
        assert "chuẩn mới: Nghị định 351/2025/NĐ-CP" in captions(at)
        assert any("Nghị định 351/2025/NĐ-CP" in s.value for s in at.subheader)


def test_the_workbook_and_the_deck_name_the_standards(demo_db):
    import io

    import openpyxl
    from pptx import Presentation

    from analytics.reports.deck import write_deck
    from analytics.reports.workbook import write_workbook

    def workbook_text() -> str:
        wb = openpyxl.load_workbook(io.BytesIO(write_workbook(demo_db, 2024)))
        return " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value)

    assert "Chuẩn nghèo: Nghị định 07/2021/NĐ-CP." in workbook_text()
    local_standards.set_standard(demo_db, ADMIN, OWN, 2024, "70", 2024, 2024, {"rural": (1_600_000, 2_400_000)}, "NQ")
    assert f"{OWN} (Tỉnh Bình Phước)" in workbook_text()
    deck = Presentation(io.BytesIO(write_deck(demo_db, 2024, lang="en")))
    text = " ".join(s.text_frame.text for slide in deck.slides for s in slide.shapes if s.has_text_frame)
    assert "Poverty standard: " in text and "Decree 07/2021/ND-CP" in text and f"{OWN} (Tỉnh Bình Phước)" in text
