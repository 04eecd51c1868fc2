"""The ``import``, ``batches`` and ``rollback`` commands: JSON report, exit codes."""

import json
from pathlib import Path

from analytics.cli import main
from conftest import set_hon_quan_home

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_import_json_batches_and_rollback(tmp_path, capsys):
    db = str(tmp_path / "cli.duckdb")
    assert main(["init", "--db", db]) == 0
    set_hon_quan_home(db)  # the file names its communes bare, as their own office types them
    capsys.readouterr()
    assert main(["import", str(FIXTURES / "households_messy.xlsx"), "--db", db, "--json", "--dry-run"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "valid" and report["batch_id"] is None
    assert main(["import", str(FIXTURES / "households_messy.xlsx"), "--db", db, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "committed" and report["kind"] == "households"
    assert {"rows_read", "rows_imported", "rows_skipped", "encoding_repairs", "errors", "warnings",
            "batch_id", "year_source", "commune_source", "skipped"} <= set(report)
    assert report["warnings"][0].keys() == {"sheet", "row", "column", "value", "message"}
    assert main(["import", str(FIXTURES / "households_messy.xlsx"), "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "duplicate"
    assert main(["batches", "--db", db, "--json"]) == 0
    batches = json.loads(capsys.readouterr().out)
    assert [(b["id"], b["status"], b["rows"]) for b in batches] == [(report["batch_id"], "committed", 8)]
    assert main(["rollback", str(report["batch_id"]), "--db", db]) == 0
    assert main(["rollback", str(report["batch_id"]), "--db", db]) == 1  # already rolled back
    assert main(["rollback", "999", "--db", db]) == 1


def test_rejected_file_exits_1_with_errors_and_usage_errors_exit_2(tmp_path, capsys):
    db = str(tmp_path / "cli.duckdb")
    set_hon_quan_home(db)
    assert main(["import", str(FIXTURES / "bad_duplicate_id.xlsx"), "--db", db, "--json", "--lang", "en"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "rejected"
    assert report["errors"] == [{"sheet": "DS", "row": 4, "column": "Mã hộ", "value": "B-01",
                                 "message": "Duplicate household id within the same year."}]
    assert main(["import", str(tmp_path / "missing.xlsx"), "--db", db]) == 2
    assert main(["import", str(FIXTURES / "households_simple.xlsx"), "--kind", "nonsense", "--db", db]) == 2
    assert main(["rollback", "--db", db]) == 2


def test_options_give_the_year_and_commune(tmp_path, capsys):
    db = str(tmp_path / "cli.duckdb")
    main(["init", "--db", db])
    set_hon_quan_home(db)  # "Minh Tâm" names two communes of the country, one in Hớn Quản
    path = tmp_path / "plain.csv"
    path.write_text("Mã hộ,Họ và tên chủ hộ,Thu nhập bình quân,CS1,CS2,CS3\nH1,Lê Văn Tám,\"1.100.000\",x,x,x\n",
                    encoding="utf-8")
    capsys.readouterr()
    assert main(["import", str(path), "--year", "2024", "--commune", "Minh Tâm", "--db", db, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["year"], report["year_source"], report["commune"], report["commune_source"]) == \
        (2024, "option", "25349", "option")


def test_a_commune_name_shared_within_the_working_units_is_refused_listing_them(tmp_path, capsys):
    """With Bình Phước's units in use but no home area, "Tân Hưng" is not read as one of them: the
    import is refused with every Tân Hưng (both of Bình Phước among them, with their districts);
    the district narrows it ("Xã Tân Hưng, huyện Hớn Quản")."""
    from analytics import registry
    from analytics.db import Database
    db = str(tmp_path / "cli.duckdb")
    main(["init", "--db", db])
    with Database(db) as opened, opened.transaction() as cur:
        registry.adopt(cur, 2024, "70")
    path = tmp_path / "plain.csv"
    path.write_text("Mã hộ,Họ và tên chủ hộ,Thu nhập bình quân,CS1,CS2,CS3\nH1,Lê Văn Tám,\"1.100.000\",x,x,x\n",
                    encoding="utf-8")
    capsys.readouterr()
    assert main(["import", str(path), "--year", "2024", "--commune", "UBND xã Tân Hưng", "--db", db,
                 "--json", "--lang", "en"]) == 1
    errors = json.dumps(json.loads(capsys.readouterr().out)["errors"], ensure_ascii=False)
    assert "25345" in errors and "25375" in errors and "Huyện Đồng Phú" in errors
    assert main(["import", str(path), "--year", "2024", "--commune", "Xã Tân Hưng, huyện Hớn Quản",
                 "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["commune"] == "25345"
