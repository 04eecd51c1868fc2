"""``scenario --year Y --strategy S [--json]``: a what-if allocation of the year's envelope and
what it projects for the communes' targets."""

from __future__ import annotations

import sys

from ..cli import EXIT_REJECTED, UsageError, print_json
from ..db import Database
from ..i18n import fmt_money, fmt_number, fmt_percent, t
from ..scenarios import STRATEGIES, ScenarioError, default_year, plan_years, run as run_scenario


def run(args) -> int:
    with Database(args.db) as db:
        year = args.year if args.year is not None else default_year(db)
        if year is None:
            print(t("scenario_err_no_plan", year="?"), file=sys.stderr)
            return EXIT_REJECTED
        if year not in plan_years(db):
            raise UsageError(f"no budget plan for {year}; years with a plan: "
                             f"{', '.join(map(str, plan_years(db))) or 'none'}")
        try:
            result = run_scenario(db, year, args.strategy)
        except ScenarioError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_REJECTED
    if args.json:
        print_json(result.to_json())
        return 0
    p = result.projection
    print(f"{t('scenario_strategy')}: {t('scenario_strategy_' + result.strategy)} — {year}")
    print(f"{t('scenario_envelope')}: {fmt_money(sum(result.params['envelope'].values()))}; "
          f"{t('scenario_allocated')}: {fmt_money(p.allocated_total)}")
    print(f"{t('scenario_households_reached')}: {fmt_number(p.households_reached, decimals=1)}; "
          f"{t('scenario_escapes')}: {fmt_number(p.projected_escapes, decimals=1)}; "
          f"{t('scenario_end_poor')}: {fmt_number(p.projected_end_poor, decimals=1)} "
          f"({fmt_percent(p.projected_rate)}); "
          f"{t('scenario_remaining_gap')}: {fmt_number(p.remaining_gap, decimals=1)}")
    for _, c in p.by_commune.iterrows():
        print(f"  {c['code']} {c['name']:<22} {fmt_number(c['amount'], decimals=1):>9}  "
              f"{fmt_number(c['projected_escapes'], decimals=1):>5} / {fmt_number(c['target'])}  "
              f"{fmt_number(c['remaining_gap'], decimals=1):>5}")
    for c in result.constraints:
        if not c["ok"]:
            print(f"  ✗ {c['name']}: {c['detail']}")
    print(t("scenario_disclaimer_short"))
    return 0


def register(sub, common) -> None:
    p = sub.add_parser(
        "scenario", parents=[common], help="a what-if allocation of the year's envelope",
        description="Allocate the year's budget envelope across lines, sources and communes by a "
                    "strategy, and print what it projects (households reached, escapes, the gap to "
                    "each commune's target) and the constraint checks. Projections follow the "
                    "assumptions in data/reference/scenario_assumptions.csv; they are not forecasts.")
    p.add_argument("--year", type=int, default=None,
                   help="plan year (default: the latest year with a budget plan)")
    p.add_argument("--strategy", choices=STRATEGIES, default="plan",
                   help="how to allocate: " + ", ".join(STRATEGIES) + " (default: plan)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=run)
