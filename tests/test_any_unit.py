"""Any unit of the country imports: a name not yet among the working units is resolved in the
national registry (narrowed by a province column, the --province option, the title or the home
area), adopted in the import's own transaction, and imported; a name several units share is
refused listing every candidate."""

import json

from analytics import levels
from analytics.auth import Scope
from analytics.cli import main
from analytics.db import Database

HEADER = "Mã hộ,{area}Xã,Họ và tên chủ hộ,Thu nhập bình quân,CS1,CS2,CS3,Năm\n"


def _file(tmp_path, rows, area_column=False, name="list.csv", title=""):
    path = tmp_path / name
    text = title + HEADER.format(area="Tỉnh," if area_column else "")
    for r in rows:
        text += ",".join(str(x) for x in r) + "\n"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _import(db, path, capsys, *extra):
    code = main(["import", path, "--db", db, "--json", "--lang", "en", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_a_ward_of_another_province_written_without_accents_imports_with_the_urban_line(tmp_path, capsys):
    db = str(tmp_path / "new.duckdb")
    assert main(["init", "--db", db]) == 0
    # 1,900,000 đồng a month: poor under the urban line (2,000,000), not under the rural one (1,500,000)
    path = _file(tmp_path, [("H1", "Khanh Hoa", "Phuong Phuoc Long", "Le Van Tam", 1900000, "x", "x", "x", 2024),
                            ("H2", "khanh hoa", "P. Phuoc Long", "Le Van Nam", 1400000, "x", "", "", 2024)],
                 area_column=True)
    capsys.readouterr()
    code, report = _import(db, path, capsys)
    assert code == 0, report["errors"]
    assert report["status"] == "committed" and report["commune"] == "22378"
    assert main(["summary", "--year", "2024", "--db", db, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    ward = next(c for c in data["communes"] if c["code"] == "22378")
    assert ward["name"] == "Phường Phước Long" and ward["is_urban"] is True
    assert (ward["poor"], ward["near_poor"]) == (1, 1)
    assert data["households"]["poor_urban"] == 1
    with Database(db) as opened:  # adopted with the units above it and its successor of 2025
        units = set(opened.query("SELECT vintage, code FROM org_unit"))
        assert {(2024, "22378"), (2024, "56")} <= units
        assert opened.scalar("SELECT count(*) FROM org_unit_map WHERE old_vintage = 2024 AND old_code = '22378'") >= 1


def test_a_name_several_provinces_share_is_refused_listing_every_candidate(tmp_path, capsys):
    db = str(tmp_path / "new.duckdb")
    main(["init", "--db", db])
    path = _file(tmp_path, [("H1", "Xa An Khanh", "Tran Thi B", 1000000, "x", "x", "x", 2025)])
    capsys.readouterr()
    code, report = _import(db, path, capsys)
    assert code == 1 and report["status"] == "rejected"
    errors = json.dumps(report["errors"], ensure_ascii=False)
    with Database(db) as opened:
        shared = opened.query("SELECT u.code, p.name FROM unit_registry u JOIN unit_registry p "
                              "ON p.vintage = u.vintage AND p.code = u.parent_code "
                              "WHERE u.vintage = 2025 AND u.name = 'Xã An Khánh'")
        assert len(shared) >= 2
        for unit_code, province in shared:
            assert unit_code in errors and province in errors
        # a refused file adopts nothing
        assert opened.scalar("SELECT count(*) FROM org_unit WHERE vintage = 2025 AND name = 'Xã An Khánh'") == 0


def test_a_province_column_the_option_or_the_home_area_picks_the_unit(tmp_path, capsys):
    db = str(tmp_path / "new.duckdb")
    main(["init", "--db", db])
    with Database(db) as opened:
        thai_nguyen, hai_phong = (opened.scalar(
            "SELECT u.code FROM unit_registry u JOIN unit_registry p ON p.vintage = u.vintage "
            "AND p.code = u.parent_code WHERE u.vintage = 2025 AND u.name = 'Xã An Khánh' AND p.name = ?", [p])
            for p in ("Tỉnh Thái Nguyên", "Thành phố Hải Phòng"))
    capsys.readouterr()
    with_column = _file(tmp_path, [("H1", "Thai Nguyen", "An Khanh", "Tran Thi B", 1000000, "x", "x", "x", 2025)],
                        area_column=True, name="column.csv")
    code, report = _import(db, with_column, capsys)
    assert code == 0 and report["commune"] == thai_nguyen
    plain = _file(tmp_path, [("H2", "An Khanh", "Tran Thi C", 1000000, "x", "x", "x", 2025)], name="plain.csv")
    code, report = _import(db, plain, capsys, "--province", "Hai Phong")
    assert code == 0 and report["commune"] == hai_phong

    other = tmp_path / "other.duckdb"
    main(["init", "--db", str(other)])
    with Database(other) as opened:
        levels.set_home_area(opened, Scope.system("admin"), 2025, "19")
        assert levels.home_area(opened) == (2025, "19")
    capsys.readouterr()
    code, report = _import(str(other), plain, capsys)
    assert code == 0 and report["commune"] == thai_nguyen


def test_the_title_names_the_province(tmp_path, capsys):
    db = str(tmp_path / "new.duckdb")
    main(["init", "--db", db])
    path = _file(tmp_path, [("H1", "An Khanh", "Tran Thi B", 1000000, "x", "x", "x", 2025)],
                 title="UBND TỈNH THÁI NGUYÊN\nDANH SÁCH HỘ NGHÈO NĂM 2025\n")
    capsys.readouterr()
    code, report = _import(db, path, capsys)
    assert code == 0, report["errors"]
    with Database(db) as opened:
        assert opened.scalar("SELECT p.name FROM org_unit u JOIN org_unit p ON p.vintage = u.vintage "
                             "AND p.code = u.parent_code WHERE u.vintage = 2025 AND u.code = ?",
                             [report["commune"]]) == "Tỉnh Thái Nguyên"


def test_names_that_fold_alike_are_told_apart_by_their_typed_accents(empty_db):
    from analytics.unit_names import UnitNames
    names = UnitNames(empty_db, 2024)
    thanh = names.resolve("Xã Lộc Thạnh", district="Lộc Ninh")
    assert thanh.ok and thanh.unit.name == "Xã Lộc Thạnh"
    assert names.resolve("Lộc Thành", district="Huyện Lộc Ninh").unit.name == "Xã Lộc Thành"
    unaccented = names.resolve("Loc Thanh", district="Loc Ninh")  # no accents: both, never guessed
    assert unaccented.reason == "ambiguous" and {u.name for u in unaccented.candidates} == {"Xã Lộc Thạnh", "Xã Lộc Thành"}


def test_a_province_list_over_all_its_communes_imports_with_their_districts(tmp_path):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from import_bench import build_workbook
    from analytics.importer import import_file
    path = tmp_path / "province.xlsx"
    build_workbook(path, 400, province="70")
    with Database(tmp_path / "p.duckdb") as db:
        report = import_file(db, path.read_bytes(), path.name)
        assert report.status == "committed", [e.message for e in report.errors[:3]]
        in_registry = db.scalar("SELECT count(*) FROM unit_registry c JOIN unit_registry d ON d.vintage = c.vintage "
                                "AND d.code = c.parent_code WHERE c.vintage = 2024 AND d.parent_code = '70'")
        assert db.scalar("SELECT count(DISTINCT commune_code) FROM household") == in_registry > 100


# -- no unit is preferred: the working units narrow a shared name only as the home area ----------
TAN_LOI = [("H1", "Tân Lợi", "Tran Thi B", 1000000, "x", "x", "x", 2024)]


def _tan_loi_units(db_file) -> dict[str, tuple[str, str]]:
    """{code: (district, province)} of every 2024 commune the registry calls Xã Tân Lợi."""
    with Database(db_file, read_only=True) as opened:
        rows = opened.query("SELECT u.code, d.name, p.name FROM unit_registry u JOIN unit_registry d "
                            "ON d.vintage = u.vintage AND d.code = u.parent_code JOIN unit_registry p "
                            "ON p.vintage = d.vintage AND p.code = d.parent_code "
                            "WHERE u.vintage = 2024 AND u.name = 'Xã Tân Lợi'")
    return {code: (district, province) for code, district, province in rows}


def _assert_refused_listing_every_tan_loi(db_file, code, report):
    assert code == 1 and report["status"] == "rejected"
    units = _tan_loi_units(db_file)
    assert len(units) >= 3 and "25342" in units  # Hớn Quản's is one of them, not the answer
    errors = json.dumps(report["errors"], ensure_ascii=False)
    for unit_code, (district, province) in units.items():
        assert unit_code in errors and district in errors and province in errors


def test_a_fresh_database_refuses_a_shared_name_its_reference_units_also_bear(tmp_path, capsys):
    db = str(tmp_path / "new.duckdb")
    main(["init", "--db", db])
    with Database(db, read_only=True) as opened:  # Hớn Quản's units are known, but hold no data
        assert opened.scalar("SELECT count(*) FROM org_unit WHERE vintage = 2024 AND code = '25342'") == 1
        assert levels.home_area(opened) is None
    capsys.readouterr()
    code, report = _import(db, _file(tmp_path, TAN_LOI), capsys)
    _assert_refused_listing_every_tan_loi(db, code, report)


def test_a_home_area_elsewhere_refuses_a_shared_name_the_data_units_also_bear(demo_db_file, tmp_path, capsys):
    import shutil
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_file, db)
    with Database(db) as opened:
        levels.set_home_area(opened, Scope.system("admin"), 2024, "56")  # Khánh Hòa: no Tân Lợi there
    capsys.readouterr()
    code, report = _import(str(db), _file(tmp_path, TAN_LOI), capsys, "--dry-run")
    _assert_refused_listing_every_tan_loi(db, code, report)
    # inside a home area holding one of them, the same name is that one
    with Database(db) as opened:
        levels.set_home_area(opened, Scope.system("admin"), 2024, "89")  # An Giang: Tân Lợi of Tịnh Biên
    capsys.readouterr()
    code, report = _import(str(db), _file(tmp_path, TAN_LOI), capsys, "--dry-run")
    assert code == 0 and report["commune"] == "30535"


def test_the_demo_reads_a_shared_name_inside_its_default_home_area(demo_db_file, tmp_path, capsys):
    import shutil
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_file, db)
    with Database(db, read_only=True) as opened:
        assert levels.home_setting(opened) is None and levels.home_area(opened) == (2024, "694")
    capsys.readouterr()
    code, report = _import(str(db), _file(tmp_path, TAN_LOI), capsys, "--dry-run")
    assert code == 0 and report["commune"] == "25342"
    # 2025 units: Tân Hưng is shared by several, one of them the successor of Hớn Quản's
    tan_hung = _file(tmp_path, [("H9", "Xã Tân Hưng", "Tran Thi B", 1000000, "x", "x", "x", 2025)], name="th.csv")
    code, report = _import(str(db), tan_hung, capsys, "--dry-run")
    assert code == 0 and report["commune"] == "25345"


def test_a_special_zone_is_a_commune_level_unit_an_officer_can_be_given(empty_db):
    from analytics import auth, registry
    from analytics.poverty import commune_table
    zone = empty_db.query("SELECT code, name FROM unit_registry WHERE vintage = 2025 AND unit_type = 'dac_khu' "
                          "ORDER BY code LIMIT 1")
    assert zone, "the registry of 2025 holds the special zones (đặc khu)"
    code, name = zone[0]
    with empty_db.transaction() as cur:
        registry.adopt(cur, 2025, code)
    auth.create_account(empty_db, "dackhu", "officer", "mật-khẩu-dài-đủ-12", communes=[(2025, code)])
    assert auth.list_accounts(empty_db).set_index("username").loc["dackhu", "communes"] == f"2025:{code}"
    assert code in set(commune_table(empty_db, 2025).code)
