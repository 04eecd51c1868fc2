"""One file in, one report out: read -> find the header -> map columns -> skip the rows that are
not data -> build and check the kind's rows (``kinds``) -> report -> commit as one batch (all rows
or none, replacing what the batch covers)."""

from __future__ import annotations

import gc
import hashlib
import re
import threading
from contextlib import contextmanager
from itertools import repeat
from typing import Callable

import numpy as np
import pandas as pd

from .. import audit, registry
from ..batches import (UNIT_COLUMNS, create_batch, find_duplicate, finish_batch, holds_rows_outside,
                       insert_frame, rows_outside, supersede)
from ..reference import get_setting
from .clean import blank
from .grid import SHEET_STRIDE, Grid, canonical_header, excel_row, require
from .header import Column, Header, cell_text, find_header, read_title
from .importkind import ImportKind
from .kinds import REGISTRY
from .read import ReadError, check_archive, check_size, read_workbook
from .report import PREVIEW_ROWS, ImportReport
from ..text import fix_text, fold

Progress = Callable[[float, str], None]
TOTAL_WORDS = {"tongcong", "cong", "tong", "tongso", "congtong", "tongcongtoanxa", "tongcongtoanhuyen"}
_COLUMN_NUMBER = re.compile(r"^\(?([A-Za-z]|\d{1,2})\)?$|^\d{1,2}\s*=\s*[\d\s+\-*/x×().%]+$")
_SECTION_HAMLET = re.compile(r"^(?:[IVXLC]+|\d+|[a-z])[\.\)]\s*(.+)$")
HAMLET_WORDS = ("ap", "thon", "khupho", "to", "ban", "buon", "soc", "phum", "khu")


# -- entry point ---------------------------------------------------------------------------
def import_file(db, content: bytes, file_name: str, *, kind: str | None = None, year: int | None = None,
                commune: str | None = None, province: str | None = None, dry_run: bool = False, user: str | None = None,
                lang: str = "vi", communes: set[tuple[int, str]] | None = None,
                illustrative: bool = False, progress: Progress | None = None) -> ImportReport:
    """Read, validate and (unless ``dry_run``) commit one file as one batch; the report.

    ``kind`` is a name of the registry (``kinds.REGISTRY``; None: detected from the headers).
    ``province`` narrows unit names as a province column would (the title's otherwise); a unit of
    the national registry not yet worked with is adopted in the import's own transaction.
    ``communes`` (vintage, code) limits what the import may touch (None: all); a file with rows
    outside them is rejected. Status: committed | valid (dry run) | rejected | duplicate.
    A refused file of a named ``user`` is audited (it writes no batch, but its user's history
    lists it).
    """
    with cyclic_gc_paused():
        report = _import_file(db, content, file_name, kind=kind, year=year, commune=commune, province=province,
                              dry_run=dry_run, user=user, lang=lang, communes=communes,
                              illustrative=illustrative, progress=progress)
    if report.status == "rejected" and user:
        audit.record(db, "import_refused", user, {"file_name": file_name, "kind": report.kind,
                                                  "errors": len(report.errors)})
    return report


_gc_pauses = 0  # imports running with the collector paused
_gc_resume = False  # whether it ran before the first of them
_gc_lock = threading.Lock()


@contextmanager
def cyclic_gc_paused():
    """Python's cyclic garbage collector paused while a file is read, checked and written: its rows
    are millions of new lists and values, none in a cycle, and their number alone sets off full
    collections of the whole process again and again (a tenth of the import's time). Reference
    counting still frees all that is let go of meanwhile. Imports running at once resume the
    collector when the last of them ends, and only if it was running before."""
    global _gc_pauses, _gc_resume
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_resume = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_resume:
                gc.enable()


