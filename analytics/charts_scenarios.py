"""Figures of the Kịch bản (scenarios) page: pure builders, frame in, Plotly figure out. They use
the dashboard's common layout and colours (``analytics.charts``)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .charts import HEIGHT, _finish, colour, short_commune
from .i18n import DEFAULT_LANGUAGE, fmt_number, t

# Scenario series in a comparison (the colour-blind-safe palette of chart_colours.csv, by rank).
SERIES = ("DA2", "DA4.TDA1", "DA3.TDA1", "DA3.TDA2", "DA4.TDA3")


def _source_note(lang: str) -> str:
    return t("scenario_disclaimer_short", lang)


def gap_chart(by_commune: pd.DataFrame, lang: str = DEFAULT_LANGUAGE, title: str | None = None) -> go.Figure:
    """Per commune, the reduction target at the start of the year beside the gap still left after
    the scenario's projected escapes (horizontal bars, largest target on top).
    ``by_commune``: ``Projection.by_commune``."""
    title = title or t("scenario_gap_chart_title", lang)
    frame = by_commune.assign(_n=by_commune["name"].map(short_commune)).sort_values(
        ["gap_before", "_n"], ascending=[True, False])
    fig = go.Figure()
    fig.add_bar(y=frame["_n"], x=frame["gap_before"], orientation="h", name=t("scenario_gap_before", lang),
                marker_color=colour("status", "other"), texttemplate="%{x:,.0f}", textposition="outside",
                hovertemplate="%{y}: %{x:,.1f}<extra>%{fullData.name}</extra>")
    fig.add_bar(y=frame["_n"], x=frame["remaining_gap"], orientation="h", name=t("scenario_gap_after", lang),
                marker_color=colour("status", "poor"), texttemplate="%{x:,.1f}", textposition="outside",
                hovertemplate="%{y}: %{x:,.1f}<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(categoryorder="array", categoryarray=frame["_n"].tolist(), automargin=True)
    fig.update_xaxes(title=t("charts_unit_gap", lang, unit=t("scenario_households", lang)),
                     tickformat=",.0f", rangemode="tozero")
    return _finish(fig, title, _source_note(lang), lang, height=max(HEIGHT, 140 + 40 * len(frame)))


def compare_gap_chart(gaps: pd.DataFrame, names: list[str], lang: str = DEFAULT_LANGUAGE) -> go.Figure:
    """Households still short of target by commune, one bar per saved scenario, with the target
    at the start as the grey reference. ``gaps``: the second frame of ``scenarios.compare``."""
    frame = gaps.assign(_n=gaps["name"].map(short_commune)).sort_values(
        ["gap_before", "_n"], ascending=[True, False])
    fig = go.Figure()
    fig.add_bar(y=frame["_n"], x=frame["gap_before"], orientation="h", name=t("scenario_gap_before", lang),
                marker_color=colour("status", "other"),
                hovertemplate="%{y}: %{x:,.1f}<extra>%{fullData.name}</extra>")
    for i, name in enumerate(names):
        fig.add_bar(y=frame["_n"], x=frame[name], orientation="h", name=name,
                    marker_color=colour("line", SERIES[i % len(SERIES)]),
                    texttemplate="%{x:,.1f}", textposition="outside",
                    hovertemplate="%{y}: %{x:,.1f}<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(categoryorder="array", categoryarray=frame["_n"].tolist(), automargin=True)
    fig.update_xaxes(title=t("charts_unit_gap", lang, unit=t("scenario_households", lang)),
                     tickformat=",.0f", rangemode="tozero")
    return _finish(fig, t("scenario_compare_chart_title", lang), _source_note(lang), lang,
                   height=max(HEIGHT, 140 + (18 + 14 * len(names)) * len(frame)))


def compare_escapes_chart(totals: pd.DataFrame, target: float | None, lang: str = DEFAULT_LANGUAGE) -> go.Figure:
    """Projected escapes per saved scenario (vertical bars), with the district's reduction target
    as a line. ``totals``: the first frame of ``scenarios.compare``."""
    fig = go.Figure()
    fig.add_bar(x=totals["name"], y=totals["projected_escapes"], name=t("scenario_escapes", lang),
                marker_color=[colour("line", SERIES[i % len(SERIES)]) for i in range(len(totals))],
                texttemplate="%{y:,.1f}", textposition="outside",
                hovertemplate="%{x}: %{y:,.1f}<extra></extra>")
    if target:
        fig.add_hline(y=target, line_dash="dash", line_color=colour("status", "poor"),
                      annotation_text=f"{t('charts_target', lang)}: {fmt_number(target, lang)}",
                      annotation_position="top left")
    fig.update_yaxes(title=t("scenario_households", lang), tickformat=",.0f", rangemode="tozero")
    return _finish(fig, t("scenario_escapes_chart_title", lang), _source_note(lang), lang, legend=False)
