"""A large sheet read in parts at once gives exactly what reading it whole gives.

``read_parts.MIN_PART_BYTES`` set to 0 makes every sheet "large", so that the fixtures (title
rows, merged headers, several sheets, total rows) and the awkward sheets below go through the
cut; each is compared with the whole read, and each test checks the cut was really taken (or,
where it must not be, really refused)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from analytics.importer import read, read_parts
from analytics.importer.read import read_workbook

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def cuts(monkeypatch):
    """Every sheet read in parts; the list of (sheet, whether the cut was taken) as it happens."""
    monkeypatch.setattr(read_parts, "MIN_PART_BYTES", 0)
    seen = []
    start = read_parts.SheetParts.start

    def spy(self):
        taken = start(self)
        seen.append((self.name, taken))
        return taken
    monkeypatch.setattr(read_parts.SheetParts, "start", spy)
    return seen


def whole(content: bytes, name: str):
    """The sheets as read without cutting any."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(read, "_large_sheets", lambda content: {})
        sheets = read_workbook(content, name).sheets
    return [(s.name, s.rows, sorted(s.merged), s.stray_rows) for s in sheets]


def in_parts(content: bytes, name: str):
    return [(s.name, s.rows, sorted(s.merged), s.stray_rows) for s in read_workbook(content, name).sheets]


