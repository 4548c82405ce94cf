import unicodedata

from search_service.text import abbreviations
from search_service.text.syllables import SYLLABLE, folded_key


def test_a_syllable_is_a_run_of_letters_and_digits_of_any_script():
    text = "Hội_nghị 10-CT/TW, ngày 06/10/2021 (Δέλτα) «Đà Nẵng»"
    assert SYLLABLE.findall(text) == [
        "Hội",
        "nghị",
        "10",
        "CT",
        "TW",
        "ngày",
        "06",
        "10",
        "2021",
        "Δέλτα",
        "Đà",
        "Nẵng",
    ]


def test_the_folded_key_drops_case_marks_spacing_and_punctuation():
    assert folded_key("Ủy ban Nhân dân") == "uy ban nhan dan"
    assert folded_key("  UY BAN NHAN-DAN ") == "uy ban nhan dan"
    assert folded_key(unicodedata.normalize("NFD", "Hội nghị")) == "hoi nghi"
    assert folded_key("Kỷ niệm 90 năm Ngày thành lập Ðảng") == "ky niem 90 nam ngay thanh lap dang"
    assert folded_key("10-CT/TW") == "10 ct tw"
    assert folded_key("…!") == ""


def test_abbreviations_are_looked_up_by_the_folded_key():
    expansions, shortenings = abbreviations.table()
    assert expansions[folded_key("UBND")] == ("uy", "ban", "nhan", "dan")
    assert shortenings[folded_key("Ủy ban nhân dân")] == ("ubnd",)
