"""The kinds of file the importer knows, by name: the registry the pipeline, header detection,
templates, the CLI and the Data page read. A new kind is one module here holding an
``ImportKind``, listed below, plus its aliases (data/reference/column_alias.csv) and labels."""

from __future__ import annotations

from ..importkind import ImportKind
from .budget import BUDGET
from .commune_totals import COMMUNE_TOTALS
from .households import HOUSEHOLDS
from .indicators import INDICATORS
from .review import REVIEW
from .support import SUPPORT

REGISTRY: dict[str, ImportKind] = {k.name: k for k in (HOUSEHOLDS, COMMUNE_TOTALS, INDICATORS, BUDGET, SUPPORT,
                                                      REVIEW)}
KINDS = tuple(REGISTRY)


def get_kind(name: str) -> ImportKind:
    """The kind of that name; ValueError naming the known ones otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown kind {name!r}; one of {', '.join(REGISTRY)}") from None


__all__ = ["ImportKind", "REGISTRY", "KINDS", "get_kind"]
