"""Reliability: many readers while imports commit and roll back, a crash in the middle of a commit,
and a database that is locked, read-only or on a full disk (clear message, nothing corrupted)."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from analytics import poverty
from analytics.batches import create_batch, insert_frame, rollback
from analytics.classification import refresh_derived
from analytics.db import Database, DatabaseError
from analytics.i18n import fmt_number, t
from analytics.importer import import_file
from conftest import ROOT, clear_streamlit_caches, open_app, run_cli

YEAR = 2024


# -- helpers -------------------------------------------------------------------------------------
def household_frame(prefix: str, n: int, year: int = YEAR, commune: str = "25327") -> pd.DataFrame:
    """``n`` poor households of a commune, as an import of a household list writes them."""
    return pd.DataFrame({
        "year": year, "household_id": [f"{prefix}-{i:07d}" for i in range(n)], "commune_vintage": 2024,
        "commune_code": commune, "head_name": [f"Nguyễn Văn {i}" for i in range(n)],
        "is_ethnic_minority": False, "members": 3, "income_per_capita": 1_000_000,
        "d01": True, "d04": True, "d07": True, "recorded_status": "poor"})


def household_csv(prefix: str, n: int, commune: str = "Xã Thanh An") -> bytes:
    """A household list of ``n`` poor households of a commune, as an officer uploads it."""
    head = ("Mã hộ,Xã,Thôn/Ấp,Chủ hộ,Dân tộc,Số khẩu,Thu nhập BQ/người/tháng,"
            + ",".join(f"CS{i}" for i in range(1, 13)) + ",Kết quả rà soát,Năm")
    rows = [f"{prefix}-{i:07d},{commune},Ấp 1,Nguyễn Văn {i},Kinh,3,1.000.000,x,,,x,,,x,,,,,,Hộ nghèo,{YEAR}"
            for i in range(n)]
    return ("\n".join([head, *rows]) + "\n").encode("utf-8")


def import_households(db: Database, prefix: str, n: int, fail: bool = False,
                      commune: tuple[str, str] = ("25327", "Xã Thanh An")) -> int:
    """Import ``n`` households of a commune (code, name) through the importer (one batch, one
    transaction, replacing the commune's list of the year); with ``fail``, an import that breaks
    after writing its rows, inside the same kind of transaction."""
    if not fail:
        report = import_file(db, household_csv(prefix, n, commune[1]), f"{prefix}.csv", kind="households",
                             user="tests")
        assert report.status == "committed", [e.to_dict() for e in report.errors[:3]]
        assert report.rows_imported == n
        return report.batch_id
    with db.transaction() as cur:
        batch = create_batch(cur, kind="households", file_name=f"{prefix}.csv", year=YEAR, user="tests")
        insert_frame(cur, "household", household_frame(prefix, n, commune=commune[0]), batch)
        refresh_derived(cur, batch)
        raise ValueError("validation failed after writing")


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def mounted_tmpfs(size: str):
    """A small tmpfs of its own (root only); skips the test where mounting is impossible."""
    where = Path(tempfile.mkdtemp(prefix="poverty-fs-"))
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN): {proc.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)
        shutil.rmtree(where, ignore_errors=True)


def fill_to_leave(where: Path, free_bytes: int, name: str = "filler") -> None:
    """Fill a file system with a filler file until about ``free_bytes`` remain."""
    st = os.statvfs(where)
    size = st.f_bavail * st.f_frsize - free_bytes
    if size > 0:
        with open(where / name, "wb") as f:
            f.write(b"\0" * size)


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr


def app_errors(monkeypatch, db_path: Path, role: str | None = None, year: int | None = None
               ) -> tuple[list[str], object]:
    """Run the app under AppTest on ``db_path`` (logged in as the demo account of ``role`` when
    given, on ``year`` when given); (texts of its error boxes, the AppTest). Streamlit's caches
    are emptied before the run and after it (the cached connection must not outlive the file)."""
    clear_streamlit_caches()
    at = open_app(monkeypatch, db_path, role=role, query={"year": year} if year else None)
    clear_streamlit_caches()
    return [e.value for e in at.error], at


# -- many readers while imports commit and roll back ---------------------------------------------------
STATE_SQL = """
    WITH r AS (SELECT split_part(household_id, '-', 1) AS p, count(*) AS n FROM household_current
               WHERE household_id LIKE 'ZT%' GROUP BY 1),
         b AS (SELECT split_part(file_name, '.', 1) AS p, status FROM import_batch WHERE file_name LIKE 'ZT%')
    SELECT coalesce(r.p, b.p), coalesce(r.n, 0), b.status FROM r FULL JOIN b ON r.p = b.p"""
# Each import replaces one commune's 2024 list; the writer goes through these states in turn.
COMMUNES = [("25327", "Xã Thanh An"), ("25330", "Xã An Khương"), ("25339", "Xã An Phú"),
            ("25342", "Xã Tân Lợi")]
STATES = [{0}, {0, 1}, {1}, {1, 2}, {2}, {2, 3}, {3}]


def test_readers_see_a_batch_whole_or_not_at_all(demo_db, monkeypatch, fresh_streamlit_caches):
    db, n = demo_db, 3000
    before = poverty.commune_table(db, YEAR).set_index("code")["poor"]
    base_poor = int(before.sum())
    delta = [n - int(before[code]) for code, _ in COMMUNES]  # a batch replaces the commune's list
    allowed = {base_poor + sum(delta[i] for i in state) for state in STATES}
    import_households(db, "ZT0", n, commune=COMMUNES[0])  # live before the readers start
    stop, errors, seen = threading.Event(), [], []

    def raw_reader():
        while not stop.is_set():
            cur = db.cursor()
            try:
                seen.append(("raw", cur.execute(STATE_SQL).fetchall()))
            except Exception as exc:  # noqa: BLE001 - every error is a failure of the test
                errors.append(repr(exc))
            finally:
                cur.close()
            time.sleep(0.05)

    def product_reader():
        while not stop.is_set():
            try:
                seen.append(("poor", poverty.household_counts(db, YEAR)["poor"]))
                seen.append(("poor", int(poverty.commune_table(db, YEAR)["poor"].sum())))
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))
            time.sleep(0.5)  # a session's reads come a few a second, not back to back

    def writer():
        try:
            time.sleep(0.2)
            for r in range(1, len(COMMUNES)):
                import_households(db, f"ZT{r}", n, commune=COMMUNES[r])          # an import commits
                rollback(db, db.scalar("SELECT id FROM import_batch WHERE file_name = ?",
                                       [f"ZT{r - 1}.csv"]), user="tests")       # an earlier one is undone
                with pytest.raises(ValueError):                                  # another fails and
                    import_households(db, f"ZT{r}X", n, fail=True, commune=("25345", ""))  # rolls back
                time.sleep(0.1)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"writer: {exc!r}")

    readers = [threading.Thread(target=raw_reader if i % 2 else product_reader) for i in range(20)]
    w = threading.Thread(target=writer)
    for th in readers + [w]:
        th.start()
    # Sessions of the dashboard itself, while the writer works.
    app_poor = []
    label = t("poor_households", "vi")
    try:
        while w.is_alive() or not app_poor:
            at = open_app(monkeypatch, db.path, role="viewer", timeout=120)
            assert not at.exception, at.exception
            app_poor += [m.value for m in at.metric if m.label == label]
    finally:
        w.join()
        stop.set()
        for th in readers:
            th.join()

    assert not errors, errors[:5]
    assert len(seen) > 40
    for kind, value in seen:
        if kind == "poor":  # the district figure is always that of a whole state
            assert value in allowed, (value, allowed)
            continue
        live = set()
        for name, rows, status in value:
            if name.endswith("X"):
                assert rows == 0 and status is None, value     # the failed import never shows
            else:
                assert (rows, status) in ((n, "committed"), (0, "rolled_back")), value
                if rows:
                    live.add(int(name[2:]))
        assert live in STATES, value                            # batches appear and go whole
    assert app_poor and set(app_poor) <= {fmt_number(v, "vi") for v in allowed}, (app_poor, allowed)
    final = {p: (rows, status) for p, rows, status in db.query(STATE_SQL)}
    assert final == {"ZT0": (0, "rolled_back"), "ZT1": (0, "rolled_back"), "ZT2": (0, "rolled_back"),
                     "ZT3": (n, "committed")}
    assert poverty.household_counts(db, YEAR)["poor"] == base_poor + delta[3]


# -- a crash in the middle of a commit ------------------------------------------------------------------
CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    sys.path.insert(0, {tests!r})
    from analytics.db import Database
    from test_reliability import import_households
    import analytics.db as dbmod

    db = Database({path!r})
    # Announce the commit at the last moment: right before COMMIT is sent.
    real = db.transaction
    from contextlib import contextmanager
    @contextmanager
    def announced():
        with real() as cur:
            yield cur
            print("COMMITTING", flush=True)
    db.transaction = announced
    import_households(db, "CRASH", {n})
    print("COMMITTED", flush=True)
""")


