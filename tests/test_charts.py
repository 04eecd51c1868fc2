"""Chart builders and takeaways on the demo data: titles, units and source notes on every chart,
fixed colour-blind-safe colours, whole-number years, the language's separators, takeaways that
follow the numbers, and the Excel and PNG exports."""

import csv
import io

import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics import budget, charts, deprivations, filters, poverty, takeaways, targets, transitions
from analytics.db import Database
from analytics.i18n import fmt_number

OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}
NEUTRAL = {"#999999", "#BBBBBB", "#FFFFFF"}  # greys and white for reference bars and scales


@pytest.fixture(scope="module")
def demo(demo_db_file):
    with Database(demo_db_file, read_only=True) as db:
        yield {
            "trend": poverty.trend(db),
            "communes": poverty.commune_table(db, 2024),
            "gaps": targets.target_gaps(db, 2024),
            "execution": budget.execution(db, 2024),
            "by_source": budget.execution_by_source(db, 2024),
            "by_agency": budget.execution_by_agency(db, 2024),
            "curve": budget.cumulative_curve(db, 2024),
            "transitions": transitions.poor_transitions(db, 2024),
            "near_transitions": transitions.near_poor_transitions(db, 2024),
            "deprivations": deprivations.deprivation_table(db, 2024),
            "af": deprivations.alkire_foster(db, 2024),
        }


def all_figures(d, lang):
    communes = d["communes"]
    commune_gaps = filters.commune_rows(d["gaps"], communes["code"])
    district = filters.district_rows(d["gaps"], communes["code"])
    row = d["transitions"].iloc[0].to_dict()
    return {
        "trend": charts.trend_chart(d["trend"], lang),
        "rate": charts.commune_bars(communes, lang, "poor_rate"),
        "households": charts.commune_bars(communes, lang, "households"),
        "status": charts.status_bars(filters.status_counts(communes.iloc[0].to_dict()), lang),
        "waterfall": charts.waterfall_chart(row, lang, "poor"),
        "waterfall_near": charts.waterfall_chart(d["near_transitions"].iloc[0].to_dict(), lang, "near_poor"),
        "heatmap": charts.deprivation_heatmap(d["deprivations"], lang),
        "deprivation_bars": charts.deprivation_bars(d["deprivations"][d["deprivations"].commune_code == "25345"], lang),
        "contributions": charts.contribution_chart(d["af"].contributions_in(lang), lang),
        "gaps": charts.target_gap_chart(commune_gaps, lang),
        "split": charts.target_vs_achieved(filters.target_split(district, lang), lang),
        "coverage": charts.target_vs_achieved(filters.coverage_rows(district, lang), lang, percent=True),
        "lines": charts.budget_lines_chart(d["execution"], lang),
        "source": charts.budget_group_chart(d["by_source"], "source", lang),
        "agency": charts.budget_group_chart(d["by_agency"], "agency", lang),
        "cumulative": charts.cumulative_chart(d["curve"], lang),
    }


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_chart_has_a_title_units_a_source_note_and_the_languages_separators(demo, lang):
    for name, fig in all_figures(demo, lang).items():
        assert charts.title_of(fig), name
        notes = [a.text for a in fig.layout.annotations]
        assert any(n.startswith("Nguồn:" if lang == "vi" else "Source:") for n in notes), name
        assert fig.layout.separators == (",." if lang == "vi" else ".,"), name
        if name not in ("heatmap", "contributions", "status", "split"):
            titled = [ax.title.text for ax in (fig.layout.xaxis, fig.layout.yaxis) if ax.title.text]
            assert titled, f"{name}: no axis says its unit"
        for trace in fig.data:
            if getattr(trace, "hovertemplate", None) and "%" in trace.hovertemplate and "{x:" in trace.hovertemplate:
                assert ",." in trace.hovertemplate or ",.0f" in trace.hovertemplate or ".1f" in trace.hovertemplate


def test_years_are_whole_numbers_on_the_axis(demo):
    fig = charts.trend_chart(demo["trend"], "vi")
    assert fig.layout.xaxis.dtick == 1 and fig.layout.xaxis.tickformat == "d"
    assert list(fig.data[0].x) == demo["trend"]["year"].tolist()


