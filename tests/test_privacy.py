"""Privacy: household rows only within the caller's scope, names and ids masked for roles that may
not see them (page text, tables, charts, downloads), household exports limited and audited."""

from __future__ import annotations

import io
import json
import tomllib

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import audit, auth
from analytics.batches import BatchError, rollback
from analytics.importer.listing import household_list
from analytics.db import Database
from conftest import ROOT, assert_page_refused, deferred_downloads, login_as, open_app

LOG_READER = auth.Scope.system()  # the audit log is read with a scope that may read it

OFFICER = auth.Scope("thanhan", "officer", frozenset({(2024, "25327")}))
VIEWER = auth.Scope("lanhdao", "viewer")
PLANNER = auth.Scope("kehoach", "planner")
ADMIN = auth.Scope("admin", "admin")


def households(db, scope: auth.Scope, year: int = 2023) -> pd.DataFrame:
    where, params = scope.household_filter()
    return db.frame(f"SELECT * FROM household_current WHERE year = ? AND {where}", [year, *params])


# -- scope in analytics ----------------------------------------------------------------------
def test_the_scope_limits_household_reads_to_the_assigned_communes(demo_db):
    every = households(demo_db, ADMIN)
    mine = households(demo_db, OFFICER)
    assert len(mine) > 0 and set(mine.commune_code) == {"25327"}
    assert len(mine) == (every.commune_code == "25327").sum() < len(every)
    assert households(demo_db, VIEWER).empty and households(demo_db, PLANNER).empty
    assert households(demo_db, auth.Scope("nobody", "officer")).empty  # no communes: nothing
    # The same limit on a frame already read, with or without a vintage column.
    assert set(OFFICER.filter_households(every).commune_code) == {"25327"}
    assert set(OFFICER.filter_households(every.drop(columns="commune_vintage"), vintage=2024)
               .commune_code) == {"25327"}
    assert VIEWER.filter_households(every).empty and len(ADMIN.filter_households(every)) == len(every)


def test_an_officer_cannot_reach_another_communes_households_or_batches(demo_db):
    communes = OFFICER.communes
    other = household_list(demo_db, 2023, commune="25330", communes=communes)
    assert other.empty  # asking for another commune by code gets nothing
    mine = household_list(demo_db, 2023, communes=communes)
    assert set(mine.commune_code) == {"25327"}
    with pytest.raises(auth.PermissionDenied):
        OFFICER.require_commune("25330", 2024)
    OFFICER.require_commune("25327", 2024)
    assert not OFFICER.allows_commune("25327", 2025)  # a different unit of the same code
    demo_batch = demo_db.scalar("SELECT min(id) FROM import_batch WHERE kind = 'households'")
    with pytest.raises(BatchError):  # the demo batch holds every commune
        rollback(demo_db, demo_batch, user=OFFICER.username, communes=communes)


def test_masking_keeps_only_initials_and_the_end_of_ids():
    assert auth.mask_name("Nguyễn Văn An") == "N***** V** A*"
    assert auth.mask_name("Điểu Thị Lan") == "Đ*** T** L**"
    assert auth.mask_id("25327-0042") == "********42"
    assert auth.mask_name(None) is None and auth.mask_id(None) is None
    frame = pd.DataFrame({"household_id": ["25327-0001"], "head_name": ["Lê Thị Hoa"], "members": [4]})
    masked = VIEWER.mask(frame)
    assert masked.iloc[0].tolist() == ["********01", "L* T** H**", 4]
    assert frame.iloc[0].head_name == "Lê Thị Hoa"  # the original is untouched
    assert OFFICER.mask(frame) is frame


def test_household_exports_are_limited_to_officers_and_admins_and_audited(demo_db):
    for scope in (VIEWER, PLANNER):
        with pytest.raises(auth.PermissionDenied):
            auth.record_export(demo_db, scope, "household_list", rows=3, households=True)
        auth.record_export(demo_db, scope, "chart:trend.xlsx")  # aggregates: allowed
    auth.record_export(demo_db, OFFICER, "household_list", rows=12, households=True)
    log = audit.read(demo_db, LOG_READER, actions=["export"])
    assert log.user_name.tolist() == ["thanhan", "kehoach", "lanhdao"]
    assert json.loads(log.detail[0]) == {"what": "household_list", "rows": 12, "households": True}


def test_exports_cannot_carry_spreadsheet_formulas():
    frame = pd.DataFrame({"head_name": ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "Lan"],
                          "members": [1, 2, 3, 4, 5]})
    safe = auth.spreadsheet_safe(frame)
    assert safe.head_name.tolist() == ['\'=HYPERLINK("http://x","y")', "'+1", "'-2", "'@SUM(A1)", "Lan"]
    assert safe.members.tolist() == [1, 2, 3, 4, 5]


def test_table_widgets_export_nothing_and_the_toolbar_has_no_developer_options():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
    assert config["client"]["toolbarMode"] == "viewer"


# -- pages under AppTest ---------------------------------------------------------------------
pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")




def page_text(at) -> str:
    """Everything a page sends to the browser as text: labels, markdown, metrics, table cells
    and chart specifications (hover texts included)."""
    from google.protobuf.json_format import MessageToDict

    parts = [d.value.to_csv() for d in at.dataframe]
    stack = [at._tree]
    while stack:
        node = stack.pop()
        proto = getattr(node, "proto", None)
        if proto is not None and not hasattr(proto, "arrow_data"):
            data = MessageToDict(proto)
            if "spec" in data:  # a Plotly figure as JSON: decode its escapes
                data["spec"] = json.loads(data["spec"])
            parts.append(json.dumps(data, ensure_ascii=False))
        stack.extend(getattr(node, "children", {}).values())
    return "\n".join(parts)


