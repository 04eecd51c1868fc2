"""What people in the room read on the cards: what each figure covers (the chosen commune's or
the whole district's), the near-poor rate on its card, where the budget plan is in a year
without one, and the target statuses told the same way for communes and for the district."""

import pytest

from analytics import poverty, targets
from analytics.db import Database
from analytics.i18n import t
from test_pages import metrics, open_app


def cards(at) -> dict:
    return {m.label: m for m in at.metric}


def test_with_one_commune_each_card_says_whose_figure_it_is(monkeypatch, module_demo_file):
    at = open_app(monkeypatch, module_demo_file, "vi", year=2024, commune="25327")
    shown = cards(at)
    assert "Hộ nghèo · Thanh An" in shown and "Hộ cận nghèo · Thanh An" in shown
    assert "Giảm nghèo DTTS · Huyện Hớn Quản" in shown  # a target only the district (the home area) has
    assert "Đã giải ngân (triệu đồng) · Huyện Hớn Quản" in shown


def test_the_whole_district_cards_keep_their_plain_labels_and_show_the_near_poor_rate(monkeypatch, module_demo_file,
                                                                                      demo_db_file):
    at = open_app(monkeypatch, module_demo_file, "vi", year=2023)
    shown = metrics(at)
    assert shown["Hộ cận nghèo"] == "143 (0,50 %)"  # the plan's 143 near-poor households, 0,50 %
    assert not any("·" in label for label in shown)


def test_a_year_without_a_budget_plan_says_where_the_plan_is(monkeypatch, module_demo_file):
    at = open_app(monkeypatch, module_demo_file, "vi", year=2023)
    budget_card = cards(at)["Đã giải ngân (triệu đồng)"]
    assert budget_card.value == "–"
    assert budget_card.delta == "Kế hoạch vốn: năm 2024"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_commune_counts_and_district_targets_are_labelled_apart_and_follow_one_rule(monkeypatch, module_demo_file,
                                                                                   demo_db_file, lang):
    with Database(demo_db_file, read_only=True) as db:
        gaps = targets.target_gaps(db, 2024)
        codes = set(poverty.commune_table(db, 2024)["code"].astype(str))
    communes = gaps[gaps.org_unit.astype(str).isin(codes) & (gaps.indicator == "poor_reduction")]
    own = gaps[~gaps.org_unit.astype(str).isin(codes)].dropna(subset=["status"]).drop_duplicates("indicator")
    at = open_app(monkeypatch, module_demo_file, lang, year=2024)
    at.switch_page("pages/targets.py").run()
    shown = metrics(at)
    communes_word, district_word = ("Xã", "Chỉ tiêu huyện") if lang == "vi" else ("Communes", "District targets")
    for status, count in targets.status_counts(communes).items():
        assert shown[f"{communes_word} {t(f'charts_target_{status}', lang).lower()}"] == str(count)
    for status, count in targets.status_counts(own).items():
        assert shown[f"{district_word} {t(f'charts_target_{status}', lang).lower()}"] == str(count)
    # A bare status word ("Có nguy cơ 0") says neither what it counts nor whose target it is.
    assert not set(shown) & {t(f"charts_target_{s}", lang) for s in targets.STATUSES}
    # The overview tells the district's ethnic-minority target by the same rule, as the district's.
    em = own[own.indicator == "poor_ethnic_minority_reduction"].status.iloc[0]
    at.switch_page("pages/overview.py").run()
    em_card = next(m for m in at.metric if m.label == t("dash_em_short", lang))
    assert em_card.delta == ("Huyện: " if lang == "vi" else "District: ") + t(f"charts_target_{em}", lang)


def test_the_presenter_moves_to_another_page_and_stays_in_meeting_mode(monkeypatch, module_demo_file):
    at = open_app(monkeypatch, module_demo_file, "vi", year=2024, meeting="true")
    assert at.session_state["_page_key"] == "overview"
    at.selectbox(key="meeting_page_overview").set_value("targets").run()
    assert not at.exception
    assert at.session_state["_page_key"] == "targets" and at.session_state["meeting"]
    assert at.button(key="meeting_exit") and at.button(key="meeting_next")  # the targets page's deck
    assert at.selectbox(key="meeting_page_targets").value == "targets"
    at.button(key="meeting_next").click().run()  # steps through this page's slides
    assert at.session_state["_page_key"] == "targets" and at.session_state["slide_targets"] == 1


# -- administration ----------------------------------------------------------------------------

def test_the_password_rule_shows_before_it_fails_and_a_refused_form_keeps_its_fields(app_db, monkeypatch,
                                                                                  fresh_streamlit_caches):
    import conftest
    at = conftest.open_app(monkeypatch, app_db, role="admin", page="admin")
    rule = "Mật khẩu tối thiểu 8 ký tự."  # the setting password_min_length
    assert rule in [c.value for c in at.caption]
    assert at.text_input(key="admin_new_password").help == rule
    at.text_input(key="admin_new_user").set_value("tanhung")
    at.text_input(key="admin_new_email").set_value("tanhung@example.vn")
    at.text_input(key="admin_new_password").set_value("short")
    at.multiselect(key="admin_new_communes").set_value(["2024:25345"])
    next(b for b in at.button if b.label == "Tạo").click().run()
    assert at.error  # refused: too short
    assert at.text_input(key="admin_new_user").value == "tanhung"
    assert at.text_input(key="admin_new_email").value == "tanhung@example.vn"
    assert at.multiselect(key="admin_new_communes").value == ["2024:25345"]
    at.text_input(key="admin_new_password").set_value("a-long-enough-password")
    next(b for b in at.button if b.label == "Tạo").click().run()
    assert "tanhung" in at.success[0].value
    assert at.text_input(key="admin_new_user").value == ""  # emptied once the account exists


