"""The national registry of administrative units, both vintages, from ``vietnamadminunits``.

The package (MIT, pinned in requirements.txt) bundles the statistics office's units just before
1 July 2025 (table ``admin_units_legacy`` of ``data/dataset.db``: 63 provinces, 696 districts,
10,035 communes) and from 1 July 2025 (``admin_units``: 34 provinces, 3,321 communes, wards and
special zones), and the old -> new conversion (``data/converter_2025.json``), in which an old
commune divided between several new ones names one of them the default.

They are loaded into ``unit_registry`` and ``unit_registry_map``, with a ``source`` on every row.
``org_unit`` / ``org_unit_map`` stay the units the database works with (the hand-checked rows of
``data/reference/org_unit.csv``), which the registry must agree with (tests/test_registry.py).

The legacy table is one snapshot: communes merged in earlier rounds (2019–2021, 2023–2025) are
not in it. ``data/reference/unit_older.csv`` adds such units, each with the unit of the snapshot
it was merged into (``merged_into``) and its source; they map on to the new units as that one does.
"""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache
from importlib import util
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from .text import fold
from .reference import read_csv

LIBRARY = "vietnamadminunits"
OLDER_UNITS_FILE = "unit_older.csv"
# The library's unit type words -> the project's unit_type codes.
_TYPES = {"Xã": "xa", "Phường": "phuong", "Thị trấn": "thi_tran", "Đặc khu": "dac_khu"}
URBAN_TYPES = ("phuong", "thi_tran")
UNIT_COLUMNS = ["vintage", "code", "name", "unit_type", "parent_code", "is_urban", "lat", "lon",
                "merged_into", "aliases", "source"]