def _import_file(db, content: bytes, file_name: str, *, kind, year, commune, province, dry_run, user, lang,
                 communes, illustrative, progress) -> ImportReport:
    step = progress or (lambda fraction, text: None)
    report = ImportReport(file_name=file_name, lang=lang, kind=kind)
    report.sha256 = hashlib.sha256(content or b"").hexdigest()
    try:
        check_size(content, float(get_setting(db, "upload_max_mb", "50")))
        check_archive(content, float(get_setting(db, "import_max_inflated_mb", "1000")),
                      float(get_setting(db, "import_max_compression_ratio", "200")))
    except ReadError as exc:
        report.error(exc.key, **exc.values)
        return report
    duplicate = find_duplicate(db, report.sha256)
    # Someone else's file (rows outside the user's communes) is not named as a duplicate: it
    # goes through the checks, which refuse it row by row as outside the user's communes.
    if duplicate is not None and (communes is None or not holds_rows_outside(db, duplicate[0], communes)):
        batch, report.kind = duplicate
        report.status, report.duplicate_of, report.batch_id = "duplicate", batch, batch
        report.warn("import_warn_duplicate", batch=batch)
        return report
    step(0.1, "read")
    try:
        workbook = read_workbook(content, file_name)
    except ReadError as exc:
        report.error(exc.key, **exc.values)
        return report
    report.text_encoding = workbook.text_encoding
    if not any(any(cell_text(v) for v in row) for s in workbook.sheets for row in s.rows):
        report.error("import_err_empty_file")
        return report
    step(0.25, "header")
    header = find_header(workbook.sheets, [REGISTRY[kind]] if kind else REGISTRY.values())
    if header is None:
        report.error("import_err_no_header")
        return report
    found = REGISTRY[header.kind]
    sheet = workbook.sheets[header.sheet]
    report.kind, report.sheet, report.header_row = found.name, sheet.name, header.row + 1
    report.mapping = [{"column": c.label, "field": c.field, "col_index": c.index}
                      for c in header.columns if c.label or c.field]
    for other in workbook.sheets:
        if other.stray_rows:
            report.warn("import_warn_stray_cells", sheet=other.name, rows=", ".join(map(str, other.stray_rows)))
    parts = _data_sheets(workbook, header, found, report)
    title = read_title(sheet.rows, header.row)
    grid = _grid(parts, header, found)
    if province:
        title.province_option = str(province)
    _classify_rows(grid, found, report)
    if grid.frame.empty:  # a header and nothing under it is not an empty batch
        report.error("import_err_no_data_rows", sheet=sheet.name, row=header.first_data_row)
    if report.errors:
        report.status = "rejected"
        return report
    step(0.45, "clean")
    tables = []
    if require(report, grid, found.name, found.required):
        tables = found.build(db, grid, title, report, year=year, commune=commune, communes=communes)
    if report.preview is not None:  # a copy: a view of the first rows would hold all of them
        report.preview = report.preview.head(PREVIEW_ROWS).copy()
    if communes is not None and not report.errors:
        _check_scope(db, report, tables, communes)
    if report.errors:
        report.status = "rejected"
        return report
    undeclared = {table for table, _ in tables} - set(found.tables)
    if undeclared:  # a kind writes only the tables it declares (rollback and the docs go by them)
        raise ValueError(f"kind {found.name!r} wrote undeclared tables {sorted(undeclared)}")
    report.rows_imported = int(sum(len(f) for _, f in tables))
    if dry_run:
        report.status = "valid"
        return report
    step(0.7, "commit")
    _commit(db, report, found, tables, user=user, illustrative=illustrative)
    step(1.0, "done")
    return report


def _check_scope(db, report: ImportReport, tables, communes) -> None:
    """The scope check every kind passes, whatever it writes (a kind may also flag its rows one
    by one): no row may belong to a unit outside the user's communes (a district's budget plan
    or targets included)."""
    for table, frame in tables:
        outside = rows_outside(table, frame, communes)
        if outside.any():
            vintage, code = (frame.loc[outside, c].iloc[0] for c in UNIT_COLUMNS[table])
            name = db.query("SELECT name FROM org_unit WHERE vintage = ? AND code = ?",
                            [None if pd.isna(vintage) else int(vintage), code])
            report.error("import_err_unit_outside_scope", sheet=report.sheet, value=code,
                         unit=f"{name[0][0]} ({code})" if name else str(code))
            return


