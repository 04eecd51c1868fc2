"""Synthetic data at national scale: whole-population household reviews over several years, with
commune totals, targets, budget plans and monthly disbursement snapshots, all flagged illustrative.

Generated inside DuckDB (``range()`` and ``hash()`` of the row, the year and a seed), never by
Python loops over rows, so ten million household rows take about a minute on two cores and the
same seed always gives the same database. The model, with its parameters in
``data/synth/parameters.csv``:

- log income = first-year level + yearly growth + a lasting household part + a yearly shock +
  a commune part + shifts for ethnic-minority, urban and no-labour-capacity households; the lasting
  part keeps most poor households poor, the shock moves some of them between statuses each year;
- each deprivation is lacked with a probability that falls with income (weights of the demo),
  most households keeping the same draws from year to year;
- the status is the rule of ``classification`` (the standard in force for the year and the area),
  and a few recorded statuses disagree with it, as on real lists;
- some households appear after the first year and some leave before the last one.

Communes: up to the number of real communes (13) the real ones are reused; beyond that a
synthetic province, its districts and communes are written into ``org_unit`` (every vintage the
years need, with an identity old→new mapping) in the same transaction as the data.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from .batches import create_batch, finish_batch
from .classification import DEPRIVATION_COLUMNS, deprivation_count_sql, status_sql
from .db import PROJECT_ROOT, Database
from .demo import DEPRIVATION_WEIGHTS, GIVEN, KINH_MIDDLE_FEMALE, KINH_MIDDLE_MALE, KINH_SURNAMES, \
    MINORITY_GROUPS, read_demo_csv
from .units import COMMUNE_TYPES
from .reference import standard_years, vintage_for_year

PARAMETERS_FILE = PROJECT_ROOT / "data" / "synth" / "parameters.csv"
DEFAULT_SEED = 20260101
USER = "synth"
PROVINCE_CODE = "99"  # GSO province codes stop below 99: no clash with real units
# Family-name starts of minority household heads (illustrative, as in the demo's names).
MINORITY_NAME_STARTS = ["Điểu", "Thị", "Lâm", "Danh", "Thạch", "Sơn", "Y", "H'", "Nông", "Vi", "Lương"]
_U64 = "18446744073709551616.0"


class SynthError(ValueError):
    """The request cannot be generated (database not empty, years outside the standards...)."""


@dataclass(frozen=True)
class SynthResult:
    """What ``synthesize`` wrote: household rows, years, communes and the batch ids by name."""
    household_rows: int
    years: tuple[int, ...]
    communes: int
    synthetic_units: bool
    batches: dict[str, int]


@lru_cache(maxsize=1)
def parameters() -> dict[str, float]:
    """The model's parameters from ``data/synth/parameters.csv`` (key -> value)."""
    with open(PARAMETERS_FILE, newline="", encoding="utf-8") as f:
        return {row["key"]: float(row["value"]) for row in csv.DictReader(f)}


def _u(seed: int, *keys: str) -> str:
    """SQL for a uniform number in [0, 1) that depends only on the keys and the seed."""
    return f"(hash({', '.join(keys)}, {int(seed)})::DOUBLE / {_U64})"


def _normal(seed: int, *keys: str) -> str:
    """SQL for a standard normal number (Box–Muller over two keyed uniforms)."""
    u1, u2 = _u(seed, *keys, "9001"), _u(seed, *keys, "9002")
    return f"(sqrt(-2 * ln(greatest({u1}, 1e-300))) * cos(2 * pi() * {u2}))"


def _pick(values: list, u: str) -> str:
    """SQL choosing an element of a literal list with the uniform ``u`` (values are escaped)."""
    items = ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)
    return f"list_element([{items}], 1 + floor({u} * {len(values)})::INTEGER)"


def real_communes(db: Database, vintage: int) -> list[str]:
    """Codes of the real communes of a vintage (reused when few communes are asked for)."""
    types = ", ".join(f"'{t}'" for t in COMMUNE_TYPES)
    return [r[0] for r in db.query(
        f"SELECT code FROM org_unit WHERE vintage = ? AND unit_type IN ({types}) ORDER BY code", [vintage])]


