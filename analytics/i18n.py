"""Vietnamese (default) and English labels, and number formatting in each language's way.

Labels live in ``data/i18n.csv`` (key, vi, en) so a translator edits data, not code.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from functools import lru_cache

from .db import PROJECT_ROOT

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict[str, str]]:
    with open(PROJECT_ROOT / "data" / "i18n.csv", newline="", encoding="utf-8") as f:
        return {row["key"]: {"vi": row["vi"], "en": row["en"]} for row in csv.DictReader(f)}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """The label ``key`` in ``lang``, with ``{name}`` placeholders filled from ``values``."""
    entry = _labels().get(key)
    text = key if entry is None else (entry.get(lang) or entry["vi"])
    return text.format(**values) if values else text


def has_label(key: str) -> bool:
    return key in _labels()


def _group(digits: str, sep: str) -> str:
    out = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return sep.join(out)


def is_missing(value) -> bool:
    """None, NaN, or pandas' NA (which has no truth value: a unit without data)."""
    try:
        return value is None or bool(value != value)
    except TypeError:
        return True


def both(key: str, **values) -> str:
    """The label ``key`` in Vietnamese / English (for messages from code that does not know the
    reader's language: the command line, errors raised by the analytics)."""
    return f"{t(key, 'vi', **values)} / {t(key, 'en', **values)}"


def fmt_number(value, lang: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """1749 -> '1.749' (vi) / '1,749' (en); 0.5 with decimals=2 -> '0,50' / '0.50'."""
    if is_missing(value):
        return "–"
    thousands, point = (".", ",") if lang == "vi" else (",", ".")
    negative = value < 0
    text = f"{abs(value):.{decimals}f}"
    whole, _, frac = text.partition(".")
    out = _group(whole, thousands) + (point + frac if frac else "")
    return ("-" if negative else "") + out


def parse_number(text, lang: str = DEFAULT_LANGUAGE) -> float:
    """A number as the language writes it, back to a float: '1.749,5' (vi) / '1,749.5' (en);
    plain '170.4' is read too where it cannot be a Vietnamese thousands group. ValueError when it
    is not a number."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    raw = str(text).strip().replace(" ", "").replace("\u00a0", "").replace("−", "-")
    if not raw:
        raise ValueError("empty")
    if lang == "vi":
        grouped = "." in raw and all(len(g) == 3 for g in raw.split(",")[0].lstrip("-").split(".")[1:])
        raw = raw.replace(".", "").replace(",", ".") if ("," in raw or grouped) else raw
    else:
        raw = raw.replace(",", "")
    return float(raw)


def fmt_percent(fraction, lang: str = DEFAULT_LANGUAGE, decimals: int = 2) -> str:
    """0.0044 -> '0,44 %' (vi) / '0.44%' (en)."""
    if is_missing(fraction):
        return "–"
    number = fmt_number(fraction * 100, lang, decimals)
    return f"{number} %" if lang == "vi" else f"{number}%"


def fmt_money(mvnd, lang: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """Million đồng: '1.749 triệu đồng' / 'VND 1,749 million'."""
    number = fmt_number(mvnd, lang, decimals)
    return f"{number} triệu đồng" if lang == "vi" else f"VND {number} million"


# Times are stored in UTC; people read them in Vietnam time (UTC+7 all year, no daylight saving).
LOCAL_UTC_OFFSET = timedelta(hours=7)


def local_time(ts):
    """A stored UTC time (naive, or aware) as Vietnam time, naive; None / NaT stay as they are.
    Works on a single value or a pandas Series."""
    import pandas as pd
    if isinstance(ts, pd.Series):
        values = pd.to_datetime(ts)
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        return values + LOCAL_UTC_OFFSET
    if is_missing(ts):
        return ts
    ts = pd.Timestamp(ts)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return (ts + LOCAL_UTC_OFFSET).to_pydatetime()


def utc_from_local(dt: datetime) -> datetime:
    """A Vietnam time typed or picked by a user, as the naive UTC time the database stores."""
    return dt - LOCAL_UTC_OFFSET


def fmt_datetime(ts, lang: str = DEFAULT_LANGUAGE) -> str:
    """A stored UTC time written in Vietnam time: '04/12/2026 21:30' (vi) / '2026-12-04 21:30' (en)."""
    if is_missing(ts):
        return "–"
    local = local_time(ts)
    return local.strftime("%d/%m/%Y %H:%M" if lang == "vi" else "%Y-%m-%d %H:%M")


def plotly_separators(lang: str = DEFAULT_LANGUAGE) -> str:
    """Plotly's ``layout.separators`` (decimal point then thousands separator)."""
    return ",." if lang == "vi" else ".,"
