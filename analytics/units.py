"""Administrative units across the 1 July 2025 reorganisation.

Data of 2021–2024 is recorded in the old communes (vintage 2024), data from 2025 in the new ones
(vintage 2025). Any figure of an older year can be presented in the units of a later vintage by
summing the old communes that merged (``org_unit_map``), so a series 2022–2027 is continuous.
A new unit that also absorbed parts of units outside the data says so (``org_unit.also_absorbs_*``):
its figures then cover only the part the data holds.
"""

from __future__ import annotations

import pandas as pd

from .db import Database
from .reference import _vintages, vintage_for_year
from .unit_names import LEVEL_TYPES

COMMUNE_TYPES = LEVEL_TYPES["commune"]  # a special zone (đặc khu) is a commune-level unit too
COMMUNE_TYPES_SQL = "(" + ", ".join(f"'{t}'" for t in COMMUNE_TYPES) + ")"


def target_vintage(year: int, units: int | str | None = None) -> int:
    """The vintage in which ``year``'s data is presented: ``units`` if given (it must not be older
    than the data's own vintage: an old commune cannot be split), else the data's own vintage."""
    own = vintage_for_year(year)
    if units is None or units == "":
        return own
    wanted = int(units)
    known = sorted(int(r["vintage"]) for r in _vintages())
    if wanted not in known:
        raise ValueError(f"unknown units {wanted}: the vintages are {', '.join(map(str, known))}")
    if wanted < own:
        raise ValueError(f"data of {year} is in the units of {own}; it cannot be shown in the older "
                         f"units of {wanted}")
    return wanted


def units_sql(vintage_col: str, code_col: str, within_units) -> tuple[str, list]:
    """SQL (and its parameters) keeping rows whose (vintage, code) columns are among the pairs
    ``within_units`` (e.g. the home area's units, ``levels.area_units``; None: all)."""
    if within_units is None:
        return "TRUE", []
    return (f"list_contains(?::VARCHAR[], {vintage_col}::VARCHAR || ':' || {code_col})",
            [sorted(f"{int(v)}:{c}" for v, c in within_units)])


def link_sql(vintage: int) -> str:
    """SQL of a relation ``(src_vintage, src_code, code)`` sending every unit of ``vintage`` to
    itself and every older unit to its successor in ``vintage`` (the default one of an old
    commune divided between several, so nothing is counted twice); join data on
    ``(src_vintage, src_code)`` and group by ``code``."""
    v = int(vintage)  # an int, so inlining it is safe
    return (f"(SELECT vintage AS src_vintage, code AS src_code, code FROM org_unit WHERE vintage = {v} "
            f"UNION ALL SELECT old_vintage, old_code, new_code FROM org_unit_map "
            f"WHERE new_vintage = {v} AND old_vintage <> {v} AND is_default)")


def communes(db: Database, vintage: int) -> pd.DataFrame:
    """The commune-level units of a vintage: code, name, unit_type, is_urban, also_absorbs_vi,
    also_absorbs_en (None where the unit lies wholly inside the data's area)."""
    return db.frame(
        f"""SELECT code, name, unit_type, is_urban, also_absorbs_vi, also_absorbs_en
            FROM org_unit WHERE vintage = ? AND unit_type IN {COMMUNE_TYPES_SQL} ORDER BY code""",
        [int(vintage)])


def district_units(db: Database, vintage: int) -> pd.DataFrame:
    """The district-level units of a vintage (none from 2025 on): code, name."""
    return db.frame("SELECT code, name FROM org_unit WHERE vintage = ? AND unit_type = 'district' "
                    "ORDER BY code", [int(vintage)])


def mapping(db: Database, old_vintage: int = 2024, new_vintage: int = 2025) -> pd.DataFrame:
    """Old commune -> new commune, for a user comparing years: old_code, old_name, new_code,
    new_name, is_default (an old commune divided between several new ones maps to each; its
    figures go to the default), also_absorbs_vi, also_absorbs_en (what the new unit took from
    outside the data)."""
    return db.frame(
        f"""SELECT m.old_code, o.name AS old_name, m.new_code, n.name AS new_name, m.is_default,
                   n.also_absorbs_vi, n.also_absorbs_en
            FROM org_unit_map m
            JOIN org_unit o ON o.vintage = m.old_vintage AND o.code = m.old_code
            JOIN org_unit n ON n.vintage = m.new_vintage AND n.code = m.new_code
            WHERE m.old_vintage = ? AND m.new_vintage = ? AND o.unit_type IN {COMMUNE_TYPES_SQL}
            ORDER BY m.new_code, m.old_code""",
        [int(old_vintage), int(new_vintage)])


def divided_communes(db: Database, old_vintage: int, new_vintage: int) -> pd.DataFrame:
    """The old communes divided between several new units: old_name, default_name (the unit their
    figures go to) and other_names (the other units that took part of them, joined by ", ")."""
    return db.frame(
        f"""SELECT coalesce(o.name, m.old_code) AS old_name,
                   coalesce(any_value(n.name) FILTER (m.is_default), '') AS default_name,
                   string_agg(n.name, ', ' ORDER BY n.name) FILTER (NOT m.is_default) AS other_names
            FROM org_unit_map m
            LEFT JOIN org_unit o ON o.vintage = m.old_vintage AND o.code = m.old_code
            JOIN org_unit n ON n.vintage = m.new_vintage AND n.code = m.new_code
            WHERE m.old_vintage = ? AND m.new_vintage = ? AND o.unit_type IN {COMMUNE_TYPES_SQL}
            GROUP BY m.old_code, o.name HAVING count(*) > 1
            ORDER BY old_name""",
        [int(old_vintage), int(new_vintage)])


def absorption_notes(db: Database, vintage: int, lang: str = "vi") -> dict[str, str]:
    """{code: note} for the units of ``vintage`` that also absorbed parts of units outside the
    data (their figures cover only the part the data holds)."""
    column = "also_absorbs_en" if lang == "en" else "also_absorbs_vi"
    return dict(db.query(f"SELECT code, {column} FROM org_unit WHERE vintage = ? AND {column} IS NOT NULL",
                         [int(vintage)]))
