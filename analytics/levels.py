"""The levels above the commune and the home area.

Before 1 July 2025 (vintage 2024) the units are province -> district -> commune; from then on
(vintage 2025) province -> commune. Every figure of a commune exists for the units above it:
counts summed over the communes within, rates from the sums (never an average of rates), targets
and gaps where a target was set, with the sum of the targets set below shown beside it.

The **home area** is the unit a deployment looks after (setting ``home_area``, ``vintage:code``),
set by an administrator; without it, the smallest unit containing all the data. Setting it adopts
the unit from the national registry (``registry.adopt``), and a name several units of the country
share is then read inside it (``importer.resolve``).
"""

from __future__ import annotations

import pandas as pd

from . import audit, poverty, registry, targets
from . import units as units_mod
from .db import Database
from .reference import get_setting
from .unit_names import LEVEL_OF_TYPE, LEVEL_TYPES

HOME_SETTING = "home_area"
COUNTS = ["total", "persons", "poor", "near_poor", "poor_ethnic_minority", "near_poor_ethnic_minority",
          "poor_persons", "near_poor_persons", "poor_ethnic_minority_persons", "near_poor_ethnic_minority_persons"]


def levels(vintage: int) -> tuple[str, ...]:
    """The levels of a vintage, top first (no district from 2025 on)."""
    return ("province", "district", "commune") if int(vintage) < 2025 else ("province", "commune")


# -- units within a unit -------------------------------------------------------------------------
def _within_sql(table: str) -> str:
    """Codes of a vintage at or under a unit (two levels at most), parameters (vintage, code) x3."""
    return f"""SELECT code FROM {table} WHERE vintage = $v AND $c IN (code, parent_code)
               UNION SELECT c.code FROM {table} c JOIN {table} p ON p.vintage = c.vintage AND p.code = c.parent_code
               WHERE c.vintage = $v AND p.parent_code = $c"""


def codes_within(db, vintage: int, code: str, in_vintage: int | None = None, registry_units: bool = False
                 ) -> set[str]:
    """Codes of the units at or under (``vintage``, ``code``), or, with ``in_vintage``, of the
    units of that vintage they map to or from (a 2024 district's communes -> the 2025 communes
    they merged into). Among the working units, or the whole registry."""
    table, mapping = ("unit_registry", "unit_registry_map") if registry_units else ("org_unit", "org_unit_map")
    params = {"v": int(vintage), "c": str(code)}
    own = {r[0] for r in db.query(_within_sql(table), params)}
    target = int(in_vintage) if in_vintage is not None else int(vintage)
    if target == int(vintage) or not own:
        return own
    newer = target > int(vintage)
    src, dst = ("old", "new") if newer else ("new", "old")
    rows = db.query(f"SELECT DISTINCT {dst}_code FROM {mapping} WHERE {src}_vintage = ? AND {dst}_vintage = ? "
                    f"AND list_contains(?, {src}_code)", [int(vintage), target, sorted(own)])
    return {r[0] for r in rows}


def area_units(db, vintage: int, code: str) -> tuple[tuple[int, str], ...]:
    """(vintage, code) of the working units at or under (``vintage``, ``code``), and of the units of
    every other vintage they map to or from: what a figure of that area counts, whatever the
    vintage of its data."""
    vintages = [int(r[0]) for r in db.query("SELECT DISTINCT vintage FROM org_unit ORDER BY 1")]
    return tuple(sorted((v, c) for v in vintages for c in codes_within(db, vintage, code, in_vintage=v)))


def unit_info(db, vintage: int, code: str) -> dict | None:
    """{vintage, code, name, unit_type, level, parent_code} of a working unit, or None."""
    rows = db.records("SELECT vintage, code, name, unit_type, parent_code FROM org_unit "
                      "WHERE vintage = ? AND code = ?", [int(vintage), str(code)])
    if not rows:
        return None
    return {**rows[0], "level": LEVEL_OF_TYPE.get(rows[0]["unit_type"], rows[0]["unit_type"])}


# -- the home area -----------------------------------------------------------------------------
def _parse(value: str | None) -> tuple[int, str] | None:
    vintage, _, code = (value or "").strip().partition(":")
    return (int(vintage), code) if vintage.isdigit() and code else None


def home_setting(db) -> tuple[int, str] | None:
    """The home area an administrator set, (vintage, code), or None."""
    return _parse(get_setting(db, HOME_SETTING))


