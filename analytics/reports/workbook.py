"""The Excel report pack: one workbook in the layout of the official review tables.

Sheets (Vietnamese names by default): Tổng hợp, Diễn biến hộ nghèo, Diễn biến hộ cận nghèo,
Thiếu hụt, Nhóm đối tượng, Dân tộc, Nguyên nhân nghèo, Chỉ tiêu, Ngân sách. Every figure comes from the analytics
functions that ``summary`` also uses, so the totals equal what ``summary`` returns. Aggregates
only: no household name or id is ever written.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from pathlib import Path

import pandas as pd

from .. import budget, classification, deprivations, local_standards, poverty, review, targets, transitions
from ..db import Database
from ..demo import is_illustrative
from ..i18n import DEFAULT_LANGUAGE, t
from ..units import COMMUNE_TYPES_SQL, link_sql, target_vintage
from .layout import Col, Formats, Sheet, Table, new_workbook, write_sheet

# The data tables the sheets' figures come from (``ReportContext.sources`` lists their batches).
REPORTED_TABLES = ("household", "commune_total", "review_figure", "indicator_value", "budget_plan", "disbursement")
SHEET_KEYS = ("summary", "poor_transitions", "near_poor_transitions", "deprivations", "groups",
              "ethnicity", "causes", "targets", "budget")


@dataclass(frozen=True)
class ReportContext:
    """What every sheet needs: the database, the year, the units, the language, the budget
    report date, the date produced and ``within_units``: only the figures of the communes among
    these (vintage, code) pairs (e.g. the home area's, ``levels.area_units``; None: all)."""
    db: Database
    year: int
    units: int | None = None
    lang: str = DEFAULT_LANGUAGE
    as_of: date | None = None
    produced: date = field(default_factory=date.today)
    within_units: tuple | None = None

    def tr(self, key: str, **values) -> str:
        return t(key, self.lang, **values)

    # Read once per report, not once per sheet.
    @cached_property
    def unit_lines(self) -> tuple[str, str]:
        return issuing_unit(self.db, self.year, self.units, self.lang)

    @cached_property
    def sources(self) -> tuple[list[str], bool]:
        """(the import batches behind the year's data, whether demo data is in the database): the
        tables the sheets read, the review tables (forms 1-5) included; support records are not
        in the report."""
        batches = [str(r[0]) for r in self.db.query(
            "SELECT DISTINCT batch_id FROM (" + " UNION ALL ".join(
                f"SELECT batch_id FROM {table}_current WHERE year = $year" for table in REPORTED_TABLES)
            + ") ORDER BY batch_id", {"year": self.year})]
        return batches, is_illustrative(self.db)

    @cached_property
    def standard_note(self) -> str:
        """'Chuẩn nghèo: …': the standard(s) that classified the year's households."""
        return local_standards.caption(classification.standards_used(self.db, self.year, self.within_units), self.lang)

    @cached_property
    def transitions(self) -> dict[str, pd.DataFrame]:
        """Both transitions tables (``transitions.tables``)."""
        return transitions.tables(self.db, self.year, self.units, self.within_units)

    @cached_property
    def transition_persons(self) -> dict[str, pd.DataFrame]:
        """The persons beside them (``transitions.persons``)."""
        return transitions.persons(self.db, self.year, self.units)


# -- shared pieces ------------------------------------------------------------------------------

def issuing_unit(db: Database, year: int, units: int | None = None,
                 lang: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    """The two lines of the title block's left side: ('ỦY BAN NHÂN DÂN', 'HUYỆN HỚN QUẢN') —
    the unit above the communes of the vintage the report is presented in."""
    vintage = target_vintage(year, units)
    name = db.scalar(
        f"""SELECT p.name FROM org_unit c JOIN org_unit p ON p.vintage = c.vintage AND p.code = c.parent_code
            WHERE c.vintage = ? AND c.unit_type IN {COMMUNE_TYPES_SQL}
            GROUP BY p.name ORDER BY count(*) DESC LIMIT 1""", [vintage])
    return (t("report_committee", lang), (name or "").upper())


def source_note(ctx: ReportContext, what_key: str) -> str:
    """'Nguồn số liệu: …' with the import batches behind the year's data, the poverty standard(s)
    behind its figures (not for the budget) and the illustrative flag when demo data is in the
    database."""
    batches, illustrative = ctx.sources
    text = ctx.tr("report_source", what=ctx.tr(what_key, year=ctx.year),
                  batches=", ".join(batches) or "–")
    if what_key != "report_source_budget" and ctx.standard_note:  # money is not classified
        text += " " + ctx.standard_note + "."
    if illustrative:
        text += " " + ctx.tr("report_illustrative")
    return text


def _tt(i: int, parent: str | None = None) -> str:
    return f"{parent}.{i}" if parent else str(i)


def _pct(value) -> float | None:
    """A fraction as the percentage the official tables print (column formula ×100)."""
    return None if value is None or pd.isna(value) else float(value) * 100


def _num(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _col_tt(ctx) -> Col:
    return Col("tt", (ctx.tr("report_col_tt"),), "A", "center", 6, merge_span=True)


def _col_name(ctx, key="report_col_commune", width=24.0) -> Col:
    return Col("name", (ctx.tr(key),), "B", "text", width, merge_span=True)


def _period(ctx) -> str:
    return ctx.tr("report_period_year", year=ctx.year)


def _sheet(ctx, key: str, tables: list[Table], period: str | None = None, notes=None,
           source_key: str = "report_source_review") -> Sheet:
    return Sheet(name=ctx.tr(f"report_sheet_{key}")[:31],
                 unit_lines=ctx.unit_lines,
                 title=ctx.tr(f"report_title_{key}").upper(), period=period or _period(ctx),
                 tables=tables, source_note=source_note(ctx, source_key), notes=list(notes or []))


# -- Tổng hợp -------------------------------------------------------------------------------------

def average_households(db: Database, year: int, units: int | None = None) -> pd.DataFrame:
    """Households of average living standard per commune (code, average), by the official status."""
    vintage = target_vintage(year, units)
    return db.frame(
        f"""SELECT l.code, count(*) AS average
            FROM household_current h
            JOIN {link_sql(vintage)} l ON l.src_vintage = h.commune_vintage AND l.src_code = h.commune_code
            WHERE h.year = ? AND {poverty.OFFICIAL} = 'average'
            GROUP BY l.code""", [year])


def _persons(ctx, value, kind: str = "int") -> tuple[object, str]:
    """(cell value, kind) of a persons figure: the figure, or the words saying the data have none
    (never a 0 that would read as "no poor persons")."""
    if value is None or pd.isna(value):
        return ctx.tr("report_no_persons"), "center"
    return float(value), kind


def _persons_cells(ctx, figures: dict) -> dict:
    """The persons columns of a summary row (poor and near-poor persons with their rates over
    the unit's persons), each cell saying so where the data have no such figure."""
    row, kinds = {}, {}
    for key in ("poor_persons", "near_poor_persons"):
        row[key], kinds[key] = _persons(ctx, figures.get(key))
        rate = figures.get(f"{key}_rate")
        row[f"{key}_rate"], kinds[f"{key}_rate"] = _persons(ctx, _pct(rate), "pct")
    row["persons"], kinds["persons"] = _persons(ctx, figures.get("persons"))
    return {**row, "_kinds": kinds}


def summary_sheet(ctx: ReportContext) -> Sheet:
    """Per commune, as official form 1: households and persons; poor, near-poor and
    average-living-standard households with their rates; then the review result in persons (poor
    and near-poor persons with their rates over the persons); the district total first, in bold.
    A persons figure the data lack says so."""
    tr = ctx.tr
    communes = poverty.commune_table(ctx.db, ctx.year, ctx.units, within_units=ctx.within_units)
    avg = average_households(ctx.db, ctx.year, ctx.units)
    communes = communes.merge(avg, on="code", how="left").fillna({"average": 0})
    counts = poverty.household_counts(ctx.db, ctx.year, ctx.units, within_units=ctx.within_units)
    hh, rate, em = tr("report_col_households"), tr("report_col_rate"), tr("report_col_of_which_em")
    g_total, g_poor = tr("report_grp_population"), tr("report_grp_poor")
    g_near, g_avg = tr("report_grp_near_poor"), tr("report_grp_average")
    g_persons, n_persons = tr("report_grp_persons_result"), tr("report_col_persons_count")
    g_poor_p, g_near_p = tr("report_grp_poor_persons"), tr("report_grp_near_poor_persons")
    cols = [_col_tt(ctx), _col_name(ctx),
            Col("total", (g_total, hh), "1", width=11), Col("persons", (g_total, tr("report_col_persons")), "2", width=11),
            Col("poor", (g_poor, hh), "3"), Col("poor_rate", (g_poor, rate), "4=3/1*100", "pct"),
            Col("poor_em", (g_poor, em), "5"),
            Col("near_poor", (g_near, hh), "6"), Col("near_poor_rate", (g_near, rate), "7=6/1*100", "pct"),
            Col("near_poor_em", (g_near, em), "8"),
            Col("average", (g_avg, hh), "9"), Col("average_rate", (g_avg, rate), "10=9/1*100", "pct"),
            Col("poor_persons", (g_persons, g_poor_p, n_persons), "11", width=11),
            Col("poor_persons_rate", (g_persons, g_poor_p, rate), "12=11/2*100", "pct", 11),
            Col("near_poor_persons", (g_persons, g_near_p, n_persons), "13", width=11),
            Col("near_poor_persons_rate", (g_persons, g_near_p, rate), "14=13/2*100", "pct", 11)]
    total_households = counts["total"]
    total_average = float(communes["average"].sum())
    rows = [{"_style": "total", "tt": "", "name": tr("report_total"), "total": total_households,
             "poor": counts["poor"],
             "poor_rate": _pct(counts["poor_rate"]), "poor_em": counts["poor_ethnic_minority"],
             "near_poor": counts["near_poor"], "near_poor_rate": _pct(counts["near_poor_rate"]),
             "near_poor_em": counts["near_poor_ethnic_minority"], "average": total_average,
             "average_rate": _pct(total_average / total_households) if total_households else None,
             **_persons_cells(ctx, counts)}]
    for i, c in enumerate(communes.to_dict("records"), 1):
        rows.append({"tt": _tt(i), "name": c["name"], "total": c["total"],
                     "poor": c["poor"], "poor_rate": _pct(c["poor_rate"]), "poor_em": c["poor_ethnic_minority"],
                     "near_poor": c["near_poor"], "near_poor_rate": _pct(c["near_poor_rate"]),
                     "near_poor_em": c["near_poor_ethnic_minority"], "average": c["average"],
                     "average_rate": _pct(c["average"] / c["total"]) if c["total"] else None,
                     **_persons_cells(ctx, c)})
    table = Table(cols, rows, unit_note=tr("report_unit_households_persons_pct"))
    return _sheet(ctx, "summary", [table])


# -- Diễn biến ------------------------------------------------------------------------------------

# Column key, header path (i18n keys, outermost first), column-number label: the official form.
POOR_TRANSITION_COLUMNS = [
    ("start", ("report_tr_start_poor",), "1"),
    ("escaped_to_near_poor", ("report_tr_decrease", "report_tr_escaped", "report_tr_to_near_poor"), "2"),
    ("escaped_above_near_poor", ("report_tr_decrease", "report_tr_escaped", "report_tr_above_near_poor"), "3"),
    ("other_decrease", ("report_tr_decrease", "report_tr_other_decrease"), "4"),
    ("near_poor_to_poor", ("report_tr_increase_poor", "report_tr_near_poor_to_poor"), "5"),
    ("fallen_back", ("report_tr_increase_poor", "report_tr_added_poor", "report_tr_fallen_back"), "6"),
    ("newly_poor", ("report_tr_increase_poor", "report_tr_added_poor", "report_tr_newly"), "7"),
    ("other_increase", ("report_tr_increase_poor", "report_tr_other_increase"), "8"),
    ("end", ("report_tr_end_poor",), "9=1-2-3-4+5+6+7+8"),
]


NEAR_POOR_TRANSITION_COLUMNS = [
    ("start", ("report_tr_start_near_poor",), "1"),
    ("escaped", ("report_tr_decrease", "report_trn_escaped"), "2"),
    ("became_poor", ("report_tr_decrease", "report_trn_became_poor"), "3"),
    ("other_decrease", ("report_tr_decrease", "report_tr_other_decrease"), "4"),
    ("poor_to_near_poor", ("report_tr_increase_near_poor", "report_trn_poor_to_near_poor"), "5"),
    ("fallen_back", ("report_tr_increase_near_poor", "report_trn_added", "report_trn_fallen_back"), "6"),
    ("newly_near_poor", ("report_tr_increase_near_poor", "report_trn_added", "report_tr_newly"), "7"),
    ("other_increase", ("report_tr_increase_near_poor", "report_tr_other_increase"), "8"),
    ("end", ("report_tr_end_near_poor",), "9=1-2-3-4+5+6+7+8"),
]


def _transition_pair(ctx, keys, households: dict, persons: dict, head: dict, style=None) -> list[dict]:
    """A unit's two rows as form 2 has them: "Hộ" (``head`` holds its TT and name, merged over
    both rows), then "Nhân khẩu", whose cells the data lack say so."""
    people = {}
    for k in keys:
        people[k], kind = _persons(ctx, persons.get(k))
        people.setdefault("_kinds", {})[k] = kind
    return [{"_style": style, **head, "_span": 2, "group": ctx.tr("report_row_households"),
             **{k: households[k] for k in keys}},
            {"_style": style, "_sub": True, "group": ctx.tr("report_row_persons"), **people}]


def _transition_sheet(ctx: ReportContext, key: str, frame: pd.DataFrame, persons: pd.DataFrame,
                      spec: list[tuple]) -> Sheet:
    cols = [_col_tt(ctx), _col_name(ctx), Col("group", (ctx.tr("report_col_group"),), "C", "text", 11)]
    for k, path, number in spec:
        cols.append(Col(k, tuple(ctx.tr(p) for p in path), number, width=11 if len(path) > 1 else 13))
    keys = [k for k, _, _ in spec]
    by_code = {str(r["code"]): r for r in persons.to_dict("records")}
    people = [by_code.get(str(code), {}) for code in frame["code"]]
    # The total of a persons column only where every unit has that figure.
    total_people = {k: (sum(p[k] for p in people)
                        if all(k in p and not pd.isna(p[k]) for p in people) else None) for k in keys}
    rows = _transition_pair(ctx, keys, transitions.totals(frame[keys]), total_people,
                            {"tt": "", "name": ctx.tr("report_total")}, "total")
    for i, (r, p) in enumerate(zip(frame.to_dict("records"), people), 1):
        rows += _transition_pair(ctx, keys, r, p, {"tt": _tt(i), "name": r["name"]})
    period = ctx.tr("report_period_change", y0=ctx.year - 1, y1=ctx.year)
    notes = [] if len(frame) else [ctx.tr("report_note_no_change", y0=ctx.year - 1, y1=ctx.year)]
    return _sheet(ctx, key, [Table(cols, rows, unit_note=ctx.tr("report_unit_households_persons"))], period,
                  notes=notes)


def poor_transitions_sheet(ctx: ReportContext) -> Sheet:
    """The change in poor households per commune (start, escaped …, end), with the district total;
    each unit in a "Hộ" and a "Nhân khẩu" row, as form 2."""
    return _transition_sheet(ctx, "poor_transitions", ctx.transitions["poor"], ctx.transition_persons["poor"],
                             POOR_TRANSITION_COLUMNS)


def near_poor_transitions_sheet(ctx: ReportContext) -> Sheet:
    """The same table for near-poor households."""
    return _transition_sheet(ctx, "near_poor_transitions", ctx.transitions["near_poor"],
                             ctx.transition_persons["near_poor"], NEAR_POOR_TRANSITION_COLUMNS)


# -- Thiếu hụt ------------------------------------------------------------------------------------

def deprivations_sheet(ctx: ReportContext) -> Sheet:
    """Per commune, two rows (poor, near-poor): households deprived on each indicator and their
    share of the group, grouped by dimension; the district total first."""
    tr = ctx.tr
    table = deprivations.deprivation_table(ctx.db, ctx.year, ctx.units, ctx.within_units)
    district = deprivations.district_table(ctx.db, ctx.year, ctx.within_units)
    communes = poverty.commune_table(ctx.db, ctx.year, ctx.units, within_units=ctx.within_units)
    counts = poverty.household_counts(ctx.db, ctx.year, ctx.units, within_units=ctx.within_units)
    dim_col, name_col = ("dimension_vi", "name_vi") if ctx.lang == "vi" else ("dimension_en", "name_en")
    indicators = deprivations.indicators(ctx.db, ctx.year).sort_values("number").to_dict("records")
    cols = [_col_tt(ctx), _col_name(ctx, width=20),
            Col("group", (tr("report_col_group"),), "C", "text", 12),
            Col("households", (tr("report_col_group_households"),), "1", width=10)]
    n = 2
    for ind in indicators:
        label = f"{ind['number']}. {ind[name_col]}"
        cols.append(Col(f"c{ind['number']}", (ind[dim_col], label, tr("report_col_households")), str(n), width=8))
        cols.append(Col(f"s{ind['number']}", (ind[dim_col], label, tr("report_col_rate")),
                        f"{n + 1}={n}/1*100", "pct", 8))
        n += 2

    def pair(name, tt, poor_total, near_total, part, style=None):
        out = []
        for group, total, first in (("poor", poor_total, True), ("near_poor", near_total, False)):
            row = {"_style": style, "group": tr(f"report_group_row_{group}"), "households": total}
            if first:
                row.update(tt=tt, name=name, _span=2)
            else:
                row["_sub"] = True
            for ind in indicators:
                count = float(part.loc[part["number"] == ind["number"], f"{group}_count"].sum())
                row[f"c{ind['number']}"] = count
                row[f"s{ind['number']}"] = _pct(count / total) if total else None
            out.append(row)
        return out

    rows = pair(tr("report_total"), "", counts["poor"], counts["near_poor"], district, "total")
    for i, c in enumerate(communes.to_dict("records"), 1):
        part = table[table["commune_code"].astype(str) == str(c["code"])]
        rows += pair(c["name"], _tt(i), c["poor"], c["near_poor"], part)
    return _sheet(ctx, "deprivations", [Table(cols, rows, unit_note=tr("report_unit_households_pct"))])


# -- Nhóm đối tượng, Dân tộc ----------------------------------------------------------------------

def _share_columns(ctx, first_key: str, first_width: float = 34.0) -> list[Col]:
    tr = ctx.tr
    g_poor, g_near = tr("report_grp_poor"), tr("report_grp_near_poor")
    return [Col("tt", (tr("report_col_tt"),), "A", "center", 6),
            Col("name", (tr(first_key),), "B", "text", first_width),
            Col("poor", (g_poor, tr("report_col_households")), "1", width=12),
            Col("poor_share", (g_poor, tr("report_col_share_of_poor")), "2", "pct", 14),
            Col("near_poor", (g_near, tr("report_col_households")), "3", width=12),
            Col("near_poor_share", (g_near, tr("report_col_share_of_near_poor")), "4", "pct", 14)]


def _share_row(name, tt, poor, near, poor_total, near_total, style=None) -> dict:
    return {"_style": style, "tt": tt, "name": name, "poor": poor, "near_poor": near,
            "poor_share": _pct(poor / poor_total) if poor_total else None,
            "near_poor_share": _pct(near / near_total) if near_total else None}


def groups_sheet(ctx: ReportContext) -> Sheet:
    """Poor and near-poor households by target group (ethnic minority, no labour capacity, with
    merit), each as a share of all poor / near-poor households; the totals first."""
    counts = poverty.household_counts(ctx.db, ctx.year, ctx.units, within_units=ctx.within_units)
    frame = poverty.group_breakdown(ctx.db, ctx.year, ctx.within_units)
    p, q = counts["poor"], counts["near_poor"]
    rows = [_share_row(ctx.tr("report_total"), "", p, q, p, q, "total"),
            {"_style": "group", "tt": "", "name": ctx.tr("report_of_which")}]
    for i, r in enumerate(frame.to_dict("records"), 1):
        rows.append(_share_row(ctx.tr(f"report_target_group_{r['group']}"), _tt(i), r["poor"], r["near_poor"], p, q))
    table = Table(_share_columns(ctx, "report_col_target_group"), rows, unit_note=ctx.tr("report_unit_households_pct"))
    return _sheet(ctx, "groups", [table],
                  notes=[ctx.tr("report_note_groups_overlap")])


def ethnicity_sheet(ctx: ReportContext) -> Sheet:
    """Poor and near-poor households by ethnic group: the total, Kinh, then the ethnic minorities
    (subtotal in bold italic) one by one."""
    counts = poverty.household_counts(ctx.db, ctx.year, ctx.units, within_units=ctx.within_units)
    frame = poverty.ethnicity_breakdown(ctx.db, ctx.year, ctx.within_units)
    p, q = counts["poor"], counts["near_poor"]
    rows = [_share_row(ctx.tr("report_total"), "", float(frame["poor"].sum()), float(frame["near_poor"].sum()),
                       p, q, "total")]
    is_kinh = frame["ethnicity"].astype(str).str.casefold() == "kinh"
    n = 1
    for r in frame[is_kinh].to_dict("records"):
        rows.append(_share_row(r["ethnicity"], _tt(n), r["poor"], r["near_poor"], p, q))
        n += 1
    minorities = frame[~is_kinh]
    if not minorities.empty:
        parent = _tt(n)
        rows.append(_share_row(ctx.tr("report_ethnic_minorities"), parent, float(minorities["poor"].sum()),
                               float(minorities["near_poor"].sum()), p, q, "group"))
        for i, r in enumerate(minorities.to_dict("records"), 1):
            name = r["ethnicity"] if isinstance(r["ethnicity"], str) else ctx.tr("report_unknown")
            rows.append(_share_row(name, _tt(i, parent), r["poor"], r["near_poor"], p, q))
    table = Table(_share_columns(ctx, "report_col_ethnicity", 24), rows,
                  unit_note=ctx.tr("report_unit_households_pct"))
    return _sheet(ctx, "ethnicity", [table])


def causes_sheet(ctx: ReportContext) -> Sheet:
    """Poor and near-poor households by cause of poverty (the catalogue's order), each as a share
    of the poor / near-poor households whose causes were recorded; that total first."""
    table = review.cause_table(ctx.db, ctx.year, ctx.units, ctx.within_units)
    p, q = review.households_with_causes(ctx.db, ctx.year, ctx.within_units)
    name = "name_vi" if ctx.lang == "vi" else "name_en"
    rows = [_share_row(ctx.tr("report_total"), "", p, q, p, q, "total"),
            {"_style": "group", "tt": "", "name": ctx.tr("report_of_which")}]
    for i, r in enumerate(table.to_dict("records"), 1):
        rows.append(_share_row(r[name], _tt(i), r["poor"], r["near_poor"], p, q))
    notes = [ctx.tr("report_note_causes_overlap")]
    if not p and not q:
        notes.append(ctx.tr("report_note_causes_none"))
    return _sheet(ctx, "causes", [Table(_share_columns(ctx, "report_col_cause"), rows,
                                        unit_note=ctx.tr("report_unit_households_pct"))], notes=notes)


# -- Chỉ tiêu ------------------------------------------------------------------------------------

def targets_sheet(ctx: ReportContext) -> Sheet:
    """Each unit's targets: plan, achieved, gap and status per indicator, the district first (bold);
    shares in percent."""
    tr = ctx.tr
    gaps = targets.target_gaps(ctx.db, ctx.year, ctx.units, within_units=ctx.within_units)
    name_col = "name_vi" if ctx.lang == "vi" else "name_en"
    cols = [_col_tt(ctx), _col_name(ctx, "report_col_org_unit", 20),
            Col("indicator", (tr("report_col_indicator"),), "C", "text", 36),
            Col("unit", (tr("report_col_measure"),), "D", "center", 9),
            Col("target", (tr("report_col_target"),), "1", "dec", 11),
            Col("achieved", (tr("report_col_achieved"),), "2", "dec", 11),
            Col("gap", (tr("report_col_difference"),), "3=1-2", "dec", 11),
            Col("status", (tr("report_col_status"),), "E", "text", 16)]
    rows = []
    # district (and province) rows are bold and unnumbered, as in the official tables
    tops = set(ctx.db.query(f"SELECT vintage, code FROM org_unit WHERE unit_type NOT IN {COMMUNE_TYPES_SQL}"))
    n = 0
    for (vintage, code), part in gaps.groupby(["org_vintage", "org_unit"], sort=False):
        is_top = (int(vintage), str(code)) in tops
        if not is_top:
            n += 1
        for j, r in enumerate(part.to_dict("records")):
            share = r["unit"] == "share"
            kind = "pct" if share else "int"
            scale = _pct if share else _num
            row = {"_style": "total" if is_top else None,
                   "indicator": r.get(name_col) or r["indicator"],
                   "unit": tr("report_measure_percent") if share else tr("report_measure_households"),
                   "target": scale(r["target"]), "achieved": scale(r["achieved"]), "gap": scale(r["gap"]),
                   "status": tr(f"report_status_{r['status']}") if isinstance(r["status"], str) else "",
                   "_kinds": {"target": kind, "achieved": kind, "gap": kind}}
            if j == 0:
                row.update(tt="" if is_top else _tt(n), name=r["org_name"] or str(code), _span=len(part))
            else:
                row["_sub"] = True
            rows.append(row)
    notes = [targets.status_rule(ctx.db, ctx.lang)] if rows else [tr("report_note_no_targets", year=ctx.year)]
    return _sheet(ctx, "targets", [Table(cols, rows)], source_key="report_source_targets", notes=notes)


# -- Ngân sách -----------------------------------------------------------------------------------

def budget_sheet(ctx: ReportContext) -> Sheet:
    """Plan by source, disbursed and rate per project line (lines behind pace marked), then plan,
    disbursed and rate per funding source; the as-of date in the period line."""
    tr = ctx.tr
    execution = budget.execution(ctx.db, ctx.year, ctx.as_of)
    plan = budget.plan_lines(ctx.db, ctx.year)
    by_source = budget.execution_by_source(ctx.db, ctx.year, ctx.as_of)
    headline = budget.totals(execution)
    keys = ["project", "sub_project"]
    lines = execution.merge(plan[keys + list(budget.SOURCES)], on=keys, how="left")
    name_col = "name_vi" if ctx.lang == "vi" else "name_en"
    g_plan, g_exec = tr("report_grp_plan"), tr("report_grp_execution")
    source_label = {k: tr(f"report_source_{k}") for k in (*budget.SOURCES, "other")}
    cols = [Col("tt", (tr("report_col_tt"),), "A", "center", 6),
            Col("name", (tr("report_col_line"),), "B", "text", 44),
            Col("agency", (tr("report_col_agency"),), "C", "text", 22),
            *[Col(s, (g_plan, source_label[s]), str(i), "money", 11) for i, s in enumerate(budget.SOURCES, 1)],
            Col("plan", (g_plan, tr("report_col_sum")), "4=1+2+3", "money", 11),
            Col("disbursed", (g_exec, tr("report_col_disbursed")), "5", "money", 12),
            Col("rate", (g_exec, tr("report_col_disbursement_rate")), "6=5/4*100", "pct", 12),
            Col("behind", (g_exec, tr("report_col_behind_pace")), "D", "center", 10)]
    total = {"_style": "total", "tt": "", "name": tr("report_total"),
             **{s: float(lines[s].sum()) for s in budget.SOURCES},
             "plan": headline["plan"], "disbursed": headline["disbursed"], "rate": _pct(headline["rate"])}
    rows = [total]
    projects = budget.execution_by_project(ctx.db, ctx.year, ctx.as_of).set_index("project")

    def line_row(r, tt, style=None):
        return {"_style": style, "tt": tt, "name": r.get(name_col) or r["project"], "agency": r.get("agency") or "",
                **{s: r.get(s) for s in budget.SOURCES}, "plan": r["plan"], "disbursed": r["disbursed"],
                "rate": _pct(r["rate"]), "behind": "x" if r.get("behind_pace") is True else ""}

    # A project with sub-projects gets its own row (their sums) above them, as 3 then 3.1, 3.2.
    for i, (project, part) in enumerate(lines.groupby("project", sort=False), 1):
        subs = part[part["sub_project"].notna()]
        if subs.empty:
            rows.append(line_row(part.iloc[0].to_dict(), _tt(i)))
            continue
        head = projects.loc[project].to_dict() if project in projects.index else {}
        rows.append(line_row({**{s: float(part[s].sum()) for s in budget.SOURCES}, **head, "project": project,
                              "agency": "; ".join(dict.fromkeys(part["agency"].dropna()))}, _tt(i), "group"))
        for j, r in enumerate(part.to_dict("records"), 1):
            rows.append(line_row(r, _tt(j, _tt(i))))
    source_cols = [Col("tt", (tr("report_col_tt"),), "A", "center", 6),
                   Col("name", (tr("report_col_source"),), "B", "text", 44),
                   Col("plan", (tr("report_col_plan"),), "1", "money", 22),
                   Col("disbursed", (tr("report_col_disbursed"),), "2", "money", 11),
                   Col("rate", (tr("report_col_disbursement_rate"),), "3=2/1*100", "pct", 11)]
    src_head = budget.totals(by_source)
    src_rows = [{"_style": "total", "tt": "", "name": tr("report_total"), "plan": src_head["plan"],
                 "disbursed": src_head["disbursed"], "rate": _pct(src_head["rate"])}]
    for i, r in enumerate(by_source.to_dict("records"), 1):
        src_rows.append({"tt": _tt(i), "name": r.get(name_col) or source_label.get(r["source"], str(r["source"])),
                         "plan": r["plan"], "disbursed": r["disbursed"], "rate": _pct(r["rate"])})
    as_of = headline["as_of"]
    if as_of is not None and not pd.isna(as_of):
        period = tr("report_period_budget", year=ctx.year, date=pd.Timestamp(as_of).strftime("%d/%m/%Y"))
    else:
        period = tr("report_period_budget_none", year=ctx.year)
    return _sheet(ctx, "budget",
                  [Table(cols, rows, heading=tr("report_budget_by_line"), unit_note=tr("report_unit_mvnd")),
                   Table(source_cols, src_rows, heading=tr("report_budget_by_source"), unit_note=tr("report_unit_mvnd"))],
                  period=period, source_key="report_source_budget", notes=[tr("report_note_pace")])


SHEET_BUILDERS = {
    "summary": summary_sheet,
    "poor_transitions": poor_transitions_sheet,
    "near_poor_transitions": near_poor_transitions_sheet,
    "deprivations": deprivations_sheet,
    "groups": groups_sheet,
    "ethnicity": ethnicity_sheet,
    "causes": causes_sheet,
    "targets": targets_sheet,
    "budget": budget_sheet,
}


def build_sheets(ctx: ReportContext) -> list[Sheet]:
    """The nine sheets of the report pack, in order."""
    return [SHEET_BUILDERS[k](ctx) for k in SHEET_KEYS]


def write_workbook(db: Database, year: int, out: Path | str | io.BytesIO | None = None, *,
                   units: int | None = None, lang: str = DEFAULT_LANGUAGE, as_of: date | None = None,
                   produced: date | None = None, within_units=None) -> bytes | None:
    """Write the report pack for ``year`` to ``out`` (a path or a binary stream); with no ``out``,
    return the workbook's bytes. ``within_units``: only the figures of those units' communes (see
    ``ReportContext``); the budget is the plan's own."""
    ctx = ReportContext(db, year, units, lang, as_of, produced or date.today(),
                        tuple(within_units) if within_units is not None else None)
    sheets = build_sheets(ctx)
    target = io.BytesIO() if out is None else out
    wb = new_workbook(str(target) if isinstance(target, Path) else target)
    wb.set_properties({"title": ctx.tr("report_workbook_title", year=year),
                       "subject": ctx.tr("report_workbook_title", year=year),
                       "company": ctx.unit_lines[1], "comments": ctx.tr("report_produced_on",
                                                                                        date=ctx.produced.strftime("%d/%m/%Y"))})
    fmts = Formats(wb, lang)
    for sheet in sheets:
        write_sheet(wb, fmts, sheet, lang, ctx.produced)
    wb.close()
    return target.getvalue() if out is None else None