def synthesize(db: Database, households: int, years: int, communes: int | None = None,
               seed: int = DEFAULT_SEED) -> SynthResult:
    """Write ``households`` households a year over ``years`` years (one transaction, illustrative
    batches) into a database without data; what was written."""
    p = parameters()
    if households < 1 or years < 1:
        raise SynthError("--households and --years must be at least 1")
    if db.scalar("SELECT count(*) FROM import_batch WHERE status = 'committed'"):
        raise SynthError("the database already holds data; synthetic data goes into a new database")
    covered = standard_years(db)  # synthetic years start at the first
    if years > len(covered):
        raise SynthError(f"the poverty standards cover {len(covered)} years "
                         f"({covered[0]}–{covered[-1]}); --years must be at most {len(covered)}")
    year_list = covered[:years]
    if communes is None:
        communes = max(1, math.ceil(households / p["households_per_commune"]))
    if communes < 1 or communes > households:
        raise SynthError("--communes must be between 1 and the number of households")
    base_vintage = vintage_for_year(year_list[0])
    vintages = sorted({vintage_for_year(y) for y in year_list})
    real = real_communes(db, base_vintage)
    synthetic_units = communes > len(real)

    batches: dict[str, int] = {}
    with db.transaction() as cur:
        if synthetic_units:
            _write_units(cur, communes, base_vintage, vintages, seed, p)
            codes_sql = (f"SELECT i AS idx, '9' || lpad((i + 1)::VARCHAR, 6, '0') AS code "
                         f"FROM range({communes}) t(i)")
        else:
            codes_sql = " UNION ALL ".join(f"SELECT {i} AS idx, '{code}' AS code"
                                           for i, code in enumerate(real[:communes]))
        _write_commune_table(cur, codes_sql, base_vintage, vintages, seed, p)
        rows = 0
        for year in year_list:
            batch = create_batch(cur, kind="households", user=USER, illustrative=True, year=year,
                                 file_name=f"Dữ liệu tổng hợp: rà soát hộ năm {year} (minh họa)")
            n = _write_households(cur, batch, year, year_list, households, communes, seed, p)
            finish_batch(cur, batch, rows=n, report=_report(seed, households, years, communes))
            batches[f"households_{year}"] = batch
            rows += n
        batches.update(_write_totals_targets_budget(cur, year_list, seed, p,
                                                    _report(seed, households, years, communes)))
        cur.execute("DROP TABLE synth_commune")
        cur.execute("DROP TABLE synth_commune_year")
    db.checkpoint()
    return SynthResult(rows, tuple(year_list), communes, synthetic_units, batches)


def _report(seed: int, households: int, years: int, communes: int) -> dict:
    return {"synthetic": True, "illustrative": True, "seed": seed, "households": households,
            "years": years, "communes": communes, "parameters": str(PARAMETERS_FILE.name)}


def _write_units(cur, communes: int, base_vintage: int, vintages: list[int], seed: int, p: dict) -> None:
    """A synthetic province with its districts and communes in every vintage, mapped old→new."""
    source = "Dữ liệu tổng hợp (synth), minh họa / synthetic, illustrative"
    districts = math.ceil(communes / p["communes_per_district"])
    urban = f"{_u(seed, 'i', '1001')} < {p['urban_commune_share']}"
    for vintage in vintages:
        has_districts = bool(cur.execute(
            "SELECT count(*) FROM org_unit WHERE vintage = ? AND unit_type = 'district'", [vintage]).fetchone()[0])
        cur.execute("INSERT INTO org_unit (vintage, code, name, unit_type, parent_code, is_urban, source) "
                    "VALUES (?, ?, 'Tỉnh minh họa (dữ liệu tổng hợp)', 'province', NULL, false, ?)",
                    [vintage, PROVINCE_CODE, source])
        if has_districts:
            cur.execute(
                f"""INSERT INTO org_unit (vintage, code, name, unit_type, parent_code, is_urban, source)
                    SELECT ?, '{PROVINCE_CODE}' || lpad((i + 1)::VARCHAR, 3, '0'),
                           'Huyện minh họa ' || (i + 1), 'district', '{PROVINCE_CODE}', false, ?
                    FROM range({districts}) t(i)""", [vintage, source])
        parent = (f"'{PROVINCE_CODE}' || lpad((i // {int(p['communes_per_district'])} + 1)::VARCHAR, 3, '0')"
                  if has_districts else f"'{PROVINCE_CODE}'")
        cur.execute(
            f"""INSERT INTO org_unit (vintage, code, name, unit_type, parent_code, is_urban, source)
                SELECT ?, '9' || lpad((i + 1)::VARCHAR, 6, '0'),
                       CASE WHEN {urban} THEN 'Phường' ELSE 'Xã' END || ' minh họa ' || (i + 1),
                       CASE WHEN {urban} THEN 'phuong' ELSE 'xa' END, {parent}, {urban}, ?
                FROM range({communes}) t(i)""", [vintage, source])
        if vintage != base_vintage:  # nothing merges in the synthetic province: identity mapping
            cur.execute(
                """INSERT INTO org_unit_map (old_vintage, old_code, new_vintage, new_code, source)
                   SELECT o.vintage, o.code, ?, CASE WHEN o.unit_type = 'district' THEN ? ELSE o.code END, ?
                   FROM org_unit o WHERE o.vintage = ? AND (o.code = ? OR o.parent_code LIKE ? || '%')""",
                [vintage, PROVINCE_CODE, source, base_vintage, PROVINCE_CODE, PROVINCE_CODE])