MAP_COLUMNS = ["old_vintage", "old_code", "new_vintage", "new_code", "is_default", "source"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS unit_registry (
    vintage INTEGER NOT NULL, code VARCHAR NOT NULL, name VARCHAR NOT NULL,
    unit_type VARCHAR NOT NULL, parent_code VARCHAR, is_urban BOOLEAN NOT NULL,
    lat DOUBLE, lon DOUBLE, merged_into VARCHAR, aliases VARCHAR, source VARCHAR NOT NULL,
    PRIMARY KEY (vintage, code));
CREATE TABLE IF NOT EXISTS unit_registry_map (
    old_vintage INTEGER NOT NULL, old_code VARCHAR NOT NULL, new_vintage INTEGER NOT NULL,
    new_code VARCHAR NOT NULL, is_default BOOLEAN NOT NULL, source VARCHAR NOT NULL,
    PRIMARY KEY (old_vintage, old_code, new_vintage, new_code));
"""


def _data_dir() -> Path:
    """The package's data folder, found without importing it (its import builds parsers)."""
    spec = util.find_spec(LIBRARY)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the package {LIBRARY} is not installed (pip install -r requirements.txt)")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _source(table: str) -> str:
    return (f"{LIBRARY} {version(LIBRARY)} ({table}), danh mục đơn vị hành chính của "
            f"Tổng cục Thống kê")


def _library_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    data = _data_dir()
    with sqlite3.connect(data / "dataset.db") as con:
        legacy = pd.read_sql(
            "SELECT province, provinceCode, provinceKey, provinceLat, provinceLon, provinceAlias, district, districtCode, "
            "districtKey, districtLat, districtLon, ward, wardType, wardCode, wardKey, wardLat, wardLon "
            "FROM admin_units_legacy", con)
        new = pd.read_sql("SELECT province, provinceCode, provinceKey, provinceLat, provinceLon, provinceAlias, ward, wardType, "
                          "wardCode, wardKey, wardLat, wardLon FROM admin_units", con)
    with open(data / "converter_2025.json", encoding="utf-8") as f:
        converter = json.load(f)

    src_old, src_new = _source("admin_units_legacy"), _source("admin_units")
    provinces_old = legacy.drop_duplicates("provinceCode")
    districts_old = legacy.drop_duplicates("districtCode")
    communes_old = legacy[legacy.wardCode.notna()]
    provinces_new = new.drop_duplicates("provinceCode")

    def frame(vintage, codes, names, types, parents, lats, lons, source, aliases=None):
        types = pd.Series(list(types), dtype="object")
        return pd.DataFrame({
            "vintage": vintage, "code": list(codes), "name": list(names), "unit_type": types,
            "parent_code": list(parents), "is_urban": types.isin(URBAN_TYPES),
            "lat": list(lats), "lon": list(lons), "merged_into": None,
            "aliases": None if aliases is None else list(aliases), "source": source})

    def short_forms(column: pd.Series) -> pd.Series:
        """The library's short forms of a province's name ('["hcm"]' -> 'hcm'), comma-separated."""
        return column.map(lambda v: ",".join(json.loads(v)) if isinstance(v, str) else None)

    units = pd.concat([
        frame(2024, provinces_old.provinceCode, provinces_old.province, ["province"] * len(provinces_old),
              [None] * len(provinces_old), provinces_old.provinceLat, provinces_old.provinceLon, src_old,
              short_forms(provinces_old.provinceAlias)),
        frame(2024, districts_old.districtCode, districts_old.district, ["district"] * len(districts_old),
              districts_old.provinceCode, districts_old.districtLat, districts_old.districtLon, src_old),
        frame(2024, communes_old.wardCode, communes_old.ward, communes_old.wardType.map(_TYPES),
              communes_old.districtCode, communes_old.wardLat, communes_old.wardLon, src_old),
        frame(2025, provinces_new.provinceCode, provinces_new.province, ["province"] * len(provinces_new),
              [None] * len(provinces_new), provinces_new.provinceLat, provinces_new.provinceLon, src_new,
              short_forms(provinces_new.provinceAlias)),
        frame(2025, new.wardCode, new.ward, new.wardType.map(_TYPES), new.provinceCode,
              new.wardLat, new.wardLon, src_new),
    ], ignore_index=True)

    # The converter names units by folded keys: old "province_district_commune", new (province, commune).
    src_map = _source("converter_2025.json")
    old_code = dict(zip(communes_old.provinceKey + "_" + communes_old.districtKey + "_" + communes_old.wardKey,
                        communes_old.wardCode))
    by_key = {(p, w): c for p, w, c in zip(new.provinceKey, new.wardKey, new.wardCode)}
    by_folded = {(p, fold(w)): c for (p, w), c in by_key.items()}

    def new_code(province: str, ward: str) -> str:
        # A few converter keys keep their accents ("xãcẩmgiàng"): matched folded.
        return by_key.get((province, ward)) or by_folded[(province, fold(ward))]
    new_province = {old: newp for newp, olds in converter["DICT_PROVINCE"].items() for old in olds}
    province_code_new = dict(zip(provinces_new.provinceKey, provinces_new.provinceCode))
    rows = []
    for province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward, olds in wards.items():
            for old in olds:
                if old in old_code:  # island districts without communes have keys ending in "_"
                    rows.append((old_code[old], new_code(province, ward), True))
    for province, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, targets in olds.items():
            if old in old_code:
                for target in targets:
                    rows.append((old_code[old], new_code(province, target["newWardKey"]),
                                 bool(target["isDefaultNewWard"])))
    communes_map = pd.DataFrame(rows, columns=["old_code", "new_code", "is_default"])
    # Districts ended on 1 July 2025: a district's and a province's figures go to the new province.
    uppers = pd.concat([
        pd.DataFrame({"old_code": districts_old.districtCode,
                      "new_code": districts_old.provinceKey.map(new_province).map(province_code_new)}),
        pd.DataFrame({"old_code": provinces_old.provinceCode,
                      "new_code": provinces_old.provinceKey.map(new_province).map(province_code_new)}),
    ]).assign(is_default=True)
    mapping = pd.concat([communes_map, uppers], ignore_index=True).drop_duplicates(["old_code", "new_code"])
    mapping = mapping.assign(old_vintage=2024, new_vintage=2025, source=src_map)[MAP_COLUMNS]
    return units[UNIT_COLUMNS], mapping


def _older_frames(units: pd.DataFrame, mapping: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Units merged before the library's snapshot (``unit_older.csv``) and their mapping: on to
    the new units of the snapshot unit each was merged into."""
    rows = read_csv(OLDER_UNITS_FILE)
    older = pd.DataFrame(rows, columns=["vintage", "code", "name", "unit_type", "parent_code", "is_urban",
                                        "merged_into", "source"])
    if older.empty:
        return units.iloc[0:0], mapping.iloc[0:0]
    older = older.assign(vintage=older.vintage.astype(int),
                         is_urban=older.is_urban.str.lower().isin(["true", "1"]), lat=None, lon=None,
                         aliases=None)
    known = set(zip(units.vintage, units.code))
    unknown = [m for v, m in zip(older.vintage, older.merged_into) if (v, m) not in known]
    if unknown:
        raise ValueError(f"{OLDER_UNITS_FILE}: merged_into names units not in the registry: {unknown}")
    successors = mapping.rename(columns={"old_code": "merged_into", "source": "map_source"})
    onward = older.merge(successors, left_on=["vintage", "merged_into"], right_on=["old_vintage", "merged_into"])
    onward = onward.assign(old_code=onward.code)[MAP_COLUMNS]
    return older[UNIT_COLUMNS], onward


@lru_cache(maxsize=1)
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(units, mapping) of the whole registry, read once per process (the test suite builds many
    databases)."""
    units, mapping = _library_frames()
    older_units, older_map = _older_frames(units, mapping)
    if len(older_units):
        units = pd.concat([units, older_units], ignore_index=True)
        mapping = pd.concat([mapping, older_map], ignore_index=True)
    return units, mapping


def load(cur) -> tuple[int, int]:
    """(Re)load the registry inside the caller's transaction; (units, mapping rows)."""
    units, mapping = frames()
    for statement in SCHEMA.split(";"):
        if statement.strip():
            cur.execute(statement)
    cur.execute("DELETE FROM unit_registry_map")
    cur.execute("DELETE FROM unit_registry")
    cur.register("registry_units_frame", units)
    cur.register("registry_map_frame", mapping)
    try:
        cur.execute(f"INSERT INTO unit_registry SELECT {', '.join(UNIT_COLUMNS)} FROM registry_units_frame")
        cur.execute(f"INSERT INTO unit_registry_map SELECT {', '.join(MAP_COLUMNS)} FROM registry_map_frame")
    finally:
        cur.unregister("registry_units_frame")
        cur.unregister("registry_map_frame")
    return len(units), len(mapping)


def adopt(cur, vintage: int, code) -> int:
    """Make a registry unit (or each of several codes of one vintage), everything under it and
    the units above it units the database works with (``org_unit``), with their successors (or
    predecessors) in the other vintage and the mapping between them (``org_unit_map``); rows
    already there (the hand-checked ones, with their notes) are kept. Returns the number of units
    added."""
    codes = [str(code)] if isinstance(code, str) else sorted({str(c) for c in code})
    before = cur.execute("SELECT count(*) FROM org_unit").fetchall()[0][0]  # all fetched: the cursor is reused
    cur.execute("CREATE OR REPLACE TEMP TABLE adopted (vintage INTEGER, code VARCHAR)")
    # the unit and its descendants (two levels at most)
    cur.execute("""INSERT INTO adopted
        SELECT vintage, code FROM unit_registry
        WHERE vintage = $v AND (list_contains($c, code) OR list_contains($c, parent_code))
        UNION SELECT c.vintage, c.code FROM unit_registry c JOIN unit_registry p
            ON p.vintage = c.vintage AND p.code = c.parent_code
        WHERE c.vintage = $v AND list_contains($c, p.parent_code)""",
                {"v": int(vintage), "c": codes})
    # the units they map to or from in the other vintage, and the mapping itself
    cur.execute("""CREATE OR REPLACE TEMP TABLE adopted_map AS
        SELECT m.* FROM unit_registry_map m JOIN adopted a
            ON (a.vintage, a.code) IN ((m.old_vintage, m.old_code), (m.new_vintage, m.new_code))""")
    cur.execute("""INSERT INTO adopted SELECT new_vintage, new_code FROM adopted_map
                   UNION SELECT old_vintage, old_code FROM adopted_map""")
    for _ in range(2):  # the units above (district, province)
        cur.execute("""INSERT INTO adopted SELECT u.vintage, u.parent_code FROM unit_registry u
                       JOIN adopted a ON a.vintage = u.vintage AND a.code = u.code WHERE u.parent_code IS NOT NULL""")
    cur.execute("""INSERT INTO org_unit (vintage, code, name, unit_type, parent_code, is_urban, source)
        SELECT DISTINCT u.vintage, u.code, u.name, u.unit_type, u.parent_code, u.is_urban, u.source
        FROM unit_registry u JOIN adopted a ON a.vintage = u.vintage AND a.code = u.code
        ON CONFLICT DO NOTHING""")
    # every mapping between adopted units (the units above too: Bình Phước -> Đồng Nai)
    cur.execute("""INSERT INTO org_unit_map (old_vintage, old_code, new_vintage, new_code, is_default, source)
        SELECT m.old_vintage, m.old_code, m.new_vintage, m.new_code, m.is_default, m.source
        FROM unit_registry_map m
        WHERE (m.old_vintage, m.old_code) IN (SELECT (vintage, code) FROM adopted)
          AND (m.new_vintage, m.new_code) IN (SELECT (vintage, code) FROM adopted)
        ON CONFLICT DO NOTHING""")
    cur.execute("DROP TABLE adopted")
    cur.execute("DROP TABLE adopted_map")
    return cur.execute("SELECT count(*) FROM org_unit").fetchall()[0][0] - before
