import unicodedata

import pytest

from search_service.errors import BadRecord
from search_service.sources.html_page import looks_like_html, parse_html_page

PAGE = """<!DOCTYPE html>
<html lang="vi"><head>
<meta charset="utf-8">
<title>Hội nghị giao ban công tác Khoa giáo - Báo Khánh Hòa</title>
<meta name="description" content="Chiều 6-10, Ban Tuyên giáo Tỉnh ủy tổ chức hội nghị.">
<link rel="canonical" href="https://baokhanhhoa.example/khoa-giao/hoi-nghi-123.html">
<script>var tracker = "Đây là mã theo dõi";</script>
<style>p { color: red }</style>
</head><body>
<header><h1 class="logo">Báo Khánh Hòa</h1><div class="today">Thứ Năm, 16/03/2023</div>
<nav class="main-nav"><a href="/">Trang chủ</a> <a href="/thoi-su">Thời sự</a></nav></header>
<ol class="breadcrumb"><li><a href="/">Trang chủ</a></li><li><a href="/chinh-tri">Chính trị</a>
</li><li><a href="/khoa-giao">Khoa giáo</a></li></ol>
<div class="container">
<article>
<h1>Hội nghị giao ban công tác Khoa giáo</h1>
<div class="meta"><span class="author">Tác giả: Lâm An</span> Cập nhật: 06/10/2021 - 17:30</div>
<div class="sapo">(TG) - Hội nghị đánh giá công tác Khoa giáo Quý 3 năm 2021.</div>
<div class="article-body">
<p>Chiều ngày 06/10/2021, Ban Tuyên giáo Tỉnh ủy tổ chức Hội nghị giao ban.</p>
<figure><img src="a.jpg" alt=""><figcaption>Quang cảnh   Hội nghị</figcaption></figure>
<p>Các đại biểu đã  trao đổi,
thảo luận về <b>kết quả</b> thực hiện nhiệm vụ.</p>
<script>document.write("Quảng cáo chèn giữa bài")</script>
<div class="share-box"><a href="#">Chia sẻ Facebook</a></div>
<p>Các đại biểu đã trao đổi, thảo luận về kết quả thực hiện nhiệm vụ.</p>
<!-- <p>Đoạn đã ẩn</p> -->
<p>Ngành Y tế<br>tăng cường phòng, chống dịch.<br> <br>Covid-19 đã được kiểm soát.</p>
</div>
<div class="related-news"><h3>Tin liên quan</h3>
<ul><li><a href="/q1">Hội nghị Quý 1 năm 2022</a></li></ul></div>
<div id="comments"><p>Gửi bình luận của bạn</p><div class="comment-author">Nguyễn Văn A</div>
</div>
</article>
<aside class="sidebar"><p>Đọc nhiều nhất</p></aside>
</div>
<footer>Bản quyền thuộc về Báo Khánh Hòa</footer>
</body></html>
"""


def test_article_page():
    assert parse_html_page(PAGE.encode(), "pages/hoi-nghi-khoa-giao.html") == {
        "id": "hoi-nghi-khoa-giao",
        "title": "Hội nghị giao ban công tác Khoa giáo",
        # From the text under the title, not the header's date of today.
        "date": "2021-10-06",
        "sector": "Khoa giáo",
        "author": "Lâm An",
        "summary": "Chiều 6-10, Ban Tuyên giáo Tỉnh ủy tổ chức hội nghị.",
        "url": "https://baokhanhhoa.example/khoa-giao/hoi-nghi-123.html",
        "related_titles": ["Hội nghị Quý 1 năm 2022"],
        # The sapo (lead) first, outside the body's box.
        "body": "(TG) - Hội nghị đánh giá công tác Khoa giáo Quý 3 năm 2021.\n\n"
        "Chiều ngày 06/10/2021, Ban Tuyên giáo Tỉnh ủy tổ chức Hội nghị giao ban.\n\n"
        "Các đại biểu đã trao đổi, thảo luận về kết quả thực hiện nhiệm vụ.\n\n"
        # One <br> breaks a line, two break a paragraph.
        "Ngành Y tế tăng cường phòng, chống dịch.\n\n"
        "Covid-19 đã được kiểm soát.",
        "captions": ["Quang cảnh Hội nghị"],
    }


META_PAGE = """<html><head>
<meta property="og:title" content="Tiếp tục nâng cao chất lượng công tác tuyên giáo">
<meta property="og:url" content="https://example.vn/tuyen-giao/123">
<meta property="article:published_time" content="2022-03-16T09:15:00+07:00">
<meta property="article:section" content="Tuyên truyền">
<meta name="author" content="Minh Anh">
<meta property="article:tag" content="Tuyên giáo">
<meta property="article:tag" content="Hội nghị">
<title>Trang tin - Tiếp tục nâng cao</title>
</head><body>
<form id="form1">
<nav aria-label="breadcrumb"><a href="/">Trang chủ</a> » <a href="/ly-luan">Lý luận</a></nav>
<div id="main-content"><div class="detail-content">
<p>Ngày 15/03/2022, Ban Tuyên giáo tổ chức hội nghị.</p>
<table><tr><td class="image-caption">Đại biểu dự hội nghị</td></tr></table>
<div class="tin-lien-quan"><a href="/a">Bài cũ</a></div>
<p>Công tác tuyên giáo tiếp tục được nâng cao.</p>
<p class="author">Minh Anh</p>
</div></div>
</form></body></html>"""


