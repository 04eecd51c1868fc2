"""Plotly figure builders: a frame in, a figure out (pure; no Streamlit, no database).

Every figure has a title, its units on the axes, a source note under the plot, the language's
number separators (``i18n.plotly_separators``) for ticks and hover labels, and the fixed
colour-blind-safe colours of ``data/chart_colours.csv`` (one colour per status, per project line,
per funding source). Years are whole numbers on the axes.
"""

from __future__ import annotations

import csv
import io
import os
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from .db import PROJECT_ROOT
from .budget import line_code
from .filters import PERSONS_COLUMNS
from .i18n import DEFAULT_LANGUAGE, fmt_number, fmt_percent, is_missing, plotly_separators, t
from .transitions import NEAR_POOR_COLUMNS, NEAR_POOR_SIGNS, POOR_COLUMNS, POOR_SIGNS

COLOURS_FILE = PROJECT_ROOT / "data" / "chart_colours.csv"
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"  # fonts with Vietnamese glyphs
HEIGHT = 440
MEETING_SCALE = 1.6  # text and height multiplier for a projector
CHROMIUM = Path("/usr/bin/chromium")
# A small white template: Plotly validates a named template such as "plotly_white" on every
# figure (~0.1 s each), which alone would make a page of charts slow.
TEMPLATE = go.layout.Template(layout={
    "paper_bgcolor": "white", "plot_bgcolor": "white",
    "xaxis": {"gridcolor": "#EBEBEB", "zerolinecolor": "#BBBBBB", "linecolor": "#BBBBBB", "automargin": True},
    "yaxis": {"gridcolor": "#EBEBEB", "zerolinecolor": "#BBBBBB", "linecolor": "#BBBBBB", "automargin": True},
})


@lru_cache(maxsize=1)
def _colours() -> dict[tuple[str, str], str]:
    with open(COLOURS_FILE, newline="", encoding="utf-8") as f:
        return {(r["kind"], r["key"]): r["colour"] for r in csv.DictReader(f)}


def colour(kind: str, key, default: str = "#999999") -> str:
    """The fixed colour of ``key`` within ``kind`` (status, target_status, line, source, series)."""
    return _colours().get((kind, str(key)), default)


def line_label(row, lang: str, width: int = 34) -> str:
    """A budget line's label: 'DA3 TDA1 – Phát triển sản xuất', with the catalogue's short name
    (``short_vi`` / ``short_en``), else the full name wrapped onto lines of about ``width``
    characters (never cut: the reader must be able to tell the lines apart)."""
    code = line_code(row.get("project"), row.get("sub_project")).replace(".", " ")
    short = row.get("short_vi") if lang == "vi" else row.get("short_en")
    if not is_missing(short) and short:
        return f"{code} – {short}"
    return wrap(line_name(row, lang), width)


def line_name(row, lang: str) -> str:
    """A budget line's full catalogue name after its code, 'DA4 TDA1 – Phát triển giáo dục nghề
    nghiệp vùng nghèo, vùng khó khăn' (for hovers, tables and sentences)."""
    code = line_code(row.get("project"), row.get("sub_project"))
    name = row.get("name_vi") if lang == "vi" else row.get("name_en")
    name = str(name if not is_missing(name) and name else code)
    return f"{code.replace('.', ' ')} – {name.split('–', 1)[1].strip() if '–' in name else name}"


def wrap(text: str, width: int) -> str:
    """Break ``text`` into lines of about ``width`` characters with <br> (plotly labels)."""
    import textwrap
    return "<br>".join(textwrap.wrap(str(text), width)) or str(text)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def short_commune(name: str) -> str:
    """'Xã Tân Quan' -> 'Tân Quan' (the unit type is noise on a chart axis)."""
    for prefix in ("Thị trấn ", "Phường ", "Xã "):
        if str(name).startswith(prefix):
            return str(name)[len(prefix):]
    return str(name)


def pct_suffix(lang: str) -> str:
    return " %" if lang == "vi" else "%"


def _finish(fig: go.Figure, title: str, source: str, lang: str, height: int = HEIGHT,
            legend: bool = True, bottom: int = 90) -> go.Figure:
    """Common layout: title, source note, separators, font, colours, margins."""
    fig.update_layout(
        title={"text": f"<b>{title}</b>", "x": 0, "xanchor": "left", "font": {"size": 20}},
        separators=plotly_separators(lang),
        font={"family": FONT, "size": 15, "color": "#222222"},
        template=TEMPLATE,
        height=height,
        margin={"l": 10, "r": 20, "t": 80, "b": bottom},
        showlegend=legend,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        hoverlabel={"font": {"family": FONT, "size": 15}},
    )
    source = wrap(source, 75) if source else source
    extra = 16 * source.count("<br>")
    fig.update_layout(margin={"b": bottom + extra})
    fig.add_annotation(text=source, xref="paper", yref="paper", x=0, y=0, yshift=18 - bottom,
                       xanchor="left", yanchor="top", showarrow=False,
                       font={"size": 12, "color": "#555555"})
    return fig


def _source(key: str, lang: str) -> str:
    return t("charts_source", lang, source=t(key, lang))


def _year_axis(fig: go.Figure, lang: str) -> None:
    fig.update_xaxes(dtick=1, tickformat="d", title=t("year", lang))


def empty_figure(message: str, title: str, lang: str = DEFAULT_LANGUAGE) -> go.Figure:
    """A figure that says there is nothing to draw (rather than a blank frame)."""
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": 18, "color": "#555555"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _finish(fig, title, "", lang, height=260, legend=False)


# -- poverty ---------------------------------------------------------------------------------------

