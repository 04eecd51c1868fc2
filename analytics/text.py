"""Text cleaning: Unicode NFC, legacy font encodings (TCVN3 and VNI) detected per cell, and the
folded form used to match headers and names (no case, accents, spaces or punctuation; đ -> d).

The legacy tables live in ``data/reference/legacy_encoding.csv`` (encoding, legacy, unicode,
source). Text typed in a TCVN3 or VNI font and opened as Unicode shows as Latin-1 look-alikes:
TCVN3 "NguyÔn V¨n H¹" is "Nguyễn Văn Hạ"; VNI "chaøo" is "chào".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .reference import read_csv


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict[str, str]]:
    tables: dict[str, dict[str, str]] = {"tcvn3": {}, "vni": {}}
    for row in read_csv("legacy_encoding.csv"):
        tables[row["encoding"]][row["legacy"]] = row["unicode"]
    return tables


@lru_cache(maxsize=1)
def _vietnamese_letters() -> frozenset[str]:
    """Letters of NFC Vietnamese text (what a genuine Unicode cell may hold)."""
    letters = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    for table in _tables().values():
        letters.update(table.values())
    return frozenset(letters)


@lru_cache(maxsize=1)
def _vni_pattern() -> re.Pattern:
    keys = sorted(_tables()["vni"], key=len, reverse=True)
    return re.compile("|".join(re.escape(k) for k in keys))


@lru_cache(maxsize=1)
def _vni_distinctive() -> frozenset[str]:
    """Characters of VNI text that are not Vietnamese letters themselves (ø, û, ï, ö, ñ ...)."""
    chars = {c for key in _tables()["vni"] for c in key if ord(c) > 127}
    return frozenset(chars - _vietnamese_letters())


@lru_cache(maxsize=1)
def _tcvn3_distinctive() -> frozenset[str]:
    """TCVN3 characters that never occur in genuine Vietnamese Unicode text (¨, ¹, ¶, µ ...)."""
    return frozenset(set(_tables()["tcvn3"]) - _vietnamese_letters())


# Pairs of a vowel and a Latin-1 accented letter that genuine Unicode Vietnamese writes
# (hoà, hoá, quá, thuê, tuân, muôn): not evidence of VNI.
_GENUINE_PAIR = re.compile(r"[oO][àáãèéÀÁÃÈÉ]|[uU][àáãâêôýìíÀÁÃÂÊÔÝÌÍ]")


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_DOUBLED_VOWEL = re.compile(r"(aa|ee|ii|uu|yy)")


def _implausibility(text: str) -> int:
    """How wrong a decoding looks: Latin-1 symbols Vietnamese never writes, capitals right after
    a lower-case letter ("NguyƠn"), syllables with two tone marks ("Hửụng") or a doubled vowel."""
    letters = _vietnamese_letters()
    score = sum(1 for c in text if "\u0080" <= c <= "\u00ff" and c not in letters)
    score += sum(1 for a, b in zip(text, text[1:]) if a.islower() and b.isupper())
    for word in text.split():
        decomposed = unicodedata.normalize("NFD", word)
        score += sum(1 for c in decomposed if c in _TONES) > 1
        score += _DOUBLED_VOWEL.search(fold(word)) is not None
    return score


def detect_legacy(text: str) -> str | None:
    """'tcvn3', 'vni' or None: the legacy encoding a cell's text appears to be typed in."""
    if text.isascii() or any(ord(c) > 0xFF for c in text):
        return None  # plain ASCII, or already real Unicode Vietnamese (ư, ơ, ạ, đ ...)
    vni_pairs = any(len(m.group()) == 2 and not _GENUINE_PAIR.fullmatch(m.group())
                    for m in _vni_pattern().finditer(text))
    vni = vni_pairs or any(c in _vni_distinctive() for c in text)
    # TCVN3 tone letters inside a lowercase word show as capitals: "NguyÔn".
    tcvn3 = (any(c in _tcvn3_distinctive() for c in text)
             or re.search(r"[a-z][\u00c0-\u00de]", text) is not None)
    if not (vni or tcvn3):
        return None
    if vni != tcvn3:
        return "vni" if vni else "tcvn3"
    left_vni, left_tcvn3 = _implausibility(_vni_decode(text)), _implausibility(_tcvn3_decode(text))
    if left_vni != left_tcvn3:
        return "vni" if left_vni < left_tcvn3 else "tcvn3"
    return "vni" if vni_pairs else "tcvn3"