def crash_during_commit(path: Path, n: int, kill_when: str, delay: float = 0.0) -> dict:
    """Run an import of ``n`` rows in a child process and SIGKILL it during its commit: as soon as
    the write-ahead log grows (``kill_when='wal'``) or ``delay`` seconds after COMMIT is sent."""
    wal = Path(str(path) + ".wal")
    code = CHILD.format(root=str(ROOT), tests=str(ROOT / "tests"), path=str(path), n=n)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)
    line = proc.stdout.readline().strip()
    assert line == "COMMITTING", proc.stderr.read()
    wal_at_kill = None
    if kill_when == "wal":
        deadline = time.monotonic() + 30
        start = wal.stat().st_size if wal.exists() else 0
        while time.monotonic() < deadline and proc.poll() is None:
            size = wal.stat().st_size if wal.exists() else 0
            if size > start:
                wal_at_kill = size
                break
            time.sleep(0.0005)
    else:
        time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return {"killed": proc.returncode == -signal.SIGKILL, "wal_at_kill": wal_at_kill}


def check_after_crash(path: Path, before: dict, n: int) -> str:
    """Reopen after the crash: the previous state intact and the batch absent, or the batch whole.
    'before' or 'after'."""
    with Database(path) as db:
        rows = db.scalar("SELECT count(*) FROM household WHERE household_id LIKE 'CRASH-%'")
        committed = db.scalar("SELECT count(*) FROM import_batch WHERE file_name = 'CRASH.csv' "
                              "AND status = 'committed'")
        total = db.scalar("SELECT count(*) FROM household")
        version = db.data_version()
        poor = poverty.household_counts(db, YEAR)["poor"]
        # Every table reads end to end, and the database takes the next write.
        for (table,) in db.query("SELECT table_name FROM duckdb_tables() WHERE NOT temporary"):
            db.query(f'SELECT * FROM "{table}"')
        with db.transaction() as cur:
            cur.execute("INSERT INTO audit_log VALUES (current_timestamp, 'tests', 'after-crash', '{}')")
    if rows == 0:
        assert committed == 0 and total == before["total"] and version == before["version"]
        assert poor == before["poor"]
        return "before"
    assert rows == n and committed == 1 and total == before["total"] + n
    assert version == before["version"] + 1 and poor == before["poor"] - before["thanh_an_poor"] + n
    return "after"


