"""Markup, event handlers, `javascript:` URLs, broken entities and spreadsheet formulas in
articles and queries are shown as text everywhere: search page (titles, snippets, facets,
the correction), suggestions, article page, related articles, searches page, CSV export;
and in headless Chromium nothing of it runs."""

import csv
import io
from urllib.parse import quote, urljoin

import pytest

from ..hostile import (
    BREAKOUT,
    ENTITIES,
    HOSTILE_QUERY,
    IMAGE,
    JAVASCRIPT_URL,
    PAGES,
    SCRIPT,
    SVG,
)
from .conftest import STAFF, STAFF_TOKEN
from .html import assert_no_markup_injected, page, texts
from .webdriver import CHROMEDRIVER, CHROMIUM, Browser


def visible_text(tree) -> str:
    """The text a reader sees, and what is in the search box."""
    return " ".join([*tree.text_content().split(), *tree.xpath("//input[@name='q']/@value")])


@pytest.fixture(scope="module")
def hostile_client(hostile_app):
    client = hostile_app.test_client()
    # Counted, for the searches page, which shows what three readers searched.
    for reader in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        client.get("/?q=" + quote(HOSTILE_QUERY), environ_base={"REMOTE_ADDR": reader})
    client.environ_base["HTTP_AUTHORIZATION"] = STAFF["Authorization"]
    return client


@pytest.mark.parametrize("url", PAGES)
def test_hostile_text_is_shown_as_text_on_every_page(hostile_client, url):
    response = hostile_client.get(url)
    assert response.status_code == (400 if "page=abc" in url else 200)
    tree = page(response)
    assert_no_markup_injected(tree)
    assert PAGES[url] in visible_text(tree)


def test_the_correction_offered_is_text_and_its_link_a_search(hostile_client):
    # The correction is made of words of the index, around articles full of markup.
    tree = page(hostile_client.get("/?q=hội+ngh+giao+ban+<script>"))
    assert texts(tree, "//p[@class='did-you-mean']/a") == ["hội nghị giao ban script"]
    assert tree.xpath("//p[@class='did-you-mean']/a/@href") == [
        "/?q=h%E1%BB%99i+ngh%E1%BB%8B+giao+ban+script"
    ]


def test_every_field_of_the_article_page_is_text(hostile_client):
    tree = page(hostile_client.get("/articles/xss-hoi-nghi"))
    shown = visible_text(tree)
    for text in (
        f"Hội nghị giao ban {SCRIPT} {IMAGE} năm 2021",  # title
        f"Khoa giáo {IMAGE}",  # sector
        f"Lâm An {SVG}",  # author
        f"Tóm tắt {BREAKOUT}",  # summary
        f"Ý kiến bạn đọc {BREAKOUT} được ghi nhận {ENTITIES} đầy đủ.",  # body, entities as typed
        f"Quang cảnh Hội nghị {IMAGE}",  # captions
        f"Chủ đề {SCRIPT}",  # topics
        f"Tin chưa có {SCRIPT}",  # a related title not in the index
        f"Nguồn: {JAVASCRIPT_URL}",  # the url, as text
    ):
        assert text in shown, text
    assert texts(tree, "//title") == [
        f"Hội nghị giao ban {SCRIPT} {IMAGE} năm 2021 – Tra cứu tin bài"
    ]


@pytest.mark.parametrize(
    ("article_id", "source_link"),
    [
        ("xss-hoi-nghi", None),  # javascript:
        ("xss-cong-thuc", None),  # data:
        ("../../api/search?q=x", "https://tuyengiao.example.vn/tin/duong-dan"),
    ],
)
def test_only_web_addresses_become_links(hostile_client, article_id, source_link):
    tree = page(hostile_client.get("/articles/" + quote(article_id, safe="")))
    hrefs = tree.xpath("//a/@href")
    assert not [h for h in hrefs if not h.startswith(("/", "#", "https://", "http://"))], hrefs
    assert tree.xpath("//a[normalize-space()='Xem bài gốc ↗']/@href") == (
        [source_link] if source_link else []
    )


def test_an_id_cannot_point_its_link_out_of_the_articles(hostile_client):
    tree = page(hostile_client.get("/?q=duong+dan"))
    (href,) = tree.xpath("//li[@class='hit']//h2/a/@href")
    assert href == "/articles/..%2F..%2Fapi%2Fsearch%3Fq=x"
    # Resolved as a browser does, the link stays under /articles/ and opens the article.
    resolved = urljoin("http://tim.example.vn/?q=duong+dan", href)
    assert resolved == "http://tim.example.vn" + href
    opened = page(hostile_client.get(href))
    assert texts(opened, "//article//h1") == ["Hội nghị giao ban về đường dẫn lạ"]


