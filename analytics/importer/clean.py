"""Cleaning columns of cells, a column at a time (each distinct value is judged once, then spread
back over the cells with ``pandas.factorize``, not a Python loop over every cell): text, numbers
written as text, ticks, status words and ethnicity (unit names: ``importer.resolve.unit_codes``)."""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd

from ..reference import read_csv
from ..text import fix_values, fold

_GROUPED = re.compile(r"^[+-]?\d{1,3}([.,\s\u00a0])\d{3}(\1\d{3})*$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def blank(value) -> bool:
    """A cell of text that holds nothing but spaces (or nothing at all)."""
    return isinstance(value, str) and not value.strip()


def factorize(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pandas.factorize`` of a column of cells (codes, -1 for NA; the distinct values). A column
    mostly of empty cells ('' as the reader gives them: ticks, optional fields) hashes only its
    filled cells."""
    if cells.dtype == object and len(cells) > 1000:
        try:
            empty = cells == ""
        except TypeError:  # pd.NA among the cells has no truth value
            empty = None
        if isinstance(empty, np.ndarray) and empty.sum() * 2 > len(cells):
            filled = ~empty
            rest, uniques = pd.factorize(cells[filled])
            codes = np.zeros(len(cells), dtype=np.intp)
            codes[filled] = np.where(rest < 0, -1, rest + 1)
            out = np.empty(len(uniques) + 1, dtype=object)
            out[0], out[1:] = "", uniques
            return codes, out
    return pd.factorize(cells)


def per_distinct(series: pd.Series, judge, missing=None) -> pd.Series:
    """``judge(value)`` for every cell, computed once per distinct value (``missing`` for NA
    cells), as plain Python objects: cheaper than ``Series.map``, which infers a string dtype."""
    codes, uniques = factorize(series.to_numpy())
    return spread(codes, [judge(v) for v in uniques], missing, series.index)


def spread(codes: np.ndarray, values: list, missing, index) -> pd.Series:
    """The values of the distinct cells (``pd.factorize`` order) back over every cell."""
    table = np.empty(len(values) + 1, dtype=object)
    table[:-1] = values
    table[-1] = missing  # code -1: NA
    return pd.Series(table[codes], index=index, dtype="object")


def is_empty(series: pd.Series) -> pd.Series:
    """True where a cell holds nothing (None, NaN, '' or spaces)."""
    codes, uniques = factorize(series.to_numpy())
    table = np.array([blank(v) for v in uniques] + [True], dtype=bool)  # the last for NA cells
    return pd.Series(table[codes], index=series.index)


def _number_of(text: str) -> float | None:
    t = text.strip().replace("\u00a0", " ")
    if t.endswith("%"):
        value = _number_of(t[:-1])
        return None if value is None else value / 100
    if _GROUPED.match(t):  # 1.200.000 / 1,200,000 / 1 350 000
        return float(re.sub(r"[.,\s]", "", t))
    if _DECIMAL_COMMA.match(t):  # 1,5 (Vietnamese decimal comma)
        return float(t.replace(",", "."))
    t = t.replace(" ", "")
    if _PLAIN.match(t):
        return float(t)
    return None


def parse_numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(float values with NaN for empty cells, mask of cells that are not numbers)."""
    cells = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(cells, skipna=False) in ("integer", "floating", "mixed-integer-float"):
        # Numbers alone (NaN: an empty cell), as a sheet's number column mostly is: no cell to parse.
        return (pd.Series(cells.astype("float64"), index=series.index, name=series.name),
                pd.Series(False, index=series.index, name=series.name))
    types = series.map(type)
    is_text = types.eq(str)
    values = pd.to_numeric(series.where(~is_text & ~types.eq(bool)), errors="coerce").astype("float64")
    texts = series[is_text]
    if len(texts):
        parsed = {t: _number_of(t) for t in texts.unique()}
        values[texts.index] = texts.map(parsed).astype("float64")
    bad = values.isna()
    if bad.any():  # among the cells without a number, those not empty (most cells have one)
        bad[bad] = ~is_empty(series[bad]).to_numpy(dtype=bool)
    return values, bad


_EXCEL_EPOCH = date(1899, 12, 30)
_TEXT_DATE = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
# Excel serials of the dates a report can carry (1982 .. 2173): a plain number there is a date.
_SERIALS = (30000, 100000)


def _date_of(value) -> date | None:
    """A cell as a date: a date or datetime, an Excel serial, or text as offices type dates
    (30/9/2024, 30.09.2024, 2024-09-30); None otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if _SERIALS[0] <= value < _SERIALS[1]:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        return None
    text = str(value).strip()
    for pattern, order in ((_TEXT_DATE, (2, 1, 0)), (_ISO_DATE, (0, 1, 2))):
        if m := pattern.match(text):
            y, mo, d = (int(m.group(i + 1)) for i in order)
            try:
                return date(y, mo, d)
            except ValueError:
                return None
    number = _number_of(text)
    return _date_of(number) if number is not None else None


def parse_dates(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(dates, None where empty or unreadable; mask of the unreadable)."""
    dates = per_distinct(series, lambda v: None if blank(v) else _date_of(v))
    return dates, dates.isna() & ~is_empty(series)


def _year_of(value) -> float | None:
    """A year cell: a number, or a date. A year typed into a cell formatted as a date reads back as
    a date early in 1905 (serial 2024 = 16/7/1905): its serial is the year."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        serial = (value - _EXCEL_EPOCH).days
        return float(serial) if value.year < 1910 and 1900 <= serial <= 2200 else float(value.year)
    if isinstance(value, str) and not _number_of(value):
        found = _date_of(value)
        return float(found.year) if found else None
    return None


def parse_years(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(years as floats, NaN where empty; mask of cells that are neither a number nor a date)."""
    values, bad = parse_numbers(series)
    if bad.any() or series.map(type).isin((date, datetime)).any():
        dated = per_distinct(series[bad | values.isna()], _year_of)
        found = dated.notna()
        values[found[found].index] = dated[found].astype("float64")
        bad = bad & ~found.reindex(bad.index, fill_value=False)
    return values, bad


@lru_cache(maxsize=1)
def value_aliases() -> dict[str, dict[str, str]]:
    """field -> {folded word: code} from ``data/reference/value_alias.csv``."""
    table: dict[str, dict[str, str]] = {}
    for row in read_csv("value_alias.csv"):
        value = row["value"] or ""
        for key in {value.strip().lower(), fold(value)}:
            if key == "" and value.strip():
                continue  # a symbol (✓) folds to nothing: only its own form matches
            table.setdefault(row["field"], {}).setdefault(key, row["code"])
    return table


def parse_ticks(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(boolean values, mask of unreadable ticks). Blank is 'not ticked'."""
    words = value_aliases()["tick"]

    def one(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return {1: "true", 0: "false"}.get(v)
        text = str(v).strip()
        if text.lower() in words:
            return words[text.lower()]
        return words.get(fold(text)) if fold(text) else None

    codes, uniques = factorize(series.to_numpy())
    judged = [("" if blank(v) else one(v)) for v in uniques]  # "": blank, None: unreadable
    # Both masks looked up per distinct value, then spread by position (the last for NA cells:
    # blank).
    ticked = np.array([j == "true" for j in judged] + [False])
    unreadable = np.array([j is None for j in judged] + [False])
    return (pd.Series(ticked[codes], index=series.index),
            pd.Series(unreadable[codes], index=series.index))


def parse_words(series: pd.Series, field: str) -> tuple[pd.Series, pd.Series, int]:
    """(codes for the words of ``field`` in value_alias.csv, mask of unknown non-empty words, the
    number of cells whose legacy encoding was repaired): each distinct cell cleaned as
    ``clean_text`` does, then looked up."""
    words = value_aliases()[field]
    codes, texts, repaired = _clean_distinct(series)
    found = [None if t is None else words.get(t.lower(), words.get(fold(t))) for t in texts]
    unknown = np.array([f is None and t is not None for f, t in zip(found, texts)] + [False])  # NA: empty
    return spread(codes, found, None, series.index), pd.Series(unknown[codes], index=series.index), repaired


def clean_text(series: pd.Series) -> tuple[pd.Series, int]:
    """(NFC text with legacy encodings repaired, None for empty; the number of cells repaired)."""
    codes, texts, repaired = _clean_distinct(series)
    return spread(codes, texts, None, series.index), repaired


def _clean_distinct(series: pd.Series) -> tuple[np.ndarray, list, int]:
    """(factorize codes of the cells, each distinct cell as text: NFC, legacy encodings repaired,
    stripped, None for empty; the number of cells repaired)."""
    codes, uniques = factorize(series.to_numpy())
    if pd.api.types.infer_dtype(uniques, skipna=False) == "string":  # text alone: as it is
        texts = list(uniques)
    else:
        texts = [v if v.__class__ is str else str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
                 for v in uniques]
    # Only texts with letters beyond ASCII can be in a legacy encoding or need composing.
    legacy = {text for text in itertools.filterfalse(str.isascii, texts) if text.strip()}
    fixed = fix_values(legacy)[0] if legacy else {}
    values = [text or None for text in map(str.strip, texts)]  # spaces only: None
    changed = []
    if fixed:
        for i, text in enumerate(texts):
            if text in fixed:
                values[i] = fixed[text] or None
                changed += [i] if fixed[text] != text.strip() else []
    repaired = int(np.isin(codes, changed).sum()) if changed else 0
    return codes, values, repaired


def is_minority(ethnicity: pd.Series) -> pd.Series:
    """Ethnic-minority flag: every group but the majority (Kinh); NA where ethnicity is blank."""
    majority = value_aliases().get("majority_ethnicity", {})
    codes, uniques = factorize(ethnicity.to_numpy())
    minority = np.array([fold(v) not in majority for v in uniques] + [False])  # the last for NA cells
    return pd.Series(pd.arrays.BooleanArray(minority[codes], codes < 0), index=ethnicity.index)
