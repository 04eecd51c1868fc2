"""The database layer: migrations, transactions and the data version."""

import duckdb
import pytest

from analytics.db import Database, list_migrations


def schema_snapshot(db: Database) -> list[tuple]:
    tables = db.query("SELECT table_name, column_name, data_type FROM information_schema.columns "
                      "ORDER BY table_name, column_name")
    counts = [(t, db.scalar(f'SELECT count(*) FROM "{t}"'))
              for (t,) in db.query("SELECT table_name FROM information_schema.tables "
                                   "WHERE table_type = 'BASE TABLE' ORDER BY 1")]
    return tables + counts


def test_migrations_are_recorded_and_applying_them_twice_changes_nothing(tmp_path):
    path = tmp_path / "m.duckdb"
    with Database(path) as db:
        assert db.applied_migrations() == [m.version for m in list_migrations()]
        before, version = schema_snapshot(db), db.data_version()
        assert db.migrate() == []  # second application in the same process
    with Database(path) as db:  # and on reopening
        assert db.migrate() == []
        assert schema_snapshot(db) == before
        assert db.data_version() == version


def test_reference_data_is_loaded_with_sources(empty_db):
    assert empty_db.scalar("SELECT count(*) FROM org_unit WHERE vintage = 2024 AND parent_code = '694'") == 13
    for table in ("org_unit", "org_unit_map", "poverty_standard", "deprivation_indicator", "project",
                  "funding_source", "indicator", "setting"):
        missing = empty_db.scalar(f"SELECT count(*) FROM {table} WHERE source IS NULL OR source = ''")
        assert missing == 0, table


def test_a_committed_write_bumps_the_data_version(empty_db):
    v0 = empty_db.data_version()
    with empty_db.transaction() as cur:
        cur.execute("UPDATE setting SET value = '0.2' WHERE key = 'pace_tolerance'")
    assert empty_db.data_version() == v0 + 1


def test_a_failed_transaction_leaves_nothing_behind(empty_db):
    v0 = empty_db.data_version()
    with pytest.raises(RuntimeError):
        with empty_db.transaction() as cur:
            cur.execute("UPDATE setting SET value = 'x' WHERE key = 'pace_tolerance'")
            cur.execute("DELETE FROM org_unit")
            raise RuntimeError("interrupted")
    assert empty_db.data_version() == v0
    assert empty_db.scalar("SELECT value FROM setting WHERE key = 'pace_tolerance'") == "0.10"
    assert empty_db.scalar("SELECT count(*) FROM org_unit") > 0


def test_a_second_process_cannot_open_the_file_for_writing_while_we_hold_it(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "locked.duckdb"
    with Database(path):
        code = ("import sys; sys.path.insert(0, '.');\n"
                "from analytics.db import Database, DatabaseError\n"
                f"try:\n    Database(r'{path}')\nexcept DatabaseError as e:\n    print(e); sys.exit(3)\n")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              cwd=str(__import__('pathlib').Path(__file__).parent.parent))
    assert proc.returncode == 3, proc.stderr
    assert "khác" in proc.stdout and "locked" in proc.stdout


def test_cursors_are_independent_for_reading(empty_db):
    a, b = empty_db.cursor(), empty_db.cursor()
    assert isinstance(a, duckdb.DuckDBPyConnection)
    assert a.execute("SELECT count(*) FROM org_unit").fetchone() == b.execute(
        "SELECT count(*) FROM org_unit").fetchone()
