"""Indicators: target and actual values of the programme's indicators per unit (commune,
district, province) and year, written to ``indicator_value``."""

from __future__ import annotations

import pandas as pd

from ..clean import clean_text, parse_numbers
from ..grid import Grid, flag, require
from ..report import ImportReport
from ..resolve import year_and_place
from ...text import fold
from ..importkind import ImportKind


def build_indicators(db, grid: Grid, title, report: ImportReport, *, year=None, commune=None,
                     communes=None) -> list[tuple[str, pd.DataFrame]]:
    """Target and actual values per org unit, year and indicator; [('indicator_value', frame)]."""
    placed = year_and_place(db, grid, title, report, year=year, commune=commune, communes=communes,
                            communes_only=False)
    if placed is None:
        return []
    years, vintages, codes = placed
    catalogue = db.query("SELECT code, name_vi, name_en, unit FROM indicator")
    by_key = {}
    for code, vi, en, _ in catalogue:
        for name in (code, vi, en):
            by_key.setdefault(fold(name), code)
    units = {code: unit for code, _, _, unit in catalogue}
    cleaned, repairs = clean_text(grid.col("indicator"))
    report.encoding_repairs += repairs
    indicator = cleaned.map(lambda v: by_key.get(fold(v)) if v else None)
    flag(report, grid, "indicator", indicator.isna(), grid.col("indicator"), "import_err_unknown_indicator")
    frames = []
    for kind in ("target", "actual"):
        col = grid.col(kind)
        if col is None:
            continue
        values, bad = parse_numbers(col)
        flag(report, grid, kind, bad, col, "import_err_not_number")
        # Shares are stored as fractions; a sheet writes 100 or 100 %.
        share = indicator.map(lambda c: units.get(c) == "share")
        values = values.where(~(share & (values > 1)), values / 100)
        frames.append(pd.DataFrame({"year": years, "org_vintage": vintages.astype("Int64"), "org_code": codes,
                                    "indicator_code": indicator, "kind": kind, "value": values})
                      .dropna(subset=["value"]))
    if not frames:
        require(report, grid, "indicators", ["target"])
        return []
    out = pd.concat(frames)
    report.preview = out
    return [("indicator_value", out.reset_index(drop=True))]


INDICATORS = ImportKind(
    name="indicators",
    required=("indicator",),
    optional=("year", "commune", "province", "district", "target", "actual"),
    key_field="indicator",
    recognise=lambda f: "indicator" in f and ("target" in f or "actual" in f),
    build=build_indicators,
    tables=("indicator_value",),
    template=lambda db, year: [("Đơn vị", "commune"), ("Chỉ tiêu", "indicator"), ("Kế hoạch", ""),
                               ("Thực hiện", ""), ("Năm", "year")],
)
