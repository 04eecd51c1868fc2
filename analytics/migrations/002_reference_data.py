"""Load the reference CSVs (org units, standards, indicators, catalogue, settings)."""

from analytics.reference import load_reference


def apply(cur) -> None:
    load_reference(cur)
