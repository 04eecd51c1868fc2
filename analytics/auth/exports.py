"""Exports: the permission check and audit record of each export, and cells made safe to open in a
spreadsheet."""

from __future__ import annotations

import pandas as pd

from .. import audit
from .base import Clock, utcnow
from .scopes import Scope


def record_export(db, scope: Scope, what: str, *, rows: int | None = None, households: bool = False,
                  detail: dict | None = None, clock: Clock = utcnow) -> None:
    """Audit an export; PermissionDenied if it holds household rows and the role may not export them."""
    if households:
        scope.require("export_households")
    else:
        scope.require("export_reports")
    audit.record(db, "export", scope.username,
                 {"what": what, "rows": rows, "households": households, **(detail or {})}, now=clock())


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas when the export is opened
    (a cell from an uploaded file such as ``=HYPERLINK(...)`` gets a leading apostrophe)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v)
    return out