def state_of(path: Path) -> dict:
    with Database(path) as db:
        table = poverty.commune_table(db, YEAR).set_index("code")
        return {"total": db.scalar("SELECT count(*) FROM household"), "version": db.data_version(),
                "poor": poverty.household_counts(db, YEAR)["poor"], "thanh_an_poor": int(table.loc["25327", "poor"])}


@pytest.mark.parametrize("kill_when, delay", [("wal", 0.0), ("delay", 2.0)])
def test_sigkill_during_a_commit_loses_nothing(demo_db_file, tmp_path, kill_when, delay):
    path = tmp_path / "crash.duckdb"
    shutil.copy(demo_db_file, path)
    before, n = state_of(path), 30_000
    info = crash_during_commit(path, n, kill_when, delay)
    outcome = check_after_crash(path, before, n)
    if not info["killed"]:
        assert outcome == "after", info  # the child finished first: the batch is there, whole
    if kill_when == "wal":
        if not (info["killed"] and info["wal_at_kill"] is not None):
            pytest.skip(f"the kill did not land while the commit was being written: {info}")
        # killed while the commit was being written: it must not count as committed
        assert outcome == "before", info


@pytest.mark.slow
def test_sigkill_at_many_moments_of_a_large_commit(demo_db_file, tmp_path):
    outcomes = []
    for i, delay in enumerate([0, 0.001, 0.003, 0.01, 0.03, 0.06, 0.1, 0.2, 0.4, 0.8, 1.5]):
        path = tmp_path / f"crash{i}.duckdb"
        shutil.copy(demo_db_file, path)
        before = state_of(path)
        crash_during_commit(path, 300_000, "delay", delay)
        outcomes.append(check_after_crash(path, before, 300_000))
    assert "before" in outcomes