def demo_names(path, where: str = "TRUE") -> set[str]:
    with Database(path) as db:
        return {r[0] for r in db.query(f"SELECT DISTINCT head_name FROM household WHERE {where}")}


def media_files(monkeypatch):
    """Keep the files AppTest's runs store for download buttons; returns a function giving the
    bytes behind a button's URL (AppTest drops its media storage at the end of each run)."""
    from streamlit.runtime.media_file_storage import MediaFileStorageError
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test

    stores = []

    def keeping(endpoint):
        stores.append(MemoryMediaFileStorage(endpoint))
        return stores[-1]

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", keeping)

    def content(url: str) -> bytes:
        name = url.rsplit("/", 1)[-1]
        for store in reversed(stores):
            try:
                return store.get_file(name).content
            except MediaFileStorageError:  # not in this run's storage
                continue
        raise KeyError(url)
    return content


def test_a_viewer_never_receives_a_household_name_on_any_page(app_db, monkeypatch):
    names = demo_names(app_db)
    with Database(app_db) as db:
        ids = {r[0] for r in db.query("SELECT DISTINCT household_id FROM household")}
    assert len(names) > 100
    at = open_app(monkeypatch, app_db, role="viewer", query={"year": 2023}, timeout=90)
    seen = 0
    for page in sorted(auth.role("viewer").pages):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        text = page_text(at)
        leaked = [n for n in names if n in text] + [i for i in ids if i in text]
        assert not leaked, (page, leaked[:5])
        seen += len(text)
    assert seen > 10_000  # the pages did draw their content


def test_an_officers_household_list_and_download_hold_only_their_commune(app_db, monkeypatch):
    own = demo_names(app_db, "commune_code = '25327'")
    # Names of other communes that are not also a part of a name in the officer's own commune.
    others = {n for n in demo_names(app_db, "commune_code <> '25327'") if not any(n in o for o in own)}
    files = media_files(monkeypatch)
    # A direct link to another commune.
    at = open_app(monkeypatch, app_db, role="officer", query={"commune": "25330"}, page="data", timeout=90)
    assert not at.exception, at.exception
    lists = [d.value for d in at.dataframe if "head_name" in d.value.columns]
    assert lists and set(lists[-1].commune_code) == {"25327"} and len(lists[-1]) > 0
    text = page_text(at)
    assert not [n for n in others if n in text]
    assert set(lists[-1].head_name) <= own
    download = at.download_button(key="data_households_csv")  # the CSV of exactly this list
    csv = pd.read_csv(io.BytesIO(files(download.proto.url)), encoding="utf-8-sig", dtype=str)
    assert csv["Mã hộ"].tolist() == lists[-1].household_id.tolist()  # the headers the page shows
    assert set(csv["Xã"]) == {"Xã Thanh An"} and set(csv["Chủ hộ"]) <= own
    download.click().run()
    assert not at.exception
    with Database(app_db) as db:
        log = audit.read(db, LOG_READER, user="thanhan", actions=["export"])
    assert len(log) == 1
    assert json.loads(log.detail[0]) == {"what": "household_list", "rows": len(lists[-1]), "households": True}


def test_viewers_and_planners_get_no_household_download_or_list(app_db, monkeypatch):
    for role in ("viewer", "planner"):
        at = open_app(monkeypatch, app_db, role=role, timeout=90)
        with pytest.raises(ValueError):  # the data page is not in their navigation
            at.switch_page("pages/data.py")
        direct = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
        login_as(direct, role)
        direct.switch_page("pages/data.py").run()  # asked for directly
        assert_page_refused(direct)


def test_a_download_is_audited_when_its_file_is_produced(demo_db, monkeypatch):
    from dashboard import base, session
    monkeypatch.setattr(base, "get_db", lambda: demo_db)
    monkeypatch.setattr(session, "current_scope", lambda: VIEWER)
    produce = session.audited(lambda: b"workbook", "bao-cao-2023.xlsx")
    assert audit.read(demo_db, LOG_READER, actions=["export"]).empty  # drawing the button records nothing
    assert produce() == b"workbook"
    log = audit.read(demo_db, LOG_READER, actions=["export"])
    assert log.user_name.tolist() == ["lanhdao"] and "bao-cao-2023.xlsx" in log.detail[0]
    refused = session.audited(lambda: b"rows", "households.csv", households=True)
    with pytest.raises(auth.PermissionDenied):  # a viewer's household export never produces data
        refused()


def test_the_annotated_file_of_a_refused_import_is_an_audited_household_export(app_db, monkeypatch):
    """The annotated workbook carries the uploaded households: producing it is audited like any
    household download."""
    deferred = deferred_downloads(monkeypatch)
    at = open_app(monkeypatch, app_db, role="officer", page="data", timeout=90)
    bad = ROOT / "tests" / "fixtures" / "bad_tick.xlsx"
    at.file_uploader(key="data_upload").set_value([
        ("bad_tick.xlsx", bad.read_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    ]).run()
    assert not at.exception, at.exception
    with Database(app_db) as db:
        assert audit.read(db, LOG_READER, user="thanhan", actions=["export"]).empty  # drawing the button records nothing
    assert deferred["bad_tick_loi.xlsx"]()[:2] == b"PK"  # the workbook, produced on the click
    with Database(app_db) as db:
        log = audit.read(db, LOG_READER, user="thanhan", actions=["export"])
    assert len(log) == 1 and json.loads(log.detail[0])["households"] is True
