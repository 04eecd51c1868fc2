"""``units [--vintage 2024|2025] [--parent CODE] [--search TEXT] [--json]``: the national registry
of administrative units, and a name resolved as an import resolves it."""

from __future__ import annotations

import sys

from ..cli import EXIT_REJECTED, print_json
from ..db import Database
from ..i18n import t
from ..registry import URBAN_TYPES
from ..importer.resolve import UnitFinder
from ..unit_names import LEVELS

FIELDS = ["vintage", "code", "name", "unit_type", "parent_code", "is_urban"]


def _rows(db, vintage, parent) -> list[dict]:
    where, params = [], []
    if vintage is not None:
        where.append("vintage = ?")
        params.append(vintage)
    if parent:
        where.append("parent_code = ?")
        params.append(parent)
    sql = (f"SELECT {', '.join(FIELDS)} FROM unit_registry "
           f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY vintage, code")
    return db.records(sql, params)


def _search(db, args) -> int:
    vintage = args.vintage or 2025
    # The importer's own finder: the same narrowing by the home area, the same refusals.
    finder = UnitFinder(db, vintage, (args.level,), adopt=None if args.working else set())
    found = finder.find(args.search, province=args.province, district=args.district)
    units = [found.unit] if found.ok else list(found.candidates)
    rows = [{f: getattr(u, f, None) for f in FIELDS if f != "is_urban"}
            | {"is_urban": u.unit_type in URBAN_TYPES} for u in units]
    if args.json:
        print_json({"text": args.search, "resolved": found.ok, "reason": found.reason,
                    "message": found.message(args.lang), "units": rows})
    else:
        for u in units:
            print(f"{u.vintage}  {u.code:>5}  {u.label()}")
        if not found.ok:
            print(found.message(args.lang), file=sys.stderr)
    return 0 if found.ok else EXIT_REJECTED


def run(args) -> int:
    with Database(args.db) as db:
        if args.search is not None:
            return _search(db, args)
        rows = _rows(db, args.vintage, args.parent)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        print(f"{r['vintage']}  {r['code']:>5}  {r['unit_type']:<9} {r['parent_code'] or '':>5}  {r['name']}")
    print(t("units_count", args.lang, n=len(rows)), file=sys.stderr)
    return 0


def register(sub, common) -> None:
    p = sub.add_parser("units", parents=[common], help="list administrative units, or resolve a name",
                       description="The national registry of administrative units (vietnamadminunits): "
                                   "vintage 2024 = the units just before 1 July 2025 (provinces, districts, "
                                   "communes), vintage 2025 = the units from 1 July 2025 (provinces, "
                                   "communes and wards). With --search, resolve a name as an import does "
                                   "(case, accents, spaces, apostrophes, hyphens, prefixes such as Xã / X. / "
                                   "TT / UBND ignored; a name several units share narrowed to the home "
                                   "area) and print the unit, or every candidate and exit 1.")
    p.add_argument("--vintage", type=int, choices=(2024, 2025),
                   help="only this vintage (with --search: the vintage searched, default 2025)")
    p.add_argument("--parent", metavar="CODE", help="only the units directly under this unit code")
    p.add_argument("--search", metavar="TEXT", help="resolve this name (or code) and print the candidates")
    p.add_argument("--level", choices=LEVELS, default="commune", help="with --search: the level named "
                   "(default commune)")
    p.add_argument("--province", metavar="NAME|CODE", help="with --search: only within this province")
    p.add_argument("--district", metavar="NAME|CODE", help="with --search: only within this district "
                   "(before 2025)")
    p.add_argument("--working", action="store_true", help="with --search: only among the units this "
                   "database works with (org_unit), not the whole country")
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of messages (default vi)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=run)
