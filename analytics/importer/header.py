"""Finding the header of a sheet and mapping its columns to fields, and reading the title rows.

Headers are matched against ``data/reference/column_alias.csv`` (kind, field, alias, source) and
the official indicator names of ``deprivation_indicator.csv``, ignoring case, accents, spaces,
punctuation and numbering. Two-row headers (a merged group over sub-columns, as in "Kế hoạch vốn"
over "NSTW | NS tỉnh | NS huyện") are read as "group / sub-column".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Iterable

from ..reference import read_csv
from .importkind import ImportKind
from ..text import fix_text, fold, fold_header

HEADER_SEARCH_ROWS = 30


@lru_cache(maxsize=None)
def aliases(kind: ImportKind) -> dict[str, str]:
    """{folded alias: field} of a kind: its rows of ``column_alias.csv`` and the '*' rows (every
    kind's), then the kind's own extra aliases; the first alias of a text wins."""
    table: dict[str, str] = {}
    rows = [r for r in read_csv("column_alias.csv") if r["kind"] in (kind.name, "*")]
    for row in [*rows, *kind.extra_aliases()]:
        table.setdefault(fold_header(row["alias"]), row["field"])
    return table


def match_field(kind: ImportKind, text) -> str | None:
    """The field a header cell names for ``kind`` (or None)."""
    if text is None or text == "":
        return None
    return _match_text(kind, str(text))


# The header search reads the same cells for every kind and as one or two header rows: each
# (kind, text) is matched once.
@lru_cache(maxsize=16384)
def _match_text(kind: ImportKind, text: str) -> str | None:
    table = aliases(kind)
    for candidate in (text, re.sub(r"\(.*?\)", "", text), text.split("(")[0]):
        key = fold_header(candidate)
        if key and key in table:
            return table[key]
    return None


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class Column:
    index: int       # 0-based column in the sheet
    label: str       # the header as written ("Kế hoạch vốn / NSTW")
    field: str | None


@dataclass
class Header:
    sheet: int
    row: int          # 0-based index of the (first) header row
    rows: int         # 1 or 2
    kind: str         # the kind's name
    columns: list[Column] = field(default_factory=list)
    score: int = 0

    @property
    def first_data_row(self) -> int:
        return self.row + self.rows

    def fields(self) -> dict[str, Column]:
        out = {}
        for c in self.columns:
            if c.field and c.field not in out:
                out[c.field] = c
        return out


def _combine(kind: ImportKind, parent: str, child: str) -> str | None:
    """The field of a column under a two-row header."""
    pf, cf = match_field(kind, parent), match_field(kind, child)
    if cf:
        return kind.group_field(pf, cf)
    if not child and pf and pf.startswith("group_"):
        return None
    return pf if not child else None


def _single(kind: ImportKind, text: str) -> str | None:
    return kind.lone_field(match_field(kind, text))


def _parents(row: list, merged, r: int) -> list[str]:
    """Group labels of a header row, spread over the columns their merged cells cover."""
    texts = [cell_text(v) for v in row]
    for (r0, c0), (r1, c1) in merged:
        if r0 == r and r1 == r and c0 < len(texts) and texts[c0]:
            for c in range(c0 + 1, min(c1 + 1, len(texts))):
                if not texts[c]:
                    texts[c] = texts[c0]
    return texts


def build_header(rows: list[list], sheet: int, r: int, two_rows: bool, kind: ImportKind, merged) -> Header:
    top = rows[r]
    width = max(len(top), len(rows[r + 1]) if two_rows and r + 1 < len(rows) else 0)
    columns = []
    if two_rows:
        parents = _parents(top, merged, r)
        child_row = rows[r + 1]
        parents = parents + [""] * (width - len(parents))
        # Without merge information (csv, ods), a group label runs on over empty parent cells
        # while the row below names sub-columns.
        if not merged:
            last = ""
            for c in range(width):
                child = cell_text(child_row[c]) if c < len(child_row) else ""
                if parents[c]:
                    last = parents[c]
                elif child and last:
                    parents[c] = last
                else:
                    last = ""
        for c in range(width):
            parent = parents[c] if c < len(parents) else ""
            child = cell_text(child_row[c]) if c < len(child_row) else ""
            label = f"{parent} / {child}" if parent and child and parent != child else (child or parent)
            columns.append(Column(c, fix_text(label)[0], _combine(kind, parent, child)))
    else:
        for c in range(width):
            text = cell_text(top[c]) if c < len(top) else ""
            columns.append(Column(c, fix_text(text)[0], _single(kind, text)))
    header = Header(sheet, r, 2 if two_rows else 1, kind.name, columns)
    header.score = len(header.fields())
    return header


def find_header(sheets: list, kinds: Iterable[ImportKind]) -> Header | None:
    """The best header over the first rows of every sheet, of one of ``kinds``; a kind whose
    fields are recognised wins over a header that merely maps more columns."""
    best: Header | None = None
    kinds = tuple(kinds)
    for s, sheet in enumerate(sheets):
        rows = sheet.rows
        for r in range(min(HEADER_SEARCH_ROWS, len(rows))):
            if sum(1 for v in rows[r] if cell_text(v)) < 2:
                continue
            for k in kinds:
                for two in (False, True):
                    if two and r + 1 >= len(rows):
                        continue
                    h = build_header(rows, s, r, two, k, sheet.merged)
                    recognised = k.recognise(h.fields())
                    score = h.score + (100 if recognised else 0)
                    if best is None or score > best.score:
                        h.score = score
                        best = h
    return best if best is not None and best.score >= 2 else None


# -- the title rows above the header -------------------------------------------------------
_YEAR = re.compile(r"\bn[aă]m\s*(20\d\d)\b", re.IGNORECASE)
_DATE = re.compile(r"(?:đến|den|tính đến)\s*ngày\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})", re.IGNORECASE)
_PROVINCE = re.compile(r"\btỉnh\s+([^\n,;:–-]+)", re.IGNORECASE)
_DISTRICT = re.compile(r"\b((?:huyện|quận|thị xã)\s+[^\n,;:–-]+)", re.IGNORECASE)
_COMMUNE = re.compile(r"\b((?:xã|phường|thị trấn)\s+[^\n,;:–-]+)", re.IGNORECASE)
_UNIT = re.compile(r"(?:^|\bUBND\s+|ỦY BAN NHÂN DÂN\s+|UỶ BAN NHÂN DÂN\s+)((?:huyện|thị xã|thành phố|tỉnh)\s+[^\n,;:–-]+)",
                   re.IGNORECASE)


@dataclass
class TitleInfo:
    year: int | None = None
    as_of: date | None = None
    commune_text: str | None = None
    province_text: str | None = None   # "UBND TỈNH …"
    district_text: str | None = None   # "UBND HUYỆN …"
    province_option: str | None = None  # given with the file (``--province``): wins over the title
    unit_text: str | None = None   # a district or province the title names ("UBND HUYỆN HỚN QUẢN")
    texts: list[str] = field(default_factory=list)


def read_title(rows: list[list], header_row: int) -> TitleInfo:
    """Year ("NĂM 2024"), date ("lũy kế đến ngày 30/9/2024"), commune ("UBND XÃ MINH ĐỨC"),
    province ("UBND TỈNH BÌNH PHƯỚC") and district ("UBND HUYỆN HỚN QUẢN") written in the rows
    above the header."""
    info = TitleInfo()
    for row in rows[:header_row]:
        for value in row:
            text = cell_text(value)
            if not text:
                continue
            text = fix_text(text)[0]
            info.texts.append(text)
            if info.as_of is None and (m := _DATE.search(text)):
                try:
                    info.as_of = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
                except ValueError:
                    pass
            if info.year is None and (m := _YEAR.search(text)):
                info.year = int(m.group(1))
            if info.unit_text is None and (m := _UNIT.search(text.strip())):
                info.unit_text = m.group(1).strip()
            if info.commune_text is None and (m := _COMMUNE.search(text)):
                name = m.group(1).strip()
                # "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" names no commune.
                if not fold(name).startswith(("xahoi", "xaphuongthitran")):
                    info.commune_text = name
            if info.province_text is None and (m := _PROVINCE.search(text)):
                info.province_text = m.group(1).strip()
            if info.district_text is None and (m := _DISTRICT.search(text)):
                info.district_text = m.group(1).strip()
    if info.year is None and info.as_of is not None:
        info.year = info.as_of.year
    return info
