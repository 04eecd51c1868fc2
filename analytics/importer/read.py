"""Reading an uploaded file into grids of cells, after the safety checks.

Spreadsheets (.xlsx, .xlsm, .xls, .ods) are read with python-calamine; text files (.csv, .txt)
with the csv module after guessing the encoding (UTF-8 with or without BOM, UTF-16 as Excel's
"Unicode text" writes it, Windows-1258) and the delimiter (comma, semicolon or tab).
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from zlib import error as zlib_error

from python_calamine import CalamineError, CalamineWorkbook

from .read_parts import SheetParts, large_sheets

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
# A run of this many blank rows ends a sheet's data: a lone cell far below it (which stretches the
# used range to row 1,048,576) is listed, not read as a million blank rows.
BLANK_GAP = 5000
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


class ReadError(Exception):
    """A file that cannot be read at all; ``key`` names the i18n message, ``values`` fill it."""

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass
class Sheet:
    """One sheet: rows of cells as the reader gives them ('' for an empty cell)."""
    name: str
    rows: list[list]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    stray_rows: list[int] = field(default_factory=list)  # Excel rows of lone cells far below the data


@dataclass
class Workbook:
    sheets: list[Sheet]
    file_format: str  # xlsx | xls | ods | csv
    text_encoding: str | None = None  # for csv


def check_size(content: bytes, max_mb: float) -> None:
    """Refuse an empty file or one over the upload limit."""
    if not content:
        raise ReadError("import_err_empty_file")
    if len(content) > max_mb * 1024 * 1024:
        raise ReadError("import_err_too_large", size=round(len(content) / 1024 / 1024, 1), limit=max_mb)


def check_archive(content: bytes, max_inflated_mb: float, max_ratio: float) -> None:
    """Refuse a zip archive (xlsx, ods) that would inflate beyond a safe bound, from the sizes its
    directory declares, before anything is decompressed."""
    if not content.startswith(b"PK"):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise ReadError("import_err_not_spreadsheet") from None
    inflated = sum(i.file_size for i in infos)
    compressed = sum(i.compress_size for i in infos) or 1
    if inflated > max_inflated_mb * 1024 * 1024 or inflated / compressed > max_ratio:
        raise ReadError("import_err_zip_bomb", inflated=round(inflated / 1024 / 1024), ratio=round(inflated / compressed))


def _suffix(file_name: str) -> str:
    name = file_name.lower()
    return name[name.rfind("."):] if "." in name else ""


def read_workbook(content: bytes, file_name: str) -> Workbook:
    """The sheets of a spreadsheet or text file. Raises ReadError for what is not a table."""
    suffix = _suffix(file_name)
    if suffix in TEXT_SUFFIXES:
        return _read_text(content)
    fmt = "xlsx" if content.startswith(b"PK") and suffix != ".ods" else (suffix.lstrip(".") or "xls")
    if content.startswith(b"PK"):
        compact, far_rows = compact_sparse_sheets(content)
        if far_rows:
            try:
                return Workbook(_read_sheets(compact, far_rows), fmt)
            except (_MovedRowRead, ReadError, CalamineError, ValueError, OSError, TypeError):
                pass  # read the file as it is
    try:
        try:
            return Workbook(_read_sheets(content, {}, in_parts=True), fmt)
        except _PartsFailed:
            return Workbook(_read_sheets(content, {}), fmt)
    except (CalamineError, ValueError, OSError, TypeError):
        if suffix in SPREADSHEET_SUFFIXES or content.startswith(b"PK") or b"\x00" in content[:2048]:
            raise ReadError("import_err_not_spreadsheet") from None
        return _read_text(content)  # a text table saved under another name


class _MovedRowRead(Exception):
    """A row moved up by ``compact_sparse_sheets`` was read as data, not as a stray cell: its
    row number would be wrong (the rows above the run of missing ones were all blank)."""


class _PartsFailed(Exception):
    """A large sheet read in parts (``read_parts``) failed: the file is read again, whole."""


def _read_sheets(content: bytes, far_rows: dict[str, dict[int, int]], in_parts: bool = False) -> list[Sheet]:
    """Every sheet, read with python-calamine (``in_parts``: a large sheet of an .xlsx in two
    parts at once, see ``read_parts``); the stray rows of moved rows named by their row number in
    the file."""
    large = _large_sheets(content) if in_parts else {}
    sheets = []
    with CalamineWorkbook.from_filelike(io.BytesIO(content)) as wb:
        for name in wb.sheet_names:
            parts = SheetParts(content, large[name], name) if name in large else None
            if parts is not None and _started(parts):
                try:
                    rows, stray = _data_rows(parts.rows())
                except Exception as exc:  # noqa: BLE001 - read whole, which reports what is wrong
                    raise _PartsFailed(name) from exc
                finally:
                    parts.wait()
                merged = parts.merged
            else:
                try:
                    sheet = wb.get_sheet_by_name(name)
                    rows, stray = _data_rows(sheet.iter_rows())
                    merged = sheet.merged_cell_ranges or []
                except CalamineError:
                    raise ReadError("import_err_not_spreadsheet") from None
            moved = far_rows.get(name, {})
            if moved and len(rows) >= min(moved):
                raise _MovedRowRead(name)
            sheets.append(Sheet(name, rows, list(merged), [moved.get(r, r) for r in stray]))
    return sheets


def _started(parts: SheetParts) -> bool:
    """Whether the sheet is being read in parts: not where it cannot be cut, nor where cutting it
    fails (a damaged file: the whole read reports it)."""
    try:
        return parts.start()
    except Exception:  # noqa: BLE001 - see above
        parts.wait()
        return False


def _large_sheets(content: bytes) -> dict[str, str]:
    """{sheet name: its part} of an .xlsx's sheets large enough to read in parts."""
    if not content.startswith(b"PK"):
        return {}
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            return large_sheets(zf, _sheet_names(zf))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return {}


