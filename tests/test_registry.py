"""The national registry (vietnamadminunits) against the hand-checked Hớn Quản rows, its
mapping of divided communes, the older units a reference CSV adds, and the units command."""

import json
import shutil

import pandas as pd
import pytest

from analytics import levels, registry
from analytics.auth import Scope
from analytics.cli import main
from analytics.db import Database
from analytics.reference import read_csv


@pytest.fixture(scope="module")
def registry_frames():
    return registry.frames()


def test_counts_of_both_vintages(empty_db):
    counts = dict(((v, t), n) for v, t, n in empty_db.query(
        "SELECT vintage, unit_type, count(*) FROM unit_registry GROUP BY ALL"))
    assert counts[(2025, "province")] == 34
    assert sum(n for (v, t), n in counts.items() if v == 2025 and t != "province") == 3321
    assert counts[(2024, "province")] == 63 and counts[(2024, "district")] == 696
    assert sum(counts[(2024, t)] for t in ("xa", "phuong", "thi_tran")) == 10035
    assert empty_db.scalar("SELECT count(*) FROM unit_registry WHERE source IS NULL") == 0
    assert empty_db.scalar("SELECT count(*) FROM unit_registry_map WHERE source IS NULL") == 0


def test_codes_are_zero_padded_text(empty_db):
    assert empty_db.query("SELECT name FROM unit_registry WHERE vintage = 2025 AND code = '00097'") \
        == [("Phường Hồng Hà",)]
    widths = dict(((t, w) for t, w in empty_db.query(
        "SELECT unit_type, min(length(code)) FROM unit_registry GROUP BY ALL")))
    assert widths["province"] == 2 and widths["district"] == 3 and widths["xa"] == 5


def test_the_library_agrees_with_the_hand_checked_hon_quan_rows(registry_frames):
    units, mapping = registry_frames
    library = units.set_index(["vintage", "code"])
    for row in read_csv("org_unit.csv"):
        unit = library.loc[(int(row["vintage"]), row["code"])]
        assert (unit["name"], unit["unit_type"], unit["parent_code"], bool(unit["is_urban"])) == \
            (row["name"], row["unit_type"], row["parent_code"], row["is_urban"] == "true"), row
    hand = {(r["old_code"], r["new_code"]) for r in read_csv("org_unit_map.csv")}
    old_codes = {old for old, _ in hand}
    lib = mapping[mapping.old_code.isin(old_codes)]
    assert set(zip(lib.old_code, lib.new_code)) == hand and lib.is_default.all()
    # the district and its 13 communes: all the library's units under 694
    under = units[(units.vintage == 2024) & (units.parent_code == "694")]
    assert len(under) == 13 and set(under.code) == old_codes - {"694", "70"}


def test_every_old_commune_maps_with_exactly_one_default(registry_frames):
    units, mapping = registry_frames
    old = units[(units.vintage == 2024) & units.unit_type.isin(["xa", "phuong", "thi_tran"])]
    defaults = mapping[mapping.is_default].groupby("old_code").size()
    assert set(old.code) <= set(mapping.old_code)
    assert (defaults.reindex(old.code) == 1).all()
    divided = mapping.groupby("old_code").size()
    assert (divided > 1).sum() > 100  # the library knows hundreds of divided communes
    new = set(units[units.vintage == 2025].code)
    assert set(mapping.new_code) <= new


@pytest.fixture
def older_csv(monkeypatch, tmp_path):
    """The reference folder with one older commune (merged into Xã Thanh An) in unit_older.csv."""
    from analytics import reference
    csv = tmp_path / "reference"
    csv.mkdir()
    for f in reference.REFERENCE_DIR.iterdir():
        (csv / f.name).write_bytes(f.read_bytes())
    (csv / registry.OLDER_UNITS_FILE).write_text(
        "vintage,code,name,unit_type,parent_code,is_urban,merged_into,source\n"
        "2024,99001,Xã Thử Nghiệm,xa,694,false,25327,Nghị quyết thử nghiệm\n", encoding="utf-8")
    monkeypatch.setattr(reference, "REFERENCE_DIR", csv)
    registry.frames.cache_clear()
    yield csv
    registry.frames.cache_clear()


