"""The demo database: the Hớn Quản 2024 plan, reproduced exactly, plus illustrative detail.

Real (from the plan): the 2024 budget (7 lines x 3 sources), the district's 2024 targets, and the
district totals of the end-2023 review (125 poor: 123 rural, 2 urban, 52 ethnic minority; 143
near-poor: 132 rural, 11 urban, 61 ethnic minority; 0.44 % and 0.50 %).
Illustrative (flagged on their batches): the split by commune (``data/demo/communes.csv``), the
household records themselves, the 2022 and 2024 reviews, and the 2024 disbursement snapshots.
Deterministic: the same seed gives the same database.
"""

from __future__ import annotations

import calendar
import csv
import random
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from . import auth
from .batches import create_batch, finish_batch, insert_frame
from .classification import DEPRIVATION_COLUMNS
from .db import PROJECT_ROOT, Database
from .i18n import both

DEMO_DIR = PROJECT_ROOT / "data" / "demo"
SEED = 20240329  # the plan's date
DISTRICT = ("694", 2024)  # (code, vintage)

KINH_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
                 "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
KINH_MIDDLE_MALE = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh"]
KINH_MIDDLE_FEMALE = ["Thị", "Thị", "Ngọc", "Thu", "Kim"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Lan", "Liên",
         "Long", "Mai", "Nam", "Phúc", "Quang", "Sơn", "Tâm", "Thắng", "Thảo", "Tuấn", "Vân",
         "Xuân", "Bảo", "Lộc", "Nhung", "Trí", "Yến", "Khánh"]
# Ethnic groups of the area (domain.md §4) with their share among minority households here.
MINORITY_GROUPS = [("S'tiêng", 0.62), ("Khmer", 0.18), ("M'nông", 0.08), ("Tày", 0.06), ("Nùng", 0.06)]
# How often each indicator is lacked by poor households (illustrative weights, d01..d12).
DEPRIVATION_WEIGHTS = [6, 3, 2, 9, 3, 1, 7, 4, 3, 6, 5, 4]