def _data_units(db) -> list[tuple[int, str]]:
    from .batches import UNIT_COLUMNS  # batches imports budget, which imports nothing of this module
    parts = [f"SELECT DISTINCT {v}, {c} FROM {table}_current WHERE {c} IS NOT NULL"
             for table, (v, c) in UNIT_COLUMNS.items()]
    return [(int(v), str(c)) for v, c in db.query(" UNION ".join(parts))]


def default_home(db) -> tuple[int, str] | None:
    """The smallest working unit containing all the data (in the latest vintage with data; older
    units by their successors), or None without data or when the data spans several provinces."""
    found = _data_units(db)
    if not found:
        return None
    vintage = max(v for v, _ in found)
    link = dict(((int(v), c), code) for v, c, code in db.query(f"SELECT * FROM {units_mod.link_sql(vintage)} l"))
    parents = dict(db.query("SELECT code, parent_code FROM org_unit WHERE vintage = ?", [vintage]))

    def chain(code):  # the unit and the units above it, bottom first
        out = []
        while code is not None and code not in out:
            out.append(code)
            code = parents.get(code)
        return out
    chains = [chain(link.get(unit)) for unit in found]
    chains = [c for c in chains if c]
    if not chains:
        return None
    common = set(chains[0]).intersection(*map(set, chains[1:]))
    lowest = next((code for code in chains[0] if code in common), None)
    return (vintage, lowest) if lowest is not None else None


def home_area(db) -> tuple[int, str] | None:
    """The home area: the one set, else the smallest unit containing all the data."""
    return home_setting(db) or default_home(db)


def set_home_area(db: Database, scope, vintage: int, code: str) -> dict:
    """Set the home area to a registry unit (adopting it with the units under it, audited), for
    an ``auth.Scope`` that manages accounts (administrators); its ``unit_info``. ValueError for a code the
    registry does not hold, PermissionDenied for another scope."""
    scope.require("manage_accounts")
    actor = scope.username
    vintage, code = int(vintage), str(code).strip()
    with db.transaction() as cur:
        if not cur.execute("SELECT count(*) FROM unit_registry WHERE vintage = ? AND code = ?",
                           [vintage, code]).fetchone()[0]:
            raise ValueError(f"no unit {code} in the registry of {vintage}")
        registry.adopt(cur, vintage, code)
        before = cur.execute("SELECT value FROM setting WHERE key = ?", [HOME_SETTING]).fetchone()
        cur.execute("""INSERT INTO setting (key, value, description_vi, description_en, source)
                       VALUES (?, ?, 'Địa bàn quản lý (năm đơn vị:mã)', 'Home area (vintage:code)',
                               'quản trị viên / administrator')
                       ON CONFLICT (key) DO UPDATE SET value = excluded.value""",
                    [HOME_SETTING, f"{vintage}:{code}"])
        audit.record(cur, "setting_changed", actor, {"key": HOME_SETTING, "from": before[0] if before else None,
                                                     "to": f"{vintage}:{code}"})
    return unit_info(db, vintage, code)


# -- figures at any level ----------------------------------------------------------------------
def _with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    def ratio(a, b):
        return (frame[a] / frame[b].where(frame[b] > 0)).astype(float)
    return frame.assign(poor_rate=ratio("poor", "total"), near_poor_rate=ratio("near_poor", "total"),
                        poor_persons_rate=ratio("poor_persons", "persons"))


def _ancestry(db, vintage: int) -> pd.DataFrame:
    """Each commune of the vintage with its district and province codes (None above the top)."""
    return db.frame(
        """SELECT c.code, CASE WHEN p.unit_type = 'district' THEN p.code END AS district,
                  CASE WHEN p.unit_type = 'province' THEN p.code ELSE g.code END AS province
           FROM org_unit c LEFT JOIN org_unit p ON p.vintage = c.vintage AND p.code = c.parent_code
           LEFT JOIN org_unit g ON g.vintage = p.vintage AND g.code = p.parent_code
           WHERE c.vintage = ? AND list_contains(?, c.unit_type)""", [int(vintage), list(LEVEL_TYPES["commune"])])


