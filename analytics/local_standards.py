"""A unit's own poverty standard (Decree 351/2025: a province may set income lines above the
national ones for its own programmes), kept in ``local_standard``: list, set and remove, for
administrators (permission ``manage_standards``), audited; and the names of the standards behind
a year's figures, for pages and reports.

A standard is known by its name (e.g. "Chuẩn nghèo tỉnh Bình Phước 2022–2025"): setting a name
again replaces it whole. Its lines must be at or above the national ones of every year it covers,
its years covered by a national standard, its unit one the database works with, and no other own
standard of the same unit and area may cover the same years (the most specific standard decides a
household's class; two at one level would leave it to chance). Classification: ``classification``.
"""

from __future__ import annotations

from . import audit, classification
from .auth import Scope
from .i18n import fmt_number, t

AREAS = ("rural", "urban")
PERMISSION = "manage_standards"


class StandardRefused(ValueError):
    """A standard refused for a reason a person can act on: ``reason`` names the label
    ``standard_err_<reason>`` and ``values`` fill it."""

    def __init__(self, reason: str, **values):
        self.reason, self.values = reason, values
        super().__init__(self.message("en"))

    def message(self, lang: str = "vi") -> str:
        """The reason in ``lang``: amounts written as the language writes them, areas named."""
        values = {k: (t(f"standard_area_{v}", lang) if k == "area" else
                      fmt_number(v, lang) if k in ("line", "national") else v) for k, v in self.values.items()}
        return t(f"standard_err_{self.reason}", lang, **values)


def parse_period(text: str) -> tuple[int, int]:
    """'2022-2025' (or '2022–2025', or one year '2024') -> (2022, 2025); StandardRefused
    ``bad_period`` otherwise."""
    parts = str(text or "").replace("–", "-").split("-")
    try:
        first, last = int(parts[0]), int(parts[-1])
    except ValueError:
        raise StandardRefused("bad_period", period=text) from None
    if len(parts) > 2 or first > last:
        raise StandardRefused("bad_period", period=text)
    return first, last


def list_standards(db) -> list[dict]:
    """Every unit's own standard: name, org_vintage, org_code, org_name, valid_from_year,
    valid_to_year, source, lines {area: {poor_income_max, average_income_max}}; by name."""
    out: dict[str, dict] = {}
    for r in db.records("""SELECT l.*, u.name AS org_name FROM local_standard l
                           LEFT JOIN org_unit u ON u.vintage = l.org_vintage AND u.code = l.org_code
                           ORDER BY l.standard, l.area"""):
        entry = out.setdefault(r["standard"], {
            "name": r["standard"], "org_vintage": r["org_vintage"], "org_code": r["org_code"],
            "org_name": r["org_name"], "valid_from_year": r["valid_from_year"],
            "valid_to_year": r["valid_to_year"], "source": r["source"], "lines": {}})
        entry["lines"][r["area"]] = {"poor_income_max": r["poor_income_max"],
                                     "average_income_max": r["average_income_max"]}
    return list(out.values())


def display_rows(db, lang: str = "vi") -> list[dict]:
    """``list_standards`` as a table reads: name, unit, years, lines ('nông thôn 2.000.000 /
    3.000.000; …'), source."""
    return [{"name": r["name"], "unit": r["org_name"] or r["org_code"],
             "years": f"{r['valid_from_year']}–{r['valid_to_year']}",
             "lines": "; ".join(f"{t(f'standard_area_{area}', lang)} {fmt_number(v['poor_income_max'], lang)} / "
                                f"{fmt_number(v['average_income_max'], lang)}" for area, v in r["lines"].items()),
             "source": r["source"]} for r in list_standards(db)]