def test_suggestions_are_plain_text_json(hostile_client):
    response = hostile_client.get("/api/suggest?q=hoi+nghi+giao+ban")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    texts_found = [s["text"] for s in response.get_json()]
    assert f"Hội nghị giao ban {SCRIPT} {IMAGE} năm 2021" in texts_found
    opensearch = hostile_client.get("/api/suggest?format=opensearch&q=" + quote(SCRIPT))
    assert opensearch.mimetype == "application/x-suggestions+json"
    assert opensearch.get_json()[0] == SCRIPT


def test_the_json_api_carries_text_not_html_except_marked_titles(hostile_client):
    result = hostile_client.get("/api/search?q=hoi+nghi+giao+ban+nam+2021").get_json()
    hit = next(h for h in result["hits"] if h["id"] == "xss-hoi-nghi")
    # Titles and snippets are HTML (documented): escaped, with only <mark> as markup.
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in hit["title"]
    assert "<script>" not in hit["title"] and "<img" not in hit["snippet"]
    assert hit["sector"] == f"Khoa giáo {IMAGE}"  # plain values are text
    assert hit["url"] == JAVASCRIPT_URL


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_csv_export_is_text_and_never_a_formula(hostile_client):
    rows = {r["id"]: r for r in csv_rows(hostile_client.get("/search.csv?q=hoi+nghi+giao+ban"))}
    assert rows["xss-hoi-nghi"]["title"] == f"Hội nghị giao ban {SCRIPT} {IMAGE} năm 2021"
    assert rows["xss-hoi-nghi"]["topics"] == (
        f'Chủ đề {SCRIPT}; Giao ban {SVG}; =HYPERLINK("http://evil")'
    )
    formulas = rows["xss-cong-thuc"]
    assert formulas["title"] == f"'=1+1 Hội nghị giao ban tuyên giáo {BREAKOUT}"
    assert formulas["sector"] == "'+Tuyên truyền"
    assert formulas["topics"] == "'@SUM(A1); -2+3"
    for row in rows.values():
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_the_searches_page_shows_queries_as_text(hostile_client):
    tree = page(hostile_client.get("/searches"))
    assert_no_markup_injected(tree)
    links = tree.xpath("//table//a")
    assert HOSTILE_QUERY.lower() in [" ".join(a.text_content().split()) for a in links]


needs_chromium = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver",
)
# What would show that something ran or was injected into the page.
PWNED = """return {
    flag: window.__pwned === undefined ? null : window.__pwned,
    title: document.title,
    injected: document.querySelectorAll(
        'script:not([src]), img[src="x"], svg, [onerror], [onload]').length,
    text: document.body.innerText + " " + document.querySelector("input[name=q]").value,
};"""


@pytest.fixture(scope="module")
def browser():
    from .conftest import free_port

    opened = Browser(free_port())
    yield opened
    opened.quit()


@pytest.mark.slow
@needs_chromium
def test_nothing_runs_in_chromium_on_any_page(browser, hostile_server):
    browser.open(hostile_server.url + "/?q=" + quote(HOSTILE_QUERY))  # for /searches
    # The staff login, through its form, for /searches.
    browser.open(hostile_server.url + "/login")
    browser.wait_for("input[name=password]")[0].type(STAFF_TOKEN + "\ue007")
    browser.wait_for(".stats")
    for url, shown in PAGES.items():
        browser.open(hostile_server.url + url)
        browser.wait_for("main")
        state = browser.run(PWNED)
        assert state["flag"] is None, url
        assert state["title"] != "pwned" and state["injected"] == 0, (url, state["title"])
        assert shown in " ".join(state["text"].split()), url


@pytest.mark.slow
@needs_chromium
def test_nothing_runs_in_chromium_from_the_suggestion_list(browser, hostile_server):
    browser.open(hostile_server.url + "/")
    box = browser.wait_for("input[name=q]")[0]
    box.type("hoi nghi giao ban")
    options = browser.wait_for(".ss-suggestions [role=option]")
    shown = [o.text for o in options]
    assert f"Hội nghị giao ban {SCRIPT} {IMAGE} năm 2021" in shown
    state = browser.run(PWNED)
    assert state["flag"] is None and state["title"] != "pwned" and state["injected"] == 0
