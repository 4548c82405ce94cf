"""The staff pages over the sample index: what a reader sees and where each link leads."""

from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import STAFF
from .html import by_class, links, page, texts

HITS = f"//li[{by_class('hit')}]"
PRECISE_HITS = "//ol[@class='hits'][not(ancestor::section[@class='fallback'])]/li"
BAD_PARAMETER = "Tham số không hợp lệ: hãy kiểm tra ngày tháng, số trang và số kết quả."
SECTOR_FACET = f"//section[{by_class('facet')}][h3='Lĩnh vực']//a"


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_a_query_without_marks_finds_highlighted_results(client):
    tree = page(client.get("/?q=hoi nghi giao ban"))
    assert texts(tree, "//h1")[0].startswith("6 kết quả cho hoi nghi giao ban (")
    assert texts(tree, f"//p[{by_class('reading')}]") == ["Tìm theo: hội nghị giao ban"]
    assert texts(tree, f"{HITS}//h2")[:2] == [
        "HỘI NGHỊ GIAO BAN AN NINH TƯ TƯỞNG QUÝ I/2022",
        "Hội nghị giao ban công tác tuyên giáo quý III năm 2021",
    ]
    assert texts(tree, f"({HITS})[1]//h2//mark") == ["HỘI NGHỊ GIAO BAN"]
    assert "Hội nghị giao ban" in texts(tree, f"({HITS})[2]//p[{by_class('snippet')}]/mark")
    assert links(tree, f"({HITS})[1]//h2/a") == {
        "HỘI NGHỊ GIAO BAN AN NINH TƯ TƯỞNG QUÝ I/2022": "/articles/dl-2022-an-ninh-tu-tuong-q1"
    }
    assert texts(tree, f"({HITS})[1]//p[{by_class('meta')}]") == ["15/04/2022 Dư luận xã hội"]
    assert tree.xpath("//input[@name='q']/@value") == ["hoi nghi giao ban"] * 2


def test_sectors_are_chosen_and_unchosen_by_their_links(client):
    tree = page(client.get("/?q=hoi nghi"))
    sectors = links(tree, SECTOR_FACET)
    assert list(sectors)[:2] == ["Khoa giáo 7", "Tuyên truyền 6"]
    assert query_of(sectors["Khoa giáo 7"]) == {"q": ["hoi nghi"], "sector": ["Khoa giáo"]}

    chosen = page(client.get(sectors["Khoa giáo 7"]))
    assert set(texts(chosen, f"{PRECISE_HITS}//span[{by_class('sector')}]")) == {"Khoa giáo"}
    assert len(chosen.xpath(PRECISE_HITS)) == 7
    # The fallback fills the page, within the sector chosen too.
    assert set(texts(chosen, f"{HITS}//span[{by_class('sector')}]")) == {"Khoa giáo"}
    selected = chosen.xpath(f"{SECTOR_FACET}[@aria-current='true']")
    assert [" ".join(a.text_content().split()) for a in selected] == [
        "Khoa giáo 7 (đang chọn, bấm để bỏ)"
    ]
    assert query_of(selected[0].get("href")) == {"q": ["hoi nghi"]}
    # A second sector widens the choice: any of them.
    both = links(chosen, SECTOR_FACET)["Tuyên truyền 6"]
    assert query_of(both)["sector"] == ["Khoa giáo", "Tuyên truyền"]
    assert len(page(client.get(both)).xpath(PRECISE_HITS)) == 10


def test_topics_filter_and_show_their_counts(client):
    tree = page(client.get("/?topic=Chuyển đổi số"))
    assert len(tree.xpath(HITS)) == 5
    assert texts(tree, "//section[h3='Chủ đề']//a[@aria-current='true']/span[@class='label']") == [
        "Chuyển đổi số"
    ]


def test_pages_are_numbered_and_linked(client):
    first = page(client.get("/?q=hoi nghi"))
    assert texts(first, "//nav[@aria-label='Phân trang']//li") == [
        "‹ Trước",
        "1",
        "2",
        "3",
        "4",
        "Sau ›",
    ]
    assert first.xpath("//a[@aria-current='page']/text()") == ["1"]
    following = first.xpath("//a[@rel='next']/@href")[0]
    assert query_of(following) == {"q": ["hoi nghi"], "page": ["2"]}
    second = page(client.get(following))
    assert second.xpath("//ol[@class='hits']/@start") == ["11"]
    assert query_of(second.xpath("//a[@rel='prev']/@href")[0]) == {"q": ["hoi nghi"]}


def test_page_size_comes_from_the_settings_and_the_url(make_app):
    client = make_app(PAGE_SIZE=4).test_client()
    assert len(page(client.get("/?q=hoi nghi")).xpath(HITS)) == 4
    assert len(page(client.get("/?q=hoi nghi&limit=6")).xpath(HITS)) == 6


