"""No internal names in front of users: every page under AppTest, for each role in both
languages, and every file its download buttons give (chart data, reports, scenario workbook,
templates, household lists), read as a person reads them — headers, cells, labels, texts,
chart labels — hold none of the program's own identifiers: column and setting names, constraint
keys, "vintage:code" pairs, "None", English widget defaults in the Vietnamese UI, UTC times,
file paths."""

import csv
import io
import json
import re

import pandas as pd
import pytest

import conftest
from analytics import auth
from analytics.reference import REFERENCE_DIR

ROLES = ("viewer", "planner", "officer", "admin")
# Names of the program's own, never shown: settings' keys and the columns of its frames.
SETTING_KEYS = {r["key"] for name in ("setting.csv", "auth_setting.csv")
                for r in csv.DictReader(open(REFERENCE_DIR / name, encoding="utf-8"))}
SNAKE = re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w.@-])")  # household_id, org_vintage
VINTAGE_CODE = re.compile(r"\b20\d\d:\d{2,5}\b")  # 2024:25348
CONSTRAINT = re.compile(r"\b(?:minimum|absorb|envelope|counterpart|placed|non_negative):(?=\w)")  # minimum:DA6
PHRASES = ("Select all", "Choose options", "Choose an option", "No results", "data/reference", "data/demo",
           ".csv", "UTC")
# A whole header or cell that is an identifier or a missing value written by the program.
BARE = {"None", "nan", "NaN", "NaT", "null", "status", "direction", "kind", "code", "unit", "vintage",
        "indicator", "line", "source", "commune", "year", "rate", "gap", "target", "achieved", "name_vi",
        "name_en", "org_unit", "True", "False"}


def problems_in_text(text: str, where: str) -> list[str]:
    found = [f"{where}: {m}" for m in SNAKE.findall(text)]
    found += [f"{where}: {m}" for m in VINTAGE_CODE.findall(text)]
    found += [f"{where}: {m}" for m in CONSTRAINT.findall(text)]
    found += [f"{where}: {p}" for p in PHRASES if p in text]
    found += [f"{where}: {k}" for k in SETTING_KEYS if re.search(rf"\b{k}\b", text)]
    return found


def problems_in_table(headers, rows, where: str, codes: set[str]) -> list[str]:
    found = []
    for h in headers:
        if str(h) in BARE or SNAKE.fullmatch(str(h)):
            found.append(f"{where}: header {h}")
    for row in rows:
        for value in row:
            text = "" if value is None else str(value)
            if text in BARE or (isinstance(value, str) and text in codes):
                found.append(f"{where}: cell {text!r}")
            elif isinstance(value, str):
                found += problems_in_text(text, where)
    return found


# -- what a page shows -------------------------------------------------------------------------

def _visible_table(element) -> tuple[list, list]:
    """A table's headers and cells as shown: columns hidden by its column config left out, the
    configured labels as headers."""
    frame = element.value
    config = json.loads(element.proto.columns or "{}") if hasattr(element.proto, "columns") else {}
    headers, kept = [], []
    for col in frame.columns:
        conf = config.get(f"col:name:{col}", config.get(str(col), {})) or {}
        if conf.get("hidden"):
            continue
        kind = (conf.get("type_config") or {}).get("type")
        if kind == "checkbox":  # drawn as a tick, not as text
            headers.append(conf.get("label") or col)
            continue
        headers.append(conf.get("label") or col)
        kept.append((col, {o["value"]: o["label"] for o in (conf.get("type_config") or {}).get("options") or []
                           if isinstance(o, dict)}))
    rows = frame[[c for c, _ in kept]].astype(object).where(frame[[c for c, _ in kept]].notna(), None)
    for col, labels in kept:  # a select box column shows each value's label
        if labels:
            rows[col] = rows[col].map(lambda v, labels=labels: labels.get(v, v))
    return headers, rows.values.tolist()


def _figure_texts(spec: dict) -> list[str]:
    texts = []
    layout = spec.get("layout", {})
    texts += [str(a.get("text", "")) for a in layout.get("annotations", [])]
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            texts.append(str((axis.get("title") or {}).get("text", "")))
            texts += [str(v) for v in axis.get("ticktext", []) or []]
    for trace in spec.get("data", []):
        texts.append(str(trace.get("name", "") or ""))
        for axis in ("x", "y"):
            values = trace.get(axis)
            if isinstance(values, list):
                texts += [str(v) for v in values if isinstance(v, str)]
        template = re.sub(r"%\{[^}]*\}", "", str(trace.get("hovertemplate", "") or ""))
        texts.append(re.sub(r"</?extra>", "", template))
        text = trace.get("text")
        texts += [str(v) for v in text] if isinstance(text, list) else [str(text or "")]
    return texts


