from search_service.segment import JOINER, segment


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