def test_sort_orders_are_links_and_sort(client):
    tree = page(client.get("/?q=hoi nghi giao ban&sort=newest"))
    sorts = links(tree, "//nav[@aria-label='Sắp xếp']//a")
    assert list(sorts) == ["Liên quan nhất", "Mới nhất", "Cũ nhất"]
    assert tree.xpath("//nav[@aria-label='Sắp xếp']//a[@aria-current]/text()") == ["Mới nhất"]
    assert query_of(sorts["Liên quan nhất"]) == {"q": ["hoi nghi giao ban"]}
    days = tree.xpath(f"{PRECISE_HITS}//time/@datetime")
    assert len(days) == 6 and days == sorted(days, reverse=True)
    oldest = page(client.get(sorts["Cũ nhất"])).xpath(f"{PRECISE_HITS}//time/@datetime")
    assert oldest == sorted(oldest)


def test_the_fallback_tier_is_labelled_after_the_matches(client):
    tree = page(client.get("/?q=hoi nghi giao ban&sort=newest"))
    assert len(tree.xpath(PRECISE_HITS)) == 6
    assert texts(tree, "//section[@class='fallback']/h2") == ["Kết quả gần đúng"]
    assert len(tree.xpath("//section[@class='fallback']//li")) == 4


def test_a_word_no_article_holds_is_named(client):
    tree = page(client.get("/?q=hội nghị xqzvbn"))
    assert texts(tree, "//h1")[0].startswith("Không tìm thấy kết quả cho hội nghị xqzvbn")
    assert texts(tree, f"//p[{by_class('missing')}]") == ["Không tìm thấy: xqzvbn"]
    assert len(tree.xpath("//section[@class='fallback']//li")) == 10


def test_a_correction_is_offered_with_its_link(client):
    tree = page(client.get("/?q=hội ngh giao ban"))
    assert texts(tree, f"//p[{by_class('did-you-mean')}]") == [
        "Có phải bạn muốn tìm: hội nghị giao ban?"
    ]
    link = tree.xpath(f"//p[{by_class('did-you-mean')}]/a/@href")[0]
    assert query_of(link) == {"q": ["hội nghị giao ban"]}


def test_keystrokes_are_read_and_the_reading_shown(client):
    tree = page(client.get("/?q=hooij nghij giao ban"))
    assert texts(tree, f"//p[{by_class('reading')}]") == ["Tìm theo: hội nghị giao ban"]
    assert tree.xpath(f"//p[{by_class('did-you-mean')}]") == []


def test_without_a_query_the_newest_articles_are_listed(client):
    tree = page(client.get("/"))
    assert texts(tree, "//h1")[0].startswith("Tin bài mới nhất · 48 bài (")
    assert tree.xpath(f"({HITS})[1]//time/@datetime") == ["2025-04-10"]
    # Without words to rank by there is no relevance order: newest is the one shown.
    sorts = tree.xpath("//nav[@aria-label='Sắp xếp']//a")
    assert [(a.text, a.get("aria-current")) for a in sorts] == [
        ("Mới nhất", "true"),
        ("Cũ nhất", None),
    ]
    assert tree.xpath("//link[@rel='search']/@href") == ["/opensearch.xml"]


def test_dates_filter_and_years_set_the_dates(client):
    tree = page(client.get("/?q=hoi nghi giao ban&from=01/01/2021&to=2021-12-31"))
    assert set(d[:4] for d in tree.xpath(f"{HITS}//time/@datetime")) == {"2021"}
    assert tree.xpath("//input[@name='from']/@value") == ["01/01/2021"]
    years = links(page(client.get("/?q=hoi nghi")), "//ul[@class='years']//a")
    assert query_of(years["2022 5"]) == {
        "q": ["hoi nghi"],
        "from": ["2022-01-01"],
        "to": ["2022-12-31"],
    }
    chosen = page(client.get(years["2022 5"]))
    assert len(chosen.xpath(PRECISE_HITS)) == 5
    unchoose = chosen.xpath("//ul[@class='years']//a[@aria-current]/@href")
    assert [query_of(u) for u in unchoose] == [{"q": ["hoi nghi"]}]


def test_related_to_lists_the_linked_articles(client):
    tree = page(client.get("/?related_to=kg-2022-giao-ban-q1&sort=oldest"))
    assert tree.xpath(f"{HITS}//h2/a/@href") == [
        "/articles/article-khoa-giao-q3-2021",
        "/articles/tt-2021-giao-ban-q3",
        "/articles/kg-2021-tong-ket-chi-thi-10",
        "/articles/dl-2022-an-ninh-tu-tuong-q1",
        "/articles/hoi-thao-chuyen-doi-so-2023",
        "/articles/kg-2025-giao-ban-q1",
    ]


def test_nothing_found_says_so_and_offers_to_widen(client):
    tree = page(client.get("/?q=xyzzy&sector=Khoa giáo"))
    assert texts(tree, "//h1")[0].startswith("Không tìm thấy kết quả cho xyzzy")
    assert "Bỏ các bộ lọc để tìm rộng hơn." in texts(tree, f"//div[{by_class('empty')}]//li")


