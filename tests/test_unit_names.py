"""Unit names as offices type them: each matching rule, narrowing, refusal of shared names."""

import pytest

from analytics.unit_names import UnitNames, split_name


@pytest.fixture(scope="module")
def names(empty_db_file):
    from analytics.db import Database
    with Database(empty_db_file, read_only=True) as db:
        yield {2024: UnitNames(db, 2024), 2025: UnitNames(db, 2025)}


def code(found):
    assert found.ok, found.message("en")
    return found.unit.code


@pytest.mark.parametrize("typed", ["Đắk R'Lấp", "Dak R Lap", "Đăk RLấp", "DAK R'LAP", "dak-r-lap",
                                   "H. Đắk R'Lấp", "Huyện Đắk R’Lấp", "UBND HUYỆN ĐẮK R'LẤP"])
def test_case_accents_spaces_apostrophes_hyphens_prefix_and_title(names, typed):
    found = names[2024].resolve(typed, "district")
    assert code(found) == "666" and found.unit.name == "Huyện Đắk R'Lấp"


@pytest.mark.parametrize("old, new", [("Khánh Hoà", "Khánh Hòa"), ("Thanh Hoá", "Thanh Hóa")])
def test_old_and_new_tone_placement(names, old, new):
    assert code(names[2024].resolve(old, "province")) == code(names[2024].resolve(new, "province"))


@pytest.mark.parametrize("typed", ["Thị trấn Tân Khai", "TT Tân Khai", "TT.Tân Khai", "tt. tan khai",
                                   "UBND THỊ TRẤN TÂN KHAI", "Tân Khai", "25357"])
def test_commune_prefixes_and_abbreviations(names, typed):
    assert code(names[2024].resolve(typed)) == "25357"


@pytest.mark.parametrize("typed, level, expected", [
    ("X. An Khương", "commune", "25330"), ("Xã An Khương", "commune", "25330"),
    ("TX Bình Long", "district", "690"), ("Thị xã Bình Long", "district", "690"),
    ("Tỉnh Bình Phước", "province", "70"), ("Bình Phước", "province", "70"), ("70", "province", "70"),
    ("TP Hồ Chí Minh", "province", "79"), ("Thành phố Hồ Chí Minh", "province", "79"),
    ("Huyện Hớn Quản", "district", "694"), ("H. Hớn Quản", "district", "694")])
def test_prefixes_at_every_level(names, typed, level, expected):
    assert code(names[2024].resolve(typed, level)) == expected


def test_a_typed_prefix_narrows_but_does_not_exclude(names):
    refused = names[2025].resolve("Tân Hưng")
    wards = names[2025].resolve("P. Tân Hưng")
    assert {c.unit_type for c in wards.candidates} == {"phuong"} and len(wards.candidates) == 2
    assert len(refused.candidates) == 6
    assert code(names[2025].resolve("Thị trấn Tân Khai")) == "25357"  # a xã since 2025


def test_numbered_wards_ignore_leading_zeros(names):
    one = names[2024].resolve("Phường 01", district="Quận 3", province="Hồ Chí Minh")
    assert one.ok and one.unit.name == "Phường 1" and one.unit.district == "Quận 3"


def test_the_six_tan_hung_are_refused_without_a_province_and_resolved_with_one(names):
    found = names[2025].resolve("Xã Tân Hưng")
    assert not found.ok and found.reason == "ambiguous"
    refused = names[2025].resolve("Tân Hưng")
    assert len(refused.candidates) == 6
    provinces = {c.province for c in refused.candidates}
    assert len(provinces) == 6 and "Tỉnh Đồng Nai" in provinces
    message = refused.message("en")
    assert all(c.code in message and c.province in message for c in refused.candidates)
    for candidate in refused.candidates:
        within = names[2025].resolve("Tân Hưng", province=candidate.province)
        assert code(within) == candidate.code
        assert code(names[2025].resolve("tan hung", province=candidate.province_code)) == candidate.code