# The persons label of a households label; any other label's persons twin ends in "_persons".
PERSONS_LABELS = {"poor_households": "poor_persons", "near_poor_households": "near_poor_persons",
                  "poor_rate": "poor_persons_rate", "near_poor_rate": "near_poor_persons_rate",
                  "total_households": "total_persons", "charts_unit_households": "charts_unit_persons",
                  "charts_unit_percent_households": "charts_unit_percent_persons"}


def counted_key(key: str, counted: str = "households") -> str:
    """The label key of ``key`` for figures counted in ``counted`` (households | persons)."""
    return PERSONS_LABELS.get(key, f"{key}_persons") if counted == "persons" else key


def trend_chart(trend: pd.DataFrame, lang: str = DEFAULT_LANGUAGE, counted: str = "households") -> go.Figure:
    """Poor and near-poor households (or persons, ``counted``) by year (bars), with each year's
    rates in the hover label.

    ``trend``: year, total, poor, near_poor, poor_rate, near_poor_rate (in persons:
    ``filters.in_measure``)."""
    title = t(counted_key("charts_trend_title", counted), lang)
    if trend.empty:
        return empty_figure(t("no_data", lang), title, lang)
    fig = go.Figure()
    unit = t(counted_key("charts_unit_households", counted), lang)
    for status, rate in (("poor", "poor_rate"), ("near_poor", "near_poor_rate")):
        rates = [fmt_percent(r, lang) for r in trend[rate]]
        fig.add_bar(x=trend["year"], y=trend[status], name=t(counted_key(f"charts_status_{status}", counted), lang),
                    marker_color=colour("status", status), text=trend[status], textposition="outside",
                    texttemplate="%{y:,.0f}", customdata=rates,
                    hovertemplate=f"%{{x}}: %{{y:,.0f}} {unit} (%{{customdata}})<extra>%{{fullData.name}}</extra>")
    _year_axis(fig, lang)
    fig.update_yaxes(title=unit, tickformat=",.0f", rangemode="tozero")
    fig.update_layout(barmode="group", uniformtext={"minsize": 12})
    return _finish(fig, title, _source("charts_source_review", lang), lang)


def commune_bars(communes: pd.DataFrame, lang: str = DEFAULT_LANGUAGE,
                 measure: str = "poor_rate", title: str | None = None, counted: str = "households") -> go.Figure:
    """Communes (or the units of any level) ranked by ``measure``: 'poor_rate' (bars in %) or
    'households' (poor and near-poor stacked). ``communes``: the columns of
    ``poverty.commune_table`` (or ``levels.level_table``), in households or, with ``counted``
    'persons', in persons (``filters.in_measure``: a unit without persons figures has no bar);
    ``title``: the communes' by default."""
    title = title or t(counted_key(f"charts_communes_{measure}_title", counted), lang)
    if counted == "persons":
        communes = communes[communes["poor"].notna() & communes["near_poor"].notna()]
    if communes.empty:
        return empty_figure(t("no_data", lang), title, lang)
    names = communes["name"].map(short_commune)
    height = max(HEIGHT, 120 + 34 * len(communes))
    fig = go.Figure()
    unit_key = counted_key("charts_unit_households", counted)
    if measure == "poor_rate":
        frame = communes.assign(_n=names, _pct=communes["poor_rate"] * 100).sort_values("_pct")
        poor_unit = t(unit_key, lang)
        custom = [f"{fmt_number(p, lang)} / {fmt_number(tot, lang)} {poor_unit}"
                  for p, tot in zip(frame["poor"], frame["total"])]
        fig.add_bar(y=frame["_n"], x=frame["_pct"], orientation="h", marker_color=colour("status", "poor"),
                    name=t(counted_key("poor_rate", counted), lang), texttemplate="%{x:,.2f}" + pct_suffix(lang),
                    textposition="outside", customdata=custom,
                    hovertemplate="%{y}: %{x:,.2f}" + pct_suffix(lang) + " (%{customdata})<extra></extra>")
        fig.update_xaxes(title=t(counted_key("charts_unit_percent_households", counted), lang),
                         ticksuffix=pct_suffix(lang), tickformat=",.2f",
                         range=[0, float(frame["_pct"].max() or 0) * 1.25 or 1])
        legend = False
    else:
        frame = communes.assign(_n=names, _sum=communes["poor"] + communes["near_poor"]).sort_values("_sum")
        for status in ("poor", "near_poor"):
            fig.add_bar(y=frame["_n"], x=frame[status], orientation="h",
                        name=t(counted_key(f"charts_status_{status}", counted), lang),
                        marker_color=colour("status", status),
                        hovertemplate="%{y}: %{x:,.0f}<extra>%{fullData.name}</extra>")
        fig.update_layout(barmode="stack")
        fig.update_xaxes(title=t(unit_key, lang), tickformat=",.0f")
        legend = True
    fig.update_yaxes(title=None, automargin=True)
    return _finish(fig, title, _source("charts_source_review", lang), lang, height=height, legend=legend)


