"""``summary --year Y [--units 2025] [--unit CODE] [--as-of DATE] [--json]``: the year's figures,
of the whole data or of one unit at any level."""

from __future__ import annotations

from datetime import date

from ..cli import UsageError, print_json
from ..db import Database
from ..i18n import fmt_money, fmt_number, fmt_percent, t
from ..reference import read_csv
from ..summary import summary, unit_summary


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--as-of wants a date YYYY-MM-DD, not {text!r}") from exc


def run(args) -> int:
    as_of = _date(args.as_of) if args.as_of else None
    if args.unit:
        return _unit(args)
    with Database(args.db) as db:
        try:
            data = summary(db, args.year, units=args.units, as_of=as_of, standard_period=args.standard_period)
        except ValueError as exc:  # units older than the data, unknown units, a year without a standard
            raise UsageError(str(exc)) from exc
    if args.json:
        print_json(data)
        return 0
    h = data["households"]
    print(f"Năm {args.year}: {fmt_number(h['poor'])} hộ nghèo ({fmt_percent(h['poor_rate'])}), "
          f"{fmt_number(h['near_poor'])} hộ cận nghèo ({fmt_percent(h['near_poor_rate'])}) "
          f"trên {fmt_number(h['total'])} hộ")
    if data.get("standard_period"):
        ch = data["changes"]
        print(f"Theo chuẩn {data['standard']} (giai đoạn từ {data['standard_period']}): "
              f"đổi phân loại do chuẩn thu nhập {ch['income_line']}, do tiêu chí thiếu hụt "
              f"{ch['deprivation_rule']}, cả hai {ch['both']}; chưa phân loại được "
              f"{data['unclassified']} hộ (dữ liệu thiếu chỉ số {', '.join(data['missing_indicators']) or '–'})")
    tr = data["transitions"]
    if tr:
        print(f"Diễn biến hộ nghèo: đầu kỳ {tr['start']}, thoát nghèo "
              f"{tr['escaped_to_near_poor'] + tr['escaped_above_near_poor']}, giảm khác {tr['other_decrease']}, "
              f"tăng {tr['near_poor_to_poor'] + tr['fallen_back'] + tr['newly_poor'] + tr['other_increase']}, "
              f"cuối kỳ {tr['end']}")
    d = data["deprivations"]
    if d:
        print(f"Nghèo đa chiều (Alkire–Foster): H = {fmt_percent(d['H'])}, A = {fmt_percent(d['A'])}, "
              f"M0 = {fmt_number(d['M0'], decimals=4)}")
    b = data["budget"]
    print(f"Kế hoạch vốn: {fmt_money(b['plan_total'])}; đã giải ngân {fmt_money(b['disbursed_total'])} "
          f"({fmt_percent(b['disbursement_rate'])}) đến {b['as_of'] or '–'}")
    if data["support"]:
        names = _names("support_type.csv")
        print("Hỗ trợ đã nhận (số hộ) / support received (households): "
              + ", ".join(f"{names.get(k, k)} {fmt_number(v)}" for k, v in data["support"].items()))
    if data["causes"]:
        names = _names("poverty_cause.csv")
        print("Nguyên nhân nghèo (hộ nghèo, cận nghèo) / causes: "
              + ", ".join(f"{names.get(k, k)} {fmt_number(v)}" for k, v in data["causes"].items()))
    print(f"Đơn vị hành chính năm {data['units']}:")
    for c in data["communes"]:
        print(f"  {c['code']} {c['name']:<22} {c['poor']:>4} nghèo  {c['near_poor']:>4} cận nghèo  "
              f"{fmt_percent(c['poor_rate'])}")
    for row in data["targets"] or []:
        if row["status"] in ("at_risk", "behind"):
            print(f"  ! {row['org_name']}: {_target_text(row)}")
    if data["data_quality"]:
        print(f"Cảnh báo dữ liệu / data-quality entries: {len(data['data_quality'])}")
    return 0


def _names(reference_file: str) -> dict[str, str]:
    """{code: Vietnamese name} of a catalogue in data/reference."""
    return {r["code"]: r["name_vi"] for r in read_csv(reference_file)}


def _target_text(row: dict, after_target: str = "") -> str:
    """A target line as a reader takes it: the indicator's name, achieved / target in its unit
    (a share in percent), the status by its label."""
    show = fmt_percent if row["unit"] == "share" else fmt_number
    name = row.get("name_vi") or _names("indicator.csv").get(row["indicator"], row["indicator"])
    status = t(f"charts_target_{row['status']}") if row.get("status") else "–"
    return f"{name}: {show(row['achieved'])} / {show(row['target'])}{after_target} ({status})"


def _unit(args) -> int:
    with Database(args.db) as db:
        try:
            data = unit_summary(db, args.year, args.unit, units=args.units)
        except ValueError as exc:  # no such unit, units older than the data, a year without a standard
            raise UsageError(str(exc)) from exc
    if args.json:
        print_json(data)
        return 0
    h, u = data["households"], data["unit"]
    print(f"{u['name']} ({u['code']}), năm {args.year}: {fmt_number(h['poor'])} hộ nghèo "
          f"({fmt_percent(h['poor_rate'])}), {fmt_number(h['near_poor'])} hộ cận nghèo "
          f"({fmt_percent(h['near_poor_rate'])}) trên {fmt_number(h['total'])} hộ")
    for c in data["children"]:
        print(f"  {c['code']} {c['name']:<28} {c['poor']:>5} nghèo  {c['near_poor']:>5} cận nghèo  "
              f"{fmt_percent(c['poor_rate'])}")
    for row in data["targets"]:
        show = fmt_percent if row["unit"] == "share" else fmt_number
        lower = (f" (cấp dưới / below: {show(row['lower_targets'])}, {row['lower_units']}/{row['units_below']})"
                 if row["lower_targets"] is not None else "")
        print(f"  {_target_text(row, lower)}")
    return 0


def register(sub, common) -> None:
    p = sub.add_parser("summary", parents=[common], help="the figures of a year",
                       description="Print the figures of a year: households and rates, communes, changes "
                                   "(diễn biến), deprivations, targets and gaps, budget plan and execution, "
                                   "support received and causes of poverty, data-quality warnings.")
    p.add_argument("--year", type=int, required=True, help="data year, e.g. 2023")
    p.add_argument("--units", type=int, default=None,
                   help="present the data in the units of this vintage (2025: the communes after the "
                        "1 July 2025 reorganisation)")
    p.add_argument("--unit", default=None,
                   help="the figures of one unit at any level (province, district, commune code): "
                        "counts summed over its communes, rates from the sums, its targets, the level below")
    p.add_argument("--as-of", default=None, help="budget execution as of this date (YYYY-MM-DD); "
                                                 "default: the latest disbursement snapshot")
    p.add_argument("--standard-period", type=int, default=None,
                   help="classify the year's households under the poverty standard of this period's year "
                        "(e.g. 2027: Decree 351/2025) and add the changes by cause")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=run)
