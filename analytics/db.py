"""The embedded DuckDB database: one read-write connection per process, a cursor per query,
explicit write transactions, numbered migrations applied on open, and a ``data_version`` that
every committed write bumps (pages key their caches on it)."""

from __future__ import annotations

import errno
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "poverty.duckdb"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseError(RuntimeError):
    """A database problem explained for a person (locked, read-only, disk full)."""

    kind: str | None = None  # see error_kind


def default_db_path() -> Path:
    """The database file: ``POVERTY_DB`` if set, else ``data/poverty.duckdb``."""
    env = os.environ.get("POVERTY_DB")
    return Path(env) if env else DEFAULT_DB_PATH


def _error_texts(exc: BaseException) -> str:
    """The messages of an exception and of those it was raised from or during, lower-cased:
    DuckDB often reports 'transaction is aborted' on top of the real cause (a full disk)."""
    texts, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        texts.append(str(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            texts.append("no space left on device")
        elif isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            texts.append("read-only")
        exc = exc.__cause__ or exc.__context__
    return " | ".join(texts).lower()


def error_kind(exc: BaseException) -> str | None:
    """'locked', 'read_only', 'disk_full' or 'invalidated' for the database problems a person can
    act on; None for anything else (a bug to report)."""
    text = _error_texts(exc)
    if "no space left" in text or "disk is full" in text or "out of space" in text or "disk quota" in text:
        return "disk_full"
    if "could not set lock" in text or "conflicting lock" in text:
        return "locked"
    if ("read-only" in text or "readonly" in text or "read only" in text
            or "permission denied" in text):
        return "read_only"
    if "invalidated" in text or isinstance(exc, getattr(duckdb, "FatalException", ())):
        return "invalidated"
    return None


def explain_error(exc: BaseException, path: Path | str) -> DatabaseError:
    """Turn DuckDB's low-level messages into one a user can act on."""
    kind = error_kind(exc)
    if kind == "locked":
        msg = (f"Cơ sở dữ liệu {path} đang được một chương trình khác mở để ghi. "
               f"Hãy đóng chương trình đó rồi thử lại. / The database is locked by another process.")
    elif kind == "read_only":
        msg = (f"Không thể ghi vào {path} (tệp chỉ đọc hoặc không có quyền). "
               f"/ The database file is read-only.")
    elif kind == "disk_full":
        msg = (f"Đĩa đầy, không ghi được vào {path}; dữ liệu chưa bị thay đổi. Hãy giải phóng dung lượng "
               f"rồi thử lại. / The disk is full; nothing was changed.")
    elif kind == "invalidated":
        msg = (f"Cơ sở dữ liệu {path} gặp lỗi nghiêm trọng khi ghi (thường do đĩa đầy) và phải được mở lại: "
               f"hãy giải phóng dung lượng rồi khởi động lại ứng dụng; dữ liệu đã ghi xong không bị mất. "
               f"/ The database hit a fatal write error (usually a full disk) and must be reopened: free "
               f"space and restart; committed data is safe.")
    else:
        msg = f"Lỗi cơ sở dữ liệu / database error: {exc}"
    err = DatabaseError(msg)
    err.kind = kind
    err.__cause__ = exc
    return err


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def list_migrations() -> list[Migration]:
    """Migrations are files ``NNN_name.sql`` (schema) or ``NNN_name.py`` (with ``apply(cur)``)."""
    found = []
    for p in sorted(MIGRATIONS_DIR.iterdir()):
        if p.suffix in (".sql", ".py") and p.stem[:3].isdigit():
            found.append(Migration(int(p.stem[:3]), p.stem[4:], p))
    versions = [m.version for m in found]
    if len(versions) != len(set(versions)):
        raise RuntimeError(f"duplicate migration numbers in {MIGRATIONS_DIR}")
    return found


class Database:
    """The process's single read-write connection to a DuckDB file.

    Reads: ``db.query(sql, params)`` / ``db.frame(sql, params)`` on a fresh cursor, fetched fully.
    Writes: ``with db.transaction() as cur: ...`` — one transaction, committed whole or not at all,
    and the ``data_version`` bumped in the same transaction.
    """

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False, migrate: bool = True):
        self.path = Path(path) if path else default_db_path()
        self.read_only = read_only
        self._write_lock = threading.Lock()
        try:
            if not read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            # Background threads give the memory of finished work back to the system: without
            # them a long-running server keeps the peak of its largest import (DuckDB's
            # allocator purges only when more work comes).
            self.conn = duckdb.connect(str(self.path), read_only=read_only,
                                       config={"allocator_background_threads": True})
        except (duckdb.Error, OSError) as exc:  # locked, read-only, unreadable
            raise explain_error(exc, self.path) from exc
        if migrate and not read_only:
            self.migrate()

    # -- reading ---------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A fresh cursor (its own transaction context); safe to use from one thread."""
        return self.conn.cursor()

    def _read(self, sql: str, params, fetch):
        """``fetch(cursor)`` after running a read on a fresh cursor, closed afterwards; errors a
        person can act on as a DatabaseError."""
        cur = self.cursor()
        try:
            return fetch(cur.execute(sql, params or []))
        except duckdb.Error as exc:
            raise self._explained(exc)
        finally:
            cur.close()

    def query(self, sql: str, params: list | tuple | dict | None = None) -> list[tuple]:
        """Rows of a query, fetched fully on a fresh cursor."""
        return self._read(sql, params, lambda cur: cur.fetchall())

    def records(self, sql: str, params: list | tuple | dict | None = None) -> list[dict]:
        """Rows of a query as dicts (column name: value); for small results, where building a
        DataFrame column by column costs more than the query."""
        def fetch(cur):
            names = [column[0] for column in cur.description]
            return [dict(zip(names, row)) for row in cur.fetchall()]
        return self._read(sql, params, fetch)

    def scalar(self, sql: str, params: list | tuple | dict | None = None):
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def frame(self, sql: str, params: list | tuple | dict | None = None):
        """A pandas DataFrame of a query, fetched fully on a fresh cursor."""
        return self._read(sql, params, lambda cur: cur.df())

    def _explained(self, exc: duckdb.Error) -> BaseException:
        """A read's error as a DatabaseError when a person can act on it, else unchanged."""
        if error_kind(exc) is None:
            return exc
        err = explain_error(exc, self.path)
        err.__cause__ = exc
        return err

    # -- writing ---------------------------------------------------------------------------
    @contextmanager
    def transaction(self, *, changes_data: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """One explicit write transaction; rolls back on error. On commit it bumps ``data_version``
        (every cached figure is recomputed) unless ``changes_data`` is False: writes no figure
        depends on (log-ins, the audit log, accounts, saved scenarios) leave the caches of every
        user warm."""
        if self.read_only:
            raise DatabaseError(f"Cơ sở dữ liệu {self.path} đang mở chỉ đọc. / The database is open read-only.")
        with self._write_lock:
            cur = self.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                yield cur
                if changes_data:
                    cur.execute("UPDATE app_state SET value = value + 1 WHERE key = 'data_version'")
                cur.execute("COMMIT")
            except BaseException as exc:
                try:
                    cur.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                if isinstance(exc, duckdb.Error):
                    raise explain_error(exc, self.path) from exc
                raise
            finally:
                cur.close()

    def data_version(self) -> int:
        """A number that changes whenever committed data changes (cache key for the pages)."""
        return int(self.scalar("SELECT value FROM app_state WHERE key = 'data_version'") or 0)

    # -- schema ----------------------------------------------------------------------------
    def applied_migrations(self) -> list[int]:
        cur = self.cursor()
        try:
            cur.execute("CREATE TABLE IF NOT EXISTS schema_migration("
                        "version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
            return [r[0] for r in cur.execute("SELECT version FROM schema_migration ORDER BY version").fetchall()]
        finally:
            cur.close()

    def migrate(self) -> list[int]:
        """Apply the migrations not yet recorded, each in its own transaction. Idempotent."""
        done = set(self.applied_migrations())
        applied = []
        for m in list_migrations():
            if m.version in done:
                continue
            with self._write_lock:
                cur = self.cursor()
                try:
                    cur.execute("BEGIN TRANSACTION")
                    if m.path.suffix == ".sql":
                        cur.execute(m.path.read_text(encoding="utf-8"))
                    else:
                        _load_python_migration(m.path).apply(cur)
                    cur.execute("INSERT INTO schema_migration VALUES (?, ?, current_timestamp)",
                                [m.version, m.name])
                    cur.execute("UPDATE app_state SET value = value + 1 WHERE key = 'data_version'")
                    cur.execute("COMMIT")
                except BaseException as exc:
                    cur.execute("ROLLBACK")
                    if isinstance(exc, duckdb.Error):
                        raise explain_error(exc, self.path) from exc
                    raise
                finally:
                    cur.close()
            applied.append(m.version)
        return applied

    def checkpoint(self) -> None:
        try:
            self.conn.execute("CHECKPOINT")
        except duckdb.Error as exc:
            raise explain_error(exc, self.path) from exc

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _load_python_migration(path: Path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"analytics_migration_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def open_db(path: Path | str | None = None, *, read_only: bool = False) -> Database:
    """Open (creating and migrating if needed) the database at ``path`` or the default one."""
    return Database(path, read_only=read_only)