def read_demo_csv(name: str) -> list[dict[str, str]]:
    with open(DEMO_DIR / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@dataclass
class Household:
    household_id: str
    commune_code: str
    head_name: str
    ethnicity: str
    is_ethnic_minority: bool
    hamlet: str
    members: int
    no_labour_capacity: bool
    has_merit: bool
    status_by_year: dict[int, str] = field(default_factory=dict)


class DemoBuilder:
    """Builds the households of 2022–2024 commune by commune, deterministically."""

    def __init__(self, db: Database, seed: int = SEED):
        self.db = db
        self.rng = random.Random(seed)
        self.households: list[Household] = []
        self.lines = {
            (area, year): row
            for area, year, row in self._standards()
        }

    def _standards(self):
        for std in self.db.query(
                "SELECT area, valid_from_year, valid_to_year, poor_income_max, average_income_max "
                "FROM poverty_standard"):
            area, y0, y1, poor_max, avg_max = std
            for year in range(y0, y1 + 1):
                yield area, year, (poor_max, avg_max)

    # -- people ----------------------------------------------------------------------------
    def _name(self, ethnicity: str) -> str:
        r = self.rng
        female = r.random() < 0.35
        given = r.choice(GIVEN)
        if ethnicity == "Kinh":
            middle = r.choice(KINH_MIDDLE_FEMALE if female else KINH_MIDDLE_MALE)
            return f"{r.choice(KINH_SURNAMES)} {middle} {given}"
        if ethnicity == "S'tiêng":
            return f"{'Thị' if female else 'Điểu'} {given}"
        if ethnicity == "Khmer":
            return f"{r.choice(['Lâm', 'Danh', 'Thạch', 'Sơn'])} {'Thị' if female else 'Văn'} {given}"
        if ethnicity == "M'nông":
            return f"{'H’' if female else 'Y '}{given}".replace("H’", "H'")
        return f"{r.choice(['Hoàng', 'Nông', 'Lương', 'Vi'])} {'Thị' if female else 'Văn'} {given}"

    def _minority_group(self) -> str:
        x, acc = self.rng.random(), 0.0
        for group, share in MINORITY_GROUPS:
            acc += share
            if x < acc:
                return group
        return MINORITY_GROUPS[-1][0]

    def new_household(self, code: str, seq: int, minority: bool) -> Household:
        ethnicity = self._minority_group() if minority else "Kinh"
        hh = Household(
            household_id=f"{code}-{seq:04d}", commune_code=code, head_name=self._name(ethnicity),
            ethnicity=ethnicity, is_ethnic_minority=minority,
            hamlet=f"Ấp {self.rng.randint(1, 6)}", members=self.rng.choice([2, 3, 3, 4, 4, 4, 5, 5, 6, 7]),
            no_labour_capacity=self.rng.random() < 0.12, has_merit=self.rng.random() < 0.03)
        self.households.append(hh)
        return hh

    # -- the review of one year ------------------------------------------------------------
    def record(self, hh: Household, year: int, urban: bool) -> dict:
        """A household's row for ``year``: income and deprivations consistent with its status."""
        r = self.rng
        status = hh.status_by_year[year]
        poor_max, avg_max = self.lines[("urban" if urban else "rural", year)]
        if status == "poor":
            income = r.randint(int(poor_max * 0.45) // 10_000, poor_max // 10_000) * 10_000
            k = r.choice([3, 3, 3, 4, 4, 5, 6])
        elif status == "near_poor":
            income = r.randint(int(poor_max * 0.6) // 10_000, poor_max // 10_000) * 10_000
            k = r.choice([0, 1, 1, 2, 2, 2])
        elif status == "average":
            income = r.randint(poor_max // 10_000 + 1, avg_max // 10_000) * 10_000
            k = r.choice([0, 1, 1, 2, 3])
        else:
            income = r.randint(avg_max // 10_000 + 1, int(avg_max * 1.6) // 10_000) * 10_000
            k = r.choice([0, 0, 1, 2])
        lacked = set()
        while len(lacked) < k:
            lacked.add(r.choices(range(12), weights=DEPRIVATION_WEIGHTS)[0])
        row = {
            "year": year, "household_id": hh.household_id, "commune_vintage": 2024,
            "commune_code": hh.commune_code, "hamlet": hh.hamlet, "head_name": hh.head_name,
            "ethnicity": hh.ethnicity, "is_ethnic_minority": hh.is_ethnic_minority,
            "members": hh.members, "income_per_capita": income,
            "recorded_status": status, "no_labour_capacity": hh.no_labour_capacity,
            "has_merit": hh.has_merit,
        }
        for i, col in enumerate(DEPRIVATION_COLUMNS):
            row[col] = (i in lacked) if i < 12 else None
        return row

    def build_commune(self, c: dict) -> None:
        """Statuses for 2022–2024 of one commune's households; 2023 counts exactly as given."""
        r, code = self.rng, c["code"]
        poor, poor_em = int(c["poor_2023"]), int(c["poor_ethnic_minority_2023"])
        near, near_em = int(c["near_poor_2023"]), int(c["near_poor_ethnic_minority_2023"])
        target, target_em = int(c["reduction_target_2024"]), int(c["reduction_target_ethnic_minority_2024"])
        achievement = float(c["achievement_2024"])
        seq = iter(range(1, 10_000))

        poor23 = [self.new_household(code, next(seq), i < poor_em) for i in range(poor)]
        near23 = [self.new_household(code, next(seq), i < near_em) for i in range(near)]
        for hh in poor23:
            hh.status_by_year[2023] = "poor"
            prev = r.choices(["poor", "near_poor", None], weights=[70, 10, 20])[0]
            if prev:
                hh.status_by_year[2022] = prev
        for hh in near23:
            hh.status_by_year[2023] = "near_poor"
            prev = r.choices(["poor", "near_poor", None], weights=[20, 60, 20])[0]
            if prev:
                hh.status_by_year[2022] = prev
        # Escaped during 2023: on the 2022 lists, above them at the end of 2023.
        escaped_2023 = []
        for _ in range(round(poor * 0.25) + 1):
            hh = self.new_household(code, next(seq), r.random() < 0.4)
            hh.status_by_year.update({2022: "poor", 2023: r.choice(["average", "average", "above"])})
            escaped_2023.append(hh)
        for _ in range(round(near * 0.15)):
            hh = self.new_household(code, next(seq), r.random() < 0.4)
            hh.status_by_year.update({2022: "near_poor", 2023: "average"})

        # 2024: escapes from poverty per the commune's illustrative achievement of its target.
        em = [h for h in poor23 if h.is_ethnic_minority]
        kinh = [h for h in poor23 if not h.is_ethnic_minority]
        escapes = em[:min(len(em), round(target_em * achievement))] + \
            kinh[:min(len(kinh), round((target - target_em) * achievement))]
        for hh in poor23:
            hh.status_by_year[2024] = (r.choice(["near_poor", "near_poor", "average"])
                                       if hh in escapes else "poor")
        near_to_poor = 1 if achievement < 0.65 else 0
        for i, hh in enumerate(near23):
            if i < near_to_poor:
                hh.status_by_year[2024] = "poor"
            else:
                hh.status_by_year[2024] = r.choices(["near_poor", "average"], weights=[80, 20])[0]
        if achievement < 0.6 and escaped_2023:  # fallen back (tái nghèo)
            escaped_2023[0].status_by_year[2024] = "poor"
        if achievement < 0.8:  # newly poor (phát sinh mới)
            self.new_household(code, next(seq), r.random() < 0.5).status_by_year[2024] = "poor"
        for _ in range(round(near * 0.1)):  # newly near-poor
            self.new_household(code, next(seq), r.random() < 0.4).status_by_year[2024] = "near_poor"

    def household_frame(self, urban_codes: set[str]) -> pd.DataFrame:
        rows = [self.record(hh, year, hh.commune_code in urban_codes)
                for hh in self.households for year in sorted(hh.status_by_year)]
        return pd.DataFrame(rows)


def _commune_totals(communes: list[dict]) -> pd.DataFrame:
    rows = []
    for c in communes:
        hh23, persons23 = int(c["households_2023"]), int(c["persons_2023"])
        for year in (2022, 2023, 2024):
            households = int(c[f"households_{year}"])
            rows.append({"year": year, "commune_vintage": 2024, "commune_code": c["code"],
                         "households": households, "persons": round(persons23 * households / hh23)})
    return pd.DataFrame(rows)


def _targets(communes: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the plan's district targets, the illustrative commune split of the 68)."""
    code, vintage = DISTRICT
    district = [("poor_reduction", 68), ("poor_ethnic_minority_reduction", 43),
                ("poor_kinh_reduction", 25), ("poor_rate", 0.003),
                ("health_insurance_coverage", 1.0), ("officers_trained", 1.0), ("credit_access", 1.0)]
    plan = pd.DataFrame([{"year": 2024, "org_vintage": vintage, "org_code": code, "indicator_code": i,
                          "kind": "target", "value": float(v)} for i, v in district])
    rows = []
    for c in communes:
        total, em = int(c["reduction_target_2024"]), int(c["reduction_target_ethnic_minority_2024"])
        for indicator, value in (("poor_reduction", total), ("poor_ethnic_minority_reduction", em),
                                 ("poor_kinh_reduction", total - em)):
            rows.append({"year": 2024, "org_vintage": 2024, "org_code": c["code"],
                         "indicator_code": indicator, "kind": "target", "value": float(value)})
    # Illustrative achieved coverage reported by the district for 2024.
    for indicator, value in (("officers_trained", 1.0), ("credit_access", 0.96)):
        rows.append({"year": 2024, "org_vintage": vintage, "org_code": code,
                     "indicator_code": indicator, "kind": "actual", "value": value})
    return plan, pd.DataFrame(rows)


# Illustrative execution of 2024: the share of the plan disbursed by 30/11 and how late in the
# year it came (exponent of the cumulative curve: 1 = linear, larger = back-loaded).
DISBURSEMENT_PATTERN = {
    ("DA2", None): (0.86, 1.3), ("DA3", "TDA1"): (0.93, 1.1), ("DA3", "TDA2"): (0.97, 1.0),
    ("DA4", "TDA1"): (0.48, 2.2), ("DA4", "TDA3"): (0.71, 1.6), ("DA6", None): (0.95, 1.0),
    ("DA7", None): (0.90, 1.1),
}
DEMO_LAST_SNAPSHOT = date(2024, 11, 30)


def _disbursements(plan: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for month in range(1, DEMO_LAST_SNAPSHOT.month + 1):
        as_of = date(2024, month, calendar.monthrange(2024, month)[1])
        t = month / DEMO_LAST_SNAPSHOT.month
        for p in plan.itertuples():
            sub = p.sub_project if isinstance(p.sub_project, str) and p.sub_project else None
            final, power = DISBURSEMENT_PATTERN[(p.project, sub)]
            amount = round(float(p.amount_mvnd) * final * t ** power, 3)
            rows.append({"year": 2024, "as_of": as_of, "project": p.project, "sub_project": sub,
                         "source": p.source, "org_vintage": 2024, "org_code": "694",
                         "amount_mvnd": amount})
    return pd.DataFrame(rows)


class DemoRefused(ValueError):
    """The demo goes only into a new database: ``reason`` is 'accounts' or 'data'."""

    def __init__(self, reason: str):
        super().__init__(both(f"demo_refused_{reason}"))
        self.reason = reason


def load_demo(db: Database, user: str = "demo") -> dict[str, int]:
    """Write the demo data (one batch per kind) and the demo accounts. Refuses a database that
    holds any account (the demo's published passwords must never reach a real deployment) or
    any import, even a refused or rolled-back one."""
    if auth.has_accounts(db):
        raise DemoRefused("accounts")
    if db.scalar("SELECT count(*) FROM import_batch"):
        raise DemoRefused("data")
    communes = read_demo_csv("communes.csv")
    urban = {r[0] for r in db.query("SELECT code FROM org_unit WHERE vintage = 2024 AND is_urban")}
    builder = DemoBuilder(db)
    for c in communes:
        builder.build_commune(c)
    households = builder.household_frame(urban)

    plan = pd.DataFrame(read_demo_csv("budget_plan_2024.csv"))
    plan = plan.assign(year=plan.year.astype(int), amount_mvnd=plan.amount_mvnd.astype(float),
                       org_vintage=plan.org_vintage.astype(int),
                       sub_project=plan.sub_project.where(plan.sub_project != "", None))
    plan_cols = ["year", "project", "sub_project", "source", "capital_type", "agency",
                 "org_vintage", "org_code", "amount_mvnd"]
    plan_targets, commune_targets = _targets(communes)

    counts = {}
    with db.transaction() as cur:
        def write(kind, table, frame, illustrative, name, year=None):
            batch = create_batch(cur, kind=kind, file_name=name, user=user,
                                 illustrative=illustrative, year=year)
            n = insert_frame(cur, table, frame, batch)
            finish_batch(cur, batch, rows=n, report={"source": name, "illustrative": illustrative})
            counts[name] = n
            return batch

        write("budget", "budget_plan", plan[plan_cols], False, "Kế hoạch 2024 huyện Hớn Quản (kinh phí)", 2024)
        write("indicators", "indicator_value", plan_targets, False, "Kế hoạch 2024 huyện Hớn Quản (chỉ tiêu)", 2024)
        write("indicators", "indicator_value", commune_targets, True,
              "Phân bổ chỉ tiêu theo xã (minh họa)", 2024)
        write("commune_totals", "commune_total", _commune_totals(communes), True,
              "Tổng số hộ theo xã 2022–2024 (minh họa)")
        for year in (2022, 2023, 2024):
            frame = households[households.year == year]
            write("households", "household", frame, True,
                  f"Rà soát hộ nghèo, cận nghèo cuối năm {year} (minh họa)", year)
        write("budget", "disbursement", _disbursements(plan), True,
              "Giải ngân lũy kế 2024 theo tháng (minh họa)", 2024)
        auth.create_demo_accounts(cur)  # one account per role, demo-only passwords (README)
    return counts


def is_illustrative(db: Database) -> bool:
    """Whether any committed data is flagged illustrative (the UI shows 'dữ liệu minh họa')."""
    return bool(db.scalar("SELECT count(*) FROM import_batch WHERE status = 'committed' AND illustrative"))
