"""Import batches: every write of data rows belongs to one, recorded in ``import_batch``."""

from __future__ import annotations

import json

import pandas as pd

from .budget import batch_years, refresh_lines
from .classification import DERIVATION_INPUTS, DERIVED_COLUMNS, derived_select_sql, standard_joins_sql

# Data tables written by batches, each with the (vintage, code) columns of the unit its rows
# belong to: a user's scope is checked on these for every kind of data.
UNIT_COLUMNS = {
    "household": ("commune_vintage", "commune_code"),
    "commune_total": ("commune_vintage", "commune_code"),
    "indicator_value": ("org_vintage", "org_code"),
    "budget_plan": ("org_vintage", "org_code"),
    "disbursement": ("org_vintage", "org_code"),
    "support": ("commune_vintage", "commune_code"),
    "review_figure": ("commune_vintage", "commune_code"),
}
DATA_TABLES = tuple(UNIT_COLUMNS)


def rows_outside(table: str, frame: pd.DataFrame, communes: set[tuple[int, str]]) -> pd.Series:
    """Which rows of ``frame`` (bound for ``table``) belong to a unit outside ``communes``
    (vintage, code); a row without a unit is outside too."""
    vintage, code = UNIT_COLUMNS[table]
    allowed = {(int(v), str(c)) for v, c in communes}
    return pd.Series([pd.isna(v) or c is None or (int(v), str(c)) not in allowed
                      for v, c in zip(frame[vintage], frame[code])], index=frame.index, dtype=bool)


def create_batch(cur, *, kind: str, file_name: str | None = None, sha256: str | None = None,
                 user: str | None = None, illustrative: bool = False, year: int | None = None,
                 commune_code: str | None = None) -> int:
    """Record a new batch (status 'committed' once the caller's transaction commits); its id."""
    return cur.execute(
        """INSERT INTO import_batch (kind, file_name, sha256, user_name, started_at, status,
                                     illustrative, year, commune_code)
           VALUES (?, ?, ?, ?, current_timestamp, 'committed', ?, ?, ?) RETURNING id""",
        [kind, file_name, sha256, user, illustrative, year, commune_code],
    ).fetchone()[0]


def finish_batch(cur, batch_id: int, *, rows: int, report: dict | None = None) -> None:
    """Record the batch's row count and report; rebuild the budget lines of the years it wrote."""
    cur.execute(
        "UPDATE import_batch SET finished_at = current_timestamp, rows = ?, report = ? WHERE id = ?",
        [rows, json.dumps(report or {}, ensure_ascii=False), batch_id],
    )
    refresh_lines(cur, batch_years(cur, batch_id))


def insert_frame(cur, table: str, frame: pd.DataFrame, batch_id: int) -> int:
    """Append a frame's rows to a data table under ``batch_id``; the number of rows. A household's
    deprivation count and computed status are derived as it is written (one statement, no second
    pass over the rows), unless the frame brings them."""
    if table not in DATA_TABLES:
        raise ValueError(f"not a data table: {table}")
    frame = frame.assign(batch_id=batch_id)
    columns = list(frame.columns)
    select, source, joins = ", ".join(f"i.{c}" for c in columns), "_incoming_rows", ""
    if table == "household" and not set(DERIVED_COLUMNS) & set(columns):
        columns += DERIVED_COLUMNS
        select += ", " + derived_select_sql("i")
        joins = standard_joins_sql("i", keep_all=True)
        absent = [c for c in DERIVATION_INPUTS if c not in frame.columns]  # NULL in the table too
        if absent:
            source = f"(SELECT *, {', '.join(f'NULL AS {c}' for c in absent)} FROM _incoming_rows)"
    cur.register("_incoming_rows", frame)
    try:
        written = cur.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} "
                              f"FROM {source} i {joins}").fetchone()[0]
    finally:
        cur.unregister("_incoming_rows")
    if written != len(frame):  # a join may never add or drop a row
        raise RuntimeError(f"{table}: {written} rows written for {len(frame)}")
    return len(frame)


