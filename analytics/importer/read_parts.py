"""A large worksheet of an .xlsx read in parts at once, on every core.

python-calamine parses a sheet without holding the interpreter, but one sheet on one core. A
sheet whose XML is large is cut between its rows into (at most) ``PARTS`` workbooks of their own
(the same parts beside it: shared strings, styles). As soon as a part is unpacked, a thread parses it and
turns its rows into Python lists (one thread converts while the others parse); the rows of all
come out as the whole sheet would give them (python-calamine's ``iter_rows``: from the first row,
from the first column holding a cell to the last), blank rows where the XML has none. Whatever looks unusual (a prefixed or empty sheet, rows without
numbers or out of order, a damaged file) is not cut, or the caller reads the sheet again whole,
as always.
"""

from __future__ import annotations

import io
import os
import re
import struct
import threading
import zipfile
from typing import Iterator

from python_calamine import CalamineWorkbook
from zlib_ng import zlib_ng

# A part holds at least this much XML (about 8,000 rows): smaller, its copy costs more than its
# parse on another core gives. A sheet of less than two parts is read whole.
MIN_PART_BYTES = 4 << 20
# Nor beyond this: the parts are copies of the sheet, held while it is parsed.
MAX_SHEET_BYTES = 128 << 20
# At most this many parts (measured on two cores: 0.71 s whole, 0.48 s in two parts, 0.43 s in
# four): while one thread converts its rows (holding the interpreter), the others parse.
PARTS = 4
# Unpacked past a part's share until a row starts, by this much at a time, so many times at most.
LOOK_AHEAD, LOOK_AHEAD_STEPS = 1 << 16, 16

_SHEET_DATA, _SHEET_DATA_END = b"<sheetData>", b"</sheetData>"
# A zip file's local header: signature ... file name length, extra field length (PKWARE APPNOTE 4.3.7).
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_LOCAL_SIGNATURE = 0x04034B50
_NUMBERED_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
_EMPTY_SHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
_ROOT = re.compile(rb"<(worksheet)\b")  # unprefixed: the closing tags written for a part


class PartsDisagree(Exception):
    """A part's rows do not follow the part's before: the sheet is read whole instead."""


def large_sheets(zf: zipfile.ZipFile, paths: dict[str, str]) -> dict[str, str]:
    """{sheet name: its part} of the worksheets large enough to read in parts (``paths``:
    {part: sheet name}); none on a single core, where parts would only take turns."""
    if _cores() < 2:
        return {}
    return {paths[info.filename]: info.filename for info in zf.infolist()
            if info.filename in paths and 2 * MIN_PART_BYTES <= info.file_size <= MAX_SHEET_BYTES}