# -- locked, read-only, full disk -----------------------------------------------------------------------
HOLDER = ("import sys; sys.path.insert(0, {root!r}); from analytics.db import Database; "
          "db = Database({path!r}); print('ready', flush=True); sys.stdin.read()")


def test_a_database_locked_by_another_process(demo_db_file, tmp_path, monkeypatch):
    path = tmp_path / "locked.duckdb"
    shutil.copy(demo_db_file, path)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=str(ROOT), path=str(path))],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "ready"
        for args in (["summary", "--year", "2024"], ["backup", "--out", str(tmp_path / "bk")]):
            r = run_cli(*args, "--db", str(path))
            assert r.returncode == 1, (args, r.stdout, r.stderr)
            assert "locked by another process" in r.stderr and "đang được một chương trình khác" in r.stderr
            no_traceback(r)
        assert not (tmp_path / "bk").exists()
        errors, at = app_errors(monkeypatch, path)
        assert not at.exception
        assert any("locked by another process" in e for e in errors), errors
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    # Once the other process has gone, everything works and nothing changed.
    r = run_cli("summary", "--year", "2023", "--json", "--db", str(path))
    assert r.returncode == 0 and '"poor": 125' in r.stdout


def test_a_read_only_file_system(demo_db_file, monkeypatch):
    with mounted_tmpfs("32m") as where:
        path = where / "ro.duckdb"
        shutil.copy(demo_db_file, path)
        digest = file_digest(path)
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        for args in (["summary", "--year", "2024"], ["init"]):
            r = run_cli(*args, "--db", str(path))
            assert r.returncode == 1, r.stdout
            assert "read-only" in r.stderr and "chỉ đọc" in r.stderr
            no_traceback(r)
        errors, at = app_errors(monkeypatch, path)
        assert not at.exception and any("read-only" in e for e in errors), errors
        assert file_digest(path) == digest


def test_a_file_without_write_permission(demo_db_file):
    """A file whose mode forbids writing (root would ignore the mode: the command runs without
    the capability that lets it)."""
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is missing: cannot drop the file-mode override")
    where = Path(tempfile.mkdtemp(prefix="poverty-ro-"))
    try:
        path = where / "ro.duckdb"
        shutil.copy(demo_db_file, path)
        os.chmod(path, 0o444)
        digest = file_digest(path)

        # root without the capability to override file modes: the mode is enforced as for anyone
        r = subprocess.run(["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all",
                            "--", sys.executable, "-m", "analytics", "summary", "--year", "2024",
                            "--db", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert r.returncode == 1, (r.stdout, r.stderr)
        assert "read-only" in r.stderr
        no_traceback(r)
        assert file_digest(path) == digest
    finally:
        shutil.rmtree(where, ignore_errors=True)


def test_a_full_disk(demo_db_file, monkeypatch):
    with mounted_tmpfs("32m") as where:
        path = where / "full.duckdb"
        shutil.copy(demo_db_file, path)
        before = state_of(path)
        fill_to_leave(where, 256 * 1024)
        db = Database(path)
        try:
            with pytest.raises(DatabaseError) as caught:
                import_households(db, "FULL", 20_000)
            assert caught.value.kind in ("disk_full", "invalidated")
            assert "disk is full" in str(caught.value) or "fatal write error" in str(caught.value)
        finally:
            db.close()
        # Nothing of the batch, nothing else changed, in a fresh process too.
        assert state_of(path) == before
        r = run_cli("summary", "--year", "2023", "--json", "--db", str(path))
        assert r.returncode == 0 and '"poor": 125' in r.stdout, r.stderr
        # The command line says so, without a traceback, and leaves no half backup behind.
        fill_to_leave(where, 0, name="filler2")
        r = run_cli("backup", "--db", str(path), "--out", str(where / "bk"))
        assert r.returncode == 1 and "disk is full" in r.stderr, (r.stdout, r.stderr)
        no_traceback(r)
        assert not (where / "bk").exists() and not (where / "bk.partial").exists()
        # The dashboard still opens and shows the figures (reading needs no space).
        errors, at = app_errors(monkeypatch, path, role="viewer", year=YEAR)
        assert not at.exception and not errors, (at.exception, errors)
        poor = [m.value for m in at.metric if m.label == t("poor_households", "vi")]
        assert poor == [fmt_number(before["poor"], "vi")], poor
        assert state_of(path) == before