# The rows a new batch replaces: those of the same key (a households file replaces the
# (year, commune) pairs it covers; a disbursement snapshot the same date and line ...).
SUPERSEDE_KEYS = {
    "household": ("year", "commune_vintage", "commune_code"),
    "commune_total": ("year", "commune_vintage", "commune_code"),
    "indicator_value": ("year", "org_vintage", "org_code", "indicator_code", "kind"),
    "budget_plan": ("year", "project", "sub_project", "source", "org_vintage", "org_code"),
    "disbursement": ("year", "as_of", "project", "sub_project", "source", "org_vintage", "org_code"),
    # A support file replaces the support files' rows of the (year, commune) pairs it covers; a
    # households list, the ticks of the previous list.
    "support": ("year", "commune_vintage", "commune_code", "origin"),
    "review_figure": ("year", "commune_vintage", "commune_code", "form", "status"),
}


class BatchError(Exception):
    """A batch operation that cannot be done (unknown batch, already rolled back, superseded)."""


def supersede(cur, table: str, batch_id: int) -> int:
    """Mark as replaced by ``batch_id`` the live rows of other batches that share a key with the
    rows ``batch_id`` wrote (kept, never deleted); the number of rows replaced."""
    keys = SUPERSEDE_KEYS[table]
    match = " AND ".join(f"n.{k} IS NOT DISTINCT FROM o.{k}" for k in keys)
    return cur.execute(
        f"""UPDATE {table} AS o SET superseded_by = ?
            WHERE o.superseded_by IS NULL AND o.batch_id <> ?
              AND EXISTS (SELECT 1 FROM (SELECT DISTINCT {', '.join(keys)} FROM {table}
                                         WHERE batch_id = ?) AS n WHERE {match})""",
        [batch_id, batch_id, batch_id]).fetchone()[0]


def find_duplicate(db, sha256: str) -> tuple[int, str] | None:
    """(id, kind) of the live batch that imported a file with this SHA-256, if any."""
    rows = db.query("SELECT id, kind FROM import_batch WHERE sha256 = ? AND status = 'committed' "
                    "ORDER BY id LIMIT 1", [sha256])
    return rows[0] if rows else None


def list_batches(db, limit: int = 200, communes: set[tuple[int, str]] | None = None,
                 user: str | None = None) -> pd.DataFrame:
    """Batches newest first: id, kind, file_name, user_name, started_at, finished_at, status,
    rows, illustrative, year, commune_code, rolled_back_at. ``communes`` (vintage, code): only
    batches whose rows (of any kind) all fall inside them (None: all), and every batch ``user``
    created, also one without rows (empty, or rolled back), and ``user``'s refused files
    (status 'refused', no id)."""
    frame = db.frame(
        """SELECT id, kind, file_name, user_name, started_at, finished_at, status, rows,
                  illustrative, year, commune_code, rolled_back_at, rolled_back_by
           FROM import_batch ORDER BY id DESC LIMIT ?""", [int(limit)])
    if user:  # the user's refused files: no batch, but theirs to see (from the audit log)
        refused = db.frame(
            """SELECT NULL::BIGINT AS id, json_extract_string(detail, '$.kind') AS kind,
                      json_extract_string(detail, '$.file_name') AS file_name, user_name, ts AS started_at,
                      ts AS finished_at, 'refused' AS status, 0 AS rows, false AS illustrative
               FROM audit_log WHERE action = 'import_refused' AND user_name = ?
               ORDER BY ts DESC LIMIT ?""", [user, int(limit)])
        if not refused.empty:
            frame = (pd.concat([frame, refused.reindex(columns=frame.columns)], ignore_index=True)
                     .sort_values("started_at", ascending=False, kind="stable").head(int(limit)))
    if communes is None:
        return frame.reset_index(drop=True)
    inside = _batches_inside(db, communes)
    own = frame.user_name == user if user else False
    return frame[frame.id.isin(inside) | own].reset_index(drop=True)