def status_bars(counts: dict, lang: str = DEFAULT_LANGUAGE, title: str | None = None) -> go.Figure:
    """One unit's poor and near-poor households, each with its share of all the unit's households
    (``counts``: poor, near_poor and other, the rest; other None when the total is unknown). The
    rest is written in the axis title rather than drawn: beside it the poor would not show."""
    title = title or t("charts_status_title", lang)
    keys = ["poor", "near_poor"]
    total = None if counts.get("other") is None else sum(int(counts[k]) for k in (*keys, "other"))
    shares = [fmt_percent(counts[k] / total, lang) if total else "–" for k in keys]
    fig = go.Figure(go.Bar(
        x=[counts[k] for k in keys], y=[t(f"charts_status_{k}", lang) for k in keys], orientation="h",
        marker_color=[colour("status", k) for k in keys], customdata=shares,
        texttemplate="%{x:,.0f} (%{customdata})", textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:,.0f} (%{customdata})<extra></extra>"))
    axis = t("charts_unit_households", lang)
    if total:
        axis = t("charts_status_axis", lang, total=fmt_number(total, lang))
    fig.update_xaxes(title=axis, tickformat=",.0f", range=[0, max(1, *(counts[k] for k in keys)) * 1.35])
    fig.update_yaxes(autorange="reversed", title=None)
    return _finish(fig, title, _source("charts_source_review", lang), lang, height=300, legend=False)


def waterfall_chart(row: dict, lang: str = DEFAULT_LANGUAGE, kind: str = "poor",
                    title: str | None = None) -> go.Figure:
    """The diễn biến of one unit as a waterfall: start, each decrease and increase, end.

    ``row``: a record of ``transitions.poor_transitions`` (``kind`` 'poor') or of
    ``near_poor_transitions`` (``kind`` 'near_poor'); signs from ``transitions``."""
    title = title or t(f"charts_waterfall_{kind}_title", lang)
    columns = POOR_COLUMNS if kind == "poor" else NEAR_POOR_COLUMNS
    signs = POOR_SIGNS if kind == "poor" else NEAR_POOR_SIGNS
    prefix = "charts_tr_" if kind == "poor" else "charts_trn_"
    labels, values, measures, texts = [], [], [], []
    for col in columns:
        value = float(row.get(col) or 0)
        labels.append(wrap(t(prefix + col, lang), 13))
        if col in signs:
            measures.append("relative")
            values.append(signs[col] * value)
            texts.append(("−" if signs[col] < 0 else "+") + fmt_number(value, lang))
        else:
            measures.append("absolute" if col == "start" else "total")
            values.append(value if col == "start" else 0)  # plotly sums the total itself
            texts.append(fmt_number(value, lang))
    fig = go.Figure(go.Waterfall(
        x=labels, y=values, measure=measures, text=texts, textposition="outside",
        decreasing={"marker": {"color": colour("status", "above")}},
        increasing={"marker": {"color": colour("status", kind)}},
        totals={"marker": {"color": colour("status", "other")}},
        connector={"line": {"color": "#888888", "dash": "dot"}},
        hovertemplate="%{x}: %{text}<extra></extra>"))
    fig.update_yaxes(title=t("charts_unit_households", lang), tickformat=",.0f", rangemode="tozero")
    fig.update_xaxes(tickangle=0)
    return _finish(fig, title, _source("charts_source_review", lang), lang, height=HEIGHT + 60, legend=False,
                   bottom=140)


# -- deprivations ------------------------------------------------------------------------------------

def review_funnel_chart(funnel: dict, lang: str = DEFAULT_LANGUAGE) -> go.Figure:
    """The review step by step (``review.funnel``): households listed, screened by Phiếu A,
    scored on B1/B2, recognised poor and near-poor."""
    title = t("charts_funnel_title", lang)
    if not funnel or not funnel.get("listed"):
        return empty_figure(t("no_data", lang), title, lang)
    # (label, households, colour): each step a part of the one before.
    steps = [("charts_funnel_listed", funnel["listed"], colour("status", "above")),
             ("charts_funnel_scored", funnel["scored"], colour("status", "average")),
             ("charts_funnel_recognised", funnel["poor"] + funnel["near_poor"], colour("status", "near_poor")),
             ("charts_status_poor", funnel["poor"], colour("status", "poor"))]
    labels, values, colours = ([t(k, lang) for k, _, _ in steps], [v for _, v, _ in steps],
                               [c for _, _, c in steps])
    fig = go.Figure(go.Funnel(
        y=labels, x=values, marker_color=colours, textinfo="value+percent initial",
        hovertemplate="%{y}: %{x:,.0f}<extra></extra>"))
    fig.update_xaxes(title=t("charts_unit_households", lang))
    return _finish(fig, title, _source("charts_source_review", lang), lang, height=360, legend=False)


def deprivation_heatmap(table: pd.DataFrame, lang: str = DEFAULT_LANGUAGE,
                        measure: str = "poor_share") -> go.Figure:
    """Commune × indicator: the share of the commune's poor (or near-poor) households deprived.

    ``table``: the long frame of ``deprivations.deprivation_table``."""
    group = "poor" if measure.startswith("poor") else "near_poor"
    title = t(f"charts_heatmap_{group}_title", lang)
    if table.empty:
        return empty_figure(t("no_data", lang), title, lang)
    name_col = "name_vi" if lang == "vi" else "name_en"
    frame = table.assign(_ind=table["number"].astype(int).astype(str) + ". " + table[name_col].map(lambda s: _short(str(s), 28)),
                         _commune=table["commune_name"].map(short_commune))
    pivot = frame.pivot_table(index="_commune", columns="_ind", values=measure, aggfunc="first", sort=False)
    counts = frame.pivot_table(index="_commune", columns="_ind", values=f"{group}_count", aggfunc="first", sort=False)
    order = frame.drop_duplicates("_ind").sort_values("number")["_ind"].tolist()
    pivot, counts = pivot[order], counts[order]
    z = pivot.to_numpy(dtype=float) * 100
    text = [[fmt_number(v, lang) if v == v else "" for v in row] for row in z]
    custom = [[fmt_number(c, lang) if c == c else "–" for c in row] for row in counts.to_numpy(dtype=float)]
    fig = go.Figure(go.Heatmap(
        z=z, x=order, y=pivot.index.tolist(), text=text, texttemplate="%{text}", customdata=custom,
        colorscale=[[0, colour("series", "heat_low")], [1, colour("series", "heat_high")]], zmin=0, zmax=100,
        colorbar={"title": {"text": pct_suffix(lang).strip()}, "ticksuffix": pct_suffix(lang)},
        hovertemplate="%{y} · %{x}<br>%{z:,.1f}" + pct_suffix(lang) + " (%{customdata} "
                      + t("charts_unit_households", lang) + ")<extra></extra>"))
    fig.update_xaxes(tickangle=-40, side="bottom")
    fig.update_yaxes(autorange="reversed", automargin=True)
    height = max(HEIGHT, 240 + 30 * len(pivot.index))
    return _finish(fig, title, _source("charts_source_review", lang), lang, height=height + 200, legend=False,
                   bottom=250)


def deprivation_bars(table: pd.DataFrame, lang: str = DEFAULT_LANGUAGE, title: str | None = None) -> go.Figure:
    """Each indicator's share of poor and of near-poor households deprived (one unit or the total).

    ``table``: rows of ``deprivations.deprivation_table`` for one unit (number, name_*, *_share)."""
    title = title or t("charts_deprivation_bars_title", lang)
    if table.empty:
        return empty_figure(t("no_data", lang), title, lang)
    name_col = "name_vi" if lang == "vi" else "name_en"
    frame = table.sort_values("number", ascending=False)
    labels = frame["number"].astype(int).astype(str) + ". " + frame[name_col].map(lambda s: _short(str(s), 36))
    fig = go.Figure()
    for group in ("poor", "near_poor"):
        fig.add_bar(y=labels, x=frame[f"{group}_share"] * 100, orientation="h",
                    name=t(f"charts_status_{group}", lang), marker_color=colour("status", group),
                    customdata=frame[f"{group}_count"],
                    hovertemplate="%{y}: %{x:,.1f}" + pct_suffix(lang) + " (%{customdata:,.0f})<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="group")
    fig.update_xaxes(title=t("charts_unit_percent_group", lang), ticksuffix=pct_suffix(lang), range=[0, 100])
    fig.update_yaxes(automargin=True)
    return _finish(fig, title, _source("charts_source_review", lang), lang, height=HEIGHT + 220)


def contribution_chart(contributions: dict, lang: str = DEFAULT_LANGUAGE, title: str | None = None) -> go.Figure:
    """Each dimension's contribution to M0 (shares summing to 100 %), one fixed colour per dimension.

    ``contributions``: dimension label -> share (fraction)."""
    title = title or t("charts_contribution_title", lang)
    if not contributions:
        return empty_figure(t("no_data", lang), title, lang)
    items = list(contributions.items())
    fig = go.Figure()
    for i, (dim, share) in enumerate(items):
        fig.add_bar(y=[""], x=[share * 100], orientation="h", name=str(dim),
                    marker_color=colour("dimension", i), texttemplate="%{x:,.0f}" + pct_suffix(lang),
                    textposition="inside",
                    hovertemplate=f"{dim}: %{{x:,.1f}}{pct_suffix(lang)}<extra></extra>")
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_xaxes(title=t("charts_unit_percent_m0", lang), ticksuffix=pct_suffix(lang), range=[0, 100])
    return _finish(fig, title, _source("charts_source_af", lang), lang, height=300)


# -- targets ----------------------------------------------------------------------------------------

def target_gap_chart(gaps: pd.DataFrame, lang: str = DEFAULT_LANGUAGE, title: str | None = None) -> go.Figure:
    """Communes ranked by their gap to the reduction target (households still to lift out), each
    bar in its status colour. ``gaps``: rows of ``targets.target_gaps`` for one indicator."""
    title = title or t("charts_gap_title", lang)
    if gaps.empty:
        return empty_figure(t("charts_no_targets", lang), title, lang)
    frame = gaps.assign(_n=gaps["org_name"].map(short_commune)).sort_values(["gap", "_n"], ascending=[True, False])
    unit = t("charts_unit_households", lang)
    met = t("charts_gap_met", lang)
    fig = go.Figure()
    for status in ("behind", "at_risk", "on_track", "achieved"):
        part = frame[frame["status"] == status]
        if part.empty:
            continue
        custom = [[fmt_number(a, lang), fmt_number(tg, lang)] for a, tg in zip(part["achieved"], part["target"])]
        # A gap of zero has no bar to see: a marker at zero stands for it, labelled as met; a
        # negative gap (more lifted out than the target) carries its number like a positive one.
        fig.add_bar(y=part["_n"], x=part["gap"], orientation="h", name=t(f"charts_target_{status}", lang),
                    marker_color=colour("target_status", status), customdata=custom,
                    text=[met if g == 0 else fmt_number(g, lang) for g in part["gap"]],
                    textposition="outside", cliponaxis=False,
                    hovertemplate=("%{y}: " + t("charts_gap_hover", lang) + "<extra>%{fullData.name}</extra>"))
        zero = part[part["gap"] == 0]
        if not zero.empty:
            fig.add_scatter(y=zero["_n"], x=[0] * len(zero), mode="markers", showlegend=False,
                            marker={"symbol": "diamond", "size": 13, "color": colour("target_status", status),
                                    "line": {"color": "#222222", "width": 1}},
                            hovertemplate="%{y}: " + met + "<extra></extra>")
    fig.update_yaxes(categoryorder="array", categoryarray=frame["_n"].tolist(), automargin=True)
    low, high = min(0.0, float(frame["gap"].min())), max(0.0, float(frame["gap"].max()))
    span = max(high - low, 1.0)
    # Whole households on the axis: a step of at least one, room for the labels on both sides.
    fig.update_xaxes(title=t("charts_unit_gap", lang, unit=unit), tickformat=",d", tick0=0,
                     dtick=max(1, _whole_step(span)), range=[low - span * 0.15 - (0.5 if low < 0 else 0.3),
                                                         high + span * 0.2 + 0.5],
                     zeroline=True, zerolinecolor="#555555", zerolinewidth=2)
    height = max(HEIGHT, 120 + 34 * len(frame))
    return _finish(fig, title, _source("charts_source_targets", lang), lang, height=height)


def _whole_step(span: float, ticks: int = 8) -> int:
    """A tick step of 1, 2 or 5 × 10ⁿ households giving about ``ticks`` ticks over ``span``."""
    raw = max(span / ticks, 1)
    magnitude = 10 ** int(len(str(int(raw))) - 1)
    for step in (1, 2, 5, 10):
        if step * magnitude >= raw:
            return step * magnitude
    return 10 * magnitude


def target_vs_achieved(frame: pd.DataFrame, lang: str = DEFAULT_LANGUAGE, title: str | None = None,
                       percent: bool = False) -> go.Figure:
    """Target and achieved side by side per row (``label``, ``target``, ``achieved``, ``status``),
    e.g. the ethnic-minority / Kinh split or coverage indicators against 100 %."""
    title = title or t("charts_split_title", lang)
    if frame.empty:
        return empty_figure(t("charts_no_targets", lang), title, lang)
    scale = 100 if percent else 1
    fmt = ",.1f" if percent else ",.0f"
    suffix = pct_suffix(lang) if percent else ""
    frame = frame.assign(label=frame["label"].map(lambda s: wrap(s, 34)))
    fig = go.Figure()
    fig.add_bar(y=frame["label"], x=frame["target"] * scale, orientation="h", name=t("charts_target", lang),
                marker={"color": "rgba(0,0,0,0)", "line": {"color": colour("series", "target"), "width": 2}},
                texttemplate="%{x:" + fmt + "}" + suffix, textposition="outside",
                hovertemplate="%{y}: %{x:" + fmt + "}" + suffix + "<extra>%{fullData.name}</extra>")
    colours = [colour("target_status", s) for s in frame.get("status", pd.Series(["on_track"] * len(frame)))]
    fig.add_bar(y=frame["label"], x=frame["achieved"] * scale, orientation="h", name=t("charts_achieved", lang),
                marker_color=colours, texttemplate="%{x:" + fmt + "}" + suffix, textposition="outside",
                hovertemplate="%{y}: %{x:" + fmt + "}" + suffix + "<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(autorange="reversed", automargin=True)
    if percent:
        fig.update_xaxes(title="%", ticksuffix=suffix, range=[0, 115])
    else:
        fig.update_xaxes(title=t("charts_unit_households", lang), tickformat=",.0f", rangemode="tozero")
    return _finish(fig, title, _source("charts_source_targets", lang), lang,
                   height=max(300, 140 + 70 * len(frame)))


# -- budget ---------------------------------------------------------------------------------------

def budget_lines_chart(execution: pd.DataFrame, lang: str = DEFAULT_LANGUAGE, title: str | None = None) -> go.Figure:
    """Plan (outline) against disbursed (the line's fixed colour) per project line; lines behind
    the linear pace are marked ⚠. ``execution``: ``budget.execution`` rows."""
    title = title or t("charts_budget_lines_title", lang)
    if execution.empty:
        return empty_figure(t("no_budget", lang), title, lang)
    frame = execution.iloc[::-1]
    labels = [line_label(r, lang) + (" ⚠" if r.get("behind_pace") else "") for r in frame.to_dict("records")]
    codes = [line_code(p, s) for p, s in zip(frame["project"], frame["sub_project"])]
    rates = [fmt_percent(r, lang, 1) for r in frame["rate"]]
    full = [line_name(r, lang) for r in frame.to_dict("records")]
    unit = t("charts_unit_mvnd", lang)
    fig = go.Figure()
    fig.add_bar(y=labels, x=frame["plan"], orientation="h", name=t("charts_plan", lang),
                marker={"color": colour("series", "plan")}, customdata=full,
                hovertemplate="%{customdata}: %{x:,.0f} " + unit + "<extra>%{fullData.name}</extra>")
    # The bars carry each line's own colour; the legend shows one neutral swatch for them.
    fig.add_bar(y=[None], x=[None], orientation="h", name=t("charts_disbursed_lines", lang),
                marker_color=colour("series", "disbursed"), hoverinfo="skip")
    fig.add_bar(y=labels, x=frame["disbursed"], orientation="h", name=t("charts_disbursed", lang),
                showlegend=False,
                marker={"color": [colour("line", c, colour("series", "disbursed")) for c in codes],
                        "line": {"color": ["#000000" if b else "rgba(0,0,0,0)" for b in frame["behind_pace"]],
                                 "width": 3}},
                customdata=list(zip(rates, full)), texttemplate="%{customdata[0]}", textposition="outside",
                hovertemplate="%{customdata[1]}: %{x:,.0f} " + unit + " (%{customdata[0]})<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="overlay", bargap=0.25)
    fig.update_traces(selector={"name": t("charts_plan", lang)}, width=0.8)
    fig.update_traces(selector={"name": t("charts_disbursed", lang)}, width=0.45)
    fig.update_xaxes(title=unit, tickformat=",.0f", rangemode="tozero")
    fig.update_yaxes(automargin=True)
    return _finish(fig, title, _source("charts_source_budget", lang), lang,
                   height=max(HEIGHT, 140 + 52 * len(frame)))


def budget_group_chart(frame: pd.DataFrame, by: str, lang: str = DEFAULT_LANGUAGE) -> go.Figure:
    """Plan and disbursed per funding source or per lead agency (``by`` = 'source' | 'agency').

    ``frame``: ``budget.execution_by_source`` / ``execution_by_agency`` (by, plan, disbursed, rate)."""
    title = t(f"charts_budget_by_{by}_title", lang)
    if frame.empty:
        return empty_figure(t("no_budget", lang), title, lang)
    keys = frame[by].astype(str).tolist()
    labels = [t(f"charts_source_{k}", lang) if by == "source" else _short(k, 34) for k in keys]
    unit = t("charts_unit_mvnd", lang)
    rates = [fmt_percent(r, lang, 1) for r in frame["rate"]]
    labels = [wrap(label, 26) for label in labels]
    fig = go.Figure()
    fig.add_bar(y=labels, x=frame["plan"], orientation="h", name=t("charts_plan", lang),
                marker_color=colour("series", "plan"),
                hovertemplate="%{y}: %{x:,.0f} " + unit + "<extra>%{fullData.name}</extra>")
    fig.add_bar(y=labels, x=frame["disbursed"], orientation="h", name=t("charts_disbursed", lang),
                marker_color=[colour("source", k, colour("series", "disbursed")) if by == "source"
                              else colour("series", "disbursed") for k in keys],
                customdata=rates, texttemplate="%{customdata}", textposition="outside", cliponaxis=False,
                hovertemplate="%{y}: %{x:,.0f} " + unit + " (%{customdata})<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title=unit, tickformat=",.0f", range=[0, float(frame["plan"].max() or 1) * 1.2])
    return _finish(fig, title, _source("charts_source_budget", lang), lang,
                   height=max(360, 150 + 80 * len(frame)))


def cumulative_chart(curve: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> go.Figure:
    """Cumulative disbursement through the year against the linear pace and the plan.

    ``curve``: ``budget.cumulative_curve`` (as_of, plan, disbursed, linear_pace)."""
    title = t("charts_cumulative_title", lang)
    if curve.empty:
        return empty_figure(t("charts_no_disbursement", lang), title, lang)
    unit = t("charts_unit_mvnd", lang)
    date_fmt = "%d/%m/%Y" if lang == "vi" else "%d %b %Y"
    fig = go.Figure()
    fig.add_scatter(x=curve["as_of"], y=curve["plan"], name=t("charts_plan", lang), mode="lines",
                    line={"color": colour("series", "plan"), "width": 3},
                    hovertemplate="%{x|" + date_fmt + "}: %{y:,.0f} " + unit + "<extra>%{fullData.name}</extra>")
    fig.add_scatter(x=curve["as_of"], y=curve["linear_pace"], name=t("charts_pace", lang), mode="lines",
                    line={"color": colour("series", "pace"), "width": 2, "dash": "dash"},
                    hovertemplate="%{x|" + date_fmt + "}: %{y:,.0f} " + unit + "<extra>%{fullData.name}</extra>")
    fig.add_scatter(x=curve["as_of"], y=curve["disbursed"], name=t("charts_disbursed", lang), mode="lines+markers",
                    line={"color": colour("series", "disbursed"), "width": 4}, marker={"size": 9},
                    hovertemplate="%{x|" + date_fmt + "}: %{y:,.0f} " + unit + "<extra>%{fullData.name}</extra>")
    fig.update_xaxes(title=t("charts_date", lang), tickformat="%m/%Y" if lang == "vi" else "%b %Y")
    fig.update_yaxes(title=unit, tickformat=",.0f", rangemode="tozero")
    return _finish(fig, title, _source("charts_source_budget", lang), lang)


# -- map --------------------------------------------------------------------------------------------

def choropleth(geojson: dict, communes: pd.DataFrame, lang: str = DEFAULT_LANGUAGE,
               code_property: str = "code") -> go.Figure:
    """The poverty rate by commune on the uploaded boundaries (features carry ``code_property``)."""
    title = t("charts_map_title", lang)
    frame = communes.assign(_pct=communes["poor_rate"] * 100, code=communes["code"].astype(str))
    custom = [[n, fmt_number(p, lang), fmt_number(tot, lang), fmt_number(np_, lang)]
              for n, p, tot, np_ in zip(frame["name"], frame["poor"], frame["total"], frame["near_poor"])]
    fig = go.Figure(go.Choropleth(
        geojson=geojson, locations=frame["code"], z=frame["_pct"], featureidkey=f"properties.{code_property}",
        colorscale=[[0, colour("series", "heat_low")], [1, colour("series", "heat_high")]],
        marker_line_color="#444444", customdata=custom,
        colorbar={"title": {"text": t("poor_rate", lang)}, "ticksuffix": pct_suffix(lang)},
        hovertemplate=("<b>%{customdata[0]}</b><br>" + t("poor_rate", lang) + ": %{z:,.2f}" + pct_suffix(lang)
                       + "<br>" + t("poor_households", lang) + ": %{customdata[1]} / %{customdata[2]}<br>"
                       + t("near_poor_households", lang) + ": %{customdata[3]}<extra></extra>")))
    fig.update_geos(fitbounds="locations", visible=False)
    return _finish(fig, title, _source("charts_source_review", lang), lang, height=560, legend=False)


def commune_points(communes: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> go.Figure:
    """Communes as points at their centroids (``lat``, ``lon``, from the national registry): size
    the poor households, colour the poverty rate. Drawn on plain axes, longitude against latitude
    at equal scale: no tile server and no boundary file (offices often work offline)."""
    title = t("charts_points_title", lang)
    frame = communes.dropna(subset=["lat", "lon"])
    if frame.empty:
        return empty_figure(t("no_data", lang), title, lang)
    poor = frame["poor"].fillna(0).astype(float)
    size = 8 + 32 * (poor / poor.max()) ** 0.5 if poor.max() > 0 else pd.Series(8.0, index=frame.index)
    custom = [[n, fmt_number(p, lang), fmt_number(tot, lang), fmt_number(np_, lang)]
              for n, p, tot, np_ in zip(frame["name"], frame["poor"], frame["total"], frame["near_poor"])]
    fig = go.Figure(go.Scatter(
        x=frame["lon"], y=frame["lat"], mode="markers+text", text=[short_commune(n) for n in frame["name"]],
        textposition="top center", textfont={"size": 11, "color": "#444444"}, customdata=custom,
        marker={"size": size, "color": frame["poor_rate"] * 100, "line": {"width": 1, "color": "#444444"},
                "colorscale": [[0, colour("series", "heat_low")], [1, colour("series", "heat_high")]],
                "colorbar": {"title": {"text": t("poor_rate", lang)}, "ticksuffix": pct_suffix(lang)},
                "showscale": True},
        hovertemplate=("<b>%{customdata[0]}</b><br>" + t("poor_rate", lang) + ": %{marker.color:,.2f}"
                       + pct_suffix(lang) + "<br>" + t("poor_households", lang)
                       + ": %{customdata[1]} / %{customdata[2]}<br>" + t("near_poor_households", lang)
                       + ": %{customdata[3]}<extra></extra>")))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    return _finish(fig, title, _source("charts_source_points", lang), lang, height=560, legend=False)


# -- output -----------------------------------------------------------------------------------------

def title_of(fig: go.Figure) -> str:
    """The figure's title as plain text (no markup)."""
    import re
    return re.sub(r"<[^>]+>", "", fig.layout.title.text or "")


def untitled(fig: go.Figure, copy: bool = True) -> go.Figure:
    """The figure without its title (a copy unless ``copy`` is False), for a page that writes
    the title above the chart itself; room at the top for the toolbar, then the legend."""
    out = go.Figure(fig) if copy else fig
    out.layout.title.text = ""
    # The top margin holds the chart toolbar (top right, about 30 px) and under it the legend
    # (just above the plot), so that the toolbar never covers a legend entry.
    font = float(out.layout.legend.font.size or out.layout.font.size or 15)
    rows = _legend_rows(out, 500, font)
    top = 40 + round(font * 2) * rows if rows else 40
    out.layout.margin.t = top
    # In the figure's own coordinates (both ways: a legend half in paper coordinates pushes the
    # plot aside), from the figure's left edge, under the toolbar's band.
    height = int(out.layout.height or HEIGHT)
    out.update_layout(legend={"xref": "container", "x": 0.01, "xanchor": "left",
                              "yref": "container", "y": 1 - 36 / height, "yanchor": "top"})
    return out


def for_meeting(fig: go.Figure) -> go.Figure:
    """A copy enlarged for a projector: bigger text, taller plot."""
    big = go.Figure(fig)
    size = (big.layout.font.size or 15) * MEETING_SCALE
    big.update_layout(font={"size": size}, height=int((big.layout.height or HEIGHT) * 1.35),
                      title={"font": {"size": 20 * MEETING_SCALE}},
                      hoverlabel={"font": {"size": size}})
    big.update_annotations(font={"size": 13 * MEETING_SCALE})
    # Bigger tick labels and axis titles need more room above the source note.
    big.layout.margin.b = int((big.layout.margin.b or 90) * MEETING_SCALE)
    for note in big.layout.annotations:
        if note.yshift:
            note.yshift = note.yshift * MEETING_SCALE
    return big


def _legend_rows(fig: go.Figure, width: int, font: float) -> int:
    """How many rows a horizontal legend of ``fig`` takes in ``width`` pixels (an estimate on
    the generous side: a symbol and a gap per entry, text at about 0.6 of the font size)."""
    if fig.layout.showlegend is False:
        return 0
    names = [str(tr.name) for tr in fig.data if tr.name and tr.showlegend is not False]
    if not names:
        return 0
    rows, used, room = 1, 0.0, width * 0.9
    for name in names:
        entry = 3.5 * font + 0.6 * font * len(name)
        if used and used + entry > room:
            rows, used = rows + 1, 0.0
        used += entry
    return rows


def png_figure(fig: go.Figure | dict, takeaway: str | None = None, width: int = 1400,
               keep_height: bool = False) -> go.Figure:
    """The figure laid out for an image: title, takeaway, legend, plot and source note each in a
    band of their own, top to bottom (nothing printed over anything else). The bands follow the
    figure's text sizes; the plot keeps its height (the image grows) unless ``keep_height``."""
    out = go.Figure(fig)
    height = int(out.layout.height or HEIGHT)
    old_top = int(out.layout.margin.t if out.layout.margin.t is not None else 80)
    base = float(out.layout.legend.font.size or out.layout.font.size or 15)
    title_size = float(out.layout.title.font.size or 20)
    pad = round(base * 0.9)
    title_h = round(title_size * 1.4) if title_of(out) else 0
    lines = wrap(takeaway, int(width / (base * 0.6))) if takeaway else ""
    takeaway_h = round(base * 1.5) * (lines.count("<br>") + 1) if lines else 0
    legend_top = pad + title_h + (takeaway_h + pad if takeaway_h else 0)
    rows = _legend_rows(out, width, base)
    top = legend_top + round(base * 2) * rows + pad
    if not keep_height:
        height = height - old_top + top
    out.update_layout(
        height=height, margin={"t": top},
        title={"yref": "container", "y": 1 - pad / height, "yanchor": "top", "x": 0.005, "pad": {"t": 0, "b": 0},
               "subtitle": {"text": lines, "font": {"size": base, "color": "#222222"}}},
        legend={"orientation": "h", "yref": "container", "y": 1 - legend_top / height, "yanchor": "top",
                "xref": "container", "x": 0.005, "xanchor": "left"})
    return out


def to_png(fig: go.Figure | dict, takeaway: str | None = None, width: int = 1400,
           keep_height: bool = False) -> bytes:
    """The figure (or its dict) as a PNG (kaleido driving Debian's Chromium), laid out by
    :func:`png_figure`: title, takeaway, legend, plot and source note each in their own band."""
    if CHROMIUM.exists():
        os.environ.setdefault("BROWSER_PATH", str(CHROMIUM))
    out = png_figure(fig, takeaway, width, keep_height)
    return out.to_image(format="png", width=width, height=int(out.layout.height or HEIGHT), scale=1)


# A chart's data as a reader gets it in Excel: what identifies a row for the program only (codes,
# unit vintages, the other language's names) left out; the rest under labels (``export_col_<column>``).
EXPORT_DROP = {"code", "commune_code", "org_unit", "org_vintage", "commune_vintage", "vintage", "direction",
               "unit", "indicator", "project", "sub_project", "picked", "snapshot", "pro_rata", "is_urban",
               "number", "source", "by", "level"}
EXPORT_PERCENT = {"rate", "poor_rate", "near_poor_rate", "poor_share", "near_poor_share", "pace", "progress",
                  "projected_rate", "share", "poor_persons_rate", "near_poor_persons_rate"}


def export_frame(frame: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """``frame`` (a chart's data) for a reader: columns of the program (codes, vintages, the other
    language's names) dropped, the rest under their labels in ``lang``; statuses and flags in
    words, shares as percentages, numbers rounded."""
    from .i18n import has_label
    other = "_en" if lang == "vi" else "_vi"
    # Counted in persons (``filters.in_measure``): the household columns hold the persons figures,
    # so they go under the persons labels, and the persons columns they copy are not repeated.
    persons = PERSONS_COLUMNS if frame.attrs.get("measure") == "persons" else {}
    repeated = {persons[c] for c in frame.columns if c in persons}
    out = {}
    for column in frame.columns:
        name = str(column)
        values = frame[column]
        if name in ("source", "achieved_source") and is_figures_source(values):  # figures' origin, in words
            out[t(f"export_col_{name}" if name == "achieved_source" else "export_col_figures_source", lang)] = \
                values.map(lambda v: source_text(v, lang)).tolist()
            continue
        if name in EXPORT_DROP or name.endswith(other) or name in repeated:
            continue
        name = persons.get(name, name)
        if name == "status":
            values = values.map(lambda v: t(f"charts_target_{v}", lang) if isinstance(v, str) else "")
        elif name == "strategy":
            values = values.map(lambda v: t(f"scenario_strategy_{v}", lang))
        elif values.dtype == bool or name.startswith(("behind", "illustrative", "is_")):
            values = values.map(lambda v: "" if is_missing(v) else t("yes" if bool(v) else "no", lang))
        elif name in EXPORT_PERCENT:
            values = (pd.to_numeric(values, errors="coerce") * 100).round(2)
        elif pd.api.types.is_float_dtype(values):
            values = values.round(2)
        # A column without a label keeps its name (tests/test_no_internal_names.py then fails).
        key = "export_col_" + (name[:-3] if name.endswith(("_vi", "_en")) else name)
        out[t(key, lang) if has_label(key) else name] = values.tolist()
    return pd.DataFrame(out)


def to_xlsx(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """A chart's data as an Excel workbook (one sheet, header row bold, columns sized). Text is
    written as text: a name from an uploaded file such as ``=HYPERLINK(...)`` never becomes a
    formula or a link (as in the report workbook, ``reports.layout``)."""
    buffer = io.BytesIO()
    options = {"options": {"strings_to_formulas": False, "strings_to_urls": False}}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs=options) as writer:
        clean = frame.copy()
        for col in clean.columns:  # Excel has no time zones; keep dates readable
            if isinstance(clean[col].dtype, pd.DatetimeTZDtype):
                clean[col] = clean[col].dt.tz_localize(None)
        clean.to_excel(writer, sheet_name=sheet[:31], index=False)
        ws = writer.sheets[sheet[:31]]
        for i, col in enumerate(clean.columns):
            width = max([len(str(col))] + [len(str(v)) for v in clean[col].head(200)]) + 2
            ws.set_column(i, i, min(width, 60))
    return buffer.getvalue()


# Where a unit's figures come from (``source`` of ``poverty.commune_table``, the transitions and
# the deprivation tables): the household lists, the review tables, or both ("households+review").
FIGURE_SOURCES = ("households", "review", "imported", "support")  # targets.target_gaps' achieved_source too


def is_figures_source(values) -> bool:
    """Whether ``values`` (a column named source) name where figures come from (not, say, the
    funding sources of a budget frame)."""
    present = [str(v) for v in values if not is_missing(v)]
    return bool(present) and all(set(v.split("+")) <= set(FIGURE_SOURCES) for v in present)


def source_text(source, lang: str = DEFAULT_LANGUAGE) -> str:
    """Where a unit's figures come from, in words ("Danh sách hộ", "Biểu tổng hợp", both)."""
    if is_missing(source):
        return "–"
    return " + ".join(t(f"figures_source_{s}", lang) for s in str(source).split("+"))


def table(frame: pd.DataFrame, columns: list[tuple[str, str, str]], lang: str = DEFAULT_LANGUAGE,
          missing: str | None = None) -> pd.DataFrame:
    """A frame ready to show: the chosen ``columns`` (column, label key, kind) with headers in
    the language and values written its way; kind is number | percent | status | text | flag |
    source (where the figures come from, :func:`source_text`). ``missing``: what a missing number
    or percentage says (a dash by default)."""
    out = {}
    for column, label, kind in columns:
        if column not in frame:
            continue
        values = frame[column]
        if kind in ("number", "percent"):  # the formatter writes a dash where missing (also pandas NA)
            write = fmt_number if kind == "number" else fmt_percent
            values = values.map(lambda v: missing if missing is not None and is_missing(v) else write(v, lang))
        elif kind == "source":
            values = values.map(lambda v: source_text(v, lang))
        elif kind == "status":
            values = values.map(lambda v: t(f"charts_target_{v}", lang) if isinstance(v, str) else "–")
        elif kind == "flag":
            values = values.map(lambda v: "⚠" if not is_missing(v) and bool(v) else "")
        else:
            values = values.map(lambda v: "–" if is_missing(v) else v)
        out[t(label, lang)] = values.tolist()
    return pd.DataFrame(out)
