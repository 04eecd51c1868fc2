"""``ImportKind``: what the pipeline needs to know about one kind of file (households, commune
totals, indicators, budget ...): its fields, how its header is recognised, how its rows are built
and checked, the tables it writes and its blank template. Each kind is one module of ``kinds/``
holding one ``ImportKind``; the registry (``kinds/__init__``) lists them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

# build(db, grid, title, report, *, year, commune, communes) -> [(table, frame)]: the kind's rows,
# cleaned and checked (errors and warnings go to the report), per table written.
Builder = Callable[..., list[tuple[str, pd.DataFrame]]]


def same_field(field: str | None) -> str | None:
    return field


def sub_field(group: str | None, field: str) -> str | None:
    return field


def short_rows(header, filled: pd.Series, key_empty: pd.Series) -> pd.Series:
    """A section row ("I. Ấp 1"): no key, and one or two cells filled (``filled`` counts the cells
    of the rows without a key)."""
    return key_empty & (filled > 0) & (filled <= 2)


def no_aliases() -> list[dict]:
    return []


# eq=False: a kind is itself (hashed by identity), so it can key the per-kind alias cache cheaply.
@dataclass(frozen=True, eq=False)
class ImportKind:
    name: str                           # as stored in import_batch.kind and given to --kind
    required: tuple[str, ...]           # fields without a column the file is refused
    optional: tuple[str, ...]           # the other fields it reads
    key_field: str                      # the field every data row fills (section rows leave it empty)
    recognise: Callable[[dict], bool]   # do a header's fields make a file of this kind?
    build: Builder
    tables: tuple[str, ...]             # the data tables it writes (superseded by key, see ``batches``)
    template: Callable[..., list[tuple[str, str]]]  # (db, year) -> [(header, drop-down list)]
    # Hooks with a common default; a kind sets only those where it differs.
    extra_aliases: Callable[[], list[dict]] = no_aliases    # {field, alias} beyond column_alias.csv
    lone_field: Callable[[str | None], str | None] = same_field  # the field of a one-row header cell
    group_field: Callable[[str | None, str], str | None] = sub_field  # a sub-column's, under a group
    section_rows: Callable[..., pd.Series] = short_rows     # (header, filled, key_empty)
    derive: Callable | None = None      # (cur, batch_id): fill what derives from the rows written
    keeps_totals: bool = False          # total rows reach ``build`` (marked in ``grid.totals``) to be checked

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional
