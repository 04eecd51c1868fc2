"""Import batches: every write of data rows belongs to one, recorded in ``import_batch``."""

from __future__ import annotations

import json

import pandas as pd

# Data tables written by batches, with the columns (besides batch_id / superseded_by) they hold.
DATA_TABLES = ("household", "commune_total", "indicator_value", "budget_plan", "disbursement")


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
    cur.execute(
        "UPDATE import_batch SET finished_at = current_timestamp, rows = ?, report = ? WHERE id = ?",
        [rows, json.dumps(report or {}, ensure_ascii=False), batch_id],
    )


def insert_frame(cur, table: str, frame: pd.DataFrame, batch_id: int) -> int:
    """Append a frame's rows to a data table under ``batch_id``; the number of rows."""
    if table not in DATA_TABLES:
        raise ValueError(f"not a data table: {table}")
    frame = frame.assign(batch_id=batch_id)
    cols = ", ".join(frame.columns)
    cur.register("_incoming_rows", frame)
    try:
        cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _incoming_rows")
    finally:
        cur.unregister("_incoming_rows")
    return len(frame)