def shown_problems(at, where: str, codes: set[str]) -> list[str]:
    """Problems in what the page shows (texts, labels, tables, charts)."""
    found = []
    for table in at.dataframe:
        headers, rows = _visible_table(table)
        found += problems_in_table(headers, rows, f"{where} table", codes)
    for t in at.get("table"):
        found += problems_in_table(list(t.value.columns), t.value.astype(str).values.tolist(), f"{where} st.table", codes)
    stack = [at._tree]
    while stack:
        node = stack.pop()
        stack.extend(getattr(node, "children", {}).values())
        proto = getattr(node, "proto", None)
        if proto is None or node.type in ("arrow_data_frame", "dataframe", "table"):
            continue
        if node.type == "plotly_chart":
            found += [p for text in _figure_texts(json.loads(proto.spec))
                      for p in problems_in_text(text, f"{where} chart")]
            continue
        for field in ("body", "label", "help", "placeholder", "value", "delta", "caption", "text"):
            value = getattr(proto, field, None)
            if isinstance(value, str) and value:
                found += problems_in_text(value, f"{where} {node.type}.{field}")
                if field in ("value", "delta") and node.type == "metric" and value in BARE | codes:
                    found.append(f"{where} metric {value!r}")
        options = getattr(proto, "options", None)
        if options is not None and not isinstance(options, str):
            found += [p for o in options for p in problems_in_text(str(o), f"{where} {node.type}.option")]
    return found


# -- what the downloads give ----------------------------------------------------------------------

def file_problems(name: str, data: bytes, codes: set[str]) -> list[str]:
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook
        wb = load_workbook(io.BytesIO(data), read_only=True)
        found = []
        for ws in wb.worksheets:
            if ws.sheet_state == "hidden":  # the templates' lists for drop-downs
                continue
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            rows = [r for r in rows if any(v is not None for v in r)]
            if rows:
                found += problems_in_table([h for h in rows[0] if h is not None],
                                           [[v for v in r if v is not None] for r in rows[1:]],
                                           f"{name}/{ws.title}", codes)
        return found
    if name.endswith(".csv"):
        frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
        return problems_in_table(list(frame.columns), frame.head(50).values.tolist(), name, codes)
    if name.endswith(".pptx"):
        from pptx import Presentation
        texts = [shape.text_frame.text for slide in Presentation(io.BytesIO(data)).slides
                 for shape in slide.shapes if shape.has_text_frame]
        return [p for text in texts for p in problems_in_text(text, name)]
    return [f"{name}: a download of a kind this check does not read"]


@pytest.fixture
def downloads(monkeypatch):
    """Every file a download button of the run offers, built at once: file name -> bytes."""
    from streamlit.delta_generator import DeltaGenerator
    files = {}
    original = DeltaGenerator.download_button

    def recording(self, label, data, file_name=None, *args, **kwargs):
        if str(file_name).endswith(".png"):  # an image: no text to read (and slow to build)
            return original(self, label, data, file_name, *args, **kwargs)
        content = data() if callable(data) else data
        if isinstance(content, str):
            content = content.encode("utf-8")
        files[str(file_name)] = content
        return original(self, label, content, file_name, *args, **kwargs)

    import streamlit as st
    monkeypatch.setattr(DeltaGenerator, "download_button", recording)
    # st.download_button is bound to the main block at import (it follows the active container).
    monkeypatch.setattr(st, "download_button", lambda *args, **kwargs: recording(st._main, *args, **kwargs))
    return files


def unit_codes(path) -> set[str]:
    from analytics.db import Database
    with Database(path, read_only=True) as db:
        return {str(r[0]) for r in db.query("SELECT DISTINCT code FROM org_unit")}


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_no_page_or_export_shows_an_internal_name(app_db, monkeypatch, fresh_streamlit_caches, downloads,
                                                  role, lang):
    codes = unit_codes(app_db)
    found = []
    # Each page in a session of its own (as a link opens it), and the communes page once more with
    # one commune picked: its cards, tables and charts of one commune.
    views = [(page, {"year": 2024}) for page in sorted(auth.role(role).pages)]
    views.append(("communes", {"year": 2024, "commune": "25327"}))
    read = set()
    for page, query in views:
        downloads.clear()
        at = conftest.open_app(monkeypatch, app_db, role=role, lang=lang, query=query, page=page, timeout=120)
        assert not at.exception, (page, at.exception)
        found += shown_problems(at, f"{role}/{lang}/{page}", codes)
        for name, data in downloads.items():
            found += file_problems(name, data, codes)
            read.add(name.rsplit(".", 1)[-1])
    assert not found, "\n".join(sorted(set(found))[:400])
    # The files were read: every role downloads the charts' data as Excel; those who export
    # reports get the deck too.
    assert "xlsx" in read and ("pptx" in read) == ("export_reports" in auth.role(role).permissions)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_levels_above_the_commune_show_no_internal_name(app_db, monkeypatch, fresh_streamlit_caches,
                                                            downloads, lang):
    """The unit page at the province and district levels: the unit's cards, its children ranked
    (table and chart) and the chart's data."""
    codes = unit_codes(app_db)
    found = []
    at = conftest.open_app(monkeypatch, app_db, lang=lang, query={"year": 2024}, page="communes", timeout=120)
    for level in ("province", "district"):
        downloads.clear()
        at.segmented_control(key="communes_level").set_value(level).run()
        assert not at.exception, (level, at.exception)
        assert at.dataframe and at.get("plotly_chart") and downloads, level
        found += shown_problems(at, f"{lang}/{level}", codes)
        for name, data in downloads.items():
            found += file_problems(name, data, codes)
    assert not found, "\n".join(sorted(set(found)))