def test_the_audit_log_reads_in_vietnam_time_with_readable_details(app_db, monkeypatch, fresh_streamlit_caches):
    from datetime import datetime

    import conftest
    from analytics import audit
    from analytics.db import Database
    with Database(app_db) as db:
        audit.record(db, "setting_changed", "admin", {"key": "pace_tolerance", "from": "0.1", "to": "0.2"},
                     now=datetime(2024, 5, 31, 20, 30))  # UTC: 1 June, 03:30 in Vietnam
    at = conftest.open_app(monkeypatch, app_db, role="admin", page="admin")
    at.date_input(key="admin_audit_period").set_value((datetime(2024, 6, 1).date(), datetime(2024, 6, 1).date())).run()
    log = at.dataframe[-1].value
    assert list(log["ts"]) == ["01/06/2024 03:30"]
    assert log["detail"].iloc[0] == ("Thiết lập: Dòng vốn chậm hơn tiến độ thời gian quá mức này bị đánh dấu"
                                     " · Từ: 0.1 · Thành: 0.2")  # the setting by what it does
    actions = at.multiselect(key="admin_audit_actions")
    assert actions.placeholder == "Mọi thao tác" and not actions.proto.select_all


# -- officers ------------------------------------------------------------------------------------

def test_an_officers_template_offers_only_their_communes(app_db, monkeypatch, fresh_streamlit_caches):
    import io

    import conftest
    from openpyxl import load_workbook
    from test_privacy import media_files
    files = media_files(monkeypatch)

    def communes_in_template(role):
        at = conftest.open_app(monkeypatch, app_db, role=role, page="data")
        assert not at.exception
        content = files(at.download_button(key="data_template_button").proto.url)
        lists = load_workbook(io.BytesIO(content))["Danh mục"]
        column = next(col for col in lists.iter_cols() if col[0].value == "commune")
        return [c.value for c in column[1:] if c.value]

    assert communes_in_template("officer") == ["Xã Thanh An"]  # the demo officer's one commune
    assert len(communes_in_template("admin")) == 13


def test_the_data_page_offers_each_official_form_as_a_template(app_db, monkeypatch, fresh_streamlit_caches):
    """The templates tab lists the five review forms by name; an officer's form 2 comes in the
    official layout with the officer's one commune under its district."""
    import io

    import conftest
    from openpyxl import load_workbook
    from test_privacy import media_files
    files = media_files(monkeypatch)
    at = conftest.open_app(monkeypatch, app_db, role="officer", page="data")
    assert not at.exception
    choice = at.selectbox(key="data_template_kind")
    labels = list(choice.options)  # as shown
    assert labels[-5:] == ["Biểu 1: tổng hợp kết quả rà soát (hộ, nhân khẩu)", "Biểu 2: diễn biến hộ nghèo",
                           "Biểu 3: diễn biến hộ cận nghèo", "Biểu 4: chỉ số thiếu hụt của hộ nghèo (số hộ)",
                           "Biểu 5: tỷ lệ thiếu hụt của hộ nghèo (%)"]
    assert "Biểu tổng hợp rà soát (biểu 1–5)" not in labels  # the forms, not a one-row stand-in
    choice.set_value("review_form_2").run()
    assert not at.exception
    button = at.download_button(key="data_template_button")
    ws = load_workbook(io.BytesIO(files(button.proto.url))).active
    names = [ws.cell(r, 2).value for r in range(11, 17)]
    assert ws.title == "Biểu 2" and names == ["Tổng cộng", None, "Huyện Hớn Quản", None, "Xã Thanh An", None]


def test_an_officers_history_shows_every_batch_they_created_even_an_empty_one(app_db, monkeypatch,
                                                                               fresh_streamlit_caches):
    import conftest
    from analytics.batches import create_batch, finish_batch
    with Database(app_db) as db:
        with db.transaction() as cur:
            for user, name in (("thanhan", "trong-thanh-an.xlsx"), ("admin", "trong-admin.xlsx")):
                finish_batch(cur, create_batch(cur, kind="households", file_name=name, user=user), rows=0)
    at = conftest.open_app(monkeypatch, app_db, role="officer", page="data")
    history = next(d.value for d in at.dataframe if "file_name" in d.value.columns)
    assert "trong-thanh-an.xlsx" in set(history["file_name"])
    assert "trong-admin.xlsx" not in set(history["file_name"])  # not theirs, and no rows of theirs


def test_an_officers_history_lists_their_refused_files_too(app_db, monkeypatch, fresh_streamlit_caches):
    import conftest
    at = conftest.open_app(monkeypatch, app_db, role="officer", page="data")
    bad = conftest.ROOT / "tests" / "fixtures" / "bad_tick.xlsx"
    at.file_uploader(key="data_upload").set_value([
        ("bad_tick.xlsx", bad.read_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    ]).run()
    assert not at.exception, at.exception
    at = conftest.open_app(monkeypatch, app_db, role="officer", page="data")  # the page opened again
    history = next(d.value for d in at.dataframe if "file_name" in d.value.columns)
    refused = history[history["file_name"] == "bad_tick.xlsx"]
    assert len(refused) == 1 and refused["status"].iloc[0] == "bị từ chối (không ghi gì)"
    with Database(app_db) as db:  # nothing written but the audit entry
        assert db.scalar("SELECT count(*) FROM import_batch WHERE file_name = 'bad_tick.xlsx'") == 0
    at = conftest.open_app(monkeypatch, app_db, role="admin", page="data")
    history = next(d.value for d in at.dataframe if "file_name" in d.value.columns)
    assert "bad_tick.xlsx" not in set(history["file_name"])  # the admin's history: their own refusals only
