from search_service.text import segmentation as segment_module
from search_service.text.segmentation import JOINER, segment


def test_segment_marks_words_and_keeps_length():
    text = "Chiều ngày 06/10/2021, Ban Tuyên giáo Tỉnh ủy tổ chức Hội nghị."
    marked = segment(text)
    assert len(marked) == len(text)
    assert marked.replace(JOINER, " ") == text
    assert "Hội\ue000nghị" in marked
    assert "06/10/2021" in marked


def test_segment_keeps_lines_and_odd_characters():
    text = "snake_case HIV/AIDS.Dự án\n\nĐoạn  thứ hai"
    marked = segment(text)
    assert marked.replace(JOINER, " ") == text
    assert "snake_case" in marked


def test_long_paragraphs_are_segmented_in_slices():
    text = " ".join(["Hội nghị giao ban"] * 3000)
    marked = segment(text)
    assert len(marked) == len(text)
    assert marked.count("Hội\ue000nghị") > 2900


def test_a_long_run_without_spaces_is_the_same_cut_or_not(monkeypatch):
    """Regression: pyvi was given a megabyte of combining marks, a token each (12 s), to join
    nothing: only a space becomes a JOINER. Cut in slices or whole, such a run is the text."""
    run = "Hội\u0301nghị-7/ệ" * 2000
    assert segment(run) == run
    monkeypatch.setattr(segment_module, "_MAX_CHUNK", len(run) + 1)
    assert segment(run) == run
