"""A large worksheet of an .xlsx read in two parts at once, one per core.

python-calamine parses a sheet without holding the interpreter, but one sheet on one core. A
sheet whose XML is large is cut between two of its rows into two workbooks of their own (the
same parts beside it: shared strings, styles). As soon as the first part is unpacked, a thread
parses it and turns its rows into Python lists, while this thread unpacks and parses the second;
the rows of both come out as the whole sheet would give them: from A1, every row as wide as the
widest, blank rows where the XML has none. Whatever looks unusual (a prefixed or empty sheet,
rows without numbers or out of order, a first part narrower than the second) is not cut, or the
caller reads the sheet again whole, as always.
"""

from __future__ import annotations

import io
import re
import struct
import threading
import zipfile
from typing import Iterator

from python_calamine import CalamineWorkbook
from zlib_ng import zlib_ng

# Sheets with less XML than this are read whole: the copies cost more than a second core gives.
MIN_PART_BYTES = 8 << 20
# Nor beyond this: the two parts are copies of the sheet, held while it is parsed.
MAX_SHEET_BYTES = 256 << 20
# The share of the XML in the first part: its thread parses and converts it while this one
# unpacks the rest and parses it, and both end together (converting takes about a third of
# parsing; unpacking a sixth).
FIRST_PART = 0.48
# Unpacked past the first part's share until a row starts.
LOOK_AHEAD = 1 << 16

_SHEET_DATA, _SHEET_DATA_END = b"<sheetData>", b"</sheetData>"
# A zip file's local header: signature ... file name length, extra field length (PKWARE APPNOTE 4.3.7).
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_LOCAL_SIGNATURE = 0x04034B50
_NUMBERED_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_ROOT = re.compile(rb"<(worksheet)\b")  # unprefixed: the closing tags written for the first part


class PartsDisagree(Exception):
    """The second part's rows do not follow the first's: the sheet is read whole instead."""


def large_sheets(zf: zipfile.ZipFile, paths: dict[str, str]) -> dict[str, str]:
    """{sheet name: its part} of the worksheets large enough to read in two parts (``paths``:
    {part: sheet name})."""
    return {paths[info.filename]: info.filename for info in zf.infolist()
            if info.filename in paths and 2 * MIN_PART_BYTES <= info.file_size <= MAX_SHEET_BYTES}


class TwoParts:
    """One worksheet read as two workbooks: ``start`` cuts it and begins the first part's parse
    in a thread (False where the sheet is to be read whole); ``rows`` parses the second here and
    gives every row; ``merged`` the merged ranges (once the rows are taken)."""

    def __init__(self, content: bytes, part: str, name: str):
        self.content, self.part, self.name, self.merged = content, part, name, []
        self._first: tuple | None = None  # (start, end, rows) of the first part
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._second: io.BytesIO | None = None

    def start(self) -> bool:
        with zipfile.ZipFile(io.BytesIO(self.content)) as zf:
            info = zf.getinfo(self.part)
            others = [(i.filename, zf.read(i)) for i in zf.infolist() if i.filename != self.part]
        stream = _Inflating(self.content, info)
        found = _first_piece(stream, int(info.file_size * FIRST_PART)) if stream.ok else None
        if found is None:
            return False
        first, head, rest = found
        self._thread = threading.Thread(target=self._parse_first, args=(_workbook(others, self.part, first),),
                                        name="read-first-part", daemon=True)
        self._thread.start()
        del first
        tail = stream.read()
        if not stream.intact():  # the file is damaged: the whole read says so
            self.wait()
            return False
        self._second = _workbook(others, self.part, (head, rest, tail))
        return True

    def _parse_first(self, buffer: io.BytesIO) -> None:
        try:
            sheet = _sheet(buffer, self.name)
            self._first = (sheet.start, sheet.end, sheet.to_python(skip_empty_area=False) if sheet.start else [])
        except BaseException as exc:  # noqa: BLE001 - handed over to the reading thread
            self._error = exc

    def wait(self) -> None:
        """Let the first part's thread end (also when the rows were not all taken)."""
        if self._thread is not None:
            self._thread.join()

    def rows(self) -> Iterator[list]:
        second = _sheet(self._second, self.name)
        self._second = None
        self.merged = list(second.merged_cell_ranges or [])  # the tail of the XML is the second part's
        self.wait()
        if self._error is not None:
            raise self._error
        first_start, first_end, first_rows = self._first
        self._first = None
        last = first_end[0] if first_start is not None else -1
        if second.start is None:  # only empty cells there
            yield from first_rows
            return
        top, left = second.start
        width = 1 + max(first_end[1] if first_start is not None else 0, second.end[1])
        if top <= last or (first_start is not None and first_end[1] + 1 < width):
            raise PartsDisagree(self.name)  # out of order, or the first part's rows narrower
        yield from first_rows
        del first_rows
        blank = [""] * width
        for _ in range(top - last - 1):
            yield blank.copy()
        before, after = [""] * left, [""] * (width - 1 - second.end[1])
        for row in second.to_python(skip_empty_area=True):
            yield before + row + after if before or after else row


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


def _first_piece(stream, size: int) -> tuple[tuple, bytes, bytes] | None:
    """Unpack the sheet's XML up to the first row starting past ``size`` bytes: (the first part's
    XML in pieces, the head of the XML up to its rows, what was unpacked after the cut); None
    where the sheet cannot be cut there (its rows end before, or are not numbered)."""
    text = stream.read(size)
    begin = text.find(_SHEET_DATA)
    root = _ROOT.search(text)
    if begin < 0 or root is None:
        return None
    begin += len(_SHEET_DATA)
    searched = max(begin, len(text) - 4)
    while True:
        cut = text.find(b"<row", searched)
        end = text.find(_SHEET_DATA_END, searched)
        if end >= 0 and (cut < 0 or end < cut):
            return None  # the rows end before the cut
        if cut >= 0:
            break
        more = stream.read(LOOK_AHEAD)
        if not more:
            return None
        searched = max(begin, len(text) - 16)
        text += more
    if not _NUMBERED_ROW.match(text, cut):  # the second part's rows keep their numbers
        return None
    view = memoryview(text)
    return (view[:cut], b"</sheetData></" + root.group(1) + b">"), view[:begin], view[cut:]


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


def _sheet(buffer: io.BytesIO, name: str):
    with CalamineWorkbook.from_filelike(buffer) as wb:
        return wb.get_sheet_by_name(name)
