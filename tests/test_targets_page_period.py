"""The Chỉ tiêu page's period sections under AppTest: each unit's path to the programme period's
targets, and the year's households under the next period's standard, in both languages."""

from __future__ import annotations

import pytest

from analytics import standard_preview
from analytics.db import Database
from analytics.i18n import fmt_number
from builders import add_indicator_values
from conftest import open_app


def subheaders(at) -> list[str]:
    return [s.value for s in at.subheader]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_preview_under_the_next_standard(monkeypatch, app_db, fresh_streamlit_caches, lang):
    with Database(app_db, read_only=True) as db:
        expected = standard_preview.preview(db, 2024, 2027)
    at = open_app(monkeypatch, app_db, lang=lang, page="targets", query={"year": 2024})
    assert not at.exception, at.exception
    title = {"vi": "Các hộ này theo chuẩn nghèo Nghị định 351/2025/NĐ-CP (từ năm 2027)",
             "en": "These households under the Decree 351/2025/ND-CP standard (from 2027)"}[lang]
    assert title in subheaders(at)
    # The indicators the data lack, by their names (d12 and d13 of the new standard).
    lacking = [r[f"name_{lang}"] for r in expected["indicators"] if r["code"] in ("d12", "d13")]
    assert len(lacking) == 2
    warning = [w.value for w in at.warning if ", ".join(lacking) in w.value]
    assert warning and fmt_number(expected["totals"]["unclassified"], lang) in warning[0]
    assert "d12" not in warning[0]
    table = next(d.value for d in at.dataframe
                 if {"vi": "Hộ nghèo (chuẩn mới)", "en": "Poor (new standard)"}[lang] in d.value.columns)
    new_poor = table[{"vi": "Hộ nghèo (chuẩn mới)", "en": "Poor (new standard)"}[lang]]
    assert sum(int(v.replace(".", "").replace(",", "")) for v in new_poor) == expected["totals"]["poor"]


def test_the_path_to_a_period_target(monkeypatch, app_db, fresh_streamlit_caches):
    at = open_app(monkeypatch, app_db, lang="en", page="targets", query={"year": 2024})
    assert "Path to the 2021–2025 period targets" in subheaders(at)
    assert any("No target set for the period 2021–2025." in c.value for c in at.caption)
    with Database(app_db) as db:  # the district's 2021–2025 target: 300 fewer poor households
        add_indicator_values(db, 2025, [("694", "poor_reduction", "period_target", 300)], vintage=2024)
    at = open_app(monkeypatch, app_db, lang="en", page="targets", query={"year": 2024})
    table = next(d.value for d in at.dataframe if "Year's milestone" in d.value.columns)
    assert table["Year"].tolist() == [2021, 2022, 2023, 2024, 2025]
    assert set(table["Indicator"]) == {"Reduction in poor households"}  # by name, whatever the year's gaps
    # 2024's own target (68) as entered; the other four years share the 232 left: 58 each.
    assert table["Year's milestone"].tolist() == ["58", "58", "58", "68", "58"]
    assert table["Milestone from"].tolist() == ["evenly spread"] * 3 + ["entered", "evenly spread"]
    assert table["Cumulative milestone"].tolist()[-1] == "300"
