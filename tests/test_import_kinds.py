"""The registry of import kinds: every kind declares fields the alias table can map, a template
the importer recognises as that kind, tables that batches can supersede and roll back, and labels;
and the pipeline goes through the registry, so that a kind registered there (here a small one of
the test's own) is detected, built, committed as one batch and rolled back like the others."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.batches import DATA_TABLES, SUPERSEDE_KEYS, rollback
from analytics.i18n import has_label
from analytics.importer import KINDS, import_file
from analytics.importer.clean import parse_numbers
from analytics.importer.grid import flag
from analytics.importer.header import aliases, find_header
from analytics.importer.importkind import ImportKind
from analytics.importer.kinds import REGISTRY, get_kind
from analytics.importer.read import read_workbook
from analytics.importer.resolve import year_and_place
from analytics.importer.templates import template_workbook
from analytics.reference import vintage_for_year


def reachable_fields(kind: ImportKind) -> set[str]:
    """Every field a header cell of this kind can be mapped to, alone or under a group."""
    named = set(aliases(kind).values())
    under = {kind.group_field(group, f) for group in named | {None} for f in named}
    return named | {kind.lone_field(f) for f in named} | under


def test_the_registry_names_the_kinds_the_cli_and_data_page_offer():
    assert KINDS == tuple(REGISTRY) == ("households", "commune_totals", "indicators", "budget", "support", "review")
    with pytest.raises(ValueError, match="households"):
        get_kind("nonsense")


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_kind_declares_fields_the_alias_table_maps_and_tables_batches_know(name):
    kind = REGISTRY[name]
    assert kind.name == name
    reachable = reachable_fields(kind)
    assert set(kind.required) <= reachable
    assert set(kind.optional) <= reachable, set(kind.optional) - reachable
    assert kind.key_field in kind.fields
    assert kind.tables and set(kind.tables) <= set(DATA_TABLES) & set(SUPERSEDE_KEYS)
    assert has_label(f"import_kind_{name}")


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_kinds_template_is_recognised_as_that_kind(name, empty_db):
    kind = REGISTRY[name]
    workbook = read_workbook(template_workbook(empty_db, name, 2024), f"{name}.xlsx")
    header = find_header(workbook.sheets, REGISTRY.values())  # detected, not told
    assert header is not None and header.kind == name
    fields = set(header.fields())
    assert set(kind.required) <= fields
    assert fields <= set(kind.fields), fields - set(kind.fields)


# -- a kind of the test's own, registered like the real ones --------------------------------------
def build_counts(db, grid, title, report, *, year=None, commune=None, communes=None):
    placed = year_and_place(db, grid, title, report, year=year, commune=commune, communes=communes)
    if placed is None:
        return []
    years, vintages, codes = placed
    count, bad = parse_numbers(grid.col("count"))
    flag(report, grid, "count", bad, grid.col("count"), "import_err_not_number")
    out = pd.DataFrame({"year": years, "commune_vintage": vintages.astype("Int64"), "commune_code": codes,
                        "households": count.round().astype("Int64"),
                        "persons": pd.array([pd.NA] * len(count), dtype="Int64")})
    return [("commune_total", out.reset_index(drop=True))]


@pytest.fixture
def counts_kind(monkeypatch):
    derived = []
    kind = ImportKind(
        name="commune_counts", required=("commune", "count"), optional=("year",), key_field="commune",
        recognise=lambda f: "commune" in f and "count" in f, build=build_counts, tables=("commune_total",),
        template=lambda db, year: [("Xã", "commune"), ("Số đếm", ""), ("Năm", "year")],
        extra_aliases=lambda: [{"field": "count", "alias": "Số đếm"}],
        derive=lambda cur, batch_id: derived.append(batch_id))
    monkeypatch.setitem(REGISTRY, kind.name, kind)
    return kind, derived


def two_communes(db) -> list[tuple[str, str]]:
    return db.query("SELECT code, name FROM org_unit WHERE vintage = ? AND unit_type = 'xa' ORDER BY code LIMIT 2",
                    [vintage_for_year(2024)])


def test_a_registered_kind_is_detected_built_committed_and_rolled_back(hon_quan_db, counts_kind):
    kind, derived = counts_kind
    (code_a, name_a), (code_b, _) = two_communes(hon_quan_db)
    content = f"DANH SÁCH\nXã,Số đếm,Năm\n{name_a},12,2024\n{code_b},\"1.250\",2024\nTổng cộng,1262,\n"
    report = import_file(hon_quan_db, content.encode("utf-8"), "counts.csv", user="tester")
    assert report.errors == [], [e.to_dict() for e in report.errors]
    assert (report.status, report.kind, report.rows_imported, report.rows_skipped) == (
        "committed", "commune_counts", 2, 1)
    assert derived == [report.batch_id]
    rows = hon_quan_db.query("SELECT commune_code, households FROM commune_total WHERE batch_id = ? ORDER BY 1",
                          [report.batch_id])
    assert rows == sorted([(code_a, 12), (code_b, 1250)])
    assert hon_quan_db.scalar("SELECT kind FROM import_batch WHERE id = ?", [report.batch_id]) == "commune_counts"
    # The same commune and year again: the new batch replaces the old rows, rollback restores them.
    again = import_file(hon_quan_db, f"Xã,Số đếm,Năm\n{code_a},13,2024\n".encode(), "again.csv", user="tester")
    assert (again.status, again.superseded_rows) == ("committed", 1)
    assert rollback(hon_quan_db, again.batch_id)["restored"] == 1
    assert hon_quan_db.scalar("SELECT households FROM commune_total_current WHERE commune_code = ?", [code_a]) == 12


def test_a_registered_kinds_required_and_own_checks_refuse_the_file(empty_db, counts_kind):
    (code_a, _), _ = two_communes(empty_db)
    missing = import_file(empty_db, f"Xã,Năm\n{code_a},2024\n".encode(), "m.csv", kind="commune_counts")
    assert missing.status == "rejected"
    assert [e.message for e in missing.errors] == [missing.msg("import_err_missing_column", header="count")]
    bad = import_file(empty_db, f"Xã,Số đếm,Năm\n{code_a},many,2024\n".encode(), "b.csv")
    assert bad.status == "rejected" and bad.kind == "commune_counts"
    assert [(e.row, e.column, e.value) for e in bad.errors] == [(2, "Số đếm", "many")]
    assert empty_db.scalar("SELECT count(*) FROM import_batch") == 0