def test_before_2025_candidates_name_their_district(names):
    refused = names[2024].resolve("Tân Hưng", province="Bình Phước")
    assert {(c.code, c.district) for c in refused.candidates} == {
        ("25345", "Huyện Hớn Quản"), ("25375", "Huyện Đồng Phú")}
    assert "Huyện Đồng Phú" in refused.message("vi")
    assert code(names[2024].resolve("Tân Hưng", province="70", district="Hớn Quản")) == "25345"
    assert code(names[2024].resolve("Xã Tân Hưng, huyện Hớn Quản, tỉnh Bình Phước")) == "25345"


def test_unknown_names_and_areas_say_why(names):
    unknown = names[2024].resolve("Xã Không Có")
    assert unknown.reason == "unknown" and "unit_older.csv" in unknown.message("en")
    assert names[2025].resolve("Tân Hưng", province="Atlantis").reason == "unknown_area"
    assert names[2025].resolve("  ").reason == "empty"
    assert names[2025].resolve("Tân Khai", province="Bình Phước").reason == "unknown_area"  # gone in 2025


def test_many_names_resolve_once_each(empty_db, monkeypatch):
    index = UnitNames(empty_db, 2024)
    calls = []
    real = index.resolve
    monkeypatch.setattr(index, "resolve", lambda *a, **k: calls.append(a[:2]) or real(*a, **k))
    rows = ["Xã Thanh An", "TT Tân Khai", "Xã Thanh An", ("Tân Hưng", "Bình Phước", "Hớn Quản")] * 25_000
    found = index.resolve_many(rows, province="Bình Phước")
    assert len(found) == 3
    # each distinct name once, and each distinct province or district once
    assert sorted(calls) == sorted([("Xã Thanh An", "commune"), ("TT Tân Khai", "commune"),
                                    (("Tân Hưng", "Bình Phước", "Hớn Quản")[0], "commune"),
                                    ("Bình Phước", "province"), ("Hớn Quản", "district")])
    assert found["TT Tân Khai"].unit.code == "25357"
    assert found[("Tân Hưng", "Bình Phước", "Hớn Quản")].unit.code == "25345"


def test_split_name_takes_the_prefix_only_when_a_name_remains():
    assert split_name("UBND XÃ TÂN HƯNG") == ("xa", "tanhung")
    assert split_name("Xuân Lộc") == ("", "xuanloc")
    assert split_name("Xã") == ("", "xa")
    assert split_name("Thị xã Bình Long") == ("thixa", "binhlong")


def test_a_district_is_looked_for_within_the_given_province(names):
    refused = names[2024].resolve("Xã An Hiệp", district="Châu Thành")
    assert refused.reason == "unknown_area" and len(refused.candidates) > 5
    assert "Châu Thành" in refused.message("en")
    found = names[2024].resolve("Xã An Hiệp", province="Sóc Trăng", district="Châu Thành")
    assert found.ok and found.unit.province == "Tỉnh Sóc Trăng" and found.unit.district == "Huyện Châu Thành"


@pytest.mark.parametrize("typed, expected", [
    ("TP.HCM", "79"), ("TPHCM", "79"), ("Tp. Hồ Chí Minh", "79"), ("HCM", "79"), ("HN", "01"),
    ("Bà Rịa - Vũng Tàu", "77"), ("Ba Ria Vung Tau", "77"), ("tinh Binh Phuoc", "70")])
def test_province_short_forms_and_glued_prefixes(names, typed, expected):
    assert code(names[2024].resolve(typed, "province")) == expected


def test_glued_commune_prefix_and_thuy_tone_placement(names):
    assert code(names[2024].resolve("TTTân Khai")) == "25357"
    assert code(names[2024].resolve("Xã Tri Thuỷ")) == code(names[2024].resolve("Xã Tri Thủy"))


def test_the_working_units_narrow_a_shared_name(demo_db):
    """Within the units the database works with (the demo's Hớn Quản), "Xã Tân Hưng" is one
    unit; in the whole country it is refused."""
    assert not UnitNames(demo_db, 2025).resolve("Xã Tân Hưng").ok
    working = UnitNames(demo_db, 2025, working=True)
    assert code(working.resolve("UBND xã Tân Hưng")) == "25345"
    assert code(UnitNames(demo_db, 2024, working=True).resolve("Tân Hưng")) == "25345"
    assert working.resolve("Xã Tân Hưng", province="Tây Ninh").reason == "unknown_area"
