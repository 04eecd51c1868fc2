"""Legacy font encodings: TCVN3 and VNI text is recognised per cell and converted to Unicode;
genuine Unicode (even Latin-1-only words like "Hoà", "Tân") is left alone."""

import pytest

from analytics.demo import GIVEN, KINH_MIDDLE_FEMALE, KINH_MIDDLE_MALE, KINH_SURNAMES
from analytics.text import encode_legacy, fix_text, fix_values, fold
from analytics.reference import read_csv

COMMUNES = [r["name"] for r in read_csv("org_unit.csv") if r["vintage"] == "2024"
            and r["unit_type"] in ("xa", "phuong", "thi_tran")]
COMMON_NAMES = ["Nguyễn Văn Hùng", "Trần Thị Hương", "Lê Văn Tám", "Phạm Thị Lan", "Hoàng Văn Nam",
                "Huỳnh Thị Mai", "Võ Văn Kiệt", "Đặng Thị Yến", "Bùi Hữu Nghĩa", "Đỗ Minh Trí",
                "Hồ Thị Kim Liên", "Ngô Quốc Dũng", "Dương Văn Lộc", "Lý Thị Thảo", "Điểu Thắng",
                "Thạch Thị Hoa", "Lâm Văn Sơn", "Nông Thị Xuân", "Vi Văn Khánh", "Đồng Nơ"]


def test_the_13_commune_names_are_the_reference_ones():
    assert len(COMMUNES) == 13


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
@pytest.mark.parametrize("text", COMMUNES + COMMON_NAMES)
def test_each_cell_round_trips(encoding, text):
    legacy = encode_legacy(text, encoding)
    assert legacy != text
    assert fix_text(legacy) == (text, encoding)


def test_the_examples_of_the_brief():
    assert fix_text("NguyÔn V¨n H¹")[0] == "Nguyễn Văn Hạ"
    assert fix_text("B¶o Th¾ng")[0] == "Bảo Thắng"
    assert fix_text("Xin chaøo")[0] == "Xin chào"
    assert fix_text("UBND X· MINH §øC")[0] == "UBND XÃ MINH ĐỨC"  # upper-case TCVN3 font


@pytest.mark.parametrize("text", ["Hoà", "Quá", "Thuý", "Tuân", "Tân Khai", "An Phú", "café", "S'tiêng",
                                  "Nguyễn Văn Hùng", "Ấp 1", "x", "1.200.000"])
def test_unicode_and_plain_text_are_left_alone(text):
    assert fix_text(text) == (text, None)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_a_column_of_generated_names_mostly_round_trips(encoding):
    """Every surname x middle x given name of the demo: a column in one legacy encoding."""
    names = [f"{a} {b} {c}" for a in KINH_SURNAMES for b in KINH_MIDDLE_MALE + KINH_MIDDLE_FEMALE for c in GIVEN]
    legacy = [encode_legacy(n, encoding) for n in names]
    fixed, repaired = fix_values(legacy)
    right = sum(fixed[x] == n for n, x in zip(names, legacy))
    # Some names are valid Unicode words on their own too ("Sôn", "Dòng"): at least 95 %.
    assert right / len(names) >= 0.95
    assert repaired == sum(1 for x in set(legacy) if fixed[x] != x)  # what changed is counted


def test_nfc_and_folding():
    decomposed = "Nguye\u0302\u0303n"  # NFD from a Windows-1258 file
    assert fix_text(decomposed)[0] == "Nguyễn"
    assert fold("Xã Đồng Nơ") == "xadongno" == fold("XA DONG NO") == fold("xã  đồng-nơ")