def test_the_article_page_shows_the_article_and_its_links(client):
    tree = page(client.get("/articles/kg-2022-giao-ban-q1"))
    assert texts(tree, "//h1") == [
        "Ban Tuyên giáo Tỉnh ủy tổ chức Hội nghị giao ban công tác Khoa giáo Quý 1 năm 2022"
    ]
    assert texts(tree, "//article//header/p[@class='meta']") == ["08/04/2022 Lâm An Xem bài gốc ↗"]
    assert len(tree.xpath("//div[@class='body']/p")) == 4
    assert links(tree, "//p[@class='eyebrow']/a") == {"Khoa giáo": "/?sector=Khoa+gi%C3%A1o"}
    assert links(tree, "//section[@class='topics']//a") == {
        "Hội nghị giao ban": "/?topic=H%E1%BB%99i+ngh%E1%BB%8B+giao+ban",
        "Phòng chống dịch Covid-19": "/?topic=Ph%C3%B2ng+ch%E1%BB%91ng+d%E1%BB%8Bch+Covid-19",
        "Giáo dục - Đào tạo": "/?topic=Gi%C3%A1o+d%E1%BB%A5c+-+%C4%90%C3%A0o+t%E1%BA%A1o",
    }
    related = links(tree, "//ul[@class='related-list']/li/a")
    assert list(related.values())[:3] == [
        "/articles/tt-2021-giao-ban-q3",
        "/articles/kg-2021-tong-ket-chi-thi-10",
        "/articles/dl-2022-an-ninh-tu-tuong-q1",
    ]
    assert tree.xpath("//link[@rel='alternate']/@href") == ["/api/articles/kg-2022-giao-ban-q1"]


def test_article_text_is_escaped(make_app, tmp_path):
    from search_service.ingest import pipeline

    from ..records import article, write_jsonl

    source = write_jsonl(
        tmp_path / "a.jsonl",
        [article(1, title="Hội nghị <script>alert(1)</script>", body="<b>Đậm</b>\n\nHết")],
    )
    pipeline.ingest([source], tmp_path / "index", workers=1)
    client = make_app(INDEX=str(tmp_path / "index")).test_client()
    for url in ("/articles/a1", "/?q=hoi nghi"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<b>Đậm" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert texts(page(client.get("/articles/a1")), "//div[@class='body']/p") == [
        "<b>Đậm</b>",
        "Hết",
    ]


@pytest.mark.parametrize(
    ("url", "status", "heading"),
    [
        ("/articles/khong-co", 404, "Không có tin bài nào với mã này."),
        ("/khong-co-trang-nay", 404, "Không tìm thấy nội dung này."),
        ("/?from=31/02/2021", 400, BAD_PARAMETER),
        ("/?page=-1", 400, BAD_PARAMETER),
        ("/searches?days=0", 400, BAD_PARAMETER),
    ],
)
def test_errors_are_vietnamese_pages(client, url, status, heading):
    response = client.get(url, headers=STAFF)
    assert response.status_code == status
    tree = page(response)
    assert texts(tree, "//h1") == [heading]
    assert texts(tree, "//p[@class='error-status']") == [f"Lỗi {status}"]


def test_a_bad_date_keeps_the_query_in_the_box(client):
    tree = page(client.get("/?q=hội nghị&from=31/02/2021"))
    assert tree.xpath("//input[@name='q']/@value") == ["hội nghị"]
    assert texts(tree, "//p[@lang='en']") == [
        "from: impossible date '31/02/2021': day is out of range for month"
    ]


def test_the_opensearch_description_points_to_the_public_url(make_app):
    client = make_app(PUBLIC_URL="https://tim.example.vn/").test_client()
    response = client.get("/opensearch.xml", base_url="http://127.0.0.1:8000")
    assert response.content_type == "application/opensearchdescription+xml; charset=utf-8"
    body = response.get_data(as_text=True)
    assert (
        '<Url type="text/html" method="get" template="https://tim.example.vn/?q={searchTerms}"/>'
        in body
    )
    assert (
        'template="https://tim.example.vn/api/suggest?format=opensearch&amp;q={searchTerms}"'
        in body
    )
    assert "<ShortName>Tra cứu tin bài</ShortName>" in body


# Regression (issue 13): the Host header a client sent was reflected into the absolute URLs,
# so a forged Host made the description point browsers elsewhere.
@pytest.mark.parametrize("proxies", [0, 1])
def test_the_opensearch_description_ignores_the_host_sent(make_app, proxies):
    client = make_app(PROXY_HOPS=proxies).test_client()
    body = client.get(
        "/opensearch.xml",
        base_url="http://ke-gian.example",
        headers={"X-Forwarded-Host": "ke-gian.example", "X-Forwarded-Proto": "https"},
    ).get_data(as_text=True)
    assert "ke-gian" not in body
    assert 'template="http://127.0.0.1:8000/?q={searchTerms}"' in body