def _unit_rows(db, communes: set[tuple[int, str]], select: str, batch_id: int | None = None) -> list[tuple]:
    """``select`` over the data rows of every table (of one batch, or of all), each with ``allowed``: whether its unit is among ``communes`` (vintage, code)."""
    allowed = pd.DataFrame(sorted(communes), columns=["vintage", "code"]).astype({"vintage": "int64", "code": "str"})
    where = "" if batch_id is None else f"WHERE batch_id = {int(batch_id)}"
    rows = " UNION ALL ".join(f"SELECT batch_id, {v} AS v, {c} AS c FROM {table} {where}"
                              for table, (v, c) in UNIT_COLUMNS.items())
    cur = db.cursor()
    try:
        cur.register("_allowed_units", allowed)
        return cur.execute(
            f"""WITH r AS ({rows}),
                units AS (SELECT r.batch_id, a.code IS NOT NULL AS allowed
                          FROM r LEFT JOIN _allowed_units a ON a.vintage = r.v AND a.code = r.c)
                {select}""").fetchall()
    finally:
        cur.close()


def _batches_inside(db, communes: set[tuple[int, str]], batch_id: int | None = None) -> set[int]:
    """Batches (all, or only ``batch_id``) that have rows and whose rows all belong to the given
    communes."""
    return {r[0] for r in _unit_rows(db, communes, "SELECT batch_id FROM units GROUP BY batch_id "
                                                   "HAVING bool_and(allowed)", batch_id)}


def holds_rows_outside(db, batch_id: int, communes: set[tuple[int, str]]) -> bool:
    """Whether a batch has rows (of any kind) outside the given communes (vintage, code)."""
    return bool(_unit_rows(db, communes, "SELECT count(*) FILTER (NOT allowed) FROM units", batch_id)[0][0])


def rollback(db, batch_id: int, user: str | None = None,
             communes: set[tuple[int, str]] | None = None) -> dict:
    """Undo a committed batch in one transaction: delete its rows, restore the rows it replaced,
    mark it rolled_back. Refuses a batch whose rows a later live batch has replaced (roll that
    one back first). Returns {batch_id, deleted, restored}."""
    from . import audit

    row = db.query("SELECT status, kind, file_name FROM import_batch WHERE id = ?", [batch_id])
    if not row:
        raise BatchError(f"Không có lô nhập số {batch_id}. / There is no batch {batch_id}.")
    status, kind, file_name = row[0]
    if status != "committed":
        raise BatchError(f"Lô {batch_id} đã được hoàn tác trước đó. / Batch {batch_id} is already rolled back.")
    if communes is not None and batch_id not in _batches_inside(db, communes, batch_id):
        raise BatchError(f"Lô {batch_id} có dữ liệu ngoài các xã bạn được giao. "
                         f"/ Batch {batch_id} holds data outside your communes.")
    later = set()
    for table in DATA_TABLES:
        later |= {r[0] for r in db.query(
            f"SELECT DISTINCT superseded_by FROM {table} WHERE batch_id = ? AND superseded_by IS NOT NULL",
            [batch_id])}
    if later:
        ids = ", ".join(str(b) for b in sorted(later))
        raise BatchError(
            f"Không thể hoàn tác lô {batch_id}: dữ liệu của lô đã được lô {ids} thay thế; hãy hoàn tác "
            f"lô {ids} trước. / Batch {batch_id} cannot be rolled back: its rows were replaced by "
            f"batch {ids}; roll that back first.")
    deleted = restored = 0
    with db.transaction() as cur:
        years = batch_years(cur, batch_id)
        for table in DATA_TABLES:
            deleted += cur.execute(f"DELETE FROM {table} WHERE batch_id = ?", [batch_id]).fetchone()[0]
            restored += cur.execute(f"UPDATE {table} SET superseded_by = NULL WHERE superseded_by = ?",
                                    [batch_id]).fetchone()[0]
        refresh_lines(cur, years)
        cur.execute("""UPDATE import_batch SET status = 'rolled_back', rolled_back_at = current_timestamp,
                       rolled_back_by = ? WHERE id = ?""", [user, batch_id])
        audit.record(cur, "rollback", user, {"batch_id": batch_id, "kind": kind, "file_name": file_name,
                                             "deleted": deleted, "restored": restored})
    return {"batch_id": batch_id, "deleted": deleted, "restored": restored}