def test_every_colour_comes_from_the_colour_blind_safe_palette():
    with open(charts.COLOURS_FILE, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(r["source"] for r in rows)
    assert {r["colour"].upper() for r in rows} <= OKABE_ITO | NEUTRAL
    statuses = [charts.colour("status", s) for s in ("poor", "near_poor", "average", "above")]
    assert len(set(statuses)) == 4  # one colour per status
    target = [charts.colour("target_status", s) for s in ("achieved", "on_track", "at_risk", "behind")]
    assert len(set(target)) == 4


def test_a_line_keeps_its_colour_whatever_the_order_and_lines_behind_pace_are_marked(demo):
    execution = demo["execution"]
    shuffled = execution.sample(frac=1, random_state=3)
    for frame in (execution, shuffled):
        fig = charts.budget_lines_chart(frame, "vi")
        bars = [t for t in fig.data if t.name == charts.t("charts_disbursed", "vi")][0]
        codes = [charts.line_code(p, s) for p, s in zip(frame.iloc[::-1].project, frame.iloc[::-1].sub_project)]
        assert list(bars.marker.color) == [charts.colour("line", c) for c in codes]
        marked = [label.endswith("⚠") for label in bars.y]
        assert marked == frame.iloc[::-1].behind_pace.astype(bool).tolist()
    assert execution.behind_pace.any()  # the demo has lines behind pace to show


def test_target_gap_bars_take_their_status_colour(demo):
    gaps = filters.commune_rows(demo["gaps"], demo["communes"]["code"])
    fig = charts.target_gap_chart(gaps, "vi")
    shown = 0
    for trace in (tr for tr in fig.data if tr.type == "bar"):  # markers at zero come on top
        status = next(s for s in ("achieved", "on_track", "at_risk", "behind")
                      if trace.name == charts.t(f"charts_target_{s}", "vi"))
        assert trace.marker.color == charts.colour("target_status", status)
        assert len(trace.x) == (gaps.status == status).sum()
        shown += len(trace.x)
    assert shown == len(gaps) == 13


def test_the_waterfall_walks_from_start_to_end(demo):
    for row in demo["transitions"].to_dict("records"):
        fig = charts.waterfall_chart(row, "vi")
        trace = fig.data[0]
        assert trace.measure[0] == "absolute" and trace.measure[-1] == "total"
        assert sum(trace.y[:-1]) == row["end"]  # start − decreases + increases
        assert trace.text[-1] == fmt_number(row["end"])


def test_takeaways_follow_the_numbers(demo):
    gaps = filters.commune_rows(demo["gaps"], demo["communes"]["code"])
    text = takeaways.target_gaps(gaps, "en")
    behind = int((gaps.status == "behind").sum())
    worst = gaps.sort_values(["gap", "org_name"], ascending=[False, True]).iloc[0]
    assert text.startswith(f"{behind} of {len(gaps)} communes are behind their target")
    assert f"{charts.short_commune(worst.org_name)} is furthest, {fmt_number(worst.gap, 'en')} households short" in text

    trend = demo["trend"]
    fell = int(trend.poor.iloc[-2] - trend.poor.iloc[-1])
    assert f"{fell} fewer" in takeaways.trend(trend, "en")
    assert takeaways.trend(trend, "en", year=int(trend.year.iloc[0])) is None  # nothing before the first year

    execution = demo["execution"]
    line = takeaways.budget(execution, "vi")
    assert fmt_number(execution.disbursed.sum()) in line and fmt_number(execution.plan.sum()) in line
    assert f"{int(execution.behind_pace.sum())}/{len(execution)} dòng vốn chậm tiến độ" in line


def test_takeaways_say_all_reached_when_no_commune_is_short():
    gaps = pd.DataFrame({"org_name": ["Xã A", "Xã B"], "gap": [0.0, -2.0], "status": ["achieved", "achieved"]})
    assert takeaways.target_gaps(gaps, "en") == "All 2 communes have reached their reduction target."


def test_empty_frames_give_a_figure_that_says_so(demo):
    for builder in (charts.trend_chart, charts.commune_bars, charts.budget_lines_chart, charts.cumulative_chart,
                    charts.target_gap_chart, charts.deprivation_heatmap):
        fig = builder(demo["trend"].iloc[0:0] if builder is charts.trend_chart else
                      {charts.commune_bars: demo["communes"], charts.budget_lines_chart: demo["execution"],
                       charts.cumulative_chart: demo["curve"], charts.target_gap_chart: demo["gaps"],
                       charts.deprivation_heatmap: demo["deprivations"]}[builder].iloc[0:0], "en")
        assert not fig.data and any(a.text for a in fig.layout.annotations)


def test_meeting_copies_are_larger_and_leave_the_original_alone(demo):
    fig = charts.trend_chart(demo["trend"], "vi")
    big = charts.for_meeting(fig)
    assert big.layout.font.size > fig.layout.font.size and big.layout.height > fig.layout.height
    assert fig.layout.font.size == 15


def test_the_chart_data_downloads_as_excel(demo):
    frame = demo["execution"]
    data = charts.to_xlsx(frame, "budget_lines")
    back = pd.read_excel(io.BytesIO(data), sheet_name="budget_lines", engine="calamine")
    assert back["plan"].sum() == pytest.approx(frame["plan"].sum())
    assert list(back.columns) == list(frame.columns)


def test_text_from_uploads_stays_text_in_the_chart_data_workbook(demo):
    from openpyxl import load_workbook
    frame = demo["execution"].assign(agency=["=HYPERLINK(\"http://x\",\"y\")", "https://example.org"]
                                     + list(demo["execution"]["agency"].iloc[2:]))
    ws = load_workbook(io.BytesIO(charts.to_xlsx(frame, "budget_lines"))).active
    column = list(frame.columns).index("agency") + 1
    cells = [ws.cell(row=r, column=column) for r in (2, 3)]
    assert [c.value for c in cells] == ['=HYPERLINK("http://x","y")', "https://example.org"]
    assert [c.data_type for c in cells] == ["s", "s"] and cells[1].hyperlink is None


def test_the_chart_image_is_a_png_drawn_by_chromium(demo):
    png = charts.to_png(charts.trend_chart(demo["trend"], "vi"), takeaways.trend(demo["trend"], "vi"), width=800)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_the_choropleth_matches_uploaded_features_by_code(demo):
    communes = demo["communes"].head(2)
    square = [[[106.0, 11.0], [106.1, 11.0], [106.1, 11.1], [106.0, 11.0]]]
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": str(c)}, "geometry": {"type": "Polygon", "coordinates": square}}
        for c in communes["code"]]}
    fig = charts.choropleth(geojson, communes, "vi")
    trace = fig.data[0]
    assert isinstance(trace, go.Choropleth) and trace.featureidkey == "properties.code"
    assert list(trace.locations) == communes["code"].astype(str).tolist()
    assert list(trace.z) == pytest.approx((communes["poor_rate"] * 100).tolist())


