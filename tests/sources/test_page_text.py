import unicodedata
from pathlib import Path

import pytest

from search_service.errors import BadRecord
from search_service.sources.page_text import parse_page_text

SEED = (
    Path(__file__).resolve().parents[2]
    / "search_service"
    / "samples"
    / "pages"
    / "article-khoa-giao-q3-2021.txt"
)
TITLE = "Ban Tuyên giáo Tỉnh ủy tổ chức Hội nghị giao ban công tác Khoa giáo Quý 3 năm 2021"


@pytest.fixture(scope="module")
def seed():
    return parse_page_text(SEED.read_text(encoding="utf-8"), str(SEED))


def test_seed_fields(seed):
    assert seed["id"] == "article-khoa-giao-q3-2021"
    assert seed["title"] == TITLE
    assert seed["date"] == "2021-10-06"
    assert seed["author"] == "Lâm An"
    assert set(seed) == {"id", "title", "body", "date", "author", "captions", "related_titles"}


def test_seed_captions_joined_and_title_repeat_dropped(seed):
    assert seed["captions"] == [
        "Đồng chí Lê Hữu Thọ, Ủy viên Ban Thường vụ Tỉnh ủy, Trưởng ban Tuyên giáo Tỉnh ủy "
        "chủ trì Hội nghị",
        "Đại diện lãnh đạo các đơn vị phát biểu ý kiến tại cuộc họp",
        "Quang cảnh Hội nghị",
    ]


def test_seed_related_titles(seed):
    assert seed["related_titles"] == [
        "Ban Tuyên giáo Tỉnh ủy tổ chức Hội nghị giao ban công tác Khoa giáo Quý 1 năm 2022",
        "Hội nghị giao ban công tác tuyên giáo quý III năm 2021",
        # The page has two spaces after `tuyên giáo`.
        "Thị ủy Ninh Hòa tổ chức Hội nghị tổng kết công tác tuyên giáo và hoạt động báo cáo "
        "viên Thị ủy năm 2021",
        "HỘI NGHỊ GIAO BAN AN NINH TƯ TƯỞNG QUÝ I/2022",
        "Tiếp tục nâng cao chất lượng, hiệu quả công tác tuyên giáo",
        "Kiểm tra thực hiện Chỉ thị số 05 gắn với Nghị quyết Trung ương 4 khóa XII về xây dựng "
        "Đảng tại Đảng ủy Khối các cơ quan tỉnh",
    ]


def test_seed_body(seed):
    paragraphs = seed["body"].split("\n\n")
    assert [p[:40] for p in paragraphs] == [
        "Chiều ngày 06/10/2021, Ban Tuyên giáo Tỉ",
        "Trong quý 3 năm 2021, trước bối cảnh tìn",
        "Ngành Tuyên giáo đã chủ động phối hợp vớ",
        "Ngành Y tế tăng cường, nâng cao chất lượ",
        "Tại hội nghị, các đại biểu đã trao đổi, ",
        "Kết luận Hội nghị, đồng chí Lê Hữu Thọ g",
    ]
    assert paragraphs[-1].endswith("nâng cao công tác Khoa giáo trong thời gian tới.")
    assert len(set(paragraphs)) == len(paragraphs)
    for text in ("Gửi bình luận", "tuy&ec", "Tin khác cùng chủ đề", "Lâm An", "Quang cảnh"):
        assert text not in seed["body"]
    assert TITLE not in seed["body"]
    assert "  " not in seed["body"]


def test_seed_every_body_sentence_once(seed):
    # Regression: the truncated summary at the foot repeats the first caption and paragraphs.
    assert seed["body"].count("Trong quý 3 năm 2021, trước bối cảnh") == 1
    assert seed["body"].count("Ngành Tuyên giáo đã chủ động") == 1


def test_decomposed_page_gives_the_same_record(seed):
    nfd = unicodedata.normalize("NFD", SEED.read_text(encoding="utf-8"))
    assert parse_page_text(nfd, str(SEED)) == seed


PAGE = """Sáng nay, Hội nghị bàn về công tác tuyên truyền.

Hội nghị tuyên truyền
Hội nghị tuyên truyền

Các đại biểu phát biểu

Hội nghị đã thống nhất nhiều nội dung quan trọng.

Hội nghị đã thống nhất nhiều nội dung quan trọng.

\u00a0 \u00a0 \u00a0 \u00a0 \u00a0 \u00a0 Minh Anh

Gửi bình luận của bạn
"""


def test_small_page_without_date():
    assert parse_page_text(PAGE, "pages/tuyen-truyen.txt") == {
        "id": "tuyen-truyen",
        "title": "Hội nghị tuyên truyền",
        "body": "Sáng nay, Hội nghị bàn về công tác tuyên truyền.\n\n"
        "Hội nghị đã thống nhất nhiều nội dung quan trọng.",
        "author": "Minh Anh",
        "captions": ["Các đại biểu phát biểu"],
    }


def test_title_without_repeat_is_the_first_short_line():
    text = "Chiều ngày 06/10/2021, Hội nghị khai mạc.\n\nHội nghị khai mạc\n\nNội dung chính."
    record = parse_page_text(text, "a.txt")
    assert record["title"] == "Hội nghị khai mạc"
    assert record["body"] == "Chiều ngày 06/10/2021, Hội nghị khai mạc.\n\nNội dung chính."
    assert record["date"] == "2021-10-06"


def test_repeated_title_may_end_with_a_question_mark():
    text = "\ufeffVì sao phải đọc sách?\nVì sao phải đọc sách?\n\nĐọc sách mở mang trí tuệ.\n"
    assert parse_page_text(text, "doc-sach.txt") == {
        "id": "doc-sach",
        "title": "Vì sao phải đọc sách?",
        "body": "Đọc sách mở mang trí tuệ.",
    }


def test_no_title_is_a_bad_record():
    with pytest.raises(BadRecord) as error:
        parse_page_text("Chỉ có một câu dài kết thúc bằng dấu chấm.\n", "pages/x.txt")
    assert error.value.reason == "no title found in the page text"
    assert error.value.source == "pages/x.txt"


def test_no_body_is_a_bad_record():
    with pytest.raises(BadRecord, match="no body text"):
        parse_page_text("Tiêu đề\nTiêu đề\n\nGửi bình luận của bạn\n", "x.txt")


def test_empty_page_is_a_bad_record():
    with pytest.raises(BadRecord):
        parse_page_text("", "x.txt")