def _write_commune_table(cur, codes_sql: str, base_vintage: int, vintages: list[int], seed: int,
                         p: dict) -> None:
    """Temporary tables: the communes with their lasting traits, and their code in each vintage."""
    k = 1 / p["minority_share_mean"] - 1  # u ** k has the wanted mean: most communes few, some many
    cur.execute(
        f"""CREATE TEMP TABLE synth_commune AS
            SELECT c.idx, c.code, o.is_urban,
                   pow({_u(seed, 'c.idx', '1002')}, {k}) AS minority_share,
                   {_normal(seed, 'c.idx', '1003')} AS effect
            FROM ({codes_sql}) c JOIN org_unit o ON o.vintage = {base_vintage} AND o.code = c.code""")
    cur.execute(
        f"""CREATE TEMP TABLE synth_commune_year AS
            SELECT c.idx, c.code AS base_code, {base_vintage} AS vintage, c.code AS code
            FROM synth_commune c""")
    for vintage in vintages:
        if vintage != base_vintage:
            cur.execute(
                """INSERT INTO synth_commune_year
                   SELECT c.idx, c.code, m.new_vintage, m.new_code FROM synth_commune c
                   JOIN org_unit_map m ON m.old_vintage = ? AND m.old_code = c.code AND m.new_vintage = ?""",
                [base_vintage, vintage])