def test_the_png_download_keeps_the_title_the_page_writes_above_the_chart(demo, monkeypatch):
    # The drawn figure loses its title (the page writes it above); the PNG must still carry it,
    # for a chart built from cached inputs and for a figure passed as it is.
    from dashboard import session
    from streamlit.testing.v1 import AppTest

    exported = {}
    monkeypatch.setattr(session, "audited", lambda build, what, **kw: exported.setdefault(what, build()))
    monkeypatch.setattr(charts, "to_png", lambda fig, takeaway=None, **kw: charts.title_of(fig))
    monkeypatch.setattr(charts, "to_xlsx", lambda frame, sheet="data": b"")

    def page():
        import streamlit as st

        from analytics import charts
        from dashboard import display
        trend = st.session_state["trend"]
        display.show_chart(display.Chart("built", display.figure(charts.trend_chart, trend, "vi"), trend))
        display.show_chart(display.Chart("given", charts.trend_chart(trend, "vi"), trend))

    at = AppTest.from_function(page)
    at.session_state["trend"] = demo["trend"]
    at.run()
    assert not at.exception
    title = charts.title_of(charts.trend_chart(demo["trend"], "vi"))
    assert title and {w: v for w, v in exported.items() if w.endswith(".png")} == {"built.png": title,
                                                                                 "given.png": title}


def _gaps(values):
    return pd.DataFrame({
        "org_name": [f"Xã {chr(65 + i)}" for i in range(len(values))],
        "gap": values, "achieved": [5] * len(values), "target": [5 + g for g in values],
        "status": ["achieved" if g <= 0 else "behind" for g in values]})


