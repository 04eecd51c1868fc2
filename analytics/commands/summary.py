"""``summary --year Y [--json]``: the year's figures."""

from __future__ import annotations

from ..cli import print_json
from ..db import Database
from ..i18n import fmt_money, fmt_number, fmt_percent
from ..summary import summary


def run(args) -> int:
    with Database(args.db) as db:
        data = summary(db, args.year)
    if args.json:
        print_json(data)
        return 0
    h = data["households"]
    print(f"Năm {args.year}: {h['poor']} hộ nghèo ({fmt_percent(h['poor_rate'])}), "
          f"{h['near_poor']} hộ cận nghèo ({fmt_percent(h['near_poor_rate'])}) "
          f"trên {fmt_number(h['total'])} hộ")
    print(f"Kế hoạch vốn: {fmt_money(data['budget']['plan_total'])}")
    for c in data["communes"]:
        print(f"  {c['code']} {c['name']:<22} {c['poor']:>4} nghèo  {c['near_poor']:>4} cận nghèo  "
              f"{fmt_percent(c['poor_rate'])}")
    return 0


def register(sub, common) -> None:
    p = sub.add_parser("summary", parents=[common], help="the figures of a year",
                       description="Print the figures of a year (households, communes, budget, targets).")
    p.add_argument("--year", type=int, required=True, help="data year, e.g. 2023")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=run)
