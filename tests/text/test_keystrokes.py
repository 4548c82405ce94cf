import pytest

from search_service.text.keystrokes import decode, place_tone


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("hooij", "hội"),
        ("nghij", "nghị"),
        ("ddoongf", "đồng"),
        ("chis", "chí"),
        ("toans", "toán"),
        ("hoaf", "hòa"),
        ("thuyr", "thủy"),
        ("nguyeenx", "nguyễn"),
        ("tuooir", "tuổi"),
        ("dduwowcj", "được"),
        ("truwowngf", "trường"),
        ("quas", "quá"),
        ("gias", "giá"),
        ("Tinhr", "tỉnh"),
        ("khoa", None),
        ("covid", None),
        ("news", None),
    ],
)
def test_telex(typed, meant):
    assert decode(typed) == meant


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("ho6i5", "hội"),
        ("nghi5", "nghị"),
        ("d9o6ng2", "đồng"),
        ("chi1", "chí"),
        ("to1an", "toán"),
        ("hoa2", "hòa"),
        ("d9u7o7c5", "được"),
        ("tru7o7ng2", "trường"),
        ("duo7ng", "dương"),
        ("tam8", "tăm"),
        ("10", None),
        ("2021", None),
    ],
)
def test_vni(typed, meant):
    assert decode(typed) == meant


def test_words_with_marks_or_symbols_are_not_keystrokes():
    assert decode("hội") is None
    assert decode("10-ct") is None


@pytest.mark.parametrize(
    ("syllable", "placed"),
    [
        ("hoa", "hòa"),
        ("mua", "mùa"),
        ("ngoai", "ngoài"),
        ("hoan", "hoàn"),
        ("thuy", "thùy"),
        ("quy", "quỳ"),
        ("gia", "già"),
        ("tuoi", "tuòi"),
    ],
)
def test_tone_placement_follows_the_old_style(syllable, placed):
    assert place_tone(syllable, "\u0300") == placed