def _tcvn3_decode(text: str) -> str:
    table = _tables()["tcvn3"]
    out = "".join(table.get(c, c) for c in text)
    # Capitals were typed in the matching upper-case font with the same codes: restore the case
    # of a cell, or of words, whose plain letters are all capitals ("UBND X· MINH §øC").
    letters = [c for c in text if c.isascii() and c.isalpha()]
    if len(letters) >= 3 and all(c.isupper() for c in letters):
        return out.upper()
    words = []
    for src, dst in zip(re.split(r"(\s+)", text), re.split(r"(\s+)", out)):
        if (not any(c.isascii() and c.islower() for c in src)
                and any(c.isascii() and c.isupper() for c in src[1:])):
            dst = dst.upper()
        words.append(dst)
    return "".join(words)


def _vni_decode(text: str) -> str:
    table = _tables()["vni"]
    return _vni_pattern().sub(lambda m: table[m.group()], text)


def _decode(text: str, encoding: str | None) -> str:
    if encoding == "tcvn3":
        return _tcvn3_decode(text)
    if encoding == "vni":
        return _vni_decode(text)
    return text


def fix_text(text: str) -> tuple[str, str | None]:
    """(clean NFC text, the legacy encoding repaired or None)."""
    if text.isascii():
        return text.strip(), None
    text = unicodedata.normalize("NFC", text).strip()
    encoding = detect_legacy(text)
    return _decode(text, encoding), encoding


def encode_legacy(text: str, encoding: str) -> str:
    """Unicode -> how the text looks when typed in a TCVN3 or VNI font (for tests and fixtures)."""
    table = _tables()[encoding]
    reverse: dict[str, str] = {}
    for legacy, uni in table.items():
        reverse.setdefault(uni, legacy)
    if encoding == "tcvn3":  # capitals without a code of their own use the lower-case code
        for legacy, uni in table.items():
            reverse.setdefault(uni.upper(), legacy)
    return "".join(reverse.get(c, c) for c in unicodedata.normalize("NFC", text))


def fold(text) -> str:
    """Matching key: no case, accents, spaces or punctuation; đ -> d. ``None`` -> ''."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFD", str(text).lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c))


_NUMBERING = re.compile(r"^\s*(\(?\d{1,2}[\.\)]?|\(?[ivx]{1,4}[\.\)]|[a-z][\.\)])\s+", re.IGNORECASE)


def fold_header(text) -> str:
    """Matching key of a header cell: like ``fold`` and without a leading number ("1. Việc làm")."""
    text = "" if text is None else str(text)
    stripped = _NUMBERING.sub("", text)
    return fold(stripped) or fold(text)


def fix_values(values) -> tuple[dict, int]:
    """Clean distinct cell texts of one column: ({raw: clean}, number of cells repaired).

    Each cell is judged on its own; then the column's main legacy encoding decides cells that
    are ambiguous alone (TCVN3 "Huúnh" is "Huỳnh" beside other TCVN3 names), when it reads at
    least as well (and strictly better than leaving a cell as it is).
    """
    first = {v: fix_text(v) for v in values}
    found = [enc for _, enc in first.values() if enc]
    main = max(set(found), key=found.count) if found else None
    out, repaired = {}, 0
    for raw, (clean, enc) in first.items():
        if main and enc != main:
            text = unicodedata.normalize("NFC", raw).strip()
            if not text.isascii() and all(ord(c) <= 0xFF for c in text):
                alt = _decode(text, main)
                if (_implausibility(alt) < _implausibility(clean) if enc is None
                        else _implausibility(alt) <= _implausibility(clean)):
                    clean, enc = alt, main
        out[raw] = clean
        repaired += enc is not None
    return out, repaired