def _write_households(cur, batch: int, year: int, year_list: list[int], households: int,
                      communes: int, seed: int, p: dict) -> int:
    """One year's households (one INSERT ... SELECT over ``range``); the number of rows."""
    y0, k_years = year_list[0], len(year_list)
    step = year - y0
    vintage = vintage_for_year(year)
    anchor = cur.execute(
        "SELECT poor_income_max FROM poverty_standard WHERE area = 'rural' AND ? BETWEEN valid_from_year "
        "AND valid_to_year", [y0]).fetchone()[0]
    indicator_count = cur.execute(
        "SELECT max(indicator_count) FROM poverty_standard WHERE ? BETWEEN valid_from_year AND valid_to_year",
        [year]).fetchone()[0]
    weights = list(DEPRIVATION_WEIGHTS) + [p["d13_weight"]]
    total_weight = sum(weights[:indicator_count])

    def hu(tag: int, key: str = "r.i") -> str:  # lasting trait of the household
        return _u(seed, key, str(tag))

    def yu(tag: int) -> str:  # this year's draw for the household
        return _u(seed, "x.i", str(year), str(tag))

    # Ethnic group by the demo's shares, as a 100-slot lookup (fast per row).
    slots = []
    for group, share in MINORITY_GROUPS:
        slots += [group] * round(share * 100)
    minority_groups = (slots + [MINORITY_GROUPS[-1][0]] * 100)[:100]
    members = [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 6, 6, 7]
    dep_cols = ", ".join(
        f"(CASE WHEN x.keep THEN {hu(100 + n, 'x.i')} ELSE {yu(100 + n)} END "
        f"< least(0.95, q * {12 * w / total_weight})) AS d{n + 1:02d}"
        if n < indicator_count else f"NULL::BOOLEAN AS d{n + 1:02d}"
        for n, w in enumerate(weights))
    cols = ", ".join(DEPRIVATION_COLUMNS)
    count = deprivation_count_sql("x", "s")
    status = status_sql("x.income_per_capita", count, "s")
    disagree = p["record_disagreement"]
    # churn: a few households arrive after the first year, a few leave before the last one
    first = (f"CASE WHEN {hu(11)} < {p['churn_in']} THEN 1 + floor({hu(12)} * {max(k_years - 1, 0)}) "
             f"ELSE 0 END")
    last = (f"CASE WHEN {hu(13)} < {p['churn_out']} THEN floor({hu(14)} * {max(k_years - 1, 0)}) "
            f"ELSE {k_years - 1} END")
    sql = f"""
    INSERT INTO household (year, household_id, commune_vintage, commune_code, hamlet, head_name,
        ethnicity, is_ethnic_minority, members, income_per_capita, {cols}, recorded_status,
        no_labour_capacity, has_merit, deprivation_count, computed_status, batch_id)
    WITH b AS (
        SELECT r.i, c.code AS base_code, cy.code AS commune_code, c.is_urban AS home_urban,
               c.effect, {hu(1)} < c.minority_share AS em, {hu(2)} < {p['no_labour_capacity_share']} AS nlc,
               {hu(3)} < 0.35 AS female
        FROM range({households}) r(i)
        JOIN synth_commune c ON c.idx = (r.i * {communes}) // {households}
        JOIN synth_commune_year cy ON cy.idx = c.idx AND cy.vintage = {vintage}
        WHERE {step} BETWEEN ({first}) AND ({last})
    ), inc AS (
        SELECT b.*,
               {p['log_income_mean']} + {p['log_income_growth']} * {step}
               + {p['sd_household']} * {_normal(seed, 'b.i', '20')}
               + {p['sd_year']} * {_normal(seed, 'b.i', str(year), '21')}
               + {p['sd_commune']} * b.effect
               + CASE WHEN b.em THEN {p['minority_shift']} ELSE 0 END
               + CASE WHEN b.home_urban THEN {p['urban_shift']} ELSE 0 END
               + CASE WHEN b.nlc THEN {p['no_labour_capacity_shift']} ELSE 0 END AS r
        FROM b
    ), x AS (
        SELECT inc.*, {_u(seed, 'inc.i', str(year), '22')} < {p['deprivation_persistence']} AS keep,
               1 / (1 + exp(-({p['deprivation_intercept']} - {p['deprivation_slope']} * inc.r))) AS q,
               (round({anchor} * exp(inc.r) / 10000) * 10000)::BIGINT AS income_per_capita
        FROM inc
    ), y AS (
        SELECT x.*, {dep_cols}
        FROM x
    ), z AS (
        SELECT x.*, {count} AS deprivation_count, {status} AS computed_status
        FROM y x
        JOIN org_unit o ON o.vintage = {vintage} AND o.code = x.commune_code
        JOIN poverty_standard s ON s.area = CASE WHEN o.is_urban THEN 'urban' ELSE 'rural' END
         AND {year} BETWEEN s.valid_from_year AND s.valid_to_year
    )
    SELECT {year}, z.base_code || '-' || lpad(z.i::VARCHAR, 8, '0'), {vintage}, z.commune_code,
           'Ấp ' || (1 + floor({_u(seed, 'z.i', '4')} * 8)::INTEGER),
           CASE WHEN z.em
                THEN {_pick(MINORITY_NAME_STARTS, _u(seed, 'z.i', '5'))} || ' ' || {_pick(GIVEN, _u(seed, 'z.i', '6'))}
                ELSE {_pick(KINH_SURNAMES, _u(seed, 'z.i', '7'))} || ' '
                     || CASE WHEN z.female THEN {_pick(KINH_MIDDLE_FEMALE, _u(seed, 'z.i', '8'))}
                             ELSE {_pick(KINH_MIDDLE_MALE, _u(seed, 'z.i', '8'))} END
                     || ' ' || {_pick(GIVEN, _u(seed, 'z.i', '6'))} END,
           CASE WHEN z.em THEN {_pick(minority_groups, _u(seed, 'z.i', '9'))} ELSE 'Kinh' END,
           z.em,
           list_element({members}, 1 + floor({_u(seed, 'z.i', '10')} * {len(members)})::INTEGER),
           z.income_per_capita, {', '.join('z.' + c for c in DEPRIVATION_COLUMNS)},
           CASE WHEN {_u(seed, 'z.i', str(year), '30')} < {disagree} AND z.computed_status = 'poor' THEN 'near_poor'
                WHEN {_u(seed, 'z.i', str(year), '30')} < {disagree} AND z.computed_status = 'near_poor' THEN 'poor'
                ELSE z.computed_status END,
           z.nlc, {_u(seed, 'z.i', '15')} < {p['has_merit_share']},
           z.deprivation_count, z.computed_status, {int(batch)}
    FROM z
    """
    cur.execute(sql)
    return int(cur.execute("SELECT count(*) FROM household WHERE batch_id = ?", [batch]).fetchone()[0])


