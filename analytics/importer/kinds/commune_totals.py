"""Commune totals: the number of households (and persons) of each commune and year, the
denominator of the poverty rates, written to ``commune_total``."""

from __future__ import annotations

import pandas as pd

from ..clean import is_empty, parse_numbers
from ..grid import Grid, flag
from ..report import ImportReport
from ..resolve import year_and_place
from ..importkind import ImportKind


def build_commune_totals(db, grid: Grid, title, report: ImportReport, *, year=None, commune=None,
                         communes=None) -> list[tuple[str, pd.DataFrame]]:
    """Total households (and persons) per commune and year; [('commune_total', frame)]."""
    # Without a year or a unit the counts are still checked, so that every error shows at once.
    places = year_and_place(db, grid, title, report, year=year, commune=commune, communes=communes)
    if places is not None:
        years, vintages, codes = places
    else:
        years = vintages = codes = pd.Series(None, index=grid.frame.index, dtype="object")
    out = pd.DataFrame({"year": years, "commune_vintage": vintages.astype("Int64"), "commune_code": codes})
    for field in ("households", "persons"):
        col = grid.col(field)
        if col is None:
            out[field] = pd.Series(pd.NA, index=out.index, dtype="Int64")
            continue
        values, bad = parse_numbers(col)
        flag(report, grid, field, bad, col, "import_err_not_number")
        flag(report, grid, field, values < 0, col, "import_err_negative")
        flag(report, grid, field, values.notna() & (values % 1 != 0), col, "import_err_not_whole")
        out[field] = values.round().astype("Int64")
    flag(report, grid, "households", is_empty(grid.col("households")), grid.col("households"),
         "import_err_required_value")
    fewer = out.persons.notna() & out.households.notna() & (out.persons < out.households)
    flag(report, grid, "persons", fewer, grid.col("persons"), "import_warn_persons_fewer", warning=True)
    dup = out.duplicated(["year", "commune_vintage", "commune_code"]) & out.commune_code.notna()
    flag(report, grid, "commune", dup, grid.col("commune"), "import_err_duplicate_commune")
    if places is None:
        return []
    report.preview = out
    return [("commune_total", out.reset_index(drop=True))]


COMMUNE_TOTALS = ImportKind(
    name="commune_totals",
    required=("households",),
    optional=("year", "commune", "province", "district", "persons"),
    key_field="commune",
    recognise=lambda f: "households" in f and "commune" in f,
    build=build_commune_totals,
    tables=("commune_total",),
    template=lambda db, year: [("Xã", "commune"), ("Tổng số hộ", ""), ("Tổng số nhân khẩu", ""), ("Năm", "year")],
)
