import unicodedata

import pytest

from search_service.text.normalize import fold, normalize, normalize_line


@pytest.mark.parametrize(
    ("new_style", "old_style"),
    [
        ("hoà", "hòa"),
        ("Hoà", "Hòa"),
        ("HOÀ", "HÒA"),
        ("khoá", "khóa"),
        ("hoá", "hóa"),
        ("xoá", "xóa"),
        ("toà", "tòa"),
        ("loè", "lòe"),
        ("khoẻ", "khỏe"),
        ("thuỷ", "thủy"),
        ("uỷ", "ủy"),
        ("Uỷ ban", "Ủy ban"),
        ("luỹ", "lũy"),
        ("tuỵ", "tụy"),
        ("thuý", "thúy"),
        ("Tỉnh uỷ", "Tỉnh ủy"),
    ],
)
def test_both_tone_styles_become_the_old_style(new_style, old_style):
    assert normalize(new_style) == old_style
    assert normalize(old_style) == old_style


@pytest.mark.parametrize(
    "closed",
    ["hoàn", "hoạch", "soát", "thuyết", "khuyến", "quý", "quỳ", "Quỷ", "hoài", "ngoài", "khoáng"],
)
def test_closed_syllables_and_qu_are_left_alone(closed):
    assert normalize(closed) == closed


def test_nfd_input_equals_nfc():
    text = "Hội nghị giao ban Tỉnh ủy Khánh Hòa"
    assert normalize(unicodedata.normalize("NFD", text)) == text


def test_nfd_new_style_reaches_the_canonical_form():
    assert normalize(unicodedata.normalize("NFD", "Thị uỷ Ninh Hoà")) == "Thị ủy Ninh Hòa"


def test_eth_typed_for_dj_becomes_dj():
    assert normalize("Ðảng ðoàn") == "Đảng đoàn"


def test_whitespace_and_invisible_characters():
    text = "  Hội\u00a0nghị\u200b  giao\tban \r\n\r\n\r\n\nĐoạn\ufeff hai  "
    assert normalize(text) == "Hội nghị giao ban\n\nĐoạn hai"
    assert normalize_line(" Hội\nnghị \x00 ") == "Hội nghị"


def test_a_control_character_is_a_space_and_an_invisible_one_nothing():
    # Copying debris in scraped articles: a backspace before a word, U+0096 for a dash.
    assert normalize("ông \x08H, (vùng đồi), \x96khu vực") == "ông H, (vùng đồi), khu vực"
    assert normalize_line("Khoa\x1bgiáo") == "Khoa giáo"
    assert normalize_line("Khoa\u00adgiáo") == "Khoagiáo"  # a soft hyphen joins


def test_private_use_characters_are_removed():
    # The analyzer marks word boundaries with one; input must never carry it.
    assert normalize("hội\ue000nghị") == "hộinghị"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đồng chí", "dong chi"),
        ("đường", "duong"),
        ("HỘI NGHỊ", "hoi nghi"),
        ("Ủy ban nhân dân", "uy ban nhan dan"),
        ("238-QĐ/TW", "238-qd/tw"),
        ("covid", "covid"),
    ],
)
def test_fold_removes_marks_and_maps_dj_to_d(text, folded):
    assert fold(text) == folded
