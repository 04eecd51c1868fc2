"""``standard list|set|remove``: a unit's own poverty standard (Decree 351/2025), through the same
functions as the admin page (``local_standards``): administrators only, audited, every household
reclassified at once."""

from __future__ import annotations

from .. import auth
from ..cli import Refused, account_options, login, print_json
from ..db import Database
from ..i18n import both, fmt_number, t
from ..local_standards import AREAS, StandardRefused, list_standards, parse_period, remove_standard, \
    set_standard
from ..reference import vintage_for_year


def _unit(text: str, first_year: int) -> tuple[int, str]:
    """'70' (vintage of the period's first year) or '2024:70'."""
    vintage, _, code = str(text).strip().rpartition(":")
    return (int(vintage) if vintage.isdigit() else vintage_for_year(first_year)), code


def _lines(args) -> dict[str, tuple[int, int]]:
    lines = {}
    for area in AREAS:
        poor, average = getattr(args, f"{area}_income"), getattr(args, f"{area}_average")
        if poor is None and average is None:
            continue
        if poor is None or average is None:  # an area's line goes with its average band
            raise StandardRefused("no_lines")
        lines[area] = (poor, average)
    return lines


def _list(db, args) -> int:
    rows = list_standards(db)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print(both("standard_none"))
    for r in rows:
        lines = ", ".join(f"{t(f'standard_area_{area}')} {fmt_number(v['poor_income_max'])}/"
                          f"{fmt_number(v['average_income_max'])}"
                          for area, v in r["lines"].items())
        print(f"{r['name']}  {r['org_vintage']}:{r['org_code']} {r['org_name'] or ''}  "
              f"{r['valid_from_year']}–{r['valid_to_year']}  {lines}  ({r['source']})")
    return 0


def _set(db, args) -> int:
    first, last = parse_period(args.period)
    vintage, code = _unit(args.unit, first)
    n = set_standard(db, login(db, args), args.name, vintage, code, first, last, _lines(args),
                     args.source)
    print(both("standard_done_set", name=args.name.strip(), n=n))
    return 0


def _remove(db, args) -> int:
    remove_standard(db, login(db, args), args.name)
    print(both("standard_done_removed", name=args.name))
    return 0


_ACTIONS = {"list": _list, "set": _set, "remove": _remove}


def run(args) -> int:
    try:
        with Database(args.db) as db:
            return _ACTIONS[args.action](db, args)
    except StandardRefused as exc:
        raise Refused(f"{exc.message('vi')} / {exc.message('en')}") from None
    except auth.PermissionDenied:
        raise Refused(both("standard_err_denied")) from None


def register(sub, common) -> None:
    p = sub.add_parser("standard", parents=[common], help="list, set or remove a unit's own poverty standard",
                       description="A province's (or district's, commune's) own poverty standard, above the "
                                   "national one (Decree 351/2025): income lines by area for a period. A "
                                   "household is classified by the most specific standard covering its "
                                   "commune and year; setting or removing one reclassifies every household.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = actions.add_parser("list", parents=[common], help="list the units' own standards")
    a.add_argument("--json", action="store_true", help="print JSON: [{name, org_vintage, org_code, org_name, "
                   "valid_from_year, valid_to_year, source, lines: {area: {poor_income_max, average_income_max}}}]")
    s = actions.add_parser("set", parents=[common], help="set (or replace, by name) a unit's own standard",
                           description="Income lines in VND a person a month, at or above the national ones of "
                                       "every year of the period; give an area's line with its average band.")
    s.add_argument("--name", required=True, help="the standard's name, e.g. 'Chuẩn nghèo tỉnh Bình Phước'")
    s.add_argument("--unit", required=True, metavar="CODE|VINTAGE:CODE",
                   help="the unit it applies to (default vintage: that of the period's first year)")
    s.add_argument("--period", required=True, metavar="FIRST-LAST", help="the years it covers, e.g. 2022-2025")
    for area in AREAS:
        s.add_argument(f"--{area}-income", type=int, metavar="VND", help=f"the {area} poverty line")
        s.add_argument(f"--{area}-average", type=int, metavar="VND",
                       help=f"the {area} average-living-standard band (upper bound)")
    s.add_argument("--source", required=True, help="the act setting it, e.g. the People's Council's resolution")
    r = actions.add_parser("remove", parents=[common], help="remove a unit's own standard")
    r.add_argument("name", help="the standard's name")
    for parser in (s, r):
        account_options(parser)
    p.set_defaults(func=run)