def _data_sheets(workbook, header: Header, kind: ImportKind, report: ImportReport) -> list:
    """[(sheet, header)] of the sheets to read: the header's, then every other sheet with a header
    of the same kind and layout (one sheet per hamlet or commune). A sheet of that kind laid out
    otherwise is an error naming it: no sheet of data is skipped in silence."""
    parts = [(workbook.sheets[header.sheet], header)]
    layout = {f: c.index for f, c in header.fields().items()}
    other_layout = []
    for s, sheet in enumerate(workbook.sheets):
        if s == header.sheet:
            continue
        found = find_header([sheet], [kind])
        if found is None or not kind.recognise(found.fields()):
            continue  # instructions, lists: not a data sheet
        if {f: c.index for f, c in found.fields().items()} == layout:
            parts.append((sheet, found))
        else:
            other_layout.append(sheet.name)
    if other_layout:
        report.error("import_err_sheets_other_layout", sheet=parts[0][0].name, sheets=", ".join(other_layout))
    return parts


def _sheet_frame(sheet, header: Header, offset: int) -> pd.DataFrame:
    """The rows under a sheet's header, a cell merged down over data rows repeated on each."""
    rows = sheet.rows[header.first_data_row:]
    first = header.first_data_row
    for (r0, c0), (r1, _c1) in sheet.merged:
        if r1 > r0 and r0 >= first and r0 < len(sheet.rows) and c0 < len(sheet.rows[r0]):
            value = sheet.rows[r0][c0]
            for r in range(r0 + 1, min(r1 + 1, len(sheet.rows))):
                row = rows[r - first]
                if c0 < len(row) and blank(row[c0]):
                    row[c0] = value
    frame = pd.DataFrame(rows, dtype="object") if rows else pd.DataFrame(columns=range(len(header.columns)), dtype="object")
    frame.index = range(offset + first, offset + first + len(frame))
    return frame


