"""Reference facts (org units, poverty standards, indicators, project catalogue, settings) live
in ``data/reference/*.csv`` with a ``source`` column; this module loads them into DuckDB and reads
them back for the rest of the package."""

from __future__ import annotations

import csv
from functools import lru_cache

from .db import PROJECT_ROOT

REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"

# table name -> CSV file; the CSV header names the columns.
REFERENCE_TABLES = {
    "org_unit_vintage": "org_unit_vintage.csv",
    "org_unit": "org_unit.csv",
    "org_unit_map": "org_unit_map.csv",
    "poverty_standard": "poverty_standard.csv",
    "deprivation_indicator": "deprivation_indicator.csv",
    "project": "project.csv",
    "funding_source": "funding_source.csv",
    "indicator": "indicator.csv",
    "review_cutoff": "review_cutoff.csv",
    "poverty_cause": "poverty_cause.csv",
    "support_type": "support_type.csv",
}
# Settings are seeded from their CSV but then belong to the administrators: never overwritten.
SETTINGS_FILE = "setting.csv"


def read_csv(name: str) -> list[dict[str, str]]:
    """Rows of a reference CSV as dicts (empty cells as None)."""
    with open(REFERENCE_DIR / name, newline="", encoding="utf-8") as f:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(f)]


def load_reference(cur, tables=None) -> None:
    """Replace every reference table (or those named) with its CSV, inside the caller's
    transaction; a table a later migration creates is loaded by that migration."""
    existing = {r[0] for r in cur.execute("SELECT table_name FROM duckdb_tables() "
                                             "WHERE database_name = current_database()").fetchall()}
    for table, file_name in REFERENCE_TABLES.items():
        if table not in existing or (tables is not None and table not in tables):
            continue
        rows = read_csv(file_name)
        # Only the columns the table has so far: an earlier migration loads a CSV that a later
        # one widens the table for (and then loads again).
        have = {r[0] for r in cur.execute(f"DESCRIBE {table}").fetchall()}
        cols = [c for c in rows[0] if c in have]
        cur.execute(f"DELETE FROM {table}")
        cur.executemany(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            [[r[c] for c in cols] for r in rows])
    seed_settings(cur, SETTINGS_FILE)


def seed_settings(cur, file_name: str) -> None:
    """Add the settings of a reference CSV that the database lacks (values an administrator has
    changed are kept)."""
    for r in read_csv(file_name):
        cur.execute("INSERT INTO setting VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                    [r["key"], r["value"], r["description_vi"], r["description_en"], r["source"]])


def vintage_for_year(year: int) -> int:
    """The org-unit vintage in force for data of ``year`` (pre-2025 units until 2024)."""
    for row in _vintages():
        first = int(row["first_data_year"])
        last = int(row["last_data_year"]) if row["last_data_year"] else 9999
        if first <= year <= last:
            return int(row["vintage"])
    raise ValueError(f"no org-unit vintage covers the year {year}")


@lru_cache(maxsize=1)
def _vintages() -> tuple[dict, ...]:
    return tuple(read_csv("org_unit_vintage.csv"))


def get_setting(db, key: str, default: str | None = None) -> str | None:
    """A setting's value as stored (administrators may have changed it)."""
    value = db.scalar("SELECT value FROM setting WHERE key = ?", [key])
    return default if value is None else value


def standard_years(db) -> list[int]:
    """The years some poverty standard covers (the years data can be imported for), in order."""
    lo, hi = db.query("SELECT min(valid_from_year), max(valid_to_year) FROM poverty_standard")[0]
    return list(range(lo, hi + 1)) if lo is not None else []


def get_float_setting(db, key: str, default: float) -> float:
    value = get_setting(db, key)
    return default if value is None else float(value)
