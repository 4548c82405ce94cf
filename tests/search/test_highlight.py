from search_service.search.highlight import find_phrase, mark, snippet
from search_service.search.types import Marks

TEXT = (
    "Chiều ngày 06/10/2021, Ban Tuyên giáo Tỉnh ủy tổ chức Hội nghị giao ban. "
    "Ủy ban nhân dân tỉnh triển khai Chỉ thị số 10-CT/TW. <script>alert(1)</script>"
)


def test_folded_marks_find_every_reading_and_adjacent_words_share_one_mark():
    marked = mark("Hội nghị giao ban", Marks(folded=frozenset({"hoi", "nghi"})))
    assert marked == "<mark>Hội nghị</mark> giao ban"


def test_exact_marks_only_the_exact_form():
    assert mark("bán bạn ban", Marks(exact=frozenset({"bán"}))) == "<mark>bán</mark> bạn ban"


def test_phrases_are_marked_only_whole():
    marks = Marks(phrases=frozenset({("uy", "ban", "nhan", "dan")}))
    assert snippet(TEXT, marks).count("<mark>") == 1
    assert "<mark>Ủy ban nhân dân</mark>" in snippet(TEXT, marks)
    # `ban` alone is not the phrase:
    assert "Hội nghị giao ban. <mark>Ủy ban nhân dân</mark>" in snippet(TEXT, marks)


def test_codes_are_marked_as_typed():
    assert "<mark>10-CT/TW</mark>" in snippet(TEXT, Marks(folded=frozenset({"10-ct/tw"})))


def test_article_text_is_escaped():
    shown = snippet(TEXT, Marks(folded=frozenset({"alert"})))
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in shown
    assert "<script>" not in shown


def test_a_long_text_gives_a_window_around_the_matches():
    text = " ".join(["lời"] * 500) + " hội nghị " + " ".join(["chữ"] * 500)
    shown = snippet(text, Marks(folded=frozenset({"hoi", "nghi"})))
    assert shown.startswith("… ") and shown.endswith(" …")
    assert "<mark>hội nghị</mark>" in shown
    assert len(shown.split()) < 50


def test_find_phrase_gives_the_spans_of_the_first_occurrence():
    assert find_phrase("Giao ban và hội nghị giao ban", ("giao", "ban")) == [(0, 4), (5, 8)]


def test_only_whole_words_are_marked_even_where_a_word_ends_like_the_query():
    # `hội` ends `khội` and `Khôi`; the phrase `hội nghị` ends inside `xhội nghị`, and the
    # word `nghị` that starts within it is still found.
    marks = Marks(exact=frozenset({"hội", "nghị"}), exact_phrases=frozenset({("hội", "nghị")}))
    assert mark("Khôi khội hội", marks) == "Khôi khội <mark>hội</mark>"
    assert mark("xhội nghị", marks) == "xhội <mark>nghị</mark>"
    # An underscore is no letter: `NGHỊ_1` holds the word.
    assert mark("HỘI NGHỊ_1 nghị", marks) == "<mark>HỘI NGHỊ</mark>_1 <mark>nghị</mark>"


def test_text_beyond_the_basic_plane_keeps_its_offsets():
    marks = Marks(exact=frozenset({"hội"}))
    assert mark("🎉 Hội 𝕏 hội", marks) == "🎉 <mark>Hội</mark> 𝕏 <mark>hội</mark>"