def test_metadata_wins_over_page_text():
    # ASP.NET sites wrap the whole page in a <form>: the article inside must survive.
    assert parse_html_page(META_PAGE.encode(), "tuyen-giao.htm") == {
        "id": "tuyen-giao",
        "title": "Tiếp tục nâng cao chất lượng công tác tuyên giáo",
        "date": "2022-03-16T09:15:00+07:00",
        "sector": "Tuyên truyền",
        "author": "Minh Anh",
        "url": "https://example.vn/tuyen-giao/123",
        "topics": ["Tuyên giáo", "Hội nghị"],
        "related_titles": ["Bài cũ"],
        "body": "Ngày 15/03/2022, Ban Tuyên giáo tổ chức hội nghị.\n\n"
        "Công tác tuyên giáo tiếp tục được nâng cao.",
        "captions": ["Đại biểu dự hội nghị"],
    }


def test_title_from_title_tag_and_sector_from_breadcrumb_nav():
    page = """<html><head><title>Văn hóa đọc trong nhà trường | Báo Giáo dục</title></head>
    <body><nav aria-label="Breadcrumb"><a href="/">Trang chủ</a> › <span>Giáo dục</span></nav>
    <div class="entry"><p>Ngày 5 tháng 12 năm 2011, Bộ ban hành chỉ thị.</p></div></body></html>"""
    assert parse_html_page(page.encode(), "doc.html") == {
        "id": "doc",
        "title": "Văn hóa đọc trong nhà trường",
        # The title is not in the page's text: the date comes from the lead.
        "date": "2011-12-05",
        "sector": "Giáo dục",
        "body": "Ngày 5 tháng 12 năm 2011, Bộ ban hành chỉ thị.",
    }


def test_broken_html():
    page = "<title>Tin ngắn</title><p>Đoạn một<p>Hai</div></b><td>Ba</i>"
    assert parse_html_page(page.encode(), "tin.html") == {
        "id": "tin",
        "title": "Tin ngắn",
        "body": "Đoạn một\n\nHai\n\nBa",
    }


def test_declared_windows_1258_charset():
    # Windows-1258 writes tone marks as combining characters (0xD2 hook above, 0xF2 dot
    # below); they are kept as given, Article.from_record normalizes them.
    data = (
        b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'
        b"<title>H\xf4\xf2i ngh\x69\xf2</title></head><body><p>Ti\xd2nh u\xd2y.</p></body></html>"
    )
    record = parse_html_page(data, "cp1258.html")
    assert record["title"] == "Hô\u0323i nghi\u0323"
    assert unicodedata.normalize("NFC", record["title"]) == "Hội nghị"
    assert unicodedata.normalize("NFC", record["body"]) == "Tỉnh ủy."


def test_ten_thousand_nested_tags():
    # Regression: libxml2 stops at 256 levels and dropped the rest of the page; deeper
    # tags are flattened instead, and nothing recurses in Python.
    page = (
        "<html><head><title>Bài rất sâu</title></head><body>"
        + "<div>" * 10_000
        + "<p>Nội dung ở rất sâu.</p>"
        + "</div>" * 10_000
        + "<p>Đoạn cuối trang.</p></body></html>"
    )
    record = parse_html_page(page.encode(), "deep.html")
    assert record["title"] == "Bài rất sâu"
    assert record["body"] == "Nội dung ở rất sâu.\n\nĐoạn cuối trang."


def test_ten_thousand_unclosed_inline_tags():
    page = "<title>Sâu</title><p>Mở đầu.</p>" + "<b><i>" * 10_000 + "Chữ đậm nghiêng."
    assert parse_html_page(page.encode(), "deep.html")["body"] == "Mở đầu.\n\nChữ đậm nghiêng."


def test_undecodable_bytes():
    data = b'<html><head><meta charset="utf-8"><title>Ti\xeau \xf0\xe8</title></head></html>'
    with pytest.raises(BadRecord) as error:
        parse_html_page(data, "bad.html")
    assert error.value.reason == (
        "cannot decode the page as utf-8 (invalid continuation byte at byte 43)"
    )
    assert str(error.value).startswith("bad.html: ")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the HTML page is empty"),
        ("<html><body><p>Bài viết không có tiêu đề.</p></body></html>".encode(), "no title"),
        ("<title>Chỉ có tiêu đề</title><body></body>".encode(), "no article"),
        ("<title>T</title><nav><p>Trang chủ</p></nav>".encode(), "no article"),
    ],
)
def test_bad_pages(data, reason):
    with pytest.raises(BadRecord, match=reason):
        parse_html_page(data, "x.html")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"<!DOCTYPE html><html>", True),
        (b"\xef\xbb\xbf\n  <html lang='vi'>", True),
        (b"<meta charset='utf-8'><title>Tin</title>", True),
        (b'{"id": "a", "title": "Tin"}', False),
        ("Chiều ngày 06/10/2021, <b>Ban</b>".encode(), False),
        (b"<?xml version='1.0'?><rss>", False),
        (b"", False),
    ],
)
def test_looks_like_html(head, expected):
    assert looks_like_html(head) is expected