def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class SheetParts:
    """One worksheet read as several workbooks: ``start`` cuts it and starts a thread per part
    (False where the sheet is to be read whole); ``rows`` gives every row once the parts are read;
    ``merged`` the merged ranges (once the rows are taken)."""

    def __init__(self, content: bytes, part: str, name: str):
        self.content, self.part, self.name, self.merged = content, part, name, []
        self._threads: list[threading.Thread] = []
        self._read: list[tuple | BaseException | None] = []  # per part: (start, end, rows, merged)

    def start(self) -> bool:
        with zipfile.ZipFile(io.BytesIO(self.content)) as zf:
            info = zf.getinfo(self.part)
            stream = _Inflating(self.content, info)
            if not stream.ok:
                return False
            # The rest of the workbook in every part, but the other sheets empty: a part parses
            # one sheet, and would otherwise carry copies of all the others.
            others = [(i.filename, _EMPTY_SHEET if _WORKSHEET.fullmatch(i.filename) else zf.read(i))
                      for i in zf.infolist() if i.filename != self.part]
        count = max(2, min(PARTS, info.file_size // max(MIN_PART_BYTES, 1)))
        share = info.file_size // count
        text = stream.read(share)
        for _ in range(LOOK_AHEAD_STEPS):  # a long head (columns, views) before the rows
            if _SHEET_DATA in text:
                break
            text += stream.read(LOOK_AHEAD)
        begin, root = text.find(_SHEET_DATA), _ROOT.search(text)
        if begin < 0 or root is None:  # no rows, or prefixed tags: read whole
            return False
        begin += len(_SHEET_DATA)
        head, closing = text[:begin], b"</sheetData></" + root.group(1) + b">"
        text = text[begin:]
        for k in range(count - 1):
            found = _next_cut(stream, text, share if k else max(0, share - begin))
            if found is None:  # fewer parts: the rest of the rows go in the last
                break
            rows, text = found
            self._begin(others, (head, rows, closing))
        if not self._threads:
            return False
        text += stream.read()
        if not stream.intact():  # the file is damaged: the whole read says so
            self.wait()
            return False
        self._begin(others, (head, text))
        return True

    def _begin(self, others, pieces) -> None:
        k = len(self._read)
        self._read.append(None)
        thread = threading.Thread(target=self._parse, args=(_workbook(others, self.part, pieces), k),
                                  name=f"read-part-{k + 1}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _parse(self, buffer: io.BytesIO, k: int) -> None:
        try:
            with CalamineWorkbook.from_filelike(buffer) as wb:
                buffer.close()  # read into the workbook: the copy goes
                sheet = wb.get_sheet_by_name(self.name)
            rows = sheet.to_python(skip_empty_area=True) if sheet.start is not None else []  # from the first cell
            self._read[k] = (sheet.start, sheet.end, rows, sheet.merged_cell_ranges)
        except BaseException as exc:  # noqa: BLE001 - handed over to the reading thread
            self._read[k] = exc

    def wait(self) -> None:
        """Let every part's thread end (also when the rows were not all taken)."""
        for thread in self._threads:
            thread.join()

    def rows(self) -> Iterator[list]:
        self.wait()
        read, self._read = self._read, []
        for found in read:
            if isinstance(found, BaseException):
                raise found
        self.merged = list(read[-1][3] or [])  # the tail of the XML (merged cells) is the last part's
        parts = [(start, end, rows) for start, end, rows, _ in read if start is not None]  # not of empty cells only
        del read
        if not parts:
            return
        # As the whole sheet's rows: from its first row (blank rows above the first cell), from the
        # first column holding a cell to the last.
        left, right = min(start[1] for start, _, _ in parts), max(end[1] for _, end, _ in parts)
        last = -1  # the last row given
        while parts:
            (top, first), end, rows = parts.pop(0)
            if top <= last:
                raise PartsDisagree(self.name)  # rows out of order
            for _ in range(top - last - 1):
                yield [""] * (right - left + 1)
            before, after = [""] * (first - left), [""] * (right - end[1])
            for row in rows:
                yield before + row + after if before or after else row
            last = end[0]

class _Inflating:
    """A deflated part of a zip file unpacked as it is read, with zlib-ng (twice as fast as the
    zlib beside zipfile, on the read's critical path); its CRC checked at the end. ``ok`` is
    False for a part not deflated (read whole instead)."""

    def __init__(self, content: bytes, info: zipfile.ZipInfo):
        local = content[info.header_offset:info.header_offset + _LOCAL_HEADER.size]
        fields = _LOCAL_HEADER.unpack(local) if len(local) == _LOCAL_HEADER.size else None
        self.ok = (info.compress_type == zipfile.ZIP_DEFLATED and fields is not None
                   and fields[0] == _LOCAL_SIGNATURE)
        start = info.header_offset + _LOCAL_HEADER.size + (fields[-2] + fields[-1] if self.ok else 0)
        self._input = memoryview(content)[start:start + info.compress_size]
        self._inflate = zlib_ng.decompressobj(-zlib_ng.MAX_WBITS)
        self._crc, self._expected, self._size = 0, info.CRC, info.file_size

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            out = self._inflate.decompress(self._input) + self._inflate.flush()
            self._input = b""
        else:
            out = self._inflate.decompress(self._input, size)
            self._input = self._inflate.unconsumed_tail
        self._crc = zlib_ng.crc32(out, self._crc)
        self._size -= len(out)
        return out

    def intact(self) -> bool:
        """All of it read, as long and with the CRC the zip file records."""
        return self._size == 0 and self._crc == self._expected and self._inflate.eof


def _next_cut(stream: _Inflating, text: bytes, size: int) -> tuple[bytes, bytes] | None:
    """(the rows of ``text`` before the first row starting at least ``size`` bytes into it, the
    text from that row on), unpacking more as needed; None where the rows end first or the row
    there carries no number (the rows after it would lose theirs)."""
    if len(text) < size:
        text += stream.read(size - len(text))
    searched = max(0, min(size, len(text)) - 4)
    for _ in range(LOOK_AHEAD_STEPS):
        cut, end = text.find(b"<row", searched), text.find(_SHEET_DATA_END, searched)
        if end >= 0 and (cut < 0 or end < cut):
            return None  # the rows end before the cut
        if cut >= 0:
            break
        more = stream.read(LOOK_AHEAD)
        if not more:
            return None
        searched = max(0, len(text) - 16)
        text += more
    else:
        return None  # no row starts near the cut (a row of megabytes?): not cut there
    if not _NUMBERED_ROW.match(text, cut):
        return None
    return text[:cut], text[cut:]


def _workbook(others: list[tuple[str, bytes]], part: str, pieces) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, data in others:
            zf.writestr(name, data)
        with zf.open(part, "w") as f:
            for piece in pieces:
                f.write(piece)
    out.seek(0)
    return out
