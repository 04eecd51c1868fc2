"""Backup and restore: a round trip that compares every table, and the refusals."""

from __future__ import annotations

import duckdb
import pytest

from analytics.backup import BackupError, backup, read_manifest, restore, table_counts
from analytics.batches import create_batch
from analytics.cli import main
from analytics.db import Database
from conftest import run_cli


def tables_of(path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as c:
        return sorted(table_counts(c))


def assert_same_content(a, b) -> None:
    """Every table of ``a`` has exactly the rows of ``b`` (as multisets), and the same tables."""
    assert tables_of(a) == tables_of(b)
    with duckdb.connect() as c:
        c.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
        c.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
        for t in tables_of(a):
            for x, y in (("a", "b"), ("b", "a")):
                extra = c.execute(f'SELECT count(*) FROM (SELECT * FROM {x}."{t}" EXCEPT ALL '
                                  f'SELECT * FROM {y}."{t}")').fetchone()[0]
                assert extra == 0, f"{t}: {extra} rows of {x} missing from {y}"


def test_round_trip_keeps_every_table_and_row(demo_db, tmp_path):
    # Add rows of other kinds so that every table has something to carry.
    with demo_db.transaction() as cur:
        cur.execute("INSERT INTO audit_log VALUES (current_timestamp, 'ana', 'backup-test', '{\"x\": 1}')")
        cur.execute("INSERT INTO scenario (name, author, created_at, year, params) "
                    "VALUES ('Phương án A', 'ana', current_timestamp, 2024, '{\"k\": [1, 2]}')")
    demo_db.checkpoint()
    info = backup(demo_db, tmp_path / "bk")
    assert info.tables["household"] == demo_db.scalar("SELECT count(*) FROM household") > 0
    assert read_manifest(tmp_path / "bk").tables == info.tables
    version = demo_db.data_version()
    demo_db.close()

    restored = tmp_path / "restored.duckdb"
    restore(tmp_path / "bk", restored)
    assert_same_content(demo_db.path, restored)
    with Database(restored) as db:
        assert db.data_version() == version
        # Sequences continue after the restored ids: a new batch does not reuse one.
        old_max = db.scalar("SELECT max(id) FROM import_batch")
        with db.transaction() as cur:
            new_id = create_batch(cur, kind="households", file_name="after-restore.xlsx")
        assert new_id > old_max


def test_restore_refuses_a_file_with_data_and_leaves_it_unchanged(demo_db, tmp_path, empty_db):
    backup(demo_db, tmp_path / "bk")
    empty_db.close()
    before = empty_db.path.read_bytes()
    with pytest.raises(BackupError):
        restore(tmp_path / "bk", empty_db.path)  # migrated, so not empty: refused
    assert empty_db.path.read_bytes() == before
    assert not list(tmp_path.glob("*.restoring*"))


def test_backup_refuses_a_non_empty_directory_and_restore_an_incomplete_backup(demo_db, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("x")
    with pytest.raises(BackupError):
        backup(demo_db, tmp_path / "busy")
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["keep.txt"]
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "schema.sql").write_text("")
    with pytest.raises(BackupError):
        restore(tmp_path / "half", tmp_path / "new.duckdb")
    assert not (tmp_path / "new.duckdb").exists()


def test_restore_detects_a_backup_that_lost_rows(demo_db, tmp_path):
    backup(demo_db, tmp_path / "bk")
    demo_db.close()
    # Damage the backup: the household file now holds no rows.
    with duckdb.connect() as c:
        c.execute(f"COPY (SELECT * FROM '{tmp_path}/bk/household.parquet' LIMIT 0) "
                  f"TO '{tmp_path}/bk/household.parquet' (FORMAT parquet)")
    with pytest.raises(BackupError, match="household"):
        restore(tmp_path / "bk", tmp_path / "new.duckdb")
    assert not (tmp_path / "new.duckdb").exists()


def test_cli_round_trip_and_refusal(demo_db_file, tmp_path):
    out = tmp_path / "bk"
    r = run_cli("backup", "--db", str(demo_db_file), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert (out / "manifest.json").exists()
    r = run_cli("restore", str(out), "--db", str(tmp_path / "r.duckdb"))
    assert r.returncode == 0, r.stderr
    assert_same_content(demo_db_file, tmp_path / "r.duckdb")
    r = run_cli("restore", str(out), "--db", str(tmp_path / "r.duckdb"))
    assert r.returncode == 1 and "restore into a new file" in r.stdout
    r = run_cli("backup", "--db", str(demo_db_file), "--out", str(out))
    assert r.returncode == 1
    for cmd in ("backup", "restore"):
        assert main([cmd, "--help"]) == 0
    assert main(["restore"]) == 2
