"""What an import leaves behind: the report keeps its first rows to show, not the file, so that a
page keeping reports in its session (the Data page's checks) does not keep a large file's rows."""

from __future__ import annotations

import gc
import io

import pandas as pd
from openpyxl import Workbook

from analytics.importer import import_file
from analytics.importer.report import PREVIEW_ROWS

ROWS = 357  # an uncommon length, so that a frame of the file's rows is told from any other


def households(rows: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH HỘ NGHÈO NĂM 2024"])
    ws.append(["Mã hộ", "Xã", "Họ và tên chủ hộ", "Số nhân khẩu", "Thu nhập bình quân", "Phân loại hộ"])
    for i in range(rows):
        ws.append([f"M-{i:04d}", "Xã Thanh An", f"Lê Văn {i}", 1 + i % 6, 900_000 + 1_000 * (i % 50), "Hộ nghèo"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def frames_of_the_file() -> list[pd.DataFrame]:
    """The live DataFrames with as many rows as the file (or its rows plus the header's)."""
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, pd.DataFrame) and ROWS <= len(o) <= ROWS + 3]


def test_a_checked_and_a_committed_import_keep_no_frame_of_the_file(hon_quan_db):
    content = households(ROWS)
    check = import_file(hon_quan_db, content, "many.xlsx", dry_run=True)
    done = import_file(hon_quan_db, content, "many.xlsx")
    assert (check.status, check.rows_imported, done.status, done.rows_imported) == ("valid", ROWS, "committed", ROWS)
    # The first rows to show, in the file's order, as a frame of their own.
    assert check.preview.household_id.tolist() == [f"M-{i:04d}" for i in range(PREVIEW_ROWS)]
    assert len(done.preview) == PREVIEW_ROWS
    assert frames_of_the_file() == []
    assert hon_quan_db.scalar("SELECT count(*) FROM household WHERE batch_id = ?", [done.batch_id]) == ROWS