def _write_totals_targets_budget(cur, year_list: list[int], seed: int, p: dict, report: dict) -> dict[str, int]:
    """Commune totals, targets (communes and their parent units), budget plans and disbursement
    snapshots, each kind in its own illustrative batch; the batch ids."""
    out = {}
    last = year_list[-1]

    def batch(kind: str, name: str) -> int:
        return create_batch(cur, kind=kind, user=USER, illustrative=True, file_name=name)

    # Denominators: every household of the review (the synthetic data is the whole population).
    b = out["commune_totals"] = batch("commune_totals", "Dữ liệu tổng hợp: tổng số hộ theo xã (minh họa)")
    cur.execute(
        """INSERT INTO commune_total (year, commune_vintage, commune_code, households, persons, batch_id)
           SELECT year, commune_vintage, commune_code, count(*), sum(members), ?
           FROM household WHERE batch_id IN (SELECT id FROM import_batch WHERE user_name = ? AND kind = 'households')
           GROUP BY ALL ORDER BY ALL""", [b, USER])
    finish_batch(cur, b, rows=_count(cur, "commune_total", b), report=report)

    # Poor households of each year by commune of the *next* year's vintage (households keep their
    # id, whose prefix is the first-year commune), and the parent unit of that commune.
    cur.execute(
        f"""CREATE TEMP TABLE synth_prev AS
            SELECT h.year + 1 AS year, cy.vintage, cy.code, o.parent_code,
                   count(*) FILTER (coalesce(h.recorded_status, h.computed_status) = 'poor') AS poor,
                   count(*) FILTER (coalesce(h.recorded_status, h.computed_status) = 'poor'
                                    AND h.is_ethnic_minority) AS poor_em,
                   count(*) AS households
            FROM household h
            JOIN synth_commune_year cy ON cy.base_code = split_part(h.household_id, '-', 1)
            JOIN (SELECT y AS year, vintage FROM (VALUES {', '.join(f'({y}, {vintage_for_year(y)})' for y in year_list)}) v(y, vintage)) yv
              ON yv.year = h.year + 1 AND yv.vintage = cy.vintage
            JOIN org_unit o ON o.vintage = cy.vintage AND o.code = cy.code
            WHERE h.superseded_by IS NULL AND h.year < {last}
            GROUP BY ALL""")
    share = p["target_reduction_share"]
    b = out["targets"] = batch("indicators", "Dữ liệu tổng hợp: chỉ tiêu giảm nghèo (minh họa)")
    cur.execute(
        f"""INSERT INTO indicator_value (year, org_vintage, org_code, indicator_code, kind, value, batch_id)
            WITH commune AS (
                SELECT year, vintage, code, parent_code, round(poor * {share}) AS total,
                       least(round(poor * {share}), round(poor_em * {share})) AS em, poor, households
                FROM synth_prev),
            parent AS (
                SELECT year, vintage, parent_code AS code, sum(total) AS total, sum(em) AS em,
                       sum(poor) AS poor, sum(households) AS households
                FROM commune GROUP BY ALL),
            units AS (SELECT year, vintage, code, total, em, poor, households FROM commune
                      UNION ALL SELECT * FROM parent)
            SELECT year, vintage, code, ind, 'target', value, {b} FROM units,
            LATERAL (VALUES ('poor_reduction', total), ('poor_ethnic_minority_reduction', em),
                            ('poor_kinh_reduction', total - em)) v(ind, value)
            UNION ALL
            SELECT year, vintage, code, 'poor_rate', 'target',
                   round((poor - total) / nullif(households, 0), 4), {b} FROM parent
            UNION ALL
            SELECT year, vintage, code, ind, kind,
                   CASE WHEN kind = 'target' THEN 1.0
                        ELSE round(0.85 + 0.15 * {_u(seed, 'year', 'hash(code)', 'hash(ind)')}, 3) END, {b}
            FROM parent, (VALUES ('health_insurance_coverage'), ('officers_trained'), ('credit_access')) i(ind),
                 (VALUES ('target'), ('actual')) k(kind)
            ORDER BY ALL""")
    finish_batch(cur, b, rows=_count(cur, "indicator_value", b), report=report)

    # Budget: the demo plan's lines scaled by the parent unit's poor households (the demo's 125).
    template = pd.DataFrame(read_demo_csv("budget_plan_2024.csv"))
    template["amount_mvnd"] = template["amount_mvnd"].astype(float)
    template["sub_project"] = template["sub_project"].where(template["sub_project"] != "", None)
    template = template[["project", "sub_project", "source", "capital_type", "agency", "amount_mvnd"]]
    demo_poor = sum(int(c["poor_2023"]) for c in read_demo_csv("communes.csv"))
    cur.register("synth_budget_template", template)
    b = out["budget_plan"] = batch("budget", "Dữ liệu tổng hợp: kế hoạch vốn (minh họa)")
    cur.execute(
        f"""CREATE TEMP TABLE synth_parent_poor AS
            SELECT h.year, h.commune_vintage AS vintage, o.parent_code AS code,
                   count(*) FILTER (coalesce(h.recorded_status, h.computed_status) = 'poor') AS poor
            FROM household h JOIN org_unit o ON o.vintage = h.commune_vintage AND o.code = h.commune_code
            WHERE h.batch_id IN (SELECT id FROM import_batch WHERE user_name = '{USER}' AND kind = 'households')
            GROUP BY ALL""")
    cur.execute(
        f"""INSERT INTO budget_plan (year, project, sub_project, source, capital_type, agency,
                                     org_vintage, org_code, amount_mvnd, batch_id)
            SELECT u.year, t.project, t.sub_project, t.source, t.capital_type, t.agency, u.vintage, u.code,
                   round(t.amount_mvnd * greatest(u.poor / {demo_poor}, 0.1)
                         * (0.85 + 0.3 * {_u(seed, 'u.year', 'hash(u.code)', '41')})), {b}
            FROM synth_parent_poor u, synth_budget_template t
            ORDER BY ALL""")
    finish_batch(cur, b, rows=_count(cur, "budget_plan", b), report=report)

    # Monthly cumulative disbursement: each line reaches its own share of the plan by December,
    # some late in the year; the last year stops at the last snapshot month.
    b = out["disbursement"] = batch("budget", "Dữ liệu tổng hợp: giải ngân lũy kế theo tháng (minh họa)")
    line_key = "u.year, hash(u.org_code), hash(u.project), hash(coalesce(u.sub_project, ''))"
    cur.execute(
        f"""INSERT INTO disbursement (year, as_of, project, sub_project, source, org_vintage, org_code,
                                      amount_mvnd, batch_id)
            SELECT u.year, last_day(make_date(u.year, m.m::INTEGER, 1)), u.project, u.sub_project, u.source,
                   u.org_vintage, u.org_code,
                   round(u.amount_mvnd * ({p['disbursed_share_min']} + (1 - {p['disbursed_share_min']})
                                          * {_u(seed, line_key, '42')})
                         * pow(m.m / 12, 1 + ({p['disbursement_power_max']} - 1) * {_u(seed, line_key, '43')}), 3),
                   {b}
            FROM budget_plan u, range(1, 13) m(m)
            WHERE u.batch_id = {out['budget_plan']}
              AND (u.year < {last} OR m.m <= {int(p['last_snapshot_month'])})
            ORDER BY ALL""")
    finish_batch(cur, b, rows=_count(cur, "disbursement", b), report=report)
    cur.unregister("synth_budget_template")
    cur.execute("DROP TABLE synth_prev")
    cur.execute("DROP TABLE synth_parent_poor")
    return out


def _count(cur, table: str, batch: int) -> int:
    return int(cur.execute(f"SELECT count(*) FROM {table} WHERE batch_id = ?", [batch]).fetchone()[0])