def _check(cur, name: str, org_vintage: int, org_code: str, first: int, last: int,
           lines: dict[str, tuple[int, int]], source: str) -> None:
    if not name.strip():
        raise StandardRefused("no_name")
    if not source.strip():
        raise StandardRefused("no_source")
    if not lines:
        raise StandardRefused("no_lines")
    if not org_code:  # no unit picked: say so, not "no unit with the code ''"
        raise StandardRefused("no_unit")
    if not cur.execute("SELECT count(*) FROM org_unit WHERE vintage = ? AND code = ?",
                       [org_vintage, org_code]).fetchone()[0]:
        raise StandardRefused("unknown_unit", code=org_code, vintage=org_vintage)
    for area, (poor, average) in lines.items():
        if area not in AREAS:
            raise StandardRefused("unknown_area", value=area)
        covered, national, national_average = cur.execute(
            "SELECT count(DISTINCT y), max(poor_income_max), max(average_income_max) "
            "FROM range(?, ? + 1) r(y) JOIN poverty_standard n ON n.area = ? "
            "AND y BETWEEN n.valid_from_year AND n.valid_to_year", [first, last, area]).fetchone()
        if covered != last - first + 1:
            raise StandardRefused("unknown_period", first=first, last=last)
        if int(poor) < national:
            raise StandardRefused("below_national", area=area, line=int(poor), national=int(national))
        if int(average) < int(poor) or int(average) < national_average:
            raise StandardRefused("average_below", area=area)
        clash = cur.execute(
            "SELECT min(standard) FROM local_standard WHERE org_vintage = ? AND org_code = ? AND area = ? "
            "AND standard <> ? AND valid_from_year <= ? AND valid_to_year >= ?",
            [org_vintage, org_code, area, name, last, first]).fetchone()[0]
        if clash is not None:
            raise StandardRefused("overlap", other=clash)


def set_standard(db, scope: Scope, name: str, org_vintage: int, org_code: str, valid_from_year: int,
                 valid_to_year: int, lines: dict[str, tuple[int, int]], source: str) -> int:
    """Record (or replace, by name) a unit's own standard — ``lines`` {area: (poor_income_max,
    average_income_max)} for 'rural' and/or 'urban' — and reclassify every household, in one
    audited transaction; the number of households it now classifies. PermissionDenied unless
    ``scope`` may manage standards; StandardRefused for a line below the national one, a period
    no national standard covers, no unit or one the database does not work with, or a clash."""
    scope.require(PERMISSION)
    name, source, org_code = str(name).strip(), str(source or "").strip(), str(org_code or "").strip()
    org_vintage, first, last = int(org_vintage), int(valid_from_year), int(valid_to_year)
    with db.transaction() as cur:
        _check(cur, name, org_vintage, org_code, first, last, lines, source)
        cur.execute("DELETE FROM local_standard WHERE standard = ?", [name])
        for area, (poor, average) in lines.items():
            cur.execute("INSERT INTO local_standard VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [name, org_vintage, org_code, first, last, area, int(poor), int(average), source])
        classification.refresh_derived(cur)
        audit.record(cur, "local_standard_set", scope.username,
                     {"standard": name, "unit": f"{org_vintage}:{org_code}", "years": [first, last],
                      **{area: list(map(int, v)) for area, v in lines.items()}, "source": source})
    return int(db.scalar("SELECT count(*) FROM household_current h JOIN LATERAL "
                         f"({classification.standard_sql('h')}) s ON true WHERE s.local_standard = ?", [name]))


def remove_standard(db, scope: Scope, name: str) -> None:
    """Remove a unit's own standard and reclassify every household by the standards left
    (audited). PermissionDenied as ``set_standard``; StandardRefused ``unknown_standard``."""
    scope.require(PERMISSION)
    with db.transaction() as cur:
        if not cur.execute("SELECT count(*) FROM local_standard WHERE standard = ?", [name]).fetchone()[0]:
            raise StandardRefused("unknown_standard", name=name)
        cur.execute("DELETE FROM local_standard WHERE standard = ?", [name])
        classification.refresh_derived(cur)
        audit.record(cur, "local_standard_removed", scope.username, {"standard": name})


# -- which standard a figure uses --------------------------------------------------------------
def national_name(code: str, lang: str = "vi") -> str:
    """A national standard's name ('Nghị định 07/2021/NĐ-CP') from its code."""
    return t(f"standard_name_{code}", lang)


def used_names(used: list[dict], lang: str = "vi") -> list[str]:
    """The names of the standards of ``classification.standards_used`` rows: a unit's own
    standard by its name and unit, a national one by its decree; most households first."""
    out = []
    for u in used:
        text = (t("standard_own", lang, name=u["standard"], unit=u["org_name"] or u["org_code"])
                if u.get("org_code") else national_name(u["standard"], lang))
        if text not in out:
            out.append(text)
    return out


def caption(used: list[dict], lang: str = "vi") -> str:
    """'Chuẩn nghèo: Nghị định 07/2021/NĐ-CP; Chuẩn … (Tỉnh …)', or '' when nothing is classified."""
    names = used_names(used, lang)
    return t("standard_used", lang, standards="; ".join(names)) if names else ""