_DIMENSION = re.compile(rb'<dimension\s+ref="[A-Z]*(\d*):?[A-Z]*(\d*)"')
_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
# Fewer bytes of XML than this per row of a sheet's used range: rows are missing, as below a
# stray cell (a row of two short cells takes about 80 bytes).
SPARSE_BYTES_PER_ROW = 64


def compact_sparse_sheets(content: bytes) -> tuple[bytes, dict[str, dict[int, int]]]:
    """An .xlsx whose sheets have a run of more than ``BLANK_GAP`` missing rows (a stray cell far
    below the data) with the rows beyond the run moved up to just after ``BLANK_GAP`` blank rows:
    the reader builds every sheet as a full grid, and a cell on row 1,048,576 would cost a
    million rows of it. Also {sheet name: {moved row number: its row number in the file}}. The
    file as it is when no sheet is sparse, or when it cannot be read so (the reader judges)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            sparse = {}
            for info in zf.infolist():
                if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                    continue
                with zf.open(info) as f:
                    m = _DIMENSION.search(f.read(4096))
                span = int(m.group(2) or m.group(1) or 0) if m else 0
                if span > 2 * BLANK_GAP and info.file_size < span * SPARSE_BYTES_PER_ROW:
                    xml, moved = _move_far_rows(zf.read(info))
                    if moved:
                        sparse[info.filename] = (xml, moved)
            if not sparse:
                return content, {}
            names = _sheet_names(zf)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as compact:
                for info in zf.infolist():
                    compact.writestr(info.filename, sparse[info.filename][0] if info.filename in sparse
                                     else zf.read(info))
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, EOFError, zlib_error):
        return content, {}
    return out.getvalue(), {names.get(path, path): moved for path, (_, moved) in sparse.items()}


def _move_far_rows(xml: bytes) -> tuple[bytes, dict[int, int]]:
    """A sheet's XML with the rows after its first run of more than ``BLANK_GAP`` missing rows
    renumbered to follow ``BLANK_GAP`` blank rows, one after the other; {new: old} row numbers."""
    rows = [(m.start(), int(m.group(1))) for m in _ROW.finditer(xml)]
    cut = next((k for k in range(len(rows) - 1) if rows[k + 1][1] - rows[k][1] - 1 > BLANK_GAP), None)
    if cut is None:
        return xml, {}
    end = xml.find(b"</sheetData>", rows[-1][0])
    if end < 0:
        return xml, {}
    first = rows[cut][1] + BLANK_GAP + 1
    parts, moved = [xml[:rows[cut + 1][0]]], {}
    for k, (start, old) in enumerate(rows[cut + 1:]):
        stop = rows[cut + 2 + k][0] if cut + 2 + k < len(rows) else end
        new = first + k
        moved[new] = old
        # The row's number and its cells' references ("L1048576") all name the old row.
        parts.append(re.sub(rb'\br="([A-Z]*)' + str(old).encode() + rb'"',
                            lambda m, new=new: b'r="' + m.group(1) + str(new).encode() + b'"', xml[start:stop]))
    parts.append(xml[end:])
    last = str(first + len(moved) - 1).encode()
    text = _DIMENSION.sub(lambda m: re.sub(rb"\d+\"$", last + b'"', m.group(0)), b"".join(parts), count=1)
    return text, moved


def _sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """{worksheet part: sheet name} from the workbook and its relationships."""
    def attribute(tag: bytes, name: bytes) -> str | None:
        m = re.search(rb"\b" + name + rb'="([^"]*)"', tag)
        return html.unescape(m.group(1).decode("utf-8")) if m else None

    targets = {attribute(tag, b"Id"): attribute(tag, b"Target")
               for tag in re.findall(rb"<Relationship\b[^>]*>", zf.read("xl/_rels/workbook.xml.rels"))}
    names = {}
    for tag in re.findall(rb"<sheet\b[^>]*>", zf.read("xl/workbook.xml")):
        target = targets.get(attribute(tag, b"r:id"))
        if target:
            target = target.lstrip("/")
            names[target if target.startswith("xl/") else "xl/" + target] = attribute(tag, b"name")
    return names


def _is_blank_row(row: list) -> bool:
    first = next(filter(None, row), None)  # the first truthy cell, found at C speed
    if first is None:  # only '', None, 0 or False: blank unless a number or a tick is there
        return row.count("") + row.count(None) == len(row)
    if first.__class__ is str and not first.strip():  # spaces first: look at every cell
        return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)
    return False


def _data_rows(rows) -> tuple[list[list], list[int]]:
    """The rows up to the last non-blank one, stopping at a run of ``BLANK_GAP`` blank rows; and
    the Excel row numbers of the non-blank rows beyond such a run (a few, to name them)."""
    kept: list[list] = []
    last = -1  # index of the last non-blank row
    rows = enumerate(rows)
    for i, row in rows:
        # Inline, the common case: a first truthy cell that is not spaces makes the row not blank.
        first = next(filter(None, row), None)
        if (first is not None and not (first.__class__ is str and first.isspace())) or not _is_blank_row(row):
            last = i
        elif last >= 0 and i - last >= BLANK_GAP:
            break
        kept.append(row)
    del kept[last + 1:]
    stray: list[int] = []
    # Below the run: only the row numbers of the few cells there. A row of '' or None (the most)
    # is passed over without a call.
    for i, row in rows:
        if (any(row) or row.count("") + row.count(None) != len(row)) and not _is_blank_row(row):
            stray.append(i + 1)
            if len(stray) == 5:
                break
    return kept, stray


def decode_text(content: bytes) -> tuple[str, str]:
    """(text, encoding) of a text file: BOMs first, then UTF-8, then Windows-1258."""
    if content.startswith(codecs.BOM_UTF8):
        return content[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16"), "utf-16"
    if b"\x00" in content[:200]:  # UTF-16 without a BOM
        return content.decode("utf-16-le", errors="strict"), "utf-16-le"
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # Windows-1258 writes tones as combining marks: compose them.
        return unicodedata.normalize("NFC", content.decode("cp1258")), "windows-1258"
    except UnicodeDecodeError:
        raise ReadError("import_err_not_spreadsheet") from None


def _read_text(content: bytes) -> Workbook:
    try:
        text, encoding = decode_text(content)
    except UnicodeDecodeError:
        raise ReadError("import_err_not_spreadsheet") from None
    if "\x00" in text or not text.strip():
        raise ReadError("import_err_empty_file" if not text.strip() else "import_err_not_spreadsheet")
    sample = text[:20000]
    lines = [ln for ln in sample.splitlines() if ln.strip()][:30]
    counts = {d: sum(ln.count(d) for ln in lines) for d in (",", ";", "\t")}
    delimiter = max(counts, key=counts.get)
    if counts[delimiter] == 0:
        raise ReadError("import_err_not_spreadsheet")
    # newline=None: CR-only (old Mac exports) and mixed line endings read like LF.
    rows = [list(r) for r in csv.reader(io.StringIO(text, newline=None), delimiter=delimiter)]
    return Workbook([Sheet("CSV", rows)], "csv", encoding)
