"""Unit names as offices type them, resolved against the national registry (``unit_registry``).

A name matches ignoring case, accents (so old and new tone placement, hoà / hòa), spaces,
apostrophes and hyphens ("Đắk R'Lấp" = "Dak R Lap" = "Đăk RLấp"), leading zeros of a number
("Phường 01" = "Phường 1"), a type prefix or its abbreviation and a title ("UBND XÃ …"): the
prefixes are data (``data/reference/unit_name_prefix.csv``). A typed prefix only narrows (several
"Tân Hưng": the "Phường" one). A province or district (name or code), or further parts after a
comma ("Xã Tân Hưng, huyện Hớn Quản"), narrow the search. A name still matching several units is
refused with every candidate — never guessed.

``resolve_many`` resolves each distinct name once, so a column of 100,000 rows costs as many
look-ups as it has distinct names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Hashable, Iterable

from .i18n import DEFAULT_LANGUAGE, t
from .text import fold
from .reference import read_csv

PREFIX_FILE = "unit_name_prefix.csv"
LEVELS = ("commune", "district", "province")
LEVEL_TYPES = {"commune": ("xa", "phuong", "thi_tran", "dac_khu"), "district": ("district",),
               "province": ("province",)}
LEVEL_OF_TYPE = {ty: lv for lv, types in LEVEL_TYPES.items() for ty in types}
CODE_WIDTH = {"commune": 5, "district": 3, "province": 2}  # as the statistics office writes them


def tokens(text) -> list[str]:
    """Folded words (no case or accents, đ -> d; see ``text.fold``), split at anything
    not a letter or digit; a number without its leading zeros."""
    if text is None:
        return []
    return [k for k in map(_word_key, _WORD_SPLIT.split(str(text))) if k]


_WORD_SPLIT = re.compile(r"[\W_]+")


@lru_cache(maxsize=65536)
def _word_key(word: str) -> str:
    """A word folded, a number without its leading zeros: once per distinct word (the ten
    thousand names of the registry share a few thousand words)."""
    folded = fold(word)
    return str(int(folded)) if folded.isdigit() else folded


@lru_cache(maxsize=1)
def _prefixes() -> tuple[tuple[tuple[str, ...], str], ...]:
    """(typed words, canonical kind) longest first; the kind of a title word ("UBND") is ''."""
    rows = [(tuple(tokens(r["typed"])), "".join(tokens(r["canonical"]))) for r in read_csv(PREFIX_FILE)]
    return tuple(sorted(rows, key=lambda r: -len(r[0])))


@lru_cache(maxsize=1)
def _glued_prefixes() -> tuple[tuple[str, str], ...]:
    """(prefix written as one word, kind), longest first: "tp", "tt", "thitran" …"""
    glued = {("".join(typed), canonical) for typed, canonical in _prefixes() if canonical}
    return tuple(sorted(glued, key=lambda g: -len(g[0])))


@lru_cache(maxsize=1)
def _prefixes_by_first_word() -> dict[str, tuple[tuple[tuple[str, ...], str], ...]]:
    """``_prefixes`` grouped by their first word, longest first in each group: a name is compared
    only with the prefixes its first word starts (the registry's ten thousand names are split
    when its index is built)."""
    groups: dict[str, list] = {}
    for typed, canonical in _prefixes():
        if typed:
            groups.setdefault(typed[0], []).append((typed, canonical))
    return {word: tuple(group) for word, group in groups.items()}


def split_name(text) -> tuple[str, str]:
    """(kind, key): the type prefix ('xa', 'huyen', 'thanhpho' … or '') and the matching key of
    the rest. Title words go first; a prefix is only taken when a name remains after it."""
    words, kind = tokens(text), ""
    by_first = _prefixes_by_first_word()
    while True:
        for typed, canonical in by_first.get(words[0], ()) if words else ():
            n = len(typed)
            if len(words) > n and tuple(words[:n]) == typed:
                words = words[n:]
                if canonical:
                    kind = canonical
                    return kind, "".join(words)
                break
        else:
            return kind, "".join(words)


# Old tone placement -> new ("hoà" -> "hòa", "thuỷ" -> "thủy"): both are written.
_TONE_PLACEMENT: dict[str, str] = {}
for _glide, _vowel in (("o", "a"), ("o", "e"), ("u", "y")):
    for _mark in ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323"):  # grave, acute, hook, tilde, dot
        _TONE_PLACEMENT[_glide + _vowel + _mark] = _glide + _mark + _vowel


def accented(text) -> str:
    """The name's words after its type prefix, lower case with their accents (tone placement
    normalised): "Xã Lộc Thạnh" -> "lộcthạnh". Tells apart names that fold alike (Lộc Thạnh, Lộc
    Thành) when the accents were typed."""
    words = [w for w in re.split(r"[\W_]+", str(text or "")) if w]
    _, key = split_name(text)
    for i in range(len(words)):
        if fold("".join(words[i:])) == key:
            words = words[i:]
            break
    out = unicodedata.normalize("NFD", "".join(words).lower())
    for old, new in _TONE_PLACEMENT.items():
        out = out.replace(old, new)
    return unicodedata.normalize("NFC", out)


@dataclass(frozen=True)
class Unit:
    vintage: int
    code: str
    name: str
    unit_type: str
    parent_code: str | None
    district: str | None  # names of the units above (no district from 2025 on)
    province: str | None
    district_code: str | None = None
    province_code: str | None = None

    def label(self) -> str:
        """'Xã Tân Hưng (Huyện Hớn Quản, Tỉnh Bình Phước)'."""
        above = ", ".join(x for x in (self.district, self.province) if x)
        return f"{self.name} ({above})" if above else self.name


@dataclass(frozen=True)
class Resolution:
    """The unit a text names, or why not: ``reason`` 'empty', 'unknown', 'ambiguous' (with every
    ``candidates``) or 'unknown_area' (the narrowing province or district itself did not resolve)."""
    text: str | None
    unit: Unit | None = None
    candidates: tuple[Unit, ...] = field(default_factory=tuple)
    reason: str | None = None
    vintage: int | None = None

    @property
    def ok(self) -> bool:
        return self.unit is not None

    def candidates_text(self) -> str:
        """'25345 Xã Tân Hưng (Tỉnh Đồng Nai); 27721 Xã Tân Hưng (Tỉnh Tây Ninh) …'"""
        return "; ".join(f"{c.code} {c.label()}" for c in self.candidates)

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str | None:
        if self.ok:
            return None
        if self.reason == "ambiguous":
            return t("unit_name_ambiguous", lang, value=self.text, n=len(self.candidates),
                     candidates=self.candidates_text())
        if self.reason == "unknown_area" and self.candidates:
            return t("unit_name_ambiguous_area", lang, value=self.text, candidates=self.candidates_text())
        if self.reason == "unknown" and self.vintage is not None and self.vintage < 2025:
            return t("unit_name_unknown_old", lang, value=self.text, vintage=self.vintage)
        return t(f"unit_name_{self.reason}", lang, value=self.text, vintage=self.vintage)


class UnitNames:
    """The units of one vintage, indexed by matching key and code: the national registry, or with
    ``working=True`` only the units the database works with (``org_unit``: its home area, where a
    name shared with units elsewhere is no longer ambiguous)."""

    def __init__(self, db, vintage: int, working: bool = False):
        self.vintage = int(vintage)
        table, aliases = ("org_unit", "NULL") if working else ("unit_registry", "u.aliases")
        self._areas: dict[tuple, Resolution] = {}
        rows = db.query(
            f"""SELECT u.code, u.name, {aliases}, u.unit_type, u.parent_code,
                      CASE WHEN p.unit_type = 'district' THEN p.name END,
                      CASE WHEN p.unit_type = 'district' THEN p.code END,
                      coalesce(g.name, p.name), coalesce(g.code, p.code)
               FROM {table} u
               LEFT JOIN {table} p ON p.vintage = u.vintage AND p.code = u.parent_code
               LEFT JOIN {table} g ON g.vintage = u.vintage AND g.code = p.parent_code
               WHERE u.vintage = ? ORDER BY u.code""", [self.vintage])
        self.by_level: dict[str, dict[str, list[tuple[str, Unit]]]] = {lv: {} for lv in LEVELS}
        self.by_code: dict[str, dict[str, Unit]] = {lv: {} for lv in LEVELS}
        for code, name, aliases, unit_type, parent, district, district_code, province, province_code in rows:
            level = LEVEL_OF_TYPE.get(unit_type)
            if level is None:
                continue
            unit = Unit(self.vintage, code, name, unit_type, parent, district=district,
                        province=province, district_code=district_code, province_code=province_code)
            kind, key = split_name(name)
            self.by_level[level].setdefault(key, []).append((kind, unit))
            for alias in (aliases or "").split(","):  # the library's short forms: "hcm", "hn"
                if alias and alias != key:
                    self.by_level[level].setdefault(alias, []).append((kind, unit))
            self.by_code[level][code] = unit

    def resolve(self, text, level: str = "commune", province=None, district=None) -> Resolution:
        """The unit of ``level`` that ``text`` names (a name or a code), within ``province`` and
        ``district`` if given (names or codes)."""
        if text is None or not str(text).strip():
            return Resolution(None if text is None else str(text), reason="empty", vintage=self.vintage)
        text = str(text).strip()
        parts = [p for p in text.split(",") if p.strip()]
        if len(parts) > 1:  # "Xã Tân Hưng, Huyện Hớn Quản, Tỉnh Bình Phước": the rest narrows
            province, district = self._area_parts(parts[1:], province, district)
            if isinstance(province, Resolution):
                return Resolution(text, reason="unknown_area", vintage=self.vintage)
            text_name = parts[0]
        else:
            text_name = text
        within: dict[str, str] = {}
        above: Unit | None = None  # the province found, narrowing the district
        for area_level, area in (("province", province), ("district", district)):
            if area is None or (isinstance(area, str) and not area.strip()):
                continue
            found = area if isinstance(area, Unit) else self._area(area, area_level, above)
            if isinstance(found, Resolution):
                if not found.ok:
                    return Resolution(text, candidates=found.candidates, reason="unknown_area",
                                      vintage=self.vintage)
                found = found.unit
            within[area_level] = found.code
            above = found
        code_text = text_name.strip()
        if re.fullmatch(r"\d+(\.0)?", code_text):
            unit = self.by_code[level].get(code_text.split(".")[0].zfill(CODE_WIDTH[level]))
            if unit is not None and self._inside(unit, within):
                return Resolution(text, unit=unit, vintage=self.vintage)
            return Resolution(text, reason="unknown", vintage=self.vintage)
        kind, key = split_name(text_name)
        if key not in self.by_level[level]:  # a prefix typed without a space: "TPHCM", "TTTân Khai"
            kind, key = next(((kind_, key[len(glued):]) for glued, kind_ in _glued_prefixes()
                              if key.startswith(glued) and key[len(glued):] in self.by_level[level]),
                             (kind, key))
        found = [(k, u) for k, u in self.by_level[level].get(key, []) if self._inside(u, within)]
        if len(found) > 1 and kind:
            same_kind = [(k, u) for k, u in found if k == kind]
            found = same_kind or found
        if len(found) > 1:  # the accents as typed may tell them apart: Lộc Thạnh / Lộc Thành
            typed = accented(text_name)
            exact = [(k, u) for k, u in found if accented(u.name) == typed]
            found = exact if len(exact) == 1 else found
        if len(found) == 1:
            return Resolution(text, unit=found[0][1], vintage=self.vintage)
        if not found:
            return Resolution(text, reason="unknown", vintage=self.vintage)
        return Resolution(text, candidates=tuple(u for _, u in found), reason="ambiguous",
                          vintage=self.vintage)

    def _area(self, text, level: str, province: Unit | None = None) -> Resolution:
        """A narrowing province, or district within ``province``, resolved once per index (a
        column repeats it)."""
        key = (str(text), level, province.code if province else None)
        if key not in self._areas:
            self._areas[key] = self.resolve(text, level, province=province)
        return self._areas[key]

    def _area_parts(self, parts, province, district):
        """The province and district named by the parts after the first comma."""
        for part in parts:
            kind, _ = split_name(part)
            order = {"tinh": ("province",), "huyen": ("district",), "quan": ("district",),
                     "thixa": ("district",)}.get(kind, ("province", "district"))
            for level in order:
                if level == "district" and not self.by_code["district"]:
                    continue
                found = self.resolve(part, level, province=province if level == "district" else None)
                if found.ok:
                    if level == "province":
                        province = found.unit
                    else:
                        district = found.unit
                    break
            else:
                return Resolution(part, reason="unknown_area"), district
        return province, district

    @staticmethod
    def _inside(unit: Unit, within: dict[str, str]) -> bool:
        return all((unit.province_code if lv == "province" else unit.district_code) == code
                   for lv, code in within.items())

    def resolve_many(self, items: Iterable[Hashable], level: str = "commune", province=None,
                     district=None) -> dict[Hashable, Resolution]:
        """{item: Resolution} for the distinct items: a name, or a tuple (name, province) or
        (name, province, district) when each row has its own area."""
        out: dict[Hashable, Resolution] = {}
        for item in items:
            if item in out:
                continue
            if isinstance(item, tuple):
                name, area, *rest = item
                out[item] = self.resolve(name, level, province=area if area is not None else province,
                                         district=rest[0] if rest and rest[0] is not None else district)
            else:
                out[item] = self.resolve(item, level, province=province, district=district)
        return out


_REGISTRY_INDEXES: dict[tuple, "UnitNames"] = {}


def registry_names(db, vintage: int) -> UnitNames:
    """The registry's index of a vintage, built once per process for the same registry content
    (about 10,000 units: building it costs a tenth of a second; every import needs it)."""
    key = (int(vintage), *db.query(
        "SELECT count(*), sum(hash(code || name || coalesce(parent_code, '') || coalesce(aliases, ''))) "
        "FROM unit_registry WHERE vintage = ?", [int(vintage)])[0])
    if key not in _REGISTRY_INDEXES:
        if len(_REGISTRY_INDEXES) >= 4:  # both vintages of one registry, in practice
            _REGISTRY_INDEXES.clear()
        _REGISTRY_INDEXES[key] = UnitNames(db, vintage)
    return _REGISTRY_INDEXES[key]


def warm_registry_names(db) -> None:
    """Build the registry's index of every vintage now (the dashboard does so as it starts), so
    that no import waits for it."""
    for (vintage,) in db.query("SELECT DISTINCT vintage FROM unit_registry ORDER BY 1"):
        registry_names(db, vintage)


def resolve(db, text, vintage: int, level: str = "commune", province=None, district=None,
            working: bool = False) -> Resolution:
    """One name (builds the vintage's index; for many names use ``resolve_many``)."""
    return UnitNames(db, vintage, working).resolve(text, level, province, district)


def resolve_many(db, items: Iterable[Hashable], vintage: int, level: str = "commune", province=None,
                 district=None, working: bool = False) -> dict[Hashable, Resolution]:
    """{item: Resolution}, each distinct item resolved once (see ``UnitNames.resolve_many``)."""
    return UnitNames(db, vintage, working).resolve_many(items, level, province, district)
