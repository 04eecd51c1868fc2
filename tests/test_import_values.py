"""Cell values as officers type them: numbers with separators, ticks, status words, ethnicity,
commune names with or without prefixes and accents, in the units of the data's year."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.importer.clean import clean_text, is_empty, is_minority, parse_numbers, parse_ticks, parse_words
from analytics.importer.resolve import unit_codes


def group(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


@settings(deadline=None, max_examples=60)  # a loaded machine must not make it flaky
@given(st.integers(min_value=0, max_value=10**12), st.sampled_from([".", ",", " ", "\u00a0"]))
def test_numbers_with_any_thousands_separator_read_back(n, sep):
    values, bad = parse_numbers(pd.Series([group(n, sep), n, float(n), str(n)], dtype="object"))
    assert not bad.any()
    assert values.tolist() == [float(n)] * 4


def test_decimals_percentages_blanks_and_nonsense():
    values, bad = parse_numbers(pd.Series(["1,5", "0,3%", "", None, "abc", "12a", "1.2.3"], dtype="object"))
    assert values[:2].tolist() == [1.5, 0.003]
    assert values[2:].isna().all()
    assert bad.tolist() == [False, False, False, False, True, True, True]


def test_ticks():
    flags, bad = parse_ticks(pd.Series(["x", "X", 1, "1", "có", "Có", "✓", "", None, 0, "không", "?", "xx"],
                                       dtype="object"))
    assert flags.tolist() == [True] * 7 + [False] * 6
    assert bad.tolist() == [False] * 11 + [True, True]


def test_status_words_and_ethnicity():
    codes, bad, _ = parse_words(pd.Series(["Hộ nghèo", "nghèo", "HỘ CẬN NGHÈO", "Cận nghèo", "Thoát nghèo",
                                        "ho ngheo", None, "giàu"]), "status")
    assert codes.tolist()[:6] == ["poor", "poor", "near_poor", "near_poor", "average", "poor"]
    assert bad.tolist() == [False] * 7 + [True]
    flags = is_minority(pd.Series(["Kinh", "kinh", "S'tiêng", "Khmer", None], dtype="object"))
    assert flags.tolist()[:4] == [False, False, True, True] and pd.isna(flags[4])


def resolve_units(db, values, vintage: int):
    codes, shared = unit_codes(db, vintage, pd.Series(values, dtype="object"))
    assert not shared
    return [None if pd.isna(v) else v for v in codes]


def test_communes_by_code_or_name_with_or_without_prefix_and_accents(empty_db):
    written = ["25348", 25348.0, "Xã Minh Đức", "minh duc", "XA MINH DUC", "Minh Đức", "TT Tân Khai",
               "Thị trấn Tân Khai", "tan khai", "Đồng Nơ", "Xã Không Có", "99999"]
    assert resolve_units(empty_db, written, 2024) == ["25348"] * 6 + ["25357"] * 3 + ["25360", None, None]


def test_communes_resolve_in_the_vintage_of_the_year(empty_db):
    # After 1 July 2025 Minh Đức is the merged commune coded 25349; Thanh An no longer exists.
    assert resolve_units(empty_db, ["Minh Đức", "Thanh An", "Tân Khai"], 2025) == ["25349", None, "25357"]


def test_a_name_several_working_units_share_is_refused_with_every_candidate(empty_db):
    """Among the units the database works with, a shared name is never guessed."""
    from analytics import registry
    with empty_db.transaction() as cur:
        registry.adopt(cur, 2024, "70")  # Bình Phước: two communes called Tân Hưng
    codes, shared = unit_codes(empty_db, 2024, pd.Series(["Tân Hưng", "Xã Thanh An", "Tân Hưng"], dtype="object"))
    assert codes.tolist() == [None, "25327", None]
    assert {c.code for c in shared["Tân Hưng"].candidates} == {"25345", "25375"}
    assert "Huyện Đồng Phú" in shared["Tân Hưng"].candidates_text()


def test_cells_of_spaces_only_are_empty_whatever_the_spaces():
    cells = pd.Series(["    ", " \n", "\r\n", "\t\t", "\u00a0 ", "", None, float("nan"), "x", 0])
    assert is_empty(cells).tolist() == [True] * 8 + [False, False]
    cleaned, _ = clean_text(cells)
    assert cleaned.tolist() == [None] * 8 + ["x", "0"]


def test_a_long_column_mostly_of_empty_cells_reads_as_each_of_its_cells_alone():
    # Columns of thousands of rows, mostly empty (ticks), take a shorter road: same answers.
    cells = ["x", "", "Có", " ", None, float("nan"), 1, "?", "", "không", "Hộ nghèo", *[""] * 10]
    column = pd.Series(cells * 300, dtype="object")
    one = pd.Series(cells, dtype="object")
    for parse in (parse_ticks, is_empty, clean_text, lambda c: parse_words(c, "status")):
        long, short = parse(column), parse(one)
        for got, expected in zip(long if isinstance(long, tuple) else (long,), short if isinstance(short, tuple) else (short,)):
            if isinstance(expected, pd.Series):
                assert got.tolist() == expected.tolist() * 300
            else:  # a count of repaired cells
                assert got == expected * 300


@pytest.mark.parametrize("text, total", [
    ("Tổng cộng", True), ("(Tổng cộng)", True), ("  Cộng:", True), ("TỔNG CỘNG TOÀN XÃ (BAO GỒM CẢ ẤP MỚI)", True),
    ("Tổng số", True), ("Trần Văn Cộng", False), ("Tân Quan", False), ("1", False), (12, False)])
def test_total_rows_are_told_by_their_folded_words(text, total):
    from analytics.importer.pipeline import _is_total_text
    assert _is_total_text(text) is total