def _grid(parts, header: Header, kind: ImportKind) -> Grid:
    frames = [_sheet_frame(sheet, h, k * SHEET_STRIDE) for k, (sheet, h) in enumerate(parts)]
    frame = pd.concat(frames) if len(frames) > 1 else frames[0]
    frame = frame.where(frame.notna(), "") if len(frames) > 1 else frame
    for c in range(len(frame.columns), len(header.columns)):
        frame[c] = ""
    names = tuple(sheet.name for sheet, _ in parts)
    if len(parts) > 1 and "commune" in kind.fields and "commune" not in header.fields():
        # One sheet per commune, each naming its commune in its title (else in its name).
        communes = [read_title(sheet.rows, h.row).commune_text or sheet.name for sheet, h in parts]
        if len(set(communes)) > 1:
            column = len(frame.columns)
            frame[column] = [communes[i // SHEET_STRIDE] for i in frame.index]
            header.columns.append(Column(column, canonical_header(kind.name, "commune"), "commune"))
    return Grid(frame, names[0], header, sheets=names)


# -- rows that are not data ----------------------------------------------------------------
# Folded, a total's words start with t or c: a cheap first look at a cell before folding it.
_TOTAL_START = re.compile(r"[\W_]*[tTcC]")


def _is_total_text(value) -> bool:
    """A cell reading "Tổng cộng", "Cộng", "(Tổng số)" ... (a total row, not data)."""
    if type(value) is not str or not _TOTAL_START.match(value):
        return False
    folded = fold(value)
    return folded in TOTAL_WORDS or folded.startswith("tongcong")


def _total_cells(cells: np.ndarray) -> np.ndarray:
    """Which cells of a column read as a total ("Tổng cộng"): each distinct text judged once, and
    only those starting as a total may (found at C speed in a column of text alone)."""
    codes, uniques = pd.factorize(cells)
    types = pd.api.types.infer_dtype(uniques, skipna=False)
    if types in ("integer", "floating", "mixed-integer-float", "boolean"):
        return np.zeros(len(cells), dtype=bool)
    if types == "string":
        starts = np.flatnonzero(np.fromiter(map(bool, map(_TOTAL_START.match, uniques)), dtype=bool,
                                            count=len(uniques)))
    else:  # numbers with a few texts (a column of STT): the texts found at C speed
        texts = np.flatnonzero(np.fromiter(map(isinstance, uniques, repeat(str)), dtype=bool, count=len(uniques)))
        starts = [i for i in texts if _TOTAL_START.match(uniques[i])]
    hits = [i for i in starts if _is_total_text(uniques[i])]
    return np.isin(codes, hits) if hits else np.zeros(len(cells), dtype=bool)


def _blank_cells(cells: np.ndarray) -> np.ndarray:
    """Which cells of a column are blank: missing (None, NaN), or text of nothing but spaces.
    '' (the reader's empty cell) is found at C speed; the other cells by the column's type, found
    in one pass at C speed too (text: ``str.isspace`` over them, numbers: NaN); a column of mixed
    types cell by cell."""
    blanks = cells == ""
    rest = np.flatnonzero(~blanks)
    if not len(rest):
        return blanks
    values = cells[rest]
    types = pd.api.types.infer_dtype(values, skipna=False)
    if types == "string":
        blanks[rest] = np.fromiter(map(str.isspace, values), dtype=bool, count=len(values))
    elif types in ("floating", "mixed-integer-float"):
        blanks[rest] = values != values  # NaN
    elif types not in ("integer", "boolean"):  # never blank: whole numbers, ticks
        blanks[rest] = np.fromiter((v is None or (v.__class__ is str and v.isspace()) or (v.__class__ is float and v != v)
                                    for v in values), dtype=bool, count=len(values))
    return blanks


def _filled_counts(frame: pd.DataFrame, key: pd.Series | None) -> tuple[pd.Series, pd.Series | None]:
    """(how many cells of each row are filled, which rows have an empty key cell; None without a
    key column). Only rows without a key can be blank or a section row, so only their cells are
    counted: a row with a key counts 1 (its key), the rest of its cells not looked at."""
    if key is None:
        rows = np.arange(len(frame))
        counts = np.zeros(len(frame), dtype=np.int64)
        key_empty = None
    else:
        empty = _blank_cells(key.to_numpy(dtype=object))
        rows = np.flatnonzero(empty)
        counts = np.ones(len(frame), dtype=np.int64)
        counts[rows] = 0
        key_empty = pd.Series(empty, index=frame.index)
    if len(rows):
        for c in frame.columns:
            counts[rows] += ~_blank_cells(frame[c].to_numpy(dtype=object)[rows])
    return pd.Series(counts, index=frame.index), key_empty


def _classify_rows(grid: Grid, kind: ImportKind, report: ImportReport) -> None:
    """Mark blank rows, the column-number row, section rows ("I. Ấp 1"), the total row and what
    follows it as skipped (listed with their row numbers); keep the rest in ``grid.frame``."""
    frame = grid.frame
    report.rows_read = len(frame)
    if frame.empty:
        return
    is_total = np.zeros(len(frame), dtype=bool)
    for c in frame.columns[:4]:  # total row ("Tổng cộng") in the first columns
        is_total |= _total_cells(frame[c].to_numpy(dtype=object))
    key = grid.col(kind.key_field)
    filled, key_empty = _filled_counts(frame, key)
    is_total = pd.Series(is_total, index=frame.index)
    reason = pd.Series(None, index=frame.index, dtype="object")
    reason[filled == 0] = "blank"
    # Column numbers (A, B, 1, 2 ... or 4=3/1*100) right under the header.
    for idx in frame.index[:3]:
        cells = [cell_text(v) for v in frame.loc[idx] if cell_text(v)]
        if len(cells) >= 3 and all(_COLUMN_NUMBER.match(c) for c in cells):
            reason[idx] = "column_numbers"
            # The header's further rows above it ("Số hộ | Tỷ lệ" under a three-row header).
            reason[(frame.index < idx) & reason.isna()] = "header"
            grid.column_numbers = {c: cell_text(v) for c, v in frame.loc[idx].items() if cell_text(v)}
    # Everything after the total row (signatures) goes too, unless the total heads the table
    # (then what follows a later total goes). A heading total may span several rows: its "Hộ"
    # and "Nhân khẩu" rows under one merged name (forms 2 and 3).
    totals = frame.index[is_total.to_numpy()]
    first_data = frame.index[reason.isna().to_numpy()][:1]
    heading = set()
    if len(first_data) and is_total[first_data[0]]:
        pos = frame.index.get_loc(first_data[0])
        while pos < len(frame) and is_total.iloc[pos]:
            heading.add(frame.index[pos])
            pos += 1
    after = [i for i in totals if i not in heading]
    if after:
        reason[(frame.index > after[0]) & reason.isna()] = "after_total"
    if not kind.keeps_totals:
        reason[totals] = "total"
    hamlets = pd.Series(None, index=frame.index, dtype="object")
    if key is not None:
        section = kind.section_rows(grid.header, filled, key_empty) & reason.isna()
        reason[section] = "section"
        for idx in frame.index[section]:
            text = next((cell_text(v) for v in frame.loc[idx] if cell_text(v)), "")
            text = fix_text(text)[0]
            m = _SECTION_HAMLET.match(text)
            name = m.group(1) if m else text
            hamlets[idx] = name if fold(name).startswith(HAMLET_WORDS) else None
        # A section row starts a new hamlet (or ends the previous one).
        sections = frame.index[section]
        if len(sections):
            marker = pd.Series(np.nan, index=frame.index, dtype="object")
            marker[sections] = hamlets[sections].fillna("")
            hamlets = marker.ffill().replace("", None)
    if len(grid.sheets) > 1:  # one sheet per hamlet: the sheet's name is its rows' hamlet
        named = {k: n for k, n in enumerate(grid.sheets) if fold(n).startswith(HAMLET_WORDS)}
        if named:
            by_sheet = pd.Series([named.get(i // SHEET_STRIDE) for i in frame.index], index=frame.index, dtype="object")
            hamlets = hamlets.where(hamlets.notna(), by_sheet)
    skipped = reason.notna()
    report.skipped = [{"sheet": grid.sheet_of(i), "row": excel_row(i), "reason": reason[i]} for i in frame.index[skipped]]
    report.rows_skipped = int(skipped.sum())
    kept = np.flatnonzero(~skipped.to_numpy())
    # Rows kept in one run (skipped ones only above and below, as usual): a slice, not a copy of
    # every cell.
    rows = slice(kept[0], kept[-1] + 1) if len(kept) and kept[-1] - kept[0] + 1 == len(kept) else kept
    grid.frame = frame.iloc[rows]
    grid.section_hamlet = hamlets.iloc[rows]
    grid.totals = is_total.iloc[rows]


# -- committing --------------------------------------------------------------------------------
def _commit(db, report: ImportReport, kind: ImportKind, tables, *, user, illustrative) -> None:
    """All rows of the file in one transaction, as one batch replacing what it covers."""
    year = report.year if isinstance(report.year, int) else None
    with db.transaction() as cur:
        batch = create_batch(cur, kind=report.kind, file_name=report.file_name, sha256=report.sha256,
                             user=user, illustrative=illustrative, year=year, commune_code=report.commune)
        for vintage in sorted({v for v, _ in report.adopt}):  # units of the country named for the first time
            registry.adopt(cur, vintage, [c for v, c in report.adopt if v == vintage])
        replaced = 0
        for table, frame in tables:
            insert_frame(cur, table, frame, batch)
            replaced += supersede(cur, table, batch)
        if kind.derive is not None:
            kind.derive(cur, batch)
        report.batch_id, report.superseded_rows, report.status = batch, replaced, "committed"
        finish_batch(cur, batch, rows=report.rows_imported, report=report.to_dict())
        audit.record(cur, "import", user, {"batch_id": batch, "kind": report.kind, "file_name": report.file_name,
                                           "rows": report.rows_imported, "replaced": replaced})