@pytest.mark.parametrize("lang, met", [("vi", "đã đạt"), ("en", "met")])
def test_gap_chart_draws_and_labels_a_zero_gap_and_numbers_negative_ones(lang, met):
    fig = charts.target_gap_chart(_gaps([3, 0, -2, 1]), lang)
    labels = {y: text for tr in fig.data if tr.type == "bar" for y, text in zip(tr.y, tr.text)}
    assert labels["A"] == "3" and labels["B"] == met and labels["C"] == fmt_number(-2, lang)
    markers = [tr for tr in fig.data if tr.type == "scatter"]
    assert [list(tr.y) for tr in markers] == [["B"]] and list(markers[0].x) == [0]
    # the axis reaches below the negative gap so its bar and number show
    assert fig.layout.xaxis.range[0] < -2


@pytest.mark.parametrize("values", [[1, 0], [3, 2, 1], [40, 7, -3], [250, 3]])
def test_gap_chart_ticks_are_whole_households(values):
    axis = charts.target_gap_chart(_gaps(values), "vi").layout.xaxis
    assert axis.tickformat == ",d" and axis.tick0 == 0
    assert float(axis.dtick).is_integer() and axis.dtick >= 1
    span = max(values) - min(0, min(values))
    assert span / axis.dtick <= 12  # not crowded either


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_budget_lines_are_labelled_by_their_catalogue_short_name_in_full_and_named_in_full_on_hover(demo, lang):
    fig = charts.budget_lines_chart(demo["execution"], lang)
    plan = next(tr for tr in fig.data if tr.name == charts.t("charts_plan", lang))
    short = demo["execution"][f"short_{lang}"].iloc[::-1].tolist()
    assert all(not pd.isna(s) and len(s) <= 32 for s in short)
    assert [label.removesuffix(" ⚠").split(" – ", 1)[1] for label in plan.y] == short
    assert not any("…" in label for label in plan.y)
    full = demo["execution"][f"name_{lang}"].iloc[::-1].tolist()
    assert all(name.split("–", 1)[1].strip() in hover for name, hover in zip(full, plan.customdata))


def test_a_line_without_a_short_name_wraps_its_full_name_rather_than_cutting_it():
    row = {"project": "DA9", "sub_project": None, "name_vi": "Dự án 9 – " + "rất dài " * 12, "short_vi": None}
    label = charts.line_label(row, "vi")
    assert "…" not in label and "<br>" in label
    assert label.replace("<br>", " ").split() == ("DA9 – " + "rất dài " * 12).split()


def test_an_export_counted_in_persons_names_its_columns_as_persons_once():
    from analytics import filters
    table = pd.DataFrame({"name": ["Xã A", "Xã B"], "total": [100, 50], "persons": [400, 210],
                          "poor": [10, 2], "poor_persons": [45, 9], "poor_rate": [0.1, 0.04],
                          "poor_persons_rate": [45 / 400, 9 / 210], "near_poor": [5, 1], "near_poor_persons": [20, 4]})
    shown = filters.in_measure(table, "persons")
    rows = charts.export_frame(shown[shown.poor > 10].sort_values("name"), "vi").to_dict("records")  # persons
    assert rows == [{"Tên": "Xã A", "Nhân khẩu": 400.0, "Nhân khẩu nghèo": 45.0, "Tỷ lệ nhân khẩu nghèo (%)": 11.25,
                     "Nhân khẩu cận nghèo": 20.0, "Tỷ lệ nhân khẩu cận nghèo (%)": 5.0, "Có số nhân khẩu": "có"}]
    households = charts.export_frame(table, "vi")  # in households both are there, each under its own name
    assert list(households.columns[:5]) == ["Tên", "Tổng số hộ", "Nhân khẩu", "Hộ nghèo", "Nhân khẩu nghèo"]


def test_where_a_target_s_achieved_figure_comes_from_is_exported_in_words():
    gaps = pd.DataFrame({"name_vi": ["Tỷ lệ hộ nghèo"] * 4, "target": [1, 2, 3, 4],
                         "achieved_source": ["households+review", "imported", "support", None]})
    exported = charts.export_frame(gaps, "vi")
    assert exported["Nguồn số thực hiện"].tolist() == ["Danh sách hộ + Biểu tổng hợp", "Số liệu nhập trực tiếp",
                                                       "Hồ sơ hỗ trợ", "–"]
