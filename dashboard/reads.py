"""The analytics reads of the pages, cached on the data version: each is a direct call of the
analytics function it names (``reads.commune_table(year, units=units)`` calls
``analytics.poverty.commune_table(db, year, units=units)``), recomputed only when committed data
changes, and a readable message instead of a traceback when it fails."""

from __future__ import annotations

import functools
from typing import Any, Callable

import streamlit as st

from analytics import (budget, classification, demo, deprivations, levels, poverty, reference, review,
                       standard_preview, targets, transitions, units)

from dashboard import base


@st.cache_data(max_entries=8, show_spinner=False)
def cached_years(version: int) -> list[int]:
    """Years with household data, oldest first."""
    return poverty.years_with_data(base.get_db())


@st.cache_data(max_entries=8, show_spinner=False)
def cached_is_illustrative(version: int) -> bool:
    """Whether the database holds illustrative (demo) batches."""
    return demo.is_illustrative(base.get_db())


@st.cache_data(max_entries=512, show_spinner=False)
def _cached(name: str, version: int, _function: Callable, args: tuple, kwargs: tuple) -> Any:
    """``_function(db, *args, **kwargs)``, cached on ``name`` (the function's own qualified
    name: a function is not hashed, the leading underscore keeps it out of the key), the data
    version and the arguments. One cache for every read, as one bound on their memory."""
    return _function(base.get_db(), *args, **dict(kwargs))


class CachedRead:
    """An analytics function ``function(db, *args, **kwargs)`` called as ``read(*args, **kwargs)``
    on the process's database and cached on the data version; see :func:`cached_read`."""

    def __init__(self, function: Callable) -> None:
        functools.update_wrapper(self, function)
        self.function = function
        # 'poverty.commune_table': the cache key, and what an error message names.
        self.name = f"{function.__module__.removeprefix('analytics.')}.{function.__name__}"

    def __call__(self, *args, quiet: bool = False, **kwargs) -> Any:
        """The cached result, or None after showing a readable message (none with ``quiet``)
        when the read fails. ``None`` keyword values are left out (the function's defaults)."""
        kwargs = tuple(sorted((k, v) for k, v in kwargs.items() if v is not None))
        try:
            return _cached(self.name, base.data_version(), self.function, tuple(args), kwargs)
        except Exception as exc:  # a readable message for any failure of a query
            if not quiet:
                st.error(base.tr("dash_query_error", what=self.name, detail=base.one_line(exc)),
                         icon=":material/error:")
            return None


def cached_read(function: Callable) -> CachedRead:
    """The analytics function ``function`` (its first parameter the database) as a cached read.
    The reads below serve the dashboard pages and the login form's warm-up; a page whose reads
    need modules no other page loads (the importer, scipy) declares them itself, so that a fresh
    server does not load those modules before the page is opened."""
    return CachedRead(function)


commune_table = cached_read(poverty.commune_table)
household_counts = cached_read(poverty.household_counts)
trend = cached_read(poverty.trend)
transition_tables = cached_read(transitions.tables)
target_gaps = cached_read(targets.target_gaps)
status_rule = cached_read(targets.status_rule)
period_path = cached_read(targets.period_path)
next_standard_period = cached_read(standard_preview.next_period)
standard_preview_units = cached_read(standard_preview.by_unit)
standard_preview_area = cached_read(standard_preview.preview)
execution = cached_read(budget.execution)
plan_years = cached_read(budget.plan_years)
execution_by_source = cached_read(budget.execution_by_source)
execution_by_capital_type = cached_read(budget.execution_by_capital_type)
execution_by_agency = cached_read(budget.execution_by_agency)
cumulative_curve = cached_read(budget.cumulative_curve)
deprivation_table = cached_read(deprivations.deprivation_table)
deprivation_indicators = cached_read(deprivations.indicators)
district_deprivations = cached_read(deprivations.district_table)
alkire_foster = cached_read(deprivations.alkire_foster)
cause_table = cached_read(review.cause_table)
count_only_communes = cached_read(review.count_only_communes)
unit_communes = cached_read(units.communes)
divided_communes = cached_read(units.divided_communes)
standard_years = cached_read(reference.standard_years)
home_info = cached_read(levels.home_info)
home_units = cached_read(levels.home_units)
area_units = cached_read(levels.area_units)
centroids = cached_read(levels.centroids)
level_table = cached_read(levels.level_table)
unit_targets = cached_read(levels.unit_targets)
standards_used = cached_read(classification.standards_used)


def commune_names(vintage: int, within_units=None) -> dict[str, str]:
    """Code: name of the communes of the unit vintage ``vintage`` (empty when they cannot be read),
    only those among the (vintage, code) pairs ``within_units`` when given (e.g. ``home_units``)."""
    frame = unit_communes(vintage, quiet=True)
    if frame is None or frame.empty:
        return {}
    names = dict(zip(frame["code"].astype(str), frame["name"]))
    if within_units is not None:
        inside = {str(c) for v, c in within_units if int(v) == int(vintage)}
        names = {code: name for code, name in names.items() if code in inside}
    return names