def test_init_reloads_the_registry_of_an_existing_database(older_csv, empty_db_file, tmp_path):
    path = tmp_path / "existing.duckdb"
    path.write_bytes(empty_db_file.read_bytes())
    assert main(["init", "--db", str(path)]) == 0
    from analytics.db import Database
    with Database(path) as db:
        assert db.query("SELECT name, merged_into, source FROM unit_registry WHERE code = '99001'") == [
            ("Xã Thử Nghiệm", "25327", "Nghị quyết thử nghiệm")]


def test_older_units_from_the_reference_csv_map_on(older_csv, empty_db):
    """A commune merged before the snapshot is added with the unit it merged into and a source;
    it maps on to the new units as that one does, and its name resolves."""
    from analytics import unit_names
    csv = older_csv
    try:
        with empty_db.transaction() as cur:
            registry.load(cur)
        assert empty_db.query("SELECT new_code, is_default, source FROM unit_registry_map "
                              "WHERE old_code = '99001'") == [("25345", True, "Nghị quyết thử nghiệm")]
        found = unit_names.resolve(empty_db, "xa thu nghiem", 2024)
        assert found.ok and found.unit.code == "99001"
        # a unit merged into one the registry does not know is refused
        (csv / registry.OLDER_UNITS_FILE).write_text(
            "vintage,code,name,unit_type,parent_code,is_urban,merged_into,source\n"
            "2024,99002,Xã Khác,xa,694,false,99999,Nguồn\n", encoding="utf-8")
        registry.frames.cache_clear()
        with pytest.raises(ValueError, match="99999"):
            registry.frames()
    finally:
        registry.frames.cache_clear()


