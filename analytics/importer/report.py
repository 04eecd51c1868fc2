"""The import report: what was read, skipped, repaired, refused and written."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

from ..i18n import t

# The cleaned rows a report keeps to show: the first few, not the file (a page keeps its reports
# in the session, and a million rows would stay with them).
PREVIEW_ROWS = 20


@dataclass
class Issue:
    """An error or warning about one cell (or the whole file when row/column are None)."""
    sheet: str | None
    row: int | None          # the row number as Excel shows it
    column: str | None       # the header as written in the file
    value: object
    message: str
    col_index: int | None = None  # 0-based column in the sheet (to highlight the cell)

    def to_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "value": _plain(self.value), "message": self.message}


def _plain(value):
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@dataclass
class ImportReport:
    """Everything the officer (or a script) needs to know about one file."""
    file_name: str
    lang: str = "vi"
    status: str = "rejected"          # committed | valid | rejected | duplicate
    kind: str | None = None
    sha256: str | None = None
    sheet: str | None = None
    header_row: int | None = None     # Excel row number of the header (first row if two)
    rows_read: int = 0
    rows_imported: int = 0
    rows_skipped: int = 0
    encoding_repairs: int = 0
    text_encoding: str | None = None
    year: int | list | None = None
    year_source: str | None = None    # column | option | title
    commune: str | None = None
    commune_name: str | None = None
    commune_source: str | None = None
    as_of: str | None = None
    as_of_source: str | None = None
    batch_id: int | None = None
    duplicate_of: int | None = None
    superseded_rows: int = 0
    adopt: list = field(default_factory=list)            # (vintage, code) of units the commit adopts
    mapping: list[dict] = field(default_factory=list)   # {column, field, col_index}
    skipped: list[dict] = field(default_factory=list)   # {sheet, row, reason}
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    preview: pd.DataFrame | None = None                  # the first cleaned rows (not in the JSON)

    def msg(self, key: str, **values) -> str:
        return t(key, self.lang, **values)

    def error(self, key: str, *, sheet=None, row=None, column=None, value=None, col_index=None, **values):
        self.errors.append(Issue(sheet, row, column, value, self.msg(key, **values), col_index))

    def warn(self, key: str, *, sheet=None, row=None, column=None, value=None, col_index=None, **values):
        self.warnings.append(Issue(sheet, row, column, value, self.msg(key, **values), col_index))

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        """The JSON report of ``import --json``."""
        data = asdict(self)
        data.pop("preview")
        data.pop("lang")
        data["errors"] = [e.to_dict() for e in self.errors]
        data["warnings"] = [w.to_dict() for w in self.warnings]
        return data

    def issues_frame(self, which: str = "errors") -> pd.DataFrame:
        """Errors or warnings as a table (sheet, row, column, value, message)."""
        items = self.errors if which == "errors" else self.warnings
        return pd.DataFrame([i.to_dict() for i in items],
                            columns=["sheet", "row", "column", "value", "message"])
