"""Backups: the whole database exported to a directory (DuckDB ``EXPORT DATABASE``, Parquet files
plus the schema) with a manifest of row counts, and restored into a new file
(``IMPORT DATABASE``), checked against the manifest.

Both steps are all-or-nothing: the export is written to a temporary directory and renamed into
place; the restore imports into a temporary file beside the target, checks every table's row
count, and only then renames it to the target. A restore never writes over a file that holds data.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from .db import Database, explain_error

MANIFEST = "manifest.json"


class BackupError(ValueError):
    """A backup or restore refused (target not empty, backup incomplete or inconsistent)."""


@dataclass(frozen=True)
class BackupInfo:
    """A backup's manifest: where it came from, when, and the row count of every table."""
    directory: Path
    created_at: str
    source: str
    data_version: int
    migrations: list[int]
    tables: dict[str, int]


def table_counts(conn) -> dict[str, int]:
    """Row count of every base table of the main database, by name."""
    names = [r[0] for r in conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND NOT temporary ORDER BY table_name").fetchall()]
    return {n: int(conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}


def backup(db: Database, out_dir: Path | str) -> BackupInfo:
    """Export ``db`` to ``out_dir`` (which must not exist or be empty); its manifest."""
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"{out} đã tồn tại và không rỗng / already exists and is not empty")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    cur = db.cursor()
    try:
        # One transaction: the export and the counts see the same snapshot.
        cur.execute("BEGIN TRANSACTION")
        counts = table_counts(cur)
        version = cur.execute("SELECT value FROM app_state WHERE key = 'data_version'").fetchone()[0]
        migrations = [r[0] for r in cur.execute("SELECT version FROM schema_migration ORDER BY 1").fetchall()]
        cur.execute(f"EXPORT DATABASE '{_sql_path(partial)}' (FORMAT parquet)")
        cur.execute("COMMIT")
    except duckdb.Error as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise explain_error(exc, partial) from exc
    finally:
        cur.close()
    info = BackupInfo(out, datetime.now(timezone.utc).isoformat(timespec="seconds"), str(db.path),
                      int(version), migrations, counts)
    manifest = {"created_at": info.created_at, "source": info.source, "data_version": info.data_version,
                "migrations": migrations, "duckdb": duckdb.__version__, "tables": counts}
    try:
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        _fsync_tree(partial)
        if out.exists():
            out.rmdir()
        os.replace(partial, out)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise explain_error(exc, out) from exc
    return info


def read_manifest(backup_dir: Path | str) -> BackupInfo:
    """The manifest of a backup directory (a directory without one is not a complete backup)."""
    d = Path(backup_dir)
    path = d / MANIFEST
    if not path.is_file() or not (d / "schema.sql").is_file():
        raise BackupError(f"{d} không phải bản sao lưu đầy đủ / is not a complete backup (no {MANIFEST})")
    m = json.loads(path.read_text(encoding="utf-8"))
    return BackupInfo(d, m["created_at"], m["source"], m["data_version"], m["migrations"], m["tables"])


def restore(backup_dir: Path | str, target: Path | str) -> BackupInfo:
    """Import a backup into ``target`` (a new or empty file) and migrate it; the manifest.

    Refuses a target that holds anything; on any failure the target is left as it was.
    """
    info = read_manifest(backup_dir)
    target = Path(target)
    if target.exists() and target.stat().st_size > 0:
        raise BackupError(f"{target} đã có dữ liệu; hãy khôi phục vào một tệp mới / already holds data; "
                          "restore into a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(target.name + ".restoring")
    for leftover in (temp, Path(str(temp) + ".wal")):
        leftover.unlink(missing_ok=True)
    try:
        conn = duckdb.connect(str(temp))
        try:
            conn.execute(f"IMPORT DATABASE '{_sql_path(info.directory)}'")
            counts = table_counts(conn)
            if counts != info.tables:
                diff = {t: (info.tables.get(t), counts.get(t)) for t in set(counts) | set(info.tables)
                        if info.tables.get(t) != counts.get(t)}
                raise BackupError(f"bản sao lưu không khớp / backup does not match its manifest: {diff}")
            conn.execute("CHECKPOINT")
        finally:
            conn.close()
        if target.exists():  # an empty file: replaced
            target.unlink()
        os.replace(temp, target)
    except duckdb.Error as exc:
        _discard(temp)
        raise explain_error(exc, target) from exc
    except BaseException:
        _discard(temp)
        raise
    # Migrations newer than the backup are applied now, as on every open.
    Database(target).close()
    return info


def _discard(path: Path) -> None:
    for p in (path, Path(str(path) + ".wal")):
        p.unlink(missing_ok=True)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _fsync_tree(directory: Path) -> None:
    """Flush the backup's files to disk before it is declared complete."""
    for p in directory.rglob("*"):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