def test_units_command_lists_both_vintages(empty_db_file, capsys):
    assert main(["units", "--vintage", "2025", "--json", "--db", str(empty_db_file)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert set(rows[0]) == {"vintage", "code", "name", "unit_type", "parent_code", "is_urban"}
    assert sum(r["unit_type"] == "province" for r in rows) == 34 and len(rows) == 34 + 3321
    assert main(["units", "--vintage", "2024", "--json", "--db", str(empty_db_file)]) == 0
    rows = json.loads(capsys.readouterr().out)
    kinds = pd.Series([r["unit_type"] for r in rows]).value_counts()
    assert kinds["province"] == 63 and kinds["district"] == 696 and len(rows) == 63 + 696 + 10035
    assert main(["units", "--vintage", "2024", "--parent", "694", "--json", "--db", str(empty_db_file)]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 13


def test_units_search_refuses_a_shared_name_and_resolves_it_within_a_province(empty_db_file, capsys):
    assert main(["units", "--search", "Tan Hung", "--json", "--db", str(empty_db_file)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["reason"] == "ambiguous" and len(out["units"]) == 6
    assert main(["units", "--search", "UBND XÃ TÂN HƯNG", "--province", "Dong Nai", "--json",
                 "--db", str(empty_db_file)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [u["code"] for u in out["units"]] == ["25345"]


def test_adopting_hon_quan_gives_exactly_the_hand_checked_rows(empty_db):
    """The working units of the demo are what adopting district 694 from the registry gives:
    the same units (their notes kept) and the same mapping."""
    units_before = empty_db.query("SELECT * FROM org_unit ORDER BY ALL")
    map_before = empty_db.query("SELECT * FROM org_unit_map ORDER BY ALL")
    with empty_db.transaction() as cur:
        assert registry.adopt(cur, 2024, "694") == 0
    assert empty_db.query("SELECT * FROM org_unit ORDER BY ALL") == units_before
    assert empty_db.query("SELECT * FROM org_unit_map ORDER BY ALL") == map_before
    with empty_db.transaction() as cur:
        cur.execute("DELETE FROM org_unit")
        cur.execute("DELETE FROM org_unit_map")
        assert registry.adopt(cur, 2024, "694") == len(units_before)
    mine = {(v, c, n, t, p, u) for v, c, n, t, p, u, *_ in units_before}
    assert {(v, c, n, t, p, u) for v, c, n, t, p, u, *_ in
            empty_db.query("SELECT * FROM org_unit ORDER BY ALL")} == mine
    assert {r[:4] for r in empty_db.query("SELECT * FROM org_unit_map")} == {r[:4] for r in map_before}


def test_adopting_a_province_brings_its_units_of_both_vintages_and_their_mapping(empty_db):
    with empty_db.transaction() as cur:
        registry.adopt(cur, 2024, "70")
    counts = dict(((v, t), n) for v, t, n in empty_db.query(
        "SELECT vintage, unit_type, count(*) FROM org_unit GROUP BY ALL"))
    under = empty_db.query("SELECT count(*) FROM unit_registry c JOIN unit_registry d "
                           "ON d.vintage = c.vintage AND d.code = c.parent_code "
                           "WHERE c.vintage = 2024 AND d.parent_code = '70'")[0][0]
    assert counts[(2024, "district")] == 11
    assert sum(n for (v, t), n in counts.items() if v == 2024 and t in ("xa", "phuong", "thi_tran")) == under
    assert counts[(2025, "province")] == 1  # Đồng Nai, which Bình Phước joined
    unmapped = empty_db.scalar("""SELECT count(*) FROM org_unit o WHERE o.vintage = 2024 AND NOT EXISTS
        (SELECT 1 FROM org_unit_map m WHERE m.old_vintage = 2024 AND m.old_code = o.code AND m.is_default)""")
    assert unmapped == 0


def test_units_search_among_the_working_units(demo_db_file, capsys):
    assert main(["units", "--search", "Tân Hưng", "--vintage", "2024", "--working", "--json",
                 "--db", str(demo_db_file)]) == 0
    assert [u["code"] for u in json.loads(capsys.readouterr().out)["units"]] == ["25345"]
    # A name outside the working units is not found among them.
    assert main(["units", "--search", "Phường An Lộc", "--vintage", "2024", "--province", "Bình Phước",
                 "--working", "--json", "--db", str(demo_db_file)]) == 1
    assert json.loads(capsys.readouterr().out)["reason"] == "unknown"


def test_units_search_narrows_a_shared_name_to_the_home_area_as_an_import_does(demo_db_file, tmp_path, capsys):
    # The demo's home area is Hớn Quản (the smallest unit holding its data): "Tân Hưng", which six
    # units of the country share, is its commune 25345, as a household list naming it would be.
    assert main(["units", "--search", "Tân Hưng", "--vintage", "2024", "--json", "--db", str(demo_db_file)]) == 0
    assert [u["code"] for u in json.loads(capsys.readouterr().out)["units"]] == ["25345"]
    # With the home area set to An Giang, "Tân Lợi" is An Giang's (Tịnh Biên's 30535).
    path = tmp_path / "home.duckdb"
    shutil.copy(demo_db_file, path)
    with Database(path) as db:
        levels.set_home_area(db, Scope.system("admin"), 2024, "89")
    assert main(["units", "--search", "Tân Lợi", "--vintage", "2024", "--json", "--db", str(path)]) == 0
    assert [u["code"] for u in json.loads(capsys.readouterr().out)["units"]] == ["30535"]


def test_a_database_from_before_the_registry_gets_it_by_migration(demo_db_file, tmp_path):
    """A demo database as it was before migration 006 (no registry, the mapping without the
    default flag) is migrated on open: the registry is loaded, the data and mapping kept."""
    from analytics.db import Database
    path = tmp_path / "old.duckdb"
    path.write_bytes(demo_db_file.read_bytes())
    with Database(path, migrate=False) as db:
        households = db.scalar("SELECT count(*) FROM household")
        mapping = db.query("SELECT old_vintage, old_code, new_vintage, new_code, source FROM org_unit_map ORDER BY ALL")
        cur = db.cursor()
        cur.execute("DROP TABLE unit_registry_map")
        cur.execute("DROP TABLE unit_registry")
        cur.execute("CREATE TABLE old_map AS SELECT old_vintage, old_code, new_vintage, new_code, source FROM org_unit_map")
        cur.execute("DROP TABLE org_unit_map")
        cur.execute("ALTER TABLE old_map RENAME TO org_unit_map")
        cur.execute("DELETE FROM schema_migration WHERE version = 6")
        cur.close()
    with Database(path) as db:
        assert db.scalar("SELECT count(*) FROM unit_registry WHERE vintage = 2025") == 34 + 3321
        assert db.scalar("SELECT count(*) FROM household") == households
        assert db.query("SELECT old_vintage, old_code, new_vintage, new_code, source FROM org_unit_map "
                        "ORDER BY ALL") == mapping
        assert db.scalar("SELECT bool_and(is_default) FROM org_unit_map")