def level_table(db: Database, year: int, level: str, units: int | None = None,
                within: str | None = None, commune_rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per unit of ``level`` (province, district or commune; in the units of ``units`` or
    of the year), optionally only those under the unit ``within``: code, name, level, the counts of
    ``poverty.commune_table`` summed over its communes (a total or persons count unknown for every
    commune stays unknown) and rates from the sums. ``commune_rows``: the year's
    ``poverty.commune_table`` when the caller has read it already (several levels of one unit)."""
    vintage = units_mod.target_vintage(year, units)
    if level not in levels(vintage):
        raise ValueError(f"no {level} level in the units of {vintage}")
    rows = commune_rows if commune_rows is not None else poverty.commune_table(db, year, units)
    communes = rows.merge(_ancestry(db, vintage), on="code", how="left")
    if within is not None:
        inside = codes_within(db, vintage, within)
        communes = communes[communes.code.isin(inside)]
    key = "code" if level == "commune" else level
    grouped = (communes.dropna(subset=[key]).groupby(key)[COUNTS].sum(min_count=1)
               .reset_index().rename(columns={key: "code"}))
    names = db.frame("SELECT code, name FROM org_unit WHERE vintage = ?", [vintage])
    out = _with_rates(grouped.merge(names, on="code", how="left")).assign(level=level)
    for c in ("poor", "near_poor", "poor_ethnic_minority", "near_poor_ethnic_minority"):
        out[c] = out[c].fillna(0).astype("int64")
    return out[["code", "name", "level", *COUNTS, "poor_rate", "near_poor_rate", "poor_persons_rate"]] \
        .sort_values("code").reset_index(drop=True)


def child_level(vintage: int, level: str) -> str | None:
    order = levels(vintage)
    i = order.index(level)
    return order[i + 1] if i + 1 < len(order) else None


def targets_with_lower(gaps: pd.DataFrame, parents: dict[str, str | None], code: str,
                       lower_only: bool = False) -> pd.DataFrame:
    """The rows of ``gaps`` (``targets.target_gaps`` of one vintage) set for the unit ``code``,
    with what the units under it were given beside them (``parents``: {code: parent code} of
    the vintage's units):

    - ``lower_targets``: per indicator counted in households, the sum over the units directly
      under ``code`` of each one's own target or, where it has none, of the targets below it in
      turn (a province's districts and their communes are never both counted); None where no
      unit below has one. Shares cannot be summed: None.
    - ``lower_units``: how many units directly under ``code`` that sum covers, out of
      ``units_below``, so a partial sum shows as such.

    With ``lower_only`` an indicator set only below also gets a row (its ``target`` and gap
    missing), so a level without targets of its own still shows what its units were given."""
    code = str(code)
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(str(parent), []).append(str(child))
    counted = gaps[gaps["unit"] == "households"]
    own_target = {(str(u), i): float(t) for (u, i), t in
                  counted.groupby(["org_unit", "indicator"])["target"].sum(min_count=1).items() if pd.notna(t)}

    def given(unit: str, indicator: str) -> float | None:
        """The unit's own target, else the sum of what the units under it were given."""
        if (unit, indicator) in own_target:
            return own_target[(unit, indicator)]
        below = [v for v in (given(c, indicator) for c in children.get(unit, [])) if v is not None]
        return sum(below) if below else None

    under = children.get(code, [])
    own = gaps[gaps.org_unit.astype(str) == code].copy()
    rows = own
    if lower_only:
        inside = codes_below(children, code)
        extra = (counted[counted.org_unit.astype(str).isin(inside) & ~counted.indicator.isin(own.indicator)]
                 .drop_duplicates("indicator"))
        extra = extra.assign(org_unit=code, org_name=own.org_name.iloc[0] if len(own) else None,
                             target=float("nan"), achieved=float("nan"), gap=float("nan"),
                             progress=float("nan"), status=None, achieved_source=None)
        rows = pd.concat([own, extra[own.columns]], ignore_index=True) if not extra.empty else own
    lower, covered = [], []
    for indicator, unit in zip(rows.indicator, rows["unit"]):
        parts = [given(c, indicator) for c in under] if unit == "households" else []
        parts = [v for v in parts if v is not None]
        lower.append(sum(parts) if parts else None)
        covered.append(len(parts))
    return rows.assign(lower_targets=pd.Series(lower, index=rows.index, dtype="object"),
                       lower_units=covered, units_below=len(under)).reset_index(drop=True)


def codes_below(children: dict[str, list[str]], code: str) -> set[str]:
    """Every unit under ``code`` in a {parent: [children]} map, at any depth."""
    out, todo = set(), list(children.get(str(code), []))
    while todo:
        unit = todo.pop()
        if unit not in out:
            out.add(unit)
            todo.extend(children.get(unit, []))
    return out


def unit_targets(db: Database, year: int, code: str, units: int | None = None,
                 lower_only: bool = False) -> pd.DataFrame:
    """The targets set for the unit itself, with their gaps (``targets.target_gaps``) and, beside
    them, what the units under it were given (``targets_with_lower``: ``lower_targets``,
    ``lower_units`` of ``units_below``)."""
    vintage = units_mod.target_vintage(year, units)
    gaps = targets.target_gaps(db, year, units)
    parents = dict(db.query("SELECT code, parent_code FROM org_unit WHERE vintage = ?", [vintage]))
    return targets_with_lower(gaps[gaps.org_vintage == vintage], parents, code, lower_only)


def empty_figures() -> dict:
    """The figures of a unit without any data: no households counted, totals and rates unknown."""
    zero = {"poor", "near_poor", "poor_ethnic_minority", "near_poor_ethnic_minority"}
    return {c: (0 if c in zero else None) for c in [*COUNTS, "poor_rate", "near_poor_rate", "poor_persons_rate"]}


def home_units(db) -> tuple[tuple[int, str], ...] | None:
    """The units of the home area an administrator set (``area_units``), what the overview counts;
    None without one (the default home area holds all the data: nothing to leave out)."""
    home = home_setting(db)
    return area_units(db, *home) if home else None


def home_info(db) -> dict | None:
    """The home area for the pages: ``unit_info`` and ``chosen`` (set by an administrator, or the
    default: the smallest unit holding the data); None without either."""
    chosen = home_setting(db)
    home = chosen or default_home(db)
    info = unit_info(db, *home) if home else None
    return {**info, "chosen": chosen is not None} if info else None


def registry_choices(db, vintage: int, parent_code: str | None = None) -> pd.DataFrame:
    """Registry units of a vintage to pick a home area from: the provinces, or the units directly
    under ``parent_code``: code, name, unit_type, by name."""
    where, params = ("parent_code IS NULL", [int(vintage)]) if parent_code is None else \
        ("parent_code = ?", [int(vintage), str(parent_code)])
    return db.frame(f"SELECT code, name, unit_type FROM unit_registry WHERE vintage = ? AND {where} "
                    f"AND merged_into IS NULL ORDER BY name", params)


def unit_labels(db, vintage: int, within: tuple[int, str] | None = None) -> dict[str, str]:
    """{code: "Xã Tân Hưng, Huyện Hớn Quản, Tỉnh Bình Phước"} of the working units of a vintage
    (only those at or under the unit ``within``, mapped into the vintage), provinces first: a text
    the importer reads back as exactly that unit."""
    rows = db.query("""SELECT u.code, concat_ws(', ', u.name, p.name, g.name) FROM org_unit u
        LEFT JOIN org_unit p ON p.vintage = u.vintage AND p.code = u.parent_code
        LEFT JOIN org_unit g ON g.vintage = p.vintage AND g.code = p.parent_code
        WHERE u.vintage = ?
        ORDER BY u.unit_type <> 'province', u.unit_type <> 'district', u.code""", [int(vintage)])
    keep = codes_within(db, *within, in_vintage=vintage) if within else None
    if keep is not None and within[0] == int(vintage):
        keep.add(within[1])
    return {code: label for code, label in rows if keep is None or code in keep}


def unit_names(db) -> dict[str, str]:
    """{"2024:694": "Huyện Hớn Quản, Tỉnh Bình Phước"} of the working units of every vintage: a
    unit written as the home-area setting and the audit log write it, named for a person."""
    rows = db.query("""SELECT concat(u.vintage, ':', u.code), concat_ws(', ', u.name, p.name, g.name)
        FROM org_unit u
        LEFT JOIN org_unit p ON p.vintage = u.vintage AND p.code = u.parent_code
        LEFT JOIN org_unit g ON g.vintage = p.vintage AND g.code = p.parent_code""")
    return dict(rows)


def centroids(db, vintage: int) -> pd.DataFrame:
    """code, lat, lon of the working units of a vintage, from the registry (None where unknown)."""
    return db.frame("""SELECT o.code, r.lat, r.lon FROM org_unit o
        LEFT JOIN unit_registry r ON r.vintage = o.vintage AND r.code = o.code WHERE o.vintage = ?""", [int(vintage)])