def saved(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.xlsx")), ids=lambda p: p.name)
def test_every_fixture_reads_the_same_in_parts(path, cuts):
    content = path.read_bytes()
    try:
        expected = whole(content, path.name)
    except read.ReadError as refused:  # not a workbook: refused the same way
        with pytest.raises(read.ReadError) as also:
            in_parts(content, path.name)
        assert also.value.key == refused.key
        return
    got = in_parts(content, path.name)
    assert got == expected
    if any(len(rows) > 2 for _, rows, _, _ in expected):
        assert any(taken for _, taken in cuts), "no sheet was cut"


def test_a_table_wider_below_and_blank_rows_at_the_cut_read_as_whole(cuts):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Danh sách"
    ws["B1"] = "DANH SÁCH HỘ NGHÈO"
    ws.merge_cells("B1:E1")
    ws.append([])
    ws.append([None, "Mã hộ", "Họ và tên", "Thu nhập"])
    for i in range(40):
        ws.append([None, f"H{i:03d}", "Nguyễn Văn An", 1_200_000 + i])
    for i in range(40):  # blank rows around the middle, then rows that start further right
        ws.append([])
    for i in range(40):
        ws.append([None, None, None, f"ghi chú {i}", None, None, "x"])
    content = saved(wb)
    assert in_parts(content, "l.xlsx") == whole(content, "l.xlsx")
    assert cuts and all(taken for _, taken in cuts)


def test_rows_starting_further_right_below_the_cut_are_placed_in_their_columns(cuts):
    wb = openpyxl.Workbook()
    ws = wb.active
    for i in range(10):  # the first tenth of the rows, a third of the XML
        ws.append(["Ấp 1", f"H{i:03d}", i, "x", "", "cuối"])
    for i in range(90):
        ws.cell(row=11 + i, column=3, value=f"chỉ cột C {i}")
    content = saved(wb)
    got = in_parts(content, "r.xlsx")
    assert got == whole(content, "r.xlsx")
    assert got[0][1][99] == ["", "", "chỉ cột C 89", "", "", ""]
    assert cuts == [("Sheet", True)]


def test_a_sheet_whose_rows_carry_no_number_is_read_whole(cuts):
    wb = openpyxl.Workbook()
    ws = wb.active
    for i in range(50):
        ws.append([f"H{i:03d}", i])
    content = saved(wb)
    # The same sheet with the rows' numbers taken out (allowed: rows then follow one another).
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = re.sub(rb'(<row\b[^>]*?)\s+r="\d+"', rb"\1", xml)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    unnumbered = out.getvalue()
    assert in_parts(unnumbered, "u.xlsx") == whole(unnumbered, "u.xlsx")
    assert cuts == [("Sheet", False)]


def test_rows_narrower_above_than_below_are_widened_without_reading_again(cuts, monkeypatch):
    wb = openpyxl.Workbook()
    ws = wb.active
    for i in range(80):
        ws.append([f"H{i:03d}", i])
    for i in range(10):  # the last rows only, wider
        ws.append([f"H{i + 80:03d}", i, None, None, "ghi chú"])
    content = saved(wb)
    expected = whole(content, "n.xlsx")
    read_again = []
    original = read._read_sheets

    def counted(content, far_rows, in_parts=False):
        read_again.append(in_parts)
        return original(content, far_rows, in_parts)
    monkeypatch.setattr(read, "_read_sheets", counted)
    got = in_parts(content, "n.xlsx")
    assert got == expected and got[0][1][0] == ["H000", 0, "", "", ""]
    assert cuts == [("Sheet", True)] and read_again == [True]


def test_blank_rows_right_at_the_cut_come_back_as_blank_rows(cuts, monkeypatch):
    wb = openpyxl.Workbook()
    ws = wb.active
    for i in range(20):
        ws.append([f"H{i:03d}", "Nguyễn Thị Lan", i])
    for i in range(20):  # rows 41 to 60, after twenty rows the file does not hold
        ws.cell(row=41 + i, column=1, value=f"H{i + 20:03d}")
    content = saved(wb)
    # Two parts, cut just before row 41, the first after the missing ones.
    monkeypatch.setattr(read_parts, "PARTS", 2)
    next_cut = read_parts._next_cut

    def before_row_41(stream, text, size):
        while b'<row r="41"' not in text:
            text += stream.read(1 << 16)
        return next_cut(stream, text, text.index(b'<row r="41"'))
    monkeypatch.setattr(read_parts, "_next_cut", before_row_41)
    got = in_parts(content, "g.xlsx")
    assert got == whole(content, "g.xlsx")
    assert got[0][1][20:40] == [["", "", ""]] * 20 and got[0][1][40][0] == "H020"
    assert cuts == [("Sheet", True)]


def test_a_damaged_sheet_is_refused_as_the_whole_read_refuses_it(cuts):
    content = (FIXTURES / "households_simple.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for position in (start + info.compress_size // 2, start + info.compress_size - 8):
        damaged = bytearray(content)
        damaged[position] ^= 0x55
        with pytest.raises(read.ReadError) as whole_error:
            read._read_sheets(bytes(damaged), {})
        with pytest.raises(read.ReadError) as parts_error:
            read_workbook(bytes(damaged), "d.xlsx")
        assert parts_error.value.key == whole_error.value.key == "import_err_not_spreadsheet"
    assert cuts and not any(taken for _, taken in cuts)


def test_on_a_single_core_a_large_sheet_is_read_whole(cuts, monkeypatch):
    monkeypatch.setattr(read_parts, "_cores", lambda: 1)
    content = (FIXTURES / "households_simple.xlsx").read_bytes()
    assert in_parts(content, "s.xlsx") == whole(content, "s.xlsx")
    assert cuts == []


def test_a_sheet_written_with_prefixed_tags_is_read_whole(cuts):
    wb = openpyxl.Workbook()
    ws = wb.active
    for i in range(50):
        ws.append([f"H{i:03d}", i])
    with zipfile.ZipFile(io.BytesIO(saved(wb))) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"]
    xml = re.sub(rb"<(/?)([A-Za-z]+)\b", rb"<\1x:\2", xml.replace(b'xmlns="', b'xmlns:x="', 1))
    parts["xl/worksheets/sheet1.xml"] = xml
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    prefixed = out.getvalue()
    assert in_parts(prefixed, "p.xlsx") == whole(prefixed, "p.xlsx")
    assert cuts == [("Sheet", False)]


def test_a_part_carries_the_workbook_but_not_the_other_sheets(cuts, monkeypatch):
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "Ấp 1"
    second = wb.create_sheet("Ấp 2")
    for i in range(60):
        first.append([f"H{i:03d}", "Ấp một", i])
        second.append([f"K{i:03d}", "Ấp hai", i])
    content = saved(wb)
    written = []
    workbook = read_parts._workbook

    def kept(others, part, pieces):
        written.append(b"".join(data for _, data in others))
        return workbook(others, part, pieces)
    monkeypatch.setattr(read_parts, "_workbook", kept)
    assert in_parts(content, "a.xlsx") == whole(content, "a.xlsx")
    assert cuts == [("Ấp 1", True), ("Ấp 2", True)] and written
    assert all(b"K000" not in data and b"H000" not in data for data in written)
